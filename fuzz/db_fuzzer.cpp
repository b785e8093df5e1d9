// libFuzzer target: the readers of a study database (`tunelab show`, `export`, `replay`, `plot`), fed a file they
// did not write. The first byte picks the mode:
//   even: the rest is the database file's bytes (a damaged or crafted SQLite file);
//   odd:  the rest is split at '\n' into up to five JSON texts that replace, in a small valid study, the spec,
//         trial 0's config, the metrics of its two results and an event's details (crafted values in a sound file).
// The file is written to a temporary folder and opened read-only; every reader runs on it. A refusal is fine; any
// crash, sanitizer report, uncaught exception or hang is a bug.
#include <sqlite3.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "core/analysis/chart_data.h"
#include "core/analysis/replay.h"
#include "core/analysis/summary.h"
#include "core/store/store.h"

namespace fs = std::filesystem;
using namespace tunelab;

namespace {

const std::string& work_dir() {
  static const std::string dir = [] {
    std::string t = (fs::temp_directory_path() / "tunelab-db-fuzz-XXXXXX").string();
    if (!::mkdtemp(t.data())) std::abort();
    static std::string removed_at_exit = t;
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(removed_at_exit, ec);
    });
    return t;
  }();
  return dir;
}

std::string db_path() { return work_dir() + "/study.db"; }

void remove_files() {
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock"}) ::unlink((db_path() + suffix).c_str());
}

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A small finished study, made once through the Store (so it has the real schema), as bytes.
const std::string& template_study() {
  static const std::string bytes = [] {
    remove_files();
    {
      auto store = Store::open(db_path(), Store::Mode::Create);
      if (!store) std::abort();
      StudyRecord s;
      s.name = "fuzz";
      s.spec = Json::parse(R"({"name": "fuzz", "objective": {"metric": "loss", "mode": "min"},
        "space": {"x": {"type": "float", "low": 0, "high": 1}}, "trainable": {"builtin": "synthetic"}})");
      if (!(*store)->create_study(s)) std::abort();
      TrialRecord t;
      t.config = {{"x", 0.5}};
      t.status = TrialStatus::Completed;
      (*store)->put_trial(t);
      for (int64_t i = 1; i <= 2; ++i) {
        (*store)->append_result({0, i, 0.1 * static_cast<double>(i), 1.0 + static_cast<double>(i),
                                 {{"loss", 1.0 / static_cast<double>(i)}, {"training_iteration", i}, {"time_total_s", 0.1}}, 1});
      }
      (*store)->add_event({0, 1.0, "created", "trial 0 created", Json::object()});
      (*store)->add_decision({0, 2.0, "scheduler", "continue", "fine", Json::object()});
      if (!(*store)->flush()) std::abort();
    }
    sqlite3* db = nullptr;  // one file, no -wal beside it
    if (sqlite3_open(db_path().c_str(), &db) != SQLITE_OK) std::abort();
    sqlite3_exec(db, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    std::string out = read_file(db_path());
    remove_files();
    return out;
  }();
  return bytes;
}

// Replaces stored JSON texts of the template with the pieces of `input`.
void craft(std::string_view input) {
  write_file(db_path(), template_study());
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path().c_str(), &db) != SQLITE_OK) std::abort();
  static const char* kUpdates[] = {"UPDATE study SET spec = ?",
                                   "UPDATE trials SET config = ? WHERE id = 0",
                                   "UPDATE results SET metrics = ? WHERE iteration = 1",
                                   "UPDATE results SET metrics = ? WHERE iteration = 2",
                                   "UPDATE events SET details = ?"};
  for (const char* sql : kUpdates) {
    if (input.empty()) break;
    const size_t nl = input.find('\n');
    const std::string_view piece = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) std::abort();
    sqlite3_bind_text(st, 1, piece.data(), static_cast<int>(piece.size()), SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
}

void read_everything() {
  auto store = Store::open(db_path(), Store::Mode::ReadOnly);
  if (!store) return;
  const Store& st = **store;
  (void)st.load_events();
  (void)st.load_results_with_history();
  auto s = summarize(st);
  if (!s) return;
  (void)show_json(*s).dump(2, ' ', false, nlohmann::detail::error_handler_t::replace);
  const Table trials = trials_table(*s);
  (void)to_csv(trials);
  (void)to_json_rows(trials).dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
  for (bool attempts : {false, true}) {
    if (auto t = results_table(st, *s, attempts)) {
      (void)to_csv(*t);
      (void)to_json_rows(*t).dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
    }
  }
  (void)history_data(*s);
  (void)importance_data(*s);
  if (!s->objective.metric.empty()) (void)curve_data(st, *s, s->objective.metric);
  static const Json kScheduler = Json::parse(R"({"type": "asha", "grace_period": 1, "max_t": 4})");
  if (auto r = replay_study(st, kScheduler, 2)) (void)to_json(*r).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  (void)template_study();
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) write_file(db_path(), rest);
  else craft(rest);
  read_everything();
  remove_files();
  return 0;
}

#include "core/control/channel.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/space/space.h"
#include "core/store/schema.h"
#include "core/store/sqlite_util.h"
#include "core/store/store.h"
#include "core/store/study_lock.h"
#include "core/util/json_read.h"

namespace tunelab::control {
namespace fs = std::filesystem;

namespace {

constexpr const char* kKindNames[] = {"stop_trial",  "pause_trial",  "resume_trial",       "stop_study", "pause_study",
                                      "resume_study", "set_max_concurrent", "add_trial", "clone_trial"};

Result<sqlite3*> connect(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error{path, "cannot open the study database: " + msg};
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);
  return db;
}

Json parse_args_text(const std::string& text) {
  if (text.empty()) return Json::object();
  auto r = read_json(text, {10000, 64});
  return r.ok() ? std::move(r.value) : Json::object();
}

constexpr const char* kColumns = "id, ts, kind, trial_id, args, issuer, state, outcome, done_ts";

CommandRow read_row(const sql::Stmt& st) {
  CommandRow r;
  r.id = st.int64(0);
  r.ts = st.real(1);
  r.kind = st.text(2);
  r.trial_id = st.opt_int64(3);
  r.args = parse_args_text(st.text(4));
  r.issuer = st.text(5);
  r.state = st.text(6);
  r.outcome = st.text(7);
  r.done_ts = st.opt_real(8);
  return r;
}

Error no_channel(const std::string& path, int version) {
  return Error{path, "the study database has schema version " + std::to_string(version) +
                         ", which has no control channel; `tunelab resume` with this TuneLab upgrades it"};
}

// Sets `edits`' value at a dotted path of `config`, creating groups on the way.
void set_path(Json& config, const std::string& key, const Json& value) {
  if (config.contains(key) || key.find('.') == std::string::npos) {
    config[key] = value;
    return;
  }
  Json* node = &config;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      (*node)[part] = value;
      return;
    }
    if (!node->contains(part) || !(*node)[part].is_object()) (*node)[part] = Json::object();
    node = &(*node)[part];
    start = dot + 1;
  }
}

}  // namespace

const char* kind_name(CommandKind kind) { return kKindNames[static_cast<int>(kind)]; }

std::optional<CommandKind> kind_from_name(const std::string& name) {
  for (int i = 0; i < static_cast<int>(std::size(kKindNames)); ++i) {
    if (name == kKindNames[i]) return static_cast<CommandKind>(i);
  }
  return std::nullopt;
}

bool is_trial_command(CommandKind kind) {
  return kind == CommandKind::StopTrial || kind == CommandKind::PauseTrial || kind == CommandKind::ResumeTrial ||
         kind == CommandKind::CloneTrial;
}

// The engine holds a lock on the database file itself while it runs (core/store/study_lock.h); probing it
// takes no lock, so an engine starting at that moment is never turned away.
bool engine_running(const std::string& db_path) { return study_engine_running(db_path); }

std::string why_read_only(const std::string& db_path) {
  std::error_code ec;
  const std::string folder = fs::absolute(db_path, ec).parent_path().string();
  std::string what;
  if (::access(db_path.c_str(), W_OK) != 0) {
    what = "the file " + db_path + " is not writable (" + std::strerror(errno) + ")";
  } else if (::access(folder.c_str(), W_OK) != 0) {
    what = "its folder " + folder + " is not writable (" + std::strerror(errno) + ")";
  } else {
    return {};
  }
  return "the study database is read-only for this user: " + what +
         ". Who may control a study is who may write its database file; you can still watch it";
}

Result<Json> parse_edits(const std::vector<std::string>& items) {
  Json edits = Json::object();
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error{"--set " + item, "expected key=value (e.g. lr=0.01 or model.layers=3)"};
    }
    const std::string key = item.substr(0, eq), text = item.substr(eq + 1);
    auto parsed = read_json(text, {1000, 16});
    edits[key] = parsed.ok() ? parsed.value : Json(text);
  }
  return edits;
}

Json apply_edits(Json base, const Json& edits) {
  if (!base.is_object()) base = Json::object();
  if (edits.is_object()) {
    for (const auto& [k, v] : edits.items()) set_path(base, k, v);
  }
  return base;
}

std::string Channel::default_issuer() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  return std::string("pid ") + std::to_string(::getpid()) + (host[0] ? std::string("@") + host : std::string());
}

Result<std::unique_ptr<Channel>> Channel::open(const std::string& db_path, std::string issuer) {
  auto store = Store::open(db_path, Store::Mode::ReadOnly);  // a TuneLab study this build can read
  if (!store) {
    // SQLite cannot read a WAL database on a read-only file system once its engine is gone: say why first.
    std::error_code ec;
    if (auto ro = why_read_only(db_path); !ro.empty() && fs::is_regular_file(db_path, ec)) {
      return Error{db_path, ro + " (" + store.error_text() + ")"};
    }
    return store.errors();
  }
  auto study = (*store)->load_study();
  if (!study) return study.errors();
  std::unique_ptr<Channel> c(new Channel());
  c->path_ = db_path;
  c->issuer_ = std::move(issuer);
  c->store_ = std::move(*store);
  auto space = parse_space(study->spec.contains("space") ? study->spec["space"] : Json::object());
  if (!space) {
    Errors errs = space.errors();
    for (auto& e : errs) e.where = db_path + ": stored spec: " + e.where;
    return errs;
  }
  c->space_ = std::make_unique<SearchSpace>(std::move(*space));
  c->read_only_ = why_read_only(db_path);
  auto db = connect(db_path, c->read_only_.empty() ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
  if (!db) return db.errors();
  c->db_ = *db;
  if (c->read_only_.empty() && sqlite3_db_readonly(c->db_, "main") == 1) {
    c->read_only_ = "the study database is read-only for this user. Who may control a study is who may write "
                    "its database file; you can still watch it";
  }
  // A WAL study on a read-only file system reads only through the store's immutable connection; this one
  // cannot, and has nothing to write anyway: the channel opens to say why it cannot control the study.
  const int v = schema_version(c->db_);
  if (v < 0 && !c->read_only_.empty()) return c;
  if (v < 6) return no_channel(db_path, v);
  return c;
}

Channel::~Channel() { sqlite3_close(db_); }

bool Channel::engine_running() const { return control::engine_running(path_); }

Result<Json> Channel::check(const CommandRequest& req) {
  if (!read_only_.empty()) return Error{path_, read_only_};
  const std::string kind = kind_name(req.kind);
  Json config = nullptr;
  if (is_trial_command(req.kind)) {
    if (!req.trial) return Error{kind, "needs a trial id"};
    const int64_t id = *req.trial;
    sql::Stmt st(db_, "SELECT status, config, held FROM trials WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) {
      if (!st.error().empty()) return Error{path_, st.error()};
      sql::Stmt count(db_, "SELECT COUNT(*) FROM trials");
      const int64_t n = count.step() ? count.int64(0) : 0;
      return Error{"trial " + std::to_string(id), "no such trial (the study has " +
                                                      (n ? "trials 0 to " + std::to_string(n - 1) : std::string("no trials yet")) + ")"};
    }
    const std::string status = st.text(0);
    const bool ended = status == "completed" || status == "stopped" || status == "error";
    const bool held = st.int64(2) != 0;
    const std::string who = "trial " + std::to_string(id);
    if (req.kind != CommandKind::CloneTrial && ended) return Error{who, "already ended (" + status + "); nothing to do"};
    if (req.kind == CommandKind::PauseTrial && held) return Error{who, "is already paused; `tunelab resume DB --trial N` resumes it"};
    if (req.kind == CommandKind::ResumeTrial && !held) return Error{who, "is not paused (it is " + status + ")"};
    if (req.kind == CommandKind::CloneTrial) {
      if (!req.config.is_null() && !req.config.is_object()) return Error{"--set", "edits must be key=value pairs"};
      config = apply_edits(parse_args_text(st.text(1)), req.config);
    }
  } else if (req.kind == CommandKind::AddTrial) {
    if (!req.config.is_object()) return Error{"--config", "needs a JSON object, e.g. {\"lr\": 0.01}"};
    config = req.config;
  } else if (req.kind == CommandKind::SetMaxConcurrent) {
    if (req.max_concurrent < 0) return Error{"--max-concurrent", "needs 0 (no limit) or a positive number"};
  }
  if (!config.is_null()) {
    if (Status s = space_->check_config(config); !s) {
      Errors errs = s.errors();
      errs.push_back(Error{"", "the study's space does not accept this config; nothing was sent"});
      return errs;
    }
  }
  return config;
}

Result<int64_t> Channel::submit(const CommandRequest& req) {
  auto config = check(req);
  if (!config) return config.errors();
  if (!engine_running()) {
    return Error{path_, "no engine is running this study, so nothing was sent (commands are not kept for a later "
                        "session). Start one with `tunelab resume " + path_ + "`, then send the command again"};
  }
  Json args = Json::object();
  if (req.kind == CommandKind::SetMaxConcurrent) args["max_concurrent"] = req.max_concurrent;
  if (!config->is_null()) args["config"] = *config;
  if (req.kind == CommandKind::CloneTrial && req.config.is_object()) args["set"] = req.config;
  if (!req.reason.empty()) args["reason"] = req.reason;
  sql::Stmt ins(db_, "INSERT INTO commands(ts, kind, trial_id, args, issuer, state) VALUES (?, ?, ?, ?, ?, 'pending')");
  ins.bind(1, now_seconds()).bind(2, std::string(kind_name(req.kind))).bind(3, req.trial).bind(4, dump_compact(args)).bind(5, issuer_);
  ins.step();
  if (!ins.error().empty()) return Error{path_, "cannot write the command: " + ins.error()};
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<CommandRow> Channel::get(int64_t id) const {
  const std::string q = std::string("SELECT ") + kColumns + " FROM commands WHERE id = ?";
  sql::Stmt st(db_, q.c_str());
  st.bind(1, id);
  if (st.step()) return read_row(st);
  if (!st.error().empty()) return Error{path_, st.error()};
  return Error{path_, "no command " + std::to_string(id)};
}

Result<std::vector<CommandRow>> Channel::list(int64_t after_id, int limit) const {
  const std::string q = std::string("SELECT ") + kColumns + " FROM commands WHERE id > ? ORDER BY id LIMIT ?";
  sql::Stmt st(db_, q.c_str());
  st.bind(1, after_id).bind(2, static_cast<int64_t>(limit));
  std::vector<CommandRow> rows;
  while (st.step()) rows.push_back(read_row(st));
  if (!st.error().empty()) return Error{path_, st.error()};
  return rows;
}

Result<CommandRow> Channel::wait(int64_t id, std::chrono::milliseconds timeout) const {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  auto next_probe = clock::now() + std::chrono::seconds(1);
  while (true) {
    auto row = get(id);
    if (!row || !row->pending()) return row;
    const auto now = clock::now();
    if (now >= next_probe) {
      next_probe = now + std::chrono::seconds(1);
      if (!engine_running()) return refuse_if_orphaned(id);
    }
    if (now >= deadline) return row;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<CommandRow> Channel::refuse_if_orphaned(int64_t id) const {
  if (!engine_running() && writable()) {
    // The engine ended first: refuse the command for good (a later engine never applies it), unless it got to
    // it meanwhile.
    sql::Stmt up(db_, "UPDATE commands SET state = 'refused', outcome = ?, done_ts = ? WHERE id = ? AND state = 'pending'");
    up.bind(1, std::string(kEngineEndedOutcome)).bind(2, now_seconds()).bind(3, id);
    up.step();
  }
  return get(id);
}

Result<std::unique_ptr<EngineChannel>> EngineChannel::open(const std::string& db_path) {
  auto db = connect(db_path, SQLITE_OPEN_READWRITE);
  if (!db) return db.errors();
  std::unique_ptr<EngineChannel> c(new EngineChannel());
  c->db_ = *db;
  if (const int v = schema_version(c->db_); v < 6) return no_channel(db_path, v);
  return c;
}

EngineChannel::~EngineChannel() { sqlite3_close(db_); }

Result<int> EngineChannel::refuse_pending(const std::string& why) {
  sql::Stmt up(db_, "UPDATE commands SET state = 'refused', outcome = ?, done_ts = ? WHERE state = 'pending'");
  up.bind(1, why).bind(2, now_seconds());
  up.step();
  if (!up.error().empty()) return Error{"commands", up.error()};
  return sqlite3_changes(db_);
}

Result<std::vector<CommandRow>> EngineChannel::take_pending() {
  static const std::string q =
      std::string("SELECT ") + kColumns + " FROM commands WHERE state = 'pending' AND id > ? ORDER BY id";
  sql::Stmt st(db_, q.c_str());
  st.bind(1, last_id_);
  std::vector<CommandRow> rows;
  while (st.step()) rows.push_back(read_row(st));
  if (!st.error().empty()) return Error{"commands", st.error()};
  if (!rows.empty()) last_id_ = rows.back().id;
  return rows;
}

Status EngineChannel::record(int64_t id, bool applied, const std::string& outcome) {
  sql::Stmt up(db_, "UPDATE commands SET state = ?, outcome = ?, done_ts = ? WHERE id = ?");
  up.bind(1, std::string(applied ? "applied" : "refused")).bind(2, outcome).bind(3, now_seconds()).bind(4, id);
  up.step();
  if (!up.error().empty()) return Error{"commands", up.error()};
  return {};
}

}  // namespace tunelab::control

#include "core/store/study_tail.h"

#include <algorithm>
#include <charconv>

#include "core/store/schema.h"
#include "core/store/sqlite_util.h"
#include "core/store/store.h"
#include "core/store/trial_rows.h"
#include "core/util/json_read.h"

namespace tunelab {

namespace {

Json parse_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return read_json(s).value;
}

std::string result_columns(int schema) {
  return std::string("id, trial_id, iteration, time_total_s, ts, metrics, ") + (schema >= 5 ? "attempt" : "0");
}

void skip_ws(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
}

// A string without escapes at s[i] (the opening quote): its text, i past the closing quote. False otherwise.
bool plain_string(std::string_view s, size_t& i, std::string_view& out) {
  if (i >= s.size() || s[i] != '"') return false;
  const size_t start = ++i;
  while (i < s.size() && s[i] != '"') {
    if (s[i] == '\\' || static_cast<unsigned char>(s[i]) < 0x20) return false;
    ++i;
  }
  if (i >= s.size()) return false;
  out = s.substr(start, i - start);
  ++i;
  return true;
}

// Skips a JSON value that is not a number (string, literal, array, object) at s[i]. False on anything odd.
bool skip_value(std::string_view s, size_t& i) {
  if (i >= s.size()) return false;
  if (s[i] == '"') {
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\\') ++i;
      else if (s[i] == '"') return ++i, true;
    }
    return false;
  }
  if (s[i] == '[' || s[i] == '{') {
    int depth = 0;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') {
        if (!skip_value(s, i)) return false;
        --i;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (--depth == 0) return ++i, true;
      }
    }
    return false;
  }
  for (const char* lit : {"true", "false", "null"}) {
    if (s.substr(i).starts_with(lit)) return i += std::char_traits<char>::length(lit), true;
  }
  return false;
}

// The numeric members of a flat JSON object, without building a JSON value: each as (name, value). False when
// the text is not the plain object a trial reports (escaped names, bad syntax): the caller then parses it.
template <typename F>
bool numeric_members(std::string_view s, F&& add) {
  size_t i = 0;
  skip_ws(s, i);
  if (i >= s.size() || s[i++] != '{') return false;
  skip_ws(s, i);
  if (i < s.size() && s[i] == '}') return true;
  for (;;) {
    std::string_view key;
    skip_ws(s, i);
    if (!plain_string(s, i, key)) return false;
    skip_ws(s, i);
    if (i >= s.size() || s[i++] != ':') return false;
    skip_ws(s, i);
    if (i >= s.size()) return false;
    if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
      double v = 0;
      const auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
      if (ec != std::errc()) return false;
      i = static_cast<size_t>(end - s.data());
      add(key, v);
    } else if (!skip_value(s, i)) {
      return false;
    }
    skip_ws(s, i);
    if (i >= s.size()) return false;
    if (s[i] == '}') return true;
    if (s[i++] != ',') return false;
  }
}

bool finished(const std::string& status) {
  const auto s = trial_status_from_string(status);
  return s && is_finished(*s);
}

}  // namespace

struct StudyTail::Row {
  int64_t id = 0, trial_id = 0, iteration = 0, attempt = 0;
  double time_total_s = 0, ts = 0;
  static Row of(const sql::Stmt& st) {
    return {st.int64(0), st.int64(1), st.int64(2), st.int64(6), st.real(3), st.real(4)};
  }
};

uint32_t StudyTail::name_index(std::string_view name) {
  auto it = name_ids_.find(std::string(name));
  if (it != name_ids_.end()) return it->second;
  const auto id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  name_ids_.emplace(names_.back(), id);
  return id;
}

void StudyTail::add_result(StudyTailBatch& out, const Row& row, const std::string& metrics) {
  if (!columns_) {
    out.results.push_back({row.trial_id, row.iteration, row.time_total_s, row.ts, parse_or_null(metrics), row.attempt,
                           false});
    return;
  }
  ResultBlock& b = out.block;
  ResultBlock::Row r{row.trial_id, row.iteration, row.attempt, row.time_total_s, row.ts,
                     static_cast<uint32_t>(b.values.size()), 0};
  auto add = [&](std::string_view key, double v) {
    if (key == "training_iteration") return;
    b.values.emplace_back(name_index(key), v);
  };
  if (!numeric_members(metrics, add)) {
    b.values.resize(r.first);  // what the fast reader took before it gave up
    const Json j = parse_or_null(metrics);
    if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.value().is_number()) add(it.key(), it.value().get<double>());
      }
    }
  }
  r.count = static_cast<uint32_t>(b.values.size()) - r.first;
  b.rows.push_back(r);
}

Result<std::unique_ptr<StudyTail>> StudyTail::open(const std::string& path) {
  // The same refusals as every reader (not a file, not a study, a newer schema), and the study row.
  auto store = Store::open(path, Store::Mode::ReadOnly);
  if (!store) return store.errors();
  auto study = (*store)->load_study();
  if (!study) return study.errors();
  std::unique_ptr<StudyTail> tail(new StudyTail());
  tail->path_ = path;
  tail->study_ = std::move(*study);
  if (sqlite3_open_v2(path.c_str(), &tail->db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    return Error{path, std::string("cannot open the study database: ") +
                           (tail->db_ ? sqlite3_errmsg(tail->db_) : "out of memory")};
  }
  sqlite3_busy_timeout(tail->db_, 10000);
  tail->schema_version_ = schema_version(tail->db_);
  return tail;
}

StudyTail::~StudyTail() { sqlite3_close(db_); }

Result<StudyTailBatch> StudyTail::poll(size_t max_results) {
  StudyTailBatch out;
  {
    sql::Stmt v(db_, "PRAGMA data_version");
    if (!v.step()) return Error{path_, v.error().empty() ? "cannot read the data version" : v.error()};
    const int64_t version = v.int64(0);
    // Unchanged since the last poll that returned everything: nothing to read.
    if (!first_ && version == data_version_) return out;
    data_version_ = version;
  }
  if (auto err = sql::exec(db_, "BEGIN"); !err.empty()) return Error{path_, err};
  const std::string err = read(out, std::max<size_t>(1, max_results));
  if (columns_) out.block.names = names_;
  sql::exec(db_, err.empty() ? "COMMIT" : "ROLLBACK");
  if (!err.empty()) {
    data_version_ = -1;  // try again on the next poll
    return Error{path_, err};
  }
  first_ = false;
  // More results wait: the next poll must read on even though nothing new was committed.
  if (out.more) data_version_ = -1;
  out.changed = true;
  return out;
}

std::string StudyTail::read(StudyTailBatch& out, size_t max_results) {
  {
    sql::Stmt st(db_, "SELECT status, elapsed_s FROM study WHERE id = 1");
    if (!st.step()) return st.error().empty() ? "holds no study" : st.error();
    ++rows_read_;
    out.status = st.text(0);
    out.elapsed_s = st.real(1);
  }
  if (auto err = read_trials(out); !err.empty()) return err;
  const int64_t cursor = last_result_;
  if (auto err = read_rewinds(out, cursor); !err.empty()) return err;
  {
    const std::string q =
        "SELECT " + result_columns(schema_version_) + " FROM results WHERE id > ? ORDER BY id LIMIT ?";
    sql::Stmt st(db_, q.c_str());
    st.bind(1, cursor).bind(2, static_cast<int64_t>(max_results));
    size_t n = 0;
    while (st.step()) {
      ++rows_read_;
      ++n;
      const Row row = Row::of(st);
      last_result_ = row.id;
      if (schema_version_ >= 5) returned_[row.trial_id].emplace_back(row.iteration, row.id);
      add_result(out, row, st.text(5));
    }
    if (!st.error().empty()) return st.error();
    out.more = n >= max_results;
  }
  if (!out.rewound.empty()) {
    // Rows were deleted from the top: the next new rows take ids from the current largest on, which may be
    // below the cursor. Every row up to that largest one has been read.
    sql::Stmt st(db_, "SELECT COALESCE(MAX(id), 0) FROM results");
    if (!st.step()) return st.error();
    ++rows_read_;
    last_result_ = std::min(last_result_, st.int64(0));
  }
  {
    sql::Stmt st(db_, "SELECT id, trial_id, ts, kind, message, details FROM events WHERE id > ? ORDER BY id");
    st.bind(1, last_event_);
    while (st.step()) {
      ++rows_read_;
      last_event_ = st.int64(0);
      out.events.push_back({st.opt_int64(1), st.real(2), st.text(3), st.text(4), parse_or_null(st.text(5))});
    }
    if (!st.error().empty()) return st.error();
  }
  {
    sql::Stmt st(db_,
                 "SELECT id, trial_id, ts, source, action, reason, details FROM decisions WHERE id > ? ORDER BY id");
    st.bind(1, last_decision_);
    while (st.step()) {
      ++rows_read_;
      last_decision_ = st.int64(0);
      out.decisions.push_back(
          {st.int64(1), st.real(2), st.text(3), st.text(4), st.text(5), parse_or_null(st.text(6))});
    }
    if (!st.error().empty()) return st.error();
  }
  return {};
}

std::string StudyTail::read_trials(StudyTailBatch& out) {
  const std::string cols = trial_columns(schema_version_);
  std::vector<TrialRecord> changed;
  // Trials open at the last poll: their marker first, the whole row only when it changed.
  if (!open_trials_.empty()) {
    const std::string marker_q = std::string("SELECT status, attempts, ") +
                                 (schema_version_ >= 2 ? "generation, held" : "0, 0") +
                                 ", ended_at FROM trials WHERE id = ?";
    sql::Stmt marker(db_, marker_q.c_str());
    const std::string row_q = "SELECT " + cols + " FROM trials WHERE id = ?";
    sql::Stmt row(db_, row_q.c_str());
    for (auto it = open_trials_.begin(); it != open_trials_.end();) {
      marker.reset().bind(1, it->first);
      if (!marker.step()) {
        if (!marker.error().empty()) return marker.error();
        ++it;  // not there (never happens: trials are not deleted)
        continue;
      }
      ++rows_read_;
      const Marker m{marker.text(0), marker.int64(1), marker.int64(2), marker.int64(3),
                     marker.opt_real(4).value_or(-1)};
      if (m == it->second) {
        ++it;
        continue;
      }
      row.reset().bind(1, it->first);
      if (!row.step()) return row.error().empty() ? "a trial row went missing" : row.error();
      ++rows_read_;
      TrialRecord t;
      if (auto why = read_trial_row(row, t); !why.empty()) return "trials row " + std::to_string(t.id) + ": config " + why;
      changed.push_back(std::move(t));
      it->second = m;
      it = finished(m.status) ? open_trials_.erase(it) : std::next(it);
    }
  }
  {
    const std::string q = "SELECT " + cols + " FROM trials WHERE id > ? ORDER BY id";
    sql::Stmt st(db_, q.c_str());
    st.bind(1, last_trial_);
    while (st.step()) {
      ++rows_read_;
      TrialRecord t;
      if (auto why = read_trial_row(st, t); !why.empty()) return "trials row " + std::to_string(t.id) + ": config " + why;
      last_trial_ = t.id;
      const std::string status = to_string(t.status);
      if (!finished(status)) {
        open_trials_[t.id] = Marker{status, t.attempts, t.generation, t.held ? 1 : 0, t.ended_at.value_or(-1)};
      }
      changed.push_back(std::move(t));
    }
    if (!st.error().empty()) return st.error();
  }
  std::sort(changed.begin(), changed.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  out.trials = std::move(changed);
  return {};
}

std::string StudyTail::read_rewinds(StudyTailBatch& out, int64_t cursor) {
  if (schema_version_ < 5) return {};
  if (first_) {
    // Everything current is read from scratch: the history so far changes nothing.
    sql::Stmt st(db_, "SELECT COALESCE(MAX(id), 0) FROM results_history");
    if (!st.step()) return st.error();
    ++rows_read_;
    last_history_ = st.int64(0);
    return {};
  }
  // Rows moved to the history since the last poll: each trial's curve lost its points from the lowest
  // such iteration on.
  std::map<int64_t, int64_t> from;  // trial -> first iteration superseded
  {
    sql::Stmt st(db_, "SELECT id, trial_id, iteration FROM results_history WHERE id > ? ORDER BY id");
    st.bind(1, last_history_);
    while (st.step()) {
      ++rows_read_;
      last_history_ = st.int64(0);
      auto [it, fresh] = from.emplace(st.int64(1), st.int64(2));
      if (!fresh) it->second = std::min(it->second, st.int64(2));
    }
    if (!st.error().empty()) return st.error();
  }
  if (from.empty()) return {};
  // The rows read before that are gone may have given their ids to new rows (ids are reused from the top):
  // those ids are read again, and each rewound trial's current rows from its restart point up to the cursor.
  std::map<int64_t, std::pair<Row, std::string>> again;  // by row id
  const std::string cols = result_columns(schema_version_);
  const std::string by_trial_q = "SELECT " + cols + " FROM results WHERE trial_id = ? AND iteration >= ? AND id <= ?";
  const std::string by_id_q = "SELECT " + cols + " FROM results WHERE id = ?";
  sql::Stmt by_trial(db_, by_trial_q.c_str()), by_id(db_, by_id_q.c_str());
  std::vector<int64_t> gone;
  for (const auto& [trial, iteration] : from) {
    out.rewound.emplace_back(trial, iteration - 1);
    auto& seen = returned_[trial];
    for (const auto& [it, id] : seen) {
      if (it >= iteration) gone.push_back(id);
    }
    std::erase_if(seen, [from_iteration = iteration](const auto& p) { return p.first >= from_iteration; });
    by_trial.reset().bind(1, trial).bind(2, iteration).bind(3, cursor);
    while (by_trial.step()) {
      ++rows_read_;
      again.emplace(by_trial.int64(0), std::pair(Row::of(by_trial), by_trial.text(5)));
    }
    if (!by_trial.error().empty()) return by_trial.error();
  }
  for (int64_t id : gone) {
    if (id > cursor || again.count(id)) continue;
    by_id.reset().bind(1, id);
    if (by_id.step()) {
      ++rows_read_;
      again.emplace(id, std::pair(Row::of(by_id), by_id.text(5)));
    }
    if (!by_id.error().empty()) return by_id.error();
  }
  for (const auto& [id, r] : again) {
    returned_[r.first.trial_id].emplace_back(r.first.iteration, id);
    add_result(out, r.first, r.second);
  }
  return {};
}

}  // namespace tunelab

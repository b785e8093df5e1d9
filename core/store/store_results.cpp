// The store's results: the current curves, the history of abandoned attempts, and the streamed scans that read
// millions of results in constant memory.
#include <optional>

#include "core/store/sqlite_util.h"
#include "core/store/store.h"
#include "core/store/stored_json.h"

namespace tunelab {

namespace {

// The checks of parse_checked(text, true) and check_metrics, in one SAX pass that builds nothing, picking out the
// number under the top-level key `metric`. Same messages.
class MetricsScan {
 public:
  explicit MetricsScan(const std::string& metric) : metric_(metric) {}
  std::optional<double> value;
  std::string why;

  bool null() { return scalar(Kind::Other, "null"); }
  bool boolean(bool) { return scalar(Kind::Other, "boolean"); }
  bool number_integer(Json::number_integer_t v) { return number(static_cast<double>(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return number(static_cast<double>(v)); }
  bool number_float(Json::number_float_t v, const Json::string_t&) { return number(v); }
  bool string(Json::string_t&) { return scalar(Kind::Other, "string"); }
  bool binary(Json::binary_t&) { return scalar(Kind::Other, "binary"); }
  bool start_object(std::size_t) { return open("object"); }
  bool start_array(std::size_t) { return open("array"); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(Json::string_t& k) {
    if (depth_ == 1) {
      key_ = k == metric_ ? Kind::Metric : (k == "training_iteration" || k == "time_total_s") ? Kind::Numeric : Kind::Other;
      if (key_ == Kind::Numeric) numeric_key_ = k;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    if (why.empty()) why = std::string("is not valid JSON (") + e.what() + ")";
    return false;
  }

 private:
  enum class Kind { Other, Metric, Numeric };
  bool top_level_value(bool is_number, const char* type) {
    if (depth_ == 0) {
      return fail(std::string("is a JSON ") + type + ", not an object");
    }
    if (depth_ == 1) {
      if (key_ == Kind::Numeric && !is_number) {
        return fail("has a " + numeric_key_ + " that is a JSON " + type + ", not a number");
      }
      if (key_ == Kind::Metric) value = is_number ? std::optional<double>(last_number_) : std::nullopt;
      key_ = Kind::Other;
    }
    return true;
  }
  bool scalar(Kind, const char* type) { return top_level_value(false, type); }
  bool number(double v) {
    last_number_ = v;
    return top_level_value(true, "number");
  }
  bool open(const char* type) {
    if (depth_ == 0 && std::string(type) != "object") return fail("is a JSON array, not an object");
    if (depth_ >= 1 && !top_level_value(false, type)) return false;
    if (++depth_ > kMaxStoredDepth) return fail("is nested deeper than " + std::to_string(kMaxStoredDepth) + " levels");
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }
  bool fail(std::string w) {
    why = std::move(w);
    return false;
  }
  const std::string& metric_;
  size_t depth_ = 0;
  Kind key_ = Kind::Other;
  std::string numeric_key_;
  double last_number_ = 0;
};

std::string results_query(int schema, bool with_history) {
  if (!with_history || schema < 5) {  // no history was kept before schema 5
    return std::string("SELECT trial_id, iteration, time_total_s, ts, metrics, ") + (schema >= 5 ? "attempt" : "0") +
           ", 0 FROM results ORDER BY trial_id, iteration";
  }
  return "SELECT trial_id, iteration, time_total_s, ts, metrics, attempt, 0 FROM results UNION ALL "
         "SELECT trial_id, iteration, time_total_s, ts, metrics, attempt, 1 FROM results_history "
         "ORDER BY 1, 6, 2, 7 DESC";
}

}  // namespace

Result<std::vector<ResultRecord>> Store::load_results(std::optional<int64_t> trial_id) const {
  if (!trial_id) return read_results(results_query(schema_version_, false), std::nullopt);
  return read_results(std::string("SELECT trial_id, iteration, time_total_s, ts, metrics, ") +
                          (schema_version_ >= 5 ? "attempt" : "0") + ", 0 FROM results WHERE trial_id = ? ORDER BY iteration",
                      trial_id);
}

Result<std::vector<ResultRecord>> Store::load_results_in_order() const {
  return read_results(std::string("SELECT trial_id, iteration, time_total_s, ts, metrics, ") +
                          (schema_version_ >= 5 ? "attempt" : "0") + ", 0 FROM results ORDER BY id",
                      std::nullopt);
}

Result<std::vector<ResultRecord>> Store::load_results_with_history() const {
  return read_results(results_query(schema_version_, true), std::nullopt);
}

Status Store::scan_result_records(bool with_history, const std::function<bool(ResultRecord&&)>& fn) const {
  return each_result(results_query(schema_version_, with_history), std::nullopt, fn);
}

Result<std::vector<ResultRecord>> Store::read_results(const std::string& query, std::optional<int64_t> trial_id) const {
  std::vector<ResultRecord> out;
  Status read = each_result(query, trial_id, [&](ResultRecord&& r) {
    out.push_back(std::move(r));
    return true;
  });
  if (!read) return read.errors();
  return out;
}

Status Store::each_result(const std::string& query, std::optional<int64_t> trial_id,
                          const std::function<bool(ResultRecord&&)>& fn) const {
  sql::Stmt st(read_db_, query.c_str());
  if (!st.ok()) return Error{path_, st.error()};
  if (trial_id) st.bind(1, *trial_id);
  while (st.step()) {
    ResultRecord r{st.int64(0), st.int64(1), st.real(2), st.real(3), Json(), st.int64(5), st.int64(6) != 0};
    std::string why = parse_checked(st.text(4), true, r.metrics);
    if (why.empty()) why = check_metrics(r.metrics);
    if (!why.empty()) {
      return damaged_row(path_, std::string(r.superseded ? "results_history" : "results") + " row (trial " +
                                    std::to_string(r.trial_id) + ", iteration " + std::to_string(r.iteration) + ")",
                         "metrics", why);
    }
    if (!fn(std::move(r))) return {};
  }
  if (!st.error().empty()) return Error{path_, st.error()};
  return {};
}

Status Store::scan_results(const std::string& metric, const std::function<bool(const ResultScan&)>& fn) const {
  sql::Stmt st(read_db_, "SELECT trial_id, iteration, ts, metrics FROM results ORDER BY trial_id, iteration");
  if (!st.ok()) return Error{path_, st.error()};
  while (st.step()) {
    ResultScan r{st.int64(0), st.int64(1), st.real(2), std::nullopt};
    const std::string text = st.text(3);
    MetricsScan scan(metric);
    const bool ok = Json::sax_parse(text, &scan);
    if (!ok || !scan.why.empty()) {
      return damaged_row(path_, "results row (trial " + std::to_string(r.trial_id) + ", iteration " +
                                    std::to_string(r.iteration) + ")",
                         "metrics", scan.why.empty() ? "is not valid JSON" : scan.why);
    }
    r.value = scan.value;
    if (!fn(r)) return {};
  }
  if (!st.error().empty()) return Error{path_, st.error()};
  return {};
}

Result<Json> Store::load_result_metrics(int64_t trial_id, int64_t iteration) const {
  sql::Stmt st(read_db_, "SELECT metrics FROM results WHERE trial_id = ? AND iteration = ?");
  if (!st.ok()) return Error{path_, st.error()};
  st.bind(1, trial_id).bind(2, iteration);
  if (!st.step()) {
    if (!st.error().empty()) return Error{path_, st.error()};
    return Json();
  }
  Json m;
  std::string why = parse_checked(st.text(0), true, m);
  if (why.empty()) why = check_metrics(m);
  if (!why.empty()) {
    return damaged_row(path_, "results row (trial " + std::to_string(trial_id) + ", iteration " + std::to_string(iteration) + ")",
                       "metrics", why);
  }
  return m;
}

}  // namespace tunelab

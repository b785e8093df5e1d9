#include "core/trainables/table.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <thread>

#include "core/trainables/curve_table.h"
#include "tunelab/client.hpp"

namespace tunelab::trainables {
namespace {

bool same_value(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return std::fabs(x - y) <= 1e-9 * std::max(1.0, std::max(std::fabs(x), std::fabs(y)));
  }
  return a == b;
}

}  // namespace

int run_table() {
  const Json cfg = Json::parse(client::config_json(), nullptr, false);
  if (!cfg.is_object() || !cfg.contains("file") || !cfg["file"].is_string()) {
    std::fprintf(stderr, "table: the config needs \"file\": the path of a curve table (CSV)\n");
    return 2;
  }
  auto table = load_curve_table(cfg["file"].get<std::string>());
  if (!table) {
    std::fprintf(stderr, "table: %s\n", table.error_text().c_str());
    return 2;
  }
  const CurveTable::Row* row = nullptr;
  if (cfg.contains("row")) {
    const Json& r = cfg["row"];
    if (!r.is_number_integer() || r.get<int64_t>() < 0 || r.get<size_t>() >= table->rows.size()) {
      std::fprintf(stderr, "table: row %s is not a data row (0 to %zu)\n", dump_compact(r).c_str(), table->rows.size() - 1);
      return 2;
    }
    row = &table->rows[r.get<size_t>()];
  } else {
    for (const auto& candidate : table->rows) {
      bool match = true;
      for (const auto& c : table->config_columns) {
        if (!cfg.contains(c) || !same_value(cfg[c], candidate.config[c])) {
          match = false;
          break;
        }
      }
      if (match) {
        row = &candidate;
        break;
      }
    }
    if (!row) {
      std::fprintf(stderr, "table: no row matches the config's values of the config columns\n");
      return 2;
    }
  }
  const std::string metric = cfg.value("metric", std::string("value"));
  const double sleep_s = cfg.contains("sleep_s") && cfg["sleep_s"].is_number() ? cfg["sleep_s"].get<double>() : 0.0;
  size_t start = 0;
  if (const auto restore = client::restore_path()) {
    std::ifstream in(*restore);
    if (!(in >> start)) {
      std::fprintf(stderr, "table: unreadable checkpoint %s\n", restore->c_str());
      return 3;
    }
  }
  const std::optional<std::string> dir = client::env("TUNELAB_TRIAL_DIR");
  for (size_t e = start; e < row->curve.size(); ++e) {
    if (sleep_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
    client::Line line;
    line.number(metric, row->curve[e]).number("training_iteration", static_cast<double>(e + 1));
    const std::string name = "checkpoint-" + std::to_string(e + 1) + ".txt";
    client::HoldStop hold;  // a stop waits until the checkpoint is reported (none is left unreported)
    if (dir) {
      // A new file per epoch: the engine links a reported checkpoint when it reads the report, and
      // deletes it itself once it is no longer kept.
      if (!client::write_file_atomic(*dir + "/" + name, std::to_string(e + 1) + "\n")) return 1;
      line.checkpoint(name);
    }
    if (!client::report(line)) return 1;
  }
  return 0;
}

}  // namespace tunelab::trainables

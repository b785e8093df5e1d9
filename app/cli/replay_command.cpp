// tunelab replay: a finished study's recorded curves under another scheduler (what-if), and
// tunelab export --format curves: a study's learning curves as a curve table for the `table` trainable.
#include <cstdio>
#include <iostream>
#include <map>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/analysis/replay.h"
#include "core/analysis/summary.h"
#include "core/trainables/curve_table.h"

namespace tunelab::cli {
namespace {

const char* kReplayUsage =
    "usage: tunelab replay DB --scheduler JSON [--concurrency N] [--json]\n"
    "  e.g. tunelab replay study.db --scheduler '{\"type\": \"asha\", \"grace_period\": 2, \"max_t\": 30}'\n";

std::string num(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", *v);
  return buf;
}

}  // namespace

int replay_command(const Args& args) {
  auto p = parse_args(args, {"scheduler", "concurrency"}, {"json"});
  if (p.error.empty() && p.positional.size() != 1) p.error = "give exactly one study database";
  if (p.error.empty() && !p.value("scheduler")) p.error = "--scheduler is required";
  int64_t concurrency = 0;
  if (p.error.empty() && p.value("concurrency")) {
    try {
      concurrency = std::stoll(*p.value("concurrency"));
    } catch (...) {
      concurrency = -1;
    }
    if (concurrency < 1) p.error = "--concurrency must be a whole number of at least 1";
  }
  if (!p.error.empty()) {
    std::cerr << "tunelab replay: " << p.error << "\n" << kReplayUsage;
    return kExitUsage;
  }
  auto scheduler = parse_json_text(*p.value("scheduler"), "--scheduler");
  if (!scheduler) {
    std::cerr << "tunelab replay: " << scheduler.error_text() << "\n";
    return kExitUsage;
  }
  auto store = Store::open(p.positional[0], Store::Mode::ReadOnly);
  if (!store) {
    std::cerr << "tunelab replay: " << store.error_text() << "\n";
    return kExitFailed;
  }
  auto rep = replay_study(**store, *scheduler, concurrency);
  if (!rep) {
    std::cerr << "tunelab replay: " << rep.error_text() << "\n";
    return kExitUsage;
  }
  if (p.has("json")) {
    std::cout << to_json(*rep).dump(2) << "\n";
    return kExitOk;
  }
  std::map<std::string, int> by_status;
  for (const auto& t : rep->trials) ++by_status[t.status];
  std::printf("Replayed %zu trials under %s\n", rep->trials.size(), dump_compact(*scheduler).c_str());
  std::printf("  epochs:          %lld of %lld recorded (%.1f%%, %.2fx fewer)\n", (long long)rep->epochs_consumed,
              (long long)rep->epochs_recorded,
              rep->epochs_recorded ? 100.0 * static_cast<double>(rep->epochs_consumed) / static_cast<double>(rep->epochs_recorded) : 0.0,
              rep->epochs_consumed ? static_cast<double>(rep->epochs_recorded) / static_cast<double>(rep->epochs_consumed) : 0.0);
  std::printf("  trials:          ");
  for (const auto& [status, n] : by_status) std::printf("%d %s  ", n, status.c_str());
  auto trial_of = [](const std::optional<int64_t>& id) { return id ? std::to_string(*id) : std::string("-"); };
  std::printf("\n  best final value of the trials run to the end: %s (trial %s), rank %d of %zu by final value\n",
              num(rep->best_final).c_str(), trial_of(rep->best_final_trial).c_str(), rep->final_rank,
              rep->trials.size());
  std::printf("  best value at any epoch seen:   %s (trial %s)\n", num(rep->best_any_epoch).c_str(),
              trial_of(rep->best_any_epoch_trial).c_str());
  std::printf("  true best final value:          %s (trial %s)\n", num(rep->true_best_final).c_str(),
              trial_of(rep->true_best_final_trial).c_str());
  std::printf("  true best value at any epoch:   %s (trial %s), %s, rank %d\n", num(rep->true_best).c_str(),
              trial_of(rep->true_best_trial).c_str(), rep->true_best_survived ? "survived" : "stopped early",
              rep->true_best_rank);
  std::printf("  simulated time:  %.1f s\n", rep->time_s);
  return kExitOk;
}

int export_curves(const std::string& db, const std::string& metric_arg, const std::optional<std::string>& out, bool force) {
  auto study = read_study(db, "export");
  if (!study) return kExitFailed;
  const StudySummary& s = study->summary;
  const Store& store = *study->store;
  if (out && !check_output(*out, {db, s.study.trials_dir}, force, "export")) return kExitUsage;
  const std::string metric = metric_arg.empty() ? s.objective.metric : metric_arg;
  auto trials = recorded_trials(store);
  if (!trials) {
    std::cerr << "tunelab export: " << trials.error_text() << "\n";
    return kExitFailed;
  }
  CurveTable table;
  table.config_columns.push_back("trial_id");
  for (const auto& t : *trials) {
    const Json flat = flatten_json(t.config);
    for (auto it = flat.begin(); it != flat.end(); ++it) {
      if (std::find(table.config_columns.begin(), table.config_columns.end(), it.key()) == table.config_columns.end()) {
        table.config_columns.push_back(it.key());
      }
    }
  }
  for (const auto& t : *trials) {
    CurveTable::Row row;
    row.config = flatten_json(t.config);
    row.config["trial_id"] = t.id;
    for (const auto& r : t.results) {
      const auto it = r.value("training_iteration", int64_t{0});
      if (it < 1) continue;
      row.curve.resize(static_cast<size_t>(it), NAN);
      const Json& v = r.contains(metric) ? r[metric] : Json();
      row.curve[static_cast<size_t>(it - 1)] = v.is_number() ? v.get<double>() : NAN;
    }
    table.rows.push_back(std::move(row));
  }
  const std::string text = to_csv(table);
  if (!out) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  if (!write_output_file(*out, text, "export")) return kExitFailed;
  std::fprintf(stderr, "Wrote %zu curves of %s to %s\n", table.rows.size(), metric.c_str(), out->c_str());
  return kExitOk;
}

}  // namespace tunelab::cli

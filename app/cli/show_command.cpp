// tunelab show / export: read a study back from its database (safe while it runs).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>
#include <iostream>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/terminal_view.h"
#include "core/analysis/summary.h"
#include "core/importers/optuna_export.h"
#include "core/util/json_read.h"

namespace tunelab::cli {
namespace fs = std::filesystem;

std::optional<ReadStudy> read_study(const std::string& db, const char* command) {
  auto store = Store::open(db, Store::Mode::ReadOnly);
  if (!store) {
    std::cerr << "tunelab " << command << ": " << store.error_text() << "\n";
    return std::nullopt;
  }
  auto s = summarize(**store);
  if (!s) {
    std::cerr << "tunelab " << command << ": " << s.error_text() << "\n";
    return std::nullopt;
  }
  return ReadStudy{std::move(*store), std::move(*s)};
}

namespace {

std::string short_value(const Json& v) {
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return buf;
  }
  return v.is_string() ? v.get<std::string>() : dump_compact(v);
}

// GPU use: GPU-hours, energy, energy per unit of objective improvement, and CO2 when a grid intensity is known.
void print_energy(const StudySummary& s) {
  const auto& e = *s.energy;
  std::printf("GPU: %d trials, %.3g GPU-hours, energy %.4g kJ (%.3g kWh)", e.trials, e.gpu_seconds / 3600,
              e.energy_j / 1000, e.energy_j / 3.6e6);
  if (e.energy_per_unit_j) {
    std::printf(", %.4g kJ per unit of %s improved", *e.energy_per_unit_j / 1000, terminal_safe(s.objective.metric).c_str());
  }
  if (e.co2_g) {
    std::printf(", ~%.4g g CO2 at %g g/kWh", *e.co2_g, *e.grid_g_per_kwh);
    if (e.co2_per_unit_g) std::printf(" (%.4g g per unit)", *e.co2_per_unit_g);
  }
  std::printf("\n");
}

// --grid-intensity G (g CO2 per kWh): a positive number.
bool apply_grid_intensity(const ParsedArgs& p, StudySummary& s, std::string* error) {
  const auto v = p.value("grid-intensity");
  if (!v) return true;
  char* end = nullptr;
  const double g = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || !(g > 0) || g > 1e5) {
    *error = "--grid-intensity must be a positive number of g CO2 per kWh, got \"" + *v + "\"";
    return false;
  }
  set_grid_intensity(s, g);
  return true;
}

void print_table(const StudySummary& s, const std::string& origin) {
  // Everything read from the study (names, config strings, errors, reasons) goes through terminal_safe.
  std::printf("Study \"%s\" (%s), objective %s (%s), %zu trials, %s elapsed\n", terminal_safe(s.study.name).c_str(),
              terminal_safe(s.study.status).c_str(), terminal_safe(s.objective.metric).c_str(), s.objective.maximize ? "max" : "min",
              s.trials.size(), format_duration(s.study.elapsed_s).c_str());
  if (!origin.empty()) std::printf("Origin: %s\n", terminal_safe(origin).c_str());
  if (s.energy) print_energy(s);
  std::printf("%5s  %-9s  %5s  %12s  %s\n", "trial", "status", "iter", ("best " + terminal_safe(s.objective.metric)).c_str(), "config");
  for (const auto& t : s.trials) {
    std::string cfg;
    const Json flat = flatten_json(t.rec.config);
    for (const auto& [k, v] : flat.items()) cfg += (cfg.empty() ? "" : " ") + k + "=" + short_value(v);
    cfg = terminal_safe(cfg);
    char best[32] = "-";
    if (t.best_value) std::snprintf(best, sizeof best, "%.6g", *t.best_value);
    const bool is_best = s.best_trial && *s.best_trial == t.rec.id;
    std::string mark = is_best ? "  <- best" : "";
    if (t.pareto_optimal) mark += is_best ? ", pareto" : "  <- pareto";
    std::printf("%5lld  %-9s  %5lld  %12s  %s%s\n", (long long)t.rec.id, to_string(t.rec.status),
                (long long)t.iterations, best, cfg.c_str(), mark.c_str());
    if (t.rec.status == TrialStatus::Error && !t.rec.error.empty()) {
      // The reason, then the last few lines of the trial's stderr.
      std::vector<std::string> lines;
      for (size_t start = 0; start < t.rec.error.size();) {
        size_t nl = t.rec.error.find('\n', start);
        if (nl == std::string::npos) nl = t.rec.error.size();
        lines.push_back(t.rec.error.substr(start, nl - start));
        start = nl + 1;
      }
      std::printf("       error: %s\n", terminal_safe(lines.front()).c_str());
      for (size_t i = lines.size() > 4 ? lines.size() - 3 : 1; i < lines.size(); ++i) {
        std::printf("         | %s\n", terminal_safe(lines[i]).c_str());
      }
    }
  }
}

// Every stop, pause and exploit with its reason; the most recent ones when there are many.
void print_decisions(const StudySummary& s) {
  if (s.decisions.empty()) return;
  constexpr size_t kMax = 40;
  std::printf("\nDecisions (%zu):\n", s.decisions.size());
  const size_t from = s.decisions.size() > kMax ? s.decisions.size() - kMax : 0;
  if (from > 0) std::printf("  ... %zu earlier ones in `tunelab show DB --json`\n", from);
  for (size_t i = from; i < s.decisions.size(); ++i) {
    const auto& d = s.decisions[i];
    std::printf("  trial %-5lld %-8s by %-9s %s\n", (long long)d.trial_id, terminal_safe(d.action).c_str(),
                terminal_safe(d.source).c_str(), terminal_safe(d.reason, true).c_str());
  }
}

// One trial in full: status, config, results, error and its attributes (trial_attrs). Returns the exit status.
int show_trial(const Store& store, const StudySummary& s, const std::string& which, bool json) {
  char* end = nullptr;
  const long long id = std::strtoll(which.c_str(), &end, 10);
  const TrialSummary* t = nullptr;
  for (const auto& tr : s.trials) {
    if (!which.empty() && *end == '\0' && tr.rec.id == id) t = &tr;
  }
  if (!t) {
    std::cerr << "tunelab show: --trial " << terminal_safe(which) << ": no such trial (the study has trials 0 to "
              << (s.trials.empty() ? -1 : s.trials.back().rec.id) << ")\n";
    return kExitUsage;
  }
  auto attrs = store.load_trial_attrs(t->rec.id);
  if (!attrs) {
    std::cerr << "tunelab show: " << attrs.error_text() << "\n";
    return kExitFailed;
  }
  Json a = Json::object();
  for (const auto& at : *attrs) a[at.key] = at.value;
  if (json) {
    Json j = {{"id", t->rec.id},          {"status", to_string(t->rec.status)}, {"origin", t->rec.origin},
              {"config", t->rec.config},   {"iterations", t->iterations},       {"last", t->last},
              {"best", t->best},           {"error", t->rec.error},             {"attrs", a}};
    if (t->rec.ignored_reports) j["ignored_reports"] = t->rec.ignored_reports;
    std::cout << j.dump(2, ' ', false, nlohmann::detail::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  std::printf("Trial %lld of \"%s\": %s (%s), %lld results\n", (long long)t->rec.id, terminal_safe(s.study.name).c_str(),
              to_string(t->rec.status), terminal_safe(t->rec.origin).c_str(), (long long)t->iterations);
  std::printf("  config: %s\n", terminal_safe(dump_compact(t->rec.config)).c_str());
  if (!t->last.is_null()) std::printf("  last:   %s\n", terminal_safe(dump_compact(t->last)).c_str());
  if (!t->rec.error.empty()) std::printf("  error:  %s\n", terminal_safe(t->rec.error, true).c_str());
  if (t->rec.ignored_reports) {
    std::printf("  ignored reports: %lld (sent after the trial was told to end or pause)\n",
                (long long)t->rec.ignored_reports);
  }
  if (!a.empty()) {
    std::printf("  attributes:\n");
    for (const auto& [k, v] : a.items()) {
      std::printf("    %s = %s\n", terminal_safe(k).c_str(), terminal_safe(v.is_string() ? v.get<std::string>() : dump_compact(v)).c_str());
    }
  }
  return kExitOk;
}

}  // namespace

int show_command(const Args& args) {
  auto p = parse_args(args, {"grid-intensity", "trial"}, {"json"});
  if (p.error.empty() && p.positional.size() != 1) p.error = "give exactly one study database";
  if (!p.error.empty()) {
    std::cerr << "tunelab show: " << p.error << "\nusage: tunelab show DB [--json] [--trial N] [--grid-intensity G_PER_KWH]\n";
    return kExitUsage;
  }
  auto study = read_study(p.positional[0], "show");
  if (!study) return kExitFailed;
  StudySummary& s = study->summary;
  const Store& store = *study->store;
  if (std::string err; !apply_grid_intensity(p, s, &err)) {
    std::cerr << "tunelab show: " << err << "\n";
    return kExitUsage;
  }
  if (auto which = p.value("trial")) return show_trial(store, s, *which, p.has("json"));
  const auto origin = store.load_study_origin();
  const std::string origin_text = origin ? *origin : std::string();
  if (p.has("json")) {
    Json j = show_json(s);
    if (!origin_text.empty()) {
      const auto r = read_json(origin_text);
      j["study"]["origin"] = r.ok() ? r.value : Json(origin_text);
    }
    std::cout << j.dump(2, ' ', false, nlohmann::detail::error_handler_t::replace) << "\n";
  } else {
    print_table(s, origin_text);
    print_decisions(s);
  }
  return kExitOk;
}

// --format optuna: the study as an Optuna storage (a new SQLite file, so --out is needed).
int export_optuna(const std::string& db, const std::string& out, bool force) {
  auto study = read_study(db, "export");
  if (!study) return kExitFailed;
  StudySummary& s = study->summary;
  const Store& store = *study->store;
  if (!check_output(out, {db, s.study.trials_dir}, force, "export")) return kExitUsage;
  auto written = write_optuna_storage(store, s, out, [](int64_t n) {
    std::fprintf(stderr, "  %lld intermediate values written\n", static_cast<long long>(n));
  });
  if (!written) {
    std::cerr << "tunelab export: " << written.error_text() << "\n";
    return kExitFailed;
  }
  for (const auto& note : written->notes) std::cerr << "tunelab export: note: " << terminal_safe(note) << "\n";
  std::fprintf(stderr, "Wrote Optuna study \"%s\" (%lld trials, %lld intermediate values) to %s\n",
               terminal_safe(s.study.name).c_str(), static_cast<long long>(written->trials),
               static_cast<long long>(written->intermediate_values), out.c_str());
  std::fprintf(stderr, "Open it with optuna.load_study(study_name=%s, storage=\"sqlite:///%s\")\n",
               terminal_safe(dump_compact(Json(s.study.name))).c_str(), fs::absolute(out).c_str());
  return kExitOk;
}

int export_command(const Args& args) {
  auto p = parse_args(args, {"format", "out", "metric", "grid-intensity"}, {"results", "attempts", "force"});
  if (p.error.empty() && p.positional.size() != 1) p.error = "give exactly one study database";
  if (p.error.empty() && p.has("attempts") && !p.has("results")) p.error = "--attempts goes with --results";
  const std::string format = p.value("format").value_or("csv");
  if (p.error.empty() && format != "csv" && format != "json" && format != "curves" && format != "optuna") {
    p.error = "--format must be csv, json, curves or optuna";
  }
  if (p.error.empty() && format == "optuna") {
    if (!p.value("out")) p.error = "--format optuna writes an SQLite file: give it with --out FILE";
    else if (p.has("results") || p.has("metric") || p.value("grid-intensity")) {
      p.error = "--format optuna takes no --results, --metric or --grid-intensity (it writes every trial and, for one objective, every curve)";
    } else {
      return export_optuna(p.positional[0], *p.value("out"), p.has("force"));
    }
  }
  if (p.error.empty() && format == "curves") return export_curves(p.positional[0], p.value("metric").value_or(""), p.value("out"), p.has("force"));
  if (!p.error.empty()) {
    std::cerr << "tunelab export: " << p.error << "\nusage: tunelab export DB --format csv|json|curves [--results [--attempts]] [--metric M] [--out FILE [--force]] [--grid-intensity G_PER_KWH]\n       tunelab export DB --format optuna --out FILE [--force]\n";
    return kExitUsage;
  }
  auto study = read_study(p.positional[0], "export");
  if (!study) return kExitFailed;
  StudySummary& s = study->summary;
  const Store& store = *study->store;
  if (std::string err; !apply_grid_intensity(p, s, &err)) {
    std::cerr << "tunelab export: " << err << "\n";
    return kExitUsage;
  }
  if (auto out = p.value("out"); out && !check_output(*out, {p.positional[0], s.study.trials_dir}, p.has("force"), "export")) {
    return kExitUsage;
  }
  // The trials table is small; the results table is streamed from the store, a row at a time, so that a study of
  // millions of results is exported in constant memory.
  const auto kind = format == "csv" ? TableWriter::Format::Csv : TableWriter::Format::JsonRows;
  size_t rows = 0;
  auto write = [&](std::ostream& out) {
    TableWriter w(out, kind);
    if (p.has("results")) {
      std::vector<std::string> notes;
      const Status read = stream_results_table(store, s, p.has("attempts"), w, notes);
      for (const auto& note : notes) std::cerr << "tunelab export: warning: " << terminal_safe(note) << "\n";
      if (!read) {
        out.flush();
        std::cerr << "tunelab export: " << read.error_text() << "\n";
        return false;
      }
      w.end();
    } else {
      const Table table = trials_table(s);
      for (const auto& note : table.notes) std::cerr << "tunelab export: warning: " << terminal_safe(note) << "\n";
      write_table(table, w);
    }
    rows = w.rows();
    return static_cast<bool>(out.flush());
  };
  if (auto out = p.value("out")) {
    if (!write_output_file(*out, write, "export")) return kExitFailed;
    std::fprintf(stderr, "Wrote %zu rows to %s\n", rows, out->c_str());
  } else if (!write(std::cout)) {
    if (!std::cout) std::cerr << "tunelab export: cannot write to standard output\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace tunelab::cli

// tunelab show / export: read a study back from its database (safe while it runs).
#include <cstdio>
#include <fstream>
#include <vector>
#include <iostream>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/terminal_view.h"
#include "core/analysis/summary.h"

namespace tunelab::cli {
namespace {

Result<std::unique_ptr<Store>> open_read_only(const std::string& path) { return Store::open(path, Store::Mode::ReadOnly); }

std::string short_value(const Json& v) {
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return buf;
  }
  return v.is_string() ? v.get<std::string>() : dump_compact(v);
}

void print_table(const StudySummary& s) {
  std::printf("Study \"%s\" (%s), objective %s (%s), %zu trials, %s elapsed\n", s.study.name.c_str(),
              s.study.status.c_str(), s.objective.metric.c_str(), s.objective.maximize ? "max" : "min",
              s.trials.size(), format_duration(s.study.elapsed_s).c_str());
  std::printf("%5s  %-9s  %5s  %12s  %s\n", "trial", "status", "iter", ("best " + s.objective.metric).c_str(), "config");
  for (const auto& t : s.trials) {
    std::string cfg;
    const Json flat = flatten_json(t.rec.config);
    for (const auto& [k, v] : flat.items()) cfg += (cfg.empty() ? "" : " ") + k + "=" + short_value(v);
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
      std::printf("       error: %s\n", lines.front().c_str());
      for (size_t i = lines.size() > 4 ? lines.size() - 3 : 1; i < lines.size(); ++i) {
        std::printf("         | %s\n", lines[i].c_str());
      }
    }
  }
}

}  // namespace

int show_command(const Args& args) {
  auto p = parse_args(args, {}, {"json"});
  if (p.error.empty() && p.positional.size() != 1) p.error = "give exactly one study database";
  if (!p.error.empty()) {
    std::cerr << "tunelab show: " << p.error << "\nusage: tunelab show DB [--json]\n";
    return kExitUsage;
  }
  auto store = open_read_only(p.positional[0]);
  if (!store) {
    std::cerr << "tunelab show: " << store.error_text() << "\n";
    return kExitFailed;
  }
  auto s = summarize(**store);
  if (!s) {
    std::cerr << "tunelab show: " << s.error_text() << "\n";
    return kExitFailed;
  }
  if (p.has("json")) std::cout << show_json(*s).dump(2, ' ', false, nlohmann::detail::error_handler_t::replace) << "\n";
  else print_table(*s);
  return kExitOk;
}

int export_command(const Args& args) {
  auto p = parse_args(args, {"format", "out"}, {"results"});
  if (p.error.empty() && p.positional.size() != 1) p.error = "give exactly one study database";
  const std::string format = p.value("format").value_or("csv");
  if (p.error.empty() && format != "csv" && format != "json") p.error = "--format must be csv or json";
  if (!p.error.empty()) {
    std::cerr << "tunelab export: " << p.error << "\nusage: tunelab export DB --format csv|json [--results] [--out FILE]\n";
    return kExitUsage;
  }
  auto store = open_read_only(p.positional[0]);
  if (!store) {
    std::cerr << "tunelab export: " << store.error_text() << "\n";
    return kExitFailed;
  }
  auto s = summarize(**store);
  if (!s) {
    std::cerr << "tunelab export: " << s.error_text() << "\n";
    return kExitFailed;
  }
  Table table;
  if (p.has("results")) {
    auto t = results_table(**store, *s);
    if (!t) {
      std::cerr << "tunelab export: " << t.error_text() << "\n";
      return kExitFailed;
    }
    table = std::move(*t);
  } else {
    table = trials_table(*s);
  }
  const std::string text = format == "csv" ? to_csv(table)
      : to_json_rows(table).dump(2, ' ', false, nlohmann::detail::error_handler_t::replace) + "\n";
  if (auto out = p.value("out")) {
    // Write beside the target and rename, so a failed export never leaves half a file.
    const std::string tmp = *out + ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f << text;
      if (!f.flush()) {
        std::cerr << "tunelab export: cannot write " << tmp << "\n";
        return kExitFailed;
      }
    }
    if (std::rename(tmp.c_str(), out->c_str()) != 0) {
      std::cerr << "tunelab export: cannot write " << *out << "\n";
      return kExitFailed;
    }
    std::fprintf(stderr, "Wrote %zu rows to %s\n", table.rows.size(), out->c_str());
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return kExitOk;
}

}  // namespace tunelab::cli

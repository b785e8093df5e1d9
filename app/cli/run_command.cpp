// tunelab run / resume: run a study in the foreground with a live terminal view.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <cstdio>
#include <iostream>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/terminal_view.h"
#include "core/analysis/summary.h"
#include "core/run/controller.h"
#include "core/study/lint.h"
#include "core/store/results_dir.h"
#include "core/importers/import_model.h"

namespace tunelab::cli {
namespace {

std::atomic<bool> g_interrupted{false};
Controller* g_controller = nullptr;

void on_signal(int) {
  g_interrupted.store(true);
  if (g_controller) g_controller->wake();  // async-signal-safe (a write to an eventfd)
}

// Search-space advice: warnings only, on stderr; the exit status does not change.
void print_lint(const StudySpec& spec) {
  for (const auto& w : lint_space(spec)) std::cerr << "warning: " << w.to_string() << "\n";
}

void print_summary(const Store& store, bool quiet) {
  auto s = summarize(store);
  if (!s) {
    std::cerr << "tunelab: cannot read the results back: " << s.error_text() << "\n";
    return;
  }
  auto counts = show_json(*s)["counts"];
  std::printf("Study \"%s\": %s. %lld completed, %lld stopped early, %lld errored, %lld not run.\n",
              terminal_safe(s->study.name).c_str(), terminal_safe(s->study.status).c_str(), (long long)counts["completed"].get<int64_t>(),
              (long long)counts["stopped"].get<int64_t>(), (long long)counts["error"].get<int64_t>(),
              (long long)(counts["pending"].get<int64_t>() + counts["paused"].get<int64_t>()));
  if (s->best_trial) {
    const auto& t = s->trials[static_cast<size_t>(*s->best_trial)];
    std::printf("Best trial %lld: %s = %.6g (%s)\n  config: %s\n", (long long)t.rec.id,
                terminal_safe(s->objective.metric).c_str(), *t.best_value, s->objective.maximize ? "max" : "min",
                terminal_safe(dump_compact(t.rec.config)).c_str());
  } else {
    std::printf("No trial reported %s.\n", terminal_safe(s->objective.metric).c_str());
  }
  if (!quiet) std::printf("Results: %s\n", store.path().c_str());
}

int drive(Controller& c, bool quiet) {
  TerminalView view(c.spec().objective.metric, quiet);
  c.add_observer([&view](const StudyEvent& e) { view.on_event(e); });
  g_controller = &c;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);  // the terminal closed: end the study as for SIGTERM, resumable
  signal(SIGPIPE, SIG_IGN);
  auto status = c.run();
  g_controller = nullptr;
  if (!status) {
    std::cerr << "tunelab: " << status.error_text() << "\n";
    return kExitFailed;
  }
  print_summary(c.store(), quiet);
  if (*status == "interrupted") {
    std::printf("Interrupted. Continue with: tunelab resume %s\n", c.store().path().c_str());
    return kExitInterrupted;
  }
  if (*status != "completed") return kExitFailed;
  // A study whose every trial failed did not do its job.
  auto trials = c.store().load_trials();
  if (trials && !trials->empty()) {
    bool any_ok = false;
    for (const auto& t : *trials) any_ok = any_ok || t.status != TrialStatus::Error;
    if (!any_ok) {
      std::cerr << "tunelab: every trial failed; see the errors with `tunelab show " << c.store().path() << "`\n";
      return kExitFailed;
    }
  }
  return kExitOk;
}

ControllerOptions options_from(const ParsedArgs& p, std::string& error) {
  ControllerOptions o;
  o.interrupt = &g_interrupted;
  if (auto n = p.value("max-concurrent")) {
    char* end = nullptr;
    const long v = std::strtol(n->c_str(), &end, 10);
    if (*end || v < 1) error = "--max-concurrent needs a positive integer, got \"" + *n + "\"";
    o.max_concurrent = v;
  }
  return o;
}

// --num-samples N and --trainable CMD change the stored spec before the study resumes (an imported study has no
// trainable until one is given: docs/import.md). Returns an error text, or empty.
std::string update_stored_spec(const std::string& db, const ParsedArgs& p) {
  const auto n = p.value("num-samples");
  const auto trainable = p.value("trainable");
  Json spec;
  {
    // A file that cannot be read as a study is left to Controller::resume, which says why (exit 1).
    auto store = Store::open(db, Store::Mode::ReadOnly);
    if (!store) return {};
    auto study = (*store)->load_study();
    if (!study) return {};
    spec = study->spec;
  }
  const Json& cmd = spec.contains("trainable") ? spec["trainable"].value("command", Json()) : Json();
  const bool unset = cmd.is_array() && cmd.size() == 1 && cmd[0] == kImportedNoTrainable;
  if (unset && !trainable) {
    return db + ": this study was imported, and TuneLab does not know what ran its trials; give its trainable once: "
                "tunelab resume " + db + " --trainable 'python3 train.py' --num-samples N (or --trainable builtin:NAME)";
  }
  if (!n && !trainable) return {};
  if (n) {
    char* end = nullptr;
    const long v = std::strtol(n->c_str(), &end, 10);
    if (n->empty() || *end || v < 1) return "--num-samples needs a positive integer, got \"" + *n + "\"";
    spec["num_samples"] = v;
  }
  if (trainable) {
    if (trainable->empty()) return "--trainable needs a command (or builtin:NAME)";
    if (trainable->rfind("builtin:", 0) == 0) {
      spec["trainable"] = {{"builtin", trainable->substr(8)}};
    } else {
      std::error_code ec;
      spec["trainable"] = {{"command", *trainable}, {"shell", true}, {"cwd", std::filesystem::current_path(ec).string()}};
    }
  }
  auto store = Store::open(db, Store::Mode::Open);
  if (!store) return store.error_text();
  auto study = (*store)->load_study();
  if (!study) return study.error_text();
  if (auto parsed = parse_spec(spec, study->base_dir); !parsed) return "the changed spec is not valid: " + parsed.error_text();
  if (auto s = (*store)->set_study_spec(spec); !s) return s.error_text();
  return {};
}

}  // namespace

int run_command(const Args& args) {
  auto p = parse_args(args, {"db", "max-concurrent"}, {"quiet"});
  if (p.error.empty() && p.positional.size() != 1) p.error = "give exactly one spec file";
  std::string opt_error;
  ControllerOptions options = options_from(p, opt_error);
  if (!p.error.empty() || !opt_error.empty()) {
    std::cerr << "tunelab run: " << (p.error.empty() ? opt_error : p.error)
              << "\nusage: tunelab run SPEC [--db FILE] [--max-concurrent N] [--quiet]\n";
    return kExitUsage;
  }
  auto spec = load_spec_file(p.positional[0]);
  if (!spec) {
    std::cerr << "tunelab run: the spec has " << spec.errors().size() << " error(s):\n";
    for (const auto& e : spec.errors()) std::cerr << "  " << e.to_string() << "\n";
    return kExitUsage;
  }
  print_lint(*spec);
  const auto given_db = p.value("db");  // the default path is looked at only when no --db is given
  const std::string db = given_db ? *given_db : default_study_db_path(spec->name);
  auto c = Controller::create(std::move(*spec), db, std::move(options));
  if (!c) {
    std::cerr << "tunelab run: " << c.error_text() << "\n";
    return kExitFailed;
  }
  if (!p.has("quiet")) std::printf("Study \"%s\" -> %s\n", terminal_safe((*c)->spec().name).c_str(), db.c_str());
  return drive(**c, p.has("quiet"));
}

int resume_command(const Args& args) {
  auto p = parse_args(args, {"max-concurrent", "num-samples", "trainable"}, {"quiet"});
  if (p.error.empty() && p.positional.size() != 1) p.error = "give exactly one study database";
  std::string opt_error;
  ControllerOptions options = options_from(p, opt_error);
  if (!p.error.empty() || !opt_error.empty()) {
    std::cerr << "tunelab resume: " << (p.error.empty() ? opt_error : p.error)
              << "\nusage: tunelab resume DB [--max-concurrent N] [--quiet] [--num-samples N] [--trainable CMD]\n";
    return kExitUsage;
  }
  if (auto err = update_stored_spec(p.positional[0], p); !err.empty()) {
    std::cerr << "tunelab resume: " << err << "\n";
    return kExitUsage;
  }
  auto c = Controller::resume(p.positional[0], std::move(options));
  if (!c) {
    std::cerr << "tunelab resume: " << c.error_text() << "\n";
    return kExitFailed;
  }
  if (!p.has("quiet")) {
    std::printf("Resuming study \"%s\" in %s\n", terminal_safe((*c)->spec().name).c_str(), p.positional[0].c_str());
  }
  return drive(**c, p.has("quiet"));
}

int validate_command(const Args& args) {
  if (args.size() != 1) {
    std::cerr << "usage: tunelab validate SPEC\n";
    return kExitUsage;
  }
  auto spec = load_spec_file(args[0]);
  if (!spec) {
    std::cerr << "the spec has " << spec.errors().size() << " error(s):\n";
    for (const auto& e : spec.errors()) std::cerr << "  " << e.to_string() << "\n";
    return kExitUsage;
  }
  std::printf("%s: ok (%zu parameters)\n", args[0].c_str(), spec->space.params().size());
  print_lint(*spec);
  return kExitOk;
}

}  // namespace tunelab::cli

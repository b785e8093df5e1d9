// tunelab stop / pause / resume --trial / set / add / clone: commands for a study that an engine runs, sent
// through the study database's control channel (core/control/channel.h, docs/storage.md).
//
// Exit statuses: 0 applied (with --no-wait: sent), 1 refused (by the checks before sending, or by the engine),
// 2 bad arguments, 3 sent but still pending when the wait ended.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/terminal_view.h"
#include "core/control/channel.h"
#include "core/util/json_read.h"

namespace tunelab::cli {
namespace {

using control::CommandKind;

constexpr int kExitPending = 3;

const char* usage_of(const std::string& verb) {
  if (verb == "stop") return "tunelab stop DB [--trial N] [--no-wait | --wait SECONDS]";
  if (verb == "pause") return "tunelab pause DB [--trial N] [--no-wait | --wait SECONDS]";
  if (verb == "resume") return "tunelab resume DB --trial N [--no-wait | --wait SECONDS]";
  if (verb == "set") return "tunelab set DB --max-concurrent N [--no-wait | --wait SECONDS]";
  if (verb == "add") return "tunelab add DB --config JSON [--no-wait | --wait SECONDS]";
  return "tunelab clone DB --trial N [--set key=value ...] [--no-wait | --wait SECONDS]";
}

int usage(const std::string& verb, const std::string& why) {
  std::cerr << "tunelab " << verb << ": " << why << "\nusage: " << usage_of(verb) << "\n";
  return kExitUsage;
}

std::optional<int64_t> parse_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end || errno) return std::nullopt;
  return v;
}

// Sends `req` and reports the engine's outcome. `if_no_engine`, when given, answers instead when no engine turns out
// to be running after all: the one that looked alive had just been killed (a trial it was starting holds the
// study's lock until that trial execs), or it ended before applying the command.
int send(const std::string& verb, const std::string& db, const control::CommandRequest& req, const ParsedArgs& p,
         const std::function<int()>& if_no_engine) {
  double wait_s = 10;
  if (auto w = p.value("wait")) {
    char* end = nullptr;
    wait_s = std::strtod(w->c_str(), &end);
    if (*end || !(wait_s >= 0) || wait_s > 3600) return usage(verb, "--wait needs seconds between 0 and 3600, got \"" + *w + "\"");
  }
  auto ch = control::Channel::open(db, "tunelab " + verb + " (" + control::Channel::default_issuer() + ")");
  if (!ch) {
    std::cerr << "tunelab " << verb << ": " << ch.error_text() << "\n";
    return kExitFailed;
  }
  auto id = (*ch)->submit(req);
  if (!id && if_no_engine && !(*ch)->engine_running()) return if_no_engine();
  if (!id) {
    std::cerr << "tunelab " << verb << ": " << id.error_text() << "\n";
    return kExitFailed;
  }
  if (p.has("no-wait")) {
    std::printf("sent: command %lld (%s)\n", (long long)*id, control::kind_name(req.kind));
    return kExitOk;
  }
  auto row = (*ch)->wait(*id, std::chrono::milliseconds(static_cast<int64_t>(wait_s * 1000)));
  if (!row) {
    std::cerr << "tunelab " << verb << ": " << row.error_text() << "\n";
    return kExitFailed;
  }
  if (row->state == "applied") {
    std::printf("applied: %s\n", terminal_safe(row->outcome).c_str());
    return kExitOk;
  }
  if (row->state == "refused" && row->outcome == control::kEngineEndedOutcome && if_no_engine) return if_no_engine();
  if (row->state == "refused") {
    std::cerr << "refused: " << terminal_safe(row->outcome) << "\n";
    return kExitFailed;
  }
  std::cerr << "pending: command " << *id << " was sent, and the engine has not applied it yet after " << wait_s
            << " s (it reads commands about every 0.25 s; is it stuck?). Its outcome will be in the commands table of "
            << db << "\n";
  return kExitPending;
}

// --set key=value may repeat: taken out before the other options are read.
Args take_sets(const Args& args, std::vector<std::string>& sets, std::string& error) {
  Args rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--set") {
      if (i + 1 >= args.size()) {
        error = "option --set needs key=value";
        return rest;
      }
      sets.push_back(args[++i]);
    } else if (args[i].starts_with("--set=")) {
      sets.push_back(args[i].substr(6));
    } else {
      rest.push_back(args[i]);
    }
  }
  return rest;
}

}  // namespace

int control_command(const std::string& verb, const Args& all_args) { return control_command(verb, all_args, nullptr); }

int control_command(const std::string& verb, const Args& all_args, const std::function<int()>& if_no_engine) {
  std::vector<std::string> sets;
  std::string set_error;
  const Args args = verb == "clone" ? take_sets(all_args, sets, set_error) : all_args;
  if (!set_error.empty()) return usage(verb, set_error);
  std::set<std::string> with_value = {"wait"};
  if (verb == "stop" || verb == "pause" || verb == "resume" || verb == "clone") with_value.insert("trial");
  if (verb == "set") with_value.insert("max-concurrent");
  if (verb == "add") with_value.insert("config");
  auto p = parse_args(args, with_value, {"no-wait"});
  if (!p.error.empty()) return usage(verb, p.error);
  if (p.positional.size() != 1) return usage(verb, "give exactly one study database");
  if (p.has("no-wait") && p.value("wait")) return usage(verb, "give --no-wait or --wait, not both");
  const std::string db = p.positional[0];
  control::CommandRequest req;
  std::optional<int64_t> trial;
  if (auto t = p.value("trial")) {
    trial = parse_int(*t);
    if (!trial || *trial < 0) return usage(verb, "--trial needs a trial id (0, 1, 2, ...), got \"" + *t + "\"");
  }
  req.trial = trial;
  if (verb == "stop") {
    req.kind = trial ? CommandKind::StopTrial : CommandKind::StopStudy;
  } else if (verb == "pause") {
    req.kind = trial ? CommandKind::PauseTrial : CommandKind::PauseStudy;
  } else if (verb == "resume") {
    req.kind = trial ? CommandKind::ResumeTrial : CommandKind::ResumeStudy;
  } else if (verb == "set") {
    auto n = p.value("max-concurrent");
    if (!n) return usage(verb, "give --max-concurrent N (0: no limit)");
    auto v = parse_int(*n);
    if (!v || *v < 0) return usage(verb, "--max-concurrent needs 0 (no limit) or a positive integer, got \"" + *n + "\"");
    req.kind = CommandKind::SetMaxConcurrent;
    req.max_concurrent = *v;
  } else if (verb == "add") {
    auto text = p.value("config");
    if (!text) return usage(verb, "give --config JSON, e.g. --config '{\"lr\": 0.01}'");
    auto j = read_json(*text, {10000, 32});
    if (!j.ok()) return usage(verb, "--config is not valid JSON: " + j.error);
    if (!j.value.is_object()) return usage(verb, "--config needs a JSON object, e.g. '{\"lr\": 0.01}'");
    req.kind = CommandKind::AddTrial;
    req.config = std::move(j.value);
  } else {  // clone
    if (!trial) return usage(verb, "give --trial N, the trial to clone");
    auto edits = control::parse_edits(sets);
    if (!edits) return usage(verb, edits.error_text());
    req.kind = CommandKind::CloneTrial;
    req.config = std::move(*edits);
  }
  return send(verb, db, req, p, if_no_engine);
}

// tunelab resume: with --trial, resumes a paused trial through the running engine; without it, resumes the
// study that a running engine holds paused; with no engine running, continues the study (resume_command).
int resume_dispatch(const Args& args) {
  std::optional<std::string> trial;
  bool only_control_options = true;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--trial" || a == "--wait") {
      if (i + 1 < args.size()) ++i;
      if (a == "--trial") trial = args[i];
    } else if (a.starts_with("--trial=")) {
      trial = a.substr(8);
    } else if (!a.starts_with("--")) {
      positional.push_back(a);
    } else if (a != "--no-wait" && !a.starts_with("--wait=") && a != "--quiet") {
      only_control_options = false;
    }
  }
  if (trial) {
    if (positional.size() == 1 && only_control_options && !control::engine_running(positional[0]) &&
        control::Channel::open(positional[0])) {
      // Say what a bare resume would do with the trial, rather than the generic "no engine" refusal.
      std::cerr << "tunelab resume: no engine is running this study, so trial " << *trial
                << " was not resumed (nothing was sent). `tunelab resume " << positional[0]
                << "` (without --trial) starts an engine; a trial paused by the user stays paused then, until "
                   "`tunelab resume " << positional[0] << " --trial " << *trial << "` while it runs.\n";
      return kExitFailed;
    }
    return control_command("resume", args);
  }
  // A study whose engine runs, read through a name that shows it (not a hard link to a WAL file, which shows
  // only what was checkpointed): the command goes to that engine. Otherwise resume_command says what is wrong.
  if (positional.size() == 1 && control::engine_running(positional[0]) && control::Channel::open(positional[0])) {
    if (!only_control_options) {
      std::cerr << "tunelab resume: an engine is already running " << positional[0]
                << "; `tunelab resume DB` then resumes the study if it is paused (no other options), and "
                   "`tunelab set DB --max-concurrent N` changes its concurrency\n";
      return kExitFailed;
    }
    Args control_args;
    for (const auto& a : args) {
      if (a != "--quiet") control_args.push_back(a);
    }
    return control_command("resume", control_args, [&args] { return resume_command(args); });
  }
  return resume_command(args);
}

}  // namespace tunelab::cli

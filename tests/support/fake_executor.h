#pragma once
// A scripted Executor and a clock that tests move by hand, for controller tests that run no process
// and never sleep (the controller takes both through ControllerOptions, as LevelDB takes its Env).
//
// When the controller starts a trial, the test's script says what that "process" will do: the reports
// it writes, then how it exits (or that it hangs until stopped). Each wait() plays one step of every
// running trial, in trial-id order, and moves the clock by `step`; stop() ends a trial at the next step
// (exit by SIGTERM). Everything that happens is appended to a shared log ("start 3", "report 3",
// "exit 3", "stop 3") that a test may also write to, e.g. from a recording searcher.
#include <csignal>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/exec/executor.h"
#include "core/util/clock.h"

namespace tunelab::test {

class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

// What a started trial does.
struct FakeProcess {
  std::vector<Json> reports;  // one per step
  int exit_code = 0;          // after the last report
  int signal = 0;             // killed by this signal instead
  bool hang = false;          // after the last report it neither reports nor exits until stopped
};

class FakeExecutor final : public Executor {
 public:
  using Script = std::function<FakeProcess(const Launch&)>;
  FakeExecutor(std::shared_ptr<FakeClock> clock, std::shared_ptr<std::vector<std::string>> log, Script script,
               std::chrono::milliseconds step = std::chrono::milliseconds(10))
      : clock_(std::move(clock)), log_(std::move(log)), script_(std::move(script)), step_(step) {}

  Status start(const Launch& launch) override {
    Proc p;
    p.script = script_(launch);
    p.pending.assign(p.script.reports.begin(), p.script.reports.end());
    procs_[launch.trial_id] = std::move(p);
    launches.push_back(launch);
    log_->push_back("start " + std::to_string(launch.trial_id));
    return {};
  }
  void stop(int64_t trial_id, std::chrono::milliseconds) override {
    auto it = procs_.find(trial_id);
    if (it == procs_.end()) return;
    it->second.stopped = true;
    log_->push_back("stop " + std::to_string(trial_id));
  }
  std::vector<ExecEvent> wait(std::chrono::milliseconds timeout) override {
    if (before_wait) before_wait();
    std::vector<ExecEvent> out;
    std::vector<int64_t> ended;
    for (auto& [id, p] : procs_) {
      ExecEvent e;
      e.trial_id = id;
      if (p.stopped) {
        e.kind = ExecEvent::Kind::Exited;
        e.exit_code = -1;
        e.signal = SIGTERM;
      } else if (!p.pending.empty()) {
        e.kind = ExecEvent::Kind::Report;
        e.report = p.pending.front();
        p.pending.pop_front();
      } else if (p.script.hang) {
        continue;
      } else {
        e.kind = ExecEvent::Kind::Exited;
        e.exit_code = p.script.signal ? -1 : p.script.exit_code;
        e.signal = p.script.signal;
      }
      if (e.kind == ExecEvent::Kind::Exited) ended.push_back(id);
      log_->push_back((e.kind == ExecEvent::Kind::Exited ? "exit " : "report ") + std::to_string(id));
      out.push_back(std::move(e));
    }
    for (int64_t id : ended) procs_.erase(id);
    // Nothing happens: the whole timeout passes (the controller's timers fire without sleeping).
    clock_->advance(out.empty() ? std::max(timeout, std::chrono::milliseconds(1)) : step_);
    return out;
  }
  void wake() override {}
  size_t running() const override { return procs_.size(); }
  int process_group(int64_t trial_id) const override { return procs_.count(trial_id) ? 1000 + static_cast<int>(trial_id) : 0; }
  bool runs_locally() const override { return local; }
  int kill_stale(int pgid, const std::string& trial_dir) override {
    log_->push_back("kill_stale " + std::to_string(pgid) + " " + trial_dir);
    return 0;
  }

  std::vector<Launch> launches;       // every start, in order
  bool local = true;                  // runs_locally(): the controller allocates its CPU slots
  std::function<void()> before_wait;  // called at the start of every wait() (may throw: an engine crash)

 private:
  struct Proc {
    FakeProcess script;
    std::deque<Json> pending;
    bool stopped = false;
  };
  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<std::vector<std::string>> log_;
  Script script_;
  std::chrono::milliseconds step_;
  std::map<int64_t, Proc> procs_;
};

}  // namespace tunelab::test

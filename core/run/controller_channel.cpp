// The control channel (core/control): commands that other processes write into the study database. A thread
// reads them (core/control/server.h) and queues each like a command from the GUI; the loop checks it against
// the live state, applies it through apply_command (the GUI's path), and records the outcome.
#include <algorithm>

#include "core/run/controller.h"
#include "core/run/trial_state.h"

namespace tunelab {

namespace {

bool ended(TrialStatus s) {
  return s == TrialStatus::Completed || s == TrialStatus::Stopped || s == TrialStatus::Error;
}

}  // namespace

void Controller::start_channel() {
  auto ch = control::EngineChannel::open(store_->path());
  if (!ch) {
    log(std::nullopt, "control_channel", "commands from other processes are off: " + ch.error_text());
    return;
  }
  // A command written while no engine ran (a writer racing the end of the last session) is never applied later.
  auto stale = (*ch)->refuse_pending("written while no engine ran the study; send it again now that one runs");
  if (stale && *stale > 0) {
    log(std::nullopt, "commands_refused", std::to_string(*stale) + " command(s) written while no engine ran were refused");
  }
  channel_ = std::make_unique<control::ChannelServer>(
      std::move(*ch), [this](control::CommandRow row) { deliver_channel_command(std::move(row)); });
  channel_->start();
}

void Controller::stop_channel() {
  if (!channel_) return;
  channel_->stop();  // no more deliveries
  std::vector<Command> left;
  {
    std::lock_guard lock(commands_mutex_);
    for (auto it = commands_.begin(); it != commands_.end();) {
      if (it->channel_id) {
        left.push_back(std::move(*it));
        it = commands_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& c : left) channel_->record(c.channel_id, false, "the engine's session ended before applying it");
  channel_->stop();  // writes those outcomes
  channel_.reset();
}

// On the channel's thread: turn the row into a queued command (or refuse it at once).
void Controller::deliver_channel_command(control::CommandRow row) {
  const auto kind = control::kind_from_name(row.kind);
  if (!kind) {
    channel_->record(row.id, false, "unknown command kind \"" + row.kind + "\"");
    return;
  }
  if (control::is_trial_command(*kind) && !row.trial_id) {
    channel_->record(row.id, false, std::string(control::kind_name(*kind)) + " names no trial");
    return;
  }
  Command c;
  c.channel_id = row.id;
  c.value = row.trial_id.value_or(0);
  if (row.args.contains("reason") && row.args["reason"].is_string()) c.reason = row.args["reason"].get<std::string>();
  using K = Command::Kind;
  switch (*kind) {
    case control::CommandKind::StopTrial: c.kind = K::StopTrial; break;
    case control::CommandKind::PauseTrial: c.kind = K::PauseTrial; break;
    case control::CommandKind::ResumeTrial: c.kind = K::ResumeTrial; break;
    case control::CommandKind::StopStudy: c.kind = K::StopStudy; break;
    case control::CommandKind::PauseStudy: c.kind = K::PauseStudy; break;
    case control::CommandKind::ResumeStudy: c.kind = K::ResumeStudy; break;
    case control::CommandKind::SetMaxConcurrent: {
      c.kind = K::SetMaxConcurrent;
      const Json& n = row.args.contains("max_concurrent") ? row.args["max_concurrent"] : Json();
      if (!n.is_number_integer() || n.get<int64_t>() < 0) {
        channel_->record(row.id, false, "set_max_concurrent needs args.max_concurrent, 0 or a positive integer");
        return;
      }
      c.value = n.get<int64_t>();
      break;
    }
    case control::CommandKind::AddTrial:
    case control::CommandKind::CloneTrial:
      c.kind = K::AddTrial;
      c.config = row.args.contains("config") ? row.args["config"] : Json();
      if (*kind == control::CommandKind::CloneTrial) c.parent = row.trial_id;
      break;
  }
  push_command(std::move(c));
}

// On the loop's thread: what apply_command would silently skip is refused with its reason.
void Controller::apply_channel_command(Command& c) {
  using K = Command::Kind;
  const int64_t id = c.channel_id;
  auto refuse = [&](const std::string& why) {
    log(std::nullopt, "command_refused", "command " + std::to_string(id) + " refused: " + why);
    channel_->record(id, false, why);
  };
  auto apply = [&](const std::string& what) {
    apply_command(c);
    channel_->record(id, true, what);
  };
  const bool trial_kind = c.kind == K::StopTrial || c.kind == K::PauseTrial || c.kind == K::ResumeTrial;
  Trial* t = nullptr;
  if (auto it = trials_.find(trial_kind ? c.value : c.parent.value_or(-1)); it != trials_.end()) t = it->second.get();
  const std::string name = "trial " + std::to_string(trial_kind ? c.value : c.parent.value_or(-1));
  if (trial_kind || c.parent) {
    if (!t) return refuse(name + " does not exist");
    if (trial_kind && !t->running && ended(t->rec.status)) {
      return refuse(name + " already ended (" + to_string(t->rec.status) + ")");
    }
  }
  switch (c.kind) {
    case K::StopTrial:
      if (t->running && t->end_as && *t->end_as != TrialStatus::Paused) return refuse(name + " is already ending");
      return apply(name + " stopped");
    case K::PauseTrial:
      if (t->rec.held) return refuse(name + " is already paused");
      if (t->running && t->end_as) return refuse(name + " is already ending");
      return apply(name + " paused");
    case K::ResumeTrial:
      if (!t->rec.held) return refuse(name + " is not paused");
      return apply(name + " resumed");
    case K::StopStudy:
      if (stopping_study_) return refuse("the study is already stopping");
      return apply("study stopped");
    case K::PauseStudy:
      if (stopping_study_) return refuse("the study is stopping");
      if (study_paused_) return refuse("the study is already paused");
      return apply("study paused");
    case K::ResumeStudy:
      if (!study_paused_) return refuse("the study is not paused: the study is in use by another tunelab process that is running it");
      return apply("study resumed");
    case K::SetMaxConcurrent:
      if (c.value < 0) return refuse("max_concurrent must be 0 (no limit) or positive");
      return apply(c.value ? "max_concurrent set to " + std::to_string(c.value) : std::string("max_concurrent: no limit"));
    case K::AddTrial: {
      if (stopping_study_) return refuse("the study is stopping; no trial can be added");
      if (!c.config.is_object()) return refuse("the command has no config object");
      if (Status s = spec_.space.check_config(c.config); !s) return refuse("invalid config: " + s.error_text());
      const auto before = trials_.size();
      const auto parent = c.parent;
      apply_command(c);
      if (trials_.size() == before) return refuse("the trial was not added");
      const int64_t added = trials_.rbegin()->first;
      channel_->record(id, true, "trial " + std::to_string(added) + " added" +
                                     (parent ? " (a clone of trial " + std::to_string(*parent) + ")" : std::string()));
      return;
    }
  }
}

}  // namespace tunelab

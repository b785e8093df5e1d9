// Commands from other threads (the GUI, a signal handler): queued under a lock, applied by the loop.
#include <filesystem>

#include "core/run/controller.h"
#include "core/run/trial_state.h"

namespace tunelab {

void Controller::push_command(Command c) {
  {
    std::lock_guard lock(commands_mutex_);
    commands_.push_back(std::move(c));
  }
  wake();
}

void Controller::stop_trial(int64_t trial_id, std::string reason) {
  push_command({Command::Kind::StopTrial, trial_id, std::move(reason), nullptr, std::nullopt});
}
void Controller::stop_study(std::string reason) {
  push_command({Command::Kind::StopStudy, 0, std::move(reason), nullptr, std::nullopt});
}
void Controller::set_max_concurrent(int64_t n) {
  push_command({Command::Kind::SetMaxConcurrent, n, {}, nullptr, std::nullopt});
}
void Controller::pause_trial(int64_t trial_id, std::string reason) {
  push_command({Command::Kind::PauseTrial, trial_id, std::move(reason), nullptr, std::nullopt});
}
void Controller::resume_trial(int64_t trial_id) {
  push_command({Command::Kind::ResumeTrial, trial_id, {}, nullptr, std::nullopt});
}
void Controller::pause_study(std::string reason) {
  push_command({Command::Kind::PauseStudy, 0, std::move(reason), nullptr, std::nullopt});
}
void Controller::resume_study() { push_command({Command::Kind::ResumeStudy, 0, {}, nullptr, std::nullopt}); }
void Controller::add_trial(Json config, std::optional<int64_t> parent_id, std::string reason) {
  push_command({Command::Kind::AddTrial, 0, std::move(reason), std::move(config), parent_id});
}

void Controller::apply_commands() {
  std::vector<Command> cmds;
  {
    std::lock_guard lock(commands_mutex_);
    cmds.swap(commands_);
  }
  for (auto& c : cmds) {
    if (c.channel_id) {
      apply_channel_command(c);
    } else {
      apply_command(c);
    }
  }
}

void Controller::apply_command(Command& c) {
  Trial* t = nullptr;
  if (auto it = trials_.find(c.value); it != trials_.end()) t = it->second.get();
  const bool waiting = t && !t->running && (t->rec.status == TrialStatus::Pending || t->rec.status == TrialStatus::Paused);
  switch (c.kind) {
    case Command::Kind::StopTrial: {
      if (!t) break;
      const std::string why = c.reason.empty() ? "stopped by the user" : c.reason;
      if (t->running) {
        request_end(*t, TrialStatus::Stopped, "user", why);
      } else if (waiting) {
        record_decision(*t, "user", "stop", why, nullptr);
        finish_trial(*t, TrialStatus::Stopped, why);
      }
      break;
    }
    case Command::Kind::PauseTrial: {
      if (!t || t->rec.held) break;
      const std::string why = c.reason.empty() ? "paused by the user" : c.reason;
      if (t->running) {
        if (t->end_as) break;  // already ending
        t->rec.held = true;
        request_end(*t, TrialStatus::Paused, "user", why);
      } else if (waiting) {
        t->rec.held = true;
        t->rec.status = TrialStatus::Paused;
        record_decision(*t, "user", "pause", why, nullptr);
        pause_ended(*t);
      }
      break;
    }
    case Command::Kind::ResumeTrial:
      if (!t || !t->rec.held) break;
      t->rec.held = false;
      store_->put_trial(t->rec);
      record_decision(*t, "user", "resume", "resumed by the user", nullptr);
      break;
    case Command::Kind::StopStudy:
      stopping_study_ = true;
      end_status_ = "stopped";
      log(std::nullopt, "stopped", c.reason.empty() ? "study stopped by the user" : c.reason);
      for (auto& [id, tr] : trials_) {
        if (tr->running) request_end(*tr, TrialStatus::Stopped, "user", "study stopped");
      }
      break;
    case Command::Kind::PauseStudy:
      if (study_paused_ || stopping_study_) break;
      study_paused_ = true;
      log(std::nullopt, "study_paused", c.reason.empty() ? "study paused by the user" : c.reason);
      for (auto& [id, tr] : trials_) {
        if (tr->running) request_end(*tr, TrialStatus::Paused, "user", "study paused");
      }
      emit_progress(true);
      break;
    case Command::Kind::ResumeStudy:
      if (!study_paused_) break;
      study_paused_ = false;
      log(std::nullopt, "study_resumed", "study resumed by the user");
      emit_progress(true);
      break;
    case Command::Kind::SetMaxConcurrent:
      max_concurrent_ = std::max<int64_t>(0, c.value);
      log(std::nullopt, "max_concurrent",
          "at most " + (max_concurrent_ ? std::to_string(max_concurrent_) : std::string("unlimited")) +
              " trials run at once now");
      break;
    case Command::Kind::AddTrial:
      add_user_trial(std::move(c.config), c.parent, c.reason);
      break;
  }
}

Controller::Trial* Controller::add_user_trial(Json config, std::optional<int64_t> parent, const std::string& reason) {
  if (Status s = spec_.space.check_config(config); !s) {
    log(std::nullopt, "bad_command", "trial not added: " + s.error_text());
    return nullptr;
  }
  if (parent && !trials_.count(*parent)) parent.reset();
  const auto id = static_cast<int64_t>(trials_.size());
  auto t = std::make_unique<Trial>();
  t->rec.id = id;
  t->rec.config = std::move(config);
  t->rec.created_at = now_seconds();
  t->rec.trial_dir = (std::filesystem::path(study_.trials_dir) / pad_trial_id(id)).string();
  t->rec.parent_id = parent;
  t->rec.origin = "user";
  store_->put_trial(t->rec);
  // The searcher never proposes this id, and it still owes its own trials.
  searcher_->note_external_trial(id);
  if (total_trials_ >= 0) ++total_trials_;
  scheduler_->on_trial_add(snapshot(*t));
  Trial* raw = t.get();
  trials_[id] = std::move(t);
  StudyEvent e;
  e.kind = StudyEvent::Kind::TrialCreated;
  e.trial_id = id;
  e.data = raw->rec.config;
  notify(std::move(e));
  log(id, "added",
      "trial " + std::to_string(id) + " added by the user" +
          (parent ? " (a clone of trial " + std::to_string(*parent) + ")" : std::string()) +
          (reason.empty() ? "" : ": " + reason),
      {{"config", raw->rec.config}, {"parent_id", parent ? Json(*parent) : Json()}});
  return raw;
}

}  // namespace tunelab

#include "ui/bridge/db_control.h"

#include "ui/bridge/engine_bridge.h"

namespace tunelab::ui {

namespace {
constexpr int kPollMs = 100;         // outcomes of pending commands
constexpr int kProbeEveryTicks = 10;  // the engine's lock, about once a second
}  // namespace

StudyControl::StudyControl(EngineBridge* bridge, QObject* parent) : QObject(parent), bridge_(bridge) {
  timer_.setInterval(kPollMs);
  connect(&timer_, &QTimer::timeout, this, &StudyControl::poll);
  connect(bridge_, &EngineBridge::started, this, &StudyControl::state_changed);
  connect(bridge_, &EngineBridge::finished, this, &StudyControl::state_changed);
}

StudyControl::~StudyControl() = default;

void StudyControl::use_engine() {
  close();
  emit state_changed();
}

void StudyControl::watch(const QString& db_path) {
  close();
  watching_ = true;
  db_path_ = db_path;
  auto ch = control::Channel::open(db_path.toStdString(), "workbench (" + control::Channel::default_issuer() + ")");
  if (ch) {
    channel_ = std::move(*ch);
  } else {
    open_error_ = QString::fromStdString(ch.error_text());
  }
  engine_running_ = control::engine_running(db_path.toStdString());
  timer_.start();
  emit state_changed();
}

void StudyControl::close() {
  timer_.stop();
  watching_ = false;
  channel_.reset();
  open_error_.clear();
  pending_.clear();
  engine_running_ = false;
}

bool StudyControl::available() const {
  if (!watching_) return bridge_->running();
  return channel_ && channel_->writable() && engine_running_;
}

QString StudyControl::unavailable_reason() const {
  if (!watching_) return bridge_->running() ? QString() : tr("No study runs in this window.");
  if (!channel_) return tr("This study cannot be controlled: %1").arg(open_error_);
  if (!channel_->writable()) return QString::fromStdString(channel_->read_only_reason());
  if (!engine_running_) {
    return tr("No engine is running this study; `tunelab resume %1` continues it, then these controls act on it.")
        .arg(db_path_);
  }
  return {};
}

void StudyControl::poll() {
  if (++ticks_ % kProbeEveryTicks == 0 || !pending_.empty()) {
    const bool running = control::engine_running(db_path_.toStdString());
    if (running != engine_running_) {
      engine_running_ = running;
      emit state_changed();
    }
  }
  if (!channel_) return;
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto row = channel_->get(it->first);
    if (row && row->pending() && !engine_running_) {
      row = channel_->refuse_if_orphaned(it->first);
    }
    if (!row || !row->pending()) {
      const QString kind = it->second;
      const bool applied = row && row->state == "applied";
      const QString text = row ? QString::fromStdString(row->outcome) : QString::fromStdString(row.error_text());
      it = pending_.erase(it);
      emit outcome(kind, applied, text);
    } else {
      ++it;
    }
  }
}

void StudyControl::send(const control::CommandRequest& req) {
  const QString kind = QString::fromLatin1(control::kind_name(req.kind));
  if (!channel_) {
    emit outcome(kind, false, unavailable_reason());
    return;
  }
  auto id = channel_->submit(req);
  if (!id) {
    emit outcome(kind, false, QString::fromStdString(id.error_text()));
    return;
  }
  pending_[*id] = kind;
}

void StudyControl::stop_trial(int64_t id) {
  if (!watching_) return bridge_->stop_trial(id);
  send({control::CommandKind::StopTrial, id, 0, nullptr, {}});
}
void StudyControl::pause_trial(int64_t id) {
  if (!watching_) return bridge_->pause_trial(id);
  send({control::CommandKind::PauseTrial, id, 0, nullptr, {}});
}
void StudyControl::resume_trial(int64_t id) {
  if (!watching_) return bridge_->resume_trial(id);
  send({control::CommandKind::ResumeTrial, id, 0, nullptr, {}});
}
void StudyControl::stop_study() {
  if (!watching_) return bridge_->stop_study();
  send({control::CommandKind::StopStudy, std::nullopt, 0, nullptr, {}});
}
void StudyControl::pause_study() {
  if (!watching_) return bridge_->pause_study();
  send({control::CommandKind::PauseStudy, std::nullopt, 0, nullptr, {}});
}
void StudyControl::resume_study() {
  if (!watching_) return bridge_->resume_study();
  send({control::CommandKind::ResumeStudy, std::nullopt, 0, nullptr, {}});
}
void StudyControl::set_max_concurrent(int64_t n) {
  if (!watching_) return bridge_->set_max_concurrent(n);
  send({control::CommandKind::SetMaxConcurrent, std::nullopt, n, nullptr, {}});
}
void StudyControl::add_trial(const Json& config, std::optional<int64_t> parent_id) {
  if (!watching_) return bridge_->add_trial(config, parent_id);
  // A clone's config is the edited whole config: the edits are everything the dialog returns.
  if (parent_id) {
    send({control::CommandKind::CloneTrial, parent_id, 0, config, {}});
  } else {
    send({control::CommandKind::AddTrial, std::nullopt, 0, config, {}});
  }
}

}  // namespace tunelab::ui

#include "ui/bridge/engine_bridge.h"

#include <QMetaObject>

namespace tunelab::ui {

namespace {
constexpr int kBatchIntervalMs = 30;

// The pause and add-trial commands are newer than some engines this GUI is built with: call them
// when the Controller has them (checked at compile time), otherwise report that they are missing.
template <class C>
bool call_pause_trial(C& c, int64_t id, bool resume) {
  if constexpr (requires { c.pause_trial(id, std::string()); c.resume_trial(id); }) {
    if (resume) c.resume_trial(id);
    else c.pause_trial(id, "paused by the user");
    return true;
  } else {
    return false;
  }
}
template <class C>
bool call_pause_study(C& c, bool resume) {
  if constexpr (requires { c.pause_study(std::string()); c.resume_study(); }) {
    if (resume) c.resume_study();
    else c.pause_study("study paused by the user");
    return true;
  } else {
    return false;
  }
}
template <class C>
bool call_add_trial(C& c, const Json& config, std::optional<int64_t> parent) {
  if constexpr (requires { c.add_trial(config, parent, std::string()); }) {
    c.add_trial(config, parent, parent ? "cloned by the user" : "added by the user");
    return true;
  } else {
    return false;
  }
}
struct Probe {
  template <class C>
  static constexpr bool pause() {
    return requires(C& c) { c.pause_trial(int64_t{}, std::string()); };
  }
  template <class C>
  static constexpr bool add() {
    return requires(C& c) { c.add_trial(Json(), std::optional<int64_t>(), std::string()); };
  }
};
}  // namespace

bool EngineBridge::supports_pause() { return Probe::pause<Controller>(); }
bool EngineBridge::supports_add_trial() { return Probe::add<Controller>(); }

void EngineBridge::set_max_concurrent(int64_t n) {
  if (controller_ && running()) controller_->set_max_concurrent(n);
}
void EngineBridge::pause_trial(int64_t id) {
  if (controller_ && running()) call_pause_trial(*controller_, id, false);
}
void EngineBridge::resume_trial(int64_t id) {
  if (controller_ && running()) call_pause_trial(*controller_, id, true);
}
void EngineBridge::pause_study() {
  if (controller_ && running()) call_pause_study(*controller_, false);
}
void EngineBridge::resume_study() {
  if (controller_ && running()) call_pause_study(*controller_, true);
}
void EngineBridge::add_trial(const Json& config, std::optional<int64_t> parent_id) {
  if (controller_ && running()) call_add_trial(*controller_, config, parent_id);
}

EngineBridge::EngineBridge(QObject* parent) : QObject(parent) {}

EngineBridge::~EngineBridge() {
  if (thread_.joinable()) {
    interrupt_.store(true);
    if (controller_) controller_->wake();
    thread_.join();
  }
}

bool EngineBridge::start(std::unique_ptr<Controller> controller) {
  if (thread_.joinable()) return false;
  controller_ = std::move(controller);
  interrupt_.store(false);
  controller_->add_observer([this](const StudyEvent& e) { on_engine_event(e); });
  finished_ = false;
  thread_ = std::thread([this] {
    auto status = controller_->run();
    std::lock_guard lock(mutex_);
    final_status_ = status ? QString::fromStdString(*status) : QString::fromStdString("failed: " + status.error_text());
  });
  emit started();
  return true;
}

void EngineBridge::stop_trial(int64_t id) {
  if (controller_ && running()) controller_->stop_trial(id, "stopped by the user");
}

void EngineBridge::stop_study() {
  if (controller_ && running()) controller_->stop_study("study stopped by the user");
}

void EngineBridge::on_engine_event(const StudyEvent& e) {
  bool schedule = false;
  {
    std::lock_guard lock(mutex_);
    staging_.push_back(e);
    if (!delivery_pending_) {
      delivery_pending_ = true;
      schedule = true;
    }
  }
  if (schedule) {
    QMetaObject::invokeMethod(this, [this] { QTimer::singleShot(kBatchIntervalMs, this, &EngineBridge::deliver); },
                              Qt::QueuedConnection);
  }
}

void EngineBridge::deliver() {
  std::vector<StudyEvent> batch;
  QString status;
  {
    std::lock_guard lock(mutex_);
    batch.swap(staging_);
    delivery_pending_ = false;
    status = final_status_;
  }
  bool ended = false;
  for (const auto& e : batch) ended = ended || e.kind == StudyEvent::Kind::Finished;
  emit events(batch);
  if (ended && thread_.joinable()) {
    thread_.join();
    finished_ = true;
    {
      std::lock_guard lock(mutex_);
      status = final_status_;
    }
    emit finished(status);
  }
}

}  // namespace tunelab::ui

#include "ui/bridge/engine_bridge.h"

#include <QMetaObject>

namespace tunelab::ui {

namespace {
constexpr int kBatchIntervalMs = 30;
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
  controller_->add_observer([this](const StudyEvent& e) { on_engine_event(e); });
  finished_ = false;
  thread_ = std::thread([this] {
    auto status = controller_->run();
    std::lock_guard lock(mutex_);
    final_status_ = status ? QString::fromStdString(*status) : QString::fromStdString("failed: " + status.error_text());
  });
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

#include "ui/bridge/store_watcher.h"

namespace tunelab::ui {

StoreWatcher::StoreWatcher(QObject* parent) : QObject(parent) {
  timer_.setInterval(1000);
  connect(&timer_, &QTimer::timeout, this, &StoreWatcher::poll);
}

StoreWatcher::~StoreWatcher() = default;

void StoreWatcher::close() {
  timer_.stop();
  watch_.reset();
  path_.clear();
}

Status StoreWatcher::open(const QString& db_path) {
  close();
  auto watch = StudyWatch::open(db_path.toStdString());
  if (!watch) return watch.errors();
  watch_ = std::move(*watch);
  path_ = db_path;
  emit opened(watch_->study().spec);
  // The whole study now, in batches (each one applied before the next is read: memory stays bounded).
  for (;;) {
    auto update = watch_->poll();
    if (!update) return update.errors();
    deliver(*update);
    if (!update->more || !watch_) break;
  }
  if (watch_) timer_.start();
  return {};
}

void StoreWatcher::deliver(StudyWatch::Update& u) {
  if (!u.events.empty()) emit events(u.events);
  if (!u.results.empty()) emit results(u.results);
  if (!u.after.empty()) emit events(u.after);
}

void StoreWatcher::poll() {
  if (!watch_) return;
  auto update = watch_->poll();
  // A failed read (the file was replaced, a disk error) is tried again on the next tick.
  if (!update || !update->changed) return;
  deliver(*update);
  if (update->more) QTimer::singleShot(0, this, &StoreWatcher::poll);  // a burst: read on at once
}

}  // namespace tunelab::ui

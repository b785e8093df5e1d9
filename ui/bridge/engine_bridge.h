#pragma once
// EngineBridge: runs a Controller on its own thread and hands its events to the GUI thread in
// batches. The controller's observer only appends to a locked staging vector; a single-shot timer
// (started only when none is pending) moves the batch out under the lock and emits it, so a burst
// of a thousand events costs one model update.
#include <QObject>
#include <QTimer>

#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/run/controller.h"

namespace tunelab::ui {

class EngineBridge final : public QObject {
  Q_OBJECT
 public:
  explicit EngineBridge(QObject* parent = nullptr);
  ~EngineBridge() override;  // stops the study (as an interruption: resumable) and joins the thread

  // Takes the controller and runs it on the engine thread. Returns false if one is already running.
  bool start(std::unique_ptr<Controller> controller);
  bool running() const { return thread_.joinable() && !finished_; }
  // Give this to ControllerOptions::interrupt: destroying the bridge then ends the study resumably.
  const std::atomic<bool>* interrupt_flag() const { return &interrupt_; }
  // Commands, forwarded to the controller's thread-safe queue; ignored when no study runs.
  void stop_trial(int64_t id);
  void stop_study();
  void set_max_concurrent(int64_t n);
  void pause_trial(int64_t id);
  void resume_trial(int64_t id);
  void pause_study();
  void resume_study();
  void add_trial(const Json& config, std::optional<int64_t> parent_id);
  // Whether this engine build has the pause/resume and add-trial commands (the buttons hide otherwise).
  static bool supports_pause();
  static bool supports_add_trial();
  // The running study's database and trial folder ("" when none).
  QString db_path() const { return db_path_; }
  void set_db_path(QString path) { db_path_ = std::move(path); }

 signals:
  // The controller's thread has started: running() is now true (the study controls turn on).
  void started();
  void events(const std::vector<tunelab::StudyEvent>& batch);
  void finished(const QString& status);

 private:
  void on_engine_event(const StudyEvent& e);  // engine thread
  void deliver();                             // GUI thread

  std::unique_ptr<Controller> controller_;
  std::thread thread_;
  std::atomic<bool> interrupt_{false};
  bool finished_ = false;
  std::mutex mutex_;
  std::vector<StudyEvent> staging_;  // guarded by mutex_
  bool delivery_pending_ = false;    // guarded by mutex_
  QString final_status_;             // guarded by mutex_
  QString db_path_;
};

}  // namespace tunelab::ui

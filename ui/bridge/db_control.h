#pragma once
// StudyControl: the one interface the Monitor's controls talk to, whether this window runs the study
// (EngineBridge: the controller's in-process command queue) or watches one that another process runs (the
// control channel in the study database, core/control/channel.h: `tunelab run`, a Python script, Slurm).
// Watched commands are checked and written at once; their outcome arrives as `outcome` once the engine has
// applied or refused them.
#include <QObject>
#include <QTimer>

#include <map>
#include <memory>
#include <optional>

#include "core/control/channel.h"

namespace tunelab::ui {

class EngineBridge;

class StudyControl final : public QObject {
  Q_OBJECT
 public:
  explicit StudyControl(EngineBridge* bridge, QObject* parent = nullptr);
  ~StudyControl() override;

  // This window runs the study: commands go to the bridge.
  void use_engine();
  // A study another process may run: commands go through its database. A read-only file or folder leaves
  // the controls off, with the reason.
  void watch(const QString& db_path);
  void close();

  bool watching() const { return watching_; }
  // Commands can be sent now (an engine runs the study, and this user may write its database).
  bool available() const;
  // Why not, when !available() (a tooltip); empty otherwise.
  QString unavailable_reason() const;

  void stop_trial(int64_t id);
  void pause_trial(int64_t id);
  void resume_trial(int64_t id);
  void stop_study();
  void pause_study();
  void resume_study();
  void set_max_concurrent(int64_t n);
  void add_trial(const Json& config, std::optional<int64_t> parent_id);

 signals:
  // available() or unavailable_reason() may have changed.
  void state_changed();
  // A watched command's outcome (kind as in the commands table: stop_trial, pause_study, ...). Refusals
  // before sending (unknown trial, bad config, no engine) come as applied = false with the reason.
  void outcome(const QString& kind, bool applied, const QString& text);

 private:
  void send(const control::CommandRequest& req);
  void poll();

  EngineBridge* bridge_;
  bool watching_ = false;
  QString db_path_;
  std::unique_ptr<control::Channel> channel_;
  QString open_error_;
  bool engine_running_ = false;
  std::map<int64_t, QString> pending_;  // command id -> kind
  int ticks_ = 0;
  QTimer timer_;
};

}  // namespace tunelab::ui

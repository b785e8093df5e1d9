#pragma once
// The monitor's control bar: study pause/resume/stop, trial stop/pause/resume, add and clone a trial,
// and the live concurrency limit. It only emits what the user asked for; MonitorView routes it.
#include <QWidget>

class QPushButton;
class QSpinBox;

namespace tunelab::ui {

class TrialControls final : public QWidget {
  Q_OBJECT
 public:
  explicit TrialControls(QWidget* parent = nullptr);
  // A study runs in this process (commands possible) / a trial is selected.
  void set_state(bool study_running, bool trial_selected, bool study_paused);
  // Why the controls are off (a tooltip on each, e.g. a read-only study); empty when they are not.
  void set_unavailable_reason(const QString& why);
  void set_concurrency(int n);
  int concurrency() const;

 signals:
  void stop_trial();
  void pause_trial();
  void resume_trial();
  void add_trial();
  void clone_trial();
  void pause_study();
  void resume_study();
  void stop_study();
  void concurrency_changed(int n);

 private:
  QPushButton* stop_trial_;
  QPushButton* pause_trial_;
  QPushButton* resume_trial_;
  QPushButton* add_trial_;
  QPushButton* clone_trial_;
  QPushButton* pause_study_;
  QPushButton* resume_study_;
  QPushButton* stop_study_;
  QSpinBox* concurrency_;
};

}  // namespace tunelab::ui

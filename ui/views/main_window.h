#pragma once
// The workbench window. It only assembles the parts: spec view, trial table, event log, controls.
#include <QMainWindow>

#include "core/run/events.h"
#include "core/space/spec.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace tunelab::ui {

class EngineBridge;
class TrialTableModel;

class MainWindow final : public QMainWindow {
  Q_OBJECT
 public:
  // `spec_text` is the spec JSON shown and run; `base_dir` resolves its relative paths.
  MainWindow(QString spec_text, QString base_dir, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Validates the spec and starts the study (also the Run button). False with a message on error.
  bool start_study();
  QString status_text() const;

 private:
  void on_events(const std::vector<StudyEvent>& batch);
  void stop_selected_trial();

  QString base_dir_;
  QPlainTextEdit* spec_view_ = nullptr;
  QTableView* table_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
  QLabel* progress_ = nullptr;
  QPushButton* run_button_ = nullptr;
  QPushButton* stop_trial_button_ = nullptr;
  QPushButton* stop_study_button_ = nullptr;
  TrialTableModel* model_ = nullptr;
  EngineBridge* bridge_ = nullptr;
  QString metric_;
};

}  // namespace tunelab::ui

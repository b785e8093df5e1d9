#pragma once
// MonitorView: a study as it runs (or as stored). Trial table with sorting and filtering, live
// learning curves linked with the table's selection, progress line, event log, controls, the trial's
// stdout/stderr and the machine-load panel. Events arrive in batches (EngineBridge or StoreWatcher).
#include <QWidget>

#include <optional>

#include "ui/models/study_state.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableView;

namespace tunelab::ui {

class CurveChart;
class EngineBridge;
class LoadPanel;
class OutputViewer;
class StudyControl;
class TrialControls;
class TrialFilterProxy;
class TrialTableModel;

class MonitorView final : public QWidget {
  Q_OBJECT
 public:
  MonitorView(EngineBridge* bridge, QWidget* parent = nullptr);
  ~MonitorView() override;

  // Starts over for a study: its objective, parameters (columns) and database. `live`: this process
  // runs it (the controls act on it).
  void begin_study(const Objective& objective, std::vector<std::string> param_names, const QString& db_path,
                   bool live, int64_t max_concurrent);
  void apply(const std::vector<StudyEvent>& batch);
  // New results in columns (a watched study's, StoreWatcher::results).
  void apply_results(const ResultBlock& block);
  void study_finished(const QString& status);

  const StudyState& state() const { return state_; }
  TrialTableModel* model() const { return model_; }
  TrialFilterProxy* proxy() const { return proxy_; }
  QTableView* table() const { return table_; }
  CurveChart* curves() const { return curves_; }
  TrialControls* controls() const { return controls_; }
  // Where the controls' commands go: this window's engine, or the watched study's control channel.
  StudyControl* study_control() const { return control_; }
  LoadPanel* load_panel() const { return load_; }
  QString progress_text() const;
  QString log_text() const;
  std::optional<int64_t> selected_trial() const;
  void select_trial(int64_t id);
  // Brushing in the analysis view: only these trials are listed (nullopt: all).
  void set_allowed_trials(std::optional<std::set<int64_t>> ids);

 signals:
  void trial_selected(int64_t id);
  // A command's outcome or refusal, for the status bar.
  void message(const QString& text);

 private:
  void present(const StudyDelta& d);  // what a batch changed, onto the table, curves, log and progress line
  void rebuild_curves();
  void on_selection();
  void update_controls();
  void add_trial(bool clone);
  QString trial_dir(int64_t id) const;

  void on_outcome(const QString& kind, bool applied, const QString& text);

  EngineBridge* bridge_;
  StudyControl* control_;
  StudyState state_;
  QString db_path_;
  bool live_ = false;
  bool study_paused_ = false;
  TrialTableModel* model_;
  TrialFilterProxy* proxy_;
  QTableView* table_;
  QLineEdit* filter_;
  CurveChart* curves_;
  QComboBox* curve_metric_;
  QComboBox* curve_x_;
  QLabel* progress_;
  QPlainTextEdit* log_;
  TrialControls* controls_;
  OutputViewer* output_;
  LoadPanel* load_;
  std::optional<double> first_objective_;  // the study's first objective value (for the energy figures)
};

}  // namespace tunelab::ui

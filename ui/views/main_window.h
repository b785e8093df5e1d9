#pragma once
// The workbench window. It only assembles the parts (Design, Monitor and Analyze views, menus,
// settings) and routes between them; behaviour lives in the views, models and bridges.
#include <QMainWindow>

#include "core/run/events.h"

class QLabel;
class QMenu;
class QMimeData;
class QTabWidget;

namespace tunelab::ui {

class AnalyzeView;
class DesignView;
class EngineBridge;
class MonitorView;
class StoreWatcher;

class MainWindow final : public QMainWindow {
  Q_OBJECT
 public:
  enum View { Design, Monitor, Analyze };
  // `spec_text` is the spec shown in the design view; `base_dir` resolves its relative paths.
  MainWindow(QString spec_text, QString base_dir, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Validates the design view's spec and starts the study (also Run). False with a message on error.
  bool start_study();
  // Shows a study database (one another process may be running; it refreshes live).
  bool open_database(const QString& path);
  bool open_spec(const QString& path);
  // Imports a Ray Tune experiment folder or an Optuna storage as a study and opens it (docs/import.md).
  // Without `interactive`, nothing is asked: what the source lacks is an error.
  bool import_path(const QString& path, bool interactive = true);
  // A drop on the window: a study database opens, a spec loads, a Ray folder or Optuna storage is imported.
  bool handle_drop(const QMimeData* mime, bool interactive = true);
  bool save_spec(const QString& path);
  QString status_text() const;
  QString db_path() const { return db_path_; }

  DesignView* design() const { return design_; }
  MonitorView* monitor() const { return monitor_; }
  AnalyzeView* analyze() const { return analyze_; }
  EngineBridge* bridge() const { return bridge_; }
  void show_view(View v);

  // "system", "light" or "dark".
  static void apply_theme(const QString& theme);

 protected:
  void closeEvent(QCloseEvent* e) override;
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;

 private:
  void build_menus();
  void add_recent(const QString& path);
  void fill_recent_menu();
  void message(const QString& text);
  // Names the folder that holds the study's database in the status bar (kept until the next study).
  void show_results_folder(const QString& db_path);

  QString base_dir_;
  QString spec_path_;
  QByteArray opened_bytes_;  // the opened spec file's content: its trust is asked before a command runs
  QString db_path_;
  QTabWidget* tabs_;
  DesignView* design_;
  MonitorView* monitor_;
  AnalyzeView* analyze_;
  EngineBridge* bridge_;
  StoreWatcher* watcher_;
  QMenu* recent_menu_ = nullptr;
  QLabel* results_label_;
};

}  // namespace tunelab::ui

#include "ui/views/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QThread>

#include "core/run/controller.h"
#include "core/store/results_dir.h"
#include "ui/bridge/engine_bridge.h"
#include "ui/bridge/store_watcher.h"
#include "ui/views/analyze_view.h"
#include "ui/views/design_view.h"
#include "ui/views/import_flow.h"
#include "ui/views/monitor_view.h"
#include "ui/views/trust_prompt.h"

namespace tunelab::ui {

namespace {
std::vector<std::string> param_names_of(const Json& spec) {
  std::vector<std::string> out;
  if (!spec.contains("space")) return out;
  auto space = parse_space(spec["space"]);
  if (!space) return out;
  for (const auto& p : space->params()) {
    if (p.type != ParamType::Const) out.push_back(p.name);
  }
  return out;
}
}  // namespace

MainWindow::MainWindow(QString spec_text, QString base_dir, QWidget* parent)
    : QMainWindow(parent),
      base_dir_(std::move(base_dir)),
      tabs_(new QTabWidget),
      design_(new DesignView),
      bridge_(new EngineBridge(this)),
      watcher_(new StoreWatcher(this)),
      results_label_(new QLabel) {
  setWindowTitle(tr("TuneLab"));
  monitor_ = new MonitorView(bridge_);
  analyze_ = new AnalyzeView;
  tabs_->addTab(design_, tr("Design"));
  tabs_->addTab(monitor_, tr("Monitor"));
  tabs_->addTab(analyze_, tr("Analyze"));
  tabs_->setDocumentMode(true);
  setCentralWidget(tabs_);
  results_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  results_label_->hide();
  statusBar()->addPermanentWidget(results_label_);
  design_->set_spec_text(spec_text, base_dir_);
  build_menus();
  setAcceptDrops(true);
  resize(1400, 860);
  QSettings settings;
  restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());

  connect(design_, &DesignView::run_requested, this, [this] { start_study(); });
  connect(bridge_, &EngineBridge::events, monitor_, &MonitorView::apply);
  connect(watcher_, &StoreWatcher::events, monitor_, &MonitorView::apply);
  connect(monitor_, &MonitorView::message, this, &MainWindow::message);
  connect(watcher_, &StoreWatcher::results, monitor_, &MonitorView::apply_results);
  connect(bridge_, &EngineBridge::finished, this, [this](const QString& status) {
    monitor_->study_finished(status);
    message(tr("Study %1.").arg(status));
  });
  connect(monitor_, &MonitorView::trial_selected, analyze_, [this](int64_t id) { analyze_->set_selected(id); });
  connect(analyze_, &AnalyzeView::trial_selected, monitor_, &MonitorView::select_trial);
  connect(analyze_, &AnalyzeView::brushed, monitor_, &MonitorView::set_allowed_trials);
}

MainWindow::~MainWindow() = default;

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open spec…"), QKeySequence::Open, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open spec"), base_dir_, tr("Specs (*.json)"));
    if (!path.isEmpty()) open_spec(path);
  });
  file->addAction(tr("Open study &database…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open study database"), base_dir_,
                                                      tr("Study databases (*.db);;All files (*)"));
    if (!path.isEmpty()) open_database(path);
  });
  QMenu* import = file->addMenu(tr("&Import…"));
  import->setObjectName(QStringLiteral("importMenu"));
  import->addAction(tr("Ray Tune experiment folder…"), this, [this] {
    const QString path = QFileDialog::getExistingDirectory(this, tr("Import a Ray Tune experiment"), base_dir_);
    if (!path.isEmpty()) import_path(path);
  });
  import->addAction(tr("Optuna storage (SQLite)…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Import an Optuna storage"), base_dir_,
                                                      tr("SQLite files (*.db *.sqlite *.sqlite3);;All files (*)"));
    if (!path.isEmpty()) import_path(path);
  });
  recent_menu_ = file->addMenu(tr("Open &recent"));
  fill_recent_menu();
  file->addAction(tr("&Save spec"), QKeySequence::Save, this, [this] {
    QString path = spec_path_;
    if (path.isEmpty()) path = QFileDialog::getSaveFileName(this, tr("Save spec"), base_dir_, tr("Specs (*.json)"));
    if (!path.isEmpty()) save_spec(path);
  });
  file->addAction(tr("Save spec &as…"), QKeySequence::SaveAs, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save spec"), base_dir_, tr("Specs (*.json)"));
    if (!path.isEmpty()) save_spec(path);
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
  QMenu* study = menuBar()->addMenu(tr("&Study"));
  study->addAction(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), this, [this] { start_study(); });
  study->addAction(tr("&Stop"), QKeySequence(Qt::CTRL | Qt::Key_Period), bridge_, &EngineBridge::stop_study);
  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Design"), QKeySequence(Qt::CTRL | Qt::Key_1), this, [this] { show_view(Design); });
  view->addAction(tr("&Monitor"), QKeySequence(Qt::CTRL | Qt::Key_2), this, [this] { show_view(Monitor); });
  view->addAction(tr("&Analyze"), QKeySequence(Qt::CTRL | Qt::Key_3), this, [this] { show_view(Analyze); });
  QMenu* theme = view->addMenu(tr("&Theme"));
  for (const auto& [name, label] : {std::pair(QStringLiteral("system"), tr("Follow the system")),
                                    std::pair(QStringLiteral("light"), tr("Light")),
                                    std::pair(QStringLiteral("dark"), tr("Dark"))}) {
    theme->addAction(label, this, [n = name] {
      apply_theme(n);
      QSettings().setValue(QStringLiteral("view/theme"), n);
    });
  }
}

void MainWindow::apply_theme(const QString& theme) {
  if (theme == QStringLiteral("dark")) {
    QPalette p;
    p.setColor(QPalette::Window, QColor(45, 45, 48));
    p.setColor(QPalette::WindowText, QColor(225, 225, 225));
    p.setColor(QPalette::Base, QColor(30, 30, 32));
    p.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
    p.setColor(QPalette::Text, QColor(225, 225, 225));
    p.setColor(QPalette::Button, QColor(55, 55, 58));
    p.setColor(QPalette::ButtonText, QColor(225, 225, 225));
    p.setColor(QPalette::Highlight, QColor(60, 130, 220));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
    p.setColor(QPalette::ToolTipText, QColor(225, 225, 225));
    QApplication::setPalette(p);
  } else if (theme == QStringLiteral("light")) {
    QApplication::setPalette(QApplication::style()->standardPalette());
  } else {
    QApplication::setPalette(QPalette());  // the platform's palette, which follows the system's scheme
  }
}

void MainWindow::show_view(View v) { tabs_->setCurrentIndex(static_cast<int>(v)); }

void MainWindow::message(const QString& text) { statusBar()->showMessage(text, 10000); }

void MainWindow::show_results_folder(const QString& db_path) {
  const QString folder = QDir::toNativeSeparators(QFileInfo(db_path).absolutePath());
  results_label_->setText(tr("Results: %1").arg(folder));
  results_label_->setToolTip(tr("The study's database: %1").arg(QDir::toNativeSeparators(db_path)));
  results_label_->show();
}

QString MainWindow::status_text() const { return monitor_->progress_text(); }

bool MainWindow::start_study() {
  if (bridge_->running()) {
    message(tr("A study is running; stop it first."));
    return false;
  }
  design_->apply_json_edit();
  Result<StudySpec> spec = parse_spec(design_->spec(), base_dir_.toStdString());
  if (!spec) {
    message(tr("The spec has errors; see the Design view."));
    QMessageBox::warning(this, tr("Run"), tr("The spec has errors:\n%1").arg(QString::fromStdString(spec.error_text())));
    return false;
  }
  // A study file opened here that runs a command needs the user's trust (asked once per content).
  if (!opened_bytes_.isEmpty() && !TrustPrompt::confirm(this, spec_path_, opened_bytes_, design_->spec())) {
    message(tr("Not run: %1 is not trusted to run commands.").arg(spec_path_));
    return false;
  }
  // Where `tunelab run` puts it: under the current directory, never beside the spec (which may be a
  // checkout's resources/studies/). The spec's relative paths still resolve against base_dir_.
  const QString db = QDir::current().absoluteFilePath(QString::fromStdString(default_study_db_path(spec->name)));
  const Objective objective = spec->objective;
  const int64_t max_concurrent = spec->max_concurrent;
  ControllerOptions options;
  options.interrupt = bridge_->interrupt_flag();
  auto controller = Controller::create(std::move(*spec), db.toStdString(), std::move(options));
  if (!controller) {
    QMessageBox::warning(this, tr("Run"), QString::fromStdString(controller.error_text()));
    return false;
  }
  watcher_->close();
  db_path_ = db;
  bridge_->set_db_path(db);
  monitor_->begin_study(objective, param_names_of(design_->spec()), db, true,
                        max_concurrent > 0 ? max_concurrent : QThread::idealThreadCount());
  analyze_->set_database(db);
  if (!bridge_->start(std::move(*controller))) return false;
  show_view(Monitor);
  show_results_folder(db);
  message(tr("Study started: %1").arg(db));
  return true;
}

bool MainWindow::open_database(const QString& path) {
  if (bridge_->running()) {
    message(tr("A study is running in this window; stop it first."));
    return false;
  }
  connect(watcher_, &StoreWatcher::opened, this, [this, path](const Json& spec) {
    Objective objective;
    if (spec.contains("objective") && spec["objective"].is_object()) {
      objective.metric = spec["objective"].value("metric", "");
      objective.maximize = spec["objective"].value("mode", "max") != "min";
    }
    monitor_->begin_study(objective, param_names_of(spec), path, false, spec.value("max_concurrent", 1));
  }, Qt::SingleShotConnection);
  const Status st = watcher_->open(path);
  if (!st) {
    QMessageBox::warning(this, tr("Open study database"), QString::fromStdString(st.error_text()));
    return false;
  }
  db_path_ = path;
  analyze_->set_database(path);
  show_results_folder(path);
  add_recent(path);
  show_view(Monitor);
  setWindowTitle(tr("TuneLab — %1").arg(path));
  return true;
}

bool MainWindow::import_path(const QString& path, bool interactive) {
  const auto r = import_study(this, path, interactive);
  if (r.db.isEmpty()) {
    if (interactive) QMessageBox::warning(this, tr("Import"), r.error);
    message(tr("Import failed: %1").arg(r.error));
    return false;
  }
  if (interactive && !r.notes.isEmpty()) {
    QMessageBox::information(this, tr("Import"), tr("Imported, except:\n%1").arg(r.notes));
  }
  return open_database(r.db);
}

bool MainWindow::handle_drop(const QMimeData* mime, bool interactive) {
  const QStringList paths = dropped_paths(mime);
  if (paths.size() != 1) return false;
  const QString& path = paths.front();
  if (QFileInfo(path).isFile() && path.endsWith(QStringLiteral(".json"), Qt::CaseInsensitive)) return open_spec(path);
  if (is_importable(path)) return import_path(path, interactive);
  if (QFileInfo(path).isFile()) return open_database(path);
  return false;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (dropped_paths(e->mimeData()).size() == 1) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
  if (handle_drop(e->mimeData())) e->acceptProposedAction();
}

bool MainWindow::open_spec(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    QMessageBox::warning(this, tr("Open spec"), tr("Cannot read %1").arg(path));
    return false;
  }
  spec_path_ = path;
  base_dir_ = QFileInfo(path).absolutePath();
  opened_bytes_ = f.readAll();
  design_->set_spec_text(QString::fromUtf8(opened_bytes_), base_dir_);
  add_recent(path);
  show_view(Design);
  setWindowTitle(tr("TuneLab — %1").arg(path));
  return true;
}

bool MainWindow::save_spec(const QString& path) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) return false;
  f.write(design_->spec_text().toUtf8());
  if (!f.commit()) {
    QMessageBox::warning(this, tr("Save spec"), tr("Cannot write %1").arg(path));
    return false;
  }
  spec_path_ = path;
  add_recent(path);
  message(tr("Saved %1").arg(path));
  return true;
}

void MainWindow::add_recent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value(QStringLiteral("recent_files")).toStringList();
  recent.removeAll(QFileInfo(path).absoluteFilePath());
  recent.prepend(QFileInfo(path).absoluteFilePath());
  while (recent.size() > 10) recent.removeLast();
  settings.setValue(QStringLiteral("recent_files"), recent);
  fill_recent_menu();
}

void MainWindow::fill_recent_menu() {
  if (!recent_menu_) return;
  recent_menu_->clear();
  const QStringList recent = QSettings().value(QStringLiteral("recent_files")).toStringList();
  for (const QString& path : recent) {
    recent_menu_->addAction(path, this, [this, path] {
      if (path.endsWith(QStringLiteral(".db"))) open_database(path);
      else open_spec(path);
    });
  }
  recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::closeEvent(QCloseEvent* e) {
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/view"), tabs_->currentIndex());
  QMainWindow::closeEvent(e);
}

}  // namespace tunelab::ui

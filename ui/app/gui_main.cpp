#include "ui/app/gui_main.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>

#include <cstdio>

#include "ui/app/screenshot.h"
#include "ui/views/main_window.h"

// The demo spec lives in the tunelab_ui static library's resources, which must be registered by hand.
static void init_resources() { Q_INIT_RESOURCE(resources); }

namespace tunelab::ui {

int gui_main(int argc, char** argv) {
  const bool has_display = qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
                           qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
  if (!has_display) {
    std::fprintf(stderr,
                 "tunelab: no display found (DISPLAY/WAYLAND_DISPLAY unset).\n"
                 "Run a study headless with: tunelab run SPEC   (see tunelab --help)\n");
    return 2;
  }
  QApplication app(argc, argv);
  init_resources();
  QApplication::setApplicationName(QStringLiteral("TuneLab"));
  QApplication::setOrganizationName(QStringLiteral("TuneLab"));
  QApplication::setApplicationVersion(QStringLiteral(TUNELAB_VERSION));
  QGuiApplication::setDesktopFileName(QStringLiteral("tunelab"));
  const QStringList args = QApplication::arguments();
  const bool autorun = args.contains(QStringLiteral("--demo"));
  QString screenshot_dir;
  QString path;
  for (qsizetype i = 1; i < args.size(); ++i) {
    if (args[i] == QStringLiteral("--screenshot") && i + 1 < args.size()) {
      screenshot_dir = args[++i];
    } else if (!args[i].startsWith(QLatin1Char('-'))) {
      path = args[i];
    }
  }
  MainWindow::apply_theme(QSettings().value(QStringLiteral("view/theme"), QStringLiteral("system")).toString());
  // A database opens in the monitor; a spec (or, with nothing given, the digits demo) in the design view.
  const bool is_db = path.endsWith(QStringLiteral(".db"));
  const QString spec_path = path.isEmpty() || is_db ? QStringLiteral(":/studies/digits_mlp.json") : path;
  QFile file(spec_path);
  if (!file.open(QIODevice::ReadOnly)) {
    std::fprintf(stderr, "tunelab: cannot open %s\n", qPrintable(spec_path));
    return 1;
  }
  const QString base_dir = spec_path.startsWith(QLatin1Char(':')) ? QDir::currentPath()
                                                                   : QFileInfo(spec_path).absolutePath();
  MainWindow window(QString::fromUtf8(file.readAll()), base_dir);
  window.show();
  if (is_db && !window.open_database(path)) return 1;
  if (!is_db && !path.isEmpty()) window.open_spec(path);
  if (!screenshot_dir.isEmpty()) return take_screenshots(window, screenshot_dir);
  if (autorun) window.start_study();
  return QApplication::exec();
}

}  // namespace tunelab::ui

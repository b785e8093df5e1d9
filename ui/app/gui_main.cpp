#include "ui/app/gui_main.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cstdio>

#include "ui/views/main_window.h"

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
  QApplication::setApplicationName(QStringLiteral("TuneLab"));
  QApplication::setApplicationVersion(QStringLiteral(TUNELAB_VERSION));
  QGuiApplication::setDesktopFileName(QStringLiteral("tunelab"));
  const QStringList args = QApplication::arguments();
  const bool autorun = args.contains(QStringLiteral("--demo"));
  QString spec_path = QStringLiteral(":/studies/digits_mlp.json");
  for (qsizetype i = 1; i < args.size(); ++i) {
    if (!args[i].startsWith(QLatin1Char('-'))) spec_path = args[i];
  }
  QFile file(spec_path);
  if (!file.open(QIODevice::ReadOnly)) {
    std::fprintf(stderr, "tunelab: cannot open %s\n", qPrintable(spec_path));
    return 1;
  }
  const QString base_dir = spec_path.startsWith(QLatin1Char(':')) ? QDir::currentPath()
                                                                   : QFileInfo(spec_path).absolutePath();
  MainWindow window(QString::fromUtf8(file.readAll()), base_dir);
  window.show();
  if (autorun) window.start_study();
  return QApplication::exec();
}

}  // namespace tunelab::ui

#include "ui/app/screenshot.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTableView>
#include <QThread>

#include <cstdio>

#include "ui/bridge/engine_bridge.h"
#include "ui/views/analyze_view.h"
#include "ui/views/design_view.h"
#include "ui/views/monitor_view.h"
#include "ui/views/main_window.h"

namespace tunelab::ui {

namespace {
void wait_ms(int ms) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) {
    QApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(5);
  }
}
bool save(QWidget& w, const QString& path) {
  const bool ok = w.grab().save(path);
  std::printf("%s %s\n", ok ? "wrote" : "could not write", qPrintable(path));
  return ok;
}
}  // namespace

int take_screenshots(MainWindow& window, const QString& dir) {
  QDir().mkpath(dir);
  window.resize(1500, 900);
  window.show_view(MainWindow::Design);
  if (window.design()->space_table()->model()->rowCount() > 0) window.design()->space_table()->selectRow(0);
  wait_ms(300);
  bool ok = save(window, QDir(dir).filePath(QStringLiteral("design.png")));
  if (!window.start_study()) return 1;
  // Mid-run for the monitor: some trials done, others running.
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < 120000 && window.bridge()->running() &&
         window.monitor()->state().trials().size() < 10) {
    wait_ms(20);
  }
  if (window.monitor()->table()->model()->rowCount() > 0) window.monitor()->select_trial(window.monitor()->state().trials().front().id);
  wait_ms(100);
  ok = save(window, QDir(dir).filePath(QStringLiteral("monitor.png"))) && ok;
  while (t.elapsed() < 300000 && window.bridge()->running()) wait_ms(100);
  window.show_view(MainWindow::Analyze);
  window.analyze()->refresh();
  wait_ms(500);
  ok = save(window, QDir(dir).filePath(QStringLiteral("analyze.png"))) && ok;
  return ok ? 0 : 1;
}

}  // namespace tunelab::ui

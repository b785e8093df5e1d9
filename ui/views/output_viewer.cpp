#include "ui/views/output_viewer.h"

#include <QFile>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace tunelab::ui {

namespace {
constexpr qint64 kTailBytes = 256 * 1024;

// Loads the file's tail into `view` when its size changed since `size`.
void load_tail(const QString& path, QPlainTextEdit* view, qint64& size) {
  QFile f(path);
  const qint64 now = f.exists() ? f.size() : -1;
  if (now == size) return;
  size = now;
  if (!f.open(QIODevice::ReadOnly)) {
    view->setPlainText({});
    return;
  }
  if (now > kTailBytes) f.seek(now - kTailBytes);
  const bool at_end = view->verticalScrollBar()->value() == view->verticalScrollBar()->maximum();
  view->setPlainText(QString::fromUtf8(f.readAll()));
  if (at_end) view->verticalScrollBar()->setValue(view->verticalScrollBar()->maximum());
}
}  // namespace

OutputViewer::OutputViewer(QWidget* parent) : QWidget(parent), tabs_(new QTabWidget), out_(new QPlainTextEdit), err_(new QPlainTextEdit) {
  for (QPlainTextEdit* v : {out_, err_}) {
    v->setReadOnly(true);
    v->setLineWrapMode(QPlainTextEdit::NoWrap);
    v->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  }
  tabs_->addTab(out_, tr("stdout"));
  tabs_->addTab(err_, tr("stderr"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(tabs_);
  timer_.setInterval(1000);
  connect(&timer_, &QTimer::timeout, this, &OutputViewer::refresh);
}

void OutputViewer::set_trial_dir(const QString& dir, const QString& title) {
  dir_ = dir;
  out_size_ = err_size_ = -1;
  tabs_->setTabText(0, title.isEmpty() ? tr("stdout") : tr("stdout (%1)").arg(title));
  tabs_->setTabText(1, title.isEmpty() ? tr("stderr") : tr("stderr (%1)").arg(title));
  out_->clear();
  err_->clear();
  refresh();
}

QString OutputViewer::text(bool stderr_log) const { return (stderr_log ? err_ : out_)->toPlainText(); }

void OutputViewer::refresh() {
  if (dir_.isEmpty()) return;
  load_tail(dir_ + QStringLiteral("/stdout.log"), out_, out_size_);
  load_tail(dir_ + QStringLiteral("/stderr.log"), err_, err_size_);
}

void OutputViewer::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  refresh();
  timer_.start();
}

void OutputViewer::hideEvent(QHideEvent* e) {
  QWidget::hideEvent(e);
  timer_.stop();
}

}  // namespace tunelab::ui

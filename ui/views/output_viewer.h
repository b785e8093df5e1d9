#pragma once
// OutputViewer: the selected trial's stdout.log and stderr.log (the last 256 KiB of each), followed
// once a second while visible.
#include <QTimer>
#include <QWidget>

class QPlainTextEdit;
class QTabWidget;

namespace tunelab::ui {

class OutputViewer final : public QWidget {
  Q_OBJECT
 public:
  explicit OutputViewer(QWidget* parent = nullptr);
  // The trial folder holding stdout.log and stderr.log; empty clears the view.
  void set_trial_dir(const QString& dir, const QString& title = {});
  QString text(bool stderr_log) const;

 protected:
  void showEvent(QShowEvent* e) override;
  void hideEvent(QHideEvent* e) override;

 private:
  void refresh();
  QString dir_;
  QTabWidget* tabs_;
  QPlainTextEdit* out_;
  QPlainTextEdit* err_;
  qint64 out_size_ = -1, err_size_ = -1;
  QTimer timer_;
};

}  // namespace tunelab::ui

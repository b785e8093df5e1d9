#include "ui/views/trial_controls.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

#include "ui/bridge/engine_bridge.h"

namespace tunelab::ui {

TrialControls::TrialControls(QWidget* parent) : QWidget(parent) {
  auto button = [this](const QString& text, const QString& tip, void (TrialControls::*signal)()) {
    auto* b = new QPushButton(text, this);
    b->setToolTip(tip);
    connect(b, &QPushButton::clicked, this, signal);
    return b;
  };
  stop_trial_ = button(tr("Stop trial"), tr("End the selected trial's processes (Del)"), &TrialControls::stop_trial);
  stop_trial_->setShortcut(QKeySequence::Delete);
  pause_trial_ = button(tr("Pause trial"), tr("End its processes; it restarts from its checkpoint on resume"),
                        &TrialControls::pause_trial);
  resume_trial_ = button(tr("Resume trial"), tr("Restart the paused trial from its checkpoint"),
                         &TrialControls::resume_trial);
  add_trial_ = button(tr("Add trial…"), tr("Run one more trial with a config you write"), &TrialControls::add_trial);
  clone_trial_ = button(tr("Clone trial…"), tr("Run a copy of the selected trial's config, edited"),
                        &TrialControls::clone_trial);
  pause_study_ = button(tr("Pause study"), tr("Pause running trials; start nothing until resumed"),
                        &TrialControls::pause_study);
  resume_study_ = button(tr("Resume study"), tr("Resume the paused study"), &TrialControls::resume_study);
  stop_study_ = button(tr("Stop study"), tr("Stop every trial and end the study (Ctrl+.)"), &TrialControls::stop_study);
  stop_study_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  concurrency_ = new QSpinBox(this);
  concurrency_->setRange(1, 1024);
  concurrency_->setToolTip(tr("Trials running at once; takes effect while the study runs"));
  connect(concurrency_, &QSpinBox::editingFinished, this, [this] { emit concurrency_changed(concurrency_->value()); });
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  for (QWidget* w : {static_cast<QWidget*>(pause_study_), static_cast<QWidget*>(resume_study_),
                     static_cast<QWidget*>(stop_study_)}) {
    layout->addWidget(w);
  }
  layout->addSpacing(12);
  for (QWidget* w : {static_cast<QWidget*>(stop_trial_), static_cast<QWidget*>(pause_trial_),
                     static_cast<QWidget*>(resume_trial_), static_cast<QWidget*>(add_trial_),
                     static_cast<QWidget*>(clone_trial_)}) {
    layout->addWidget(w);
  }
  layout->addSpacing(12);
  layout->addWidget(new QLabel(tr("Max concurrent:"), this));
  layout->addWidget(concurrency_);
  layout->addStretch(1);
  const bool pause = EngineBridge::supports_pause(), add = EngineBridge::supports_add_trial();
  for (QWidget* w : {static_cast<QWidget*>(pause_trial_), static_cast<QWidget*>(resume_trial_),
                     static_cast<QWidget*>(pause_study_), static_cast<QWidget*>(resume_study_)}) {
    w->setVisible(pause);
  }
  add_trial_->setVisible(add);
  clone_trial_->setVisible(add);
  set_state(false, false, false);
}

void TrialControls::set_state(bool study_running, bool trial_selected, bool study_paused) {
  stop_study_->setEnabled(study_running);
  pause_study_->setEnabled(study_running && !study_paused);
  resume_study_->setEnabled(study_running && study_paused);
  for (QPushButton* b : {stop_trial_, pause_trial_, resume_trial_, clone_trial_}) {
    b->setEnabled(study_running && trial_selected);
  }
  add_trial_->setEnabled(study_running);
  concurrency_->setEnabled(study_running);
}

void TrialControls::set_unavailable_reason(const QString& why) {
  for (QWidget* w : {static_cast<QWidget*>(stop_trial_), static_cast<QWidget*>(pause_trial_),
                     static_cast<QWidget*>(resume_trial_), static_cast<QWidget*>(add_trial_),
                     static_cast<QWidget*>(clone_trial_), static_cast<QWidget*>(pause_study_),
                     static_cast<QWidget*>(resume_study_), static_cast<QWidget*>(stop_study_),
                     static_cast<QWidget*>(concurrency_)}) {
    if (!w->property("tunelab_tip").isValid()) w->setProperty("tunelab_tip", w->toolTip());
    const QString tip = w->property("tunelab_tip").toString();
    w->setToolTip(why.isEmpty() ? tip : tip + QStringLiteral("\n\n") + why);
  }
}

void TrialControls::set_concurrency(int n) { concurrency_->setValue(n); }
int TrialControls::concurrency() const { return concurrency_->value(); }

}  // namespace tunelab::ui

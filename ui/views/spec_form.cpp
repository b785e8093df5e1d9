#include "ui/views/spec_form.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

#include "core/study/spec.h"

namespace tunelab::ui {

namespace {
constexpr const char* kCommand = "(command)";
}

SpecForm::SpecForm(QWidget* parent)
    : QWidget(parent),
      name_(new QLineEdit),
      metric_(new QLineEdit),
      mode_(new QComboBox),
      trainable_(new QComboBox),
      command_(new QLineEdit),
      samples_(new QSpinBox),
      concurrent_(new QSpinBox),
      cpu_(new QDoubleSpinBox),
      gpu_(new QDoubleSpinBox),
      stop_iterations_(new QSpinBox),
      time_budget_(new QDoubleSpinBox),
      max_failures_(new QSpinBox),
      timeout_(new QDoubleSpinBox) {
  mode_->addItems({QStringLiteral("max"), QStringLiteral("min")});
  for (const auto& b : builtin_trainable_names()) trainable_->addItem(QString::fromStdString(b));
  trainable_->addItem(QString::fromUtf8(kCommand));
  command_->setPlaceholderText(tr("python3 train.py --quiet"));
  auto* browse = new QPushButton(tr("Browse…"));
  samples_->setRange(1, 1000000);
  concurrent_->setRange(0, 100000);
  concurrent_->setSpecialValueText(tr("no limit"));
  cpu_->setRange(0, 1024);
  cpu_->setSingleStep(0.5);
  gpu_->setRange(0, 64);
  stop_iterations_->setRange(0, 100000000);
  stop_iterations_->setSpecialValueText(tr("none"));
  time_budget_->setRange(0, 1e9);
  time_budget_->setSpecialValueText(tr("none"));
  time_budget_->setSuffix(tr(" s"));
  max_failures_->setRange(0, 1000);
  timeout_->setRange(0, 1e9);
  timeout_->setSpecialValueText(tr("none"));
  timeout_->setSuffix(tr(" s"));
  auto* command_row = new QHBoxLayout;
  command_row->addWidget(command_, 1);
  command_row->addWidget(browse);
  auto* form = new QFormLayout(this);
  form->addRow(tr("Name"), name_);
  form->addRow(tr("Objective metric"), metric_);
  form->addRow(tr("Mode"), mode_);
  form->addRow(tr("Trainable"), trainable_);
  form->addRow(tr("Command"), command_row);
  form->addRow(tr("Samples"), samples_);
  form->addRow(tr("Max concurrent"), concurrent_);
  form->addRow(tr("CPU per trial"), cpu_);
  form->addRow(tr("GPU per trial"), gpu_);
  form->addRow(tr("Stop at iteration"), stop_iterations_);
  form->addRow(tr("Time budget"), time_budget_);
  form->addRow(tr("Max failures"), max_failures_);
  form->addRow(tr("Trial timeout"), timeout_);
  auto changed_signal = [this] {
    if (!updating_) emit changed();
  };
  for (QLineEdit* e : {name_, metric_, command_}) connect(e, &QLineEdit::editingFinished, this, changed_signal);
  for (QComboBox* c : {mode_, trainable_}) connect(c, &QComboBox::currentIndexChanged, this, changed_signal);
  for (QSpinBox* s : {samples_, concurrent_, stop_iterations_, max_failures_}) connect(s, &QSpinBox::valueChanged, this, changed_signal);
  for (QDoubleSpinBox* s : {cpu_, gpu_, time_budget_, timeout_}) connect(s, &QDoubleSpinBox::valueChanged, this, changed_signal);
  connect(trainable_, &QComboBox::currentTextChanged, this,
          [this](const QString& t) { command_->setEnabled(t == QString::fromUtf8(kCommand)); });
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString file = QFileDialog::getOpenFileName(this, tr("Trainable script or program"));
    if (file.isEmpty()) return;
    trainable_->setCurrentText(QString::fromUtf8(kCommand));
    command_->setText(file.endsWith(QStringLiteral(".py")) ? QStringLiteral("python3 ") + file : file);
    emit changed();
  });
}

void SpecForm::set_spec(const Json& s) {
  updating_ = true;
  auto str = [](const Json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? QString::fromStdString(j[key].get<std::string>()) : QString();
  };
  auto num = [](const Json& j, const char* key, double fallback) {
    return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
  };
  name_->setText(str(s, "name"));
  const Json objective = s.value("objective", Json::object());
  metric_->setText(str(objective, "metric"));
  mode_->setCurrentText(str(objective, "mode").isEmpty() ? QStringLiteral("max") : str(objective, "mode"));
  const Json trainable = s.value("trainable", Json::object());
  if (trainable.is_object() && trainable.contains("command")) {
    trainable_->setCurrentText(QString::fromUtf8(kCommand));
    const Json& c = trainable["command"];
    QStringList parts;
    if (c.is_array()) {
      for (const auto& a : c) parts << (a.is_string() ? QString::fromStdString(a.get<std::string>()) : QString());
    } else if (c.is_string()) {
      parts << QString::fromStdString(c.get<std::string>());
    }
    command_->setText(parts.join(QLatin1Char(' ')));
  } else {
    trainable_->setCurrentText(str(trainable, "builtin"));
    command_->clear();
  }
  command_->setEnabled(trainable_->currentText() == QString::fromUtf8(kCommand));
  samples_->setValue(static_cast<int>(num(s, "num_samples", 1)));
  concurrent_->setValue(static_cast<int>(num(s, "max_concurrent", 0)));
  const Json res = s.value("resources_per_trial", Json::object());
  cpu_->setValue(num(res, "cpu", 1));
  gpu_->setValue(num(res, "gpu", 0));
  const Json stop = s.value("stop", Json::object());
  stop_iterations_->setValue(static_cast<int>(num(stop, "training_iteration", 0)));
  time_budget_->setValue(num(stop, "time_budget_s", 0));
  max_failures_->setValue(static_cast<int>(num(s, "max_failures", 0)));
  timeout_->setValue(num(s, "trial_timeout_s", 0));
  updating_ = false;
}

void SpecForm::apply_to(Json& s) const {
  if (!s.is_object()) s = Json::object();
  s["name"] = name_->text().toStdString();
  Json& objective = s["objective"];
  if (!objective.is_object()) objective = Json::object();
  objective["metric"] = metric_->text().toStdString();
  objective["mode"] = mode_->currentText().toStdString();
  Json& trainable = s["trainable"];
  if (!trainable.is_object()) trainable = Json::object();
  if (trainable_->currentText() == QString::fromUtf8(kCommand)) {
    trainable.erase("builtin");
    const bool shell = trainable.value("shell", false) == true;
    if (shell) {
      trainable["command"] = command_->text().toStdString();
    } else {
      Json argv = Json::array();
      for (const QString& a : command_->text().split(QLatin1Char(' '), Qt::SkipEmptyParts)) argv.push_back(a.toStdString());
      trainable["command"] = argv;
    }
  } else {
    trainable.erase("command");
    trainable.erase("shell");
    trainable["builtin"] = trainable_->currentText().toStdString();
  }
  s["num_samples"] = samples_->value();
  if (concurrent_->value() > 0) s["max_concurrent"] = concurrent_->value();
  else s.erase("max_concurrent");
  Json& res = s["resources_per_trial"];
  if (!res.is_object()) res = Json::object();
  res["cpu"] = cpu_->value();
  if (gpu_->value() > 0) res["gpu"] = gpu_->value();
  else res.erase("gpu");
  Json stop = s.value("stop", Json::object());
  if (!stop.is_object()) stop = Json::object();
  if (stop_iterations_->value() > 0) stop["training_iteration"] = stop_iterations_->value();
  else stop.erase("training_iteration");
  if (time_budget_->value() > 0) stop["time_budget_s"] = time_budget_->value();
  else stop.erase("time_budget_s");
  if (stop.empty()) s.erase("stop");
  else s["stop"] = stop;
  if (max_failures_->value() > 0) s["max_failures"] = max_failures_->value();
  else s.erase("max_failures");
  if (timeout_->value() > 0) s["trial_timeout_s"] = timeout_->value();
  else s.erase("trial_timeout_s");
}

}  // namespace tunelab::ui

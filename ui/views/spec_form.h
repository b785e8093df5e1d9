#pragma once
// SpecForm: the spec's fixed blocks as a form: name, objective, trainable (built-in or command with
// a file picker), budget (samples, concurrency, stop criteria, time budget), resources and failures.
// It reads and writes only its own keys of the spec JSON; everything else is left as it is.
#include <QWidget>

#include "core/util/json.h"

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace tunelab::ui {

class SpecForm final : public QWidget {
  Q_OBJECT
 public:
  explicit SpecForm(QWidget* parent = nullptr);
  void set_spec(const Json& spec);
  void apply_to(Json& spec) const;

 signals:
  void changed();

 private:
  bool updating_ = false;
  QLineEdit* name_;
  QLineEdit* metric_;
  QComboBox* mode_;
  QComboBox* trainable_;
  QLineEdit* command_;
  QSpinBox* samples_;
  QSpinBox* concurrent_;
  QDoubleSpinBox* cpu_;
  QDoubleSpinBox* gpu_;
  QSpinBox* stop_iterations_;
  QDoubleSpinBox* time_budget_;
  QSpinBox* max_failures_;
  QDoubleSpinBox* timeout_;
};

}  // namespace tunelab::ui

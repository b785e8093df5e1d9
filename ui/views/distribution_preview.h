#pragma once
// DistributionPreview: a small histogram of 2,000 samples of one parameter, drawn the way searchers
// draw them (Parameter::from_unit on uniform numbers). Log-scaled parameters get log-spaced bins and a
// log axis; choices get one bar per value.
#include <QWidget>

#include <optional>

#include "core/space/parameter.h"

namespace tunelab::ui {

class DistributionPreview final : public QWidget {
  Q_OBJECT
 public:
  explicit DistributionPreview(QWidget* parent = nullptr);
  void set_parameter(std::optional<Parameter> p);
  bool log_axis() const { return log_; }
  const std::vector<int>& counts() const { return counts_; }

 protected:
  void paintEvent(QPaintEvent* e) override;

 private:
  std::optional<Parameter> param_;
  std::vector<int> counts_;
  QStringList labels_;   // first and last bin edge, or the choice values
  bool log_ = false;
};

}  // namespace tunelab::ui

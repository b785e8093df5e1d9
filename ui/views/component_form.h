#pragma once
// ComponentForm: a form for one pluggable component block ("search", "scheduler"), generated from
// the ComponentDefs the engine validates against (core/options/options.h). A type combo picks the
// component; each option gets an editor by its kind, with its help as the tooltip. New searchers and
// schedulers appear here without GUI code.
#include <QWidget>

#include <map>

#include "core/options/options.h"

class QComboBox;
class QFormLayout;

namespace tunelab::ui {

class ComponentForm final : public QWidget {
  Q_OBJECT
 public:
  ComponentForm(std::vector<ComponentDef> defs, QWidget* parent = nullptr);
  // Shows `block` (an object with "type"; null: the first definition with its defaults).
  void set_block(const Json& block);
  // The block: "type" and every option whose value differs from its default.
  Json block() const;
  QStringList types() const;

 signals:
  void changed();

 private:
  void build(const ComponentDef& def, const Json& values);
  Json option_value(const OptionDef& o) const;

  std::vector<ComponentDef> defs_;
  QComboBox* type_;
  QFormLayout* options_;
  std::map<std::string, QWidget*> editors_;
  Json extra_;  // keys the form has no editor for (kept as they are)
  bool updating_ = false;
};

}  // namespace tunelab::ui

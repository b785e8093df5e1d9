#include "ui/views/component_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace tunelab::ui {

namespace {
// A number editor that shows a value as it is written: 20, 0.25, 1e-09 as 0.000000001, never 20.000000.
class NumberBox final : public QDoubleSpinBox {
 public:
  NumberBox() { setDecimals(12); }
  QString textFromValue(double v) const override {
    QString t = locale().toString(v, 'f', decimals());
    t.remove(locale().groupSeparator());
    const QString point = locale().decimalPoint();
    if (t.contains(point)) {
      while (t.endsWith(QLatin1Char('0'))) t.chop(1);
      if (t.endsWith(point)) t.chop(point.size());
    }
    return t;
  }
};
}  // namespace

ComponentForm::ComponentForm(std::vector<ComponentDef> defs, QWidget* parent)
    : QWidget(parent), defs_(std::move(defs)), type_(new QComboBox), options_(new QFormLayout) {
  for (const auto& d : defs_) {
    type_->addItem(QString::fromStdString(d.type));
    type_->setItemData(type_->count() - 1, QString::fromStdString(d.help), Qt::ToolTipRole);
  }
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* top = new QFormLayout;
  top->addRow(tr("type"), type_);
  layout->addLayout(top);
  layout->addLayout(options_);
  connect(type_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (updating_ || i < 0) return;
    build(defs_[static_cast<size_t>(i)], Json::object());
    emit changed();
  });
  set_block(nullptr);
}

QStringList ComponentForm::types() const {
  QStringList out;
  for (const auto& d : defs_) out << QString::fromStdString(d.type);
  return out;
}

void ComponentForm::set_block(const Json& block) {
  if (defs_.empty()) return;
  std::string type = block.is_object() ? block.value("type", defs_.front().type) : defs_.front().type;
  const ComponentDef* def = find_component(defs_, type);
  if (!def) def = &defs_.front();
  updating_ = true;
  type_->setCurrentText(QString::fromStdString(def->type));
  updating_ = false;
  build(*def, block.is_object() ? block : Json::object());
}

void ComponentForm::build(const ComponentDef& def, const Json& values) {
  updating_ = true;
  while (options_->rowCount() > 0) options_->removeRow(0);
  editors_.clear();
  extra_ = Json::object();
  if (values.is_object()) {
    for (auto it = values.begin(); it != values.end(); ++it) {
      const bool known = it.key() == "type" || std::any_of(def.options.begin(), def.options.end(),
                                                           [&](const OptionDef& o) { return o.name == it.key(); });
      if (!known) extra_[it.key()] = it.value();
    }
  }
  for (const OptionDef& o : def.options) {
    const Json v = values.is_object() && values.contains(o.name) ? values[o.name] : o.default_value;
    QWidget* editor = nullptr;
    switch (o.kind) {
      case OptionKind::Int: {
        auto* s = new QSpinBox;
        s->setRange(o.min ? static_cast<int>(std::max(*o.min, -2e9)) : -2000000000,
                    o.max ? static_cast<int>(std::min(*o.max, 2e9)) : 2000000000);
        if (v.is_number()) s->setValue(static_cast<int>(v.get<double>()));
        if (v.is_null()) s->setSpecialValueText(tr("(none)"));
        connect(s, &QSpinBox::valueChanged, this, [this] { if (!updating_) emit changed(); });
        editor = s;
        break;
      }
      case OptionKind::Float: {
        auto* s = new NumberBox;
        s->setRange(o.min.value_or(-1e12), o.max.value_or(1e12));
        if (v.is_number()) s->setValue(v.get<double>());
        connect(s, &QDoubleSpinBox::valueChanged, this, [this] { if (!updating_) emit changed(); });
        editor = s;
        break;
      }
      case OptionKind::Bool: {
        auto* c = new QCheckBox;
        c->setChecked(v.is_boolean() && v.get<bool>());
        connect(c, &QCheckBox::toggled, this, [this] { if (!updating_) emit changed(); });
        editor = c;
        break;
      }
      case OptionKind::Enum: {
        auto* c = new QComboBox;
        for (const auto& ch : o.choices) c->addItem(QString::fromStdString(ch));
        if (v.is_string()) c->setCurrentText(QString::fromStdString(v.get<std::string>()));
        connect(c, &QComboBox::currentIndexChanged, this, [this] { if (!updating_) emit changed(); });
        editor = c;
        break;
      }
      case OptionKind::String:
      case OptionKind::Any: {
        auto* e = new QLineEdit;
        if (!v.is_null()) e->setText(v.is_string() && o.kind == OptionKind::String ? QString::fromStdString(v.get<std::string>())
                                                                                 : QString::fromStdString(dump_compact(v)));
        e->setPlaceholderText(o.kind == OptionKind::Any ? tr("JSON") : QString());
        connect(e, &QLineEdit::editingFinished, this, [this] { if (!updating_) emit changed(); });
        editor = e;
        break;
      }
    }
    editor->setToolTip(QString::fromStdString(o.help));
    editor->setProperty("explicit", values.is_object() && values.contains(o.name));
    editors_[o.name] = editor;
    options_->addRow(QString::fromStdString(o.name), editor);
  }
  updating_ = false;
}

Json ComponentForm::option_value(const OptionDef& o) const {
  QWidget* w = editors_.at(o.name);
  switch (o.kind) {
    case OptionKind::Int: return static_cast<int64_t>(static_cast<QSpinBox*>(w)->value());
    case OptionKind::Float: return static_cast<QDoubleSpinBox*>(w)->value();
    case OptionKind::Bool: return static_cast<QCheckBox*>(w)->isChecked();
    case OptionKind::Enum: return static_cast<QComboBox*>(w)->currentText().toStdString();
    case OptionKind::String: {
      const QString t = static_cast<QLineEdit*>(w)->text();
      return t.isEmpty() ? Json() : Json(t.toStdString());
    }
    case OptionKind::Any: {
      const QString t = static_cast<QLineEdit*>(w)->text().trimmed();
      if (t.isEmpty()) return nullptr;
      try {
        return Json::parse(t.toStdString());
      } catch (const std::exception&) {
        return t.toStdString();
      }
    }
  }
  return nullptr;
}

Json ComponentForm::block() const {
  Json b = {{"type", type_->currentText().toStdString()}};
  const ComponentDef* def = find_component(defs_, type_->currentText().toStdString());
  if (!def) return b;
  for (const OptionDef& o : def->options) {
    const Json v = option_value(o);
    if (v.is_null()) continue;
    const bool same = v == o.default_value ||
                      (v.is_number() && o.default_value.is_number() && v.get<double>() == o.default_value.get<double>());
    if (!same || editors_.at(o.name)->property("explicit").toBool()) b[o.name] = v;
  }
  for (auto it = extra_.begin(); it != extra_.end(); ++it) b[it.key()] = it.value();
  return b;
}

}  // namespace tunelab::ui

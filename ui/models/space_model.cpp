#include "ui/models/space_model.h"

#include <QBrush>
#include <QColor>

#include "core/space/space.h"

namespace tunelab::ui {

// One undoable change: the rows before and after.
class SetRowsCommand final : public QUndoCommand {
 public:
  SetRowsCommand(SpaceModel* model, std::vector<ParamRow> before, std::vector<ParamRow> after, const QString& text)
      : QUndoCommand(text), model_(model), before_(std::move(before)), after_(std::move(after)) {}
  void undo() override { model_->apply_rows(before_); }
  void redo() override { model_->apply_rows(after_); }

 private:
  SpaceModel* model_;
  std::vector<ParamRow> before_, after_;
};

namespace {

// "relu, tanh" or "[16, 32]" or "3": JSON where it parses, else trimmed strings.
Json parse_value(const QString& text) {
  const std::string s = text.trimmed().toStdString();
  try {
    return Json::parse(s);
  } catch (const std::exception&) {
    return Json(s);
  }
}
Json parse_list(const QString& text) {
  const QString t = text.trimmed();
  if (t.startsWith(QLatin1Char('['))) {
    try {
      Json j = Json::parse(t.toStdString());
      if (j.is_array()) return j;
    } catch (const std::exception&) {
    }
  }
  Json out = Json::array();
  for (const QString& part : t.split(QLatin1Char(','), Qt::SkipEmptyParts)) out.push_back(parse_value(part));
  return out;
}
QString value_text(const Json& v) {
  return v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString::fromStdString(dump_compact(v));
}
QString list_text(const std::vector<Json>& vs) {
  QStringList parts;
  for (const auto& v : vs) parts << value_text(v);
  return parts.join(QStringLiteral(", "));
}
QString number_text(double v) { return QString::number(v, 'g', 10); }

}  // namespace

SpaceModel::SpaceModel(QObject* parent) : QAbstractTableModel(parent) {}

QStringList SpaceModel::type_names() {
  return {QStringLiteral("float"), QStringLiteral("int"),  QStringLiteral("normal"),
          QStringLiteral("choice"), QStringLiteral("grid"), QStringLiteral("const")};
}

Json SpaceModel::row_json(const ParamRow& r) {
  Json p;
  const std::string type = r.type.toStdString();
  auto number = [](const QString& text) -> Json {
    bool ok = false;
    const double v = text.trimmed().toDouble(&ok);
    if (!ok) return text.trimmed().isEmpty() ? Json() : Json(text.toStdString());  // parse_space names the error
    if (v == static_cast<double>(static_cast<int64_t>(v)) && !text.contains(QLatin1Char('.')) &&
        !text.contains(QLatin1Char('e'), Qt::CaseInsensitive)) {
      return Json(static_cast<int64_t>(v));
    }
    return Json(v);
  };
  if (type == "const") {
    p = {{"type", "const"}, {"value", parse_value(r.values)}};
  } else if (type == "choice" || type == "grid") {
    p = {{"type", type}, {"values", parse_list(r.values)}};
  } else if (type == "normal") {
    p = {{"type", "normal"}, {"mean", number(r.low)}, {"sd", number(r.high)}};
    if (!r.step.trimmed().isEmpty()) p["step"] = number(r.step);
  } else {
    p = {{"type", type}, {"low", number(r.low)}, {"high", number(r.high)}};
    if (r.log) p["log"] = true;
    if (!r.step.trimmed().isEmpty()) p["step"] = number(r.step);
  }
  const QString cond = r.condition.trimmed();
  if (!cond.isEmpty() && type != "const") {
    Json when = Json::object();
    for (const QString& clause : cond.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
      const qsizetype eq = clause.indexOf(QLatin1Char('='));
      if (eq < 0) {
        when[clause.trimmed().toStdString()] = nullptr;  // parse_space reports it
        continue;
      }
      const QString rhs = clause.mid(eq + 1).trimmed();
      when[clause.left(eq).trimmed().toStdString()] = rhs.startsWith(QLatin1Char('[')) ? parse_list(rhs) : parse_value(rhs);
    }
    p["when"] = when;
  }
  return p;
}

Json SpaceModel::to_json() const {
  Json space = Json::object();
  for (const ParamRow& r : rows_) {
    Json* at = &space;
    const QStringList parts = r.name.trimmed().split(QLatin1Char('.'));
    for (qsizetype i = 0; i + 1 < parts.size(); ++i) {
      Json& next = (*at)[parts[i].toStdString()];
      if (!next.is_object()) next = Json::object();
      at = &next;
    }
    (*at)[parts.back().toStdString()] = row_json(r);
  }
  return space;
}

void SpaceModel::set_space(const Json& space, bool undoable) {
  std::vector<ParamRow> rows;
  auto parsed = parse_space(space);
  if (parsed) {
    for (const Parameter& p : parsed->params()) {
      ParamRow r;
      r.name = QString::fromStdString(p.name);
      r.type = QString::fromUtf8(to_string(p.type));
      switch (p.type) {
        case ParamType::Float:
        case ParamType::Int:
          r.low = number_text(p.low);
          r.high = number_text(p.high);
          r.log = p.log;
          if (p.step && !(p.type == ParamType::Int && *p.step == 1)) r.step = number_text(*p.step);
          break;
        case ParamType::Normal:
          r.low = number_text(p.mean);
          r.high = number_text(p.sd);
          if (p.step) r.step = number_text(*p.step);
          break;
        case ParamType::Choice:
        case ParamType::Grid: r.values = list_text(p.values); break;
        case ParamType::Const: r.values = value_text(p.value); break;
      }
      QStringList conds;
      for (const auto& c : p.when) {
        conds << QString::fromStdString(c.parent) + QStringLiteral(" = ") +
                     (c.values.size() == 1 ? value_text(c.values[0]) : QStringLiteral("[") + list_text(c.values) + QStringLiteral("]"));
      }
      r.condition = conds.join(QStringLiteral("; "));
      rows.push_back(r);
    }
  } else if (space.is_object()) {
    // Not valid: show each top-level key with its raw text so the user can fix it here.
    for (auto it = space.begin(); it != space.end(); ++it) {
      ParamRow r;
      r.name = QString::fromStdString(it.key());
      const Json& v = it.value();
      if (v.is_object() && v.contains("type") && v["type"].is_string()) {
        r.type = QString::fromStdString(v["type"].get<std::string>());
        if (v.contains("low")) r.low = value_text(v["low"]);
        if (v.contains("high")) r.high = value_text(v["high"]);
        r.log = v.value("log", false) == true;
        if (v.contains("values") && v["values"].is_array()) r.values = list_text(v["values"].get<std::vector<Json>>());
      } else {
        r.type = QStringLiteral("const");
        r.values = QString::fromStdString(dump_compact(v));
      }
      rows.push_back(r);
    }
  }
  if (undoable) {
    push(std::move(rows), tr("edit space"));
  } else {
    apply_rows(rows);
    undo_.clear();
  }
}

void SpaceModel::push(std::vector<ParamRow> rows, const QString& text) {
  if (rows == rows_) return;
  undo_.push(new SetRowsCommand(this, rows_, std::move(rows), text));
}

void SpaceModel::apply_rows(const std::vector<ParamRow>& rows) {
  if (rows.size() == rows_.size()) {
    rows_ = rows;
    if (!rows_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
  } else {
    beginResetModel();
    rows_ = rows;
    endResetModel();
  }
  validate();
  emit space_changed();
}

void SpaceModel::validate() {
  auto parsed = parse_space(to_json());
  errors_ = parsed ? Errors{} : parsed.errors();
  if (rows_.empty()) errors_ = {Error{"space", "at least one parameter is needed"}};
  if (!rows_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::ToolTipRole, Qt::BackgroundRole});
}

QString SpaceModel::row_error(int row) const {
  const std::string prefix = "space." + rows_[static_cast<size_t>(row)].name.trimmed().toStdString();
  QStringList out;
  for (const Error& e : errors_) {
    if (e.where == prefix || e.where.starts_with(prefix + ".")) out << QString::fromStdString(e.to_string());
  }
  return out.join(QLatin1Char('\n'));
}

void SpaceModel::add_row() {
  auto rows = rows_;
  ParamRow r;
  int n = static_cast<int>(rows.size()) + 1;
  auto taken = [&](const QString& name) {
    return std::any_of(rows.begin(), rows.end(), [&](const ParamRow& x) { return x.name == name; });
  };
  while (taken(QStringLiteral("param%1").arg(n))) ++n;
  r.name = QStringLiteral("param%1").arg(n);
  r.low = QStringLiteral("0");
  r.high = QStringLiteral("1");
  rows.push_back(r);
  push(std::move(rows), tr("add parameter"));
}

void SpaceModel::remove_row(int row) {
  if (row < 0 || row >= rowCount()) return;
  auto rows = rows_;
  rows.erase(rows.begin() + row);
  push(std::move(rows), tr("remove parameter"));
}

void SpaceModel::move_row(int row, int delta) {
  const int to = row + delta;
  if (row < 0 || row >= rowCount() || to < 0 || to >= rowCount()) return;
  auto rows = rows_;
  std::swap(rows[static_cast<size_t>(row)], rows[static_cast<size_t>(to)]);
  push(std::move(rows), tr("move parameter"));
}

int SpaceModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }
int SpaceModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant SpaceModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {"name", "type", "low", "high", "log", "step", "values", "condition"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

Qt::ItemFlags SpaceModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  if (index.column() == Log) return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable;
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable;
}

QVariant SpaceModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const ParamRow& r = rows_[static_cast<size_t>(index.row())];
  if (role == Qt::ToolTipRole) {
    const QString err = row_error(index.row());
    if (!err.isEmpty()) return err;
    if (r.type == QStringLiteral("normal") && (index.column() == Low || index.column() == High)) {
      return tr("normal: low is the mean, high the standard deviation");
    }
    return {};
  }
  if (role == Qt::BackgroundRole) {
    return row_error(index.row()).isEmpty() ? QVariant() : QVariant(QBrush(QColor(255, 80, 80, 70)));
  }
  if (role == Qt::CheckStateRole && index.column() == Log) return r.log ? Qt::Checked : Qt::Unchecked;
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  switch (index.column()) {
    case Name: return r.name;
    case Type: return r.type;
    case Low: return r.low;
    case High: return r.high;
    case Log: return {};
    case Step: return r.step;
    case Values: return r.values;
    case Condition: return r.condition;
  }
  return {};
}

bool SpaceModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return false;
  auto rows = rows_;
  ParamRow& r = rows[static_cast<size_t>(index.row())];
  if (index.column() == Log && role == Qt::CheckStateRole) {
    r.log = value.toInt() == Qt::Checked;
  } else if (role == Qt::EditRole) {
    const QString v = value.toString();
    switch (index.column()) {
      case Name: r.name = v.trimmed(); break;
      case Type: r.type = v.trimmed(); break;
      case Low: r.low = v; break;
      case High: r.high = v; break;
      case Step: r.step = v; break;
      case Values: r.values = v; break;
      case Condition: r.condition = v; break;
      default: return false;
    }
  } else {
    return false;
  }
  push(std::move(rows), tr("edit %1").arg(headerData(index.column(), Qt::Horizontal, Qt::DisplayRole).toString()));
  return true;
}

}  // namespace tunelab::ui

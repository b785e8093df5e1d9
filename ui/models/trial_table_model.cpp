#include "ui/models/trial_table_model.h"

#include <QPainter>
#include <QPixmap>

#include <array>

#include "core/util/json.h"

namespace tunelab::ui {

namespace {
QString format_value(const Json& v) {
  if (v.is_number_float()) return QString::number(v.get<double>(), 'g', 4);
  if (v.is_string()) return QString::fromStdString(v.get<std::string>());
  return QString::fromStdString(dump_compact(v));
}
QString format_duration(double s) {
  if (s < 60) return QString::number(s, 'f', 1) + QStringLiteral(" s");
  const int total = static_cast<int>(s);
  if (total < 3600) return QStringLiteral("%1:%2").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1:%2:%3")
      .arg(total / 3600)
      .arg(total / 60 % 60, 2, 10, QLatin1Char('0'))
      .arg(total % 60, 2, 10, QLatin1Char('0'));
}
}  // namespace

TrialTableModel::TrialTableModel(const StudyState* state, QObject* parent) : QAbstractTableModel(parent), state_(state) {}

QIcon TrialTableModel::status_icon(TrialStatus s) {
  static std::array<QIcon, 6> icons;
  QIcon& icon = icons[static_cast<size_t>(s)];
  if (icon.isNull()) {
    static const std::array<QColor, 6> colors = {QColor(150, 150, 150), QColor(40, 120, 230), QColor(230, 170, 30),
                                                 QColor(40, 170, 70),   QColor(200, 110, 40), QColor(210, 40, 40)};
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(colors[static_cast<size_t>(s)]);
    p.drawEllipse(1, 1, 10, 10);
    p.end();
    icon = QIcon(pm);
  }
  return icon;
}

void TrialTableModel::reset() {
  beginResetModel();
  gpu_.clear();
  rows_ = static_cast<int>(state_->trials().size());
  endResetModel();
}

void TrialTableModel::update(const StudyDelta& delta) {
  const int total = static_cast<int>(state_->trials().size());
  // Rows whose status or config changed repaint whole; rows that only got results repaint their
  // iteration, metric and runtime cells (a streamed batch touches every running row).
  auto span = [&](const std::set<size_t>& rows, bool results_only) {
    int first = rows_, last = -1;
    for (size_t i : rows) {
      if (static_cast<int>(i) >= rows_ || (results_only && delta.status_changed.count(i))) continue;
      first = std::min(first, static_cast<int>(i));
      last = std::max(last, static_cast<int>(i));
    }
    return std::pair(first, last);
  };
  const auto [full_first, full_last] = span(delta.status_changed, false);
  const auto [res_first, res_last] = span(delta.changed, true);
  if (total > rows_) {
    beginInsertRows({}, rows_, total - 1);
    rows_ = total;
    endInsertRows();
  }
  if (full_last >= 0) emit dataChanged(index(full_first, 0), index(full_last, columnCount() - 1));
  if (res_last >= 0) emit dataChanged(index(res_first, iteration_column()), index(res_last, columnCount() - 1));
}

void TrialTableModel::set_gpu_usage(const std::map<int64_t, TrialGpuRecord>& usage) {
  const int column = 6 + param_count();
  if (gpu_.empty() && !usage.empty()) {
    beginInsertColumns({}, column, column);
    gpu_ = usage;
    endInsertColumns();
    return;
  }
  if (!gpu_.empty() && usage.empty()) {
    beginRemoveColumns({}, column, column);
    gpu_.clear();
    endRemoveColumns();
    return;
  }
  gpu_ = usage;
  if (!gpu_.empty() && rows_ > 0) emit dataChanged(index(0, column), index(rows_ - 1, column));
}

int TrialTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : rows_; }
int TrialTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : 6 + param_count() + (gpu_.empty() ? 0 : 1); }

int64_t TrialTableModel::trial_at(int row) const { return state_->trials().at(static_cast<size_t>(row)).id; }

std::optional<int> TrialTableModel::row_of(int64_t trial_id) const {
  auto i = state_->index_of(trial_id);
  if (!i || static_cast<int>(*i) >= rows_) return std::nullopt;
  return static_cast<int>(*i);
}

QVariant TrialTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount()) return {};
  const int p = param_count();
  const QString metric = QString::fromStdString(state_->objective().metric);
  if (section == 0) return tr("Trial");
  if (section == 1) return tr("Status");
  if (section < 2 + p) return QString::fromStdString(state_->param_names()[static_cast<size_t>(section - 2)]);
  switch (section - 2 - p) {
    case 0: return tr("Iteration");
    case 1: return tr("Last %1").arg(metric);
    case 2: return tr("Best %1").arg(metric);
    case 3: return tr("Runtime");
    case 4: return tr("GPU");
  }
  return {};
}

QVariant TrialTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const TrialData& t = state_->trials()[static_cast<size_t>(index.row())];
  const int c = index.column(), p = param_count();
  if (role == TrialIdRole) return QVariant::fromValue<qlonglong>(t.id);
  if (role == Qt::DecorationRole && c == 1) return status_icon(t.status);
  if (role == Qt::ToolTipRole && c == 1 && !t.reason.empty()) return QString::fromStdString(t.reason);
  if (role == Qt::TextAlignmentRole && c != 1) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::FontRole && state_->best_trial() == t.id) {
    QFont f;
    f.setBold(true);
    return f;
  }
  const bool sort = role == SortRole;
  if (role != Qt::DisplayRole && !sort) return {};
  if (c == 0) return QVariant::fromValue<qlonglong>(t.id);
  if (c == 1) return QString::fromUtf8(to_string(t.status));
  if (c < 2 + p) {
    auto it = t.flat_config.find(state_->param_names()[static_cast<size_t>(c - 2)]);
    if (it == t.flat_config.end()) return {};
    if (sort && it->second.is_number()) return it->second.get<double>();
    return format_value(it->second);
  }
  auto opt = [&](const std::optional<double>& v) -> QVariant {
    if (!v) return {};
    return sort ? QVariant(*v) : QVariant(QString::number(*v, 'g', 5));
  };
  switch (c - 2 - p) {
    case 0: return QVariant::fromValue<qlonglong>(t.iteration);
    case 1: return opt(t.last);
    case 2: return opt(t.best);
    case 3: return sort ? QVariant(t.runtime_s) : QVariant(format_duration(t.runtime_s));
    case 4: {
      auto it = gpu_.find(t.id);
      if (it == gpu_.end()) return {};
      const TrialGpuRecord& g = it->second;
      if (sort) return g.energy_j;
      return QStringLiteral("%1 \u00d7%2, %3 kJ")
          .arg(QString::fromStdString(g.gpus))
          .arg(g.fraction, 0, 'g', 3)
          .arg(g.energy_j / 1000.0, 0, 'f', 2);
    }
  }
  return {};
}

}  // namespace tunelab::ui

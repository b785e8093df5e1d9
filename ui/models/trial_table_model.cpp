#include "ui/models/trial_table_model.h"

#include "core/analysis/summary.h"

namespace tunelab::ui {

TrialTableModel::TrialTableModel(QString metric, bool maximize, QObject* parent)
    : QAbstractTableModel(parent), metric_(std::move(metric)), maximize_(maximize) {}

int TrialTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int TrialTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant TrialTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Id: return tr("Trial");
    case Status: return tr("Status");
    case Iteration: return tr("Iteration");
    case Last: return tr("Last %1").arg(metric_);
    case Best: return tr("Best %1").arg(metric_);
    case Config: return tr("Config");
  }
  return {};
}

QVariant TrialTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
  const Row& r = rows_[static_cast<size_t>(index.row())];
  if (role == SortRole) {
    switch (index.column()) {
      case Id: return QVariant::fromValue<qlonglong>(r.id);
      case Iteration: return QVariant::fromValue<qlonglong>(r.iteration);
      case Last: return r.last ? QVariant(*r.last) : QVariant();
      case Best: return r.best ? QVariant(*r.best) : QVariant();
      default: break;
    }
    role = Qt::DisplayRole;
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case Id: return QVariant::fromValue<qlonglong>(r.id);
    case Status: return r.status;
    case Iteration: return QVariant::fromValue<qlonglong>(r.iteration);
    case Last: return r.last ? QString::number(*r.last, 'g', 5) : QString();
    case Best: return r.best ? QString::number(*r.best, 'g', 5) : QString();
    case Config: return r.config;
  }
  return {};
}

TrialTableModel::Row& TrialTableModel::row_for(int64_t id, std::vector<Row>& added) {
  if (auto it = index_.find(id); it != index_.end()) {
    return it->second < rows_.size() ? rows_[it->second] : added[it->second - rows_.size()];
  }
  index_[id] = rows_.size() + added.size();
  added.push_back(Row{});
  added.back().id = id;
  return added.back();
}

void TrialTableModel::apply(const std::vector<StudyEvent>& batch) {
  std::vector<Row> added;
  bool changed = false;
  const std::string metric = metric_.toStdString();
  for (const auto& e : batch) {
    if (e.trial_id < 0) continue;
    switch (e.kind) {
      case StudyEvent::Kind::TrialCreated: {
        Row& r = row_for(e.trial_id, added);
        QString cfg;
        const Json flat = flatten_json(e.data);
        for (const auto& [k, v] : flat.items()) {
          cfg += (cfg.isEmpty() ? QString() : QStringLiteral("  ")) + QString::fromStdString(k) + QLatin1Char('=') +
                 QString::fromStdString(v.is_number_float() ? QString::number(v.get<double>(), 'g', 4).toStdString()
                                                             : dump_compact(v));
        }
        r.config = cfg;
        break;
      }
      case StudyEvent::Kind::TrialStarted:
        row_for(e.trial_id, added).status = QStringLiteral("running");
        break;
      case StudyEvent::Kind::TrialResult: {
        Row& r = row_for(e.trial_id, added);
        r.iteration = e.data.value("training_iteration", r.iteration);
        if (e.data.contains(metric) && e.data[metric].is_number()) {
          const double v = e.data[metric].get<double>();
          r.last = v;
          if (!r.best || (maximize_ ? v > *r.best : v < *r.best)) r.best = v;
        }
        break;
      }
      case StudyEvent::Kind::TrialEnded:
        row_for(e.trial_id, added).status = QString::fromStdString(e.data.value("status", ""));
        break;
      default:
        continue;
    }
    changed = true;
  }
  if (!added.empty()) {
    beginInsertRows({}, static_cast<int>(rows_.size()), static_cast<int>(rows_.size() + added.size() - 1));
    for (auto& r : added) rows_.push_back(std::move(r));
    endInsertRows();
  }
  if (changed && !rows_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

}  // namespace tunelab::ui

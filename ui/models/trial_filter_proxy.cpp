#include "ui/models/trial_filter_proxy.h"

#include "ui/models/trial_table_model.h"

namespace tunelab::ui {

TrialFilterProxy::TrialFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(TrialTableModel::SortRole);
  setDynamicSortFilter(true);
}

void TrialFilterProxy::set_text(const QString& text) {
  text_ = text.trimmed();
  invalidateRowsFilter();
}

void TrialFilterProxy::set_allowed_ids(std::optional<std::set<int64_t>> ids) {
  allowed_ = std::move(ids);
  invalidateRowsFilter();
}

bool TrialFilterProxy::filterAcceptsRow(int source_row, const QModelIndex& source_parent) const {
  const QAbstractItemModel* m = sourceModel();
  if (allowed_) {
    const auto id = m->index(source_row, 0, source_parent).data(TrialTableModel::TrialIdRole).toLongLong();
    if (!allowed_->count(id)) return false;
  }
  if (text_.isEmpty()) return true;
  // Every word must match some column ("completed relu" finds completed trials using relu).
  const QStringList words = text_.split(QLatin1Char(' '), Qt::SkipEmptyParts);
  for (const QString& w : words) {
    bool found = false;
    for (int c = 0; c < m->columnCount(source_parent) && !found; ++c) {
      found = m->index(source_row, c, source_parent).data().toString().contains(w, Qt::CaseInsensitive);
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace tunelab::ui

#pragma once
// Sorting and filtering over the trial table: a text filter (matched against every column) and,
// when brushing in the parallel-coordinates view, the set of trial ids that pass the brushes.
#include <QSortFilterProxyModel>

#include <optional>
#include <set>

namespace tunelab::ui {

class TrialFilterProxy final : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit TrialFilterProxy(QObject* parent = nullptr);
  void set_text(const QString& text);
  // nullopt: every trial passes.
  void set_allowed_ids(std::optional<std::set<int64_t>> ids);

 protected:
  bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;

 private:
  QString text_;
  std::optional<std::set<int64_t>> allowed_;
};

}  // namespace tunelab::ui

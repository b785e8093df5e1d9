#pragma once
// The trials of a running study, one row each, updated in batches from engine events.
#include <QAbstractTableModel>

#include <map>
#include <vector>

#include "core/run/events.h"

namespace tunelab::ui {

class TrialTableModel final : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Id, Status, Iteration, Last, Best, Config, ColumnCount };
  static constexpr int SortRole = Qt::UserRole + 1;  // the underlying value, for sorting

  TrialTableModel(QString metric, bool maximize, QObject* parent = nullptr);
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  // Applies a batch of engine events: one insertion for new trials, one dataChanged for the rest.
  void apply(const std::vector<StudyEvent>& batch);
  int64_t trial_at(int row) const { return rows_.at(static_cast<size_t>(row)).id; }

 private:
  struct Row {
    int64_t id = 0;
    QString status = QStringLiteral("pending");
    int64_t iteration = 0;
    std::optional<double> last, best;
    QString config;
  };
  Row& row_for(int64_t id, std::vector<Row>& added);

  QString metric_;
  bool maximize_;
  std::vector<Row> rows_;
  std::map<int64_t, size_t> index_;
};

}  // namespace tunelab::ui

#pragma once
// The trial table: one row per trial of a StudyState, with a status icon, one column per parameter,
// iteration, last and best objective, and runtime; a GPU column once some trial's GPU use is known. It is told what changed (StudyDelta) and emits one
// insertion for new trials and one dataChanged spanning the changed rows.
#include <QAbstractTableModel>
#include <QIcon>

#include <map>

#include "core/model/gpu_records.h"

#include "ui/models/study_state.h"

namespace tunelab::ui {

class TrialTableModel final : public QAbstractTableModel {
  Q_OBJECT
 public:
  static constexpr int SortRole = Qt::UserRole + 1;     // the underlying value, for sorting
  static constexpr int TrialIdRole = Qt::UserRole + 2;  // the trial's id, on every cell

  explicit TrialTableModel(const StudyState* state, QObject* parent = nullptr);

  // Call after StudyState::reset (new columns) and after apply (rows added or changed).
  void reset();
  void update(const StudyDelta& delta);

  // Per-trial GPU use (from the store's trial_gpu rows). The GPU column exists while this is not empty.
  void set_gpu_usage(const std::map<int64_t, TrialGpuRecord>& usage);
  // The GPU column ("0,1 x0.5, 1.23 kJ"; sorted by energy), or -1 when there is none.
  int gpu_column() const { return gpu_.empty() ? -1 : 6 + param_count(); }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  int64_t trial_at(int row) const;
  std::optional<int> row_of(int64_t trial_id) const;
  // Fixed columns around the parameters: Id, Status, params..., Iteration, Last, Best, Runtime[, GPU].
  int iteration_column() const { return 2 + param_count(); }
  int status_column() const { return 1; }
  static QIcon status_icon(TrialStatus s);

 private:
  int param_count() const { return static_cast<int>(state_->param_names().size()); }
  const StudyState* state_;
  std::map<int64_t, TrialGpuRecord> gpu_;
  int rows_ = 0;  // rows announced to views (the state may be ahead within a batch)
};

}  // namespace tunelab::ui

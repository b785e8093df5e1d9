#pragma once
// SpaceModel: the search-space editor's table, one row per parameter with the columns name, type,
// low, high, log, step, values and condition. Every edit goes through a QUndoStack (undo and redo
// restore the whole space) and the space is validated by core parse_space after each change, so the
// messages are the CLI's; a row with an error shows it as its tooltip and in red.
//
// Cells hold text as the user typed it: values "relu, tanh" or "[16, 32]"; condition "optimizer = sgd"
// or "model = [resnet, vit]". For a normal parameter, low and high are its mean and sd; for a constant,
// values holds its value.
#include <QAbstractTableModel>
#include <QUndoStack>

#include <vector>

#include "core/util/json.h"
#include "core/util/result.h"

namespace tunelab::ui {

struct ParamRow {
  QString name, type = QStringLiteral("float"), low, high;
  bool log = false;
  QString step, values, condition;
  bool operator==(const ParamRow&) const = default;
};

class SpaceModel final : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Name, Type, Low, High, Log, Step, Values, Condition, ColumnCount };

  explicit SpaceModel(QObject* parent = nullptr);

  // Loads a spec "space" object (without an undo step when `undoable` is false). Shorthand and nested
  // groups are read through parse_space; a space that does not parse is shown as far as possible.
  void set_space(const Json& space, bool undoable = true);
  // The space as spec JSON (nested groups for dotted names).
  Json to_json() const;
  const std::vector<ParamRow>& rows() const { return rows_; }
  // Errors of the last validation, as parse_space gives them (paths start at "space").
  const Errors& errors() const { return errors_; }
  QUndoStack* undo_stack() { return &undo_; }

  void add_row();
  void remove_row(int row);
  void move_row(int row, int delta);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

  // The JSON of one row alone (for the distribution preview).
  static Json row_json(const ParamRow& row);
  static QStringList type_names();

 signals:
  void space_changed();

 private:
  friend class SetRowsCommand;
  void push(std::vector<ParamRow> rows, const QString& text);
  void apply_rows(const std::vector<ParamRow>& rows);
  void validate();
  QString row_error(int row) const;

  std::vector<ParamRow> rows_;
  Errors errors_;
  QUndoStack undo_;
};

}  // namespace tunelab::ui

#pragma once
// File > Import… and files dropped on the window: a Ray Tune experiment folder or an Optuna storage becomes a
// study database (docs/import.md), which the window then opens.
#include <QString>
#include <QStringList>

class QMimeData;
class QWidget;

namespace tunelab::ui {

struct ImportOutcomeText {
  QString db;     // the study database written; empty on failure
  QString error;  // why nothing was imported
  QString notes;  // what was skipped, one line each
};

// Imports `path` into a new database under tunelab_results/ of the current directory (where `tunelab run` and
// the workbench put studies). With `interactive`, asks on `parent` which study of a storage that holds several
// and the metric or mode the source did not record; without, those are errors.
ImportOutcomeText import_study(QWidget* parent, const QString& path, bool interactive);

// Whether `path` is something to import (a folder, or an SQLite file with Optuna's tables).
bool is_importable(const QString& path);

// The local paths of the files and folders in a drop.
QStringList dropped_paths(const QMimeData* mime);

}  // namespace tunelab::ui

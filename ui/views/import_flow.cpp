#include "ui/views/import_flow.h"

#include <QDir>
#include <QFileInfo>
#include <QInputDialog>
#include <QMimeData>
#include <QUrl>

#include "core/importers/optuna_import.h"
#include "core/importers/ray_import.h"
#include "core/store/results_dir.h"

namespace tunelab::ui {

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

bool is_importable(const QString& path) {
  const std::string p = optuna_sqlite_path(path.toStdString());
  return QFileInfo(qs(p)).isDir() || looks_like_optuna_storage(p);
}

QStringList dropped_paths(const QMimeData* mime) {
  QStringList out;
  if (!mime || !mime->hasUrls()) return out;
  for (const QUrl& url : mime->urls()) {
    if (url.isLocalFile()) out << url.toLocalFile();
  }
  return out;
}

ImportOutcomeText import_study(QWidget* parent, const QString& qpath, bool interactive) {
  ImportOutcomeText out;
  const std::string path = optuna_sqlite_path(qpath.toStdString());
  const QString title = QObject::tr("Import");
  ImportOptions options;
  Result<ImportedStudy> study = Error{path, "neither a Ray Tune experiment folder nor an Optuna storage"};
  if (QFileInfo(qs(path)).isDir()) {
    // Ask for what Ray did not record, at most once each.
    for (int round = 0; round < 3; ++round) {
      study = read_ray_experiment(path, options);
      if (study.ok() || !interactive) break;
      const std::string e = study.error_text();
      bool ok = false;
      if (e.find("--metric") != std::string::npos && options.metric.empty()) {
        const QString m = QInputDialog::getText(parent, title, qs(e) + QObject::tr("\n\nMetric:"), QLineEdit::Normal, {}, &ok);
        if (!ok || m.isEmpty()) break;
        options.metric = m.toStdString();
      } else if (e.find("--mode") != std::string::npos && options.mode.empty()) {
        const QString m = QInputDialog::getItem(parent, title, qs(e) + QObject::tr("\n\nMode:"),
                                                {QStringLiteral("min"), QStringLiteral("max")}, 0, false, &ok);
        if (!ok) break;
        options.mode = m.toStdString();
      } else {
        break;
      }
    }
  } else if (looks_like_optuna_storage(path)) {
    auto list = list_optuna_studies(path);
    if (!list) {
      out.error = qs(list.error_text());
      return out;
    }
    if (list->size() > 1) {
      QStringList names;
      for (const auto& s : *list) names << qs(s.name);
      bool ok = false;
      const QString name = interactive ? QInputDialog::getItem(parent, title,
                                                               QObject::tr("%1 holds %2 studies; import which?")
                                                                   .arg(qs(path)).arg(names.size()),
                                                               names, 0, false, &ok)
                                       : QString();
      if (!ok) {
        out.error = QObject::tr("%1 holds %2 studies (%3); choose one").arg(qs(path)).arg(names.size()).arg(names.join(QStringLiteral(", ")));
        return out;
      }
      options.study = name.toStdString();
    }
    study = read_optuna_study(path, options);
  }
  if (!study) {
    out.error = qs(study.error_text());
    return out;
  }
  for (const auto& p : study->problems) out.notes += qs(p) + QLatin1Char('\n');
  const QString db = QDir::current().absoluteFilePath(qs(default_study_db_path(study->name)));
  auto written = write_import(*study, db.toStdString());
  if (!written) {
    out.error = qs(written.error_text());
    return out;
  }
  out.db = db;
  return out;
}

}  // namespace tunelab::ui

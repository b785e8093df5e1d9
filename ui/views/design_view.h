#pragma once
// DesignView: write a study spec visually. The space editor table (undo/redo), a preview of the
// selected parameter's distribution, lint warnings, forms for the spec's blocks (search and scheduler
// forms are generated from the engine's ComponentDefs), and the spec JSON beside them: editing either
// side updates the other. Validation runs parse_spec, so the messages are the CLI's.
#include <QTimer>
#include <QWidget>

#include "core/util/json.h"

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QTableView;

namespace tunelab::ui {

class ComponentForm;
class DistributionPreview;
class SpaceModel;
class SpecForm;

class DesignView final : public QWidget {
  Q_OBJECT
 public:
  explicit DesignView(QWidget* parent = nullptr);

  // Shows a spec (text as written; JSON errors are shown, the forms keep their last state).
  void set_spec_text(const QString& text, const QString& base_dir);
  QString spec_text() const;
  const Json& spec() const { return spec_; }
  QString base_dir() const { return base_dir_; }
  // parse_spec's errors for the current spec (empty: it can run), and the lint warnings.
  QStringList errors() const;
  QStringList warnings() const;

  SpaceModel* space_model() const { return space_; }
  QTableView* space_table() const { return table_; }
  QPlainTextEdit* json_editor() const { return json_; }
  DistributionPreview* preview() const { return preview_; }
  ComponentForm* search_form() const { return search_; }
  ComponentForm* scheduler_form() const { return scheduler_; }
  // Applies a pending edit of the JSON text now (it is otherwise applied 400 ms after typing stops).
  void apply_json_edit();

 signals:
  void run_requested();
  void spec_changed();

 private:
  void from_forms();
  void from_space();
  void show_spec(bool rewrite_json);
  void validate();
  void update_preview();

  Json spec_ = Json::object();
  QString base_dir_;
  bool updating_ = false;
  QStringList errors_, warnings_;
  SpaceModel* space_;
  QTableView* table_;
  QPlainTextEdit* json_;
  QListWidget* messages_;
  DistributionPreview* preview_;
  SpecForm* form_;
  ComponentForm* search_;
  ComponentForm* scheduler_;
  QTimer json_timer_;
};

}  // namespace tunelab::ui

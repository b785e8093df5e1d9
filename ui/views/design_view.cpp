#include "ui/views/design_view.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

#include "core/schedule/scheduler.h"
#include "core/search/searcher.h"
#include "core/study/spec.h"
#include "ui/design/space_lint.h"
#include "ui/models/space_model.h"
#include "ui/views/component_form.h"
#include "ui/views/distribution_preview.h"
#include "ui/views/spec_form.h"

namespace tunelab::ui {

namespace {
// The type column is edited with a combo of the parameter types.
class TypeDelegate final : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem&, const QModelIndex&) const override {
    auto* c = new QComboBox(parent);
    c->addItems(SpaceModel::type_names());
    return c;
  }
  void setEditorData(QWidget* editor, const QModelIndex& index) const override {
    static_cast<QComboBox*>(editor)->setCurrentText(index.data(Qt::EditRole).toString());
  }
  void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override {
    model->setData(index, static_cast<QComboBox*>(editor)->currentText(), Qt::EditRole);
  }
};
}  // namespace

DesignView::DesignView(QWidget* parent)
    : QWidget(parent),
      space_(new SpaceModel(this)),
      table_(new QTableView),
      json_(new QPlainTextEdit),
      messages_(new QListWidget),
      preview_(new DistributionPreview),
      form_(new SpecForm),
      search_(new ComponentForm(searcher_defs())),
      scheduler_(new ComponentForm(scheduler_defs())) {
  table_->setModel(space_);
  table_->setItemDelegateForColumn(SpaceModel::Type, new TypeDelegate(table_));
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->setDefaultSectionSize(22);
  json_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  json_->setLineWrapMode(QPlainTextEdit::NoWrap);
  messages_->setMaximumHeight(110);

  auto button = [](const QString& text, const QString& tip) {
    auto* b = new QPushButton(text);
    b->setToolTip(tip);
    return b;
  };
  auto* add = button(tr("Add"), tr("Add a parameter (Ctrl+Shift+N)"));
  add->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
  auto* remove = button(tr("Remove"), tr("Remove the selected parameter"));
  auto* up = button(tr("Up"), tr("Move the selected parameter up"));
  auto* down = button(tr("Down"), tr("Move the selected parameter down"));
  auto* undo = button(tr("Undo"), tr("Undo the last space edit (Ctrl+Z)"));
  auto* redo = button(tr("Redo"), tr("Redo (Ctrl+Shift+Z)"));
  auto* run = button(tr("Run"), tr("Start the study (Ctrl+R)"));
  undo->setShortcut(QKeySequence::Undo);
  redo->setShortcut(QKeySequence::Redo);
  auto* space_bar = new QHBoxLayout;
  for (QPushButton* b : {add, remove, up, down, undo, redo}) space_bar->addWidget(b);
  space_bar->addStretch(1);
  space_bar->addWidget(run);

  auto* forms = new QWidget;
  auto* fl = new QVBoxLayout(forms);
  auto group = [](const QString& title, QWidget* w) {
    auto* g = new QGroupBox(title);
    auto* l = new QVBoxLayout(g);
    l->addWidget(w);
    return g;
  };
  fl->addWidget(group(tr("Study"), form_));
  fl->addWidget(group(tr("Search"), search_));
  fl->addWidget(group(tr("Scheduler"), scheduler_));
  fl->addStretch(1);
  auto* scroll = new QScrollArea;
  scroll->setWidget(forms);
  scroll->setWidgetResizable(true);

  auto* center = new QWidget;
  auto* cl = new QVBoxLayout(center);
  cl->setContentsMargins(0, 0, 0, 0);
  cl->addWidget(new QLabel(tr("Search space")));
  cl->addLayout(space_bar);
  cl->addWidget(table_, 3);
  cl->addWidget(preview_, 1);
  cl->addWidget(messages_);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(scroll);
  split->addWidget(center);
  split->addWidget(json_);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 4);
  split->setStretchFactor(2, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(split);

  json_timer_.setSingleShot(true);
  json_timer_.setInterval(400);
  connect(&json_timer_, &QTimer::timeout, this, &DesignView::apply_json_edit);
  connect(json_, &QPlainTextEdit::textChanged, this, [this] {
    if (!updating_) json_timer_.start();
  });
  connect(space_, &SpaceModel::space_changed, this, &DesignView::from_space);
  connect(form_, &SpecForm::changed, this, &DesignView::from_forms);
  connect(search_, &ComponentForm::changed, this, &DesignView::from_forms);
  connect(scheduler_, &ComponentForm::changed, this, &DesignView::from_forms);
  connect(add, &QPushButton::clicked, space_, &SpaceModel::add_row);
  auto current_row = [this] {
    const auto rows = table_->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().row();
  };
  connect(remove, &QPushButton::clicked, this, [this, current_row] { space_->remove_row(current_row()); });
  connect(up, &QPushButton::clicked, this, [this, current_row] {
    const int r = current_row();
    space_->move_row(r, -1);
    if (r > 0) table_->selectRow(r - 1);
  });
  connect(down, &QPushButton::clicked, this, [this, current_row] {
    const int r = current_row();
    space_->move_row(r, 1);
    if (r >= 0 && r + 1 < space_->rowCount()) table_->selectRow(r + 1);
  });
  connect(undo, &QPushButton::clicked, space_->undo_stack(), &QUndoStack::undo);
  connect(redo, &QPushButton::clicked, space_->undo_stack(), &QUndoStack::redo);
  connect(run, &QPushButton::clicked, this, &DesignView::run_requested);
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &DesignView::update_preview);
  connect(space_, &QAbstractItemModel::modelReset, this, [this] {
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &DesignView::update_preview,
            Qt::UniqueConnection);
  });
}

void DesignView::set_spec_text(const QString& text, const QString& base_dir) {
  base_dir_ = base_dir;
  updating_ = true;
  json_->setPlainText(text);
  updating_ = false;
  apply_json_edit();
  space_->undo_stack()->clear();
}

QString DesignView::spec_text() const { return json_->toPlainText(); }

void DesignView::apply_json_edit() {
  json_timer_.stop();
  auto parsed = parse_json_text(json_->toPlainText().toStdString(), "spec");
  if (!parsed || !parsed->is_object()) {
    errors_ = QStringList{parsed ? tr("the spec must be a JSON object") : QString::fromStdString(parsed.error_text())};
    messages_->clear();
    for (const auto& e : errors_) messages_->addItem(e);
    emit spec_changed();
    return;
  }
  spec_ = std::move(*parsed);
  updating_ = true;
  form_->set_spec(spec_);
  search_->set_block(spec_.value("search", Json()));
  scheduler_->set_block(spec_.value("scheduler", Json()));
  space_->set_space(spec_.value("space", Json::object()), true);
  updating_ = false;
  show_spec(false);
}

void DesignView::from_forms() {
  if (updating_) return;
  form_->apply_to(spec_);
  spec_["search"] = search_->block();
  spec_["scheduler"] = scheduler_->block();
  show_spec(true);
}

void DesignView::from_space() {
  if (updating_) return;
  spec_["space"] = space_->to_json();
  show_spec(true);
  update_preview();
}

void DesignView::show_spec(bool rewrite_json) {
  if (rewrite_json) {
    updating_ = true;
    json_->setPlainText(QString::fromStdString(spec_.dump(2)));
    updating_ = false;
  }
  validate();
  emit spec_changed();
}

void DesignView::validate() {
  errors_.clear();
  warnings_.clear();
  auto spec = parse_spec(spec_, base_dir_.toStdString());
  if (!spec) {
    for (const auto& e : spec.errors()) errors_ << QString::fromStdString(e.to_string());
  }
  for (const auto& w : lint_space(spec_.value("space", Json::object()))) {
    warnings_ << QString::fromStdString(w.where + ": " + w.message);
  }
  messages_->clear();
  for (const auto& e : errors_) {
    auto* item = new QListWidgetItem(tr("error: %1").arg(e));
    item->setForeground(QColor(200, 30, 30));
    messages_->addItem(item);
  }
  for (const auto& w : warnings_) {
    auto* item = new QListWidgetItem(tr("warning: %1").arg(w));
    item->setForeground(QColor(190, 120, 0));
    messages_->addItem(item);
  }
  if (errors_.isEmpty() && warnings_.isEmpty()) messages_->addItem(tr("The spec is valid."));
}

QStringList DesignView::errors() const { return errors_; }
QStringList DesignView::warnings() const { return warnings_; }

void DesignView::update_preview() {
  const auto rows = table_->selectionModel()->selectedRows();
  if (rows.isEmpty()) {
    preview_->set_parameter(std::nullopt);
    return;
  }
  const ParamRow& r = space_->rows()[static_cast<size_t>(rows.first().row())];
  Json one = SpaceModel::row_json(r);
  one.erase("when");
  auto parsed = parse_space(Json{{"p", one}});
  if (!parsed) {
    preview_->set_parameter(std::nullopt);
    return;
  }
  Parameter p = parsed->params().front();
  p.name = r.name.toStdString();
  preview_->set_parameter(p);
}

}  // namespace tunelab::ui

// The scheduler and searcher forms show numbers as written: max_t 20, not 20.000000.
#include <QApplication>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QTest>

#include "core/schedule/scheduler.h"
#include "core/search/searcher.h"
#include "ui/views/component_form.h"

using namespace tunelab;
using namespace tunelab::ui;

namespace {
// The text of the editor in the row labelled `name`.
QString editor_text(ComponentForm& form, const QString& name) {
  for (QLabel* label : form.findChildren<QLabel*>()) {
    if (label->text() != name) continue;
    QWidget* buddy = label->buddy();
    if (auto* d = qobject_cast<QDoubleSpinBox*>(buddy)) return d->text();
    if (auto* i = qobject_cast<QSpinBox*>(buddy)) return i->text();
  }
  return QStringLiteral("<no editor for %1>").arg(name);
}
}  // namespace

class TestComponentForm final : public QObject {
  Q_OBJECT
 private slots:
  void numbersShowAsWritten() {
    ComponentForm form(scheduler_defs());
    form.set_block({{"type", "asha"}, {"max_t", 20}, {"grace_period", 2}, {"reduction_factor", 2.5}});
    form.show();
    QCOMPARE(editor_text(form, QStringLiteral("max_t")), QStringLiteral("20"));
    QCOMPARE(editor_text(form, QStringLiteral("grace_period")), QStringLiteral("2"));
    QCOMPARE(editor_text(form, QStringLiteral("reduction_factor")), QStringLiteral("2.5"));
    // The block written back keeps the values and their meaning.
    const Json b = form.block();
    QCOMPARE(b.at("max_t").get<double>(), 20.0);
    QCOMPARE(b.at("reduction_factor").get<double>(), 2.5);
    // A small value keeps its digits (six decimals rounded 1e-9 to 0).
    form.set_block({{"type", "pbt"}, {"perturbation_interval", 0.0000025}});
    QCOMPARE(editor_text(form, QStringLiteral("perturbation_interval")), QStringLiteral("0.0000025"));
    QCOMPARE(form.block().at("perturbation_interval").get<double>(), 0.0000025);
  }
};

QTEST_MAIN(TestComponentForm)
#include "test_component_form.moc"

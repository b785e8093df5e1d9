// Sequential search through the tunelab binary: with one slot, each trial's config is chosen after the
// previous trial ended, so a model-based searcher sees every result before it proposes the next point.
#include <QTemporaryDir>
#include <QTest>

#include "core/store/store.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace tunelab::test;

class TestSequentialSearch final : public QObject {
  Q_OBJECT
 private slots:
  void eachTrialIsCreatedAfterThePreviousEnded() {
    for (const char* search : {R"({"type": "gp", "n_startup_trials": 2, "n_candidates": 64, "restarts": 1})",
                               R"({"type": "random"})"}) {
      QTemporaryDir dir;
      const QString spec = dir.filePath(QStringLiteral("spec.json"));
      const QString db = dir.filePath(QStringLiteral("study.db"));
      write_file(spec, synthetic_spec({{"num_samples", 6},
                                       {"max_concurrent", 1},
                                       {"search", Json::parse(search)},
                                       {"space", {{"x", {{"type", "float"}, {"low", 0}, {"high", 1}}}, {"iterations", 3}}}})
                           .dump());
      auto r = run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
      QVERIFY2(r.exit_code == 0, qPrintable(r.err));
      auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
      QVERIFY2(store.ok(), store.error_text().c_str());
      const auto trials = *(*store)->load_trials();
      QCOMPARE(trials.size(), size_t(6));
      for (size_t k = 1; k < trials.size(); ++k) {
        QCOMPARE(trials[k - 1].status, TrialStatus::Completed);
        QVERIFY(trials[k - 1].ended_at.has_value());
        QVERIFY2(trials[k].created_at >= *trials[k - 1].ended_at,
                 (std::string(search) + ": trial " + std::to_string(k) + " created at " +
                  std::to_string(trials[k].created_at) + ", before trial " + std::to_string(k - 1) + " ended at " +
                  std::to_string(*trials[k - 1].ended_at))
                     .c_str());
      }
    }
  }
};

QTEST_APPLESS_MAIN(TestSequentialSearch)
#include "test_sequential_search.moc"

// Model-based search through the binary: a TPE study with a space warning, `refine` on it, and a study
// with two objectives whose Pareto-optimal trials `show` and `export` mark.
#include <QTest>

#include "tests/e2e/search_cli_specs.h"
#include "tests/support/test_util.h"

using namespace tunelab;
using namespace tunelab::test;

namespace {
QString S(const char* x) { return QString::fromUtf8(x); }
QStringList A(std::initializer_list<const char*> xs) {
  QStringList l;
  for (const char* x : xs) l << S(x);
  return l;
}
}  // namespace

class TestSearchCli final : public QObject {
  Q_OBJECT
 private slots:
  void tpeStudyWarnsAndRefines() {
    QTemporaryDir dir;
    write_file(dir.filePath(S("tpe.json")), kTpeSpec);
    RunResult v = run_tunelab(A({"validate", "tpe.json"}), dir.path());
    QCOMPARE(v.exit_code, 0);  // warnings do not fail
    QVERIFY2(v.err.contains(S("warning: space.x: the range 0.001 .. 1 spans 3 decades")), qPrintable(v.err));
    RunResult r = run_tunelab(A({"run", "tpe.json", "--db", "tpe.db", "--quiet"}), dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    RunResult f = run_tunelab(A({"refine", "tpe.db", "--top", "0.3", "--out", "narrow.json"}), dir.path());
    QVERIFY2(f.exit_code == 0, qPrintable(f.err));
    QVERIFY(f.out.contains(S("narrowed to the best 3 trials")));
    QVERIFY(f.out.contains(S("x: 0.001..1 -> ")));
    RunResult again = run_tunelab(A({"validate", "narrow.json"}), dir.path());
    QVERIFY2(again.exit_code == 0, qPrintable(again.err));
    // Bad arguments.
    QCOMPARE(run_tunelab(A({"refine", "tpe.db", "--top", "lots"}), dir.path()).exit_code, 2);
    QCOMPARE(run_tunelab(A({"refine"}), dir.path()).exit_code, 2);
  }

  void twoObjectivesMarkTheParetoFront() {
    QTemporaryDir dir;
    write_file(dir.filePath(S("two.json")), kTwoObjectiveSpec);
    RunResult r = run_tunelab(A({"run", "two.json", "--db", "two.db", "--quiet"}), dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    RunResult s = run_tunelab(A({"show", "two.db", "--json"}), dir.path());
    QCOMPARE(s.exit_code, 0);
    const Json j = Json::parse(s.out.toStdString());
    QCOMPARE(j["trials"].size(), size_t(10));
    // The marks agree with a brute-force front over the last results.
    std::vector<int64_t> expected;
    for (const auto& a : j["trials"]) {
      bool dominated = false;
      for (const auto& b : j["trials"]) {
        const double as = a["last"]["score"], at = a["last"]["time_total_s"];
        const double bs = b["last"]["score"], bt = b["last"]["time_total_s"];
        dominated = dominated || (bs >= as && bt <= at && (bs > as || bt < at));
      }
      QCOMPARE(a["pareto_optimal"].get<bool>(), !dominated);
      if (!dominated) expected.push_back(a["id"].get<int64_t>());
    }
    QVERIFY(!expected.empty());
    QVERIFY(j["pareto_front"] == Json(expected));
    RunResult t = run_tunelab(A({"show", "two.db"}), dir.path());
    QVERIFY(t.out.contains(S("pareto")));
    RunResult e = run_tunelab(A({"export", "two.db", "--format", "csv"}), dir.path());
    QVERIFY(e.out.section(QChar(u'\n'), 0, 0).endsWith(S("pareto_optimal")));
  }
};

QTEST_MAIN(TestSearchCli)
#include "test_search_cli.moc"

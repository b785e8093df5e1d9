// Commands are argv arrays and config values never reach a shell; a trial cannot make the engine keep
// files outside its folder; a study name cannot place the study outside tunelab_results.
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/store/store.h"
#include "e2e/security_support.h"
#include "support/test_util.h"

using namespace tunelab;
namespace fs = std::filesystem;

class TestSecurity final : public QObject {
  Q_OBJECT
 private slots:
  void configNeverReachesAShell_data() {
    QTest::addColumn<bool>("shell");
    QTest::newRow("argv") << false;
    QTest::newRow("shell: true") << true;
  }

  void configNeverReachesAShell() {
    QFETCH(bool, shell);
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    Json values = Json::array();
    for (const char* v : tunelab::test::kInjectionValues) values.push_back(v);
    // The trial echoes what it was given; with a shell, the command line itself is the spec's, fixed.
    const std::string line = "printf '%s\\n' \"$TUNELAB_CONFIG\" >> seen.txt; echo '{\"score\": 1}' >&3";
    const Json trainable = shell ? Json{{"command", line}, {"shell", true}}
                                 : Json{{"command", {"/bin/sh", "-c", line, "$(touch pwned0)"}}};
    const Json spec = {{"name", "inject"},
                       {"objective", {{"metric", "score"}, {"mode", "max"}}},
                       {"space", {{"v", {{"type", "choice"}, {"values", values}}}}},
                       {"search", {{"type", "grid"}}},
                       {"trainable", trainable},
                       {"resources_per_trial", {{"cpu", 0.1}}},
                       {"seed", 1}};
    std::ofstream(root + "/spec.json") << spec.dump(2);
    auto r = tunelab::test::run_tunelab({QStringLiteral("run"), dir.filePath(QStringLiteral("spec.json")),
                                         QStringLiteral("--db"), dir.filePath(QStringLiteral("study.db")),
                                         QStringLiteral("--quiet")},
                                        dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      QVERIFY2(e.path().filename().string().rfind("pwned", 0) != 0, e.path().c_str());
    }
    // Each value arrived intact, as data.
    std::ifstream seen(root + "/seen.txt");
    std::set<std::string> got;
    for (std::string l; std::getline(seen, l);) got.insert(Json::parse(l)["v"].get<std::string>());
    QCOMPARE(got.size(), std::size(tunelab::test::kInjectionValues));
    for (const char* v : tunelab::test::kInjectionValues) QVERIFY2(got.count(v), v);
  }

  void checkpointsStayInTheTrialFolder() {
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    std::ofstream(root + "/escape.sh") << tunelab::test::kEscapingTrial;
    Json spec = tunelab::test::synthetic_spec({{"num_samples", 1}});
    spec["trainable"] = {{"command", {"/bin/sh", root + "/escape.sh"}}};
    std::ofstream(root + "/spec.json") << spec.dump(2);
    const QString db = dir.filePath(QStringLiteral("study.db"));
    auto r = tunelab::test::run_tunelab(
        {QStringLiteral("run"), dir.filePath(QStringLiteral("spec.json")), QStringLiteral("--db"), db, QStringLiteral("--quiet")},
        dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    int refused = 0;
    const auto events = *(*store)->load_events();
    for (const auto& e : events) refused += e.message.find("is not inside the trial's folder") != std::string::npos;
    QCOMPARE(refused, 4);  // ../, an absolute path, a symlink out, the folder itself
    auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(1));
    const fs::path pins = fs::path(trials[0].trial_dir) / ".checkpoints";
    QCOMPARE(trials[0].checkpoint, (pins / "5" / "d").string());
    QVERIFY(fs::exists(pins / "5" / "d" / "file"));
    QVERIFY(!fs::exists(fs::symlink_status(pins / "5" / "d" / "link")));  // a symlink inside is not kept
    for (const auto& e : fs::recursive_directory_iterator(pins)) {
      QVERIFY2(e.path().filename() != "passwd" && e.path().filename() != "study.db", e.path().c_str());
    }
  }

  void studyNameCannotLeaveResultsFolder() {
    auto s = parse_spec(tunelab::test::synthetic_spec({{"name", "../../etc"}}), "/tmp");
    QVERIFY(!s.ok());
    QVERIFY2(s.error_text().find("name: must not contain '/'") != std::string::npos, s.error_text().c_str());
  }
};

QTEST_GUILESS_MAIN(TestSecurity)
#include "test_security.moc"

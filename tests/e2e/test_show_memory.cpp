// `tunelab show --trial N` gives the trial's count of ignored reports. `tunelab show` and `export --results` on a
// study of many results stream them (Store::scan_results, scan_result_records) instead of loading them: show used
// to hold every result in memory (2,000,000 results took 692 MiB), export the results and then its whole text.
// Here a study of 600,000 results is shown and exported by processes whose address space is limited to 160 MiB,
// which the old code exceeded (it ended on std::bad_alloc).
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

#include <sqlite3.h>
#include <sys/resource.h>

#include "support/test_util.h"

using namespace tunelab;

class TestShowMemory final : public QObject {
  Q_OBJECT

 private slots:
  // A trial that went on reporting after it was told to stop: `show --trial N` says how many reports were ignored,
  // in text and JSON, and says nothing of them for a trial that had none.
  void showTrialGivesIgnoredReports() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString spec = dir.filePath(QStringLiteral("spec.json")), db = dir.filePath(QStringLiteral("study.db"));
    Json j = test::synthetic_spec({{"num_samples", 2}, {"max_concurrent", 1}});
    test::write_file(spec, j.dump());
    const auto r = test::run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    sqlite3* conn = nullptr;
    QCOMPARE(sqlite3_open(db.toUtf8().constData(), &conn), SQLITE_OK);
    QCOMPARE(sqlite3_exec(conn, "UPDATE trials SET ignored_reports = 7 WHERE id = 1", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(conn);
    const auto one = test::run_tunelab({QStringLiteral("show"), db, QStringLiteral("--trial"), QStringLiteral("1")});
    QVERIFY2(one.exit_code == 0, qPrintable(one.err));
    QVERIFY2(one.out.contains(QStringLiteral("ignored reports: 7")), qPrintable(one.out));
    const auto zero = test::run_tunelab({QStringLiteral("show"), db, QStringLiteral("--trial"), QStringLiteral("0")});
    QVERIFY2(zero.exit_code == 0, qPrintable(zero.err));
    QVERIFY2(!zero.out.contains(QStringLiteral("ignored")), qPrintable(zero.out));
    const auto js = test::run_tunelab({QStringLiteral("show"), db, QStringLiteral("--trial"), QStringLiteral("1"), QStringLiteral("--json")});
    QVERIFY2(js.exit_code == 0, qPrintable(js.err));
    QCOMPARE(Json::parse(js.out.toStdString())["ignored_reports"].get<int>(), 7);
  }

  // The streamed `export --results`: a metric that would pass for a config value is renamed, with a warning; a
  // damaged row met on the way ends the export with an error naming it, and leaves no file.
  void exportResultsWarnsAndFailsCleanly() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString spec = dir.filePath(QStringLiteral("spec.json")), db = dir.filePath(QStringLiteral("study.db"));
    test::write_file(spec, test::synthetic_spec({{"num_samples", 2}, {"max_concurrent", 1}}).dump());
    const auto r = test::run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    sqlite3* conn = nullptr;
    QCOMPARE(sqlite3_open(db.toUtf8().constData(), &conn), SQLITE_OK);
    const char* sql = "UPDATE results SET metrics = json_set(metrics, '$.config', json('{\"x\": 5}')) WHERE trial_id = 0";
    QCOMPARE(sqlite3_exec(conn, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(conn);
    const auto e = test::run_tunelab({QStringLiteral("export"), db, QStringLiteral("--results")});
    QVERIFY2(e.exit_code == 0, qPrintable(e.err));
    QVERIFY2(e.err.contains(QStringLiteral("tunelab export: warning:")) && e.err.contains(QStringLiteral("metric.config.x")),
             qPrintable(e.err));
    const QString header = e.out.section(QLatin1Char('\n'), 0, 0);
    QVERIFY2(header.contains(QStringLiteral(",config.x,")) && header.contains(QStringLiteral("metric.config.x")), qPrintable(header));

    QCOMPARE(sqlite3_open(db.toUtf8().constData(), &conn), SQLITE_OK);
    QCOMPARE(sqlite3_exec(conn, "UPDATE results SET metrics = '{' WHERE trial_id = 1", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(conn);
    const QString out = dir.filePath(QStringLiteral("results.json"));
    const auto bad = test::run_tunelab({QStringLiteral("export"), db, QStringLiteral("--results"), QStringLiteral("--format"),
                                        QStringLiteral("json"), QStringLiteral("--out"), out});
    QCOMPARE(bad.exit_code, 1);
    QVERIFY2(bad.err.contains(QStringLiteral("results row (trial 1")), qPrintable(bad.err));
    QVERIFY(!QFile::exists(out));
    QVERIFY(!QFile::exists(out + QStringLiteral(".tmp")));
  }

  void showStreamsTheResults() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString spec = dir.filePath(QStringLiteral("spec.json")), db = dir.filePath(QStringLiteral("study.db"));
    Json j = test::synthetic_spec({{"num_samples", 60}, {"max_concurrent", 8}});
    j["space"]["iterations"] = 1;
    test::write_file(spec, j.dump());
    const auto r = test::run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));

    // 10,000 results per trial, written directly; trial 17 holds the best score.
    constexpr int kPerTrial = 10000;
    sqlite3* conn = nullptr;
    QCOMPARE(sqlite3_open(db.toUtf8().constData(), &conn), SQLITE_OK);
    QCOMPARE(sqlite3_exec(conn, "BEGIN; DELETE FROM results;", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    QCOMPARE(sqlite3_prepare_v2(conn, "INSERT INTO results(trial_id, iteration, time_total_s, ts, metrics, attempt) "
                                      "VALUES(?, ?, ?, ?, ?, 1)", -1, &st, nullptr), SQLITE_OK);
    for (int t = 0; t < 60; ++t) {
      for (int i = 1; i <= kPerTrial; ++i) {
        const double score = (t == 17 && i == 5000) ? 2.0 : 0.5 + 0.4 * ((t * 7919 + i * 104729) % 1000) / 1000.0;
        const std::string m = "{\"score\":" + std::to_string(score) + ",\"loss\":" + std::to_string(1 - score) +
                              ",\"extra\":\"a value that makes the row a bit longer\",\"training_iteration\":" +
                              std::to_string(i) + ",\"time_total_s\":" + std::to_string(0.01 * i) + "}";
        sqlite3_bind_int(st, 1, t);
        sqlite3_bind_int(st, 2, i);
        sqlite3_bind_double(st, 3, 0.01 * i);
        sqlite3_bind_double(st, 4, 1000.0 + i);
        sqlite3_bind_text(st, 5, m.c_str(), static_cast<int>(m.size()), SQLITE_TRANSIENT);
        QCOMPARE(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
      }
    }
    sqlite3_finalize(st);
    QCOMPARE(sqlite3_exec(conn, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(conn);

    QProcess p;
    p.setChildProcessModifier([] {
      const rlimit lim{160u << 20, 160u << 20};
      ::setrlimit(RLIMIT_AS, &lim);
    });
    p.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("show"), db, QStringLiteral("--json")});
    QVERIFY(p.waitForFinished(300000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(err.left(2000)));
    const Json out = Json::parse(p.readAllStandardOutput().toStdString());
    QCOMPARE(out["best_trial"].get<int>(), 17);
    QCOMPARE(out["trials"].size(), size_t(60));
    for (const auto& t : out["trials"]) {
      QCOMPARE(t["iterations"].get<int>(), kPerTrial);
      QCOMPARE(t["last"]["training_iteration"].get<int>(), kPerTrial);
    }
    QCOMPARE(out["trials"][17]["best"]["training_iteration"].get<int>(), 5000);

    // `export --results` streams them too (it held every result, then the whole text): CSV and JSON, a row each.
    for (const char* format : {"csv", "json"}) {
      const QString file = dir.filePath(QStringLiteral("results.") + QLatin1String(format));
      QProcess e;
      e.setChildProcessModifier([] {
        const rlimit lim{160u << 20, 160u << 20};
        ::setrlimit(RLIMIT_AS, &lim);
      });
      e.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("export"), db, QStringLiteral("--results"), QStringLiteral("--format"),
                                            QLatin1String(format), QStringLiteral("--out"), file});
      QVERIFY(e.waitForFinished(300000));
      const QString eerr = QString::fromUtf8(e.readAllStandardError());
      QVERIFY2(e.exitStatus() == QProcess::NormalExit && e.exitCode() == 0, qPrintable(eerr.left(2000)));
      QVERIFY2(eerr.contains(QStringLiteral("Wrote 600000 rows")), qPrintable(eerr));
      std::ifstream in(file.toStdString());
      std::string line, first, last_row;
      size_t lines = 0, objects = 0;
      while (std::getline(in, line)) {
        if (lines++ == 0) first = line;
        if (line == "  {") ++objects;
        if (line.rfind("60,", 0) == 0 || line.rfind("59,", 0) == 0) last_row = line;
      }
      if (std::string(format) == "csv") {
        QCOMPARE(lines, size_t(600001));
        QVERIFY2(first.rfind("trial_id,iteration,time_total_s,ts,config.", 0) == 0, first.c_str());
        QVERIFY2(last_row.rfind("59,10000,", 0) == 0, last_row.c_str());
      } else {
        QCOMPARE(objects, size_t(600000));
        QCOMPARE(first, std::string("["));
      }
    }
  }
};

QTEST_GUILESS_MAIN(TestShowMemory)
#include "test_show_memory.moc"

// The SQLite store: round trip of every record, batched writes, read-only readers, bad files, results per
// attempt and the migration that brought them.
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <fstream>

#include "core/store/store.h"

using namespace tunelab;

namespace {

// A store holding a study called `name`, created at `path`.
std::unique_ptr<Store> new_study(const std::string& path, const std::string& name) {
  auto store = Store::open(path, Store::Mode::Create);
  if (!store) qFatal("%s", store.error_text().c_str());
  StudyRecord s;
  s.name = name;
  s.spec = Json::object();
  if (!(*store)->create_study(s).ok()) qFatal("create_study failed");
  return std::move(*store);
}

}  // namespace

class TestStore final : public QObject {
  Q_OBJECT
 private slots:
  void roundTrip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("a/b/study.db")).toStdString();
    {
      auto store = Store::open(path, Store::Mode::Create);
      QVERIFY2(store.ok(), store.error_text().c_str());
      StudyRecord s;
      s.name = "demo";
      s.spec = Json{{"name", "demo"}, {"num_samples", 2}};
      s.base_dir = "/base";
      s.trials_dir = "/trials";
      s.created_at = 100;
      QVERIFY((*store)->create_study(s).ok());
      TrialRecord t;
      t.id = 0;
      t.config = Json{{"lr", 0.1}};
      t.status = TrialStatus::Error;
      t.attempts = 2;
      t.failures = 2;
      t.error = "exited with status 3";
      t.started_at = 101;
      t.checkpoint = "/trials/00000/checkpoint.bin";
      t.checkpoint_iteration = 4;
      t.executor_job = "4242";
      (*store)->put_trial(t);
      t.status = TrialStatus::Completed;  // a later write replaces the row
      (*store)->put_trial(t);
      for (int i = 1; i <= 5; ++i) (*store)->append_result({0, i, i * 0.5, 200.0 + i, Json{{"acc", i / 10.0}}});
      (*store)->append_result({0, 3, 9.9, 300, Json{{"acc", 0.99}}});  // same iteration again: ignored
      (*store)->add_event({0, 150, "retried", "trial 0 retried", Json{{"exit_code", 3}}});
      (*store)->add_decision({0, 160, "scheduler", "stop", "below median", Json{{"median", 0.4}}});
      (*store)->set_study_status("completed", 12.5);
      QVERIFY((*store)->flush().ok());
    }
    auto store = Store::open(path, Store::Mode::ReadOnly);
    QVERIFY2(store.ok(), store.error_text().c_str());
    auto s = (*store)->load_study();
    QVERIFY(s.ok());
    QCOMPARE(s->name, std::string("demo"));
    QCOMPARE(s->status, std::string("completed"));
    QCOMPARE(s->elapsed_s, 12.5);
    QVERIFY(s->spec["num_samples"] == 2);
    auto trials = (*store)->load_trials();
    QCOMPARE(trials->size(), size_t(1));
    const TrialRecord& t = (*trials)[0];
    QCOMPARE(t.status, TrialStatus::Completed);
    QCOMPARE(t.attempts, int64_t(2));
    QCOMPARE(t.error, std::string("exited with status 3"));
    QCOMPARE(*t.started_at, 101.0);
    QVERIFY(!t.ended_at);
    QCOMPARE(t.checkpoint_iteration, int64_t(4));
    QCOMPARE(t.executor_job, std::string("4242"));
    auto results = (*store)->load_results(0);
    QCOMPARE(results->size(), size_t(5));
    QCOMPARE((*results)[2].metrics["acc"].get<double>(), 0.3);  // the first write of iteration 3 stays
    QCOMPARE((*store)->load_events()->at(0).details["exit_code"].get<int>(), 3);
    QCOMPARE((*store)->load_decisions()->at(0).reason, std::string("below median"));
    QVERIFY((*store)->check_integrity().ok());
  }

  void writesAreBatched() {
    // Queuing takes microseconds and a commit milliseconds, so 2,000 queued results cannot each get
    // a transaction of their own, however the writer thread is scheduled.
    QTemporaryDir dir;
    auto store = new_study(dir.filePath(QStringLiteral("b.db")).toStdString(), "batched");
    TrialRecord t;
    t.id = 0;
    t.config = Json::object();
    store->put_trial(t);
    for (int i = 1; i <= 2000; ++i) store->append_result({0, i, i * 0.5, 200.0 + i, Json{{"acc", 0.5}}});
    QVERIFY(store->flush().ok());
    QCOMPARE(store->committed_writes(), int64_t(2002));  // the study row, the trial, 2,000 results
    QVERIFY2(store->transactions() < 1000, qPrintable(QString::number(store->transactions())));
  }

  void createRefusesAnExistingStudy() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    new_study(path, "x");
    auto again = Store::open(path, Store::Mode::Create);
    QVERIFY(!again.ok());
    QVERIFY2(again.error_text().find("tunelab resume") != std::string::npos, again.error_text().c_str());
  }

  void oneWriterPerStudy() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("one.db")).toStdString();
    auto first = new_study(path, "one");
    auto second = Store::open(path, Store::Mode::Open);
    QVERIFY(!second.ok());
    QVERIFY2(second.error_text().find("in use by another tunelab process") != std::string::npos,
             second.error_text().c_str());
    QVERIFY(Store::open(path, Store::Mode::ReadOnly).ok());  // readers are always welcome
    first.reset();
    QVERIFY(Store::open(path, Store::Mode::Open).ok());      // free again once the first one closed
  }

  void rejectsForeignAndMissingFiles() {
    QTemporaryDir dir;
    QVERIFY(!Store::open(dir.filePath(QStringLiteral("missing.db")).toStdString(), Store::Mode::Open).ok());
    const std::string junk = dir.filePath(QStringLiteral("junk.db")).toStdString();
    std::ofstream(junk) << "this is not a database, just text that is long enough to look like a header......";
    auto r = Store::open(junk, Store::Mode::Open);
    QVERIFY(!r.ok());
    auto ro = Store::open(junk, Store::Mode::ReadOnly);
    QVERIFY(!ro.ok());
  }

  // A table dropped under an open store: the writer's statement fails to prepare, and that is a write error
  // naming the statement and the table, never a crash; reading it fails the same way.
  void statementThatFailsToPrepareIsAnError() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("dropped.db")).toStdString();
    auto store = new_study(path, "dropped");
    {
      sqlite3* db = nullptr;
      QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
      QCOMPARE(sqlite3_exec(db, "DROP TABLE events", nullptr, nullptr, nullptr), SQLITE_OK);
      sqlite3_close(db);
    }
    // A write that sees the new schema first, so the event's statement is prepared against it.
    store->set_study_status("running", 1.0);
    QVERIFY(store->flush().ok());
    store->add_event({std::nullopt, 1.0, "note", "hello", nullptr});
    const auto flushed = store->flush();
    QVERIFY(!flushed.ok());
    const std::string err = flushed.error_text();
    QVERIFY2(err.find("INSERT INTO events") != std::string::npos && err.find("no such table: events") != std::string::npos,
             err.c_str());
    QVERIFY(store->write_failed());
    const auto events = store->load_events();
    QVERIFY(!events.ok());
    QVERIFY2(events.error_text().find("no such table: events") != std::string::npos, events.error_text().c_str());
  }

  // Opening for writing checks the tables before changing anything.
  void damagedStudyIsRefusedAtOpen() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("damaged.db")).toStdString();
    new_study(path, "damaged");
    {
      sqlite3* db = nullptr;
      QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
      QCOMPARE(sqlite3_exec(db, "DROP TABLE decisions", nullptr, nullptr, nullptr), SQLITE_OK);
      sqlite3_close(db);
    }
    for (auto mode : {Store::Mode::Open, Store::Mode::ReadOnly}) {
      auto r = Store::open(path, mode);
      QVERIFY(!r.ok());
      QVERIFY2(r.error_text().find("lacks table `decisions`") != std::string::npos, r.error_text().c_str());
    }
  }

  void readerSeesCommittedWritesWhileWriterIsOpen() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("live.db")).toStdString();
    auto writer = new_study(path, "live");
    for (int i = 1; i <= 100; ++i) writer->append_result({1, i, 0, 0, Json{{"v", i}}});
    QVERIFY(writer->flush().ok());
    auto reader = Store::open(path, Store::Mode::ReadOnly);
    QVERIFY2(reader.ok(), reader.error_text().c_str());
    QCOMPARE((*reader)->load_results()->size(), size_t(100));
    writer->append_result({1, 101, 0, 0, Json{{"v", 101}}});
    QVERIFY(writer->flush().ok());
    QCOMPARE((*reader)->load_results()->size(), size_t(101));
  }

  void resultsArePerAttempt() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("attempts.db")).toStdString();
    auto store = new_study(path, "attempts");
    auto result = [](int64_t iteration, int64_t attempt) {
      return ResultRecord{0, iteration, 1.0 * iteration, 100.0 * attempt + iteration,
                          Json{{"acc", attempt + iteration / 10.0}}, attempt};
    };
    for (int i = 1; i <= 5; ++i) store->append_result(result(i, 1));
    // Attempt 2 restarts from a checkpoint at iteration 2 and reports 3 and 4.
    store->supersede_results(0, 2, 500);
    for (int i = 3; i <= 4; ++i) store->append_result(result(i, 2));
    QVERIFY(store->flush().ok());
    auto curve = *store->load_results(0);
    QCOMPARE(curve.size(), size_t(4));
    const std::vector<int64_t> attempts = {1, 1, 2, 2};
    for (size_t i = 0; i < curve.size(); ++i) {
      QCOMPARE(curve[i].iteration, int64_t(i + 1));
      QCOMPARE(curve[i].attempt, attempts[i]);
      QVERIFY(!curve[i].superseded);
      QCOMPARE(curve[i].metrics["acc"].get<double>(), attempts[i] + (i + 1) / 10.0);
    }
    QCOMPARE(store->load_results_in_order()->size(), size_t(4));
    // Attempt 1's iterations 3 to 5 are history, nothing is lost.
    auto all = *store->load_results_with_history();
    QCOMPARE(all.size(), size_t(7));
    std::vector<std::pair<int64_t, int64_t>> history;
    for (const auto& r : all) {
      if (r.superseded) history.push_back({r.attempt, r.iteration});
    }
    const std::vector<std::pair<int64_t, int64_t>> expected = {{1, 3}, {1, 4}, {1, 5}};
    QVERIFY(history == expected);
    QCOMPARE(all[2].metrics["acc"].get<double>(), 1.3);  // the abandoned values themselves

    // Attempt 3 reports iteration 4 without a supersede first: attempt 2's row becomes history rather
    // than being kept or overwritten; a repeat from attempt 3 itself is ignored.
    store->append_result(result(4, 3));
    store->append_result(ResultRecord{0, 4, 9, 9, Json{{"acc", 9.0}}, 3});
    QVERIFY(store->flush().ok());
    curve = *store->load_results(0);
    QCOMPARE(curve.size(), size_t(4));
    QCOMPARE(curve[3].attempt, int64_t(3));
    QCOMPARE(curve[3].metrics["acc"].get<double>(), 3.4);
    QCOMPARE(store->load_results_with_history()->size(), size_t(8));
    QVERIFY(store->check_integrity().ok());
  }

  void schemaFourDatabaseIsMigrated() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("old.db")).toStdString();
    {
      auto store = new_study(path, "old");
      store->append_result({0, 1, 1, 1, Json{{"acc", 0.1}}});
      store->append_result({0, 2, 2, 2, Json{{"acc", 0.2}}});
      QVERIFY(store->flush().ok());
    }
    {
      // Back to what schema 4 stored: no attempts, no history.
      sqlite3* db = nullptr;
      QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
      QCOMPARE(sqlite3_exec(db,
                            "DROP TABLE results_history; ALTER TABLE results DROP COLUMN attempt; "
                            "DROP TABLE commands; DROP TABLE trial_attrs; ALTER TABLE trials DROP COLUMN "
                            "ignored_reports; ALTER TABLE study DROP COLUMN origin; PRAGMA user_version = 4;",
                            nullptr, nullptr, nullptr),
               SQLITE_OK);
      sqlite3_close(db);
    }
    {
      // A reader of this build reads the old file as it is.
      auto ro = Store::open(path, Store::Mode::ReadOnly);
      QVERIFY2(ro.ok(), ro.error_text().c_str());
      QCOMPARE((*ro)->load_results()->size(), size_t(2));
      QCOMPARE((*ro)->load_results_with_history()->size(), size_t(2));
      QCOMPARE((*ro)->load_results()->at(0).attempt, int64_t(0));
    }
    auto store = Store::open(path, Store::Mode::Open);
    QVERIFY2(store.ok(), store.error_text().c_str());
    auto results = *(*store)->load_results();
    QCOMPARE(results.size(), size_t(2));
    QCOMPARE(results[1].attempt, int64_t(0));  // stored before attempts were recorded
    // A new attempt supersedes them like any other.
    (*store)->supersede_results(0, 1, 10);
    (*store)->append_result(ResultRecord{0, 2, 3, 3, Json{{"acc", 0.25}}, 2});
    QVERIFY((*store)->flush().ok());
    results = *(*store)->load_results();
    QCOMPARE(results.size(), size_t(2));
    QCOMPARE(results[1].attempt, int64_t(2));
    auto all = *(*store)->load_results_with_history();
    QCOMPARE(all.size(), size_t(3));
    QVERIFY(all[1].superseded && all[1].attempt == 0 && all[1].iteration == 2);
    QVERIFY((*store)->check_integrity().ok());
  }
};

QTEST_APPLESS_MAIN(TestStore)
#include "test_store.moc"

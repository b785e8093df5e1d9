// StudyTail reads what a study gained since its last poll: new results, events and decisions, new trials and
// trials whose row changed. Its cost (rows read) follows what is new, not what is stored; a poll when nothing
// was committed reads nothing; a restarted trial's curve is cut back, also when new rows reuse the row ids
// of the results it lost.
#include <QTemporaryDir>
#include <QTest>

#include <map>

#include "core/store/store.h"
#include "core/store/study_tail.h"

using namespace tunelab;

namespace {

ResultRecord result(int64_t trial, int64_t iteration, int64_t attempt = 1) {
  return {trial, iteration, 0.1 * static_cast<double>(iteration), 1000.0 + static_cast<double>(iteration),
          Json{{"acc", 0.01 * static_cast<double>(iteration)}, {"training_iteration", iteration}}, attempt};
}

TrialRecord trial(int64_t id, TrialStatus status) {
  TrialRecord t;
  t.id = id;
  t.status = status;
  t.config = Json{{"x", static_cast<double>(id)}};
  t.attempts = 1;
  return t;
}

// A study of `trials` trials with `points` results each; the last `running` of them still running.
std::unique_ptr<Store> make_study(const std::string& path, int trials, int points, int running) {
  auto store = Store::open(path, Store::Mode::Create);
  if (!store) qFatal("%s", store.error_text().c_str());
  StudyRecord s;
  s.name = "tail";
  s.spec = Json::object();
  if (!(*store)->create_study(s).ok()) qFatal("create_study failed");
  for (int id = 0; id < trials; ++id) {
    (*store)->put_trial(trial(id, id >= trials - running ? TrialStatus::Running : TrialStatus::Completed));
    for (int i = 1; i <= points; ++i) (*store)->append_result(result(id, i));
    (*store)->add_event({id, 1000.0 + id, "created", "trial " + std::to_string(id) + " created", nullptr});
  }
  (*store)->add_decision({0, 1500, "scheduler", "stop", "below the median", nullptr});
  if (!(*store)->flush().ok()) qFatal("flush failed");
  return std::move(*store);
}

}  // namespace

class TestStudyTail final : public QObject {
  Q_OBJECT
 private slots:
  void firstPollReadsTheStudyThenOnlyWhatIsNew() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    auto writer = make_study(path, 400, 50, 3);
    auto tail = StudyTail::open(path);
    QVERIFY2(tail.ok(), tail.error_text().c_str());
    auto first = (*tail)->poll();
    QVERIFY2(first.ok(), first.error_text().c_str());
    QVERIFY(first->changed);
    QCOMPARE(first->trials.size(), size_t(400));
    QCOMPARE(first->results.size(), size_t(400 * 50));
    QCOMPARE(first->events.size(), size_t(400));
    QCOMPARE(first->decisions.size(), size_t(1));
    QCOMPARE(first->status, std::string("running"));
    QVERIFY((*tail)->rows_read() >= 400 * 51);

    // Seven results, an event and a decision: exactly those come back, for a handful of rows read.
    for (int i = 51; i <= 57; ++i) writer->append_result(result(399, i));
    writer->add_event({399, 2000, "bad_report", "trial 399 sent a bad report", nullptr});
    writer->add_decision({398, 2001, "scheduler", "pause", "waits for its rung", nullptr});
    QVERIFY(writer->flush().ok());
    const int64_t before = (*tail)->rows_read();
    auto next = (*tail)->poll();
    QVERIFY(next.ok());
    QVERIFY(next->changed);
    QCOMPARE(next->results.size(), size_t(7));
    QCOMPARE(next->results.front().iteration, int64_t(51));
    QCOMPARE(next->results.back().iteration, int64_t(57));
    QCOMPARE(next->results.back().trial_id, int64_t(399));
    QCOMPARE(next->events.size(), size_t(1));
    QCOMPARE(next->events[0].kind, std::string("bad_report"));
    QCOMPARE(next->decisions.size(), size_t(1));
    QCOMPARE(next->decisions[0].action, std::string("pause"));
    QVERIFY(next->trials.empty());  // the running trials' rows did not change
    // 7 + 1 + 1 new rows, the study row and the markers of the 3 open trials: nothing of the 20,000 stored.
    const int64_t cost = (*tail)->rows_read() - before;
    QVERIFY2(cost <= 7 + 1 + 1 + 1 + 3, qPrintable(QString::number(cost)));
  }

  void nothingCommittedMeansNothingRead() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    auto writer = make_study(path, 50, 20, 2);
    auto tail = StudyTail::open(path);
    QVERIFY(tail.ok());
    QVERIFY((*tail)->poll().ok());
    const int64_t read = (*tail)->rows_read();
    for (int i = 0; i < 5; ++i) {
      auto p = (*tail)->poll();
      QVERIFY(p.ok());
      QVERIFY(!p->changed);
      QVERIFY(p->results.empty() && p->trials.empty() && p->events.empty());
    }
    QCOMPARE((*tail)->rows_read(), read);
  }

  void changedTrialsAndNewTrialsOnly() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    auto writer = make_study(path, 300, 5, 2);
    auto tail = StudyTail::open(path);
    QVERIFY(tail.ok());
    QVERIFY((*tail)->poll().ok());
    TrialRecord done = trial(299, TrialStatus::Completed);
    done.ended_at = 3000;
    writer->put_trial(done);
    writer->put_trial(trial(300, TrialStatus::Running));  // a new one
    QVERIFY(writer->flush().ok());
    const int64_t before = (*tail)->rows_read();
    auto p = (*tail)->poll();
    QVERIFY(p.ok());
    QCOMPARE(p->trials.size(), size_t(2));
    QCOMPARE(p->trials[0].id, int64_t(299));
    QCOMPARE(p->trials[0].status, TrialStatus::Completed);
    QCOMPARE(p->trials[1].id, int64_t(300));
    QVERIFY((*tail)->rows_read() - before <= 8);
    // A finished trial is no longer looked at: the next change of another trial reads only that one.
    writer->put_trial(trial(298, TrialStatus::Paused));
    QVERIFY(writer->flush().ok());
    p = (*tail)->poll();
    QVERIFY(p.ok());
    QCOMPARE(p->trials.size(), size_t(1));
    QCOMPARE(p->trials[0].status, TrialStatus::Paused);
  }

  void restartCutsTheCurveAndFindsReusedRowIds() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    auto writer = make_study(path, 2, 3, 2);
    for (int i = 4; i <= 6; ++i) writer->append_result(result(1, i));  // trial 1's rows have the top ids
    QVERIFY(writer->flush().ok());
    auto tail = StudyTail::open(path);
    QVERIFY(tail.ok());
    auto first = (*tail)->poll();
    QVERIFY(first.ok());
    QCOMPARE(first->results.size(), size_t(9));
    // Trial 1 restarts from iteration 2: its rows 3..6 go to the history and their ids are free again; the
    // next rows (trial 0's, then trial 1's new attempt) take them.
    writer->supersede_results(1, 2, 3000);
    writer->append_result(result(0, 4));
    writer->append_result(result(1, 3, 2));
    QVERIFY(writer->flush().ok());
    auto p = (*tail)->poll();
    QVERIFY2(p.ok(), p.error_text().c_str());
    QCOMPARE(p->rewound.size(), size_t(1));
    QCOMPARE(p->rewound[0], (std::pair<int64_t, int64_t>(1, 2)));
    QCOMPARE(p->results.size(), size_t(2));
    QCOMPARE(p->results[0].trial_id, int64_t(0));
    QCOMPARE(p->results[0].iteration, int64_t(4));
    QCOMPARE(p->results[1].trial_id, int64_t(1));
    QCOMPARE(p->results[1].iteration, int64_t(3));
    QCOMPARE(p->results[1].attempt, int64_t(2));
    // And nothing twice.
    writer->append_result(result(1, 4, 2));
    QVERIFY(writer->flush().ok());
    p = (*tail)->poll();
    QVERIFY(p.ok());
    QVERIFY(p->rewound.empty());
    QCOMPARE(p->results.size(), size_t(1));
    QCOMPARE(p->results[0].iteration, int64_t(4));
  }

  void bigBacklogComesInBatches() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    auto writer = make_study(path, 10, 100, 1);
    auto tail = StudyTail::open(path);
    QVERIFY(tail.ok());
    size_t total = 0;
    int polls = 0;
    for (;;) {
      auto p = (*tail)->poll(300);
      QVERIFY(p.ok());
      QVERIFY(p->results.size() <= 300);
      total += p->results.size();
      ++polls;
      if (!p->more) break;
    }
    QCOMPARE(total, size_t(1000));
    QCOMPARE(polls, 4);
    QVERIFY(!(*tail)->poll()->changed);
  }

  void columnsCarryTheNumbersOfEachResult() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    auto writer = make_study(path, 2, 0, 2);
    writer->append_result({0, 1, 0.5, 1001, Json{{"acc", 0.25}, {"training_iteration", 1}, {"tag", "a,b}"},
                                                 {"nested", {{"x", 1}}}, {"loss", -1.5e-3}}, 1});
    // An escaped name: read through the JSON parser instead, with the same outcome.
    writer->append_result({1, 1, 0.7, 1002, Json{{"a\"b", 2.0}, {"acc", 0.5}, {"training_iteration", 1}}, 1});
    writer->append_result({1, 2, 0.9, 1003, Json::object(), 1});
    QVERIFY(writer->flush().ok());
    auto tail = StudyTail::open(path);
    QVERIFY(tail.ok());
    (*tail)->set_columns(true);
    auto p = (*tail)->poll();
    QVERIFY(p.ok());
    QVERIFY(p->results.empty());
    const ResultBlock& b = p->block;
    QCOMPARE(b.rows.size(), size_t(3));
    auto values = [&](size_t row) {
      std::map<std::string, double> out;
      for (uint32_t k = b.rows[row].first; k < b.rows[row].first + b.rows[row].count; ++k) {
        out[b.names.at(b.values[k].first)] = b.values[k].second;
      }
      return out;
    };
    QCOMPARE(values(0), (std::map<std::string, double>{{"acc", 0.25}, {"loss", -1.5e-3}}));
    QCOMPARE(values(1), (std::map<std::string, double>{{"a\"b", 2.0}, {"acc", 0.5}}));
    QVERIFY(values(2).empty());
    QCOMPARE(b.rows[0].trial_id, int64_t(0));
    QCOMPARE(b.rows[1].time_total_s, 0.7);
    QCOMPARE(b.rows[2].iteration, int64_t(2));
  }

  void refusesWhatIsNotAStudy() {
    QTemporaryDir dir;
    QVERIFY(!StudyTail::open(dir.filePath(QStringLiteral("none.db")).toStdString()).ok());
    QVERIFY(!StudyTail::open(dir.path().toStdString()).ok());
  }
};

QTEST_APPLESS_MAIN(TestStudyTail)
#include "test_study_tail.moc"

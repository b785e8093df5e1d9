// The control channel (core/control/channel.h) against an engine running in this process: commands are
// checked before anything is written (not a study, read-only, unknown or ended trial, a config outside the
// space, no engine), written commands are applied in order with their outcome recorded, refusals carry their
// reason, and commands left pending from before an engine started are refused as stale.
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "core/control/channel.h"
#include "core/run/controller.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
using control::Channel;
using control::CommandKind;
using control::CommandRequest;

namespace {

Json slow_spec(int samples = 3) {
  return test::synthetic_spec({{"num_samples", samples},
                               {"max_concurrent", 2},
                               {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}},
                                          {"iterations", 400},
                                          {"sleep_s", 0.05}}}});
}

// A study run by a Controller on its own thread (the engine), until stop().
struct Engine {
  std::unique_ptr<Controller> c;
  std::thread thread;
  std::atomic<bool> interrupt{false};
  std::string status;

  Engine(const Json& spec, const std::string& db, const std::string& dir) {
    ControllerOptions o;
    o.self_exe = TUNELAB_BIN;
    o.kill_grace = 2000ms;
    o.interrupt = &interrupt;
    auto created = Controller::create(test::must_parse(spec, dir), db, std::move(o));
    if (!created) qFatal("create: %s", created.error_text().c_str());
    c = std::move(*created);
    thread = std::thread([this] {
      auto s = c->run();
      status = s ? *s : s.error_text();
    });
  }
  void stop() {
    if (!thread.joinable()) return;
    interrupt = true;
    c->wake();
    thread.join();
  }
  ~Engine() { stop(); }
};

int64_t count_commands(const std::string& db) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM commands", -1, &st, nullptr);
  const int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

bool wait_until(const std::function<bool()>& f, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!f()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::string trial_status(const Store& store, int64_t id) {
  auto trials = store.load_trials();
  if (!trials) return "?";
  for (const auto& t : *trials) {
    if (t.id == id) return to_string(t.status);
  }
  return "none";
}

}  // namespace

class TestChannel final : public QObject {
  Q_OBJECT
 private slots:
  void notAStudyIsRefused() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notes.txt"));
    test::write_file(path, "not a database at all, just some text that is long enough\n");
    auto ch = Channel::open(path.toStdString());
    QVERIFY(!ch.ok());
    QVERIFY2(ch.error_text().find("not") != std::string::npos, ch.error_text().c_str());
    auto missing = Channel::open(dir.filePath(QStringLiteral("missing.db")).toStdString());
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error_text().find("no such study database") != std::string::npos, missing.error_text().c_str());
  }

  void checksComeFirstAndWriteNothing() {
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("study.db")).toStdString();
    Engine e(slow_spec(), db, dir.path().toStdString());
    auto ch = Channel::open(db);
    QVERIFY2(ch.ok(), ch.error_text().c_str());
    QVERIFY((*ch)->writable());
    QVERIFY((*ch)->engine_running());
    QVERIFY(wait_until([&] { return trial_status(e.c->store(), 0) == "running"; }, 20s));

    auto unknown = (*ch)->submit({CommandKind::StopTrial, 42, 0, nullptr, {}});
    QVERIFY(!unknown.ok());
    QVERIFY2(unknown.error_text().find("trial 42: no such trial") != std::string::npos, unknown.error_text().c_str());
    auto bad = (*ch)->submit({CommandKind::AddTrial, std::nullopt, 0, Json{{"x", 5.0}, {"iterations", 400}, {"sleep_s", 0.05}}, {}});
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error_text().find("config.x") != std::string::npos, bad.error_text().c_str());
    auto bad_key = (*ch)->submit({CommandKind::CloneTrial, 0, 0, Json{{"y", 1}}, {}});
    QVERIFY(!bad_key.ok());
    QVERIFY2(bad_key.error_text().find("config.y") != std::string::npos, bad_key.error_text().c_str());
    auto not_paused = (*ch)->submit({CommandKind::ResumeTrial, 0, 0, nullptr, {}});
    QVERIFY(!not_paused.ok());
    QVERIFY2(not_paused.error_text().find("is not paused") != std::string::npos, not_paused.error_text().c_str());
    QCOMPARE(count_commands(db), int64_t(0));  // nothing was written
  }

  void twoCommandsAtOnceAreAppliedInOrder() {
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("study.db")).toStdString();
    Engine e(slow_spec(), db, dir.path().toStdString());
    auto ch = Channel::open(db);
    QVERIFY2(ch.ok(), ch.error_text().c_str());
    QVERIFY(wait_until([&] { return trial_status(e.c->store(), 1) == "running"; }, 20s));
    // Written back to back, before the engine looks: the pause comes first, so the resume finds it paused.
    auto a = (*ch)->submit({CommandKind::PauseTrial, 0, 0, nullptr, {}});
    QVERIFY2(a.ok(), a.error_text().c_str());
    auto b = (*ch)->submit({CommandKind::StopTrial, 1, 0, nullptr, {}});
    QVERIFY2(b.ok(), b.error_text().c_str());
    auto ra = (*ch)->wait(*a, 10s);
    auto rb = (*ch)->wait(*b, 10s);
    QVERIFY(ra.ok() && rb.ok());
    QCOMPARE(QString::fromStdString(ra->state), QStringLiteral("applied"));
    QCOMPARE(QString::fromStdString(ra->outcome), QStringLiteral("trial 0 paused"));
    QCOMPARE(QString::fromStdString(rb->state), QStringLiteral("applied"));
    QCOMPARE(QString::fromStdString(rb->outcome), QStringLiteral("trial 1 stopped"));
    QVERIFY(*ra->done_ts <= *rb->done_ts);
    QVERIFY(wait_until([&] { return trial_status(e.c->store(), 1) == "stopped"; }, 10s));
    QVERIFY(wait_until([&] { return trial_status(e.c->store(), 0) == "paused"; }, 10s));
    // The decisions carry the source "user".
    auto decisions = *e.c->store().load_decisions();
    int by_user = 0;
    for (const auto& d : decisions) by_user += d.source == "user" && (d.trial_id == 0 || d.trial_id == 1);
    QCOMPARE(by_user, 2);

    // The engine refuses what no longer applies, with the reason; a clone adds a trial with the edits.
    auto again = (*ch)->submit({CommandKind::PauseStudy, std::nullopt, 0, nullptr, {}});
    auto twice = (*ch)->submit({CommandKind::PauseStudy, std::nullopt, 0, nullptr, {}});
    auto r1 = (*ch)->wait(*again, 10s), r2 = (*ch)->wait(*twice, 10s);
    QCOMPARE(QString::fromStdString(r1->state), QStringLiteral("applied"));
    QCOMPARE(QString::fromStdString(r2->state), QStringLiteral("refused"));
    QCOMPARE(QString::fromStdString(r2->outcome), QStringLiteral("the study is already paused"));
    auto clone = (*ch)->submit({CommandKind::CloneTrial, 0, 0, Json{{"x", 0.25}}, {}});
    QVERIFY2(clone.ok(), clone.error_text().c_str());
    auto rc = (*ch)->wait(*clone, 10s);
    QCOMPARE(QString::fromStdString(rc->state), QStringLiteral("applied"));
    QCOMPARE(QString::fromStdString(rc->outcome), QStringLiteral("trial 3 added (a clone of trial 0)"));
    auto trials = *e.c->store().load_trials();
    QCOMPARE(trials.size(), size_t(4));
    QCOMPARE(trials[3].config["x"].get<double>(), 0.25);
    QCOMPARE(trials[3].parent_id, std::optional<int64_t>(0));
  }

  void noEngineRefusesAndStaleCommandsAreRefused() {
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("study.db")).toStdString();
    {
      Engine e(slow_spec(1), db, dir.path().toStdString());
      QVERIFY(wait_until([&] { return trial_status(e.c->store(), 0) == "running"; }, 20s));
    }  // interrupted: resumable
    QVERIFY(!control::engine_running(db));
    auto ch = Channel::open(db);
    QVERIFY2(ch.ok(), ch.error_text().c_str());
    auto sent = (*ch)->submit({CommandKind::StopStudy, std::nullopt, 0, nullptr, {}});
    QVERIFY(!sent.ok());
    QVERIFY2(sent.error_text().find("no engine is running this study") != std::string::npos, sent.error_text().c_str());
    QVERIFY2(sent.error_text().find("tunelab resume") != std::string::npos, sent.error_text().c_str());
    QCOMPARE(count_commands(db), int64_t(0));

    // A command that got in while no engine ran (written by hand here) is refused when an engine starts.
    sqlite3* h = nullptr;
    QCOMPARE(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    QCOMPARE(sqlite3_exec(h, "INSERT INTO commands(ts, kind, state) VALUES (0, 'stop_study', 'pending')", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
    ControllerOptions o;
    o.self_exe = TUNELAB_BIN;
    std::atomic<bool> interrupt{false};
    o.interrupt = &interrupt;
    auto resumed = Controller::resume(db, std::move(o));
    QVERIFY2(resumed.ok(), resumed.error_text().c_str());
    std::thread t([&] { (void)(*resumed)->run(); });
    QVERIFY(wait_until([&] {
      auto row = (*ch)->get(1);
      return row.ok() && !row->pending();
    }, 10s));
    auto row = (*ch)->get(1);
    QCOMPARE(QString::fromStdString(row->state), QStringLiteral("refused"));
    QVERIFY2(row->outcome.find("no engine ran") != std::string::npos, row->outcome.c_str());
    QVERIFY(trial_status((*resumed)->store(), 0) != "stopped");
    interrupt = true;
    (*resumed)->wake();
    t.join();
  }

  void readOnlyStudyIsRefusedPolitely() {
    QTemporaryDir dir;
    const QString sub = dir.filePath(QStringLiteral("ro"));
    QDir().mkpath(sub);
    const std::string db = QString(sub + QStringLiteral("/study.db")).toStdString();
    {
      Engine e(slow_spec(1), db, sub.toStdString());
    }
    bool mounted = false;
    if (::geteuid() != 0) {
      ::chmod(db.c_str(), 0444);
    } else {
      // Root writes through file modes: a read-only bind mount instead.
      const QByteArray mnt = sub.toUtf8();
      if (::mount(mnt.constData(), mnt.constData(), nullptr, MS_BIND, nullptr) != 0) QSKIP("cannot bind-mount");
      mounted = ::mount(nullptr, mnt.constData(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
      if (!mounted) {
        ::umount2(mnt.constData(), MNT_DETACH);
        QSKIP("cannot make a read-only mount");
      }
    }
    auto ch = Channel::open(db);
    std::string why = ch ? (*ch)->read_only_reason() : ch.error_text();
    Result<int64_t> sent = ch ? (*ch)->submit({CommandKind::StopStudy, std::nullopt, 0, nullptr, {}}) : Result<int64_t>(Error{"", "not opened"});
    if (mounted) ::umount2(sub.toUtf8().constData(), MNT_DETACH);
    // Either it opens for watching and says why it cannot control, or (a WAL file on a read-only file system,
    // no engine) it cannot even be read, and says first that it is read-only.
    if (ch) QVERIFY(!(*ch)->writable());
    QVERIFY2(why.find("read-only") != std::string::npos, why.c_str());
    QVERIFY2(why.find("who may write its database file") != std::string::npos, why.c_str());
    QVERIFY(!sent.ok());
    QVERIFY2(sent.error_text().find("read-only") != std::string::npos || !ch, sent.error_text().c_str());
    QCOMPARE(count_commands(db), int64_t(0));
  }

  void editsParseAsJsonOrText() {
    auto e = control::parse_edits({"lr=0.01", "act=relu", "model.layers=3", "flag=true"});
    QVERIFY(e.ok());
    QCOMPARE((*e)["lr"].get<double>(), 0.01);
    QCOMPARE((*e)["act"].get<std::string>(), std::string("relu"));
    const Json c = control::apply_edits(Json{{"lr", 0.1}, {"model", {{"layers", 2}, {"units", 8}}}}, *e);
    QCOMPARE(c["model"]["layers"].get<int>(), 3);
    QCOMPARE(c["model"]["units"].get<int>(), 8);
    QVERIFY(!control::parse_edits({"novalue"}).ok());
  }
};

QTEST_GUILESS_MAIN(TestChannel)
#include "test_channel.moc"

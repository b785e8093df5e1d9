// The disk fills up (or the store's file fails) in the middle of a study: the engine stops cleanly with
// a clear error, the database passes integrity_check, and the study resumes once there is room again.
// The failure is injected through a SQLite VFS (always runs); a real small tmpfs is tried as well when
// this process may mount one. A read-only study database is refused at start with a clear error.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>

#include "core/run/controller.h"
#include "core/store/store.h"
#include "core/store/failing_vfs.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace vfs = tunelab::test::failing_vfs;

namespace {

constexpr int kTrials = 6;
constexpr int kIterations = 20;

Json study_json() {
  return tunelab::test::synthetic_spec(
      {{"space",
        {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}},
         {"iterations", kIterations},
         {"sleep_s", 0.01},
         {"checkpoint", true}}},
       {"num_samples", kTrials},
       {"max_concurrent", 2}});
}

ControllerOptions options() {
  ControllerOptions o;
  o.self_exe = TUNELAB_BIN;
  o.kill_grace = 500ms;
  o.progress_interval = 100ms;
  return o;
}

// Every trial completed with iterations 1..kIterations, each stored once.
void check_complete(const std::string& db) {
  auto store = Store::open(db, Store::Mode::ReadOnly);
  QVERIFY(store.ok());
  QVERIFY((*store)->check_integrity().ok());
  auto trials = *(*store)->load_trials();
  QCOMPARE(trials.size(), size_t(kTrials));
  for (const auto& t : trials) QCOMPARE(t.status, TrialStatus::Completed);
  auto results = *(*store)->load_results();
  std::set<std::pair<int64_t, int64_t>> keys;
  for (const auto& r : results) keys.insert({r.trial_id, r.iteration});
  QCOMPARE(keys.size(), results.size());
  QCOMPARE(results.size(), size_t(kTrials * kIterations));
}

bool can_mount() {
  if (geteuid() != 0) return false;
  QTemporaryDir probe;
  if (::mount("tunelab", probe.path().toUtf8().constData(), "tmpfs", 0, "size=1m") != 0) return false;
  ::umount(probe.path().toUtf8().constData());
  return true;
}

}  // namespace

class TestStoreFaults final : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { vfs::install(); }

  void diskFullStopsCleanlyAndResumes() {
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("study.db")).toStdString();
    {
      auto c = Controller::create(tunelab::test::must_parse(study_json(), dir.path().toStdString()), db, options());
      QVERIFY2(c.ok(), c.error_text().c_str());
      std::atomic<int> results{0};
      (*c)->add_observer([&](const StudyEvent& e) {
        if (e.kind == StudyEvent::Kind::TrialResult && ++results == 25) vfs::full = true;  // the disk fills up
      });
      const auto t0 = std::chrono::steady_clock::now();
      auto status = (*c)->run();
      QVERIFY(!status.ok());
      const std::string why = status.error_text();
      QVERIFY2(why.find("cannot write the study database: database or disk is full") != std::string::npos, why.c_str());
      QVERIFY2(why.find("tunelab resume " + db) != std::string::npos, why.c_str());
      QVERIFY(vfs::failed_writes > 0);
      // It stopped at once rather than running the study to its end without recording it.
      QVERIFY(results < kTrials * kIterations);
      QVERIFY(std::chrono::steady_clock::now() - t0 < 30s);
    }
    vfs::full = false;  // room again
    QCOMPARE(tunelab::test::processes_left(dir.path().toStdString()), 0);
    {
      auto store = Store::open(db, Store::Mode::ReadOnly);
      QVERIFY(store.ok());
      QVERIFY((*store)->check_integrity().ok());
    }
    auto c = Controller::resume(db, options());
    QVERIFY2(c.ok(), c.error_text().c_str());
    auto status = (*c)->run();
    QVERIFY2(status.ok(), status.error_text().c_str());
    QCOMPARE(*status, std::string("completed"));
    c->reset();
    check_complete(db);
  }

  // The same on a real file system that fills up: a 4 MiB tmpfs, nearly full before the study starts
  // (root only). Trials may fail on their own files too; the store must stay sound and resumable.
  void smallFileSystem() {
    if (!can_mount()) QSKIP("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN); the VFS test covers this");
    QTemporaryDir dir;
    const QByteArray mnt = dir.path().toUtf8();
    QVERIFY(::mount("tunelab", mnt.constData(), "tmpfs", 0, "size=4m") == 0);
    const std::string db = dir.filePath(QStringLiteral("study.db")).toStdString();
    Json j = study_json();
    j["max_failures"] = 3;
    std::string why;
    {
      auto c = Controller::create(tunelab::test::must_parse(j, "/tmp"), db, options());
      QVERIFY2(c.ok(), c.error_text().c_str());
      const auto space = fs::space(dir.path().toStdString());
      std::ofstream(dir.filePath(QStringLiteral("filler")).toStdString())
          << std::string(static_cast<size_t>(space.available) - 48 * 1024, 'f');
      auto status = (*c)->run();
      why = status.ok() ? *status : status.error_text();
    }
    QVERIFY2(why.find("cannot write the study database") != std::string::npos, why.c_str());
    {
      auto store = Store::open(db, Store::Mode::ReadOnly);
      QVERIFY(store.ok());
      QVERIFY((*store)->check_integrity().ok());
    }
    QVERIFY(::mount("tunelab", mnt.constData(), "tmpfs", MS_REMOUNT, "size=64m") == 0);
    auto c = Controller::resume(db, options());
    QVERIFY2(c.ok(), c.error_text().c_str());
    auto status = (*c)->run();
    c->reset();
    auto store = Store::open(db, Store::Mode::ReadOnly);
    const bool sound = store.ok() && (*store)->check_integrity().ok();
    std::set<std::pair<int64_t, int64_t>> keys;
    size_t n = 0;
    if (store.ok()) {
      const auto results = *(*store)->load_results();
      for (const auto& r : results) {
        keys.insert({r.trial_id, r.iteration});
        ++n;
      }
    }
    store = Result<std::unique_ptr<Store>>(Error{"", "closed"});
    QVERIFY(::umount2(mnt.constData(), MNT_DETACH) == 0);
    QVERIFY2(status.ok(), status.error_text().c_str());
    QCOMPARE(*status, std::string("completed"));
    QVERIFY(sound);
    QCOMPARE(keys.size(), n);
  }

  void readOnlyDatabaseIsRefusedAtStart() {
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("study.db")).toStdString();
    {
      auto store = Store::open(db, Store::Mode::Create);
      QVERIFY(store.ok());
      StudyRecord s;
      s.name = "ro";
      s.spec = study_json();
      QVERIFY((*store)->create_study(s).ok());
    }
    const QByteArray mnt = dir.path().toUtf8();
    bool mounted = false;
    if (geteuid() != 0) {
      ::chmod(db.c_str(), 0444);
    } else if (can_mount()) {
      // Root writes through file modes: make it a read-only file system instead.
      QVERIFY(::mount(mnt.constData(), mnt.constData(), nullptr, MS_BIND, nullptr) == 0);
      QVERIFY(::mount(nullptr, mnt.constData(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0);
      mounted = true;
    } else {
      QSKIP("running as root without mount: a read-only file cannot be made");
    }
    auto opened = Store::open(db, Store::Mode::Open);
    auto resumed = Controller::resume(db, options());
    if (mounted) ::umount2(mnt.constData(), MNT_DETACH);
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error_text().find("the study database is read-only") != std::string::npos, opened.error_text().c_str());
    QVERIFY(!resumed.ok());
    QVERIFY2(resumed.error_text().find("read-only") != std::string::npos, resumed.error_text().c_str());
    // Reading still works.
    if (!mounted) QVERIFY(Store::open(db, Store::Mode::ReadOnly).ok());
  }
};

QTEST_GUILESS_MAIN(TestStoreFaults)
#include "test_store_faults.moc"

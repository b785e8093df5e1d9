// Checkpoint retention (core/run/checkpoint_pin.h): which pins are kept, and which of the trial's own
// files the engine may delete: only the very file it pinned, never one replaced or named again.
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>

#include "core/run/checkpoint_pin.h"

using namespace tunelab;
namespace fs = std::filesystem;

namespace {

// Writes <dir>/name aside and renames it into place, as a trial should.
std::string write_checkpoint(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path + ".tmp") << text;
  fs::rename(path + ".tmp", path);
  return path;
}

// Pins and holds `name` as the checkpoint of `iteration`.
std::string pin_and_hold(CheckpointHold& hold, const std::string& dir, const std::string& name, int64_t iteration) {
  const std::string source = dir + "/" + name;
  auto pinned = pin_checkpoint(source, dir, iteration);
  if (!pinned) throw std::runtime_error(pinned.error_text());
  hold_checkpoint(hold, dir, iteration, *pinned, source);
  return *pinned;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

class TestCheckpointPin final : public QObject {
  Q_OBJECT
 private slots:
  void keepsTheNewestAndDeletesTheRest() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    CheckpointHold hold;
    std::vector<std::string> pins;
    for (int i = 1; i <= 5; ++i) {
      write_checkpoint(dir, "ck-" + std::to_string(i), std::to_string(i));
      pins.push_back(pin_and_hold(hold, dir, "ck-" + std::to_string(i), i));
    }
    const auto released = release_checkpoints(hold, 2, pins.back());
    QCOMPARE(released.size(), size_t(3));
    QCOMPARE(hold.held.size(), size_t(2));
    delete_checkpoints(released, hold.held);
    for (int i = 1; i <= 5; ++i) {
      const bool kept = i >= 4;
      QCOMPARE(fs::exists(dir + "/ck-" + std::to_string(i)), kept);
      QCOMPARE(fs::exists(dir + "/.checkpoints/" + std::to_string(i)), kept);
    }
    QCOMPARE(read(pins[3]), std::string("4"));
  }

  void neverTheOneATrialWouldRestartFrom() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    CheckpointHold hold;
    std::vector<std::string> pins;
    for (int i = 1; i <= 3; ++i) {
      write_checkpoint(dir, "ck-" + std::to_string(i), std::to_string(i));
      pins.push_back(pin_and_hold(hold, dir, "ck-" + std::to_string(i), i));
    }
    const auto released = release_checkpoints(hold, 1, pins[0]);  // restarting from the oldest
    delete_checkpoints(released, hold.held);
    QVERIFY(fs::exists(pins[0]));
    QVERIFY(!fs::exists(pins[1]));
    QVERIFY(fs::exists(pins[2]));
  }

  void aReplacedOrReusedNameIsLeftAlone() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    CheckpointHold hold;
    write_checkpoint(dir, "a", "1");
    pin_and_hold(hold, dir, "a", 1);
    write_checkpoint(dir, "a", "2");  // replaced by the trial after the pin: a later, unread checkpoint
    write_checkpoint(dir, "b", "3");
    pin_and_hold(hold, dir, "b", 2);
    write_checkpoint(dir, "c", "4");
    pin_and_hold(hold, dir, "c", 3);
    // "c" is named again by the newest (the trial reports one name several times).
    pin_and_hold(hold, dir, "c", 4);
    auto released = release_checkpoints(hold, 1, hold.held.back().pin);
    delete_checkpoints(released, hold.held);
    QCOMPARE(read(dir + "/a"), std::string("2"));
    QVERIFY(!fs::exists(dir + "/b"));
    QCOMPARE(read(dir + "/c"), std::string("4"));
    QVERIFY(!fs::exists(dir + "/.checkpoints/1") && !fs::exists(dir + "/.checkpoints/3"));
    QVERIFY(fs::exists(dir + "/.checkpoints/4/c"));
  }

  void aResumedEngineFindsItsPinsAndTheirSources() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    {
      CheckpointHold before;
      for (int i = 1; i <= 3; ++i) {
        write_checkpoint(dir, "ck-" + std::to_string(i), std::to_string(i));
        pin_and_hold(before, dir, "ck-" + std::to_string(i), i);
      }
    }
    fs::create_directories(dir + "/.checkpoints/7");  // left half made by a killed engine
    CheckpointHold after;
    write_checkpoint(dir, "ck-4", "4");
    const std::string newest = pin_and_hold(after, dir, "ck-4", 4);
    QVERIFY(!fs::exists(dir + "/.checkpoints/7"));
    QCOMPARE(after.held.size(), size_t(4));
    QCOMPARE(after.held[0].source, dir + "/ck-1");
    delete_checkpoints(release_checkpoints(after, 2, newest), after.held);
    QVERIFY(!fs::exists(dir + "/ck-1") && !fs::exists(dir + "/ck-2"));
    QVERIFY(!fs::exists(dir + "/.checkpoints/1") && !fs::exists(dir + "/.checkpoints/2"));
    QVERIFY(fs::exists(dir + "/ck-3") && fs::exists(dir + "/ck-4"));
  }

  void nothingOutsideTheTrialsFilesOrInsideThePins() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    CheckpointHold hold;
    write_checkpoint(dir, "ck-1", "1");
    const std::string first = pin_and_hold(hold, dir, "ck-1", 1);
    // A trial reporting one of the engine's pins as its own checkpoint.
    auto again = pin_checkpoint(first, dir, 2);
    QVERIFY(again.ok());
    hold_checkpoint(hold, dir, 2, *again, first);
    QVERIFY(hold.held.back().source.empty());
  }

  void theEnginesOwnFilesAreNotCheckpoints() {
    for (const char* own : {".checkpoints", ".checkpoints/3", ".checkpoints/3/ck", "./.checkpoints", "stdout.log",
                            "stderr.log", "stdout.log.1", "config.json"}) {
      QVERIFY2(!engine_owned_checkpoint(own).empty(), own);
    }
    QVERIFY(engine_owned_checkpoint(".checkpoints").find("engine's own folder of pins") != std::string::npos);
    for (const char* theirs : {"ck", "model.pt", "ckpt/stdout.log", "sub/config.json", ".checkpoints-mine"}) {
      QVERIFY2(engine_owned_checkpoint(theirs).empty(), theirs);
    }
  }

  void pinningIsBoundedInFilesAndDepth() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    // One file more than the limit: refused whole, nothing of it kept.
    fs::create_directories(dir + "/wide");
    for (int64_t i = 0; i < kPinMaxEntries + 1; ++i) std::ofstream(dir + "/wide/f" + std::to_string(i)) << "x";
    auto wide = pin_checkpoint(dir + "/wide", dir, 1);
    QVERIFY(!wide.ok());
    QVERIFY2(wide.error_text().find("more than 10000 files") != std::string::npos, wide.error_text().c_str());
    QVERIFY(!fs::exists(dir + "/.checkpoints/1"));
    // Deeper than the limit: refused.
    std::string deep = dir + "/deep";
    for (int i = 0; i <= kPinMaxDepth + 1; ++i) deep += "/d";
    fs::create_directories(deep);
    auto too_deep = pin_checkpoint(dir + "/deep", dir, 2);
    QVERIFY(!too_deep.ok());
    QVERIFY2(too_deep.error_text().find("folders deep") != std::string::npos, too_deep.error_text().c_str());
    QVERIFY(!fs::exists(dir + "/.checkpoints/2"));
    // Within the limits: kept, as hard links.
    fs::create_directories(dir + "/ok/a/b");
    std::ofstream(dir + "/ok/a/b/w") << "weights";
    auto ok = pin_checkpoint(dir + "/ok", dir, 3);
    QVERIFY2(ok.ok(), ok.error_text().c_str());
    QCOMPARE(fs::hard_link_count(*ok + "/a/b/w"), uintmax_t(2));
  }
};

QTEST_GUILESS_MAIN(TestCheckpointPin)
#include "test_checkpoint_pin.moc"

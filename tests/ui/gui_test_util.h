#pragma once
// Helpers for the GUI tests: specs (kept out of Q_OBJECT files) and waiting on the event loop.
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QThread>

#include <functional>

#include "core/util/json.h"
#include "support/test_util.h"

namespace tunelab::test {

inline constexpr const char* kSpaceWithLog = R"({
  "lr": {"type": "float", "low": 0.0001, "high": 0.1, "log": true},
  "units": {"type": "int", "low": 8, "high": 64},
  "act": {"type": "choice", "values": ["relu", "tanh"]},
  "momentum": {"type": "float", "low": 0, "high": 0.9, "when": {"act": "relu"}}})";

// A synthetic study over x and a log-scaled lr that the trainable ignores.
inline Json gui_spec(int samples, int iterations, double sleep_s = 0.0) {
  return synthetic_spec({{"num_samples", samples},
                         {"space",
                          {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}},
                           {"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1e-1}, {"log", true}}},
                           {"iterations", iterations},
                           {"sleep_s", sleep_s}}}});
}

// Makes `dir` the current directory for its lifetime: studies the workbench starts go to
// tunelab_results/ under the current directory, as with `tunelab run`.
class ScopedCurrentDir {
 public:
  explicit ScopedCurrentDir(const QString& dir) : old_(QDir::currentPath()) { QDir::setCurrent(dir); }
  ~ScopedCurrentDir() { QDir::setCurrent(old_); }
  ScopedCurrentDir(const ScopedCurrentDir&) = delete;
  ScopedCurrentDir& operator=(const ScopedCurrentDir&) = delete;

 private:
  QString old_;
};

// Processes events until `done` or `timeout_ms`.
inline bool wait_for(const std::function<bool()>& done, int timeout_ms) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > timeout_ms) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(5);
  }
  return true;
}

}  // namespace tunelab::test

#pragma once
// Helpers shared by the executor tests.
#include <QTemporaryDir>

#include <chrono>
#include <string>
#include <vector>

#include "core/exec/executor.h"

namespace tunelab::test {

// A trial running `script` with /bin/sh, its folder named after its id inside `dir`.
inline Launch shell_launch(int64_t id, const QTemporaryDir& dir, const std::string& script) {
  Launch l;
  l.trial_id = id;
  l.argv = {"/bin/sh", "-c", script};
  l.trial_dir = dir.filePath(QString::number(id)).toStdString();
  return l;
}

// Collects events until trial `id` exits or `limit` passes.
inline std::vector<ExecEvent> run_until_exit(Executor& ex, int64_t id, std::chrono::milliseconds limit) {
  std::vector<ExecEvent> all;
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    for (auto& e : ex.wait(std::chrono::milliseconds(200))) {
      all.push_back(e);
      if (e.kind == ExecEvent::Kind::Exited && e.trial_id == id) return all;
    }
  }
  return all;
}

}  // namespace tunelab::test

#pragma once
// Helpers shared by the tests: temporary folders, specs, and running the tunelab binary.
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/study/spec.h"
#include "core/util/json.h"

namespace tunelab::test {

inline Json parse(const char* text) { return Json::parse(text); }

// A spec with a synthetic trainable; `extra` is merged over the defaults.
inline Json synthetic_spec(const Json& extra = Json::object()) {
  Json j = {{"name", "t"},
            {"objective", {{"metric", "score"}, {"mode", "max"}}},
            {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
            {"trainable", {{"builtin", "synthetic"}}},
            {"num_samples", 4},
            {"resources_per_trial", {{"cpu", 0.1}}},
            {"seed", 1}};
  for (const auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

inline StudySpec must_parse(const Json& j, const std::string& base = "/tmp") {
  auto s = parse_spec(j, base);
  if (!s) throw std::runtime_error("spec should parse: " + s.error_text());
  return std::move(*s);
}

inline void write_file(const QString& path, const std::string& text) {
  std::ofstream(path.toStdString(), std::ios::trunc) << text;
}

struct RunResult {
  int exit_code = -1;
  QString out, err;
};

// Runs build/bin/tunelab with `args` in `cwd`, waiting at most `timeout_ms`.
inline RunResult run_tunelab(const QStringList& args, const QString& cwd = {}, int timeout_ms = 120000) {
  QProcess p;
  if (!cwd.isEmpty()) p.setWorkingDirectory(cwd);
  p.start(QStringLiteral(TUNELAB_BIN), args);
  RunResult r;
  if (!p.waitForFinished(timeout_ms)) {
    p.kill();
    p.waitForFinished();
    r.err = QStringLiteral("timed out");
    return r;
  }
  r.exit_code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

// Processes whose environment has a TUNELAB_TRIAL_DIR under `root`: trial processes still alive.
inline int processes_left(const std::string& root) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    std::ifstream env(e.path() / "environ", std::ios::binary);
    const std::string all((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
    n += all.find("TUNELAB_TRIAL_DIR=" + root) != std::string::npos;
  }
  return n;
}

// A process's resident set in KiB (0 when it is gone).
inline long rss_kib(qint64 pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace tunelab::test

#include "core/trainables/synthetic.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "core/util/json.h"
#include "tunelab/client.hpp"

namespace tunelab::trainables {
namespace {

void write_line(int fd, const std::string& line) {
  std::string s = line + "\n";
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::_Exit(1);  // the engine is gone
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

int run_synthetic() {
  Json cfg = Json::parse(client::config_json(), nullptr, false);
  if (!cfg.is_object()) {
    std::fprintf(stderr, "synthetic: TUNELAB_CONFIG is not a JSON object\n");
    return 2;
  }
  auto num = [&](const char* k, double def) { return cfg.contains(k) && cfg[k].is_number() ? cfg[k].get<double>() : def; };
  auto flag = [&](const char* k, bool def) { return cfg.contains(k) && cfg[k].is_boolean() ? cfg[k].get<bool>() : def; };
  const auto iterations = static_cast<int64_t>(num("iterations", 10));
  const double x = num("x", 0.5), sleep_s = num("sleep_s", 0);
  const auto fail_at = static_cast<int64_t>(num("fail_at", 0)), hang_at = static_cast<int64_t>(num("hang_at", 0));
  const auto fail_attempts = static_cast<int64_t>(num("fail_attempts", 1e9));
  const bool garbage = flag("garbage", false), checkpoint = flag("checkpoint", false);
  const bool report_iteration = flag("report_iteration", true);
  const char* fd_text = std::getenv("TUNELAB_REPORT_FD");
  const int fd = fd_text ? std::atoi(fd_text) : 1;
  const char* dir_env = std::getenv("TUNELAB_TRIAL_DIR");
  const std::string dir = dir_env ? dir_env : ".";
  const char* attempt_env = std::getenv("TUNELAB_ATTEMPT");
  const int64_t attempt = attempt_env ? std::atoll(attempt_env) : 0;

  if (flag("ignore_term", false)) signal(SIGTERM, SIG_IGN);
  if (flag("spawn_child", false)) {
    const pid_t child = fork();
    if (child == 0) {
      for (;;) pause();
    }
    std::ofstream(dir + "/child.pid") << child << "\n";
  }
  int64_t start = 1;
  if (const char* restore = std::getenv("TUNELAB_RESTORE_PATH"); restore && checkpoint) {
    std::ifstream in(restore);
    int64_t done = 0;
    if (!(in >> done)) {
      std::fprintf(stderr, "synthetic: unreadable checkpoint %s\n", restore);
      return 3;
    }
    start = done + 1;
  }
  for (int64_t i = start; i <= iterations; ++i) {
    if (sleep_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
    if (fail_at == i && attempt < fail_attempts) {
      std::fprintf(stderr, "synthetic: failing at iteration %lld as configured\n", static_cast<long long>(i));
      return 3;
    }
    if (hang_at == i) {
      for (;;) pause();
    }
    const double score = (1 - (x - 0.3) * (x - 0.3)) * (1 - std::exp(-static_cast<double>(i) / 3));
    Json r = {{"score", score}, {"loss", 1 - score}};
    if (report_iteration) r["training_iteration"] = i;
    client::HoldStop hold;  // a stop waits until the checkpoint is reported (none is left unreported)
    if (checkpoint) {
      // A new file per iteration, written aside and renamed into place: the engine links a reported
      // checkpoint when it reads the report, and deletes it itself once it is no longer kept.
      const std::string name = "checkpoint-" + std::to_string(i) + ".txt";
      std::ofstream(dir + "/" + name + ".tmp") << i << "\n";
      std::rename((dir + "/" + name + ".tmp").c_str(), (dir + "/" + name).c_str());
      r["_checkpoint"] = name;
    }
    if (garbage) write_line(fd, "this is not json {");
    write_line(fd, dump_compact(r));
  }
  return 0;
}

}  // namespace tunelab::trainables

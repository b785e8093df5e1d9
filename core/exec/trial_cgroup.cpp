#include "core/exec/trial_cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace tunelab {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_text(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// This process's cgroup v2 path ("0::/a/b" in /proc/self/cgroup), or empty.
std::string own_cgroup() {
  std::istringstream in(read_text("/proc/self/cgroup"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return {};
}

// Where the cgroup v2 hierarchy is mounted, and the cgroup at the root of that mount.
bool cgroup2_mount(std::string& mount_point, std::string& mount_root) {
  std::istringstream in(read_text("/proc/self/mountinfo"));
  for (std::string line; std::getline(in, line);) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream f(line.substr(0, dash));
    std::string id, parent, devno, root, point;
    if (!(f >> id >> parent >> devno >> root >> point)) continue;
    mount_point = point;
    mount_root = root;
    return true;
  }
  return false;
}

// The start time of process `pid` (field 22 of /proc/PID/stat), or empty when it is gone.
std::string start_time(long pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream f(stat.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && (f >> field); ++i) {
    if (i == 22) return field;
  }
  return {};
}

// Kills and removes a folder and its subfolders, deepest first.
void remove_tree(const std::string& folder) {
  if (DIR* d = ::opendir(folder.c_str())) {
    std::vector<std::string> subs;
    while (dirent* e = ::readdir(d)) {
      if (e->d_type == DT_DIR && e->d_name[0] != '.') subs.push_back(folder + "/" + e->d_name);
    }
    ::closedir(d);
    for (const auto& s : subs) remove_tree(s);
  }
  kill_cgroup(folder);
  for (int i = 0; i < 50 && ::rmdir(folder.c_str()) != 0 && errno == EBUSY; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

bool kill_cgroup(const std::string& folder) {
  if (write_text(folder + "/cgroup.kill", "1")) return true;
  if (::access((folder + "/cgroup.procs").c_str(), R_OK) != 0) return false;
  // No cgroup.kill (before Linux 5.14): freeze, kill every member, thaw so that they die.
  write_text(folder + "/cgroup.freeze", "1");
  for (int round = 0; round < 20; ++round) {
    std::istringstream in(read_text(folder + "/cgroup.procs"));
    bool any = false;
    for (long pid; in >> pid;) any = ::kill(static_cast<pid_t>(pid), SIGKILL) == 0 || any;
    if (!any) break;
  }
  write_text(folder + "/cgroup.freeze", "0");
  return true;
}

std::unique_ptr<TrialCgroups> TrialCgroups::create(std::string& why) {
  if (const char* off = std::getenv("TUNELAB_CGROUP"); off && std::string(off) == "0") {
    why = "TUNELAB_CGROUP=0 is set";
    return nullptr;
  }
  std::string point, root;
  if (!cgroup2_mount(point, root)) {
    why = "no cgroup v2 file system is mounted";
    return nullptr;
  }
  std::string own = own_cgroup();
  if (own.empty()) {
    why = "this process is in no cgroup v2 (/proc/self/cgroup)";
    return nullptr;
  }
  if (root != "/") {
    if (own.rfind(root, 0) != 0) {
      why = "this process's cgroup is outside the mounted cgroup v2 tree";
      return nullptr;
    }
    own = own.substr(root.size());
  }
  if (own == "/") own.clear();
  const std::string base = point + own;
  if (::access((base + "/cgroup.procs").c_str(), W_OK) != 0) {
    why = "this engine's cgroup " + base + " is not writable (" + std::strerror(errno) +
          "); start it in a delegated one, e.g. `systemd-run --user --scope -p Delegate=yes tunelab ...`";
    return nullptr;
  }
  // Folders left by engines that died.
  if (DIR* d = ::opendir(base.c_str())) {
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(d)) {
      long pid = 0;
      char started[32] = {0};
      if (std::sscanf(e->d_name, "tunelab-%ld-%31s", &pid, started) != 2) continue;
      if (start_time(pid) != started) stale.push_back(base + "/" + e->d_name);
    }
    ::closedir(d);
    for (const auto& s : stale) remove_tree(s);
  }
  const std::string name = "tunelab-" + std::to_string(::getpid()) + "-" + start_time(::getpid());
  std::unique_ptr<TrialCgroups> g(new TrialCgroups());
  g->folder_ = base + "/" + name;
  g->relative_ = own + "/" + name;
  if (::mkdir(g->folder_.c_str(), 0755) != 0 && errno != EEXIST) {
    why = "cannot make a cgroup in " + base + ": " + std::strerror(errno);
    return nullptr;
  }
  return g;
}

TrialCgroups::~TrialCgroups() { remove_tree(folder_); }

std::string TrialCgroups::trial_folder(int64_t trial_id) const { return folder_ + "/trial-" + std::to_string(trial_id); }

std::string TrialCgroups::prepare(int64_t trial_id) {
  const std::string f = trial_folder(trial_id);
  std::erase(busy_, f);  // in use again: tidy() must not take it away under the new attempt
  if (::mkdir(f.c_str(), 0755) != 0 && errno != EEXIST) return {};
  kill_cgroup(f);  // left by an earlier attempt: nothing of it may write on
  return f + "/cgroup.procs";
}

bool TrialCgroups::holds(int64_t trial_id, pid_t pid) const {
  std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/cgroup"));
  const std::string want = "0::" + relative_ + "/trial-" + std::to_string(trial_id);
  for (std::string line; std::getline(in, line);) {
    if (line == want) return true;
  }
  return false;
}

void TrialCgroups::kill(int64_t trial_id) { kill_cgroup(trial_folder(trial_id)); }

void TrialCgroups::remove(int64_t trial_id) {
  const std::string f = trial_folder(trial_id);
  kill_cgroup(f);
  if (::rmdir(f.c_str()) != 0 && errno == EBUSY) busy_.push_back(f);
}

void TrialCgroups::tidy() {
  std::erase_if(busy_, [](const std::string& f) { return ::rmdir(f.c_str()) == 0 || errno != EBUSY; });
}

}  // namespace tunelab

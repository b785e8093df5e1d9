#include "core/exec/local_executor.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

extern char** environ;

namespace tunelab {

namespace {

using Clock = std::chrono::steady_clock;

int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Everything the child needs, built before fork so the child only makes async-signal-safe calls.
struct ExecImage {
  std::vector<std::string> strings;
  std::vector<char*> argv, envp;

  explicit ExecImage(const Launch& l) {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
      const char* eq = std::strchr(*e, '=');
      if (eq) env[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
    }
    for (const auto& [k, v] : l.env) env[k] = v;
    strings.reserve(l.argv.size() + env.size());
    for (const auto& a : l.argv) strings.push_back(a);
    for (const auto& [k, v] : env) strings.push_back(k + "=" + v);
    for (size_t i = 0; i < l.argv.size(); ++i) argv.push_back(strings[i].data());
    argv.push_back(nullptr);
    for (size_t i = l.argv.size(); i < strings.size(); ++i) envp.push_back(strings[i].data());
    envp.push_back(nullptr);
  }
};

// What the child of vfork needs, all prepared before vfork.
struct ChildSetup {
  const char* cwd;  // nullptr: stay
  char* const* argv;
  char* const* envp;
  int null_fd, out_fd, err_fd, report_fd, status_fd;
  pid_t parent;
  const char* cgroup_procs;  // the trial's cgroup.procs, or nullptr
  rlimit nofile;             // the open-file limit the engine was started with
};

// The child between vfork and exec: system calls only, and it never returns.
[[noreturn]] __attribute__((noinline)) void run_child(const ChildSetup* s) {
  if (s->cgroup_procs) {
    // Into the trial's cgroup before anything else: all it ever starts is in there too.
    const int fd = open(s->cgroup_procs, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)!write(fd, "0", 1);
      close(fd);
    }
  }
  if (s->nofile.rlim_max > 0) setrlimit(RLIMIT_NOFILE, &s->nofile);
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // the main process dies with the engine
  if (getppid() != s->parent) _exit(127);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  dup2(s->null_fd, 0);
  dup2(s->out_fd, 1);
  dup2(s->err_fd, 2);
  if (s->report_fd == 3) fcntl(3, F_SETFD, 0);  // keep it across exec
  else dup2(s->report_fd, 3);                   // dup2 clears FD_CLOEXEC on the copy
  int err = 0;
  if (s->cwd && chdir(s->cwd) != 0) {
    err = errno;
  } else {
    execvpe(s->argv[0], s->argv, s->envp);
    err = errno;
  }
  // Tell the parent why exec failed (it also leaves a line in stderr.log).
  (void)!write(s->status_fd, &err, sizeof err);
  _exit(127);
}

}  // namespace

struct LocalExecutor::Proc {
  int64_t trial_id = 0;
  pid_t pid = 0;
  int pidfd = -1;
  int report_fd = -1;
  ReportParser parser;
  bool stopping = false;
  bool killed = false;
  bool contained = false;  // in its own cgroup (TrialCgroups)
  Clock::time_point kill_at{};
  std::string trial_dir;  // its stdout.log and stderr.log are capped (cap_log)
};

namespace {

// A log past kLogCapBytes has its newest kLogCapBytes copied to <log>.1 (replacing the previous one) and
// is emptied; the trial's descriptor appends, so it goes on writing at the start of the emptied file.
// The copy is made by the kernel (no engine memory); older bytes, and bytes written between the copy
// and the truncation, are dropped.
void cap_log(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) <= LocalExecutor::kLogCapBytes) return;
  const std::string rotated = path + ".1";
  int to = ::open(rotated.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int from = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (to >= 0 && from >= 0) {
    // The newest kLogCapBytes: between two checks a fast writer may have gone far past the cap.
    off_t offset = st.st_size - static_cast<off_t>(LocalExecutor::kLogCapBytes);
    off_t left = static_cast<off_t>(LocalExecutor::kLogCapBytes);
    while (left > 0) {
      const ssize_t n = ::sendfile(to, from, &offset, static_cast<size_t>(left));
      if (n <= 0) break;
      left -= n;
    }
  }
  close_fd(to);
  close_fd(from);
  (void)!::truncate(path.c_str(), 0);
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  const char note[] = "tunelab: this log passed its size cap; the earlier part is in the .1 file beside it\n";
  if (fd >= 0) (void)!::write(fd, note, sizeof note - 1);
  close_fd(fd);
}

bool out_of_resources(int err) { return err == EMFILE || err == ENFILE || err == EAGAIN || err == ENOMEM; }

rlimit g_nofile_at_start{};

}  // namespace

unsigned long raise_open_file_limit() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (::getrlimit(RLIMIT_NOFILE, &g_nofile_at_start) != 0) return;
    rlimit raised = g_nofile_at_start;
    raised.rlim_cur = raised.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &raised);
  });
  return static_cast<unsigned long>(g_nofile_at_start.rlim_cur);
}

LocalExecutor::LocalExecutor() {
  raise_open_file_limit();
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::string why;
  cgroups_ = TrialCgroups::create(why);
  containment_ = cgroups_ ? "each trial runs in a cgroup of its own, under " + cgroups_->folder() +
                                "; every process it starts is killed when it ends"
                          : "trials are contained by their process group and an environment scan (no cgroup: " +
                                why + ")";
}

LocalExecutor::~LocalExecutor() {
  for (auto& [id, p] : procs_) {
    if (cgroups_) cgroups_->kill(id);
    ::kill(-p->pid, SIGKILL);
    ::waitpid(p->pid, nullptr, 0);
    close_fd(p->pidfd);
    close_fd(p->report_fd);
  }
  close_fd(wake_fd_);
}

int LocalExecutor::process_group(int64_t trial_id) const {
  auto it = procs_.find(trial_id);
  return it == procs_.end() ? 0 : it->second->pid;
}

Status LocalExecutor::start(const Launch& launch) {
  if (launch.argv.empty()) return Error{"trainable.command", "empty command"};
  if (procs_.count(launch.trial_id)) return Error{"", "trial " + std::to_string(launch.trial_id) + " is already running"};
  std::error_code ec;
  std::filesystem::create_directories(launch.trial_dir, ec);
  if (ec) return Error{launch.trial_dir, "cannot create the trial directory: " + ec.message()};

  const std::string out_path = launch.trial_dir + "/stdout.log", err_path = launch.trial_dir + "/stderr.log";
  int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2] = {-1, -1}, exec_status[2] = {-1, -1};
  auto cleanup = [&] {
    close_fd(out_fd);
    close_fd(err_fd);
    close_fd(null_fd);
    close_fd(report[0]);
    close_fd(report[1]);
    close_fd(exec_status[0]);
    close_fd(exec_status[1]);
  };
  if (out_fd < 0 || err_fd < 0 || null_fd < 0 || pipe2(report, O_CLOEXEC) != 0 || pipe2(exec_status, O_CLOEXEC) != 0) {
    const int err = errno;
    cleanup();
    if (out_of_resources(err)) {
      return Error{kOutOfResources, std::string("cannot open the trial's files and pipes: ") + std::strerror(err)};
    }
    return Error{launch.trial_dir, std::string("cannot set up the trial's files: ") + std::strerror(err)};
  }

  ExecImage image(launch);
  const std::string cgroup_procs = cgroups_ ? cgroups_->prepare(launch.trial_id) : std::string();
  const ChildSetup setup{launch.cwd.empty() ? nullptr : launch.cwd.c_str(), image.argv.data(), image.envp.data(),
                         null_fd, out_fd, err_fd, report[1], exec_status[1], getpid(),
                         cgroup_procs.empty() ? nullptr : cgroup_procs.c_str(), g_nofile_at_start};
  // vfork: the child borrows the engine's memory until it execs, so starting a trial does not copy the
  // engine's page tables (fork's main cost with the GUI's libraries mapped). The child only makes
  // system calls on data prepared above (run_child), which is what vfork allows in practice.
  const pid_t pid = vfork();
  if (pid == 0) run_child(&setup);
  if (pid < 0) {
    const int err = errno;
    cleanup();
    if (cgroups_) cgroups_->remove(launch.trial_id);
    return Error{out_of_resources(err) ? kOutOfResources : "", std::string("cannot start a process: ") + std::strerror(err)};
  }
  setpgid(pid, pid);  // also in the parent, so the group exists before we ever signal it
  close_fd(report[1]);
  close_fd(exec_status[1]);
  close_fd(out_fd);
  close_fd(err_fd);
  close_fd(null_fd);
  // The status pipe closes on a successful exec; otherwise it carries errno.
  int child_errno = 0;
  ssize_t n;
  do n = ::read(exec_status[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  close_fd(exec_status[0]);
  if (n == sizeof child_errno) {
    ::waitpid(pid, nullptr, 0);
    close_fd(report[0]);
    if (cgroups_) cgroups_->remove(launch.trial_id);
    const bool in_cwd = !launch.cwd.empty() && !std::filesystem::is_directory(launch.cwd, ec);
    const std::string what = in_cwd ? "cannot enter the working directory \"" + launch.cwd + "\""
                                    : "cannot run \"" + launch.argv[0] + "\"";
    std::ofstream(err_path, std::ios::app) << "tunelab: " << what << ": " << std::strerror(child_errno) << "\n";
    return Error{out_of_resources(child_errno) ? kOutOfResources : "trainable", what + ": " + std::strerror(child_errno)};
  }
  fcntl(report[0], F_SETFL, O_NONBLOCK);
  auto proc = std::make_unique<Proc>();
  proc->trial_id = launch.trial_id;
  proc->pid = pid;
  proc->pidfd = pidfd_open(pid);
  proc->report_fd = report[0];
  proc->trial_dir = launch.trial_dir;
  proc->contained = !cgroup_procs.empty() && cgroups_->holds(launch.trial_id, pid);
  procs_[launch.trial_id] = std::move(proc);
  return {};
}

void LocalExecutor::stop(int64_t trial_id, std::chrono::milliseconds grace) {
  auto it = procs_.find(trial_id);
  if (it == procs_.end()) return;
  Proc& p = *it->second;
  if (p.stopping) return;
  p.stopping = true;
  p.kill_at = Clock::now() + grace;
  ::kill(-p.pid, grace.count() > 0 ? SIGTERM : SIGKILL);
}

void LocalExecutor::wake() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void LocalExecutor::drain(Proc& p, std::vector<ExecEvent>& out, bool to_eof) {
  char buf[65536];
  // Bounded per call so one flooding trial cannot starve the others; the rest is read next turn.
  for (int rounds = 0; p.report_fd >= 0 && (to_eof || rounds < 16); ++rounds) {
    const ssize_t n = ::read(p.report_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    const bool eof = n == 0 || (n < 0 && errno != EAGAIN);
    std::vector<ReportParser::Item> items;
    if (n > 0) items = p.parser.feed(std::string_view(buf, static_cast<size_t>(n)));
    if (eof) {
      items = p.parser.finish();
      close_fd(p.report_fd);
    }
    for (auto& item : items) {
      ExecEvent e;
      e.trial_id = p.trial_id;
      if (item.ok) {
        e.kind = ExecEvent::Kind::Report;
        e.report = std::move(item.report);
        e.message = std::move(item.error);  // a note about a kept report (non-finite numbers)
      } else {
        e.kind = ExecEvent::Kind::BadReport;
        e.message = std::move(item.error);
      }
      out.push_back(std::move(e));
    }
    if (n < 0 || eof) break;  // EAGAIN: nothing more for now
  }
}

void LocalExecutor::drain_final(Proc& p, std::vector<ExecEvent>& out, size_t bytes) {
  std::vector<ReportParser::Item> items;
  char buf[65536];
  while (p.report_fd >= 0 && bytes > 0 && items.size() <= kFinalDrainLines) {
    const ssize_t n = ::read(p.report_fd, buf, std::min(bytes, sizeof buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes -= static_cast<size_t>(n);
    for (auto& item : p.parser.feed(std::string_view(buf, static_cast<size_t>(n)))) items.push_back(std::move(item));
  }
  for (auto& item : p.parser.finish()) items.push_back(std::move(item));  // a last line without its newline
  const bool cut = items.size() > kFinalDrainLines;
  if (cut) items.resize(kFinalDrainLines);
  close_fd(p.report_fd);
  for (auto& item : items) {
    ExecEvent e;
    e.trial_id = p.trial_id;
    e.kind = item.ok ? ExecEvent::Kind::Report : ExecEvent::Kind::BadReport;
    e.report = std::move(item.report);
    e.message = std::move(item.error);
    out.push_back(std::move(e));
  }
  if (cut) {
    ExecEvent e;
    e.trial_id = p.trial_id;
    e.kind = ExecEvent::Kind::BadReport;
    e.message = "more than " + std::to_string(kFinalDrainLines) +
                " lines were waiting on the report channel when the trial ended; the rest is not read";
    out.push_back(std::move(e));
  }
}

void LocalExecutor::reap(int64_t trial_id, std::vector<ExecEvent>& out) {
  auto it = procs_.find(trial_id);
  Proc& p = *it->second;
  // What is in the report channel now was written while the trial ran: that much is read, no more.
  int waiting = 0;
  if (p.report_fd < 0 || ::ioctl(p.report_fd, FIONREAD, &waiting) != 0) waiting = 0;
  int status = 0;
  if (::waitpid(p.pid, &status, WNOHANG) != p.pid) return;
  // The main process is gone: whatever else it started goes too. In its cgroup, that is everything;
  // otherwise its process group, and descendants that left the group (setsid, double fork) but still
  // carry the trial's environment.
  if (p.contained) cgroups_->kill(trial_id);
  ::kill(-p.pid, SIGKILL);
  if (!p.contained && !p.trial_dir.empty()) kill_stale_trial_processes(0, p.trial_dir);
  drain_final(p, out, static_cast<size_t>(std::max(0, waiting)));
  ExecEvent e;
  e.kind = ExecEvent::Kind::Exited;
  e.trial_id = trial_id;
  if (WIFEXITED(status)) {
    e.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    e.exit_code = -1;
    e.signal = WTERMSIG(status);
  }
  close_fd(p.pidfd);
  close_fd(p.report_fd);
  cap_log(p.trial_dir + "/stdout.log");
  cap_log(p.trial_dir + "/stderr.log");
  if (cgroups_) cgroups_->remove(trial_id);
  procs_.erase(it);
  out.push_back(std::move(e));
}

std::vector<ExecEvent> LocalExecutor::wait(std::chrono::milliseconds timeout) {
  std::vector<ExecEvent> out;
  const auto now = Clock::now();
  bool need_polling_reap = false;
  for (auto& [id, p] : procs_) {
    if (p->stopping && !p->killed) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(p->kill_at - now);
      if (left.count() <= 0) {
        ::kill(-p->pid, SIGKILL);
        p->killed = true;
      } else {
        timeout = std::min(timeout, left + std::chrono::milliseconds(1));
      }
    }
    if (p->pidfd < 0) need_polling_reap = true;
  }
  if (need_polling_reap) timeout = std::min(timeout, std::chrono::milliseconds(50));  // no pidfd support
  if (cgroups_) cgroups_->tidy();
  if (now >= next_log_check_) {
    next_log_check_ = now + std::chrono::milliseconds(500);
    for (auto& [id, p] : procs_) {
      cap_log(p->trial_dir + "/stdout.log");
      cap_log(p->trial_dir + "/stderr.log");
    }
  }
  if (!procs_.empty()) {
    timeout = std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(next_log_check_ - now) +
                                    std::chrono::milliseconds(1));
  }

  std::vector<pollfd> fds;
  std::vector<std::pair<int64_t, bool>> owners;  // (trial, is_pidfd)
  fds.push_back({wake_fd_, POLLIN, 0});
  owners.push_back({-1, false});
  for (auto& [id, p] : procs_) {
    if (p->report_fd >= 0) {
      fds.push_back({p->report_fd, POLLIN, 0});
      owners.push_back({id, false});
    }
    if (p->pidfd >= 0) {
      fds.push_back({p->pidfd, POLLIN, 0});
      owners.push_back({id, true});
    }
  }
  const int rc = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(0, timeout.count())));
  if (rc < 0) return out;  // EINTR: the caller loops
  std::vector<int64_t> exited;
  for (size_t i = 0; i < fds.size(); ++i) {
    if (!fds[i].revents) continue;
    const auto [id, is_pidfd] = owners[i];
    if (id < 0) {
      uint64_t v;
      (void)!::read(wake_fd_, &v, sizeof v);
    } else if (is_pidfd) {
      exited.push_back(id);
    } else if (auto it = procs_.find(id); it != procs_.end()) {
      drain(*it->second, out, false);
    }
  }
  if (need_polling_reap) {
    for (auto& [id, p] : procs_) if (p->pidfd < 0) exited.push_back(id);
  }
  for (int64_t id : exited) {
    if (procs_.count(id)) reap(id, out);
  }
  return out;
}

int LocalExecutor::kill_stale(int pgid, const std::string& trial_dir) { return kill_stale_trial_processes(pgid, trial_dir); }

int kill_stale_trial_processes(int pgid, const std::string& trial_dir) {
  const std::string marker = "TUNELAB_TRIAL_DIR=" + trial_dir;
  int killed = 0;
  DIR* proc = opendir("/proc");
  if (!proc) return 0;
  while (dirent* d = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(d->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    if (pid == getpid()) continue;
    if (pgid > 1 && getpgid(static_cast<pid_t>(pid)) != pgid) continue;
    std::ifstream env("/proc/" + std::string(d->d_name) + "/environ", std::ios::binary);
    std::stringstream ss;
    ss << env.rdbuf();
    const std::string all = ss.str();
    size_t start = 0;
    bool ours = false;
    while (start < all.size()) {
      size_t z = all.find('\0', start);
      if (z == std::string::npos) z = all.size();
      if (all.compare(start, z - start, marker) == 0) ours = true;
      start = z + 1;
    }
    if (ours && ::kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++killed;
  }
  closedir(proc);
  return killed;
}

}  // namespace tunelab

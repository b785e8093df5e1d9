#include "core/exec/slurm_executor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/exec/command.h"
#include "core/exec/local_executor.h"

namespace tunelab {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// How often the report and exit-status files are looked at.
constexpr std::chrono::milliseconds kTailInterval{200};
// A job that squeue no longer lists may still be writing its exit status through the shared
// filesystem's caches: it is given this long before it counts as ended without one.
constexpr std::chrono::seconds kExitStatusLag{5};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) ++i;
  return s.substr(i);
}

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream(path, std::ios::app) << line << "\n";
}

}  // namespace

struct SlurmExecutor::Job {
  int64_t trial_id = 0;
  std::string id;
  std::string trial_dir;
  SlurmFiles files;
  uint64_t offset = 0;  // bytes of the reports file read so far
  ReportParser parser;
  std::string state;    // the last state squeue gave ("" until then)
  bool listed = true;   // squeue listed it as queued or running at the last poll
  Clock::time_point unlisted_since{};
  bool stopping = false, killed = false;
  Clock::time_point kill_at{};
};

SlurmExecutor::SlurmExecutor(SlurmOptions options, SlurmResources resources)
    : options_(std::move(options)), resources_(resources) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

SlurmExecutor::~SlurmExecutor() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::string SlurmExecutor::job_id(int64_t trial_id) const {
  auto it = jobs_.find(trial_id);
  return it == jobs_.end() ? std::string() : it->second->id;
}

void SlurmExecutor::track(const Launch& launch, const std::string& id) {
  auto j = std::make_unique<Job>();
  j->trial_id = launch.trial_id;
  j->id = id;
  j->trial_dir = launch.trial_dir;
  j->files = SlurmFiles::in(launch.trial_dir);
  jobs_[launch.trial_id] = std::move(j);
  next_poll_ = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(options_.poll_s * 1000));
}

Status SlurmExecutor::start(const Launch& launch) {
  if (jobs_.count(launch.trial_id)) return Error{"", "trial " + std::to_string(launch.trial_id) + " is already running"};
  auto script = batch_script(launch);
  if (!script) return script.errors();
  std::error_code ec;
  fs::create_directories(launch.trial_dir, ec);
  if (ec) return Error{launch.trial_dir, "cannot create the trial directory: " + ec.message()};
  const SlurmFiles f = SlurmFiles::in(launch.trial_dir);
  // A new attempt starts with fresh files: the last one's reports are stored already.
  fs::remove(f.exit_status, ec);
  fs::remove(f.job, ec);
  {
    std::ofstream reports(f.reports, std::ios::trunc);
    std::ofstream out(f.script, std::ios::trunc);
    out << *script;
    if (!reports || !out) return Error{launch.trial_dir, "cannot write the batch script or the reports file"};
  }
  ::chmod(f.script.c_str(), 0755);
  const auto argv = sbatch_argv(options_, resources_, launch, f.script);
  const CommandResult r = run_command(argv);
  if (!r.started) return Error{"executor", r.error + " (is Slurm installed and sbatch in PATH?)"};
  if (r.exit_code != 0) {
    const std::string why = trim(r.err.empty() ? r.out : r.err);
    return Error{"executor", "sbatch failed" + (r.error.empty() ? "" : " (" + r.error + ")") + ": " +
                                 (why.empty() ? "exit status " + std::to_string(r.exit_code) : why)};
  }
  auto id = parse_sbatch_job_id(r.out);
  if (!id) return Error{"executor", "sbatch printed no job id: " + trim(r.out)};
  Json meta = {{"job_id", *id}, {"trial_id", launch.trial_id}, {"env", launch.env}};
  std::ofstream(f.job, std::ios::trunc) << meta.dump() << "\n";
  track(launch, *id);
  return {};
}

int SlurmExecutor::kill_stale(int pgid, const std::string& trial_dir) { return kill_stale_trial_processes(pgid, trial_dir); }

bool SlurmExecutor::reattach(Launch& launch, const std::string& job) {
  if (job.empty() || jobs_.count(launch.trial_id)) return false;
  const SlurmFiles f = SlurmFiles::in(launch.trial_dir);
  auto text = read_small_file(f.job);
  if (!text) return false;
  const Json meta = Json::parse(*text, nullptr, false);
  if (!meta.is_object() || meta.value("job_id", std::string()) != job) return false;
  if (auto status = read_small_file(f.exit_status)) {
    // Ended while no engine ran. Killed by a signal (a stop of the previous engine, or a cancel): it
    // restarts from its checkpoint as a local trial would. Otherwise its outcome and reports count.
    const long code = std::strtol(trim(*status).c_str(), nullptr, 10);
    if (code > 128) return false;
  } else {
    // Ended without a status (cancelled while no engine ran, out of time): nothing to take over.
    const CommandResult q = run_command({"squeue", "--noheader", "--states=all", "--format=%i|%T", "--jobs=" + job});
    if (q.started && q.exit_code == 0) {
      std::string state;
      std::istringstream lines(q.out);
      for (std::string line; std::getline(lines, line);) {
        if (auto bar = line.find('|'); bar != std::string::npos && trim(line.substr(0, bar)) == job) {
          state = trim(line.substr(bar + 1));
        }
      }
      if (!slurm_state_active(state)) return false;
    } else if (q.started && (q.err.find("Invalid job id") != std::string::npos)) {
      return false;
    }
    // squeue failing otherwise (controller unreachable): attach; the next polls decide.
  }
  if (meta.contains("env") && meta["env"].is_object()) {
    for (const auto& [k, v] : meta["env"].items()) {
      if (v.is_string()) launch.env[k] = v.get<std::string>();
    }
  }
  track(launch, job);
  next_poll_ = Clock::now();
  return true;
}

void SlurmExecutor::cancel(const std::string& job, const char* signal) {
  if (signal) run_command({"scancel", std::string("--signal=") + signal, "--full", job});
  else run_command({"scancel", job});
}

void SlurmExecutor::stop(int64_t trial_id, std::chrono::milliseconds grace) {
  auto it = jobs_.find(trial_id);
  if (it == jobs_.end()) return;
  Job& j = *it->second;
  if (j.stopping) return;
  j.stopping = true;
  j.kill_at = Clock::now() + grace;
  if (j.state == "PENDING" || grace.count() <= 0) {
    // A queued job has no process to signal; a running one without grace ends now.
    if (j.state != "PENDING") cancel(j.id, "KILL");
    cancel(j.id, nullptr);
    j.killed = true;
    return;
  }
  cancel(j.id, "TERM");
}

void SlurmExecutor::wake() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void SlurmExecutor::tail(Job& j, std::vector<ExecEvent>& out, bool to_end) {
  int fd = ::open(j.files.reports.c_str(), O_RDONLY | O_CLOEXEC);
  std::vector<ReportParser::Item> items;
  if (fd >= 0) {
    char buf[65536];
    // Bounded per turn unless the job has ended, so one flooding trial cannot starve the others.
    for (int rounds = 0; to_end || rounds < 16; ++rounds) {
      const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(j.offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      j.offset += static_cast<uint64_t>(n);
      auto more = j.parser.feed(std::string_view(buf, static_cast<size_t>(n)));
      for (auto& m : more) items.push_back(std::move(m));
    }
    ::close(fd);
  }
  if (to_end) {
    for (auto& m : j.parser.finish()) items.push_back(std::move(m));
  }
  for (auto& item : items) {
    ExecEvent e;
    e.trial_id = j.trial_id;
    e.kind = item.ok ? ExecEvent::Kind::Report : ExecEvent::Kind::BadReport;
    e.report = std::move(item.report);
    e.message = std::move(item.error);
    out.push_back(std::move(e));
  }
}

void SlurmExecutor::emit_exit(Job& j, int status_code, int signal, std::vector<ExecEvent>& out) {
  tail(j, out, true);
  ExecEvent e;
  e.kind = ExecEvent::Kind::Exited;
  e.trial_id = j.trial_id;
  e.exit_code = signal ? -1 : status_code;
  e.signal = signal;
  out.push_back(std::move(e));
  jobs_.erase(j.trial_id);
}

bool SlurmExecutor::accounting() {
  if (accounting_ < 0) {
    const CommandResult r = run_command({"sacct", "--noheader", "--parsable2", "--jobs=1", "--format=JobID"},
                                        std::chrono::seconds(20));
    accounting_ = r.started && r.exit_code == 0 ? 1 : 0;
  }
  return accounting_ == 1;
}

bool SlurmExecutor::finish_if_ended(Job& j, std::vector<ExecEvent>& out) {
  if (auto text = read_small_file(j.files.exit_status)) {
    const std::string s = trim(*text);
    char* end = nullptr;
    const long code = std::strtol(s.c_str(), &end, 10);
    if (!s.empty() && end && *end == '\0') {
      // The shell reports death by signal N as 128 + N.
      if (code > 128 && code < 128 + 65) emit_exit(j, -1, static_cast<int>(code - 128), out);
      else emit_exit(j, static_cast<int>(code), 0, out);
      return true;
    }
  }
  if (j.listed || Clock::now() - j.unlisted_since < kExitStatusLag) return false;
  // The job is gone and left no exit status: its script never finished (cancelled, out of time,
  // node failure, or the script could not start). sacct, when the cluster keeps accounting, says how.
  std::string state = j.state.empty() ? "unknown" : j.state;
  int code = 1, signal = 0;
  if (accounting()) {
    const CommandResult r = run_command(
        {"sacct", "--noheader", "--parsable2", "--allocations", "--jobs=" + j.id, "--format=State,ExitCode"},
        std::chrono::seconds(20));
    std::istringstream lines(r.out);
    std::string line;
    if (r.exit_code == 0 && std::getline(lines, line)) {
      const auto bar = line.find('|');
      if (bar != std::string::npos) {
        state = trim(line.substr(0, bar));
        const std::string ec = trim(line.substr(bar + 1));
        if (auto colon = ec.find(':'); colon != std::string::npos) {
          code = std::atoi(ec.substr(0, colon).c_str());
          signal = std::atoi(ec.substr(colon + 1).c_str());
        }
      }
    }
  }
  if (j.killed || j.stopping || state.starts_with("CANCELLED") || state == "TIMEOUT" || state == "PREEMPTED" ||
      state == "OUT_OF_MEMORY" || state == "NODE_FAIL" || state == "DEADLINE") {
    if (!signal) signal = j.killed ? SIGKILL : SIGTERM;
  }
  if (!signal && code == 0) code = 1;
  append_line(j.trial_dir + "/stderr.log", "tunelab: Slurm job " + j.id + " ended (" + state +
                                               ") without recording an exit status; see " + j.trial_dir +
                                               "/slurm.log");
  emit_exit(j, code, signal, out);
  return true;
}

void SlurmExecutor::poll_queue() {
  if (jobs_.empty()) return;
  std::string ids;
  for (const auto& [trial, j] : jobs_) ids += (ids.empty() ? "" : ",") + j->id;
  const CommandResult r = run_command({"squeue", "--noheader", "--states=all", "--format=%i|%T", "--jobs=" + ids});
  std::map<std::string, std::string> states;
  if (!r.started || r.exit_code != 0) {
    // "Invalid job id": none of them is known any more. Anything else (the controller is busy or
    // unreachable): ask again at the next poll.
    if (!r.started || r.err.find("Invalid job id") == std::string::npos) return;
  } else {
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (auto bar = line.find('|'); bar != std::string::npos) states[trim(line.substr(0, bar))] = trim(line.substr(bar + 1));
    }
  }
  const auto now = Clock::now();
  for (auto& [trial, j] : jobs_) {
    auto it = states.find(j->id);
    if (it != states.end()) j->state = it->second;
    const bool listed = it != states.end() && slurm_state_active(it->second);
    if (j->listed && !listed) j->unlisted_since = now;
    j->listed = listed;
  }
}

std::vector<ExecEvent> SlurmExecutor::wait(std::chrono::milliseconds timeout) {
  std::vector<ExecEvent> out;
  auto now = Clock::now();
  for (auto& [trial, j] : jobs_) {
    if (!j->stopping || j->killed) continue;
    if (now >= j->kill_at) {
      cancel(j->id, "KILL");
      cancel(j->id, nullptr);
      j->killed = true;
    } else {
      timeout = std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(j->kill_at - now) +
                                      std::chrono::milliseconds(1));
    }
  }
  if (!jobs_.empty()) timeout = std::min(timeout, kTailInterval);
  pollfd p{wake_fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, timeout.count()))) > 0) {
    uint64_t v;
    (void)!::read(wake_fd_, &v, sizeof v);
  }
  now = Clock::now();
  if (!jobs_.empty() && now >= next_poll_) {
    poll_queue();
    next_poll_ = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(options_.poll_s * 1000));
  }
  std::vector<int64_t> ids;
  for (const auto& [trial, j] : jobs_) ids.push_back(trial);
  for (int64_t id : ids) {
    Job& j = *jobs_.at(id);
    if (!finish_if_ended(j, out)) tail(j, out, false);
  }
  return out;
}

}  // namespace tunelab

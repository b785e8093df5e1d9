#pragma once
// The trial side of docs/protocol.md for trainers written in C++: header-only, POSIX, no dependencies.
// When <nlohmann/json.hpp> is on the include path it also offers config() and report(json)
// (define TUNELAB_CLIENT_NO_JSON to leave them out).
//
//   #include <tunelab/client.hpp>
//   namespace tl = tunelab::client;
//   for (int epoch = 1; epoch <= 10; ++epoch) {
//     ... train ...
//     tl::HoldStop hold;  // a stop waits until the checkpoint is reported
//     ... write "ckpt-<epoch>.bin" with tl::write_file_atomic ...
//     tl::report({{"training_iteration", epoch}, {"loss", loss}}, "ckpt-" + std::to_string(epoch) + ".bin");
//   }
//
// Every function also works when the trainer is run by hand (no TUNELAB_* variables): the configuration is "{}",
// the trial directory is ".", and reports go to stdout prefixed with "TUNELAB REPORT " (as the Python client does).
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#if !defined(TUNELAB_CLIENT_NO_JSON) && __has_include(<nlohmann/json.hpp>)
#include <nlohmann/json.hpp>
#define TUNELAB_CLIENT_HAS_JSON 1
#endif

namespace tunelab::client {

// The engine ignores report lines longer than this (docs/protocol.md).
inline constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

// The value of an environment variable, or nullopt when it is unset or empty.
inline std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

namespace detail {
// The decimal integer in text, or nullopt when text is absent, not a whole integer, or out of range.
inline std::optional<long long> parse_integer(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text->c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return v;
}
}  // namespace detail

// True when the process was started by TuneLab (TUNELAB_REPORT_FD is set).
inline bool in_trial() { return env("TUNELAB_REPORT_FD").has_value(); }

// The trial's configuration as raw JSON text: TUNELAB_CONFIG, else the content of the file TUNELAB_CONFIG_FILE
// names (the engine leaves TUNELAB_CONFIG out when the config is too large for one environment variable), else "{}"
// (run by hand).
inline std::string config_json() {
  if (auto text = env("TUNELAB_CONFIG")) return *text;
  if (auto path = env("TUNELAB_CONFIG_FILE")) {
    if (std::FILE* f = std::fopen(path->c_str(), "rb")) {
      std::string text;
      char buf[65536];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
      std::fclose(f);
      if (!text.empty()) return text;
    }
  }
  return "{}";
}

// The trial's own directory (TUNELAB_TRIAL_DIR), or "." when run by hand.
inline std::string trial_dir() { return env("TUNELAB_TRIAL_DIR").value_or("."); }

// The trial number within the study (0, 1, 2, ...), or nullopt when run by hand.
inline std::optional<long long> trial_id() { return detail::parse_integer(env("TUNELAB_TRIAL_ID")); }

// The study name, or nullopt when run by hand.
inline std::optional<std::string> study() { return env("TUNELAB_STUDY"); }

// 0 for a trial's first start, 1, 2, ... for each restart; 0 when run by hand.
inline int attempt() { return static_cast<int>(detail::parse_integer(env("TUNELAB_ATTEMPT")).value_or(0)); }

// The checkpoint to continue from (the path this trial, or the trial it was cloned from, sent in "_checkpoint"),
// or nullopt for a fresh start.
inline std::optional<std::string> restore_path() { return env("TUNELAB_RESTORE_PATH"); }

// The training_iteration of the report that carried restore_path(); 0 when there is none.
inline long long restore_iteration() {
  return detail::parse_integer(env("TUNELAB_RESTORE_ITERATION")).value_or(0);
}

// Writes all of data to fd, retrying after EINTR and partial writes. False (errno set) on failure.
inline bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Replaces the file at path with data so that readers see the old or the new content, never a mix: writes
// "path.tmp", fsyncs it, renames it over path. On failure returns false and, when error is given, says why.
inline bool write_file_atomic(const std::string& path, std::string_view data, std::string* error = nullptr) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](const char* what) {
    if (error != nullptr) *error = std::string(what) + " " + tmp + ": " + std::strerror(errno);
    return false;
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot create");
  if (!write_all(fd, data) || ::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    errno = saved;
    return fail("cannot write");
  }
  if (::close(fd) != 0) return fail("cannot close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    return fail("cannot rename");
  }
  return true;
}

// Holds off SIGTERM and SIGINT (the engine's "stop") in the calling thread while it lives; one that arrives
// meanwhile ends the trial when the hold is released. Hold one from writing a checkpoint until its report is
// sent, so that a stop cannot fall between the two and leave a file the engine never heard of (and so never
// deletes):
//   { tl::HoldStop hold; write checkpoint-N.bin; tl::report(line); }
// It blocks the signals of this thread only: a trainer with other threads should block them there for good.
class HoldStop {
 public:
  HoldStop() {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    held_ = pthread_sigmask(SIG_BLOCK, &stop, &previous_) == 0;
  }
  ~HoldStop() {
    if (held_) pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  HoldStop(const HoldStop&) = delete;
  HoldStop& operator=(const HoldStop&) = delete;

 private:
  sigset_t previous_{};
  bool held_ = false;
};

// A (name, value) metric. Whole numbers print without a fraction, so {"training_iteration", 3} sends 3.
using Metric = std::pair<std::string, double>;

// Builds one report line (a JSON object and "\n") without a JSON library.
// Keys are escaped; numbers are written as %.17g would (exact round trip, whatever the C locale); NaN and
// infinities become null.
// Keys beginning with '_' are reserved by the protocol: send them through checkpoint()/done().
class Line {
 public:
  Line& number(std::string_view key, double value) {
    if (!std::isfinite(value)) return raw(key, "null");
    char buf[32];  // as printf's %.17g, but never with a locale's decimal comma
    const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, 17);
    return raw(key, std::string_view(buf, static_cast<std::size_t>(result.ptr - buf)));
  }
  Line& text(std::string_view key, std::string_view value) { return raw(key, quote(value)); }
  Line& boolean(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
  Line& checkpoint(std::string_view path) { return text("_checkpoint", path); }
  Line& done() { return boolean("_done", true); }

  // The finished line, "{...}\n".
  std::string str() const { return (body_.empty() ? "{" : body_) + "}\n"; }

  // s as a JSON string literal (quotes included). Bytes >= 0x80 pass through (UTF-8 is assumed).
  static std::string quote(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            out += buf;
          } else {
            out += c;
          }
      }
    }
    return out + "\"";
  }

 private:
  Line& raw(std::string_view key, std::string_view json_value) {
    body_ += body_.empty() ? "{" : ",";
    body_ += quote(key);
    body_ += ':';
    body_ += json_value;
    return *this;
  }
  std::string body_;
};

// Sends one finished line (as from Line::str(): one JSON object ending in "\n") to the report channel
// (TUNELAB_REPORT_FD; stdout with a "TUNELAB REPORT " prefix when unset). Thread-safe: calls are serialised and
// each line goes out whole before the call returns. False when the line is over kMaxLineBytes or the write fails.
// If the engine has gone away the write raises SIGPIPE, which ends the trial as the engine would have.
inline bool send_line(std::string_view line) {
  static std::mutex mutex;
  if (line.size() > kMaxLineBytes || line.empty() || line.back() != '\n') return false;
  const std::optional<long long> fd = detail::parse_integer(env("TUNELAB_REPORT_FD"));
  std::lock_guard<std::mutex> lock(mutex);
  if (!fd) {
    std::fflush(stdout);  // keep order with anything printed through stdio
    return write_all(STDOUT_FILENO, "TUNELAB REPORT " + std::string(line));
  }
  return write_all(static_cast<int>(*fd), line);
}

// Reports metrics (and optionally a checkpoint written *before* this call, absolute or relative to the trial
// directory, and the trial's "I am finished") as one line: report({{"loss", 0.3}, {"acc", 0.9}}, "ckpt.bin").
inline bool report(const std::vector<Metric>& metrics, const std::optional<std::string>& checkpoint = std::nullopt,
                   bool done = false) {
  Line line;
  for (const auto& [key, value] : metrics) line.number(key, value);
  if (checkpoint) line.checkpoint(*checkpoint);
  if (done) line.done();
  return send_line(line.str());
}
inline bool report(std::initializer_list<Metric> metrics,
                   const std::optional<std::string>& checkpoint = std::nullopt, bool done = false) {
  return report(std::vector<Metric>(metrics), checkpoint, done);
}
inline bool report(const Line& line) { return send_line(line.str()); }

#ifdef TUNELAB_CLIENT_HAS_JSON
// The configuration as JSON. Throws nlohmann::json::parse_error if TUNELAB_CONFIG is not valid JSON (the engine
// always sends an object).
inline nlohmann::json config() { return nlohmann::json::parse(config_json()); }

// Reports any JSON object (strings, booleans and nested values are stored as they are; NaN becomes null).
// False when object is not an object. Braced lists pick the Metric overload; wrap them in nlohmann::json{...}
// to send non-numbers.
namespace detail {
template <typename Json>
bool report_json(const Json& object) {
  if (!object.is_object()) return false;
  return send_line(object.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace) + "\n");
}
}  // namespace detail
inline bool report(const nlohmann::json& object) { return detail::report_json(object); }
inline bool report(const nlohmann::ordered_json& object) { return detail::report_json(object); }
#endif

}  // namespace tunelab::client

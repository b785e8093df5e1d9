#include "cli/terminal_view.h"

#include <unistd.h>

#include <cmath>

namespace tunelab::cli {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto total = static_cast<int64_t>(std::llround(s));
  char buf[32];
  if (total >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(total / 3600), (long long)(total % 3600 / 60));
  else if (total >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(total / 60), (long long)(total % 60));
  else std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

namespace {

void append_hex(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// Length of the valid UTF-8 sequence starting at s[i] (2 to 4), or 0 when there is none.
size_t utf8_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  const size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(i + 1) > 0x9F) return 0;   // surrogates
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(i + 1) > 0x8F) return 0;   // past U+10FFFF
  return n;
}

}  // namespace

std::string terminal_safe(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && !(keep_newlines && c == '\n')) || c == 0x7F) append_hex(out, c);
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    const size_t n = utf8_length(text, i);
    if (n == 0) {
      append_hex(out, c);
      ++i;
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      append_hex(out, c);  // a C1 control (U+0080 to U+009F), e.g. U+009B, the one-character CSI
      append_hex(out, static_cast<unsigned char>(text[i + 1]));
      i += 2;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

TerminalView::TerminalView(std::string metric, bool quiet)
    : metric_(std::move(metric)), quiet_(quiet), tty_(isatty(STDOUT_FILENO) == 1) {}

void TerminalView::print_line(const std::string& line) {
  if (tty_ && progress_drawn_) std::fputs("\r\033[K", stdout);
  std::fputs(terminal_safe(line, true).c_str(), stdout);  // event messages carry trial text
  std::fputc('\n', stdout);
  progress_drawn_ = false;
  std::fflush(stdout);
}

void TerminalView::draw_progress(const Progress& p) {
  char best[64] = "-";
  if (p.best_value) std::snprintf(best, sizeof best, "%.6g (trial %lld)", *p.best_value, (long long)*p.best_trial);
  std::string total = p.total >= 0 ? std::to_string(p.total) : std::string("?");
  std::string line = "[" + format_duration(p.elapsed_s) + "] done " + std::to_string(p.finished()) + "/" + total +
                     "  running " + std::to_string(p.running) + "  stopped " + std::to_string(p.stopped) +
                     "  errored " + std::to_string(p.errored) + "  best " + metric_ + " " + best +
                     "  ETA " + (p.eta_s ? format_duration(*p.eta_s) : std::string("-"));
  if (tty_) {
    std::fputs(("\r\033[K" + terminal_safe(line)).c_str(), stdout);
    progress_drawn_ = true;
    std::fflush(stdout);
  } else {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_plain_ < std::chrono::seconds(10)) return;
    last_plain_ = now;
    print_line(line);
  }
}

void TerminalView::on_event(const StudyEvent& e) {
  if (quiet_) return;
  switch (e.kind) {
    case StudyEvent::Kind::Progress:
      draw_progress(e.progress);
      break;
    case StudyEvent::Kind::Decision:
      // Stops by the scheduler or the user are news; a trial reaching its iteration limit is not.
      if (e.data.value("source", "") != "stopper" || e.data.value("action", "") != "complete" ||
          e.message.find("reached training_iteration") == std::string::npos) {
        print_line("  " + e.message);
      }
      break;
    case StudyEvent::Kind::Log: {
      const std::string kind = e.data.value("kind", "");
      // Routine lines stay out of the way; problems and endings are shown.
      if (kind == "errored" || kind == "retried" ||
          kind == "bad_report" || kind == "budget" || kind == "interrupted" || kind == "stalled" ||
          kind == "resumed" || kind == "restarted" || kind == "engine_resources") {
        print_line("  " + e.message);
      }
      break;
    }
    case StudyEvent::Kind::Finished:
      draw_progress(e.progress);
      if (tty_) print_line("");
      break;
    default:
      break;
  }
}

}  // namespace tunelab::cli

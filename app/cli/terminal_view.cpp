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

TerminalView::TerminalView(std::string metric, bool quiet)
    : metric_(std::move(metric)), quiet_(quiet), tty_(isatty(STDOUT_FILENO) == 1) {}

void TerminalView::print_line(const std::string& line) {
  if (tty_ && progress_drawn_) std::fputs("\r\033[K", stdout);
  std::fputs(line.c_str(), stdout);
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
    std::fputs(("\r\033[K" + line).c_str(), stdout);
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
      if (e.data.value("source", "") != "stopper" || e.data.value("action", "") != "stop" ||
          e.message.find("reached training_iteration") == std::string::npos) {
        print_line("  " + e.message);
      }
      break;
    case StudyEvent::Kind::Log: {
      const std::string kind = e.data.value("kind", "");
      // Routine lines stay out of the way; problems and endings are shown.
      if (kind == "errored" || kind == "retried" ||
          kind == "bad_report" || kind == "budget" || kind == "interrupted" || kind == "stalled" ||
          kind == "resumed" || kind == "restarted") {
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

#pragma once
// The headless subcommands. Each returns the process exit status.
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/analysis/summary.h"
#include "core/store/store.h"

namespace tunelab::cli {

using Args = std::vector<std::string>;  // arguments after the subcommand

// A study read back for a command that only reads it: its store (read-only) and its summary.
struct ReadStudy {
  std::unique_ptr<Store> store;
  StudySummary summary;
};
// Opens the study at `db` read-only and summarizes it. On failure prints "tunelab COMMAND: why" to stderr and
// returns nullopt (the command then exits with kExitFailed).
std::optional<ReadStudy> read_study(const std::string& db, const char* command);

int run_command(const Args& args);      // tunelab run SPEC [--db FILE] [--max-concurrent N] [--quiet]
int resume_command(const Args& args);   // tunelab resume DB [--max-concurrent N] [--quiet]
int show_command(const Args& args);     // tunelab show DB [--json]
int export_command(const Args& args);   // tunelab export DB --format csv|json|optuna [--results] [--out FILE]
int trial_command(const Args& args);    // tunelab trial NAME (runs a built-in trainable)
int validate_command(const Args& args); // tunelab validate SPEC
int plot_command(const Args& args);     // tunelab plot DB --kind K [--x P] [--y M] --out FILE.png|svg
int refine_command(const Args& args);   // tunelab refine DB [--top FRACTION] [--out FILE]
int replay_command(const Args& args);   // tunelab replay DB --scheduler JSON [--concurrency N] [--json]
int import_command(const Args& args);   // tunelab import PATH --db OUT.db [--study NAME] [--metric M --mode max|min]
// tunelab stop|pause|resume|set|add|clone DB ...: a command for the engine running the study (control_command.cpp).
int control_command(const std::string& verb, const Args& args);
// The same; `if_no_engine` answers instead when no engine turns out to be running after all.
int control_command(const std::string& verb, const Args& args, const std::function<int()>& if_no_engine);
// tunelab resume: --trial N, or an engine running the study, sends a command; otherwise resume_command.
int resume_dispatch(const Args& args);
int where_command(const Args& args);    // tunelab where NAME [--storage DIR] [--fresh]
// tunelab export DB --format curves [--metric M] [--out FILE] [--force]: learning curves as a curve table.
int export_curves(const std::string& db, const std::string& metric, const std::optional<std::string>& out, bool force);

void print_usage();

// The files of one study: its database (with -wal, -shm, -journal and .lock beside it) and its trials folder
// (empty: the default beside the database).
struct StudyFiles {
  std::string db;
  std::string trials_dir;
};
// Why `out` must not be written, or empty when it may. An output never replaces one of the study's own files,
// whatever name reaches it (symlinks, "..", hard links), nor goes inside its trials folder; nor does it replace
// another SQLite database unless `force`.
std::string refuse_output(const std::string& out, const StudyFiles& study, bool force);
// refuse_output, printing "tunelab COMMAND: refusing to write OUT: WHY" when it refuses.
bool check_output(const std::string& out, const StudyFiles& study, bool force, const char* command);

// Writes text to path through a temporary file beside it and a rename, so a failed write never leaves
// half a file. On failure prints "tunelab COMMAND: cannot write PATH" to stderr and returns false.
bool write_output_file(const std::string& path, const std::string& text, const char* command);
// The same with the text written by `write` (false: it failed, and said why): a long output is never held whole.
bool write_output_file(const std::string& path, const std::function<bool(std::ostream&)>& write, const char* command);

// Exit statuses.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;       // the study failed, or every trial errored
constexpr int kExitUsage = 2;        // bad arguments or a bad spec
constexpr int kExitInterrupted = 130;

}  // namespace tunelab::cli

#pragma once
// One engine per study, keyed on the database file itself (its inode), not on the path that names it: a
// symlink, a hard link, `./x/../study.db` or a deleted `.lock` file all lead to the same lock.
//
// The lock is an open-file-description lock (F_OFD_SETLK) on one byte far past anything SQLite locks
// (SQLite's own locks are POSIX locks near 1 GiB); the kernel drops it when the process ends, SIGKILL
// included. The descriptor on the database that carries it is never closed while the process lives:
// closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's included
// (a reader's connection in the GUI would lose its locks). Each database file this process ever locked
// or probed keeps one descriptor, parked for reuse.
#include <string>

#include "core/util/result.h"

namespace tunelab {

// Takes the engine lock of the study database at `db_path` (an existing regular file). Fails with "the
// study is in use by another tunelab process ..." when another process, or another store of this
// process, holds it. Returns a key for unlock_study_file.
Result<int> lock_study_file(const std::string& db_path);

// Releases what lock_study_file took (the descriptor stays parked). -1 does nothing.
void unlock_study_file(int key);

// Whether some engine (a `run` or `resume`, in this process or another) holds the engine lock of the
// study at `db_path`, however that file is named. Changes nothing: takes no lock and creates no file.
// False when the file does not exist or cannot be read.
bool study_engine_running(const std::string& db_path);

}  // namespace tunelab

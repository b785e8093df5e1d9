#include "core/store/study_lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

namespace tunelab {

namespace {

// The locked byte: far past the end of any database and past SQLite's lock bytes (0x40000000 and the
// 510 after it), so it never meets a lock SQLite takes.
constexpr off_t kLockByte = off_t(1) << 62;

struct Parked {
  int fd = -1;
  bool held = false;  // this process holds the engine lock through fd
};

std::mutex g_mutex;
std::map<std::pair<dev_t, ino_t>, Parked> g_parked;  // guarded by g_mutex; entries are never erased

struct flock lock_request(short type) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = kLockByte;
  fl.l_len = 1;
  fl.l_pid = 0;  // must be 0 for OFD locks
  return fl;
}

// The parked descriptor of the file at `path` (opened now if this file was never seen), or -1 with errno.
Parked* parked(const std::string& path, bool write) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return nullptr;
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    return nullptr;
  }
  Parked& p = g_parked[{st.st_dev, st.st_ino}];
  if (p.fd >= 0 && write && (::fcntl(p.fd, F_GETFL) & O_ACCMODE) != O_RDWR) {
    // Opened read-only by an earlier probe: a write lock needs a writable descriptor. The read-only one
    // stays parked (closing it would drop this process's SQLite locks on the file).
    p.fd = -1;
  }
  if (p.fd < 0) {
    const int fd = ::open(path.c_str(), (write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return nullptr;
    struct stat now {};
    if (::fstat(fd, &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
      // Replaced between stat and open: park it under its own identity and try the new file.
      if (::fstat(fd, &now) == 0) g_parked[{now.st_dev, now.st_ino}].fd = fd;
      errno = EAGAIN;
      return nullptr;
    }
    p.fd = fd;
  }
  return &p;
}

}  // namespace

Result<int> lock_study_file(const std::string& db_path) {
  std::lock_guard guard(g_mutex);
  Parked* p = parked(db_path, true);
  if (!p) return Error{db_path, std::string("cannot open the study database to lock it: ") + std::strerror(errno)};
  struct flock fl = lock_request(F_WRLCK);
  if (p->held || ::fcntl(p->fd, F_OFD_SETLK, &fl) != 0) {
    if (!p->held && errno != EAGAIN && errno != EACCES) {
      return Error{db_path, std::string("cannot lock the study database: ") + std::strerror(errno)};
    }
    return Error{db_path, "the study is in use by another tunelab process (run or resume); stop that one first"};
  }
  p->held = true;
  return p->fd;
}

void unlock_study_file(int key) {
  if (key < 0) return;
  std::lock_guard guard(g_mutex);
  for (auto& [id, p] : g_parked) {
    if (p.fd != key || !p.held) continue;
    struct flock fl = lock_request(F_UNLCK);
    ::fcntl(p.fd, F_OFD_SETLK, &fl);
    p.held = false;
  }
}

bool study_engine_running(const std::string& db_path) {
  std::lock_guard guard(g_mutex);
  Parked* p = parked(db_path, false);
  if (!p) return false;
  if (p->held) return true;
  // F_OFD_GETLK asks for a write lock's conflicts: any engine's lock, in any process (a read-only
  // descriptor cannot test for a write lock, so a read lock is asked for; the engine's lock is a write lock
  // and conflicts with it).
  struct flock fl = lock_request(F_RDLCK);
  if (::fcntl(p->fd, F_OFD_GETLK, &fl) != 0) return false;
  return fl.l_type != F_UNLCK;
}

}  // namespace tunelab

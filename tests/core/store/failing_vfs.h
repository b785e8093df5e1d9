#pragma once
// A SQLite VFS that forwards to the default one and, while `failing_vfs::full` is set, fails every
// write with SQLITE_FULL: a disk that fills up at a chosen moment. install() makes it the default
// VFS of the process, so the store's connections use it without knowing.
#include <sqlite3.h>

#include <atomic>

namespace tunelab::test::failing_vfs {

inline std::atomic<bool> full{false};
inline std::atomic<int> failed_writes{0};

struct File {
  sqlite3_file base;
  sqlite3_file* real;  // allocated right after this struct
};

inline sqlite3_vfs* real_vfs = nullptr;
inline sqlite3_io_methods methods{};

inline sqlite3_file* R(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

inline int x_close(sqlite3_file* f) { return R(f)->pMethods->xClose(R(f)); }
inline int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) { return R(f)->pMethods->xRead(R(f), p, n, off); }
inline int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  if (full) {
    ++failed_writes;
    return SQLITE_FULL;
  }
  return R(f)->pMethods->xWrite(R(f), p, n, off);
}
inline int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return R(f)->pMethods->xTruncate(R(f), size); }
inline int x_sync(sqlite3_file* f, int flags) { return R(f)->pMethods->xSync(R(f), flags); }
inline int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return R(f)->pMethods->xFileSize(R(f), size); }
inline int x_lock(sqlite3_file* f, int l) { return R(f)->pMethods->xLock(R(f), l); }
inline int x_unlock(sqlite3_file* f, int l) { return R(f)->pMethods->xUnlock(R(f), l); }
inline int x_check_reserved(sqlite3_file* f, int* out) { return R(f)->pMethods->xCheckReservedLock(R(f), out); }
inline int x_file_control(sqlite3_file* f, int op, void* arg) { return R(f)->pMethods->xFileControl(R(f), op, arg); }
inline int x_sector_size(sqlite3_file* f) { return R(f)->pMethods->xSectorSize(R(f)); }
inline int x_device(sqlite3_file* f) { return R(f)->pMethods->xDeviceCharacteristics(R(f)); }
inline int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return R(f)->pMethods->xShmMap(R(f), page, size, extend, out);
}
inline int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) { return R(f)->pMethods->xShmLock(R(f), offset, n, flags); }
inline void x_shm_barrier(sqlite3_file* f) { R(f)->pMethods->xShmBarrier(R(f)); }
inline int x_shm_unmap(sqlite3_file* f, int del) { return R(f)->pMethods->xShmUnmap(R(f), del); }
inline int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** p) { return R(f)->pMethods->xFetch(R(f), off, n, p); }
inline int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) { return R(f)->pMethods->xUnfetch(R(f), off, p); }

inline int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<File*>(f);
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->base.pMethods = nullptr;
  const int rc = real_vfs->xOpen(real_vfs, name, file->real, flags, out_flags);
  if (file->real->pMethods) file->base.pMethods = &methods;  // closed through us even when opening failed
  return rc;
}

inline sqlite3_vfs vfs{};

// Registers the VFS as the process default (once).
inline void install() {
  if (real_vfs) return;
  real_vfs = sqlite3_vfs_find(nullptr);
  methods = {3,          x_close,      x_read,      x_write,         x_truncate,     x_sync,
             x_file_size, x_lock,      x_unlock,    x_check_reserved, x_file_control, x_sector_size,
             x_device,   x_shm_map,    x_shm_lock,  x_shm_barrier,   x_shm_unmap,    x_fetch,
             x_unfetch};
  vfs = *real_vfs;
  vfs.zName = "tunelab_failing";
  vfs.szOsFile = static_cast<int>(sizeof(File)) + real_vfs->szOsFile;
  vfs.xOpen = x_open;
  vfs.pNext = nullptr;
  sqlite3_vfs_register(&vfs, /*makeDflt=*/1);
}

}  // namespace tunelab::test::failing_vfs

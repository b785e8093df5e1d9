// Writing what export, refine and plot produce, without ever replacing the study they read.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/cli.h"

namespace tunelab::cli {
namespace fs = std::filesystem;

namespace {

fs::path resolved(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? fs::path(path).lexically_normal() : p;
}

bool same_file(const struct stat& a, const std::string& path) {
  struct stat b {};
  return ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool is_sqlite_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char header[16] = {};
  return f.read(header, sizeof header) && std::memcmp(header, "SQLite format 3", 16) == 0;
}

}  // namespace

std::string refuse_output(const std::string& out, const StudyFiles& study, bool force) {
  if (out.empty()) return "the output path is empty";
  std::string trials_dir = study.trials_dir;
  if (trials_dir.empty()) {  // the default beside the database: study.db -> study_trials/
    const fs::path db = resolved(study.db);
    trials_dir = (db.parent_path() / (db.stem().string() + "_trials")).string();
  }
  const std::pair<std::string, const char*> own[] = {
      {study.db, "the study database"},          {study.db + "-wal", "the study database's write-ahead log"},
      {study.db + "-shm", "the study database's shared-memory index"},
      {study.db + "-journal", "the study database's journal"}, {study.db + ".lock", "the study's lock file"},
      {trials_dir, "the study's trials folder"}};
  const fs::path target = resolved(out);
  struct stat st {};
  const bool exists = ::stat(out.c_str(), &st) == 0;
  for (const auto& [path, what] : own) {
    const fs::path p = resolved(path);
    // The same name once symlinks and ".." are resolved, or the same file under another name (a hard link).
    if (target == p || (exists && same_file(st, path))) return out + " is " + what + " (" + path + ")";
  }
  const std::string inside = resolved(trials_dir).string() + "/";
  if (target.string().starts_with(inside)) return out + " is inside the study's trials folder (" + trials_dir + ")";
  if (exists && S_ISDIR(st.st_mode)) return out + " is a folder";
  if (exists && !force && is_sqlite_file(out)) {
    return out + " is an SQLite database; an output never replaces one unless --force is given";
  }
  return {};
}

bool check_output(const std::string& out, const StudyFiles& study, bool force, const char* command) {
  const std::string why = refuse_output(out, study, force);
  if (why.empty()) return true;
  std::cerr << "tunelab " << command << ": refusing to write " << out << ": " << why << "\n";
  return false;
}

bool write_output_file(const std::string& path, const std::string& text, const char* command) {
  return write_output_file(path, [&](std::ostream& out) { return static_cast<bool>(out << text); }, command);
}

bool write_output_file(const std::string& path, const std::function<bool(std::ostream&)>& write, const char* command) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    const bool written = f && write(f);
    if (!written || !f.flush()) {
      // A `write` that failed with the stream still good has said why.
      if (!f) std::cerr << "tunelab " << command << ": cannot write " << tmp << "\n";
      f.close();
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::cerr << "tunelab " << command << ": cannot write " << path << "\n";
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace tunelab::cli

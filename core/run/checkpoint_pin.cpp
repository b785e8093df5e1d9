#include "core/run/checkpoint_pin.h"

#include <unistd.h>

#include <filesystem>

namespace tunelab {
namespace fs = std::filesystem;

namespace {

// Links one file, copying when a link is impossible (another file system, no permission).
void link_or_copy(const fs::path& from, const fs::path& to, std::error_code& ec) {
  if (::link(from.c_str(), to.c_str()) == 0) return;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
}

}  // namespace

Result<std::string> pin_checkpoint(const std::string& source, const std::string& trial_dir, int64_t iteration) {
  std::error_code ec;
  const fs::path src = source;
  const fs::path pin_dir = fs::path(trial_dir) / ".checkpoints" / std::to_string(iteration);
  fs::remove_all(pin_dir, ec);
  fs::create_directories(pin_dir, ec);
  if (ec) return Error{pin_dir.string(), "cannot create the checkpoint folder: " + ec.message()};
  const fs::path dest = pin_dir / (src.filename().empty() ? fs::path("checkpoint") : src.filename());
  if (fs::is_directory(src, ec)) {
    fs::create_directories(dest, ec);
    for (auto it = fs::recursive_directory_iterator(src, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      const fs::path target = dest / fs::relative(it->path(), src, ec);
      if (it->is_symlink(ec)) continue;  // never followed: it could point out of the trial's folder
      if (it->is_directory(ec)) fs::create_directories(target, ec);
      else if (it->is_regular_file(ec)) link_or_copy(it->path(), target, ec);
    }
  } else {
    link_or_copy(src, dest, ec);
  }
  if (ec) {
    fs::remove_all(pin_dir, ec);
    return Error{source, "cannot keep the checkpoint: " + ec.message()};
  }
  return dest.string();
}

void prune_checkpoint_pins(const std::string& trial_dir, int64_t keep_a, int64_t keep_b) {
  std::error_code ec;
  const fs::path root = fs::path(trial_dir) / ".checkpoints";
  for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == std::to_string(keep_a) || name == std::to_string(keep_b)) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
  }
}

}  // namespace tunelab

#include "core/run/checkpoint_pin.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <filesystem>
#include <fstream>

namespace tunelab {
namespace fs = std::filesystem;

namespace {

// In a pin folder beside the pin: the identity and path of the trial's file it was pinned from.
constexpr const char* kSourceNote = ".tunelab-source";

// Links one file, copying when a link is impossible (another file system, no permission), at most
// `copy_left` bytes in all.
void link_or_copy(const fs::path& from, const fs::path& to, uint64_t& copy_left, std::error_code& ec,
                  std::string& why) {
  if (::link(from.c_str(), to.c_str()) == 0) return;
  const uint64_t size = fs::file_size(from, ec);
  if (ec) return;
  if (size > copy_left) {
    why = "it needs more than " + std::to_string(kPinMaxCopyBytes >> 20) +
          " MiB copied (its files cannot be hard-linked); not kept";
    return;
  }
  copy_left -= size;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
}

}  // namespace

std::string engine_owned_checkpoint(const std::string& rel) {
  const fs::path r = fs::path(rel).lexically_normal();
  if (r.empty() || r.begin() == r.end()) return {};
  const std::string first = r.begin()->string();
  if (first == ".checkpoints") return "is inside the engine's own folder of pins (.checkpoints); refused";
  if (std::next(r.begin()) == r.end()) {
    for (const char* own : {"stdout.log", "stderr.log", "stdout.log.1", "stderr.log.1", "config.json"}) {
      if (first == own) return "is the engine's own " + first + "; refused";
    }
  }
  return {};
}

Result<std::string> pin_checkpoint(const std::string& source, const std::string& trial_dir, int64_t iteration) {
  std::error_code ec;
  const fs::path src = source;
  const fs::path pin_dir = fs::path(trial_dir) / ".checkpoints" / std::to_string(iteration);
  fs::remove_all(pin_dir, ec);
  fs::create_directories(pin_dir, ec);
  if (ec) return Error{pin_dir.string(), "cannot create the checkpoint folder: " + ec.message()};
  const fs::path dest = pin_dir / (src.filename().empty() ? fs::path("checkpoint") : src.filename());
  uint64_t copy_left = kPinMaxCopyBytes;
  std::string why;  // a limit that was passed
  if (fs::is_directory(src, ec)) {
    fs::create_directories(dest, ec);
    int64_t entries = 0;
    for (auto it = fs::recursive_directory_iterator(src, ec);
         !ec && why.empty() && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (++entries > kPinMaxEntries) {
        why = "it holds more than " + std::to_string(kPinMaxEntries) + " files and folders; not kept";
        break;
      }
      if (it.depth() >= kPinMaxDepth) {
        why = "it is more than " + std::to_string(kPinMaxDepth) + " folders deep; not kept";
        break;
      }
      const fs::path target = dest / fs::relative(it->path(), src, ec);
      if (it->is_symlink(ec)) continue;  // never followed: it could point out of the trial's folder
      if (it->is_directory(ec)) fs::create_directories(target, ec);
      else if (it->is_regular_file(ec)) link_or_copy(it->path(), target, copy_left, ec, why);
    }
  } else {
    link_or_copy(src, dest, copy_left, ec, why);
  }
  if (ec || !why.empty()) {
    const std::string message = why.empty() ? ec.message() : why;
    fs::remove_all(pin_dir, ec);
    return Error{source, "cannot keep the checkpoint: " + message};
  }
  return dest.string();
}

bool file_id(const std::string& path, FileId& out) {
  struct stat st {};
  if (path.empty() || ::lstat(path.c_str(), &st) != 0) return false;
  out.dev = static_cast<uint64_t>(st.st_dev);
  out.ino = static_cast<uint64_t>(st.st_ino);
  out.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  out.size = static_cast<int64_t>(st.st_size);
  return true;
}

std::vector<HeldCheckpoint> find_pins(const std::string& trial_dir) {
  std::vector<HeldCheckpoint> found;
  std::error_code ec;
  const fs::path root = fs::path(trial_dir) / ".checkpoints";
  for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.size() > 17 || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code inner;
    bool pinned = false;
    for (auto f = fs::directory_iterator(it->path(), inner); !inner && f != fs::directory_iterator(); f.increment(inner)) {
      if (f->path().filename() == kSourceNote) continue;
      pinned = true;
      HeldCheckpoint h;
      h.iteration = std::stoll(name);
      h.pin = f->path().string();
      if (!file_id(h.pin, h.pin_id)) break;
      // What it was pinned from, as hold_checkpoint noted it: deleted with the pin when released.
      std::ifstream note(it->path() / kSourceNote);
      std::string line;
      if (note >> h.source_id.dev >> h.source_id.ino >> h.source_id.mtime_ns >> h.source_id.size &&
          std::getline(note >> std::ws, line) && !line.empty()) {
        h.source = line;
      } else {
        h.source_id = {};
      }
      found.push_back(std::move(h));
      break;  // a pin folder holds one entry (and the note)
    }
    // A folder left without its pin by an engine that died while making or deleting it: nothing in it can be
    // restored, so it goes now.
    if (!pinned && !inner) fs::remove_all(it->path(), inner);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.iteration < b.iteration; });
  return found;
}

void hold_checkpoint(CheckpointHold& hold, const std::string& trial_dir, int64_t iteration, const std::string& pin,
                     const std::string& source) {
  if (!hold.loaded) {
    hold.held = find_pins(trial_dir);
    hold.loaded = true;
    std::erase_if(hold.held, [&](const HeldCheckpoint& h) { return h.pin == pin; });  // the one just made
  }
  for (auto& h : hold.held) {
    if (h.pin == pin) h.pin.clear();
  }
  HeldCheckpoint h;
  h.iteration = iteration;
  h.pin = pin;
  file_id(pin, h.pin_id);
  // A file whose inode is not the pin's was already replaced by the trial: that one is not ours to delete.
  // Nor is anything in the engine's own folder of pins, even when the trial reports it.
  std::error_code ec;
  const fs::path pins = fs::weakly_canonical(fs::path(trial_dir) / ".checkpoints", ec);
  const bool in_pins = !ec && !fs::path(source).lexically_relative(pins).empty() &&
                       *fs::path(source).lexically_relative(pins).begin() != "..";
  if (!source.empty() && !in_pins && file_id(source, h.source_id) &&
      (h.source_id.ino == h.pin_id.ino || fs::is_directory(source))) {
    h.source = source;
    // Noted beside the pin, so that an engine resumed after a crash can delete it too.
    std::ofstream note(fs::path(pin).parent_path() / kSourceNote, std::ios::trunc);
    note << h.source_id.dev << ' ' << h.source_id.ino << ' ' << h.source_id.mtime_ns << ' ' << h.source_id.size << '\n'
         << h.source << '\n';
  }
  hold.held.push_back(std::move(h));
}

std::vector<HeldCheckpoint> release_checkpoints(CheckpointHold& hold, int64_t keep, const std::string& restore) {
  auto& held = hold.held;
  std::vector<HeldCheckpoint> kept, released;
  int64_t pins = 0;
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    const bool newest = !it->pin.empty() && pins < keep;
    if (newest) ++pins;
    if (newest || (!restore.empty() && it->pin == restore)) kept.push_back(std::move(*it));
    else released.push_back(std::move(*it));
  }
  held.assign(std::make_move_iterator(kept.rbegin()), std::make_move_iterator(kept.rend()));
  return released;
}

void delete_checkpoints(const std::vector<HeldCheckpoint>& released, const std::vector<HeldCheckpoint>& held) {
  std::error_code ec;
  for (const auto& r : released) {
    bool named = false;
    for (const auto& h : held) named = named || h.source == r.source;
    FileId now;
    if (!r.source.empty() && !named && file_id(r.source, now) && now == r.source_id) fs::remove_all(r.source, ec);
    if (!r.pin.empty() && file_id(r.pin, now) && now == r.pin_id) fs::remove_all(fs::path(r.pin).parent_path(), ec);
  }
}

void release_after_commit(Store& store, CheckpointHold& hold, int64_t keep, const std::string& restore) {
  auto released = release_checkpoints(hold, keep, restore);
  if (released.empty()) return;
  store.after_commit([released = std::move(released), held = hold.held] { delete_checkpoints(released, held); });
}

void discard_checkpoint(Store& store, const CheckpointHold& hold, const std::string& trial_dir,
                        const std::string& reported) {
  std::error_code ec;
  fs::path p = reported;
  if (p.is_relative()) p = fs::path(trial_dir) / p;
  const fs::path real = fs::weakly_canonical(p, ec);
  const fs::path rel = real.lexically_relative(fs::weakly_canonical(trial_dir, ec));
  if (ec || rel.empty() || *rel.begin() == ".." || rel == "." || *rel.begin() == ".checkpoints") return;
  HeldCheckpoint h;
  h.source = real.string();
  if (!file_id(h.source, h.source_id)) return;
  store.after_commit([released = std::vector<HeldCheckpoint>{h}, held = hold.held] { delete_checkpoints(released, held); });
}

}  // namespace tunelab

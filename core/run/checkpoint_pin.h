#pragma once
// Pinning checkpoints: when a trial reports a checkpoint, the engine keeps its own hard-linked copy
// under <trial_dir>/.checkpoints/<iteration>/. A trial that writes its next checkpoint over the same
// name (atomically: write elsewhere, then rename) cannot then change what the engine will restore:
// after a crash of the engine, the trial restarts from the checkpoint of the last result the store
// holds, and repeats the iterations after it, so no result is lost.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/store.h"
#include "core/util/result.h"

namespace tunelab {

// Hard-links (or, across file systems, copies) `source` (a file or a directory tree) to
// <trial_dir>/.checkpoints/<iteration>/<name of source>. Returns the pinned path. Bounded, since it runs
// on the engine's loop: a tree of more than kPinMaxEntries files and folders, or deeper than
// kPinMaxDepth, or needing more than kPinMaxCopyBytes copied (only files that cannot be linked are
// copied) is refused, and nothing of it is kept.
Result<std::string> pin_checkpoint(const std::string& source, const std::string& trial_dir, int64_t iteration);
constexpr int64_t kPinMaxEntries = 10000;
constexpr int kPinMaxDepth = 32;
constexpr uint64_t kPinMaxCopyBytes = 1ull << 30;

// Why a checkpoint at `rel` (its path relative to the trial's folder, symlinks resolved) is not the
// trial's to report, or empty: the engine's own folder of pins (`.checkpoints`: pinning it would copy it
// into itself, level after level) and the files the engine writes there (logs, config.json), which
// retention would delete.
std::string engine_owned_checkpoint(const std::string& rel);

// Retention ("checkpoint": {"keep": K}, docs/protocol.md). Once reported, a checkpoint belongs to the
// engine: it keeps the newest K pins of each trial, and the one the trial would restart from, and
// deletes the others together with the trial's own file or folder they were pinned from.

// What a path names: device, inode, modification time and size. A file replaced under the same name,
// or written over in place, no longer matches.
struct FileId {
  uint64_t dev = 0, ino = 0;
  int64_t mtime_ns = 0, size = 0;
  bool operator==(const FileId&) const = default;
};
bool file_id(const std::string& path, FileId& out);  // lstat; false if it does not exist

// One checkpoint the engine holds for a trial.
struct HeldCheckpoint {
  int64_t iteration = 0;
  std::string pin;     // the engine's copy (what a restart uses); empty once another copy took its place
  FileId pin_id;
  std::string source;  // the trial's own file or folder it was pinned from; empty when not the trial's
  FileId source_id;    // (a PBT donor's copy, or pinned before the engine restarted)
};

// The pins already in <trial_dir>/.checkpoints (left by an earlier engine), oldest first.
std::vector<HeldCheckpoint> find_pins(const std::string& trial_dir);

// What the engine holds of one trial's checkpoints, oldest first.
struct CheckpointHold {
  bool loaded = false;  // the pins an earlier engine left were read
  std::vector<HeldCheckpoint> held;
};

// Records a new pin (call right after pin_checkpoint). `source` is the resolved path the trial
// reported, or empty. An older entry with the same pin path loses it: its copy was replaced.
void hold_checkpoint(CheckpointHold& hold, const std::string& trial_dir, int64_t iteration, const std::string& pin,
                     const std::string& source);

// Takes out of `hold` what retention lets go: every entry but the newest `keep` pins and the pin
// `restore` (the one the trial would restart from).
std::vector<HeldCheckpoint> release_checkpoints(CheckpointHold& hold, int64_t keep, const std::string& restore);

// Deletes released checkpoints: each pin's folder if it still holds that copy, and the trial's own
// file or folder if it is still the one reported (same FileId) and no entry of `held` names it.
void delete_checkpoints(const std::vector<HeldCheckpoint>& released, const std::vector<HeldCheckpoint>& held);

// A checkpoint the engine does not keep (in a report ignored because the trial was told to end):
// deleted like a released one, once the store has committed what is queued, if it lies inside the
// trial's folder.
void discard_checkpoint(Store& store, const CheckpointHold& hold, const std::string& trial_dir,
                        const std::string& reported);

// release_checkpoints, then delete_checkpoints on the store's writer thread once everything queued
// so far (the trial row naming its newest checkpoint) is committed: a crash never leaves the stored
// row naming a deleted checkpoint.
void release_after_commit(Store& store, CheckpointHold& hold, int64_t keep, const std::string& restore);

}  // namespace tunelab

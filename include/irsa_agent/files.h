// File access, the seam the core reads its inputs and publishes its output
// through. files_posix.cc is the real one; tests use FakeFiles.
//
// Thread safety: an implementation holds no state between calls; calls on
// one instance from several threads are safe. Nothing returned borrows from
// the Files object.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"

namespace irsa {

// Why Files::Read gave no content. Callers branch on kMissing (fall back to
// another input) and treat the rest as a broken input.
enum class ReadFailure {
  kNone,
  kMissing,   // the path (or a folder on it) does not exist
  kTooLarge,  // more than max_bytes (not read to the end)
  kError,     // anything else: permission, not a regular file, I/O error
};
using ReadStatus = Status<ReadFailure>;

class Files {
 public:
  virtual ~Files() = default;

  // Reads at most `max_bytes` of `path`, following symlinks. Only a regular
  // file is read: a FIFO, device or folder is kError without blocking.
  // On success sets `*out` to the whole content and returns ok(). On failure
  // leaves `*out` unchanged and returns a kind with one line naming the path,
  // worded the same everywhere so callers only put a role in front
  // ("labels file " + message):
  //   kMissing   "PATH does not exist"
  //   kTooLarge  "PATH is larger than MAX_BYTES bytes"
  //   kError     "PATH: not a regular file" or "PATH: <strerror>"
  // EINTR is retried inside; the call never returns it.
  virtual ReadStatus Read(const std::string& path, size_t max_bytes, std::string* out) = 0;

  // Makes `path` hold exactly `bytes` with permission `mode`, atomically: a
  // temp file created exclusively in the same folder, written, fsynced,
  // renamed over `path`, then the folder fsynced. Sets `*changed` to false and
  // writes nothing when `path` already holds `bytes`. On failure returns false
  // with a one-line `*err`, the temp file removed and `path` untouched.
  // "Already holds" means a regular file with those bytes and exactly `mode`;
  // a symlink at `path` is replaced by a regular file (its target is never
  // written); anything else at `path` (a device such as /dev/null, a FIFO, a
  // socket, a folder) is a failure and stays as it is. `mode` is at most 0777. One failure comes
  // after the commit point: when only the final folder fsync fails, returns false with
  // `*changed` true (the new content is in place but may not survive a crash).
  // EINTR is retried inside. No caller branches on why it failed.
  virtual bool Publish(const std::string& path, std::string_view bytes, int mode, bool* changed,
                       std::string* err) = 0;
};

// The POSIX implementation; the caller owns it.
std::unique_ptr<Files> NewPosixFiles();

}  // namespace irsa

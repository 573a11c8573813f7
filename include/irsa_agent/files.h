// File access, behind an interface (files_posix.cc is the real one).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace irsa {

enum class ReadStatus { kOk, kMissing, kTooLarge, kError };

class Files {
 public:
  virtual ~Files() = default;

  // Reads at most `max_bytes` of `path` (following symlinks). kMissing when it
  // does not exist, kTooLarge when it holds more than `max_bytes` (not read to
  // the end), kError otherwise with a one-line `*err` naming the path.
  virtual ReadStatus Read(const std::string& path, size_t max_bytes, std::string* out,
                          std::string* err) = 0;

  // Makes `path` hold exactly `bytes` with permission `mode`, atomically: a
  // temp file created exclusively in the same folder, written, fsynced,
  // renamed over `path`, then the folder fsynced. Sets `*changed` to false and
  // writes nothing when `path` already holds `bytes`. On failure returns false
  // with `*err`, the temp file removed and `path` untouched.
  // "Already holds" means a regular file with those bytes and exactly `mode`;
  // a symlink at `path` is replaced by a regular file (its target is never
  // written); anything else at `path` (a device such as /dev/null, a FIFO, a
  // socket, a folder) is a failure and stays as it is. `mode` is at most 0777. One failure comes
  // after the commit point: when only the final folder fsync fails, returns false with
  // `*changed` true (the new content is in place but may not survive a crash).
  virtual bool Publish(const std::string& path, std::string_view bytes, int mode, bool* changed,
                       std::string* err) = 0;
};

std::unique_ptr<Files> NewPosixFiles();

}  // namespace irsa

// How a token path is laid out on disk, for the doctor: lstat and readlink,
// never the content. The seam lets doctor tests describe any layout.
// path_probe_posix.cc is the real one. Stateless; safe from any thread.
#pragma once

#include <string>

namespace irsa {

// How a token path is laid out on disk (lstat and readlink, never the content).
struct PathLayout {
  bool exists = false;           // stat() follows the links to something
  bool is_symlink = false;       // the path itself is a symlink
  std::string link_target;       // its readlink(), when it is one
  bool data_is_symlink = false;  // <folder>/..data is a symlink
  std::string data_target;       // its readlink(), when it is one
  bool is_regular = false;       // what the path resolves to is a regular file
  bool executable = false;       // access(path, X_OK) succeeds for this process
  // What the path resolves to, when it exists: two paths name the same file
  // when both are equal (hard links and other spellings included).
  unsigned long long device = 0;
  unsigned long long inode = 0;
};

// Inspects `path` with lstat, readlink and stat (path_probe_posix.cc).
// Never fails: what cannot be inspected is reported as absent (false or
// empty fields). EINTR cannot occur (no blocking call).
PathLayout ProbePathLayout(const std::string& path);

}  // namespace irsa

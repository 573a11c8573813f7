// ProbePathLayout: how a token path is laid out, with lstat, readlink and
// stat only. Nothing is opened, so nothing secret is read.
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "irsa_agent/path_probe.h"

namespace irsa {
namespace {

// The target of symlink `path`, or "" when it is not one or cannot be read.
std::string ReadLink(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return "";
  return std::string(buf, static_cast<size_t>(n));
}

bool IsSymlink(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

}  // namespace

PathLayout ProbePathLayout(const std::string& path) {
  PathLayout layout;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    layout.exists = true;
    layout.is_regular = S_ISREG(st.st_mode);
    layout.device = st.st_dev;
    layout.inode = st.st_ino;
    layout.executable = ::access(path.c_str(), X_OK) == 0;
  }
  layout.is_symlink = IsSymlink(path);
  if (layout.is_symlink) layout.link_target = ReadLink(path);
  const size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string data = (folder.empty() ? "" : folder) + "/..data";
  layout.data_is_symlink = IsSymlink(data);
  if (layout.data_is_symlink) layout.data_target = ReadLink(data);
  return layout;
}

}  // namespace irsa

// The Unix stream socket listener (the credential broker's socket): created
// with no moment at which it is wider than `mode`, replacing only a stale
// socket; requests carry the peer's credentials (SO_PEERCRED).

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "irsa_agent/listener.h"
#include "os/listener_socket.h"

namespace irsa {
namespace {

constexpr int kBacklog = 64;

std::string Failed(const std::string& path, const char* what) {
  return "listen socket " + path + ": " + what + ": " + std::strerror(errno);
}

}  // namespace

std::unique_ptr<Listener> NewUnixListener(const std::string& path, uint32_t mode, std::string* err,
                                          const ListenerLimits& limits) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    *err = "listen socket " + path + ": the path must be 1 to " +
           std::to_string(sizeof addr.sun_path - 1) + " bytes";
    return nullptr;
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  if ((mode & ~0777u) != 0) {
    *err = "listen socket " + path + ": mode must be permission bits only";
    return nullptr;
  }

  // A socket left by an earlier run is replaced; anything else is not ours.
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      *err = "listen socket " + path + ": exists and is not a socket; refusing to replace it";
      return nullptr;
    }
    if (unlink(path.c_str()) != 0) {
      *err = Failed(path, "cannot remove the stale socket");
      return nullptr;
    }
  } else if (errno != ENOENT) {
    *err = Failed(path, "lstat");
    return nullptr;
  }

  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = Failed(path, "socket");
    return nullptr;
  }
  // On Linux, bind() creates the file with the socket inode's mode less the
  // umask: set it first, so the file is never wider than `mode`; chmod after
  // bind then gives exactly `mode` whatever the umask.
  if (fchmod(fd, mode) != 0) {
    *err = Failed(path, "fchmod");
    close(fd);
    return nullptr;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *err = Failed(path, "bind");
    close(fd);
    return nullptr;
  }
  if (chmod(path.c_str(), mode) != 0 || listen(fd, kBacklog) != 0) {
    *err = Failed(path, "chmod or listen");
    close(fd);
    unlink(path.c_str());
    return nullptr;
  }
  std::unique_ptr<Listener> listener = NewSocketListener(fd, true, path, limits, err);
  if (!listener) unlink(path.c_str());
  return listener;
}

}  // namespace irsa

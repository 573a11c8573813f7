// The Unix stream socket listener (the credential broker's socket): created
// with exactly `mode` from its first moment, replacing only a stale socket
// (never one that answers), removed only while it is still the file it
// created; requests carry the peer's credentials (SO_PEERCRED).

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "irsa_agent/listener.h"
#include "os/listener_socket.h"

namespace irsa {
namespace {

// The kernel caps it at net.core.somaxconn (4096 on current kernels): room for a
// burst of processes while the loop is busy (README, "Run mode").
constexpr int kBacklog = SOMAXCONN;

std::string Failed(const std::string& path, const char* what) {
  return "listen socket " + path + ": " + what + ": " + std::strerror(errno);
}

// Whether something accepts connections at `addr` (a live agent). A full
// backlog (EAGAIN) is a live, busy agent too.
bool Answers(const sockaddr_un& addr) {
  const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (probe < 0) return false;
  const int rc = connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const bool live = rc == 0 || errno == EAGAIN || errno == EINPROGRESS;
  close(probe);
  return live;
}

// Removes `path` only while it is still the file this listener created: a
// later agent's socket at the same path stays.
void UnlinkIfSame(const std::string& path, const struct stat& made) {
  struct stat now;
  if (lstat(path.c_str(), &now) == 0 && now.st_dev == made.st_dev && now.st_ino == made.st_ino) {
    unlink(path.c_str());
  }
}

std::string ModeText(uint32_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode);
  return text;
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

  // A socket left by an earlier run is replaced; a socket that answers is
  // another agent's, and anything else is not ours.
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      *err = "listen socket " + path + ": exists and is not a socket; refusing to replace it";
      return nullptr;
    }
    if (Answers(addr)) {
      *err = "listen socket " + path +
             ": another agent is listening on it; refusing to take it over (stop it or choose "
             "another socket)";
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
  // umask. Both are set first (the umask only around bind: the process's
  // other threads create no files while the listener starts), so the file
  // has exactly `mode` from its first moment and is never chmod-ed by path,
  // which would follow a symlink swapped in by whoever can write the folder.
  if (fchmod(fd, mode) != 0) {
    *err = Failed(path, "fchmod");
    close(fd);
    return nullptr;
  }
  const mode_t old_umask = umask(~mode & 0777);
  const int bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int bind_errno = errno;
  umask(old_umask);
  if (bound != 0) {
    errno = bind_errno;
    *err = Failed(path, "bind");
    close(fd);
    return nullptr;
  }
  // Check what was made: a socket of ours with exactly `mode` (a file swapped
  // in since bind is left alone).
  struct stat made;
  if (lstat(path.c_str(), &made) != 0 || !S_ISSOCK(made.st_mode) || made.st_uid != geteuid() ||
      (made.st_mode & 07777) != mode) {
    *err = "listen socket " + path + ": the file bind() created is not a socket of mode " +
           ModeText(mode) + " owned by this user; refusing to use it";
    close(fd);
    return nullptr;
  }
  if (listen(fd, kBacklog) != 0) {
    *err = Failed(path, "listen");
    close(fd);
    UnlinkIfSame(path, made);
    return nullptr;
  }
  std::unique_ptr<Listener> listener =
      NewSocketListener(fd, true, limits, err, [path, made] { UnlinkIfSame(path, made); });
  if (!listener) UnlinkIfSame(path, made);
  return listener;
}

}  // namespace irsa

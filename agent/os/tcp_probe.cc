#include "os/tcp_probe.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace irsa {
namespace {

// Closes a descriptor when it goes out of scope.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) close(fd);
  }
};

// One non-blocking connect to `ai`, waiting at most `timeout_ms`. 0 or errno.
int ConnectOnce(const addrinfo& ai, int timeout_ms) {
  const FdCloser s{socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return errno;
  if (connect(s.fd, ai.ai_addr, ai.ai_addrlen) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  pollfd p{s.fd, POLLOUT, 0};
  const int ready = poll(&p, 1, timeout_ms);  // exec installs no signal handler: no EINTR
  if (ready == 0) return ETIMEDOUT;
  if (ready < 0) return errno;
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
  return error;
}

}  // namespace

bool TcpAccepts(const std::string& host, int port, double timeout, std::string* err) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = host == "localhost" ? 0 : AI_NUMERICHOST;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const std::string name = host.starts_with('[') ? host.substr(1, host.size() - 2) : host;
  if (const int rc = getaddrinfo(name.c_str(), service.c_str(), &hints, &found); rc != 0) {
    *err = host + ":" + service + ": " + gai_strerror(rc);
    return false;
  }
  int error = ENOENT;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    error = ConnectOnce(*ai, static_cast<int>(timeout * 1000));
    if (error == 0) break;
  }
  freeaddrinfo(found);
  if (error != 0) *err = host + ":" + service + ": " + std::strerror(error);
  return error == 0;
}

}  // namespace irsa

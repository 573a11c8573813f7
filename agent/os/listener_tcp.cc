// The TCP listener: binds "HOST:PORT" (loopback unless allowed otherwise);
// connections are served by listener_socket.cc.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "irsa_agent/listener.h"
#include "os/listener_socket.h"
#include "settings/listen_address.h"

namespace irsa {

// The listen(2) backlog; connections beyond ListenerLimits::max_connections
// are accepted and closed, so this only absorbs bursts between two Poll()s.
constexpr int kBacklog = 64;

std::unique_ptr<Listener> NewTcpListener(std::string_view address, bool allow_any, std::string* err,
                                         const ListenerLimits& limits) {
  std::string host;
  int port = 0;
  if (!ParseListenAddress(address, allow_any, &host, &port, err)) return nullptr;
  sockaddr_storage storage = {};
  socklen_t len;
  int family;
  if (host.find(':') == std::string::npos) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host.c_str(), &sin->sin_addr);
    len = sizeof(sockaddr_in);
    family = AF_INET;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr);
    len = sizeof(sockaddr_in6);
    family = AF_INET6;
  }
  const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = std::string("listen: socket: ") + std::strerror(errno);
    return nullptr;
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0 || listen(fd, kBacklog) != 0) {
    *err = "listen: cannot listen on " + std::string(address) + ": " + std::strerror(errno);
    close(fd);
    return nullptr;
  }
  return NewSocketListener(fd, false, "", limits, err);
}

}  // namespace irsa

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "irsa_agent/notify.h"

namespace irsa {
namespace {

class SystemdNotifier : public Notifier {
 public:
  SystemdNotifier(std::string socket_path, double watchdog_interval)
      : path_(std::move(socket_path)), watchdog_interval_(watchdog_interval) {}

  bool Send(std::string_view state) override {
    if (path_.empty() || path_.size() >= sizeof(sockaddr_un::sun_path)) return false;
    if (path_[0] != '/' && path_[0] != '@') return false;
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
    const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ssize_t sent;
    do {
      sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                    reinterpret_cast<const sockaddr*>(&addr), len);
    } while (sent < 0 && errno == EINTR);
    close(fd);
    return sent == static_cast<ssize_t>(state.size());
  }

  double watchdog_interval() const override { return watchdog_interval_; }

 private:
  std::string path_;
  double watchdog_interval_;
};

template <typename T>
bool ParseUnsigned(const std::string& text, T* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end && !text.empty();
}

}  // namespace

std::unique_ptr<Notifier> NewSystemdNotifier(const std::string& notify_socket,
                                             const std::string& watchdog_usec,
                                             const std::string& watchdog_pid) {
  double interval = 0;
  unsigned long long usec = 0;
  long pid = 0;
  const bool for_us = watchdog_pid.empty() ||
                      (ParseUnsigned(watchdog_pid, &pid) && pid == static_cast<long>(getpid()));
  if (for_us && ParseUnsigned(watchdog_usec, &usec) && usec > 0) {
    interval = static_cast<double>(usec) / 2e6;
  }
  return std::make_unique<SystemdNotifier>(notify_socket, interval);
}

}  // namespace irsa

// The systemd notify protocol (sd_notify): datagrams to $NOTIFY_SOCKET.
// notify_systemd.cc is the real one.
//
// Thread safety: one thread at a time. Holds no descriptor between calls.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace irsa {

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Sends `state` ("READY=1", "STOPPING=1", "WATCHDOG=1", ...) as one
  // datagram. Returns true when it was sent; false when there is no socket,
  // the path is unusable or the send failed (callers carry on: the protocol
  // is advisory). EINTR is retried; the send never blocks.
  virtual bool Send(std::string_view state) = 0;
  // Half of $WATCHDOG_USEC in seconds (when it is meant for this process), else 0.
  virtual double watchdog_interval() const = 0;
};

// Owned by the caller. From the environment values NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID
// (empty strings when unset) and this process's pid. A socket path starting
// with '@' is in the abstract namespace.
std::unique_ptr<Notifier> NewSystemdNotifier(const std::string& notify_socket,
                                             const std::string& watchdog_usec,
                                             const std::string& watchdog_pid);

}  // namespace irsa

// The systemd notify protocol (sd_notify): datagrams to $NOTIFY_SOCKET.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace irsa {

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Sends `state` ("READY=1", "STOPPING=1", "WATCHDOG=1", ...). Returns false
  // when there is no socket or the send failed; never blocks for long.
  virtual bool Send(std::string_view state) = 0;
  // Half of $WATCHDOG_USEC in seconds (when it is meant for this process), else 0.
  virtual double watchdog_interval() const = 0;
};

// From the environment values NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID
// (empty strings when unset) and this process's pid. A socket path starting
// with '@' is in the abstract namespace.
std::unique_ptr<Notifier> NewSystemdNotifier(const std::string& notify_socket,
                                             const std::string& watchdog_usec,
                                             const std::string& watchdog_pid);

}  // namespace irsa

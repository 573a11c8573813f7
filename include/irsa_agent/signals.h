// SIGTERM, SIGINT and SIGHUP as events on a file descriptor (a self-pipe
// written by the handlers), plus a flag that in-flight work can poll to stop.
#pragma once

#include <memory>

namespace irsa {

struct SignalsSeen {
  bool terminate = false;  // SIGTERM or SIGINT
  bool hangup = false;     // SIGHUP
};

class Signals {
 public:
  virtual ~Signals() = default;
  virtual int fd() const = 0;
  // Reads what arrived since the last call, without blocking.
  virtual SignalsSeen Drain() = 0;
  // True once SIGTERM or SIGINT has arrived (async-signal-safe flag).
  virtual bool terminating() const = 0;
};

// Installs the handlers (without SA_RESTART, so blocking calls wake up).
// One instance per process.
std::unique_ptr<Signals> InstallSignalHandlers();

}  // namespace irsa

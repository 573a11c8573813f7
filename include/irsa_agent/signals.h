// SIGTERM, SIGINT and SIGHUP as events on a file descriptor (a self-pipe
// written by the handlers), plus a flag that in-flight work can poll to stop.
// signals_posix.cc is the real one.
//
// Thread safety: Drain() from one thread (the event loop); terminating() from
// any thread or from a libcurl progress callback. The object owns the pipe;
// fd() is only borrowed (to poll it).
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
  // Readable when a signal arrived and has not been drained yet.
  virtual int fd() const = 0;
  // Empties the pipe without blocking (it is non-blocking, so EINTR cannot
  // occur) and reports: `terminate` once SIGTERM or SIGINT has ever arrived
  // (it stays true), `hangup` when SIGHUP arrived since the last call.
  // Never fails.
  virtual SignalsSeen Drain() = 0;
  // True once SIGTERM or SIGINT has arrived (async-signal-safe flag).
  virtual bool terminating() const = 0;
};

// Installs the handlers (without SA_RESTART, so blocking calls return EINTR
// and the loop wakes). One instance per process; nullptr when the pipe or a
// handler cannot be set up. Destroying it restores the default handlers.
std::unique_ptr<Signals> InstallSignalHandlers();

}  // namespace irsa

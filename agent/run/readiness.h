// What `run` tells systemd (the sd_notify protocol), as a pure state machine:
// the loop reports what happened and sends the datagram returned (nothing
// when it is empty). Tests drive it with plain numbers.
//
//   READY=1 + STATUS   after the first successful sync (not after a failure:
//                      until then systemd's start time-out is what counts)
//   RELOADING=1        on SIGHUP once ready, unless a reload is already running
//   READY=1 + STATUS   the sync that ends a reload, success or failure (a
//                      failed reload keeps the last good config)
//   STATUS             after every other sync
//   WATCHDOG=1         every watchdog interval once ready (systemd arms the
//                      watchdog at READY=1), also during a sync
//   STOPPING=1         at exit
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace irsa {

class SystemdReadiness {
 public:
  // `watchdog_interval`: seconds between WATCHDOG=1 (0: no watchdog).
  // `config_path` is named in the STATUS line.
  SystemdReadiness(double watchdog_interval, std::string config_path);

  // SIGHUP arrived: "RELOADING=1", or "" before readiness or during a reload.
  std::string Hangup();

  // A sync succeeded with `profiles` profiles published.
  std::string SyncSucceeded(size_t profiles);

  // A sync failed; `message` is the redacted one-line error.
  std::string SyncFailed(std::string_view message);

  // "WATCHDOG=1" when one is due at monotonic `now` (the first call, then one
  // interval after the previous one), else "". Never due without a watchdog.
  std::string Watchdog(double now);

  // When the next WATCHDOG=1 is due; +infinity without a watchdog.
  double NextWatchdog() const;

  static std::string Stopping() { return "STOPPING=1"; }

  bool ready() const { return ready_; }
  bool reloading() const { return reloading_; }

 private:
  double interval_;
  std::string config_path_;
  bool ready_ = false;
  bool reloading_ = false;
  double next_watchdog_ = -std::numeric_limits<double>::infinity();
};

}  // namespace irsa

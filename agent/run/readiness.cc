#include "run/readiness.h"

#include <utility>

#include "base/text.h"

namespace irsa {

SystemdReadiness::SystemdReadiness(double watchdog_interval, std::string config_path)
    : interval_(watchdog_interval > 0 ? watchdog_interval : 0),
      config_path_(std::move(config_path)) {}

std::string SystemdReadiness::Hangup() {
  // A reload only exists after readiness: before it, the start is still running.
  if (!ready_ || reloading_) return "";
  reloading_ = true;
  return "RELOADING=1";
}

std::string SystemdReadiness::SyncSucceeded(size_t profiles) {
  std::string status = "STATUS=" + Count(profiles, "profile") + " in " + config_path_;
  if (!ready_ || reloading_) status = "READY=1\n" + status;
  ready_ = true;
  reloading_ = false;
  return status;
}

std::string SystemdReadiness::SyncFailed(std::string_view message) {
  std::string status = "STATUS=sync failed: " + std::string(message);
  // One datagram line per variable: a line break would start another one.
  for (char& c : status) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (reloading_) status = "READY=1\n" + status;
  reloading_ = false;
  return status;
}

std::string SystemdReadiness::Watchdog(double now) {
  // systemd arms the watchdog when the start-up completes (READY=1).
  if (!ready_ || interval_ <= 0 || now < next_watchdog_) return "";
  next_watchdog_ = now + interval_;
  return "WATCHDOG=1";
}

double SystemdReadiness::NextWatchdog() const {
  return ready_ && interval_ > 0 ? next_watchdog_ : std::numeric_limits<double>::infinity();
}

}  // namespace irsa

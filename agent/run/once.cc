#include "run/once.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "base/backoff.h"

namespace irsa {
namespace {

constexpr double kMinAttemptBudget = 1.0;

bool Retried(Failure failure) {
  return failure == Failure::kTransient || failure == Failure::kAnswer;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

}  // namespace

SyncResult SyncWithRetries(const std::function<SyncResult(double)>& sync, Clock& clock,
                           const std::function<double()>& uniform01, const Settings& settings,
                           Logger& log) {
  const double deadline = clock.Monotonic() + settings.timeout;
  // An attempt started with less than this left may only time out; its
  // failure then says nothing new and must not hide the previous one.
  const double starved_below = std::min(settings.request_timeout, kMinAttemptBudget);
  std::optional<SyncResult> previous;
  for (int attempt = 0;; ++attempt) {
    const double budget = deadline - clock.Monotonic();
    SyncResult result = sync(budget);
    if (previous && budget < starved_below && result.status.kind() == Failure::kTransient) {
      result = std::move(*previous);
    }
    if (!Retried(result.status.kind())) return result;

    double wait = BackoffDelay(attempt, settings.min_backoff, settings.max_backoff, uniform01());
    if (result.retry_after) {
      wait = std::max(wait, std::min(*result.retry_after, settings.max_backoff));
    }
    if (wait >= deadline - clock.Monotonic()) {
      log.Warn("giving up: timeout reached",
               {{"error", result.status.message()}, {"attempts", std::to_string(attempt + 1)}});
      return result;
    }
    log.Warn("sync failed, retrying", {{"error", result.status.message()},
                                       {"kind", std::string(FailureName(result.status.kind()))},
                                       {"retry_in", Seconds(wait)}});
    previous = std::move(result);
    clock.SleepFor(wait);
  }
}

}  // namespace irsa

#include "run/once.h"

#include <algorithm>
#include <optional>
#include <string>

#include "base/backoff.h"

namespace irsa {
namespace {

constexpr double kMinAttemptBudget = 1.0;

bool Retried(Failure failure) {
  return failure == Failure::kTransient || failure == Failure::kAnswer;
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
  bool last_attempt = false;
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
    const double remaining = deadline - clock.Monotonic();
    if (wait >= remaining) {
      // The server's own Retry-After is past the deadline: asking sooner is
      // pointless, and saying "timeout reached" would not be true.
      if (result.retry_after && *result.retry_after >= remaining) {
        log.Warn("giving up: the server asks to retry after the timeout",
                 {{"error", result.status.message()},
                  {"attempts", std::to_string(attempt + 1), true},
                  {"retry_after", LogSeconds(*result.retry_after), true},
                  {"timeout_left", LogSeconds(std::max(remaining, 0.0)), true}});
        return result;
      }
      // The backoff would pass the deadline: one last attempt that keeps
      // `starved_below` seconds, unless that was this one or no time is left.
      if (last_attempt || remaining <= starved_below) {
        log.Warn("giving up: timeout reached", {{"error", result.status.message()},
                                                {"attempts", std::to_string(attempt + 1), true},
                                                {"timeout", LogSeconds(settings.timeout), true}});
        return result;
      }
      wait = remaining - starved_below;
      last_attempt = true;
    }
    log.Warn("sync failed, retrying", {{"error", result.status.message()},
                                       {"kind", std::string(FailureName(result.status.kind()))},
                                       {"retry_in", LogSeconds(wait), true}});
    previous = std::move(result);
    clock.SleepFor(wait);
  }
}

}  // namespace irsa

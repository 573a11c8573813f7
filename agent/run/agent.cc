// The run-mode state machine. Every time is a monotonic `now` passed in and
// every random draw comes from `uniform01_`, so tests replay it exactly.
#include "run/agent.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "base/backoff.h"

namespace irsa {
namespace {

// The spread of the refresh interval and of the slow retry after a refusal:
// pods started together (a Ray or Spark cluster) must not stay in step.
constexpr double kJitterFraction = 0.1;

// Run mode starts its backoff one doubling later than `once` (first retry in
// [min, 4 * min] rather than [min, 2 * min]): hundreds of sidecars that fail
// together (a Ray or Spark cluster starting during an outage) then spread
// their first retries over three seconds instead of one. bench/herd.py
// measures it.
constexpr int kRunBackoffOffset = 1;

double PositiveOr(double value, double fallback) {
  return std::isfinite(value) && value > 0 ? value : fallback;
}

// Settings already validate every value; this keeps the no-hot-loop guarantee
// for any other caller (a zero refresh interval would otherwise sync hot).
AgentTiming Sanitized(AgentTiming t) {
  const AgentTiming defaults;
  t.min_backoff = PositiveOr(t.min_backoff, defaults.min_backoff);
  t.max_backoff = std::max(PositiveOr(t.max_backoff, defaults.max_backoff), t.min_backoff);
  t.refresh_interval = PositiveOr(t.refresh_interval, defaults.refresh_interval);
  t.poll_interval = PositiveOr(t.poll_interval, defaults.poll_interval);
  if (!(std::isfinite(t.debounce) && t.debounce >= 0)) t.debounce = defaults.debounce;
  if (!std::isfinite(t.debounce_max)) t.debounce_max = defaults.debounce_max;
  t.debounce_max = std::max(t.debounce_max, t.debounce);
  return t;
}

bool IsRefusal(Failure failure) {
  return failure == Failure::kPermanent || failure == Failure::kInput;
}

}  // namespace

double RequestSpacing(const AgentTiming& timing) {
  return std::min(kSyncRateLimit, timing.min_backoff);
}

Agent::Agent(const AgentTiming& timing, std::function<double()> uniform01)
    : timing_(Sanitized(timing)), uniform01_(std::move(uniform01)) {}

void Agent::Start(double now) {
  next_sync_ = now;
  next_poll_ = now + timing_.poll_interval;
  check_at_.reset();
  burst_start_.reset();
  running_ = false;
  sync_pending_ = false;
  failures_ = 0;
  last_start_.reset();
}

void Agent::WatchEvent(double now) {
  // Each event slides the check to `debounce` after it, but never beyond
  // `debounce_max` after the burst's first event: a kubelet rotation (five
  // events in a millisecond) is one re-read, and a file rewritten forever is
  // still re-read every debounce_max.
  if (!burst_start_) burst_start_ = now;
  check_at_ = std::min(now + timing_.debounce, *burst_start_ + timing_.debounce_max);
}

void Agent::InputsChecked(double now, bool changed) {
  if (!changed) return;
  if (running_ && last_start_ && *last_start_ == now) return;  // that sync reads them
  RequestSync(now);
}

void Agent::SyncRequested(double now) { RequestSync(now); }

void Agent::RequestSync(double now) {
  if (running_) {
    sync_pending_ = true;
    return;
  }
  next_sync_ = std::min(next_sync_, EarliestRequestedSync(now));
}

double Agent::EarliestRequestedSync(double now) const {
  return last_start_ ? std::max(now, *last_start_ + RequestSpacing(timing_)) : now;
}

void Agent::SyncFinished(double now, Failure failure, std::optional<double> retry_after) {
  running_ = false;
  const double draw = uniform01_ ? uniform01_() : 0.5;
  double delay = 0;
  if (failure == Failure::kNone) {
    failures_ = 0;
    delay = Jitter(timing_.refresh_interval, kJitterFraction, draw);
  } else {
    const int attempt = failures_;
    if (failures_ < std::numeric_limits<int>::max()) ++failures_;
    delay = IsRefusal(failure) ? Jitter(timing_.max_backoff, kJitterFraction, draw)
                               : BackoffDelay(attempt + kRunBackoffOffset, timing_.min_backoff,
                                              timing_.max_backoff, draw);
    // The service knows its own load: a longer Retry-After wins, but a huge
    // one must not park the agent beyond max_backoff. NaN and <= 0 are ignored.
    if (retry_after && *retry_after > 0) {
      delay = std::max(delay, std::min(*retry_after, timing_.max_backoff));
    }
  }
  next_sync_ = now + delay;
  if (sync_pending_) {
    // Requested while this sync ran, which may have read the inputs too early.
    next_sync_ = std::min(next_sync_, EarliestRequestedSync(now));
    sync_pending_ = false;
  }
}

AgentDue Agent::Due(double now) {
  AgentDue due;
  if ((check_at_ && now >= *check_at_) || now >= next_poll_) {
    due.check_inputs = true;
    check_at_.reset();
    burst_start_.reset();
    next_poll_ = now + timing_.poll_interval;
  }
  if (!running_ && now >= next_sync_) {
    due.sync = true;
    running_ = true;
    last_start_ = now;
  }
  return due;
}

double Agent::NextWake() const {
  double wake = next_poll_;
  if (!running_) wake = std::min(wake, next_sync_);
  if (check_at_) wake = std::min(wake, *check_at_);
  return wake;
}

}  // namespace irsa

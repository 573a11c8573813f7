// The decisions of `irsa-agent run`, as a pure state machine. The event loop
// (run_loop.cc) tells it what happened and when (monotonic seconds), asks what
// is due, does it, and sleeps until NextWake(). Tests drive it with plain numbers.
#pragma once

#include <functional>
#include <optional>

#include "irsa_agent/outcome.h"

namespace irsa {

struct AgentTiming {
  double min_backoff = 1;          // first retry waits [min, 2*min]
  double max_backoff = 300;        // cap of the backoff, and the wait after a refusal
  double refresh_interval = 900;   // resync after success, jittered +-10 %
  double poll_interval = 60;       // re-read inputs even without events
  double debounce = 0.01;          // quiet time after a watch event before re-reading
  double debounce_max = 0.1;       // a burst never delays the re-read longer than this
};

// What the loop must do now.
struct AgentDue {
  bool check_inputs = false;  // re-read the inputs and call InputsChecked()
  bool sync = false;          // run one sync and call SyncFinished()
};

class Agent {
 public:
  // `uniform01` draws from [0, 1) for jitter; it is called only when a delay is drawn.
  Agent(const AgentTiming& timing, std::function<double()> uniform01);

  // The first sync is due at `now`; the first poll one poll_interval later.
  void Start(double now);

  // A watch event arrived: inputs are re-read once the burst has been quiet
  // for `debounce` (at most `debounce_max` after its first event).
  void WatchEvent(double now);

  // The loop re-read the inputs; `changed` when any content hash differs from
  // the last read. A change makes a sync due at once (even while backing off:
  // a rotated token or new labels may be the fix), but never more than one
  // sync at a time.
  void InputsChecked(double now, bool changed);

  // SIGHUP or GET /refresh: a sync is due at once.
  void SyncRequested(double now);

  // A sync ended. Success (kNone): backoff resets, next sync after the
  // jittered refresh interval. kTransient, kAnswer, kPublish: next after
  // BackoffDelay(attempt), or Retry-After when longer (capped at max_backoff).
  // kPermanent, kInput: next after max_backoff, jittered +-10 %, so a refused
  // credential is retried slowly, never hot.
  void SyncFinished(double now, Failure failure, std::optional<double> retry_after);

  // What is due at `now`; returned actions are cleared (call once per wake-up).
  // A sync is never due while one is running (between Due() returning sync and
  // SyncFinished()).
  AgentDue Due(double now);

  // The monotonic time of the next due action (never in the past by more than
  // the caller's lateness; always finite).
  double NextWake() const;

  int consecutive_failures() const { return failures_; }
  bool sync_running() const { return running_; }

 private:
  AgentTiming timing_;
  std::function<double()> uniform01_;
  double next_sync_ = 0;
  double next_poll_ = 0;
  std::optional<double> check_at_;     // debounced input check
  std::optional<double> burst_start_;  // first event of the current burst
  bool running_ = false;
  bool sync_pending_ = false;          // requested while running: run right after
  int failures_ = 0;                   // consecutive failed syncs (the backoff attempt)
};

}  // namespace irsa

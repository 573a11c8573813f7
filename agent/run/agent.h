// The decisions of `irsa-agent run`, as a pure state machine. The event loop
// (run_loop.cc) tells it what happened and when (monotonic seconds), asks what
// is due, does it, and sleeps until NextWake(). Tests drive it with plain numbers.
#pragma once

#include <functional>
#include <optional>

#include "base/outcome.h"

namespace irsa {

struct AgentTiming {
  double min_backoff = 1;         // first retry waits [min, 2*min]
  double max_backoff = 300;       // cap of the backoff, and the wait after a refusal
  double refresh_interval = 900;  // resync after success, jittered +-10 %
  double poll_interval = 60;      // re-read inputs even without events
  double debounce = 0.005;        // quiet time after a watch event before re-reading
  double debounce_max = 0.1;      // a burst never delays the re-read longer than this
};

// Syncs brought forward by a request (SyncRequested, or InputsChecked with a
// change) start at most once per RequestSpacing() seconds (this constant, or
// min-backoff when that is shorter), counted from the previous
// sync start: a token file rewritten in a loop or a flood of SIGHUPs cannot make
// the agent call the service hot. A request inside the window is deferred to the
// window's end, never dropped.
//
// The guarantee, for consecutive sync starts S1 < S2 where S1's sync finished at
// F with failure kind K: S2 >= S1 + RequestSpacing() when a request brought S2
// forward; otherwise S2 >= F + the delay drawn at F, which is at least
// 0.9 * refresh_interval after success, min_backoff after kTransient, kAnswer or
// kPublish, and 0.9 * max_backoff after kPermanent or kInput. So two syncs never
// start less than min(1 s, min_backoff, 0.9 * max_backoff, 0.9 * refresh_interval)
// apart: one second with the defaults, whatever the service answers.
inline constexpr double kSyncRateLimit = 1.0;

// min(kSyncRateLimit, timing.min_backoff): a small min-backoff (tests,
// benchmarks) also lets requested syncs come closer together.
double RequestSpacing(const AgentTiming& timing);

// What the loop must do now.
struct AgentDue {
  bool check_inputs = false;  // re-read the inputs and call InputsChecked()
  bool sync = false;          // run one sync and call SyncFinished()
};

class Agent {
 public:
  // `uniform01` draws from [0, 1) for jitter; it is called only when a delay is
  // drawn (once per SyncFinished). Settings validate `timing`; a value that is
  // not finite and positive (debounce: not negative) falls back to its default,
  // and max_backoff is raised to min_backoff, so the guarantee above always holds.
  Agent(const AgentTiming& timing, std::function<double()> uniform01);

  // The first sync is due at `now`; the first poll one poll_interval later.
  void Start(double now);

  // A watch event arrived: inputs are re-read once the burst has been quiet
  // for `debounce` (at most `debounce_max` after its first event).
  void WatchEvent(double now);

  // The loop re-read the inputs; `changed` when any content hash differs from
  // the last read. A change makes a sync due at once (even while backing off:
  // a rotated token or new labels may be the fix), but never more than one
  // sync at a time. A change reported with the same `now` as the Due() that
  // handed out the running sync is covered by that sync (the loop checks inputs
  // before it syncs) and queues nothing.
  void InputsChecked(double now, bool changed);

  // SIGHUP or GET /refresh: a sync is due at once (subject to kSyncRateLimit);
  // while one runs, the next is due right after it.
  void SyncRequested(double now);

  // A sync ended. Success (kNone): backoff resets, next sync after the
  // jittered refresh interval. kTransient, kAnswer, kPublish: next after
  // BackoffDelay(attempt + 1) (one doubling later than `once`: the first retry
  // waits [min, 4 * min], which spreads a herd), or Retry-After when longer (capped at
  // max_backoff). kPermanent, kInput: next after max_backoff, jittered +-10 %, so a refused
  // credential is retried slowly, never hot. After any failure a Retry-After
  // longer than the drawn delay wins, capped at max_backoff; <= 0 is ignored.
  // A request made while the sync ran makes the next one due at once (subject
  // to kSyncRateLimit). Calls uniform01 exactly once.
  void SyncFinished(double now, Failure failure, std::optional<double> retry_after);

  // What is due at `now`; returned actions are cleared (call once per wake-up).
  // A sync is never due while one is running (between Due() returning sync and
  // SyncFinished()). The poll is due poll_interval after the previous input
  // check, whatever caused it. Both may be due at once: check inputs first.
  AgentDue Due(double now);

  // The monotonic time of the next due action (never in the past by more than
  // the caller's lateness; always finite). Right after Due(now) it is > now.
  double NextWake() const;

  int consecutive_failures() const { return failures_; }

 private:
  void RequestSync(double now);
  double EarliestRequestedSync(double now) const;  // now, or the end of the rate-limit window

  AgentTiming timing_;
  std::function<double()> uniform01_;
  double next_sync_ = 0;
  double next_poll_ = 0;
  std::optional<double> check_at_;     // debounced input check
  std::optional<double> burst_start_;  // first event of the current burst
  bool running_ = false;
  bool sync_pending_ = false;         // requested while running: run right after
  int failures_ = 0;                  // consecutive failed syncs (the backoff attempt)
  std::optional<double> last_start_;  // when the latest sync was handed out
};

}  // namespace irsa

// Time, the seam the core reads "now" through, so tests drive it with a fake
// clock that Advance()s and never sleeps. clock_system.cc is the real one.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <memory>

namespace irsa {

class Clock {
 public:
  virtual ~Clock() = default;

  // Seconds since an arbitrary start that never goes backwards (not even
  // when the wall clock is set). For intervals and deadlines. Never fails.
  virtual double Monotonic() = 0;

  // Unix seconds (UTC), which may jump when the clock is set. For timestamps
  // and for comparing with times other programs wrote. Never fails.
  virtual double Wall() = 0;

  // Sleeps for `seconds` of monotonic time; a value <= 0 or NaN returns at
  // once. A signal does not shorten the sleep (EINTR resumes to the same
  // deadline): callers that must react to signals wait on a file descriptor
  // instead, or sleep in short steps and poll their flags.
  virtual void SleepFor(double seconds) = 0;
};

// CLOCK_MONOTONIC / CLOCK_REALTIME / clock_nanosleep; owned by the caller.
std::unique_ptr<Clock> NewSystemClock();

}  // namespace irsa

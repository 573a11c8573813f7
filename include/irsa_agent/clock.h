// Time, behind an interface so the core can be driven by a fake clock.
#pragma once

#include <memory>

namespace irsa {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double Monotonic() = 0;  // seconds since an arbitrary start
  virtual double Wall() = 0;       // unix seconds
  virtual void SleepFor(double seconds) = 0;
};

// CLOCK_MONOTONIC / CLOCK_REALTIME / nanosleep.
std::unique_ptr<Clock> NewSystemClock();

}  // namespace irsa

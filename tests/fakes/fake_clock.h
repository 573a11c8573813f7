// A clock that only moves when told to (or when slept on).
#pragma once

#include <vector>

#include "irsa_agent/clock.h"

namespace irsa {

class FakeClock : public Clock {
 public:
  double monotonic = 1000;
  double wall = 1'800'000'000;
  std::vector<double> sleeps;

  double Monotonic() override { return monotonic; }
  double Wall() override { return wall; }
  void SleepFor(double seconds) override {
    sleeps.push_back(seconds);
    Advance(seconds);
  }
  void Advance(double seconds) {
    monotonic += seconds;
    wall += seconds;
  }
};

}  // namespace irsa

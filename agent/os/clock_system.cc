// The real Clock: CLOCK_MONOTONIC for intervals, CLOCK_REALTIME for unix time.

#include <time.h>

#include <cerrno>
#include <cmath>

#include "irsa_agent/clock.h"

namespace irsa {
namespace {

// Longer sleeps are clamped: nobody means to sleep for more than ~31 years,
// and it keeps the arithmetic below far from time_t overflow.
constexpr double kMaxSleepSeconds = 1e9;
constexpr long kNanosPerSecond = 1'000'000'000;

double ToSeconds(const timespec& ts) {
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double Now(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);  // cannot fail for these clock ids
  return ToSeconds(ts);
}

class SystemClock : public Clock {
 public:
  double Monotonic() override { return Now(CLOCK_MONOTONIC); }
  double Wall() override { return Now(CLOCK_REALTIME); }

  // Sleeps until an absolute monotonic deadline, so a signal that interrupts
  // the sleep (handlers are installed without SA_RESTART) only costs a loop
  // iteration: the next call sleeps exactly the remainder. Callers that want
  // to react to a signal poll their own flags around SleepFor.
  void SleepFor(double seconds) override {
    if (!(seconds > 0)) return;  // also catches NaN
    seconds = std::fmin(seconds, kMaxSleepSeconds);
    timespec deadline{};
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    const double whole = std::floor(seconds);
    deadline.tv_sec += static_cast<time_t>(whole);
    deadline.tv_nsec += static_cast<long>((seconds - whole) * 1e9);
    if (deadline.tv_nsec >= kNanosPerSecond) {
      deadline.tv_sec += 1;
      deadline.tv_nsec -= kNanosPerSecond;
    }
    // clock_nanosleep returns the error number instead of setting errno.
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
    }
  }
};

}  // namespace

std::unique_ptr<Clock> NewSystemClock() { return std::make_unique<SystemClock>(); }

}  // namespace irsa

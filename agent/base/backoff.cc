// Retry timing with full jitter: spreading retries over the whole window
// keeps hundreds of pods that failed together from retrying together.
#include "base/backoff.h"

#include <algorithm>
#include <cmath>

namespace irsa {
namespace {

// Any positive double doubled this many times exceeds every finite max_s
// (2^-1074 * 2^2100 > DBL_MAX), so later attempts need no more doublings.
constexpr int kMaxDoublings = 2100;

// `u` forced into [0, 1); NaN counts as 0.
double ClampUnit(double u) {
  if (!(u >= 0.0)) return 0.0;
  if (u >= 1.0) return std::nextafter(1.0, 0.0);
  return u;
}

}  // namespace

double BackoffDelay(int attempt, double min_s, double max_s, double uniform01) {
  const int doublings = std::min(std::max(attempt, 0), kMaxDoublings - 1) + 1;
  // Doubling by multiplication (not ldexp/pow) never touches errno and stops
  // as soon as the cap is reached, so huge attempts cost nothing.
  double cap = min_s;
  for (int i = 0; i < doublings && cap < max_s; ++i) cap *= 2.0;
  cap = std::min(cap, max_s);
  const double delay = min_s + ClampUnit(uniform01) * (cap - min_s);
  return std::min(std::max(delay, min_s), cap);  // rounding must not leave the window
}

double Jitter(double base, double fraction, double uniform01) {
  // A fraction above 1 would allow negative delays; below 0 (or NaN) means none.
  const double f = fraction >= 0.0 ? std::min(fraction, 1.0) : 0.0;
  return base * (1.0 + f * (2.0 * ClampUnit(uniform01) - 1.0));
}

}  // namespace irsa

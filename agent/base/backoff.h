// Retry timing (pure: the random draw is passed in).
#pragma once

namespace irsa {

// The delay before retry number `attempt` (0 for the first retry), with full
// jitter: uniform in [min_s, cap] where cap = min(max_s, min_s * 2^(attempt+1)).
// `uniform01` is a draw from [0, 1). REQUIRES: 0 < min_s <= max_s.
double BackoffDelay(int attempt, double min_s, double max_s, double uniform01);

// `base` spread by +-`fraction` (0.1 for +-10 %) using a draw from [0, 1).
double Jitter(double base, double fraction, double uniform01);

}  // namespace irsa

// `irsa-agent once`: sync, retrying transient failures with backoff until the
// `timeout` deadline.
#pragma once

#include <functional>

#include "irsa_agent/clock.h"
#include "run/sync.h"
#include "settings/settings.h"

namespace irsa {

// Calls `sync(remaining_seconds)` until it succeeds, fails with a kind that is not retried
// (kPermanent, kInput, kPublish), or the next wait would pass `settings.timeout`.
// Waits BackoffDelay(...) between attempts, or Retry-After when larger (capped
// by max-backoff). `uniform01` draws from [0, 1). Returns the last result.
SyncResult SyncWithRetries(const std::function<SyncResult(double)>& sync, Clock& clock,
                           const std::function<double()>& uniform01, const Settings& settings,
                           Logger& log);

}  // namespace irsa

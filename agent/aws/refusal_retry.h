// The broker's grace for a freshly trusted pod (docs/TROUBLESHOOTING.md,
// "AccessDenied in the first seconds of a run"): IAM and STS are eventually
// consistent, so the first AssumeRoleWithWebIdentity of a pod the mapping
// service has just admitted into a trust policy can be refused for a few
// seconds. During a profile's first `window` seconds (from when the broker
// first saw it in the mapping) such a refusal is retried with backoff before
// it is reported. Pure: the caller passes `now` and the random draw.
#pragma once

#include <optional>
#include <string>

#include "aws/credential_source.h"

namespace irsa {

// The default window (setting refusal-retry-window), in seconds.
inline constexpr double kDefaultRefusalRetryWindow = 30;
// Retry delays before jitter: 0.5, 1, 2, 4, 4, ... seconds, each spread by
// +-20 %; at most kMaxRefusalRetries retries whatever the clock says.
inline constexpr double kRefusalRetryFirstDelay = 0.5;
inline constexpr double kRefusalRetryMaxDelay = 4;
inline constexpr int kMaxRefusalRetries = 16;

// Whether `fetch` failed with STS refusing the first hop: the last call it
// made is an answered AssumeRoleWithWebIdentity with error code AccessDenied
// and a refusal outcome (kPermanent). A second hop's AccessDenied, an
// InvalidIdentityToken, throttling or a transport failure is not one.
bool IsFirstHopRefusal(const CredentialFetch& fetch);

// When to retry a first-hop refusal: the delay in seconds from `now`, or
// nullopt to report the refusal now. `first_seen` is when the broker first
// saw the profile (unix seconds, like `now`), `retries` how many refusals of
// it were retried already. Retries only while now < first_seen + window and
// retries < kMaxRefusalRetries; the delay never ends past the window. A
// window <= 0 (or not finite) never retries. `uniform01` is a draw from [0, 1).
std::optional<double> RefusalRetryDelay(double window, double first_seen, double now, int retries,
                                        double uniform01);

// Seconds for a message: whole ones bare ("30"), others to a tenth ("2.5").
std::string FormatTenths(double seconds);

}  // namespace irsa

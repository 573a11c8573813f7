// A refusal right after the trust policy changed usually clears within a
// few seconds, so the first retries come quickly; the delay then levels off
// so a refusal that lasts costs STS about one call every 4 s, not a flood.
#include "aws/refusal_retry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/backoff.h"

namespace irsa {
namespace {

constexpr std::string_view kWebIdentity = "AssumeRoleWithWebIdentity";
constexpr double kJitterFraction = 0.2;

}  // namespace

bool IsFirstHopRefusal(const CredentialFetch& fetch) {
  if (fetch.status.ok() || fetch.sts_calls.size() != 1) return false;
  const StsHop& hop = fetch.sts_calls.back();
  return hop.action == kWebIdentity && hop.answered && hop.error_code == "AccessDenied" &&
         hop.outcome == Failure::kPermanent && fetch.status.kind() == Failure::kPermanent;
}

std::optional<double> RefusalRetryDelay(double window, double first_seen, double now, int retries,
                                        double uniform01) {
  if (!std::isfinite(window) || window <= 0 || !std::isfinite(first_seen) || !std::isfinite(now) ||
      retries < 0 || retries >= kMaxRefusalRetries) {
    return std::nullopt;
  }
  const double end = first_seen + window;
  if (now >= end) return std::nullopt;
  double base = kRefusalRetryFirstDelay;
  for (int i = 0; i < retries && base < kRefusalRetryMaxDelay; ++i) base *= 2;
  base = std::min(base, kRefusalRetryMaxDelay);
  return std::min(Jitter(base, kJitterFraction, uniform01), end - now);
}

std::string FormatTenths(double seconds) {
  const double tenths = std::round(seconds * 10) / 10;
  const auto whole = static_cast<long long>(tenths);
  if (static_cast<double>(whole) == tenths) return std::to_string(whole);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", tenths);
  return buf;
}

}  // namespace irsa

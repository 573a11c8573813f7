// What `run` did, as Prometheus metrics (pure): the loop and the credential
// broker report events, GET /metrics renders the text exposition format
// 0.0.4. Every label value is bounded (outcome kinds, fixed results, STS
// action names, profile names); none is a run id, a URL or a secret.
// Rendering walks a few fixed families: cheap enough for a scrape every 15 s.
//
// Families (a family without a sample is left out of the exposition):
//   irsa_agent_syncs_total{outcome}          counter; success, transient,
//                                            permanent, input, answer, publish (all from 0)
//   irsa_agent_last_sync_success_timestamp_seconds   gauge, after the first success
//   irsa_agent_profiles                      gauge: profiles in the published
//                                            config, after the first success
//   irsa_agent_web_identity_token_expiry_timestamp_seconds   gauge: the token's
//                                            exp; absent while unknown
//   irsa_agent_mapping_request_duration_seconds   histogram of the mapping
//                                            HTTP exchanges that got an answer
//   irsa_agent_credential_requests_total{result}  counter; hit, miss, error (all from 0)
//   irsa_agent_sts_requests_total{action,outcome} counter, per pair seen
//   irsa_agent_sts_refusals_retried_total    counter: first-hop AccessDenied
//                                            retried in a profile's first window
//                                            (aws/refusal_retry.h); after the first
//   irsa_agent_credential_expiry_timestamp_seconds{profile}  gauge: the cached
//                                            credentials' expiry, per profile
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/outcome.h"

namespace irsa {

enum class CredentialResult { kHit, kMiss, kError };

// The upper bounds of the mapping-duration histogram's buckets, in seconds
// (+Inf is implied).
inline constexpr std::array<double, 11> kMappingDurationBuckets = {
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

// At most this many STS action names and profiles are tracked; more are
// ignored, so a misbehaving caller cannot grow the exposition without bound.
inline constexpr size_t kMaxStsActions = 8;
inline constexpr size_t kMaxCredentialProfiles = 1024;

class MetricsRegistry {
 public:
  // A sync ended at unix time `wall_now`; `profiles` is the count published
  // (read on success only).
  void SyncFinished(Failure failure, double wall_now, size_t profiles);

  // One mapping HTTP exchange that got an answer took `seconds`.
  void MappingRequestTook(double seconds);

  // The web-identity token's exp claim (unix seconds); nullopt when unknown.
  void SetTokenExpiry(std::optional<int64_t> expiry);

  // For the credential broker: one request for credentials, and its result.
  void CredentialRequested(CredentialResult result);

  // For the credential broker: one STS call of `action` (e.g.
  // "AssumeRoleWithWebIdentity": letters only, at most 64 of them, and at
  // most kMaxStsActions names; else counted as "other") and its outcome
  // (kNone counts as "success").
  void StsRequested(std::string_view action, Failure outcome);

  // For the credential broker: one first-hop refusal retried (not reported).
  void RefusalRetried() { ++refusals_retried_; }

  // For the credential broker: the cached credentials of `profile` expire at
  // `expiry` (unix seconds); Remove on revocation or eviction.
  void SetCredentialExpiry(std::string_view profile, int64_t expiry);
  void RemoveCredentialExpiry(std::string_view profile);

  // The text exposition format 0.0.4, ending with a newline.
  std::string Render() const;

 private:
  std::array<uint64_t, 6> syncs_ = {};  // indexed by Failure (kNone = success)
  std::optional<double> last_success_;
  std::optional<size_t> profiles_;
  std::optional<int64_t> token_expiry_;
  std::array<uint64_t, kMappingDurationBuckets.size()> mapping_buckets_ = {};  // not cumulative
  uint64_t mapping_count_ = 0;
  double mapping_sum_ = 0;
  std::array<uint64_t, 3> credential_requests_ = {};
  std::vector<std::string> sts_actions_;  // the names counted, at most kMaxStsActions
  std::map<std::pair<std::string, Failure>, uint64_t> sts_requests_;
  uint64_t refusals_retried_ = 0;
  std::map<std::string, int64_t, std::less<>> credential_expiry_;
};

// A label value escaped for the exposition format: backslash, double quote
// and line feed as \\, \" and \n.
std::string EscapeLabelValue(std::string_view value);

// A sample value: integers without a fraction, others with the fewest of 15
// to 17 significant digits that read back the same; "+Inf", "-Inf", "NaN".
std::string FormatSampleValue(double value);

}  // namespace irsa

// The credential broker's cache: per profile, the credentials the STS chain
// last issued and when to fetch them again. A pure state machine like Scheduler:
// the caller reports events with `now`, takes the fetches that are due, runs
// them elsewhere (FetchWorker), reports each result, and wakes at NextWake().
//
// `now` is unix seconds (the wall clock), because credentials expire on it.
// Credentials live only here, in memory: never copied out except into an
// answer body, and wiped whenever dropped or replaced (TemporaryCredentials'
// destructor). Not thread-safe: one thread (the event loop) owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credential_source.h"
#include "aws/refusal_retry.h"

namespace irsa {

struct CacheTiming {
  double min_backoff = 1;      // the first retry after a failed fetch waits [min, 2*min]
  double max_backoff = 300;    // cap of every backoff, Retry-After included
  double min_remaining = 300;  // served credentials have at least this many seconds left
  // A first-hop AccessDenied within this many seconds of a profile's first
  // sight is retried, not reported (aws/refusal_retry.h); 0: never.
  double refusal_retry_window = kDefaultRefusalRetryWindow;
};

// A throttled fetch (STS said Throttling) backs off from this many times
// min_backoff (capped at max_backoff) instead of min_backoff.
inline constexpr double kThrottleBackoffFactor = 8;

enum class CacheStatus {
  kHit,          // servable credentials are in the answer
  kWait,         // a fetch runs or is due: a CacheResolution answers later
  kUnknown,      // the mapping does not grant this profile (HTTP 404)
  kUnavailable,  // no servable credentials and no fetch allowed now (HTTP 503)
};

struct CacheLookup {
  CacheStatus status = CacheStatus::kUnavailable;
  std::string message;  // kUnknown, kUnavailable: one line naming the profile; never a secret
  // kHit: borrowed from the cache, valid until its next non-const call.
  const TemporaryCredentials* credentials = nullptr;
  int64_t expires_at = 0;  // kHit: unix seconds
  // kHit: when the chain issued them (unix seconds; IMDS' LastUpdated) and
  // the role they are for (borrowed like `credentials`).
  int64_t issued_at = 0;
  std::string_view role_arn;
};

// The final answer for every request of `profile` that was told kWait.
struct CacheResolution {
  std::string profile;
  CacheLookup answer;  // never kWait
};

// One fetch to run: pass `id` and the result back to FetchDone.
struct CacheFetchOrder {
  uint64_t id = 0;
  CredentialRecipe recipe;
};

// Counters for the metrics endpoint; monotonic.
struct CacheCounters {
  uint64_t requests_hit = 0;   // answered from the cache
  uint64_t requests_miss = 0;  // told to wait for a fetch
  uint64_t requests_error =
      0;  // unknown profile, no mapping yet, or backing off without credentials
  uint64_t fetches_ok = 0;
  uint64_t fetches_failed = 0;     // any failure, throttled ones included
  uint64_t fetches_throttled = 0;  // failures STS marked as throttling
  uint64_t fetches_discarded = 0;  // results for a profile revoked or changed meanwhile
  uint64_t refusals_retried = 0;   // first-hop refusals retried in a profile's first window
};

class CredentialCache {
 public:
  // `uniform01` draws from [0, 1): once per fetch result (refresh jitter or
  // backoff). Timing values that are not finite and positive fall back to
  // their defaults; max_backoff is raised to min_backoff.
  CredentialCache(const CacheTiming& timing, std::function<double()> uniform01);

  // The mapping's current recipes (call after every successful sync). A
  // profile no longer listed is dropped at once (credentials wiped, later
  // requests kUnknown "no longer in the mapping"); a changed recipe drops its
  // credentials and any fetch in flight for it is discarded when it ends.
  // A new profile, or one whose recipe changed, is first seen at `now`.
  // Returns the resolutions of waiting requests of dropped profiles.
  std::vector<CacheResolution> SetProfiles(const std::vector<CredentialRecipe>& recipes,
                                           double now);

  // One request for `profile`. kHit when credentials with at least
  // min_remaining seconds left are cached. Otherwise kWait and a fetch is due
  // (one per profile however many requests wait), or kUnavailable with the
  // last failure while its backoff runs, or kUnknown. Before the first
  // SetProfiles: kUnavailable ("not read the mapping yet").
  CacheLookup Request(std::string_view profile, double now);

  // Whether SetProfiles has been called (a mapping was read).
  bool has_mapping() const { return have_mapping_; }

  // The fetches to start now (each returned once): profiles with waiting
  // requests, and refresh-ahead of credentials asked for within their lifetime.
  // Also wipes credentials that have fallen below min_remaining.
  std::vector<CacheFetchOrder> TakeDueFetches(double now);

  // The fetch `id` for `profile` ended. Success replaces (and wipes) the old
  // credentials and schedules the refresh at a jittered time in
  // [D - L/8, D], L the lifetime, D = expiry - max(L/4, min_remaining).
  // Failure keeps the old credentials while servable and backs off
  // BackoffDelay(failures - 1) (from kThrottleBackoffFactor * min when
  // throttled), or Retry-After when longer, capped at max_backoff. A result for a
  // revoked or changed profile is discarded and wiped. Exception: a first-hop
  // refusal within refusal_retry_window of the profile's first sight is
  // retried after RefusalRetryDelay (no failure counted, waiters keep
  // waiting, new requests wait too). Returns the resolution of the profile's
  // waiting requests, if any.
  std::optional<CacheResolution> FetchDone(uint64_t id, std::string_view profile,
                                           CredentialFetch fetch, double now);

  // When TakeDueFetches next has work (a fetch or a wipe); +infinity for none.
  // May be <= now: call TakeDueFetches at once.
  double NextWake() const;

  // While `profile`'s first-hop refusal waits for its retry (see FetchDone):
  // the refusal, borrowed until the next non-const call; else nullopt.
  struct PendingRefusal {
    std::string_view error;  // one line, never a secret
    double retry_at = 0;     // unix seconds of the next attempt
    int retries = 0;         // refusals of the profile retried so far, this one included
  };
  std::optional<PendingRefusal> RetryingRefusal(std::string_view profile) const;

  const CacheCounters& counters() const { return counters_; }
  // (profile, expiry in unix seconds) of every profile holding credentials.
  std::vector<std::pair<std::string, int64_t>> CachedExpiries() const;
  size_t fetches_in_flight() const;

 private:
  struct Entry {
    CredentialRecipe recipe;
    std::unique_ptr<TemporaryCredentials> credentials;  // wiped by its destructor
    int64_t expires_at = 0;
    double lifetime = 0;        // seconds from the fetch result to expiry
    double refresh_at = 0;      // refresh-ahead time of the current credentials
    bool refresh_idle = false;  // refresh was due but the profile was not used recently
    double last_request = 0;
    bool requested = false;  // last_request is set
    bool waiting = false;    // a request was told kWait and awaits a resolution
    uint64_t flight = 0;     // id of the fetch in flight for this recipe; 0 for none
    double retry_at = 0;     // no fetch before this (backoff)
    int failures = 0;        // consecutive failed fetches
    std::string last_error;
    double first_seen = 0;          // when SetProfiles first listed this recipe
    int refusal_retries = 0;        // first-hop refusals retried since first_seen
    bool retrying_refusal = false;  // retry_at is a refusal retry: requests wait
  };

  bool Servable(const Entry& e, double now) const;
  static int64_t IssuedAt(const Entry& e) {
    return e.expires_at - static_cast<int64_t>(e.lifetime);
  }
  void DropCredentials(Entry* e);
  double DrawBackoff(const Entry& e, const CredentialFetch& fetch);

  CacheTiming timing_;
  std::function<double()> uniform01_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::set<std::string, std::less<>> removed_;  // profiles revoked since they were listed
  bool have_mapping_ = false;
  uint64_t next_id_ = 1;
  CacheCounters counters_;
};

}  // namespace irsa

// The cache fetches lazily (a profile nobody asks for costs no STS call),
// once per profile however many ask (single flight), and ahead of expiry only
// for profiles still in use, so STS sees a few calls per role per hour.
#include "aws/credential_cache.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "base/backoff.h"
#include "base/text.h"

namespace irsa {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr size_t kMaxRemembered = 4096;  // revoked names kept for a clear message

double PositiveOr(double value, double fallback) {
  return std::isfinite(value) && value > 0 ? value : fallback;
}

std::string Quoted(std::string_view profile) { return "\"" + Printable(profile) + "\""; }

}  // namespace

CredentialCache::CredentialCache(const CacheTiming& timing, std::function<double()> uniform01)
    : uniform01_(std::move(uniform01)) {
  const CacheTiming defaults;
  timing_.min_backoff = PositiveOr(timing.min_backoff, defaults.min_backoff);
  timing_.max_backoff =
      std::max(PositiveOr(timing.max_backoff, defaults.max_backoff), timing_.min_backoff);
  timing_.min_remaining = PositiveOr(timing.min_remaining, defaults.min_remaining);
  timing_.refusal_retry_window =
      std::isfinite(timing.refusal_retry_window) && timing.refusal_retry_window >= 0
          ? timing.refusal_retry_window
          : defaults.refusal_retry_window;
}

bool CredentialCache::Servable(const Entry& e, double now) const {
  return e.credentials != nullptr &&
         static_cast<double>(e.expires_at) - now >= timing_.min_remaining;
}

void CredentialCache::DropCredentials(Entry* e) {
  e->credentials.reset();  // ~TemporaryCredentials wipes the secrets
  e->expires_at = 0;
  e->lifetime = 0;
  e->refresh_at = 0;
  e->refresh_idle = false;
}

std::vector<CacheResolution> CredentialCache::SetProfiles(
    const std::vector<CredentialRecipe>& recipes, double now) {
  have_mapping_ = true;
  std::set<std::string_view> listed;
  for (const CredentialRecipe& r : recipes) listed.insert(r.profile);

  std::vector<CacheResolution> resolutions;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (listed.count(it->first) != 0) {
      ++it;
      continue;
    }
    if (it->second.waiting) {
      CacheResolution res{it->first, {}};
      res.answer.status = CacheStatus::kUnknown;
      res.answer.message = "profile " + Quoted(it->first) + " is no longer in the mapping";
      resolutions.push_back(std::move(res));
    }
    if (removed_.size() >= kMaxRemembered) removed_.clear();
    removed_.insert(it->first);
    it = entries_.erase(it);  // the entry's credentials are wiped with it
  }

  for (const CredentialRecipe& r : recipes) {
    auto it = entries_.find(r.profile);
    if (it == entries_.end()) {
      removed_.erase(r.profile);
      Entry& added = entries_[r.profile];
      added.recipe = r;
      added.first_seen = now;
      continue;
    }
    Entry& e = it->second;
    if (e.recipe == r) continue;
    // A different role or session: nothing issued for the old one may be served.
    e.recipe = r;
    DropCredentials(&e);
    e.flight = 0;  // a result of the old recipe is discarded
    e.failures = 0;
    e.retry_at = 0;
    e.last_error.clear();
    // A new role may have just been given its trust entry: a new grace window.
    e.first_seen = now;
    e.refusal_retries = 0;
    e.retrying_refusal = false;
  }
  return resolutions;
}

CacheLookup CredentialCache::Request(std::string_view profile, double now) {
  CacheLookup answer;
  if (!have_mapping_) {
    ++counters_.requests_error;
    answer.message = "the agent has not read the mapping yet; try again shortly";
    return answer;
  }
  auto it = entries_.find(profile);
  if (it == entries_.end()) {
    ++counters_.requests_error;
    answer.status = CacheStatus::kUnknown;
    answer.message =
        "profile " + Quoted(profile) +
        (removed_.count(profile) != 0 ? " is no longer in the mapping" : " is not in the mapping");
    return answer;
  }
  Entry& e = it->second;
  e.last_request = now;
  e.requested = true;
  if (e.credentials && !Servable(e, now)) DropCredentials(&e);
  if (e.credentials) {
    ++counters_.requests_hit;
    e.refresh_idle = false;  // used again: an overdue refresh is due now
    answer.status = CacheStatus::kHit;
    answer.credentials = e.credentials.get();
    answer.expires_at = e.expires_at;
    answer.issued_at = IssuedAt(e);
    answer.role_arn = e.recipe.role_arn;
    return answer;
  }
  if (e.flight == 0 && now < e.retry_at && !e.retrying_refusal) {
    ++counters_.requests_error;
    const auto wait = static_cast<long long>(std::ceil(e.retry_at - now));
    answer.message = "cannot get credentials for profile " + Quoted(profile) + ": " + e.last_error +
                     " (next attempt in " + std::to_string(wait) + " s)";
    return answer;
  }
  ++counters_.requests_miss;
  e.waiting = true;
  answer.status = CacheStatus::kWait;
  return answer;
}

std::vector<CacheFetchOrder> CredentialCache::TakeDueFetches(double now) {
  std::vector<CacheFetchOrder> orders;
  for (auto& [name, e] : entries_) {
    if (e.credentials && !Servable(e, now)) DropCredentials(&e);
    if (e.flight != 0 || now < e.retry_at) continue;
    bool due = e.waiting;
    if (!due && e.credentials && !e.refresh_idle && now >= e.refresh_at) {
      // Refresh ahead only what was asked for within the last lifetime.
      due = e.requested && now - e.last_request <= e.lifetime;
      e.refresh_idle = !due;
    }
    if (!due) continue;
    e.flight = next_id_++;
    orders.push_back(CacheFetchOrder{e.flight, e.recipe});
  }
  return orders;
}

double CredentialCache::DrawBackoff(const Entry& e, const CredentialFetch& fetch) {
  const double floor =
      fetch.throttled ? std::min(timing_.min_backoff * kThrottleBackoffFactor, timing_.max_backoff)
                      : timing_.min_backoff;
  double delay = BackoffDelay(e.failures - 1, floor, timing_.max_backoff, uniform01_());
  if (fetch.retry_after && std::isfinite(*fetch.retry_after) && *fetch.retry_after > delay) {
    delay = std::min(*fetch.retry_after, timing_.max_backoff);
  }
  return delay;
}

std::optional<CacheResolution> CredentialCache::FetchDone(uint64_t id, std::string_view profile,
                                                          CredentialFetch fetch, double now) {
  auto it = entries_.find(profile);
  if (it == entries_.end() || id == 0 || it->second.flight != id) {
    ++counters_.fetches_discarded;
    return std::nullopt;  // `fetch` and its credentials are wiped on return
  }
  Entry& e = it->second;
  e.flight = 0;
  const double lifetime = static_cast<double>(fetch.expires_at) - now;
  if (fetch.status.ok() && fetch.credentials == nullptr) {
    fetch.status = {Failure::kAnswer, "the credential source returned no credentials"};
  } else if (fetch.status.ok() && lifetime < timing_.min_remaining) {
    fetch.status = {Failure::kAnswer,
                    "STS issued credentials that expire in " +
                        std::to_string(static_cast<long long>(lifetime)) + " s, less than the " +
                        std::to_string(static_cast<long long>(timing_.min_remaining)) +
                        " s the broker guarantees"};
  }

  if (!fetch.status.ok() && IsFirstHopRefusal(fetch)) {
    const std::optional<double> delay = RefusalRetryDelay(
        timing_.refusal_retry_window, e.first_seen, now, e.refusal_retries, uniform01_());
    if (delay) {
      // Not a failure yet: the waiters stay, and the backoff after a
      // reported refusal starts from the first step.
      ++counters_.fetches_failed;
      ++counters_.refusals_retried;
      ++e.refusal_retries;
      e.retrying_refusal = true;
      e.retry_at = now + *delay;
      e.last_error = fetch.status.message();
      return std::nullopt;
    }
  }
  const int retried = std::exchange(e.refusal_retries, 0);
  e.retrying_refusal = false;

  if (fetch.status.ok()) {
    ++counters_.fetches_ok;
    e.credentials = std::move(fetch.credentials);  // the old ones are wiped here
    e.expires_at = fetch.expires_at;
    e.lifetime = lifetime;
    const double deadline =
        static_cast<double>(e.expires_at) - std::max(lifetime / 4, timing_.min_remaining);
    e.refresh_at = std::max(now, deadline - uniform01_() * lifetime / 8);
    e.refresh_idle = false;
    e.failures = 0;
    e.retry_at = 0;
    e.last_error.clear();
  } else {
    ++counters_.fetches_failed;
    if (fetch.throttled) ++counters_.fetches_throttled;
    ++e.failures;
    e.retry_at = now + DrawBackoff(e, fetch);
    e.last_error = fetch.status.message().empty()
                       ? std::string(FailureName(fetch.status.kind())) + " failure"
                       : fetch.status.message();
    if (retried > 0 && IsFirstHopRefusal(fetch)) {
      e.last_error += " (still refused after " + std::to_string(retried) + " retries in the " +
                      "profile's first " + FormatTenths(timing_.refusal_retry_window) + " s)";
    }
    if (e.credentials && !Servable(e, now)) DropCredentials(&e);
  }
  if (!e.waiting) return std::nullopt;

  e.waiting = false;
  CacheResolution res{it->first, {}};
  if (Servable(e, now)) {
    res.answer.status = CacheStatus::kHit;
    res.answer.credentials = e.credentials.get();
    res.answer.expires_at = e.expires_at;
    res.answer.issued_at = IssuedAt(e);
    res.answer.role_arn = e.recipe.role_arn;
  } else {
    res.answer.message =
        "cannot get credentials for profile " + Quoted(it->first) + ": " + e.last_error;
  }
  return res;
}

std::optional<CredentialCache::PendingRefusal> CredentialCache::RetryingRefusal(
    std::string_view profile) const {
  auto it = entries_.find(profile);
  if (it == entries_.end() || !it->second.retrying_refusal) return std::nullopt;
  const Entry& e = it->second;
  return PendingRefusal{e.last_error, e.retry_at, e.refusal_retries};
}

double CredentialCache::NextWake() const {
  double wake = kInf;
  for (const auto& [name, e] : entries_) {
    if (e.credentials) {
      wake = std::min(wake, static_cast<double>(e.expires_at) - timing_.min_remaining);
    }
    if (e.flight != 0) continue;
    if (e.waiting) wake = std::min(wake, e.retry_at);
    if (e.credentials && !e.refresh_idle) wake = std::min(wake, std::max(e.refresh_at, e.retry_at));
  }
  return wake;
}

std::vector<std::pair<std::string, int64_t>> CredentialCache::CachedExpiries() const {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& [name, e] : entries_) {
    if (e.credentials) out.emplace_back(name, e.expires_at);
  }
  return out;
}

size_t CredentialCache::fetches_in_flight() const {
  return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(),
                                           [](const auto& kv) { return kv.second.flight != 0; }));
}

}  // namespace irsa

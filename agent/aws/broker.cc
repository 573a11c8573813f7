// The broker answers from the cache when it can and parks the request
// otherwise; every parked request is bounded by a cap and a deadline, so a
// flood of clients or a hung STS costs memory and time only up to a limit.
#include "aws/broker.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "aws/refusal_retry.h"
#include "aws/sts.h"
#include "base/secret.h"
#include "base/timestamp.h"
#include "base/url.h"

namespace irsa {
namespace {

constexpr size_t kMaxProfileName = 128;
constexpr std::string_view kRoute = "/credentials/";

bool InProfileAlphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("_+=,.@-").find(c) != std::string_view::npos;
}

int StatusOf(CacheStatus status) {
  switch (status) {
    case CacheStatus::kHit:
      return 200;
    case CacheStatus::kUnknown:
      return 404;
    case CacheStatus::kWait:
    case CacheStatus::kUnavailable:
      break;
  }
  return 503;
}

}  // namespace

BrokerResponse& BrokerResponse::operator=(BrokerResponse&& other) noexcept {
  if (this != &other) {
    WipeString(&body);
    connection = other.connection;
    status = other.status;
    body = std::move(other.body);
  }
  return *this;
}

BrokerResponse::~BrokerResponse() { WipeString(&body); }

bool IsValidBrokerProfileName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxProfileName &&
         std::all_of(name.begin(), name.end(), InProfileAlphabet);
}

std::optional<std::string> CredentialProfileFromPath(std::string_view path) {
  if (path.substr(0, kRoute.size()) != kRoute) return std::nullopt;
  const std::string_view raw = path.substr(kRoute.size());
  std::string out;
  // A stray '%' stays (in the raw form) and fails validation.
  if (!PercentDecode(raw, &out)) out.assign(raw);
  return out;
}

std::string ErrorJson(std::string_view message, bool standalone) {
  // Invalid UTF-8 (a server's text quoted in a message) becomes U+FFFD.
  nlohmann::json body{{"error", message}};
  if (standalone) body["standalone"] = true;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

CredentialBroker::CredentialBroker(const CacheTiming& timing, const BrokerLimits& limits,
                                   std::function<double()> uniform01, Logger* log)
    : cache_(timing, std::move(uniform01)), limits_(limits), log_(log) {}

BrokerResponse CredentialBroker::Answer(uint64_t connection, const CacheLookup& answer,
                                        CredentialFormat format, std::string_view profile) {
  if (answer.status == CacheStatus::kHit) {
    return BrokerResponse(connection, 200,
                          FormatCredentials(format, {*answer.credentials, answer.expires_at,
                                                     answer.issued_at, answer.role_arn, profile}));
  }
  return BrokerResponse(connection, StatusOf(answer.status), ErrorJson(answer.message));
}

void CredentialBroker::LogDebug(std::string_view message, std::string_view profile,
                                uint64_t connection, int64_t peer_uid,
                                std::string_view result) const {
  if (log_ == nullptr || !log_->Enabled(LogLevel::kDebug)) return;
  log_->Debug(message, {{"profile", std::string(profile)},
                        {"uid", peer_uid >= 0 ? std::to_string(peer_uid) : "unknown"},
                        {"connection", std::to_string(connection), true},
                        {"result", std::string(result)}});
}

std::optional<BrokerResponse> CredentialBroker::HandleCredentialRequest(uint64_t connection,
                                                                        std::string_view profile,
                                                                        int64_t peer_uid,
                                                                        double now,
                                                                        CredentialFormat format) {
  if (!IsValidBrokerProfileName(profile)) {
    ++counters_.bad_requests;
    LogDebug("credential request", "(invalid)", connection, peer_uid, "invalid name");
    return BrokerResponse(connection, 400,
                          ErrorJson("profile name must be 1 to 128 characters of "
                                    "A-Z a-z 0-9 _ + = , . @ -"));
  }
  const CacheLookup answer = cache_.Request(profile, now);
  if (answer.status != CacheStatus::kWait) {
    LogDebug("credential request", profile, connection, peer_uid,
             answer.status == CacheStatus::kHit ? "hit" : "error");
    if (!cache_.has_mapping()) {
      // After a restart while the mapping service is out: the kept config
      // names the roles and the client can get them alone.
      return BrokerResponse(connection, 503, ErrorJson(answer.message, true));
    }
    return Answer(connection, answer, format, profile);
  }
  auto it = waiting_.find(profile);
  const size_t for_profile = it == waiting_.end() ? 0 : it->second.size();
  if (for_profile >= limits_.max_waiting_per_profile ||
      total_waiting_ >= limits_.max_waiting_total) {
    ++counters_.busy;
    LogDebug("credential request", profile, connection, peer_uid, "busy");
    return BrokerResponse(
        connection, 503,
        ErrorJson("the agent is busy: too many requests wait for credentials", true));
  }
  if (it == waiting_.end())
    it = waiting_.emplace(std::string(profile), std::vector<Waiter>{}).first;
  it->second.push_back(Waiter{connection, now + limits_.max_wait, format});
  ++total_waiting_;
  LogDebug("credential request", profile, connection, peer_uid, "wait");
  return std::nullopt;
}

std::vector<BrokerResponse> CredentialBroker::Resolve(const CacheResolution& resolution) {
  std::vector<BrokerResponse> out;
  auto it = waiting_.find(resolution.profile);
  if (it == waiting_.end()) return out;
  for (const Waiter& w : it->second) {
    out.push_back(Answer(w.connection, resolution.answer, w.format, resolution.profile));
  }
  total_waiting_ -= it->second.size();
  waiting_.erase(it);
  return out;
}

std::vector<BrokerResponse> CredentialBroker::SetProfiles(
    const std::vector<CredentialRecipe>& recipes, double now) {
  std::vector<BrokerResponse> out;
  for (const CacheResolution& r : cache_.SetProfiles(recipes, now)) {
    for (BrokerResponse& resp : Resolve(r)) out.push_back(std::move(resp));
  }
  return out;
}

std::vector<BrokerResponse> CredentialBroker::FetchDone(uint64_t id, std::string_view profile,
                                                        CredentialFetch fetch, double now) {
  const Failure failure = fetch.status.kind();
  const bool throttled = fetch.throttled;
  // The message is copied before the cache consumes the fetch: never a secret.
  const std::string message = fetch.status.message();
  const size_t discarded = cache_.counters().fetches_discarded;
  const uint64_t retried = cache_.counters().refusals_retried;
  std::optional<CacheResolution> resolution = cache_.FetchDone(id, profile, std::move(fetch), now);
  if (log_ != nullptr) {
    const auto refusal = cache_.RetryingRefusal(profile);
    if (cache_.counters().refusals_retried != retried && refusal) {
      // One line per retried refusal (aws/refusal_retry.h); the message is STS's.
      log_->Warn("STS refused the first hop; retrying while the trust policy propagates",
                 {{"profile", std::string(profile)},
                  {"retry", std::to_string(refusal->retries)},
                  {"retry_in", FormatTenths(std::max(0.0, refusal->retry_at - now))},
                  {"error", message}});
    } else if (cache_.counters().fetches_discarded != discarded) {
      log_->Debug("credential fetch discarded: the profile changed meanwhile",
                  {{"profile", std::string(profile)}});
    } else if (failure == Failure::kNone) {
      log_->Info("credentials fetched", {{"profile", std::string(profile)}});
    } else {
      log_->Warn("cannot get credentials", {{"profile", std::string(profile)},
                                            {"kind", std::string(FailureName(failure))},
                                            {"throttled", throttled ? "true" : "false"},
                                            {"error", message}});
    }
  }
  if (!resolution) return {};
  return Resolve(*resolution);
}

BrokerDue CredentialBroker::Due(double now) {
  BrokerDue due;
  due.fetches = cache_.TakeDueFetches(now);
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    std::vector<Waiter>& list = it->second;
    auto overdue = std::stable_partition(list.begin(), list.end(),
                                         [now](const Waiter& w) { return w.deadline > now; });
    // A refusal still being retried is what the client needs to see, not a
    // time-out: its waiting ends before the profile's grace window does.
    const auto refusal = overdue == list.end() ? std::nullopt : cache_.RetryingRefusal(it->first);
    const std::string message =
        refusal ? "cannot get credentials for profile \"" + it->first +
                      "\": " + std::string(refusal->error) +
                      " (still retried: IAM may not have propagated the trust policy yet)"
                : "timed out waiting for credentials for profile \"" + it->first + "\"";
    for (auto w = overdue; w != list.end(); ++w) {
      ++counters_.timed_out;
      due.responses.emplace_back(w->connection, 503, ErrorJson(message));
    }
    total_waiting_ -= static_cast<size_t>(list.end() - overdue);
    list.erase(overdue, list.end());
    it = list.empty() ? waiting_.erase(it) : std::next(it);
  }
  return due;
}

void CredentialBroker::ConnectionClosed(uint64_t connection) {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    std::vector<Waiter>& list = it->second;
    const auto gone = std::remove_if(list.begin(), list.end(), [connection](const Waiter& w) {
      return w.connection == connection;
    });
    total_waiting_ -= static_cast<size_t>(list.end() - gone);
    list.erase(gone, list.end());
    it = list.empty() ? waiting_.erase(it) : std::next(it);
  }
}

std::vector<BrokerResponse> CredentialBroker::Shutdown() {
  std::vector<BrokerResponse> out;
  for (const auto& [profile, list] : waiting_) {
    for (const Waiter& w : list) {
      out.emplace_back(w.connection, 503, ErrorJson("the agent is stopping", true));
    }
  }
  waiting_.clear();
  total_waiting_ = 0;
  return out;
}

double CredentialBroker::NextWake() const {
  double wake = cache_.NextWake();
  for (const auto& [profile, list] : waiting_) {
    for (const Waiter& w : list) wake = std::min(wake, w.deadline);
  }
  return wake;
}

}  // namespace irsa

#include "core/sync.h"

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>

#include "core/answer.h"
#include "core/digest.h"
#include "core/identity.h"
#include "core/render.h"
#include "core/retry_after.h"
#include "core/text.h"
#include "core/url.h"

namespace irsa {
namespace {

constexpr double kMaxConnectTimeout = 5;

// Warnings about pairs left out, per sync: a hostile 1 MiB answer could list
// tens of thousands. The rest are counted in one more line.
constexpr size_t kMaxDropWarnings = 10;

std::string StatusMessage(long status, const Requester& requester, const HttpResponse& response) {
  const std::string code = "HTTP " + std::to_string(status);
  if (status == 404) {
    return "mapping service: " + code + ": no pod found for run id " + requester.pod.run_id +
           " (not running yet, or the credential belongs to another user)";
  }
  if (status == 401 || status == 403) {
    return "mapping service: " + code + ": the Domino credential (" + requester.credential.source +
           ") was refused";
  }
  if (status >= 300 && status < 400) {
    if (response.location.empty()) {
      // A 304 (the agent sends no conditional request) or a bare 300.
      return "mapping service: " + code + ": a 3xx answer without a Location header, not a mapping";
    }
    const std::string_view host = SplitUrl(response.location).authority;
    const std::string target = host.empty() ? "a relative location" : Printable(host);
    return "mapping service: " + code + ": redirect to " + target +
           " not followed (the credential is never sent across a redirect)";
  }
  return "mapping service: " + code;
}

Failure FromHttpFailure(HttpFailure failure) {
  switch (failure) {
    case HttpFailure::kTooLarge:
      return Failure::kAnswer;
    case HttpFailure::kBadRequest:
      return Failure::kInput;
    default:
      return Failure::kTransient;
  }
}

}  // namespace

std::string MappingRequestBody(const std::string& run_id, const std::string& workload_type) {
  nlohmann::json body = {{"run_id", run_id}};
  if (!workload_type.empty()) body["irsa_workload_type"] = workload_type;
  return body.dump();
}

HttpRequest MappingRequest(const Settings& settings, const Requester& requester,
                           double request_timeout) {
  HttpRequest request;
  request.method = "POST";
  request.url = settings.endpoint;
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("Accept", "text/plain, text/html");
  if (requester.credential.kind == Credential::Kind::kBearer) {
    request.headers.emplace_back("Authorization", "Bearer " + requester.credential.secret);
  } else {
    request.headers.emplace_back("X-Domino-Api-Key", requester.credential.secret);
  }
  request.body = MappingRequestBody(requester.pod.run_id, requester.pod.workload_type);
  request.total_timeout = request_timeout;
  request.connect_timeout = std::min(kMaxConnectTimeout, request_timeout);
  if (!settings.ca_file.empty()) request.ca_file = settings.ReadPath(settings.ca_file);
  request.max_response_bytes = kMaxAnswerBytes;
  return request;
}

Failure ClassifyStatus(long status) {
  if (status == 200) return Failure::kNone;
  if (status == 404 || status == 408 || status == 429 || status >= 500) return Failure::kTransient;
  return Failure::kPermanent;
}

Syncer::Syncer(const Settings& settings, Files& files, HttpClient& http, Logger& log,
               std::function<double()> wall_clock)
    : settings_(settings),
      files_(files),
      http_(http),
      log_(log),
      wall_clock_(std::move(wall_clock)) {}

bool Syncer::FetchAnswer(double time_budget, std::string* body, SyncResult* result) {
  std::string err;
  if (!settings_.mapping_file.empty()) {
    const std::string path = settings_.ReadPath(settings_.mapping_file);
    switch (files_.Read(path, kMaxAnswerBytes, body, &err)) {
      case ReadStatus::kOk:
        return true;
      case ReadStatus::kMissing:
        err = "mapping file " + path + " does not exist";
        break;
      case ReadStatus::kTooLarge:
        err = "mapping file " + path + " is larger than " + std::to_string(kMaxAnswerBytes) +
              " bytes";
        break;
      case ReadStatus::kError:
        break;
    }
    result->failure = Failure::kInput;
    result->message = err;
    return false;
  }

  Requester requester;
  Settings budgeted = settings_;
  budgeted.request_timeout = std::min(settings_.request_timeout, time_budget);
  const double started = wall_clock_();
  if (!ResolveRequester(budgeted, files_, http_, log_, &requester, &result->failure, &err,
                        cancelled_)) {
    result->message = err;
    return false;
  }
  // The API proxy's exchange may have spent part of the budget: the mapping
  // call gets only what is left, so `once` never overruns `timeout`.
  const double spent = std::max(0.0, wall_clock_() - started);
  const double left = std::min(settings_.request_timeout, time_budget - spent);
  if (left <= 0) {
    result->failure = Failure::kTransient;
    result->message =
        "mapping service: no time left for the mapping call (the Domino token "
        "took " +
        std::to_string(static_cast<int>(spent)) + " s to fetch)";
    return false;
  }

  HttpRequest request = MappingRequest(settings_, requester, left);
  request.cancelled = cancelled_;

  HttpResponse response;
  HttpFailure http_failure = HttpFailure::kNone;
  if (!http_.Send(request, &response, &http_failure, &err)) {
    result->failure = FromHttpFailure(http_failure);
    result->message = http_failure == HttpFailure::kTooLarge
                          ? "mapping service: answer larger than " +
                                std::to_string(kMaxAnswerBytes) + " bytes refused"
                          : "mapping service: " + err;
    return false;
  }
  log_.Debug("mapping service answered", {{"status", std::to_string(response.status)},
                                          {"bytes", std::to_string(response.body.size())},
                                          {"seconds", std::to_string(response.seconds)}});
  result->failure = ClassifyStatus(response.status);
  if (result->failure != Failure::kNone) {
    result->message = StatusMessage(response.status, requester, response);
    if (!response.retry_after.empty()) {
      result->retry_after =
          ParseRetryAfter(response.retry_after, static_cast<int64_t>(wall_clock_()));
    }
    return false;
  }
  *body = std::move(response.body);
  return true;
}

SyncResult Syncer::Sync(bool publish, double time_budget) {
  SyncResult result;
  std::string body;
  if (!FetchAnswer(time_budget, &body, &result)) return result;

  MappingAnswer answer;
  std::string err;
  if (!ParseMappingAnswer(body, &answer, &err)) {
    result.failure = Failure::kAnswer;
    result.message = "mapping answer rejected: " + err;
    return result;
  }
  if (!IsPublishable(answer, &err)) {
    result.failure = Failure::kAnswer;
    result.message = "mapping answer rejected: " + err;
    return result;
  }
  for (size_t i = 0; i < answer.dropped.size() && i < kMaxDropWarnings; ++i) {
    log_.Warn("profile left out", {{"why", answer.dropped[i]}});
  }
  if (answer.dropped.size() > kMaxDropWarnings) {
    log_.Warn("more profiles left out",
              {{"count", std::to_string(answer.dropped.size() - kMaxDropWarnings)}});
  }
  result.dropped = std::move(answer.dropped);
  for (const ProfilePair& pair : answer.pairs) result.profiles.push_back(pair.name);
  result.rendered =
      RenderConfig(answer.pairs, {settings_.web_identity_token_file, settings_.region});
  result.config_hash = Sha256Hex(result.rendered);
  if (result.config_hash.empty()) {
    // The state file and `status` compare the config by this hash.
    result.failure = Failure::kInput;
    result.message = std::string(kDigestFailure);
    return result;
  }
  if (!publish) return result;

  if (!files_.Publish(settings_.aws_config_file, result.rendered, settings_.file_mode,
                      &result.changed, &err)) {
    result.failure = Failure::kPublish;
    result.message = err;
  }
  return result;
}

}  // namespace irsa

#include "run/sync.h"

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/retry_after.h"
#include "base/text.h"
#include "base/url.h"
#include "domain/answer.h"
#include "domain/base_credentials.h"
#include "domain/identity.h"
#include "domain/jwt.h"
#include "domain/labels.h"
#include "domain/render.h"
#include "domain/render_pod_identity.h"
#include "run/state.h"

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

void Syncer::NoteAudit(const Requester& requester) {
  JwtClaims claims;
  std::string ignored;
  std::string preferred_username;
  if (requester.credential.kind == Credential::Kind::kBearer &&
      DecodeJwtClaims(requester.credential.secret, &claims, &ignored)) {
    preferred_username = claims.preferred_username;
  }
  user_ = AuditUser(requester.pod, preferred_username);
  run_id_ = requester.pod.run_id;
  project_ = requester.pod.project;
}

// With a mapping file nobody asks the service: the labels file, when there is
// one, still names the user, run and project; else the run-id setting.
void Syncer::NoteAuditWithoutRequester() {
  user_.clear();
  project_.clear();
  run_id_ = settings_.run_id;
  std::string text;
  std::string err;
  Labels labels;
  PodIdentity pod;
  if (files_.Read(settings_.ReadPath(settings_.pod_info_path), kMaxLabelsBytes, &text).ok() &&
      ParseLabels(text, &labels, &err) && PodIdentityFromLabels(labels, &pod, &err)) {
    user_ = AuditUser(pod, "");
    run_id_ = pod.run_id;
    project_ = pod.project;
  }
}

RenderOptions Syncer::MakeRenderOptions(const AuditTrail& audit) const {
  RenderOptions options;
  options.web_identity_token_file = settings_.web_identity_token_file;
  options.region = settings_.region;
  options.session_name = audit.session_name;
  options.style = settings_.profile_style;
  if (options.style == ProfileStyle::kProcess) {
    options.binary =
        settings_.credentials_binary.empty() ? "irsa-agent" : settings_.credentials_binary;
    options.socket =
        BrokerSocketPath(settings_.socket, settings_.state_dir, settings_.aws_config_file);
    options.sts_endpoint = settings_.sts_endpoint;
    options.ca_file = settings_.ca_file;
    options.source_identity = audit.source_identity;
    options.tags = audit.tags;
  }
  return options;
}

bool Syncer::FetchAnswer(double time_budget, std::string* body, SyncResult* result) {
  if (!settings_.mapping_file.empty()) {
    NoteAuditWithoutRequester();
    const std::string path = settings_.ReadPath(settings_.mapping_file);
    const ReadStatus read = files_.Read(path, kMaxAnswerBytes, body);
    if (!read.ok()) result->status = {Failure::kInput, "mapping file " + read.message()};
    return read.ok();
  }

  Requester requester;
  Settings budgeted = settings_;
  budgeted.request_timeout = std::min(settings_.request_timeout, time_budget);
  const double started = wall_clock_();
  result->status = ResolveRequester(budgeted, files_, http_, log_, &requester, cancelled_);
  if (!result->status.ok()) return false;
  NoteAudit(requester);
  // The API proxy's exchange may have spent part of the budget: the mapping
  // call gets only what is left, so `once` never overruns `timeout`.
  const double spent = std::max(0.0, wall_clock_() - started);
  const double left = std::min(settings_.request_timeout, time_budget - spent);
  if (left <= 0) {
    result->status = StepStatus(Failure::kTransient,
                                "mapping service: no time left for the mapping call (the Domino "
                                "token took " +
                                    std::to_string(static_cast<int>(spent)) + " s to fetch)");
    return false;
  }

  run_id_ = requester.pod.run_id;
  HttpRequest request = MappingRequest(settings_, requester, left);
  request.cancelled = cancelled_;

  HttpResponse response;
  if (const Status<HttpFailure> sent = http_.Send(request, &response); !sent.ok()) {
    result->status = {FromHttpFailure(sent.kind()), sent.kind() == HttpFailure::kTooLarge
                                                        ? "mapping service: answer larger than " +
                                                              std::to_string(kMaxAnswerBytes) +
                                                              " bytes refused"
                                                        : "mapping service: " + sent.message()};
    return false;
  }
  result->mapping_seconds = response.seconds;
  log_.Debug("mapping service answered", {{"status", std::to_string(response.status)},
                                          {"bytes", std::to_string(response.body.size())},
                                          {"seconds", std::to_string(response.seconds)}});
  if (const Failure failure = ClassifyStatus(response.status); failure != Failure::kNone) {
    result->status = {failure, StatusMessage(response.status, requester, response)};
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
    result.status = {Failure::kAnswer, "mapping answer rejected: " + err};
    return result;
  }
  if (!IsPublishable(answer, &err)) {
    result.status = {Failure::kAnswer, "mapping answer rejected: " + err};
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
  result.audit =
      MakeAuditTrail(user_, run_id_, project_, settings_.source_identity, settings_.session_tags);
  if (settings_.source_identity && result.audit.source_identity.empty()) {
    log_.Warn("source-identity is on but no user is known (labels, Domino token): not sent");
  }
  const BaseChoice base = ChooseBaseCredentials(settings_, files_);
  if (base.base == BaseCredentials::kPodIdentity &&
      settings_.profile_style == ProfileStyle::kChain) {
    result.rendered =
        RenderPodIdentityChain(answer.pairs, {settings_.region, result.audit.session_name});
    log_.Info("EKS Pod Identity: each profile chains from the pod's role; src_ profiles left out",
              {{"why", base.why}, {"profiles", std::to_string(answer.pairs.size())}});
  } else {
    RenderOptions options = MakeRenderOptions(result.audit);
    options.pod_identity = base.base == BaseCredentials::kPodIdentity;
    result.rendered = RenderConfig(answer.pairs, options);
    if (options.pod_identity) {
      log_.Info(
          "EKS Pod Identity: each profile's credential_process chains from the pod's role; src_ "
          "profiles left out",
          {{"why", base.why}, {"profiles", std::to_string(answer.pairs.size())}});
    }
  }
  result.pairs = answer.pairs;
  if (base.base == BaseCredentials::kPodIdentity) {
    for (ProfilePair& pair : result.pairs) pair.proxy_role = RoleArn{};
  }
  result.config_hash = Sha256Hex(result.rendered);
  if (result.config_hash.empty()) {
    // The state file and `status` compare the config by this hash.
    result.status = StepStatus(Failure::kInput, std::string(kDigestFailure));
    return result;
  }
  if (!publish) return result;

  if (!files_.Publish(settings_.aws_config_file, result.rendered, settings_.file_mode,
                      &result.changed, &err)) {
    result.status = {Failure::kPublish, err};
  }
  return result;
}

}  // namespace irsa

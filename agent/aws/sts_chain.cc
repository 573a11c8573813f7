// The role chain for the broker. Every buffer that held a secret (the token,
// the first hop's credentials, request and answer bodies) is wiped before
// Fetch returns; only the final credentials leave, in CredentialFetch.
#include "aws/sts_chain.h"

#include <utility>

#include "base/retry_after.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/timestamp.h"
#include "domain/arn.h"
#include "domain/identity.h"

namespace irsa {
namespace {

constexpr std::string_view kWebIdentity = "AssumeRoleWithWebIdentity";
constexpr std::string_view kAssumeRole = "AssumeRole";

CredentialFetch Failed(Failure failure, std::string message) {
  CredentialFetch out;
  out.failure = failure;
  out.message = std::move(message);
  return out;
}

// What to do about an STS error code, for the user.
std::string Advice(std::string_view action, const std::string& code, const StsCallOptions& options,
                   const StsEndpoint& endpoint, bool pod_identity) {
  if (code == "InvalidIdentityToken") {
    return " (STS does not accept the web identity token: is the cluster's OIDC provider "
           "registered in IAM?)";
  }
  if (code == "ExpiredTokenException") {
    return " (the web identity token has expired: is the kubelet still rotating it?)";
  }
  if (code == "RegionDisabledException") {
    return " (STS is not activated in " + endpoint.region + ": activate it or set sts-endpoint)";
  }
  if (code != "AccessDenied") return "";
  if (action == kWebIdentity) {
    return " (the role's trust policy does not admit this token: `irsa-agent doctor --sts` "
           "prints the statement it needs)";
  }
  std::string needs = "sts:AssumeRole";
  if (!options.source_identity.empty()) needs += ", sts:SetSourceIdentity";
  if (!options.tags.empty()) needs += ", sts:TagSession";
  return " (the role's trust policy must allow " + needs + " for the " +
         (pod_identity ? "pod's Pod Identity role)" : "proxy role)");
}

}  // namespace

Failure ClassifyStsFailure(const StsAnswer& answer, bool answered, bool* throttled) {
  *throttled = answer.error_code == "Throttling" || answer.http_status == 429;
  if (!answered) {
    // No readable answer: a 4xx with an unreadable body is still a refusal.
    const bool refused = answer.http_status >= 400 && answer.http_status < 500 &&
                         answer.http_status != 408 && answer.http_status != 429;
    return refused || answer.transport_failure == HttpFailure::kBadRequest ? Failure::kPermanent
                                                                           : Failure::kTransient;
  }
  if (*throttled || answer.error_code == "IDPCommunicationError" || answer.http_status >= 500) {
    return Failure::kTransient;
  }
  return Failure::kPermanent;
}

StsChainOptions StsChainOptionsFor(const Settings& settings) {
  StsChainOptions options;
  options.web_identity_token_file = settings.ReadPath(settings.web_identity_token_file);
  options.region = settings.region;
  options.sts_endpoint = settings.sts_endpoint;
  options.ca_file = settings.ca_file.empty() ? "" : settings.ReadPath(settings.ca_file);
  options.timeout = settings.request_timeout;
  options.base_credentials = settings.base_credentials;
  options.pod_identity = PodIdentityEndpointFor(settings);
  if (settings.pod_identity_token_file.empty()) options.pod_identity.token_file.clear();
  return options;
}

StsChain::StsChain(HttpClient& http, Files& files, std::function<double()> wall_clock,
                   StsChainOptions options)
    : http_(http),
      files_(files),
      wall_clock_(std::move(wall_clock)),
      options_(std::move(options)) {}

bool StsChain::ReadToken(std::string* token, CredentialFetch* out) {
  const std::string& path = options_.web_identity_token_file;
  const ReadStatus read = files_.Read(path, kMaxTokenBytes, token);
  if (!read.ok()) {
    WipeString(token);
    *out = Failed(Failure::kInput, "web identity token file " + read.message());
    return false;
  }
  const std::string_view trimmed = TrimWhitespace(*token);
  if (trimmed.empty() || HasControlChar(trimmed)) {
    const std::string why = trimmed.empty() ? " is empty" : " holds a control character";
    WipeString(token);
    *out = Failed(Failure::kInput, "web identity token file " + path + why);
    return false;
  }
  // Shift the token to the front in place: no second copy to wipe.
  const size_t begin = static_cast<size_t>(trimmed.data() - token->data());
  const size_t size = trimmed.size();
  for (size_t i = 0; i < size; ++i) (*token)[i] = (*token)[begin + i];
  for (size_t i = size; i < token->size(); ++i) (*token)[i] = '\0';
  token->resize(size);
  return true;
}

BaseCredentials StsChain::ChooseBase() {
  const std::string& path = options_.web_identity_token_file;
  return ChooseBaseCredentials({options_.base_credentials, options_.pod_identity.uri,
                                options_.pod_identity.token_file,
                                WebIdentityTokenPresent(path, files_), path})
      .base;
}

CredentialFetch StsChain::Fetch(const CredentialRecipe& recipe) {
  std::vector<std::pair<std::string_view, Failure>> calls;
  CredentialFetch out = Run(recipe, &calls);
  out.sts_calls = std::move(calls);
  return out;
}

CredentialFetch StsChain::Run(const CredentialRecipe& recipe,
                              std::vector<std::pair<std::string_view, Failure>>* calls) {
  const bool pod_identity = ChooseBase() == BaseCredentials::kPodIdentity;
  const bool chained = pod_identity || !recipe.source_role_arn.empty();
  RoleArn target;
  RoleArn first;
  std::string err;
  if (!ParseRoleArn(recipe.role_arn, &target, &err) ||
      (chained && !pod_identity && !ParseRoleArn(recipe.source_role_arn, &first, &err))) {
    return Failed(Failure::kInput, recipe.profile + ": " + err);
  }
  if (!chained || pod_identity) first = target;
  StsEndpoint endpoint;
  if (!ResolveStsEndpoint(options_.sts_endpoint, options_.region, first.partition, &endpoint,
                          &err)) {
    return Failed(Failure::kInput, err);
  }
  StsClient client(http_, endpoint, options_.timeout, options_.ca_file);
  client.set_cancelled(cancelled_);

  // Turns a failed call into the fetch's answer.
  const auto failed = [&](std::string_view action, const RoleArn& role, bool answered,
                          const StsAnswer& answer, const StsCallOptions& options,
                          const std::string& call_err) {
    bool throttled = false;
    CredentialFetch out;
    out.failure = ClassifyStsFailure(answer, answered, &throttled);
    calls->emplace_back(action, out.failure);
    out.throttled = throttled;
    std::string what = answered ? answer.error_code : call_err;
    if (answered && !answer.error_message.empty()) what += ": " + answer.error_message;
    if (answered) what += Advice(action, answer.error_code, options, endpoint, pod_identity);
    out.message = recipe.profile + ": " + std::string(action) + " into " + role.ToString() +
                  " failed: " + what;
    if (!answer.retry_after.empty()) {
      out.retry_after = ParseRetryAfter(answer.retry_after, static_cast<int64_t>(wall_clock_()));
    }
    return out;
  };

  StsCallOptions web_options;
  web_options.duration_seconds = kMaxChainedSessionSeconds;
  auto hop = std::make_unique<StsAnswer>();
  if (pod_identity) {
    CredentialFetch base = FetchPodIdentityCredentials(options_.pod_identity, files_, http_);
    if (base.failure != Failure::kNone) {
      base.message = recipe.profile + ": " + base.message;
      return base;
    }
    // Moved field by field: the strings' buffers change owner, no copy left.
    TemporaryCredentials& from = *base.credentials;
    hop->credentials.access_key_id = std::move(from.access_key_id);
    hop->credentials.secret_access_key = std::move(from.secret_access_key);
    hop->credentials.session_token = std::move(from.session_token);
    hop->credentials.expiration = from.expiration;
    from.Clear();
  } else {
    std::string token;
    CredentialFetch token_failure;
    if (!ReadToken(&token, &token_failure)) return token_failure;
    const bool answered = client.AssumeRoleWithWebIdentity(first, recipe.session_name, token,
                                                           web_options, hop.get(), &err);
    WipeString(&token);
    if (!answered || !hop->ok) return failed(kWebIdentity, first, answered, *hop, web_options, err);
    calls->emplace_back(kWebIdentity, Failure::kNone);
  }
  if (chained) {
    StsCallOptions options;
    options.duration_seconds = kMaxChainedSessionSeconds;
    options.source_identity = recipe.source_identity;
    options.tags = recipe.tags;
    auto second = std::make_unique<StsAnswer>();
    const std::string amz_date = AmzDate(static_cast<int64_t>(wall_clock_()));
    const bool answered = client.AssumeRole(target, recipe.session_name, hop->credentials, amz_date,
                                            options, second.get(), &err);
    hop->credentials.Clear();
    if (!answered || !second->ok)
      return failed(kAssumeRole, target, answered, *second, options, err);
    calls->emplace_back(kAssumeRole, Failure::kNone);
    hop = std::move(second);
  }
  CredentialFetch out;
  if (!ParseRfc3339(hop->credentials.expiration, &out.expires_at, &err)) {
    return Failed(Failure::kTransient,
                  recipe.profile + ": STS answer: Credentials/Expiration: " + err);
  }
  out.credentials = std::make_unique<TemporaryCredentials>();
  TemporaryCredentials& c = *out.credentials;
  c.access_key_id = std::move(hop->credentials.access_key_id);
  c.secret_access_key = std::move(hop->credentials.secret_access_key);
  c.session_token = std::move(hop->credentials.session_token);
  c.expiration = hop->credentials.expiration;
  return out;
}

}  // namespace irsa

#include "domain/identity.h"

#include <algorithm>

#include "base/secret.h"
#include "base/text.h"
#include "base/url.h"
#include "domain/jwt.h"

namespace irsa {
namespace {

constexpr double kMaxConnectTimeout = 5;

// Why a credential cannot go into an HTTP header.
std::string TokenProblem(std::string_view token) {
  if (token.empty()) return "is empty";
  for (unsigned char c : token) {
    if (c >= 0x80) return "holds a non-ASCII byte";
  }
  return "holds a space or control character inside the token";
}

}  // namespace

InputRead ReadInput(Files& files, const std::string& path, size_t max_bytes) {
  InputRead read;
  read.path = path;
  read.status = files.Read(path, max_bytes, &read.content);
  return read;
}

StepStatus ChooseRunId(const Settings& settings, const InputRead& labels, Requester* out) {
  if (labels.status.ok()) {
    Labels parsed;
    std::string err;
    if (!ParseLabels(labels.content, &parsed, &err) ||
        !PodIdentityFromLabels(parsed, &out->pod, &err)) {
      return {Failure::kInput, LabelsError(labels.path, err)};
    }
    out->run_id_source = "labels file " + labels.path;
    return {};
  }
  if (labels.status.kind() != ReadFailure::kMissing) {
    return {Failure::kInput, "labels file " + labels.status.message()};
  }
  if (settings.run_id.empty()) {
    return {Failure::kInput,
            "no run id: labels file " + labels.status.message() + " and run-id is not set"};
  }
  out->pod.run_id = settings.run_id;
  out->pod.workload_type.clear();
  out->run_id_source = "run-id setting";
  return {};
}

StepStatus ChooseCredential(const Settings& settings, const InputRead& token, Credential* out) {
  if (token.status.ok()) {
    const std::string_view trimmed = TrimWhitespace(token.content);
    if (!IsHeaderSafeToken(trimmed)) {
      return {Failure::kInput, "Domino token file " + token.path + " " + TokenProblem(trimmed)};
    }
    *out = {Credential::Kind::kBearer, Credential::Origin::kTokenFile, std::string(trimmed),
            "token file " + token.path};
    return {};
  }
  if (token.status.kind() != ReadFailure::kMissing) {
    return {Failure::kInput, "Domino token file " + token.status.message()};
  }
  if (!settings.api_proxy.empty()) {
    *out = {Credential::Kind::kBearer, Credential::Origin::kApiProxy, "",
            "api proxy " + DisplayUrl(settings.api_proxy)};
    return {};
  }
  if (!settings.api_key.empty()) {
    if (!IsHeaderSafeToken(settings.api_key)) {
      return {Failure::kInput, "api-key " + TokenProblem(settings.api_key)};
    }
    *out = {Credential::Kind::kApiKey, Credential::Origin::kApiKey, settings.api_key,
            "api-key setting"};
    return {};
  }
  return {Failure::kInput, "no Domino credential: token file " + token.status.message() +
                               " and neither api-proxy nor api-key is set"};
}

StepStatus FetchProxyToken(const Settings& settings, HttpClient& http,
                           const std::function<bool()>& cancelled, Credential* out) {
  HttpRequest request;
  request.method = "GET";
  request.url = JoinUrlPath(settings.api_proxy, "/access-token");
  request.total_timeout = settings.request_timeout;
  request.connect_timeout = std::min(kMaxConnectTimeout, settings.request_timeout);
  request.max_response_bytes = kMaxTokenBytes;
  request.cancelled = cancelled;
  const std::string shown = DisplayUrl(request.url);
  HttpResponse response;
  const Status<HttpFailure> sent = http.Send(request, &response);
  if (!sent.ok()) {
    return {sent.kind() == HttpFailure::kBadRequest ? Failure::kInput : Failure::kTransient,
            "api proxy: " + sent.message()};
  }
  if (response.status != 200) {
    WipeString(&response.body);
    return {response.status >= 500 || response.status == 429 ? Failure::kTransient
                                                             : Failure::kPermanent,
            "api proxy: GET " + shown + " answered HTTP " + std::to_string(response.status)};
  }
  const std::string_view token = TrimWhitespace(response.body);
  if (!IsHeaderSafeToken(token)) {
    const size_t bytes = response.body.size();
    WipeString(&response.body);
    return {Failure::kInput, "api proxy: GET " + shown + " did not answer a token (" +
                                 std::to_string(bytes) + " bytes)"};
  }
  out->secret = std::string(token);
  WipeString(&response.body);
  return {};
}

void NoteRequester(const Requester& requester, Logger& log) {
  log.AddSecret("domino-credential", requester.credential.secret);
  log.Debug("requester resolved",
            {{"run_id", requester.pod.run_id},
             {"run_id_source", requester.run_id_source},
             {"workload_type", requester.pod.workload_type},
             {"credential_source", requester.credential.source},
             {"credential_bytes", std::to_string(requester.credential.secret.size())}});
}

StepStatus ResolveRequester(const Settings& settings, Files& files, HttpClient& http, Logger& log,
                            Requester* out, const std::function<bool()>& cancelled) {
  const InputRead labels =
      ReadInput(files, settings.ReadPath(settings.pod_info_path), kMaxLabelsBytes);
  if (StepStatus s = ChooseRunId(settings, labels, out); !s.ok()) return s;
  InputRead token = ReadInput(files, settings.ReadPath(settings.domino_token_file), kMaxTokenBytes);
  StepStatus chosen = ChooseCredential(settings, token, &out->credential);
  WipeString(&token.content);
  if (!chosen.ok()) return chosen;
  if (out->credential.origin == Credential::Origin::kApiProxy) {
    chosen = FetchProxyToken(settings, http, cancelled, &out->credential);
    if (!chosen.ok()) return chosen;
  }
  NoteRequester(*out, log);
  return {};
}

}  // namespace irsa

#include "core/identity.h"

#include "core/text.h"
#include "core/url.h"

namespace irsa {
namespace {

// Replaces the "labels" prefix of a labels-parser message with the file's
// path, so it reads like a compiler diagnostic: "/var/run/podinfo/labels:3: ...".
std::string LabelsError(const std::string& path, const std::string& message) {
  constexpr std::string_view kPrefix = "labels";
  if (message.compare(0, kPrefix.size(), kPrefix) == 0)
    return path + message.substr(kPrefix.size());
  return path + ": " + message;
}

// Why a Domino credential cannot go into an HTTP header, or "" when it can:
// it must be printable ASCII without spaces.
std::string TokenProblem(std::string_view token) {
  for (unsigned char c : token) {
    if (c >= 0x80) return "holds a non-ASCII byte";
  }
  return "holds a space or control character inside the token";
}

bool IsHeaderSafeToken(std::string_view token) {
  if (token.empty()) return false;
  for (unsigned char c : token) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool ResolveRunId(const Settings& settings, Files& files, Requester* out, std::string* err) {
  const std::string path = settings.ReadPath(settings.pod_info_path);
  std::string text;
  std::string read_err;
  switch (files.Read(path, kMaxLabelsBytes, &text, &read_err)) {
    case ReadStatus::kOk: {
      Labels labels;
      std::string parse_err;
      if (!ParseLabels(text, &labels, &parse_err) ||
          !PodIdentityFromLabels(labels, &out->pod, &parse_err)) {
        *err = LabelsError(path, parse_err);
        return false;
      }
      out->run_id_source = "labels file " + path;
      return true;
    }
    case ReadStatus::kMissing:
      if (settings.run_id.empty()) {
        *err = "no run id: labels file " + path + " does not exist and run-id is not set";
        return false;
      }
      out->pod.run_id = settings.run_id;
      out->pod.workload_type.clear();
      out->run_id_source = "run-id setting";
      return true;
    case ReadStatus::kTooLarge:
      *err =
          "labels file " + path + " is larger than " + std::to_string(kMaxLabelsBytes) + " bytes";
      return false;
    case ReadStatus::kError:
      *err = read_err;
      return false;
  }
  *err = "labels file " + path + ": unreadable";
  return false;
}

// GET <api-proxy>/access-token: the body is the raw JWT.
bool FetchProxyToken(const Settings& settings, HttpClient& http,
                     const std::function<bool()>& cancelled, Credential* out, Failure* failure,
                     std::string* err) {
  HttpRequest request;
  request.method = "GET";
  request.url = JoinUrlPath(settings.api_proxy, "/access-token");
  const std::string shown = DisplayUrl(request.url);
  request.total_timeout = settings.request_timeout;
  request.connect_timeout = std::min(5.0, settings.request_timeout);
  request.max_response_bytes = kMaxTokenBytes;
  request.cancelled = cancelled;
  HttpResponse response;
  HttpFailure http_failure = HttpFailure::kNone;
  std::string http_err;
  if (!http.Send(request, &response, &http_failure, &http_err)) {
    *failure = http_failure == HttpFailure::kBadRequest ? Failure::kInput : Failure::kTransient;
    *err = "api proxy: " + http_err;
    return false;
  }
  if (response.status != 200) {
    *failure = response.status >= 500 || response.status == 429 ? Failure::kTransient
                                                                : Failure::kPermanent;
    *err = "api proxy: GET " + shown + " answered HTTP " + std::to_string(response.status);
    return false;
  }
  const std::string_view token = TrimWhitespace(response.body);
  if (!IsHeaderSafeToken(token)) {
    *failure = Failure::kInput;
    *err = "api proxy: GET " + shown + " did not answer a token (" +
           std::to_string(response.body.size()) + " bytes)";
    return false;
  }
  out->kind = Credential::Kind::kBearer;
  out->secret = std::string(token);
  out->source = "api proxy " + DisplayUrl(settings.api_proxy);
  return true;
}

bool ResolveCredential(const Settings& settings, Files& files, HttpClient& http,
                       const std::function<bool()>& cancelled, Credential* out, Failure* failure,
                       std::string* err) {
  const std::string path = settings.ReadPath(settings.domino_token_file);
  std::string text;
  std::string read_err;
  *failure = Failure::kInput;
  switch (files.Read(path, kMaxTokenBytes, &text, &read_err)) {
    case ReadStatus::kOk: {
      const std::string_view token = TrimWhitespace(text);
      if (token.empty()) {
        *err = "Domino token file " + path + " is empty";
        return false;
      }
      if (!IsHeaderSafeToken(token)) {
        *err = "Domino token file " + path + " " + TokenProblem(token);
        return false;
      }
      out->kind = Credential::Kind::kBearer;
      out->secret = std::string(token);
      out->source = "token file " + path;
      return true;
    }
    case ReadStatus::kMissing:
      break;
    case ReadStatus::kTooLarge:
      *err = "Domino token file " + path + " is larger than " + std::to_string(kMaxTokenBytes) +
             " bytes";
      return false;
    case ReadStatus::kError:
      *err = read_err;
      return false;
  }
  if (!settings.api_proxy.empty()) {
    return FetchProxyToken(settings, http, cancelled, out, failure, err);
  }
  if (!settings.api_key.empty()) {
    if (!IsHeaderSafeToken(settings.api_key)) {
      *err = "api-key " + TokenProblem(settings.api_key);
      return false;
    }
    out->kind = Credential::Kind::kApiKey;
    out->secret = settings.api_key;
    out->source = "api-key setting";
    return true;
  }
  *err = "no Domino credential: token file " + path +
         " does not exist and neither api-proxy nor api-key is set";
  return false;
}

}  // namespace

bool ResolveRequester(const Settings& settings, Files& files, HttpClient& http, Logger& log,
                      Requester* out, Failure* failure, std::string* err,
                      const std::function<bool()>& cancelled) {
  if (!ResolveRunId(settings, files, out, err)) {
    *failure = Failure::kInput;
    return false;
  }
  if (!ResolveCredential(settings, files, http, cancelled, &out->credential, failure, err)) {
    return false;
  }
  log.AddSecret("domino-credential", out->credential.secret);
  log.Debug("requester resolved",
            {{"run_id", out->pod.run_id},
             {"run_id_source", out->run_id_source},
             {"workload_type", out->pod.workload_type},
             {"credential_source", out->credential.source},
             {"credential_bytes", std::to_string(out->credential.secret.size())}});
  return true;
}

}  // namespace irsa

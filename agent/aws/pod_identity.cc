// The Pod Identity agent's endpoint: URI policy, answer parsing and the fetch.
#include "aws/pod_identity.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/secret.h"
#include "base/text.h"
#include "base/timestamp.h"
#include "base/url.h"

namespace irsa {
namespace {

constexpr size_t kMaxMessageBytes = 256;
constexpr double kMaxConnectTimeout = 2;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A decimal 0..255 without leading zeros.
bool ParseOctet(std::string_view s, int* out) {
  if (s.empty() || s.size() > 3 || !std::all_of(s.begin(), s.end(), IsDigit)) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  *out = v;
  return v <= 255;
}

// `host` as a dotted-quad IPv4 literal, or false.
bool ParseIpv4(std::string_view host, int octets[4]) {
  for (int i = 0; i < 4; ++i) {
    const size_t dot = i < 3 ? host.find('.') : host.size();
    if (dot == std::string_view::npos || !ParseOctet(host.substr(0, dot), &octets[i])) return false;
    host.remove_prefix(i < 3 ? dot + 1 : dot);
  }
  return host.empty();
}

// The hosts the SDKs let a token go to in the clear.
bool IsAllowedPlainHost(std::string_view host) {
  std::string lower(host);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "[::1]" || lower == "[fd00:ec2::23]") return true;
  int o[4];
  if (!ParseIpv4(lower, o)) return false;
  return o[0] == 127 || (o[0] == 169 && o[1] == 254 && o[2] == 170 && (o[3] == 2 || o[3] == 23));
}

// Splits "host[:port]" ("[v6]:port" included); false for an empty host or a
// port that is not 1-5 digits.
bool SplitHostPort(std::string_view authority, std::string_view* host) {
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    *host = authority.substr(0, close + 1);
    port = authority.substr(close + 1);
  } else {
    const size_t colon = authority.find(':');
    *host = authority.substr(0, colon);
    port = colon == std::string_view::npos ? "" : authority.substr(colon);
  }
  if (!port.empty()) {
    port.remove_prefix(1);  // ':'
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), IsDigit)) {
      return false;
    }
  }
  return !host->empty() && *host != "[]";
}

// Between "://" and the first '/', '?' or '#': user info included.
std::string_view RawAuthority(std::string_view uri) {
  const size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return "";
  const std::string_view rest = uri.substr(scheme_end + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// Wipes every string in `doc` (the credentials live in some of them).
void WipeJson(nlohmann::json* doc) {
  if (doc->is_string()) {
    WipeString(&doc->get_ref<std::string&>());
  } else if (doc->is_structured()) {
    for (auto& item : *doc) WipeJson(&item);
  }
}

// A required non-empty string field without control characters.
bool TakeString(const nlohmann::json& doc, const char* key, std::string* out, std::string* err) {
  const auto it = doc.find(key);
  if (it == doc.end()) {
    *err = std::string("missing ") + key;
  } else if (!it->is_string()) {
    *err = std::string(key) + " is not a string";
  } else if (it->get_ref<const std::string&>().empty()) {
    *err = std::string(key) + " is empty";
  } else if (HasControlChar(it->get_ref<const std::string&>())) {
    *err = std::string(key) + " holds a control character";
  } else {
    out->assign(it->get_ref<const std::string&>());
    return true;
  }
  return false;
}

// The answer's status as a failure kind.
Failure ClassifyPodIdentityStatus(long status) {
  if (status == 408 || status == 429 || status >= 500) return Failure::kTransient;
  return Failure::kPermanent;
}

Failure FromHttpFailure(HttpFailure failure) {
  return failure == HttpFailure::kBadRequest ? Failure::kInput : Failure::kTransient;
}

CredentialFetch Failed(Failure failure, std::string message) {
  CredentialFetch out;
  out.failure = failure;
  out.message = std::move(message);
  return out;
}

// Reads the token; on failure returns a fetch result saying why.
bool ReadToken(const PodIdentityEndpoint& endpoint, Files& files, std::string* token,
               CredentialFetch* failed) {
  const std::string what = endpoint.token_file_name + ": " + endpoint.token_file;
  const ReadStatus read = files.Read(endpoint.token_file, kMaxPodIdentityTokenBytes, token);
  if (!read.ok()) {
    WipeString(token);
    *failed = Failed(Failure::kInput, endpoint.token_file_name + ": " + read.message());
    return false;
  }
  const std::string_view trimmed = TrimWhitespace(*token);
  std::string problem;
  if (trimmed.empty()) {
    problem = " is empty";
  } else if (HasControlChar(trimmed)) {
    problem = " holds a control character";
  }
  if (!problem.empty()) {
    WipeString(token);
    *failed = Failed(Failure::kInput, what + problem);
    return false;
  }
  if (trimmed.size() != token->size()) {
    std::string exact(trimmed);
    WipeString(token);
    *token = std::move(exact);
  }
  return true;
}

// What messages call a setting: the variable or flag it came from.
std::string InputName(const Settings& settings, const char* setting, std::string_view fallback) {
  const auto it = settings.origin.find(setting);
  if (it == settings.origin.end() || it->second == "default") return std::string(fallback);
  std::string_view origin = it->second;
  for (std::string_view prefix : {"env ", "flag "}) {
    if (origin.starts_with(prefix)) return std::string(origin.substr(prefix.size()));
  }
  return std::string(setting) + " (" + std::string(origin) + ")";
}

}  // namespace

PodIdentityEndpoint PodIdentityEndpointFor(const Settings& settings) {
  PodIdentityEndpoint endpoint;
  endpoint.uri = settings.pod_identity_uri;
  endpoint.token_file = settings.ReadPath(settings.pod_identity_token_file);
  endpoint.uri_name = InputName(settings, "pod-identity-uri", kContainerUriEnv);
  endpoint.token_file_name = InputName(settings, "pod-identity-token-file", kContainerTokenFileEnv);
  endpoint.timeout = settings.request_timeout;
  return endpoint;
}

bool CheckPodIdentityUri(std::string_view uri, std::string_view name, std::string* err) {
  const std::string prefix = std::string(name) + ": ";
  if (uri.empty()) {
    *err = prefix + "is empty";
    return false;
  }
  if (HasControlChar(uri) || uri.find(' ') != std::string_view::npos) {
    *err = prefix + "contains a space or control character";
    return false;
  }
  const UrlParts parts = SplitUrl(uri);
  std::string_view host;
  if (parts.scheme != "http" && parts.scheme != "https") {
    *err = prefix + "'" + Printable(DisplayUrl(uri)) + "' is not an http:// or https:// URL";
  } else if (RawAuthority(uri).find('@') != std::string_view::npos) {
    *err = prefix + "user info in the URL is not allowed";
  } else if (!SplitHostPort(parts.authority, &host)) {
    *err = prefix + "'" + Printable(DisplayUrl(uri)) + "' has no valid host[:port]";
  } else if (parts.scheme == "http" && !IsAllowedPlainHost(host)) {
    *err = prefix + "plain http is allowed only to loopback, 169.254.170.2, 169.254.170.23 " +
           "and [fd00:ec2::23], not '" + Printable(host) + "' (use https)";
  } else {
    return true;
  }
  return false;
}

bool ParsePodIdentityAnswer(std::string_view body, PodIdentityCredentials* out, std::string* err) {
  out->credentials.Clear();
  out->account_id.clear();
  out->expires_at = 0;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string problem;
  std::string expiration;
  if (doc.is_discarded()) {
    problem = "malformed JSON";
  } else if (!doc.is_object()) {
    problem = "not a JSON object";
  } else if (TakeString(doc, "AccessKeyId", &out->credentials.access_key_id, &problem) &&
             TakeString(doc, "SecretAccessKey", &out->credentials.secret_access_key, &problem) &&
             TakeString(doc, "Token", &out->credentials.session_token, &problem) &&
             TakeString(doc, "Expiration", &expiration, &problem)) {
    const auto account = doc.find("AccountId");
    if (std::string time_err;
        expiration.size() > 64 || !ParseRfc3339(expiration, &out->expires_at, &time_err)) {
      problem = "Expiration is not an RFC 3339 time";
    } else if (account != doc.end() &&
               (!account->is_string() || account->get_ref<const std::string&>().size() != 12 ||
                !std::all_of(account->get_ref<const std::string&>().begin(),
                             account->get_ref<const std::string&>().end(), IsDigit))) {
      problem = "AccountId is not a string of 12 digits";
    } else {
      if (account != doc.end()) out->account_id = account->get<std::string>();
      out->credentials.expiration = expiration;
    }
  }
  WipeJson(&doc);
  if (problem.empty()) return true;
  out->credentials.Clear();
  out->account_id.clear();
  out->expires_at = 0;
  *err = problem;
  return false;
}

std::string PodIdentityErrorMessage(std::string_view body, std::string_view secret) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string message;
  if (doc.is_object()) {
    const auto it = doc.find("Message");
    if (it != doc.end() && it->is_string()) message = it->get<std::string>();
  } else if (doc.is_discarded() && !TrimWhitespace(body).starts_with('<')) {
    // The agent's http.Error answers text/plain; an HTML page says nothing useful.
    message.assign(body.substr(0, 4 * kMaxMessageBytes));
  }
  WipeJson(&doc);
  if (!secret.empty() && message.find(secret) != std::string::npos) {
    WipeString(&message);
    return "";
  }
  for (char& c : message) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  std::string out(TrimWhitespace(message));
  if (out.size() > kMaxMessageBytes) {
    out.resize(kMaxMessageBytes);
    while (!out.empty() && !IsValidUtf8(out)) out.pop_back();
  }
  if (!IsValidUtf8(out)) out.clear();
  return out;
}

CredentialFetch FetchPodIdentityCredentials(const PodIdentityEndpoint& endpoint, Files& files,
                                            HttpClient& http, std::string* account_id) {
  std::string err;
  if (!CheckPodIdentityUri(endpoint.uri, endpoint.uri_name, &err)) {
    return Failed(Failure::kInput, err);
  }
  if (endpoint.token_file.empty()) {
    return Failed(Failure::kInput, endpoint.token_file_name + " is not set");
  }
  HttpRequest request;
  CredentialFetch failed;
  std::string token;
  if (!ReadToken(endpoint, files, &token, &failed)) return failed;
  request.method = "GET";
  request.url = endpoint.uri;
  request.headers = {{"Authorization", token}, {"Accept", "application/json"}};
  request.total_timeout = endpoint.timeout;
  request.connect_timeout = std::min(kMaxConnectTimeout, endpoint.timeout);
  request.ca_file = endpoint.ca_file;
  request.max_response_bytes = kMaxPodIdentityAnswerBytes;

  const std::string where = endpoint.uri_name + " (" + DisplayUrl(endpoint.uri) + ")";
  HttpResponse response;
  const Status<HttpFailure> sent = http.Send(request, &response);
  const bool answered = sent.ok();
  const HttpFailure http_failure = sent.kind();
  for (auto& [name, value] : request.headers) WipeString(&value);
  CredentialFetch out;
  if (!answered) {
    WipeString(&response.body);
    WipeString(&token);
    if (http_failure == HttpFailure::kTooLarge) {
      return Failed(Failure::kTransient, where + ": answer larger than " +
                                             std::to_string(kMaxPodIdentityAnswerBytes) +
                                             " bytes refused");
    }
    return Failed(FromHttpFailure(http_failure), where + ": " + sent.message());
  }
  const std::string status = "HTTP " + std::to_string(response.status);
  if (response.status != 200) {
    const std::string message = PodIdentityErrorMessage(response.body, token);
    WipeString(&response.body);
    WipeString(&token);
    out = Failed(ClassifyPodIdentityStatus(response.status),
                 where + ": " + status + (message.empty() ? "" : ": " + message));
    out.throttled = response.status == 429;
    if (response.status >= 300 && response.status < 400) {
      out.message += " (redirect not followed: the token is never sent across one)";
    }
    return out;
  }
  WipeString(&token);
  auto parsed = std::make_unique<PodIdentityCredentials>();
  std::string parse_err;
  const bool ok = ParsePodIdentityAnswer(response.body, parsed.get(), &parse_err);
  WipeString(&response.body);
  if (!ok) return Failed(Failure::kTransient, where + ": " + status + ": answer " + parse_err);
  out.credentials = std::make_unique<TemporaryCredentials>();
  // Swapped, not copied: no stray copy of a secret is left to wipe.
  out.credentials->access_key_id.swap(parsed->credentials.access_key_id);
  out.credentials->secret_access_key.swap(parsed->credentials.secret_access_key);
  out.credentials->session_token.swap(parsed->credentials.session_token);
  out.credentials->expiration.swap(parsed->credentials.expiration);
  out.expires_at = parsed->expires_at;
  if (account_id != nullptr) *account_id = parsed->account_id;
  return out;
}

}  // namespace irsa

// The pure pieces of the STS calls: endpoints, form bodies, answers (read
// with the small XML reader in sts_xml.cc) and trust policy advice. The
// calls themselves are in sts_client.cc.
#include "aws/sts.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "aws/sts_xml.h"
#include "base/log.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/url.h"

namespace irsa {
namespace {

constexpr size_t kMaxMessageBytes = 512;
constexpr size_t kMaxSessionName = 64;

// An STS message for display: control characters become spaces, trimmed, cut
// to `limit` bytes without splitting a UTF-8 sequence.
std::string CleanText(std::string_view text, size_t limit) {
  std::string out(TrimWhitespace(text));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (out.size() > limit) {
    out.resize(limit);
    while (!out.empty() && !IsValidUtf8(out)) out.pop_back();
  }
  return out;
}

bool Missing(std::string_view what, std::string* err) {
  *err = "STS answer: missing " + std::string(what);
  return false;
}

// The non-empty, trimmed text of `parent`/`name`, or nullptr.
const XmlElement* Field(const XmlElement* parent, std::string_view name) {
  const XmlElement* e = parent == nullptr ? nullptr : parent->Child(name);
  return e == nullptr || TrimWhitespace(e->text).empty() ? nullptr : e;
}

bool ParseError(const XmlElement& root, StsAnswer* out, std::string* err) {
  const XmlElement* error = root.Child("Error");
  const XmlElement* code = Field(error, "Code");
  if (code == nullptr) return Missing("ErrorResponse/Error/Code", err);
  out->error_code = CleanText(code->text, 128);
  const XmlElement* message = error->Child("Message");
  if (message != nullptr) out->error_message = CleanText(message->text, kMaxMessageBytes);
  return true;
}

bool ParseSuccess(std::string_view action, const XmlElement& root, StsAnswer* out,
                  std::string* err) {
  const std::string result_name = std::string(action) + "Result";
  const XmlElement* result = root.Child(result_name);
  if (result == nullptr) return Missing(result_name, err);
  const XmlElement* credentials = result->Child("Credentials");
  const XmlElement* key = Field(credentials, "AccessKeyId");
  const XmlElement* secret = Field(credentials, "SecretAccessKey");
  const XmlElement* token = Field(credentials, "SessionToken");
  const XmlElement* expiration = Field(credentials, "Expiration");
  const XmlElement* arn = Field(result->Child("AssumedRoleUser"), "Arn");
  if (key == nullptr) return Missing("Credentials/AccessKeyId", err);
  if (secret == nullptr) return Missing("Credentials/SecretAccessKey", err);
  if (token == nullptr) return Missing("Credentials/SessionToken", err);
  if (expiration == nullptr) return Missing("Credentials/Expiration", err);
  if (arn == nullptr) return Missing("AssumedRoleUser/Arn", err);
  out->credentials.access_key_id.assign(TrimWhitespace(key->text));
  out->credentials.secret_access_key.assign(TrimWhitespace(secret->text));
  out->credentials.session_token.assign(TrimWhitespace(token->text));
  out->credentials.expiration = CleanText(expiration->text, 64);
  out->assumed_role_arn = CleanText(arn->text, 2048);
  out->ok = true;
  return true;
}

}  // namespace

void TemporaryCredentials::Clear() {
  WipeString(&access_key_id);
  WipeString(&secret_access_key);
  WipeString(&session_token);
  expiration.clear();
}

bool ParseStsAnswer(std::string_view action, std::string_view body, StsAnswer* out,
                    std::string* err) {
  out->ok = false;
  out->assumed_role_arn.clear();
  out->error_code.clear();
  out->error_message.clear();
  out->credentials.Clear();
  XmlElement root;
  std::string xml_err;
  if (!ParseXml(body, &root, &xml_err)) {
    *err = "STS answer: " + xml_err;
    return false;
  }
  if (root.name == "ErrorResponse") return ParseError(root, out, err);
  if (root.name != std::string(action) + "Response") {
    *err = "STS answer: unexpected root element <" + Printable(root.name) + ">";
    return false;
  }
  if (!ParseSuccess(action, root, out, err)) {
    out->credentials.Clear();
    return false;
  }
  return true;
}

bool ResolveStsEndpoint(std::string_view sts_endpoint, std::string_view region,
                        std::string_view partition, StsEndpoint* out, std::string* err) {
  StsEndpoint e;
  e.region = region.empty() ? "us-east-1" : std::string(region);
  e.path = "/";
  if (!sts_endpoint.empty()) {
    // Settings checked the scheme (http or https) and that a host follows.
    const size_t scheme_end = sts_endpoint.find("://");
    const std::string_view rest =
        scheme_end == std::string_view::npos ? sts_endpoint : sts_endpoint.substr(scheme_end + 3);
    const size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    const std::string_view authority = rest.substr(0, authority_end);
    const std::string_view path = rest.substr(authority_end);
    if (authority.empty() || authority.find('@') != std::string_view::npos) {
      *err = "sts-endpoint: needs a host and no user info";
      return false;
    }
    if (path.find_first_of("?#") != std::string_view::npos) {
      *err = "sts-endpoint: a query or fragment is not supported";
      return false;
    }
    if (!path.empty() && !IsSigV4Path(path)) {
      *err = "sts-endpoint: the path must be / or plain segments of A-Z a-z 0-9 - _ . ~";
      return false;
    }
    e.url = std::string(sts_endpoint);
    e.host = std::string(authority);
    if (!path.empty()) e.path = std::string(path);
  } else if (!region.empty()) {
    if (region.starts_with("us-iso") || region.starts_with("eu-isoe")) {
      *err = "region " + std::string(region) + " is in an isolated partition: set sts-endpoint";
      return false;
    }
    const std::string_view suffix =
        region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
    e.host = "sts." + std::string(region) + std::string(suffix);
    e.url = "https://" + e.host + "/";
  } else if (partition == "aws") {
    e.host = "sts.amazonaws.com";
    e.url = "https://sts.amazonaws.com/";
  } else {
    *err = "the " + std::string(partition) +
           " partition has no global STS endpoint: set region (or sts-endpoint)";
    return false;
  }
  *out = std::move(e);
  return true;
}

std::string FormEncode(const std::vector<std::pair<std::string_view, std::string_view>>& fields) {
  // Sized first, so the buffer never reallocates and leaves a copy of a token.
  size_t size = 0;
  for (const auto& [name, value] : fields)
    size += PercentEncodedSize(name) + PercentEncodedSize(value) + 2;
  std::string out;
  out.reserve(size);
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    AppendPercentEncoded(name, &out);
    out.push_back('=');
    AppendPercentEncoded(value, &out);
  }
  return out;
}

std::string DoctorSessionName(std::string_view id) {
  std::string name = "irsa-agent-doctor-";
  for (char c : id) {
    if (name.size() == kMaxSessionName) break;
    if (IsUnreserved(c) && c != '~') name.push_back(c);
    if (c == '+' || c == '=' || c == ',' || c == '@') name.push_back(c);
  }
  return name;
}

std::string AmzDate(int64_t t) {
  // "2026-11-23T17:00:00.000Z" -> "20261123T170000Z".
  const std::string iso = FormatTimestamp(static_cast<double>(t));
  std::string out;
  for (char c : iso.substr(0, 19)) {
    if (c != '-' && c != ':') out.push_back(c);
  }
  return out + "Z";
}

bool TrustPolicyStatement(const JwtClaims& claims, const RoleArn& proxy_role, std::string* out,
                          std::string* err) {
  constexpr std::string_view kHttps = "https://";
  std::string_view issuer = claims.iss;
  if (!issuer.starts_with(kHttps) || issuer.size() == kHttps.size()) {
    *err = "the token's iss is not an https URL, which IAM OIDC providers require";
    return false;
  }
  issuer.remove_prefix(kHttps.size());
  while (issuer.ends_with('/')) issuer.remove_suffix(1);
  if (claims.sub.empty() || claims.aud.empty()) {
    *err = "the token has no sub or aud claim to put in the conditions";
    return false;
  }
  const bool has_sts =
      std::find(claims.aud.begin(), claims.aud.end(), kStsAudience) != claims.aud.end();
  const std::string aud = has_sts ? std::string(kStsAudience) : claims.aud.front();
  const std::string host_path(issuer);
  nlohmann::ordered_json conditions;
  conditions[host_path + ":sub"] = claims.sub;
  conditions[host_path + ":aud"] = aud;
  nlohmann::ordered_json statement;
  statement["Effect"] = "Allow";
  statement["Principal"]["Federated"] =
      "arn:" + proxy_role.partition + ":iam::" + proxy_role.account + ":oidc-provider/" + host_path;
  statement["Action"] = "sts:AssumeRoleWithWebIdentity";
  statement["Condition"]["StringEquals"] = conditions;
  *out = statement.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  return true;
}

}  // namespace irsa

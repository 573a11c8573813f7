// Signature Version 4, step by step as AWS documents it: canonical request ->
// string to sign -> derived key -> signature. The derived keys are as good as
// the secret for a day, so every intermediate is wiped once used.
#include "aws/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <map>

#include "base/digest.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/url.h"

namespace irsa {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; false on a '%' without two hex digits after it.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || HexValue(in[i + 1]) < 0 || HexValue(in[i + 2]) < 0) return false;
    out->push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
    i += 2;
  }
  return true;
}

// Trimmed, with every inner run of spaces collapsed to one (AWS's "Trimall").
std::string TrimAll(std::string_view value) {
  value = TrimWhitespace(value);
  std::string out;
  for (char c : value) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(c);
  }
  return out;
}

// Pairs decoded then re-encoded, so "a=b c" and "a=b%20c" sign alike, sorted
// by name and then value; empty segments ("a&&b") are skipped.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    const size_t amp = std::min(query.find('&'), query.size());
    const std::string_view part = query.substr(0, amp);
    query.remove_prefix(std::min(amp + 1, query.size()));
    if (part.empty()) continue;
    const size_t eq = std::min(part.find('='), part.size());
    std::string name;
    std::string value;
    PercentDecode(part.substr(0, eq), &name);
    PercentDecode(part.substr(std::min(eq + 1, part.size())), &value);
    pairs.emplace_back(PercentEncode(name), PercentEncode(value));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) out += (out.empty() ? "" : "&") + name + "=" + value;
  return out;
}

bool IsScopePart(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// YYYYMMDDTHHMMSSZ with digits where digits belong (not a calendar check:
// AWS rejects a wrong date with a clear error, and the caller formats it).
bool IsAmzDate(std::string_view d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return false;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && (d[i] < '0' || d[i] > '9')) return false;
  }
  return true;
}

bool Fail(std::string* err, std::string message) {
  *err = "sigv4: " + std::move(message);
  return false;
}

}  // namespace

bool IsSigV4Path(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.find("//") != std::string_view::npos) return false;
  size_t start = 1;
  while (start < path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    if (!std::all_of(segment.begin(), segment.end(), IsUnreserved)) return false;
    start = end + 1;
  }
  return true;
}

std::string CredentialScope(const SigV4Scope& scope) {
  return scope.amz_date.substr(0, 8) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string CanonicalRequest(const SigV4Request& request, const SigV4Scope& scope,
                             std::string_view session_token, std::string* signed_headers) {
  // std::map sorts by lower-case name; repeated headers join with ','.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string& slot = headers[AsciiLower(name)];
    slot += (slot.empty() ? "" : ",") + TrimAll(value);
  }
  headers["host"] = TrimAll(request.host);
  headers["x-amz-date"] = scope.amz_date;
  // The token is copied once, into a buffer sized for it, and wiped below:
  // no reallocation leaves a stray copy behind (it has no spaces to trim).
  if (!session_token.empty()) headers["x-amz-security-token"].assign(session_token);

  const std::string query = CanonicalQuery(request.query);
  signed_headers->clear();
  size_t size = request.method.size() + request.path.size() + query.size() + 128;
  for (const auto& [name, value] : headers) {
    size += 2 * name.size() + value.size() + 3;
    *signed_headers += (signed_headers->empty() ? "" : ";") + name;
  }
  std::string out;
  out.reserve(size);
  out.append(request.method).append("\n").append(request.path).append("\n");
  out.append(query).append("\n");
  for (const auto& [name, value] : headers) out.append(name).append(":").append(value).append("\n");
  out.append("\n").append(*signed_headers).append("\n").append(Sha256Hex(request.payload));
  for (auto& [name, value] : headers) WipeString(&value);
  return out;
}

std::string StringToSign(const SigV4Scope& scope, std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + scope.amz_date + "\n" + CredentialScope(scope) + "\n" +
         Sha256Hex(canonical_request);
}

std::string SigV4Signature(std::string_view secret, const SigV4Scope& scope,
                           std::string_view string_to_sign) {
  std::string seed;
  seed.reserve(4 + secret.size());
  seed.append("AWS4").append(secret);
  // A failed HMAC returns "" and the next would key on it quietly: every
  // step is checked (`ok`).
  std::string date_key = HmacSha256(seed, scope.amz_date.substr(0, 8));
  bool ok = !date_key.empty();
  WipeString(&seed);
  std::string region_key = HmacSha256(date_key, scope.region);
  ok = ok && !region_key.empty();
  WipeString(&date_key);
  std::string service_key = HmacSha256(region_key, scope.service);
  ok = ok && !service_key.empty();
  WipeString(&region_key);
  std::string signing_key = HmacSha256(service_key, "aws4_request");
  ok = ok && !signing_key.empty();
  WipeString(&service_key);
  const std::string mac = HmacSha256(signing_key, string_to_sign);
  WipeString(&signing_key);
  return ok && !mac.empty() ? HexEncode(mac) : std::string();
}

bool ValidateSigV4Request(const SigV4Request& request, const SigV4Credentials& credentials,
                          const SigV4Scope& scope, std::string* err) {
  if (request.method.empty() || !std::all_of(request.method.begin(), request.method.end(),
                                             [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return Fail(err, "method must be upper-case letters");
  }
  if (request.host.empty() || HasControlChar(request.host) ||
      request.host.find(' ') != std::string::npos) {
    return Fail(err, "host must be non-empty, without spaces or control characters");
  }
  if (!IsSigV4Path(request.path)) {
    return Fail(err, "path must be / followed by segments of A-Z a-z 0-9 - _ . ~");
  }
  std::string decoded;
  if (!PercentDecode(request.query, &decoded)) return Fail(err, "query has a bad %-escape");
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || !IsHttpToken(name)) {
      return Fail(err, "header name '" + Printable(name) + "' is not an HTTP token");
    }
    const std::string lower = AsciiLower(name);
    if (lower == "host" || lower == "x-amz-date" || lower == "x-amz-security-token" ||
        lower == "authorization") {
      return Fail(err, "header " + name + " is set by the signer");
    }
    if (HasControlChar(value)) return Fail(err, "header " + name + " has a control character");
  }
  if (!IsScopePart(scope.region)) return Fail(err, "region must be 1 to 64 of a-z 0-9 -");
  if (!IsScopePart(scope.service)) return Fail(err, "service must be 1 to 64 of a-z 0-9 -");
  if (!IsAmzDate(scope.amz_date)) return Fail(err, "amz_date must look like 20150830T123600Z");
  if (credentials.access_key_id.empty() || HasControlChar(credentials.access_key_id)) {
    return Fail(err, "access key id is empty or has a control character");
  }
  if (credentials.secret_access_key.empty()) return Fail(err, "secret access key is empty");
  if (HasControlChar(credentials.session_token)) {
    return Fail(err, "session token has a control character");
  }
  return true;
}

bool SignV4(const SigV4Request& request, const SigV4Credentials& credentials,
            const SigV4Scope& scope, std::vector<std::pair<std::string, std::string>>* headers,
            std::string* err) {
  if (!ValidateSigV4Request(request, credentials, scope, err)) return false;
  std::string signed_headers;
  std::string canonical =
      CanonicalRequest(request, scope, credentials.session_token, &signed_headers);
  const std::string to_sign = StringToSign(scope, canonical);
  // A failed Sha256Hex leaves the canonical request or the string to sign
  // ending in its empty hash.
  const bool hashed = !canonical.ends_with('\n') && !to_sign.ends_with('\n');
  WipeString(&canonical);  // holds the session token
  const std::string signature = SigV4Signature(credentials.secret_access_key, scope, to_sign);
  if (!hashed || signature.empty()) {
    return Fail(err, std::string(kDigestFailure));
  }
  headers->clear();
  headers->emplace_back("X-Amz-Date", scope.amz_date);
  if (!credentials.session_token.empty()) {
    headers->emplace_back("X-Amz-Security-Token", std::string(credentials.session_token));
  }
  headers->emplace_back("Authorization",
                        std::string(kAlgorithm) + " Credential=" +
                            std::string(credentials.access_key_id) + "/" + CredentialScope(scope) +
                            ", SignedHeaders=" + signed_headers + ", Signature=" + signature);
  return true;
}

}  // namespace irsa

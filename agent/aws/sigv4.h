// AWS Signature Version 4 for one HTTP request (pure: the time comes in as a
// value). Only what the STS, EKS and IAM calls need (aws/signed_request.h):
// header-based signing of a request whose payload is in memory. Secrets are
// borrowed, never copied into results except the signature, and the derived
// keys are wiped after use.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irsa {

// Whether `path` is one SigV4Request accepts: "/" followed by segments of
// unreserved characters, no empty, "." or ".." segment.
bool IsSigV4Path(std::string_view path);

// The request to sign. Header names are matched case-insensitively; Host,
// X-Amz-Date, X-Amz-Security-Token and Authorization come from the signer.
struct SigV4Request {
  std::string method;  // "GET", "POST"
  std::string host;    // the Host header as sent: "sts.us-east-1.amazonaws.com", "127.0.0.1:5000"
  std::string path;    // "/" or "/seg/seg": unreserved characters only (no encoding needed)
  std::string query;   // "b=2&a=1" as sent (percent-encoded or plain); empty for none
  // Headers to sign besides host, x-amz-date and x-amz-security-token, which
  // the signer adds itself (content-type, for a form POST).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
};

// Borrowed credentials; `session_token` empty for long-term keys.
struct SigV4Credentials {
  std::string_view access_key_id;
  std::string_view secret_access_key;
  std::string_view session_token;
};

struct SigV4Scope {
  std::string region;    // "us-east-1"
  std::string service;   // "sts"
  std::string amz_date;  // ISO 8601 basic UTC: "20150830T123600Z"
};

// The steps, public for tests. CanonicalRequest: the method, the path, the
// query (pairs percent-decoded, re-encoded, sorted), the headers (lower-case
// names, values trimmed with inner runs of spaces collapsed, sorted, repeats
// joined with ','), the signed header names and the payload's SHA-256.
// `*signed_headers` receives the names, e.g. "host;x-amz-date". Each step
// returns false only when OpenSSL cannot hash (base/digest.h, kDigestFailure).
// REQUIRES: the request passed ValidateSigV4Request.
bool CanonicalRequest(const SigV4Request& request, const SigV4Scope& scope,
                      std::string_view session_token, std::string* signed_headers,
                      std::string* out);
bool StringToSign(const SigV4Scope& scope, std::string_view canonical_request, std::string* out);
// "20150830/us-east-1/service/aws4_request".
std::string CredentialScope(const SigV4Scope& scope);
// Lower-case hex HMAC of `string_to_sign` under the key derived from `secret`.
bool SigV4Signature(std::string_view secret, const SigV4Scope& scope,
                    std::string_view string_to_sign, std::string* out);

// Checks what the signer relies on. Returns false with one line in `*err`
// ("sigv4: amz_date must look like 20150830T123600Z") for: a method that is
// not upper-case letters, an empty host or one with a control character or
// space, a path that is not "/" followed by unreserved segments, a query with
// a bad %-escape, a header name outside the HTTP token set or a value with a
// control character, a region or service that is not [a-z0-9-]{1,64}, a
// malformed amz_date, an empty access key id or secret, a session token with
// a control character.
bool ValidateSigV4Request(const SigV4Request& request, const SigV4Credentials& credentials,
                          const SigV4Scope& scope, std::string* err);

// Signs `request`: returns false with `*err` when it is invalid (above) or
// OpenSSL cannot compute the hashes (kDigestFailure).
// On success `*headers` receives the headers to send besides the request's
// own: X-Amz-Date, X-Amz-Security-Token (when a session token is given) and
// Authorization ("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sts/
// aws4_request, SignedHeaders=..., Signature=..."). The caller must also send
// Host exactly as `request.host`. `*headers` holds the session token: the
// caller wipes it after sending.
bool SignV4(const SigV4Request& request, const SigV4Credentials& credentials,
            const SigV4Scope& scope, std::vector<std::pair<std::string, std::string>>* headers,
            std::string* err);

}  // namespace irsa

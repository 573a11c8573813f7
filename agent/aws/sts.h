// AWS STS for the credential broker and `doctor --sts`: AssumeRoleWithWebIdentity
// (unsigned) and AssumeRole (SigV4) over the HttpClient interface, and the
// pure pieces they are made of (endpoint, form body, answer parsing, trust
// policy advice).
//
// Temporary credentials never leave this process: they are never printed,
// logged or written, and every buffer this code owns that held one is wiped
// (OPENSSL_cleanse) once used. Buffers inside libcurl are not ours to wipe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/arn.h"
#include "domain/jwt.h"
#include "irsa_agent/http.h"

namespace irsa {

// Credentials STS issued. Neither copyable nor movable, so no stray copy
// outlives it; the three secrets are wiped by Clear() and the destructor.
struct TemporaryCredentials {
  TemporaryCredentials() = default;
  TemporaryCredentials(const TemporaryCredentials&) = delete;
  TemporaryCredentials& operator=(const TemporaryCredentials&) = delete;
  ~TemporaryCredentials() { Clear(); }
  void Clear();

  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string expiration;  // ISO 8601, not secret
};

// What STS answered to one call.
struct StsAnswer {
  bool ok = false;               // credentials were issued
  std::string assumed_role_arn;  // ok: AssumedRoleUser/Arn
  std::string error_code;        // !ok: ErrorResponse/Error/Code, e.g. "AccessDenied"
  std::string error_message;     // !ok: Error/Message (control characters removed, <= 512 bytes)
  TemporaryCredentials credentials;  // ok: Credentials
  // Set by StsClient, not by ParseStsAnswer: the exchange itself.
  long http_status = 0;                                // 0 when no answer came
  std::string retry_after;                             // the raw Retry-After header
  HttpFailure transport_failure = HttpFailure::kNone;  // why no answer came
};

// Parses `body`, the answer to `action` ("AssumeRoleWithWebIdentity" or
// "AssumeRole"), as strictly as a tiny XML reader can: well-formed, no DOCTYPE
// or CDATA, the five predefined entities and character references only.
// Success is <ACTIONResponse><ACTIONResult> with Credentials/AccessKeyId,
// SecretAccessKey, SessionToken, Expiration and AssumedRoleUser/Arn, all
// non-empty; an error is <ErrorResponse><Error> with a non-empty Code (Message
// may be absent). Returns false with one line in `*err` ("STS answer: ...",
// never quoting the body) for anything else. Overwrites `*out`.
bool ParseStsAnswer(std::string_view action, std::string_view body, StsAnswer* out,
                    std::string* err);

// Where to send STS calls and how to sign them.
struct StsEndpoint {
  std::string url;     // "https://sts.us-east-1.amazonaws.com/"
  std::string host;    // Host header: "sts.us-east-1.amazonaws.com", "127.0.0.1:5000"
  std::string path;    // "/"
  std::string region;  // signing region
};

// `sts_endpoint` (the setting; empty for none) wins; then `region`:
// https://sts.<region>.amazonaws.com/ (.amazonaws.com.cn for cn-* regions);
// with neither, the global https://sts.amazonaws.com/ when `partition` is
// "aws". The signing region is `region`, or us-east-1 when it is empty.
// Returns false with one line in `*err` for a region in an isolated partition
// (those need sts-endpoint), a partition without a global endpoint, or an
// sts-endpoint with a query, fragment, user info or a path SigV4 cannot sign.
bool ResolveStsEndpoint(std::string_view sts_endpoint, std::string_view region,
                        std::string_view partition, StsEndpoint* out, std::string* err);

// An application/x-www-form-urlencoded body: name=value pairs joined by '&',
// both sides percent-encoded over the RFC 3986 unreserved set.
std::string FormEncode(const std::vector<std::pair<std::string_view, std::string_view>>& fields);

// "irsa-agent-doctor-<id>" cut to 64 characters, with characters outside
// [A-Za-z0-9_+=,.@-] in `id` dropped: a valid RoleSessionName for any run id
// or pid.
std::string DoctorSessionName(std::string_view id);

// "20261123T170000Z" for unix seconds `t`.
std::string AmzDate(int64_t t);

// The trust policy statement that admits the token with `claims` to
// `proxy_role` (CONTRACT.md section 6), as indented JSON: Federated principal
// arn:<partition>:iam::<account>:oidc-provider/<issuer without https://>,
// Action sts:AssumeRoleWithWebIdentity, StringEquals on <issuer>:sub and
// <issuer>:aud (sts.amazonaws.com when the token lists it, else its first
// aud). Returns false with `*err` when iss is not an https URL or sub or aud
// is missing.
bool TrustPolicyStatement(const JwtClaims& claims, const RoleArn& proxy_role, std::string* out,
                          std::string* err);

// What STS allows and the broker asks for: a chained session (AssumeRole with
// credentials from another AssumeRole*) lasts at most one hour.
inline constexpr int kMaxChainedSessionSeconds = 3600;

// The optional parameters of one call. `source_identity` and `tags` are sent
// by AssumeRole only (the web identity hop cannot set them).
struct StsCallOptions {
  int duration_seconds = 900;
  std::string source_identity;                            // empty: not sent
  std::vector<std::pair<std::string, std::string>> tags;  // Tags.member.N.Key/Value
};

class StsClient {
 public:
  // Borrows `http`. `ca_file` is extra trust for an HTTPS sts-endpoint.
  StsClient(HttpClient& http, StsEndpoint endpoint, double timeout, std::string ca_file);

  // Both calls return true when STS answered something ParseStsAnswer could
  // read (success or an STS error, in `*out`); false with one line in `*err`
  // when no answer came (connection, TLS, time-out) or it was unreadable.
  // Without `options`: the shortest session (900 s), nothing else.
  bool AssumeRoleWithWebIdentity(const RoleArn& role, std::string_view session_name,
                                 std::string_view web_identity_token, StsAnswer* out,
                                 std::string* err);
  bool AssumeRoleWithWebIdentity(const RoleArn& role, std::string_view session_name,
                                 std::string_view web_identity_token, const StsCallOptions& options,
                                 StsAnswer* out, std::string* err);
  // Signed with `credentials` at `amz_date` (see AmzDate).
  bool AssumeRole(const RoleArn& role, std::string_view session_name,
                  const TemporaryCredentials& credentials, std::string_view amz_date,
                  StsAnswer* out, std::string* err);
  bool AssumeRole(const RoleArn& role, std::string_view session_name,
                  const TemporaryCredentials& credentials, std::string_view amz_date,
                  const StsCallOptions& options, StsAnswer* out, std::string* err);

  const StsEndpoint& endpoint() const { return endpoint_; }

  // Every exchange stops early once `cancelled` returns true (see HttpRequest).
  void set_cancelled(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

 private:
  bool Call(std::string_view action, HttpRequest* request, StsAnswer* out, std::string* err);

  HttpClient& http_;
  StsEndpoint endpoint_;
  double timeout_;
  std::string ca_file_;
  std::function<bool()> cancelled_;
};

}  // namespace irsa

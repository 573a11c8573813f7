// The EKS Pod Identity agent's credentials endpoint (CONTRACT.md section 8):
// GET AWS_CONTAINER_CREDENTIALS_FULL_URI with the content of
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE as the Authorization header, over
// the HttpClient and Files seams. The base credentials of a Pod Identity pod,
// and the first hop of the broker's chain there.
//
// The token and the credentials are never printed, logged or put in a
// message; every buffer this code owns that held one is wiped once used.
// Buffers inside libcurl and nlohmann's lexer are not ours to wipe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/credential_source.h"
#include "aws/sts.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "settings/settings.h"

namespace irsa {

inline constexpr std::string_view kContainerUriEnv = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
inline constexpr std::string_view kContainerTokenFileEnv = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";

// Upper bounds: the agent's answer is about 2 KiB, the token about 1 KiB.
inline constexpr size_t kMaxPodIdentityAnswerBytes = 64 * 1024;
inline constexpr size_t kMaxPodIdentityTokenBytes = 16 * 1024;

// Where the agent is. The names are what messages call the two inputs (the
// variables, or the settings they came from).
struct PodIdentityEndpoint {
  std::string uri;         // http://169.254.170.23/v1/credentials
  std::string token_file;  // the path to read (root-path already applied)
  std::string uri_name = std::string(kContainerUriEnv);
  std::string token_file_name = std::string(kContainerTokenFileEnv);
  std::string ca_file;  // extra trust for an https URI; empty for none
  double timeout = 5;   // for the whole exchange (connect at most 2 s of it)
};

// The endpoint from settings pod-identity-uri and pod-identity-token-file
// (root-path applied to the token file), named in messages by where each came
// from: the variable (AWS_CONTAINER_CREDENTIALS_FULL_URI, ...), the flag, or
// "NAME (file /x.ini:3)". Timeout: request-timeout.
PodIdentityEndpoint PodIdentityEndpointFor(const Settings& settings);

// Whether the SDKs would send a token to `uri`: `https` to any host, plain
// `http` only to loopback (127.0.0.0/8, [::1]), 169.254.170.2, 169.254.170.23
// and [fd00:ec2::23], written as IP literals. No user info. Returns false with
// one line in `*err` that starts with `name` (the variable).
bool CheckPodIdentityUri(std::string_view uri, std::string_view name, std::string* err);

// The agent's 200 answer.
struct PodIdentityCredentials {
  TemporaryCredentials credentials;  // session_token is the answer's Token
  std::string account_id;            // AccountId; empty when the answer has none
  int64_t expires_at = 0;            // Expiration as unix seconds
};

// Parses `body` (JSON, without exceptions): an object whose AccessKeyId,
// SecretAccessKey, Token and Expiration (RFC 3339, UTC "Z" or an offset) are
// non-empty strings without control characters, and whose AccountId, when
// present, is a string of 12 digits. Returns false with one line in `*err`
// (never quoting the body) otherwise; `*out` is then cleared. Every string of
// the parsed document is wiped before it is freed.
bool ParsePodIdentityAnswer(std::string_view body, PodIdentityCredentials* out, std::string* err);

// The message of an error answer: `Message` of a JSON object
// `{"Message": ...}`, or a plain-text body (the agent answers errors with Go's
// http.Error, text/plain); never an HTML page. Control characters become
// spaces, at most 256 bytes of valid UTF-8; empty when there is none or when
// it contains `secret` (the token must never be quoted back).
std::string PodIdentityErrorMessage(std::string_view body, std::string_view secret);

// One fetch: reads the token file again (the kubelet rotates it), checks the
// URI, sends GET with `Authorization: <token>`, parses the answer. On success
// `failure` is kNone, `credentials` set, `expires_at` its expiry and
// `*account_id` (when not null) the AccountId. Failures, each one line naming
// the variable (and the HTTP status when one came):
//   kInput      the token file is missing, empty, unreadable, too large or
//               holds a control character; the URI is refused;
//   kPermanent  HTTP 3xx or 4xx other than 408 and 429 (the token refused);
//   kTransient  unreachable, time-out, 408, 429, 5xx, an oversized or
//               malformed answer (the agent may recover; back off).
CredentialFetch FetchPodIdentityCredentials(const PodIdentityEndpoint& endpoint, Files& files,
                                            HttpClient& http, std::string* account_id = nullptr);

}  // namespace irsa

// JWT claim decoding for diagnostics. No signature check: the agent only
// reports what a token says; STS is the one that verifies it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsa {

// Upper bound on a token read from a file or an API proxy (JWT or not).
inline constexpr size_t kMaxTokenBytes = 64 * 1024;

struct JwtClaims {
  std::string iss;
  std::string sub;
  std::vector<std::string> aud;  // a string `aud` becomes one element
  std::optional<int64_t> iat;
  std::optional<int64_t> exp;
  std::optional<int64_t> nbf;
  // Keycloak's user name (Domino tokens); empty when absent or not a string,
  // which is never an error: it only names the user in CloudTrail.
  std::string preferred_username;
};

// Decodes the payload of a compact JWS (`header.payload.signature`, base64url
// without padding). Returns false with a one-line `*err` that never contains
// token bytes ("token: not three dot-separated parts", "token: payload is not
// base64url", "token: payload is not a JSON object", "token: claim exp is not
// a number"). Surrounding whitespace is trimmed first.
bool DecodeJwtClaims(std::string_view token, JwtClaims* out, std::string* err);

// Decodes base64url (padding optional). Returns false on a bad character or length.
bool DecodeBase64Url(std::string_view in, std::string* out);

enum class TokenState { kValid, kNearExpiry, kExpired, kNotYetValid, kNoExpiry };

// Where `claims` stands at wall time `now` (unix seconds). kNearExpiry when
// more than 90 % of iat..exp has passed; kNoExpiry when exp is absent.
TokenState AssessToken(const JwtClaims& claims, int64_t now);

// The audience AWS STS expects in a projected service-account token.
inline constexpr std::string_view kStsAudience = "sts.amazonaws.com";

}  // namespace irsa

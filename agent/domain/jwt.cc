// JWT claim decoding. Every message here is fixed text plus claim names:
// a token is a credential, so none of its bytes may reach `*err`.
#include "domain/jwt.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/text.h"

namespace irsa {
namespace {

using nlohmann::json;

// Clock skew allowed before a token counts as not yet valid.
constexpr int64_t kNotBeforeLeewaySeconds = 60;

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Reads the optional string claim `name` into `*out`.
bool ReadString(const json& claims, const char* name, std::string* out, std::string* err) {
  const auto it = claims.find(name);
  if (it == claims.end()) return true;
  if (!it->is_string()) {
    *err = std::string("token: claim ") + name + " is not a string";
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

bool ReadAudience(const json& claims, std::vector<std::string>* out, std::string* err) {
  const auto it = claims.find("aud");
  if (it == claims.end()) return true;
  if (it->is_string()) {
    out->push_back(it->get<std::string>());
    return true;
  }
  const char* kWrongType = "token: claim aud is not a string or an array of strings";
  if (!it->is_array()) {
    *err = kWrongType;
    return false;
  }
  for (const json& element : *it) {
    if (!element.is_string()) {
      *err = kWrongType;
      return false;
    }
    out->push_back(element.get<std::string>());
  }
  return true;
}

// Reads the optional NumericDate claim `name`; fractions are truncated.
bool ReadTime(const json& claims, const char* name, std::optional<int64_t>* out, std::string* err) {
  const auto it = claims.find(name);
  if (it == claims.end()) return true;
  const std::string prefix = std::string("token: claim ") + name;
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    *out = it->get<int64_t>();
    return true;
  }
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      *err = prefix + " is out of range";
      return false;
    }
    *out = static_cast<int64_t>(v);
    return true;
  }
  if (it->is_number_float()) {
    const double v = std::trunc(it->get<double>());
    // 2^63 is exactly representable; anything at or above it does not fit.
    constexpr double kLimit = 9223372036854775808.0;
    if (!(v >= -kLimit && v < kLimit)) {
      *err = prefix + " is out of range";
      return false;
    }
    *out = static_cast<int64_t>(v);
    return true;
  }
  *err = prefix + " is not a number";
  return false;
}

}  // namespace

bool DecodeBase64Url(std::string_view in, std::string* out) {
  // Padding is optional, but when present it must complete the last quantum.
  size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  const std::string_view body = in.substr(0, in.size() - pad);
  if (body.size() % 4 == 1) return false;
  if (pad != 0 && (body.size() + pad) % 4 != 0) return false;
  std::string decoded;
  decoded.reserve(body.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    const int v = Base64UrlValue(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits (non-zero ones included) are ignored, as most JWT libraries do.
  *out = std::move(decoded);
  return true;
}

bool DecodeJwtClaims(std::string_view token, JwtClaims* out, std::string* err) {
  token = TrimWhitespace(token);
  if (token.size() > kMaxTokenBytes) {
    *err = "token: longer than " + std::to_string(kMaxTokenBytes) + " bytes";
    return false;
  }
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    *err = "token: not three dot-separated parts";
    return false;
  }
  std::string payload;
  if (!DecodeBase64Url(token.substr(dot1 + 1, dot2 - dot1 - 1), &payload)) {
    *err = "token: payload is not base64url";
    return false;
  }
  const json claims = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (claims.is_discarded() || !claims.is_object()) {
    *err = "token: payload is not a JSON object";
    return false;
  }
  JwtClaims decoded;
  if (!ReadString(claims, "iss", &decoded.iss, err) ||
      !ReadString(claims, "sub", &decoded.sub, err) || !ReadAudience(claims, &decoded.aud, err) ||
      !ReadTime(claims, "iat", &decoded.iat, err) || !ReadTime(claims, "exp", &decoded.exp, err) ||
      !ReadTime(claims, "nbf", &decoded.nbf, err)) {
    return false;
  }
  const auto user = claims.find("preferred_username");
  if (user != claims.end() && user->is_string())
    decoded.preferred_username = user->get<std::string>();
  *out = std::move(decoded);
  return true;
}

TokenState AssessToken(const JwtClaims& claims, int64_t now) {
  if (claims.exp && now >= *claims.exp) return TokenState::kExpired;
  // nbf > now + leeway, written so that neither side can overflow.
  if (claims.nbf && *claims.nbf > now &&
      static_cast<uint64_t>(*claims.nbf) - static_cast<uint64_t>(now) >
          static_cast<uint64_t>(kNotBeforeLeewaySeconds)) {
    return TokenState::kNotYetValid;
  }
  if (!claims.exp) return TokenState::kNoExpiry;
  if (claims.iat) {
    // In doubles: exp - iat can overflow int64 for hostile claims.
    const double iat = static_cast<double>(*claims.iat);
    const double threshold = iat + 0.9 * (static_cast<double>(*claims.exp) - iat);
    if (static_cast<double>(now) >= threshold) return TokenState::kNearExpiry;
  }
  return TokenState::kValid;
}

}  // namespace irsa

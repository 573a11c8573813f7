// DecodeJwtClaims and DecodeBase64Url.
//
// Input: one steering byte, then either a whole token (even steering byte) or
// a payload that is base64url-encoded into "header.PAYLOAD.signature" (odd),
// so the JSON claim reader is reached without the fuzzer learning base64.
//
// Invariants: an error never holds more than 8 consecutive bytes of the token
// (a token is a credential) and is one printable line starting "token: ";
// decoded claims encoded back into a token decode to the same claims;
// AssessToken is defined for any claims and any time; base64url encoding then
// decoding gives back the bytes, with or without padding.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "domain/jwt.h"
#include "fuzz_check.h"

namespace {

using irsa::fuzz::Check;

// The fixed text of jwt.cc's messages (claim names included).
constexpr std::string_view kVocabulary =
    "token: longer than 65536 bytes\n"
    "token: not three dot-separated parts\n"
    "token: payload is not base64url\n"
    "token: payload is not a JSON object\n"
    "token: claim aud is not a string or an array of strings\n"
    "token: claim iss is not a string\ntoken: claim sub is not a string\n"
    "token: claim iat is not a number\ntoken: claim iat is out of range\n"
    "token: claim exp is not a number\ntoken: claim exp is out of range\n"
    "token: claim nbf is not a number\ntoken: claim nbf is out of range\n";

std::string EncodeBase64Url(std::string_view in, bool pad) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8 |
                       static_cast<uint8_t>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  const size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(kAlphabet[(v >> 6) & 63]);
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

std::string MakeToken(std::string_view payload) {
  return "eyJhbGciOiJSUzI1NiJ9." + EncodeBase64Url(payload, false) + ".c2lnbmF0dXJl";
}

// The claims as a JWT payload, the way a token issuer would write them.
std::string ClaimsJson(const irsa::JwtClaims& c) {
  nlohmann::json j = nlohmann::json::object();
  if (!c.iss.empty()) j["iss"] = c.iss;
  if (!c.sub.empty()) j["sub"] = c.sub;
  if (!c.aud.empty()) j["aud"] = c.aud;
  if (c.iat) j["iat"] = *c.iat;
  if (c.exp) j["exp"] = *c.exp;
  if (c.nbf) j["nbf"] = *c.nbf;
  return j.dump();
}

bool SameClaims(const irsa::JwtClaims& a, const irsa::JwtClaims& b) {
  return a.iss == b.iss && a.sub == b.sub && a.aud == b.aud && a.iat == b.iat && a.exp == b.exp &&
         a.nbf == b.nbf;
}

void CheckBase64(std::string_view bytes) {
  for (bool pad : {false, true}) {
    std::string decoded;
    Check(irsa::DecodeBase64Url(EncodeBase64Url(bytes, pad), &decoded), "base64url decodes");
    Check(decoded == bytes, "base64url round-trips");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t steer = irsa::fuzz::TakeByte(&data, &size);
  const std::string_view input = irsa::fuzz::AsText(data, size);
  const std::string token = (steer & 1) != 0 ? MakeToken(input) : std::string(input);
  CheckBase64(input);

  irsa::JwtClaims claims;
  std::string err;
  if (!irsa::DecodeJwtClaims(token, &claims, &err)) {
    Check(err.starts_with("token: "), "an error starts with token:");
    Check(irsa::fuzz::IsPrintableLine(err), "an error is one printable line");
    Check(!irsa::fuzz::QuotesInput(err, token, 8, kVocabulary), "an error never quotes the token");
    return 0;
  }
  irsa::JwtClaims again;
  Check(irsa::DecodeJwtClaims(MakeToken(ClaimsJson(claims)), &again, &err),
        "re-encoded claims decode");
  Check(SameClaims(claims, again), "re-encoded claims decode to the same claims");

  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (int64_t now : {kMin, int64_t{-1}, int64_t{0}, int64_t{1700000000}, kMax}) {
    const irsa::TokenState state = irsa::AssessToken(claims, now);
    Check(claims.exp.has_value() || state != irsa::TokenState::kExpired,
          "a token without exp never expires");
  }
  return 0;
}

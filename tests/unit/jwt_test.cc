// Tests for jwt.h. Tokens are built here from JSON, so no real credential
// appears in the tree; failure messages print claim names, never tokens.
#include "domain/jwt.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "unit/test_util.h"

namespace irsa {
namespace {

using namespace std::string_view_literals;

const std::string kHeader = Base64Url(R"({"alg":"RS256","kid":"k1"})");
constexpr std::string_view kSignature = "c2lnbmF0dXJlLWJ5dGVz";

std::string Token(std::string_view payload_json) {
  return kHeader + "." + Base64Url(payload_json) + "." + std::string(kSignature);
}

// True when `err` shares no 8-byte run with `token`: a message must not leak
// any recognisable piece of a credential.
bool LeaksTokenBytes(std::string_view err, std::string_view token) {
  constexpr size_t kRun = 8;
  for (size_t i = 0; i + kRun <= token.size(); ++i) {
    if (err.find(token.substr(i, kRun)) != std::string_view::npos) return true;
  }
  return false;
}

TEST_SUITE("jwt") {
  TEST_CASE("DecodeBase64Url") {
    struct Case {
      std::string_view in;
      bool ok;
      std::string_view want;
    };
    const Case cases[] = {
        {"", true, ""},
        {"Zg", true, "f"},
        {"Zg==", true, "f"},
        {"Zm8", true, "fo"},
        {"Zm8=", true, "fo"},
        {"Zm9v", true, "foo"},
        {"Zm9vYmFy", true, "foobar"},
        {"-_-_", true, "\xfb\xff\xbf"},
        {"AP8", true, "\x00\xff"sv},
        {"Z", false, ""},
        {"Zm9vY", false, ""},
        {"Zg=", false, ""},
        {"Zg===", false, ""},
        {"Zm9v=", false, ""},
        {"====", false, ""},
        {"Zm+v", false, ""},
        {"Zm/v", false, ""},
        {"Zm9v\n", false, ""},
        {"Zm 9v", false, ""},
        {"Z=g=", false, ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.in);
      std::string out = "unchanged";
      CHECK(DecodeBase64Url(c.in, &out) == c.ok);
      CHECK(out == (c.ok ? std::string(c.want) : std::string("unchanged")));
    }
    // Round trip over every byte value and every tail length.
    std::string all;
    for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
    for (size_t n = 0; n <= 6; ++n) {
      std::string out;
      REQUIRE(DecodeBase64Url(Base64Url(all.substr(n)), &out));
      CHECK(out == all.substr(n));
    }
  }

  TEST_CASE("DecodeJwtClaims: a projected service-account token") {
    const std::string token = Token(
        R"({"aud":["sts.amazonaws.com"],"exp":1764003600,"iat":1763917200,)"
        R"("iss":"https://oidc.eks.us-west-2.amazonaws.com/id/ABC","nbf":1763917200,)"
        R"("sub":"system:serviceaccount:domino-compute:run-1","kubernetes.io":{"namespace":"x"}})");
    JwtClaims claims;
    std::string err;
    REQUIRE(DecodeJwtClaims("  " + token + "\n", &claims, &err));
    CHECK(claims.iss == "https://oidc.eks.us-west-2.amazonaws.com/id/ABC");
    CHECK(claims.sub == "system:serviceaccount:domino-compute:run-1");
    CHECK(claims.aud == std::vector<std::string>{std::string(kStsAudience)});
    CHECK(claims.iat == 1763917200);
    CHECK(claims.exp == 1764003600);
    CHECK(claims.nbf == 1763917200);
  }

  TEST_CASE("DecodeJwtClaims: claim forms") {
    struct Case {
      std::string_view name, payload;
      std::vector<std::string> aud;
      std::optional<int64_t> exp;
    };
    const Case cases[] = {
        {"no claims", "{}", {}, std::nullopt},
        {"string aud", R"({"aud":"a"})", {"a"}, std::nullopt},
        {"array aud", R"({"aud":["a","b"]})", {"a", "b"}, std::nullopt},
        {"empty aud array", R"({"aud":[]})", {}, std::nullopt},
        {"float exp truncated", R"({"exp":1700000000.9})", {}, 1700000000},
        {"negative float truncated toward zero", R"({"exp":-1.5})", {}, -1},
        {"exponent form", R"({"exp":1.7e9})", {}, 1700000000},
        {"int64 max", R"({"exp":9223372036854775807})", {}, INT64_MAX},
        {"int64 min", R"({"exp":-9223372036854775808})", {}, INT64_MIN},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      JwtClaims claims;
      std::string err;
      REQUIRE(DecodeJwtClaims(Token(c.payload), &claims, &err));
      CHECK(claims.aud == c.aud);
      CHECK(claims.exp == c.exp);
    }
    JwtClaims claims;
    std::string err;
    // Padding is optional in the payload part.
    REQUIRE(DecodeJwtClaims(kHeader + ".eyJzdWIiOiJ4In0=.sig", &claims, &err));
    CHECK(claims.sub == "x");
    // An unsecured JWS has an empty signature part.
    REQUIRE(DecodeJwtClaims(kHeader + "." + Base64Url(R"({"iss":"i"})") + ".", &claims, &err));
    CHECK(claims.iss == "i");
  }

  TEST_CASE("DecodeJwtClaims: rejected, with messages free of token bytes") {
    struct Case {
      std::string token;
      std::string_view err;
    };
    const std::string secret_payload = Base64Url(R"({"sub":"SECRET-SUBJECT-VALUE"})");
    const Case cases[] = {
        {"", "token: not three dot-separated parts"},
        {"no-dots-at-all-SECRET", "token: not three dot-separated parts"},
        {kHeader + "." + secret_payload, "token: not three dot-separated parts"},
        {kHeader + "." + secret_payload + ".sig.extra", "token: not three dot-separated parts"},
        {kHeader + ".SECRET*PAYLOAD.sig", "token: payload is not base64url"},
        {kHeader + ".Z.sig", "token: payload is not base64url"},
        {kHeader + "..sig", "token: payload is not a JSON object"},
        {Token(R"(["SECRET-IN-ARRAY"])"), "token: payload is not a JSON object"},
        {Token(R"("SECRET-STRING")"), "token: payload is not a JSON object"},
        {Token(R"({"sub":"SECRET-TRUNCATED)"), "token: payload is not a JSON object"},
        {Token("{\"sub\":\"bad \xff utf8\"}"), "token: payload is not a JSON object"},
        {Token(R"({"a":1} trailing)"), "token: payload is not a JSON object"},
        {Token(R"({"iss":42,"sub":"SECRET-SUBJECT-VALUE"})"), "token: claim iss is not a string"},
        {Token(R"({"sub":null})"), "token: claim sub is not a string"},
        {Token(R"({"aud":7})"), "token: claim aud is not a string or an array of strings"},
        {Token(R"({"aud":["SECRET-AUD",7]})"),
         "token: claim aud is not a string or an array of strings"},
        {Token(R"({"iat":"1700000000"})"), "token: claim iat is not a number"},
        {Token(R"({"exp":"SECRET-EXP"})"), "token: claim exp is not a number"},
        {Token(R"({"exp":true})"), "token: claim exp is not a number"},
        {Token(R"({"nbf":[1]})"), "token: claim nbf is not a number"},
        {Token(R"({"exp":9223372036854775808})"), "token: claim exp is out of range"},
        {Token(R"({"exp":1e300})"), "token: claim exp is out of range"},
        {Token(R"({"nbf":-1e19})"), "token: claim nbf is out of range"},
        {Token(R"({"sub":")" + std::string(65536, 'S') + "\"}"), "token: longer than 65536 bytes"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.err);  // never the token itself
      JwtClaims claims;
      claims.sub = "unchanged";
      std::string err;
      CHECK_FALSE(DecodeJwtClaims(c.token, &claims, &err));
      CHECK(err == c.err);
      CHECK_FALSE(LeaksTokenBytes(err, c.token));
      CHECK(err.find("SECRET") == std::string::npos);
      CHECK(claims.sub == "unchanged");
    }
  }

  TEST_CASE("DecodeJwtClaims: the size limit counts the trimmed token") {
    const std::string header_and_dots = kHeader + "..";
    const std::string exact = header_and_dots + std::string(65536 - header_and_dots.size(), 'A');
    REQUIRE(exact.size() == 65536);
    JwtClaims claims;
    std::string err;
    CHECK_FALSE(DecodeJwtClaims(exact + "\n", &claims, &err));
    CHECK(err == "token: payload is not a JSON object");  // got past the length check
    CHECK_FALSE(DecodeJwtClaims(exact + "A", &claims, &err));
    CHECK(err == "token: longer than 65536 bytes");
  }

  TEST_CASE("AssessToken") {
    const int64_t iat = 1000000;
    const int64_t exp = iat + 86400;  // 90 % mark at iat + 77760
    struct Case {
      std::string_view name;
      std::optional<int64_t> iat, exp, nbf;
      int64_t now;
      TokenState want;
    };
    const Case cases[] = {
        {"fresh", iat, exp, iat, iat, TokenState::kValid},
        {"just before 90 %", iat, exp, std::nullopt, iat + 77759, TokenState::kValid},
        {"at 90 %", iat, exp, std::nullopt, iat + 77760, TokenState::kNearExpiry},
        {"one second left", iat, exp, std::nullopt, exp - 1, TokenState::kNearExpiry},
        {"at exp", iat, exp, std::nullopt, exp, TokenState::kExpired},
        {"after exp", iat, exp, std::nullopt, exp + 5, TokenState::kExpired},
        {"expired wins over nbf", iat, exp, exp + 1000, exp, TokenState::kExpired},
        {"nbf within leeway", iat, exp, iat + 60, iat, TokenState::kValid},
        {"nbf beyond leeway", iat, exp, iat + 61, iat, TokenState::kNotYetValid},
        {"no exp", iat, std::nullopt, std::nullopt, iat, TokenState::kNoExpiry},
        {"no exp but not yet valid", iat, std::nullopt, iat + 100, iat, TokenState::kNotYetValid},
        {"no iat: never near expiry", std::nullopt, exp, std::nullopt, exp - 1, TokenState::kValid},
        {"hostile extremes", INT64_MIN, INT64_MAX, INT64_MAX, INT64_MIN, TokenState::kNotYetValid},
        {"hostile extremes, no nbf", INT64_MIN, INT64_MAX, std::nullopt, 0, TokenState::kValid},
        {"nbf far in the past", iat, exp, INT64_MIN, iat, TokenState::kValid},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      JwtClaims claims;
      claims.iat = c.iat;
      claims.exp = c.exp;
      claims.nbf = c.nbf;
      CHECK(AssessToken(claims, c.now) == c.want);
    }
  }
}

}  // namespace
}  // namespace irsa

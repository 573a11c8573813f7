// Tests for token_monitor.h. Tokens are built here from JSON, so no real
// credential appears in the tree; failure messages never print a token.
#include "run/token_monitor.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/text.h"
#include "unit/test_util.h"

namespace irsa {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kIat = 1'800'000'000;  // 2027-01-15T08:00:00Z
constexpr int64_t kExp = kIat + 86400;   // a day, as the projected token is
constexpr const char* kIatText = "2027-01-15T08:00:00.000Z";
constexpr const char* kExpText = "2027-01-16T08:00:00.000Z";
constexpr const char* kNearExpiry =
    "web identity token is past 90% of its lifetime and has not been rotated";

std::string Token(std::string_view payload_json, std::string_view signature = "c2lnbmF0dXJl") {
  return Base64Url(R"({"alg":"RS256","kid":"k1"})") + "." + Base64Url(payload_json) + "." +
         std::string(signature);
}

// A projected service-account token for `sub`, valid kIat..kExp.
std::string GoodToken(std::string_view sub = "system:serviceaccount:domino-compute:run-1",
                      std::string_view aud = R"("sts.amazonaws.com")") {
  return Token(R"({"iss":"https://oidc.eks.us-west-2.amazonaws.com/id/ABC","sub":")" +
               std::string(sub) + R"(","aud":)" + std::string(aud) +
               R"(,"iat":1800000000,"exp":1800086400})");
}

std::vector<std::string> Messages(const std::vector<TokenNote>& notes) {
  std::vector<std::string> out;
  for (const TokenNote& note : notes) out.push_back(note.message);
  return out;
}

TEST_SUITE("token_monitor") {
  TEST_CASE("a new token is reported once, with its claims") {
    TokenMonitor monitor;
    const std::string token = GoodToken();
    const std::vector<TokenNote> notes = monitor.Observe(token, kIat + 1000);
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].level == LogLevel::kInfo);
    CHECK(notes[0].message == "web identity token changed");
    const Fields expected = {{"iss", "https://oidc.eks.us-west-2.amazonaws.com/id/ABC"},
                             {"sub", "system:serviceaccount:domino-compute:run-1"},
                             {"aud", "sts.amazonaws.com"},
                             {"iat", kIatText},
                             {"exp", kExpText},
                             {"expires_in", "85400"}};
    CHECK(notes[0].fields == expected);
    CHECK(monitor.expiry() == kExp);
    CHECK(monitor.Observe(token, kIat + 2000).empty());
    CHECK(monitor.Observe(token + "\n", kIat + 3000).empty());  // same token, new newline
  }

  TEST_CASE("several audiences are comma-joined; absent times are left out") {
    TokenMonitor monitor;
    const std::vector<TokenNote> notes =
        monitor.Observe(Token(R"({"iss":"i","sub":"s","aud":["a","sts.amazonaws.com"]})"), kIat);
    REQUIRE(notes.size() == 1);
    const Fields expected = {{"iss", "i"}, {"sub", "s"}, {"aud", "a,sts.amazonaws.com"}};
    CHECK(notes[0].fields == expected);
    CHECK_FALSE(monitor.expiry().has_value());
  }

  TEST_CASE("the near-expiry and expiry warnings fire as time passes, once each") {
    TokenMonitor monitor;
    const std::string token = GoodToken();
    CHECK(Messages(monitor.Observe(token, kIat + 10)) ==
          std::vector<std::string>{"web identity token changed"});
    CHECK(monitor.Observe(token, kIat + 77760 - 1).empty());  // 90 % is at 77760 s
    const std::vector<TokenNote> near = monitor.Observe(token, kIat + 77760);
    REQUIRE(near.size() == 1);
    CHECK(near[0].level == LogLevel::kWarning);
    CHECK(near[0].message == kNearExpiry);
    CHECK(near[0].fields == Fields{{"exp", kExpText}, {"expires_in", "8640"}});
    CHECK(monitor.Observe(token, kIat + 80000).empty());
    const std::vector<TokenNote> expired = monitor.Observe(token, kExp + 5);
    REQUIRE(expired.size() == 1);
    CHECK(expired[0].message == "web identity token has expired");
    CHECK(expired[0].fields == Fields{{"exp", kExpText}, {"expires_in", "-5"}});
    CHECK(monitor.Observe(token, kExp + 500).empty());
    // The kubelet catches up: the rotated token is fine again.
    CHECK(Messages(monitor.Observe(GoodToken("system:serviceaccount:ns:rotated"), kIat + 10)) ==
          std::vector<std::string>{"web identity token changed"});
  }

  TEST_CASE("a token already expired is reported with its claims first") {
    TokenMonitor monitor;
    CHECK(Messages(monitor.Observe(GoodToken(), kExp)) ==
          std::vector<std::string>{"web identity token changed", "web identity token has expired"});
  }

  TEST_CASE("an audience without sts.amazonaws.com is reported for each token that has it") {
    TokenMonitor monitor;
    const std::string wrong = GoodToken("s1", R"(["api","vault"])");
    const std::vector<TokenNote> notes = monitor.Observe(wrong, kIat);
    REQUIRE(notes.size() == 2);
    CHECK(notes[1].level == LogLevel::kWarning);
    CHECK(notes[1].message == "web identity token audience does not include sts.amazonaws.com");
    CHECK(notes[1].fields == Fields{{"aud", "api,vault"}});
    CHECK(monitor.Observe(wrong, kIat + 100).empty());
    CHECK(monitor.Observe(GoodToken("s2", R"("api")"), kIat + 200).size() == 2);
    CHECK(Messages(monitor.Observe(GoodToken("s3"), kIat + 300)) ==
          std::vector<std::string>{"web identity token changed"});
  }

  TEST_CASE("a token that is not yet valid is reported once") {
    TokenMonitor monitor;
    const std::string token =
        Token(R"({"iss":"i","sub":"s","aud":"sts.amazonaws.com","iat":1800000000,"nbf":1800003600,)"
              R"("exp":1800086400})");
    const std::vector<TokenNote> notes = monitor.Observe(token, kIat);
    REQUIRE(notes.size() == 2);
    CHECK(notes[1].message == "web identity token is not yet valid");
    CHECK(notes[1].fields == Fields{{"nbf", "2027-01-15T09:00:00.000Z"}});
    CHECK(monitor.Observe(token, kIat + 60).empty());
    CHECK(monitor.Observe(token, kIat + 7200).empty());  // valid now: nothing to warn about
  }

  TEST_CASE("a malformed token is reported with the decoder's reason") {
    struct Case {
      std::string content;
      const char* message;
    };
    const Case cases[] = {
        {"", "web identity token is malformed: token: not three dot-separated parts"},
        {"not-a-jwt", "web identity token is malformed: token: not three dot-separated parts"},
        {"a.b!c.d", "web identity token is malformed: token: payload is not base64url"},
        {Token("[1]"), "web identity token is malformed: token: payload is not a JSON object"},
        {Token(R"({"exp":"soon"})"),
         "web identity token is malformed: token: claim exp is not a number"},
        {Token(R"({"aud":7})"),
         "web identity token is malformed: token: claim aud is not a string or an array of "
         "strings"},
    };
    for (size_t i = 0; i < std::size(cases); ++i) {
      CAPTURE(i);
      TokenMonitor monitor;
      monitor.Observe(GoodToken(), kIat);
      const std::vector<TokenNote> notes = monitor.Observe(cases[i].content, kIat + 1);
      REQUIRE(notes.size() == 1);
      CHECK(notes[0].level == LogLevel::kWarning);
      CHECK(notes[0].message == cases[i].message);
      CHECK(notes[0].fields.empty());
      CHECK_FALSE(monitor.expiry().has_value());
      CHECK(monitor.Observe(cases[i].content, kIat + 2).empty());
    }
  }

  TEST_CASE("a missing file is reported once, and the token that returns is news") {
    TokenMonitor monitor;
    const std::string token = GoodToken();
    CHECK(Messages(monitor.Observe(std::nullopt, kIat)) ==
          std::vector<std::string>{"web identity token file is missing"});
    CHECK(monitor.Observe(std::nullopt, kIat + 1).empty());
    CHECK(Messages(monitor.Observe(token, kIat + 2)) ==
          std::vector<std::string>{"web identity token changed"});
    CHECK(Messages(monitor.Observe(std::nullopt, kIat + 3)) ==
          std::vector<std::string>{"web identity token file is missing"});
    CHECK_FALSE(monitor.expiry().has_value());
    CHECK(Messages(monitor.Observe(token, kIat + 4)) ==
          std::vector<std::string>{"web identity token changed"});
  }

  TEST_CASE("hostile claims are cut short and extreme times do not overflow") {
    TokenMonitor monitor;
    std::string long_iss(1000, 'x');
    std::string accented = "a";  // puts byte 256 inside a two-byte character
    for (int i = 0; i < 300; ++i) accented += "\xc3\xa9";  // U+00E9, two bytes each
    const std::vector<TokenNote> notes =
        monitor.Observe(Token(R"({"iss":")" + long_iss + R"(","sub":")" + accented +
                              R"(","aud":"sts.amazonaws.com","iat":-9223372036854775808,)"
                              R"("exp":9223372036854775807})"),
                        kIat);
    REQUIRE(notes.size() == 1);
    const Fields& f = notes[0].fields;
    REQUIRE(f.size() == 6);
    CHECK(f[0].second == std::string(256, 'x') + "...");
    CHECK(f[1].second.size() == 255 + 3);  // cut before the split character
    CHECK(IsValidUtf8(f[1].second));
    CHECK(f[3].second == "1970-01-01T00:00:00.000Z");
    CHECK(f[5].second == std::to_string(std::numeric_limits<int64_t>::max() - kIat));
    // exp - now below INT64_MIN saturates instead of overflowing.
    const std::vector<TokenNote> old =
        monitor.Observe(Token(R"({"aud":"sts.amazonaws.com","exp":-9223372036854775808})"), kIat);
    REQUIRE(old.size() == 2);
    CHECK(old[1].fields[1].second == std::to_string(std::numeric_limits<int64_t>::min()));
  }

  TEST_CASE("no note ever holds a piece of the token") {
    // True when `text` shares an 8-byte run with `token`.
    auto leaks = [](std::string_view text, std::string_view token) {
      for (size_t i = 0; i + 8 <= token.size(); ++i) {
        if (text.find(token.substr(i, 8)) != std::string_view::npos) return true;
      }
      return false;
    };
    std::mt19937_64 rng(20261123);
    auto word = [&rng](size_t min_len, size_t max_len, std::string_view alphabet) {
      std::string s(std::uniform_int_distribution<size_t>(min_len, max_len)(rng), ' ');
      for (char& c : s)
        c = alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
      return s;
    };
    const std::string_view kAlnum =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const std::string_view kBase64Url =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    TokenMonitor monitor;
    int notes_seen = 0;
    for (int i = 0; i < 500; ++i) {
      const int64_t iat = kIat + std::uniform_int_distribution<int64_t>(-200000, 200000)(rng);
      std::string token =
          Token(R"({"iss":"https://)" + word(1, 40, kAlnum) + R"(","sub":")" + word(0, 60, kAlnum) +
                    R"(","aud":[")" + word(0, 20, kAlnum) + R"(","sts.amazonaws.com"],"iat":)" +
                    std::to_string(iat) + R"(,"exp":)" + std::to_string(iat + 3600) + "}",
                word(16, 400, kBase64Url));
      switch (i % 4) {  // damage some tokens
        case 1:
          token.resize(std::uniform_int_distribution<size_t>(0, token.size())(rng));
          break;
        case 2:
          token[std::uniform_int_distribution<size_t>(0, token.size() - 1)(rng)] = '!';
          break;
        default:
          break;
      }
      const int64_t now = kIat + std::uniform_int_distribution<int64_t>(-300000, 300000)(rng);
      const auto content = i % 37 == 0 ? std::nullopt : std::optional<std::string_view>(token);
      for (int64_t later : {now, now + 3000, now + 7200}) {
        for (const TokenNote& note : monitor.Observe(content, later)) {
          ++notes_seen;
          bool leaked = leaks(note.message, token);
          for (const auto& [key, value] : note.fields)
            leaked = leaked || leaks(key, token) || leaks(value, token);
          if (leaked)
            FAIL("token bytes in a note for token #" << i << " (" << note.message.size()
                                                     << " byte message)");
        }
      }
    }
    CHECK(notes_seen > 500);  // every new content is news
  }
}

}  // namespace
}  // namespace irsa

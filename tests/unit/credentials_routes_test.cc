// The credentials listener: its routes and refusals, IMDS session tokens, the
// token file, the constant-time comparison and the wire shapes.

#include "run/credentials_routes.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "aws/broker.h"
#include "aws/credential_formats.h"
#include "base/secret.h"
#include "fakes/fake_files.h"
#include "os/random_bytes.h"
#include "run/credentials_token.h"
#include "run/imds.h"
#include "settings/paths.h"

namespace irsa {
namespace {

constexpr double kNow = 1'800'000'000;
constexpr std::string_view kToken = "0123456789abcdef0123456789abcdef";

ListenRequest Req(std::string method, std::string path,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  ListenRequest r;
  r.connection = 7;
  r.method = std::move(method);
  r.path = std::move(path);
  r.headers = std::move(headers);
  return r;
}

int StatusOf(const CredentialsRoute& route) { return route.answer ? route.answer->status : 0; }

TEST_SUITE("credentials_routes") {
  TEST_CASE("SecretEquals compares bytes, lengths first") {
    CHECK(SecretEquals("abc", "abc"));
    CHECK(SecretEquals("", ""));
    CHECK_FALSE(SecretEquals("abc", "abd"));
    CHECK_FALSE(SecretEquals("abc", "abcd"));
    CHECK_FALSE(SecretEquals("", "a"));
    CHECK_FALSE(SecretEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  }

  TEST_CASE("container credentials: token missing 401, wrong 403, right goes to the broker") {
    const CredentialsAccess access{kToken, nullptr, kNow};
    CHECK(StatusOf(RouteCredentialsRequest(Req("GET", "/v1/credentials/role-a"), access)) == 401);
    CHECK(StatusOf(RouteCredentialsRequest(
              Req("GET", "/v1/credentials/role-a", {{"authorization", ""}}), access)) == 401);
    CHECK(StatusOf(RouteCredentialsRequest(
              Req("GET", "/v1/credentials/role-a", {{"authorization", "wrong"}}), access)) == 403);
    CHECK(StatusOf(RouteCredentialsRequest(
              Req("GET", "/v1/credentials/role-a",
                  {{"authorization", std::string(kToken.substr(0, 31)) + "0"}}),
              access)) == 403);
    const CredentialsRoute ok = RouteCredentialsRequest(
        Req("GET", "/v1/credentials/src_role%2Da", {{"authorization", std::string(kToken)}}),
        access);
    CHECK_FALSE(ok.answer.has_value());
    CHECK(ok.profile == "src_role-a");
    CHECK(ok.format == CredentialFormat::kContainer);
    // The refusal bodies never echo what the client sent.
    const CredentialsRoute wrong = RouteCredentialsRequest(
        Req("GET", "/v1/credentials/role-a", {{"authorization", "guess-123"}}), access);
    CHECK(wrong.answer->body.find("guess-123") == std::string::npos);
  }

  TEST_CASE("an empty agent token never matches") {
    const CredentialsAccess access{"", nullptr, kNow};
    CHECK(StatusOf(RouteCredentialsRequest(
              Req("GET", "/v1/credentials/role-a", {{"authorization", "x"}}), access)) == 403);
  }

  TEST_CASE("X-Forwarded-For is refused on every route; other paths 404 or 405") {
    const ImdsSessions sessions("k");
    const CredentialsAccess access{kToken, &sessions, kNow};
    for (const char* path : {"/v1/credentials/role-a", "/imds/role-a/latest/api/token", "/x"}) {
      CAPTURE(path);
      CHECK(StatusOf(RouteCredentialsRequest(
                Req("GET", path,
                    {{"authorization", std::string(kToken)}, {"x-forwarded-for", "10.0.0.1"}}),
                access)) == 403);
    }
    CHECK(StatusOf(RouteCredentialsRequest(Req("GET", "/credentials/role-a"), access)) == 404);
    CHECK(StatusOf(RouteCredentialsRequest(Req("DELETE", "/v1/credentials/a"), access)) == 405);
    CHECK(StatusOf(RouteCredentialsRequest(Req("POST", "/x"), access)) == 405);
  }

  TEST_CASE("IMDS paths are 404 when IMDS is off") {
    const CredentialsAccess access{kToken, nullptr, kNow};
    CHECK(StatusOf(RouteCredentialsRequest(Req("PUT", "/imds/role-a/latest/api/token",
                                               {{"x-aws-ec2-metadata-token-ttl-seconds", "60"}}),
                                           access)) == 404);
  }

  TEST_CASE("ParseImdsTtl: 1 to 21600, decimal only") {
    int ttl = 0;
    CHECK(ParseImdsTtl("1", &ttl));
    CHECK(ttl == 1);
    CHECK(ParseImdsTtl("21600", &ttl));
    CHECK(ttl == 21600);
    for (const char* bad : {"0", "21601", "", "-5", "60s", " 60", "1e3", "99999999999999999999"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseImdsTtl(bad, &ttl));
    }
  }

  TEST_CASE("ParseImdsPath") {
    auto t = ParseImdsPath("/imds/role-a/latest/api/token");
    REQUIRE(t);
    CHECK(t->profile == "role-a");
    CHECK(t->resource == ImdsResource::kToken);
    t = ParseImdsPath("/imds/role-a/latest/meta-data/iam/security-credentials/");
    REQUIRE(t);
    CHECK(t->resource == ImdsResource::kCredentialsList);
    t = ParseImdsPath("/imds/role-a/latest/meta-data/iam/security-credentials");
    REQUIRE(t);
    CHECK(t->resource == ImdsResource::kCredentialsList);
    t = ParseImdsPath("/imds/role%40a/latest/meta-data/iam/security-credentials/role%40a");
    REQUIRE(t);
    CHECK(t->profile == "role@a");
    CHECK(t->resource == ImdsResource::kCredentials);
    CHECK(t->name == "role@a");
    t = ParseImdsPath("/imds/role-a/latest/meta-data/iam/security-credentials/a/b");
    REQUIRE(t);
    CHECK(t->resource == ImdsResource::kOther);
    t = ParseImdsPath("/imds/role-a/latest/meta-data/instance-id");
    REQUIRE(t);
    CHECK(t->resource == ImdsResource::kOther);
    CHECK_FALSE(ParseImdsPath("/imds/"));
    CHECK_FALSE(ParseImdsPath("/imds//latest/api/token"));
    CHECK_FALSE(ParseImdsPath("/latest/api/token"));
  }

  TEST_CASE("IMDS session tokens: bound to the profile, the key and the expiry") {
    const ImdsSessions sessions("key-one");
    const std::string token = sessions.Issue("role-a", 60, kNow);
    REQUIRE_FALSE(token.empty());
    CHECK(sessions.Valid(token, "role-a", kNow));
    CHECK(sessions.Valid(token, "role-a", kNow + 59));
    CHECK_FALSE(sessions.Valid(token, "role-a", kNow + 60));
    CHECK_FALSE(sessions.Valid(token, "role-b", kNow));
    CHECK_FALSE(ImdsSessions("key-two").Valid(token, "role-a", kNow));
    // A forged expiry breaks the MAC.
    const std::string later = std::to_string(int64_t(kNow) + 9999) + token.substr(token.find('.'));
    CHECK_FALSE(sessions.Valid(later, "role-a", kNow));
    for (const char* bad : {"", ".", "abc", "1.2", "-1.00"}) {
      CAPTURE(bad);
      CHECK_FALSE(sessions.Valid(bad, "role-a", kNow));
    }
  }

  TEST_CASE("IMDS flow: PUT token, then GETs with it; without it 401") {
    const ImdsSessions sessions("k");
    const CredentialsAccess access{kToken, &sessions, kNow};
    const std::string base = "/imds/role-a/latest/";
    CHECK(StatusOf(RouteCredentialsRequest(Req("PUT", base + "api/token"), access)) == 400);
    CHECK(StatusOf(RouteCredentialsRequest(
              Req("PUT", base + "api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "0"}}),
              access)) == 400);
    CHECK(StatusOf(RouteCredentialsRequest(
              Req("GET", base + "api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "60"}}),
              access)) == 405);
    const CredentialsRoute put = RouteCredentialsRequest(
        Req("PUT", base + "api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "21600"}}),
        access);
    REQUIRE(StatusOf(put) == 200);
    CHECK(put.answer->content_type == "text/plain");
    const std::string session = put.answer->body;
    CHECK(sessions.Valid(session, "role-a", kNow + 21599));

    const std::string list = base + "meta-data/iam/security-credentials/";
    CHECK(StatusOf(RouteCredentialsRequest(Req("GET", list), access)) == 401);
    CHECK(StatusOf(RouteCredentialsRequest(
              Req("GET", list, {{"x-aws-ec2-metadata-token", "1.bad"}}), access)) == 401);
    const CredentialsRoute listed =
        RouteCredentialsRequest(Req("GET", list, {{"x-aws-ec2-metadata-token", session}}), access);
    CHECK_FALSE(listed.answer.has_value());
    CHECK(listed.profile == "role-a");
    CHECK(listed.format == CredentialFormat::kImdsName);
    const CredentialsRoute creds = RouteCredentialsRequest(
        Req("GET", list + "role-a", {{"x-aws-ec2-metadata-token", session}}), access);
    CHECK_FALSE(creds.answer.has_value());
    CHECK(creds.format == CredentialFormat::kImds);
    CHECK(StatusOf(RouteCredentialsRequest(
              Req("GET", list + "role-b", {{"x-aws-ec2-metadata-token", session}}), access)) ==
          404);
    // A session token of another prefix is no session here.
    const std::string other = sessions.Issue("role-b", 60, kNow);
    CHECK(StatusOf(RouteCredentialsRequest(Req("GET", list, {{"x-aws-ec2-metadata-token", other}}),
                                           access)) == 401);
  }

  TEST_CASE("wire shapes of a cached credential") {
    TemporaryCredentials c;
    c.access_key_id = "ASIAEXAMPLE";
    c.secret_access_key = "se\"cret";
    c.session_token = "tok";
    const CredentialView view{c, 1'800'000'900, 1'800'000'000, "arn:aws:iam::1:role/a", "a"};
    const auto container =
        nlohmann::json::parse(FormatCredentials(CredentialFormat::kContainer, view));
    CHECK(container.size() == 5);
    CHECK(container["AccessKeyId"] == "ASIAEXAMPLE");
    CHECK(container["SecretAccessKey"] == "se\"cret");
    CHECK(container["Token"] == "tok");
    CHECK(container["Expiration"] == "2027-01-15T08:15:00Z");
    CHECK(container["RoleArn"] == "arn:aws:iam::1:role/a");
    const auto imds = nlohmann::json::parse(FormatCredentials(CredentialFormat::kImds, view));
    CHECK(imds.size() == 7);
    CHECK(imds["Code"] == "Success");
    CHECK(imds["Type"] == "AWS-HMAC");
    CHECK(imds["LastUpdated"] == "2027-01-15T08:00:00Z");
    CHECK(imds["Expiration"] == "2027-01-15T08:15:00Z");
    CHECK(imds["Token"] == "tok");
    const auto process = nlohmann::json::parse(FormatCredentials(CredentialFormat::kProcess, view));
    CHECK(process["Version"] == 1);
    CHECK(process["SessionToken"] == "tok");
    CHECK(FormatCredentials(CredentialFormat::kImdsName, view) == "a");
    CHECK(CredentialContentType(CredentialFormat::kImdsName) == "text/plain");
    CHECK(CredentialContentType(CredentialFormat::kContainer) == "application/json");
  }

  TEST_CASE("token file: read when present, created 0640 with 32 random bytes when missing") {
    FakeFiles files;
    std::string token, err;
    int draws = 0;
    const RandomBytesFn random = [&draws](size_t n, std::string* out, std::string*) {
      ++draws;
      *out = std::string(n, '\xab');
      return true;
    };
    REQUIRE(LoadCredentialsToken(files, "/c/credentials-token", random, &token, &err));
    CHECK(draws == 1);
    std::string expected;
    for (int i = 0; i < 32; ++i) expected += "ab";
    CHECK(token == expected);
    CHECK(files.content["/c/credentials-token"] == token);
    CHECK(files.modes["/c/credentials-token"] == 0640);

    files.content["/d/t"] = "  existing-token\n";
    REQUIRE(LoadCredentialsToken(files, "/d/t", random, &token, &err));
    CHECK(token == "existing-token");
    CHECK(draws == 1);

    files.content["/e/t"] = " \n";
    CHECK_FALSE(LoadCredentialsToken(files, "/e/t", random, &token, &err));
    CHECK(err.find("/e/t") != std::string::npos);
    files.read_errors["/f/t"] = "/f/t: Permission denied";
    CHECK_FALSE(LoadCredentialsToken(files, "/f/t", random, &token, &err));
    CHECK(err.find("Permission denied") != std::string::npos);
    const RandomBytesFn broken = [](size_t, std::string*, std::string* e) {
      *e = "no entropy";
      return false;
    };
    CHECK_FALSE(LoadCredentialsToken(files, "/g/t", broken, &token, &err));
    CHECK(files.content.count("/g/t") == 0);
  }

  TEST_CASE("the token's default path is beside the config") {
    CHECK(CredentialsTokenPath("", "/var/run/.aws/config") == "/var/run/.aws/credentials-token");
    CHECK(CredentialsTokenPath("/t/x", "/var/run/.aws/config") == "/t/x");
    CHECK(CredentialsTokenPath("", "config") == "./credentials-token");
  }

  TEST_CASE("SecureRandomBytes gives n bytes, different each time") {
    std::string a, b, err;
    REQUIRE(SecureRandomBytes(32, &a, &err));
    REQUIRE(SecureRandomBytes(32, &b, &err));
    CHECK(a.size() == 32);
    CHECK(a != b);
  }
}

}  // namespace
}  // namespace irsa

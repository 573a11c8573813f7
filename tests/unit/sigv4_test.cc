// Tests for sigv4.h against AWS's published signatures and against botocore.
#include "aws/sigv4.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irsa {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kSuiteKey = "AKIDEXAMPLE";
constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSuiteDate = "20150830T123600Z";

struct Case {
  std::string_view name;
  SigV4Request request;
  std::string_view key, secret, session_token;
  SigV4Scope scope;
  std::string_view signed_headers;
  std::string_view signature;
};

// The Authorization header for `c`, or "" (with a failed CHECK) when SignV4 refuses it.
std::string Authorization(const Case& c, Headers* out) {
  std::string err;
  const bool ok = SignV4(c.request, {c.key, c.secret, c.session_token}, c.scope, out, &err);
  CHECK_MESSAGE(ok, err);
  for (const auto& [name, value] : *out) {
    if (name == "Authorization") return value;
  }
  return "";
}

void CheckCase(const Case& c) {
  CAPTURE(c.name);
  Headers headers;
  const std::string expected = "AWS4-HMAC-SHA256 Credential=" + std::string(c.key) + "/" +
                               CredentialScope(c.scope) +
                               ", SignedHeaders=" + std::string(c.signed_headers) +
                               ", Signature=" + std::string(c.signature);
  CHECK(Authorization(c, &headers) == expected);
  REQUIRE(!headers.empty());
  CHECK(headers.front() == std::pair<std::string, std::string>("X-Amz-Date", c.scope.amz_date));
  const bool has_token = headers.size() == 3 && headers[1].first == "X-Amz-Security-Token" &&
                         headers[1].second == c.session_token;
  CHECK(has_token == !c.session_token.empty());
}

SigV4Scope Suite(std::string service = "service") {
  return {"us-east-1", std::move(service), std::string(kSuiteDate)};
}

TEST_SUITE("sigv4") {
  // aws-sig-v4-test-suite (credentials AKIDEXAMPLE, us-east-1, service
  // "service", 20150830T123600Z) and the IAM ListUsers example of the SigV4
  // documentation. Each expected value was also reproduced with botocore's
  // SigV4Auth before being written here.
  TEST_CASE("AWS's published signatures") {
    const Headers form = {{"Content-Type", "application/x-www-form-urlencoded"}};
    const Case cases[] = {
        {"get-vanilla",
         {"GET", "example.amazonaws.com", "/", "", {}, ""},
         kSuiteKey,
         kSuiteSecret,
         "",
         Suite(),
         "host;x-amz-date",
         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        {"post-vanilla",
         {"POST", "example.amazonaws.com", "/", "", {}, ""},
         kSuiteKey,
         kSuiteSecret,
         "",
         Suite(),
         "host;x-amz-date",
         "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
        {"get-vanilla-query-order-key-case",
         {"GET", "example.amazonaws.com", "/", "Param2=value2&Param1=value1", {}, ""},
         kSuiteKey,
         kSuiteSecret,
         "",
         Suite(),
         "host;x-amz-date",
         "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        {"post-x-www-form-urlencoded",
         {"POST", "example.amazonaws.com", "/", "", form, "Param1=value1"},
         kSuiteKey,
         kSuiteSecret,
         "",
         Suite(),
         "content-type;host;x-amz-date",
         "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
        {"iam-list-users (SigV4 documentation)",
         {"GET",
          "iam.amazonaws.com",
          "/",
          "Action=ListUsers&Version=2010-05-08",
          {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
          ""},
         kSuiteKey,
         kSuiteSecret,
         "",
         Suite("iam"),
         "content-type;host;x-amz-date",
         "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"},
    };
    for (const Case& c : cases) CheckCase(c);
  }

  // Own cases. Expected signatures generated with botocore 1.43.11:
  //   auth = botocore.auth.SigV4Auth(Credentials(key, secret, token), service, region)
  //   with mock.patch("botocore.auth.get_current_datetime", return_value=<amz date>):
  //       auth.add_auth(AWSRequest(method, url, data=payload, headers=headers))
  // where url = scheme://host/path?query as in each case.
  TEST_CASE("signatures computed with botocore") {
    constexpr std::string_view kKey = "ASIAEXAMPLEKEYID0001";
    constexpr std::string_view kSecret = "secretEXAMPLE/with+slash=0123456789abcdef";
    constexpr std::string_view kToken =
        "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQDEXAMPLE+token/with=chars";
    const std::string body =
        "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A524112250363%3Arole%2Facme-list-bucket-"
        "role&RoleSessionName=irsa-agent-doctor-6527182438a6346046006654&Version=2011-06-15";
    const Headers form = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    const SigV4Scope sts = {"us-east-1", "sts", "20261123T170000Z"};
    const Case cases[] = {
        {"sts AssumeRole with a session token",
         {"POST", "sts.us-east-1.amazonaws.com", "/", "", form, body},
         kKey,
         kSecret,
         kToken,
         sts,
         "content-type;host;x-amz-date;x-amz-security-token",
         "c2aead61e7a337e723a38478bd71a627ce56d3828c10382d225510fa5916da56"},
        {"loopback host with a port",
         {"POST", "127.0.0.1:5000", "/", "", form, body},
         kKey,
         kSecret,
         kToken,
         {"eu-west-1", "sts", "20261123T170000Z"},
         "content-type;host;x-amz-date;x-amz-security-token",
         "ff5166531efbba75ea289c4e048b7a1f1db81baa1408b4f19b4bb7f4337a318a"},
        {"China partition endpoint",
         {"POST", "sts.cn-north-1.amazonaws.com.cn", "/", "", form, body},
         kKey,
         kSecret,
         kToken,
         {"cn-north-1", "sts", "20261123T170000Z"},
         "content-type;host;x-amz-date;x-amz-security-token",
         "f6e43b29c8d92e7374f4db3b81596f489e09035a027c69c1b8b22fdf95110984"},
        {"query sorted by byte and re-encoded",
         {"GET", "example.amazonaws.com", "/", "Zeta=1&alpha=2&Alpha=3&b=%2F%3A&c=~", {}, ""},
         kSuiteKey,
         kSuiteSecret,
         "",
         Suite(),
         "host;x-amz-date",
         "57cd50751e3d56bca9332b078f7d64e9c0b220455d6da23b41c2659297fb1a05"},
        {"header value spaces collapsed, path with segments",
         {"GET",
          "example.amazonaws.com",
          "/path/to/resource",
          "",
          {{"X-Custom", "   a   b  c  "}},
          ""},
         kSuiteKey,
         kSuiteSecret,
         "",
         Suite(),
         "host;x-amz-date;x-custom",
         "3dc312cd55954fbdcef235964e456cd4ba804a0bf226e3b2d0c7f62f198913a7"},
        {"GET with a session token",
         {"GET", "example.amazonaws.com", "/", "", {}, ""},
         kSuiteKey,
         kSuiteSecret,
         kToken,
         {"us-west-2", "service", std::string(kSuiteDate)},
         "host;x-amz-date;x-amz-security-token",
         "8fddbbce2255b86ad145ade5d8f20781186fc1e925b895a98dd0ee3d55e02e40"},
    };
    for (const Case& c : cases) CheckCase(c);
  }

  TEST_CASE("the intermediate steps of get-vanilla-query-order-key-case") {
    const SigV4Request request{
        "GET", "example.amazonaws.com", "/", "Param2=value2&Param1=value1", {}, ""};
    std::string signed_headers;
    std::string canonical;
    REQUIRE(CanonicalRequest(request, Suite(), "", &signed_headers, &canonical));
    CHECK(signed_headers == "host;x-amz-date");
    CHECK(canonical ==
          "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
          "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(CredentialScope(Suite()) == "20150830/us-east-1/service/aws4_request");
    std::string to_sign;
    REQUIRE(StringToSign(Suite(), canonical, &to_sign));
    CHECK(to_sign.starts_with(
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"));
    std::string signature;
    REQUIRE(SigV4Signature(kSuiteSecret, Suite(), to_sign, &signature));
    CHECK(signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  }

  TEST_CASE("rejected requests, with their exact messages") {
    struct Bad {
      SigV4Request request;
      SigV4Scope scope;
      std::string_view key, secret, token;
      std::string_view error;
    };
    const SigV4Request ok{"GET", "example.amazonaws.com", "/", "", {}, ""};
    const auto with = [&ok](auto change) {
      SigV4Request r = ok;
      change(&r);
      return r;
    };
    const Bad cases[] = {
        {with([](SigV4Request* r) { r->method = "get"; }), Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: method must be upper-case letters"},
        {with([](SigV4Request* r) { r->host = ""; }), Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: host must be non-empty, without spaces or control characters"},
        {with([](SigV4Request* r) { r->host = "a b"; }), Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: host must be non-empty, without spaces or control characters"},
        {with([](SigV4Request* r) { r->path = "x"; }), Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: path must be / followed by segments of A-Z a-z 0-9 - _ . ~"},
        {with([](SigV4Request* r) { r->path = "/a/../b"; }), Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: path must be / followed by segments of A-Z a-z 0-9 - _ . ~"},
        {with([](SigV4Request* r) { r->path = "//"; }), Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: path must be / followed by segments of A-Z a-z 0-9 - _ . ~"},
        {with([](SigV4Request* r) { r->path = "/a b"; }), Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: path must be / followed by segments of A-Z a-z 0-9 - _ . ~"},
        {with([](SigV4Request* r) { r->query = "a=%2"; }), Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: query has a bad %-escape"},
        {with([](SigV4Request* r) { r->query = "a=%zz"; }), Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: query has a bad %-escape"},
        {with([](SigV4Request* r) {
           r->headers = {{"Bad Name", "v"}};
         }),
         Suite(), kSuiteKey, kSuiteSecret, "",
         "sigv4: header name 'Bad Name' is not an HTTP token"},
        {with([](SigV4Request* r) {
           r->headers = {{"X-A", "v\r\nX-B: w"}};
         }),
         Suite(), kSuiteKey, kSuiteSecret, "", "sigv4: header X-A has a control character"},
        {with([](SigV4Request* r) {
           r->headers = {{"HOST", "evil"}};
         }),
         Suite(), kSuiteKey, kSuiteSecret, "", "sigv4: header HOST is set by the signer"},
        {with([](SigV4Request* r) {
           r->headers = {{"Authorization", "x"}};
         }),
         Suite(), kSuiteKey, kSuiteSecret, "", "sigv4: header Authorization is set by the signer"},
        {ok,
         {"US-EAST-1", "service", std::string(kSuiteDate)},
         kSuiteKey,
         kSuiteSecret,
         "",
         "sigv4: region must be 1 to 64 of a-z 0-9 -"},
        {ok,
         {"us-east-1", "", std::string(kSuiteDate)},
         kSuiteKey,
         kSuiteSecret,
         "",
         "sigv4: service must be 1 to 64 of a-z 0-9 -"},
        {ok,
         {"us-east-1", "sts", "2015-08-30T12:36:00Z"},
         kSuiteKey,
         kSuiteSecret,
         "",
         "sigv4: amz_date must look like 20150830T123600Z"},
        {ok,
         {"us-east-1", "sts", "20150830T1236000"},
         kSuiteKey,
         kSuiteSecret,
         "",
         "sigv4: amz_date must look like 20150830T123600Z"},
        {ok, Suite(), "", kSuiteSecret, "",
         "sigv4: access key id is empty or has a control character"},
        {ok, Suite(), kSuiteKey, "", "", "sigv4: secret access key is empty"},
        {ok, Suite(), kSuiteKey, kSuiteSecret, "tok\nen",
         "sigv4: session token has a control character"},
    };
    for (const Bad& c : cases) {
      CAPTURE(c.error);
      Headers headers = {{"left", "over"}};
      std::string err;
      CHECK_FALSE(SignV4(c.request, {c.key, c.secret, c.token}, c.scope, &headers, &err));
      CHECK(err == c.error);
      CHECK(err.find(kSuiteSecret) == std::string::npos);
    }
  }

  TEST_CASE("the signature depends on every signed input") {
    const Case base{
        "base",    {"POST", "sts.amazonaws.com", "/", "", {}, "Action=GetCallerIdentity"},
        kSuiteKey, kSuiteSecret,
        "",        {"us-east-1", "sts", "20261123T170000Z"},
        "",        ""};
    Headers headers;
    const std::string reference = Authorization(base, &headers);
    Case changed = base;
    changed.request.payload = "Action=GetCallerIdentityX";
    CHECK(Authorization(changed, &headers) != reference);
    changed = base;
    changed.secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ";
    CHECK(Authorization(changed, &headers) != reference);
    changed = base;
    changed.scope.amz_date = "20261123T170001Z";
    CHECK(Authorization(changed, &headers) != reference);
    changed = base;
    changed.request.host = "sts.us-east-1.amazonaws.com";
    CHECK(Authorization(changed, &headers) != reference);
  }
}

}  // namespace
}  // namespace irsa

// Tests for sts.h: answer parsing, endpoints, form bodies, trust policy
// advice, and the two calls over a scripted HttpClient.
#include "aws/sts.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "fakes/fake_http.h"

namespace irsa {
namespace {

// What AWS (and moto) send, with made-up credentials.
constexpr std::string_view kWebIdentitySuccess =
    R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:domino-compute:run-sa</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::946429944765:assumed-role/acme-list-bucket-role/irsa-agent-doctor-1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:irsa-agent-doctor-1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>FwoGZXIvYXdzEXAMPLE+session/token=</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</SecretAccessKey>
      <Expiration>2026-11-23T18:00:00Z</Expiration>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::946429944765:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
)";

constexpr std::string_view kAccessDenied =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>
  </Error>
  <RequestId>5f5d3fd4-0000-4000-8000-EXAMPLE</RequestId>
</ErrorResponse>)";

TEST_SUITE("sts") {
  TEST_CASE("ParseStsAnswer: success") {
    StsAnswer answer;
    std::string err;
    REQUIRE(ParseStsAnswer("AssumeRoleWithWebIdentity", kWebIdentitySuccess, &answer, &err));
    CHECK(answer.ok);
    CHECK(answer.assumed_role_arn ==
          "arn:aws:sts::946429944765:assumed-role/acme-list-bucket-role/irsa-agent-doctor-1");
    CHECK(answer.credentials.access_key_id == "ASIAIOSFODNN7EXAMPLE");
    CHECK(answer.credentials.secret_access_key == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    CHECK(answer.credentials.session_token == "FwoGZXIvYXdzEXAMPLE+session/token=");
    CHECK(answer.credentials.expiration == "2026-11-23T18:00:00Z");
    CHECK(answer.error_code.empty());
    answer.credentials.Clear();
    CHECK(answer.credentials.access_key_id.empty());
    CHECK(answer.credentials.secret_access_key.empty());
    CHECK(answer.credentials.session_token.empty());
  }

  TEST_CASE("ParseStsAnswer: AssumeRole answer, entities and comments") {
    const std::string body =
        "<?xml version='1.0'?><!-- c --><AssumeRoleResponse><AssumeRoleResult>"
        "<Credentials><AccessKeyId>ASIA&#65;&#x42;</AccessKeyId>"
        "<SecretAccessKey>s&amp;&lt;&gt;&quot;&apos;</SecretAccessKey>"
        "<SessionToken>t</SessionToken><Expiration>e</Expiration></Credentials>"
        "<AssumedRoleUser><Arn>arn:aws:sts::524112250363:assumed-role/r/s</Arn>"
        "</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>\n<!-- after -->\n";
    StsAnswer answer;
    std::string err;
    REQUIRE(ParseStsAnswer("AssumeRole", body, &answer, &err));
    CHECK(answer.ok);
    CHECK(answer.credentials.access_key_id == "ASIAAB");
    CHECK(answer.credentials.secret_access_key == "s&<>\"'");
    CHECK(answer.assumed_role_arn == "arn:aws:sts::524112250363:assumed-role/r/s");
  }

  TEST_CASE("ParseStsAnswer: STS errors") {
    struct Case {
      std::string body;
      std::string code, message;
    };
    const Case cases[] = {
        {std::string(kAccessDenied), "AccessDenied",
         "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
        {"<ErrorResponse><Error><Code>ExpiredTokenException</Code></Error></ErrorResponse>",
         "ExpiredTokenException", ""},
        {"<ErrorResponse><Error><Code> InvalidIdentityToken </Code><Message>Incorrect\ntoken "
         "audience</Message></Error></ErrorResponse>",
         "InvalidIdentityToken", "Incorrect token audience"},
        {"<ErrorResponse><Error><Code>X</Code><Message>" + std::string(600, 'm') +
             "</Message></Error></ErrorResponse>",
         "X", std::string(512, 'm')},
    };
    for (const Case& c : cases) {
      CAPTURE(c.code);
      StsAnswer answer;
      std::string err;
      REQUIRE(ParseStsAnswer("AssumeRoleWithWebIdentity", c.body, &answer, &err));
      CHECK_FALSE(answer.ok);
      CHECK(answer.error_code == c.code);
      CHECK(answer.error_message.size() == c.message.size());
      CHECK(answer.error_message.substr(0, 40) == c.message.substr(0, 40));
      CHECK(answer.credentials.access_key_id.empty());
    }
  }

  TEST_CASE("ParseStsAnswer: rejected, with their exact messages") {
    const std::string creds =
        "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
        "<SessionToken>T</SessionToken><Expiration>E</Expiration></Credentials>";
    const std::string user = "<AssumedRoleUser><Arn>arn</Arn></AssumedRoleUser>";
    const auto wrap = [](const std::string& inner) {
      return "<AssumeRoleResponse><AssumeRoleResult>" + inner +
             "</AssumeRoleResult></AssumeRoleResponse>";
    };
    const struct {
      std::string body;
      std::string_view error;
    } cases[] = {
        {"", "STS answer: xml: byte 0: expected an element"},
        {"<!doctype html><html></html>",
         "STS answer: xml: byte 0: DOCTYPE, CDATA and processing instructions are not supported"},
        {"<?php ?><a/>",
         "STS answer: xml: byte 0: DOCTYPE, CDATA and processing instructions are not supported"},
        {"<a>", "STS answer: xml: byte 3: unterminated element"},
        {"<a></b>", "STS answer: xml: byte 3: mismatched end tag"},
        {"<a></a><b/>", "STS answer: xml: byte 7: content after the root element"},
        {"<a>&nbsp;</a>", "STS answer: xml: byte 3: unknown entity"},
        {"<a>&#0;</a>", "STS answer: xml: byte 3: bad character reference"},
        {"<a>&#xD800;</a>", "STS answer: xml: byte 3: bad character reference"},
        {"<a>&amp</a>", "STS answer: xml: byte 3: unterminated reference"},
        {"<a><![CDATA[x]]></a>",
         "STS answer: xml: byte 3: DOCTYPE, CDATA and processing instructions are not supported"},
        {"<a x=1/>", "STS answer: xml: byte 5: expected a quoted attribute value"},
        {"<a x='1'y='2'/>", "STS answer: xml: byte 8: expected whitespace, > or />"},
        {"<a>]]></a>", "STS answer: xml: byte 5: ]]> in character data"},
        {"<!-- x", "STS answer: xml: byte 0: unterminated declaration or comment"},
        {[] {
           std::string deep;
           for (int i = 0; i < 17; ++i) deep += "<a>";
           return deep;
         }(),
         "STS answer: xml: byte 48: nested too deeply"},
        {"<Other/>", "STS answer: unexpected root element <Other>"},
        {"<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>",
         "STS answer: missing ErrorResponse/Error/Code"},
        {"<AssumeRoleResponse/>", "STS answer: missing AssumeRoleResult"},
        {wrap(user), "STS answer: missing Credentials/AccessKeyId"},
        {wrap(creds), "STS answer: missing AssumedRoleUser/Arn"},
        {wrap(user + "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey> </SecretAccessKey>"
                     "</Credentials>"),
         "STS answer: missing Credentials/SecretAccessKey"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.error);
      StsAnswer answer;
      std::string err;
      CHECK_FALSE(ParseStsAnswer("AssumeRole", c.body, &answer, &err));
      CHECK(err == c.error);
      CHECK_FALSE(answer.ok);
    }
    StsAnswer answer;
    std::string err;
    CHECK_FALSE(ParseStsAnswer("AssumeRole", std::string(300 * 1024, ' '), &answer, &err));
    CHECK(err == "STS answer: xml: byte 0: larger than 256 KiB");
  }

  TEST_CASE("ResolveStsEndpoint") {
    const struct {
      std::string_view setting, region, partition;
      std::string_view url, host, path, signing_region;
    } cases[] = {
        {"", "us-east-1", "aws", "https://sts.us-east-1.amazonaws.com/",
         "sts.us-east-1.amazonaws.com", "/", "us-east-1"},
        {"", "eu-central-1", "aws", "https://sts.eu-central-1.amazonaws.com/",
         "sts.eu-central-1.amazonaws.com", "/", "eu-central-1"},
        {"", "cn-north-1", "aws-cn", "https://sts.cn-north-1.amazonaws.com.cn/",
         "sts.cn-north-1.amazonaws.com.cn", "/", "cn-north-1"},
        {"", "us-gov-west-1", "aws-us-gov", "https://sts.us-gov-west-1.amazonaws.com/",
         "sts.us-gov-west-1.amazonaws.com", "/", "us-gov-west-1"},
        {"", "", "aws", "https://sts.amazonaws.com/", "sts.amazonaws.com", "/", "us-east-1"},
        {"http://127.0.0.1:5000", "", "aws", "http://127.0.0.1:5000", "127.0.0.1:5000", "/",
         "us-east-1"},
        {"https://sts.example.internal/proxy/sts", "eu-west-1", "aws",
         "https://sts.example.internal/proxy/sts", "sts.example.internal", "/proxy/sts",
         "eu-west-1"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.url);
      StsEndpoint endpoint;
      std::string err;
      REQUIRE(ResolveStsEndpoint(c.setting, c.region, c.partition, &endpoint, &err));
      CHECK(endpoint.url == c.url);
      CHECK(endpoint.host == c.host);
      CHECK(endpoint.path == c.path);
      CHECK(endpoint.region == c.signing_region);
    }
    const struct {
      std::string_view setting, region, partition, error;
    } bad[] = {
        {"", "us-iso-east-1", "aws-iso",
         "region us-iso-east-1 is in an isolated partition: "
         "set sts-endpoint"},
        {"", "", "aws-cn",
         "the aws-cn partition has no global STS endpoint: set region (or "
         "sts-endpoint)"},
        {"http://u:p@127.0.0.1/", "", "aws", "sts-endpoint: needs a host and no user info"},
        {"http://127.0.0.1/?a=b", "", "aws", "sts-endpoint: a query or fragment is not supported"},
        {"http://127.0.0.1/a%20b", "", "aws",
         "sts-endpoint: the path must be / or plain segments of A-Z a-z 0-9 - _ . ~"},
    };
    for (const auto& c : bad) {
      CAPTURE(c.error);
      StsEndpoint endpoint;
      std::string err;
      CHECK_FALSE(ResolveStsEndpoint(c.setting, c.region, c.partition, &endpoint, &err));
      CHECK(err == c.error);
    }
  }

  TEST_CASE("AnswerExcerpt: what a message may quote of an answer that is not STS XML") {
    struct Case {
      std::string body;
      std::string want;
    };
    const Case cases[] = {
        {"<html><head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>",
         "502 Bad Gateway nginx"},
        {"{\"message\": \"Forbidden\"}", "{\"message\": \"Forbidden\"}"},
        // A proxy echoing the request: the token and key-like runs never appear.
        {"echo: WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl&x=1",
         "echo: [...]&x=1"},
        {"key ASIAEXAMPLEEXAMPLE1234 secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
         "key ASIAEXAMPLEEXAMPLE1234 secret [...]"},
        {std::string("tab\there\x01\x7f and \xc3\xa9t\xc3\xa9"), "tab here and t"},
        {"", ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body);
      CHECK(AnswerExcerpt(c.body) == c.want);
    }
    CHECK(AnswerExcerpt(std::string(300, 'a') + " tail") == "[...] tail");
    CHECK(AnswerExcerpt(std::string(200, ' ') + "word " + std::string(60, 'b')) == "word [...]");
    const std::string words = [] {
      std::string s;
      for (int i = 0; i < 100; ++i) s += "word ";
      return s;
    }();
    const std::string cut = AnswerExcerpt(words, 20);
    CHECK(cut == "word word word word ...");
  }

  TEST_CASE("FormEncode, AmzDate") {
    CHECK(FormEncode({{"Action", "AssumeRole"}, {"RoleArn", "arn:aws:iam::1:role/a+b"}}) ==
          "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%2Bb");
    CHECK(FormEncode({{"T", "a.b-c_d~e f"}}) == "T=a.b-c_d~e%20f");
    CHECK(FormEncode({}) == "");
    CHECK(AmzDate(1440938160) == "20150830T123600Z");
    CHECK(AmzDate(0) == "19700101T000000Z");
  }

  TEST_CASE("TrustPolicyStatement") {
    JwtClaims claims;
    claims.iss = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B7";
    claims.sub = "system:serviceaccount:domino-compute:run-sa";
    claims.aud = {"other", "sts.amazonaws.com"};
    RoleArn proxy{"aws", "946429944765", "/", "acme-list-bucket-role"};
    std::string text;
    std::string err;
    REQUIRE(TrustPolicyStatement(claims, proxy, &text, &err));
    const std::string issuer = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B7";
    const nlohmann::json expected = {
        {"Effect", "Allow"},
        {"Principal", {{"Federated", "arn:aws:iam::946429944765:oidc-provider/" + issuer}}},
        {"Action", "sts:AssumeRoleWithWebIdentity"},
        {"Condition",
         {{"StringEquals",
           {{issuer + ":sub", "system:serviceaccount:domino-compute:run-sa"},
            {issuer + ":aud", "sts.amazonaws.com"}}}}}};
    CHECK(nlohmann::json::parse(text, nullptr, false) == expected);
    CHECK(text.starts_with("{\n  \"Effect\": \"Allow\",\n  \"Principal\""));

    claims.iss = "https://issuer.example/";
    claims.aud = {"only-this"};
    proxy.partition = "aws-cn";
    REQUIRE(TrustPolicyStatement(claims, proxy, &text, &err));
    const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    CHECK(parsed["Principal"]["Federated"] ==
          "arn:aws-cn:iam::946429944765:oidc-provider/issuer.example");
    CHECK(parsed["Condition"]["StringEquals"]["issuer.example:aud"] == "only-this");

    claims.iss = "http://issuer.example";
    CHECK_FALSE(TrustPolicyStatement(claims, proxy, &text, &err));
    CHECK(err == "the token's iss is not an https URL, which IAM OIDC providers require");
    claims.iss = "https://issuer.example";
    claims.aud.clear();
    CHECK_FALSE(TrustPolicyStatement(claims, proxy, &text, &err));
    CHECK(err == "the token has no sub or aud claim to put in the conditions");
  }

  TEST_CASE("StsClient::AssumeRoleWithWebIdentity sends an unsigned form") {
    FakeHttp http;
    http.script = {FakeExchange::Status(200, std::string(kWebIdentitySuccess))};
    StsEndpoint endpoint;
    std::string err;
    REQUIRE(ResolveStsEndpoint("http://127.0.0.1:5000/", "eu-west-1", "aws", &endpoint, &err));
    StsClient client(http, endpoint, 7, "/ca.pem");
    StsAnswer answer;
    const RoleArn role{"aws", "946429944765", "/", "acme-list-bucket-role"};
    REQUIRE(client.AssumeRoleWithWebIdentity(role, "irsa-agent-doctor-1", "header.pay+load.sig",
                                             &answer, &err));
    CHECK(answer.ok);
    REQUIRE(http.requests.size() == 1);
    const HttpRequest& sent = http.requests[0];
    CHECK(sent.method == "POST");
    CHECK(sent.url == "http://127.0.0.1:5000/");
    CHECK(sent.total_timeout == 7);
    CHECK(sent.ca_file == "/ca.pem");
    CHECK(sent.body ==
          "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
          "946429944765%3Arole%2Facme-list-bucket-role&RoleSessionName=irsa-agent-doctor-1&"
          "DurationSeconds=900&WebIdentityToken=header.pay%2Bload.sig");
    CHECK(http.Header(0, "Content-Type") == "application/x-www-form-urlencoded; charset=utf-8");
    CHECK(http.Header(0, "Authorization").empty());
  }

  TEST_CASE("StsClient::AssumeRole signs with the temporary credentials") {
    FakeHttp http;
    http.script = {FakeExchange::Status(403, std::string(kAccessDenied))};
    StsEndpoint endpoint;
    std::string err;
    REQUIRE(ResolveStsEndpoint("", "us-east-1", "aws", &endpoint, &err));
    StsClient client(http, endpoint, 10, "");
    TemporaryCredentials credentials;
    credentials.access_key_id = "ASIAIOSFODNN7EXAMPLE";
    credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    credentials.session_token = "FwoGZXIvYXdzEXAMPLE+session/token=";
    StsAnswer answer;
    const RoleArn role{"aws", "524112250363", "/", "acme-list-bucket-role"};
    REQUIRE(client.AssumeRole(role, "irsa-agent-doctor-1", credentials, "20261123T170000Z", &answer,
                              &err));
    CHECK_FALSE(answer.ok);
    CHECK(answer.error_code == "AccessDenied");
    REQUIRE(http.requests.size() == 1);
    const HttpRequest& sent = http.requests[0];
    CHECK(sent.url == "https://sts.us-east-1.amazonaws.com/");
    CHECK(sent.body ==
          "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A524112250363%3Arole"
          "%2Facme-list-bucket-role&RoleSessionName=irsa-agent-doctor-1&DurationSeconds=900");
    CHECK(http.Header(0, "Host") == "sts.us-east-1.amazonaws.com");
    CHECK(http.Header(0, "X-Amz-Date") == "20261123T170000Z");
    CHECK(http.Header(0, "X-Amz-Security-Token") == credentials.session_token);
    // The same signature SignV4 gives for what was sent (SignV4 itself is
    // checked against AWS's and botocore's signatures in sigv4_test.cc).
    SigV4Request expected{"POST",
                          "sts.us-east-1.amazonaws.com",
                          "/",
                          "",
                          {{"Content-Type", http.Header(0, "Content-Type")}},
                          sent.body};
    std::vector<std::pair<std::string, std::string>> headers;
    REQUIRE(SignV4(
        expected,
        {credentials.access_key_id, credentials.secret_access_key, credentials.session_token},
        {"us-east-1", "sts", "20261123T170000Z"}, &headers, &err));
    CHECK(http.Header(0, "Authorization") == headers.back().second);
    CHECK(headers.back().second.starts_with(
        "AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20261123/us-east-1/sts/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="));
  }

  TEST_CASE("StsClient: transport failures and unreadable answers") {
    FakeHttp http;
    StsEndpoint endpoint;
    std::string err;
    REQUIRE(ResolveStsEndpoint("http://127.0.0.1:9/", "", "aws", &endpoint, &err));
    StsClient client(http, endpoint, 10, "");
    const RoleArn role{"aws", "946429944765", "/", "r"};
    StsAnswer answer;
    http.script = {FakeExchange::Fail(HttpFailure::kConnect, "127.0.0.1: connection refused")};
    CHECK_FALSE(client.AssumeRoleWithWebIdentity(role, "s1", "t.t.t", &answer, &err));
    CHECK(err == "STS 127.0.0.1:9: 127.0.0.1: connection refused");
    http.script = {FakeExchange::Status(502, "<html>bad gateway</html>")};
    CHECK_FALSE(client.AssumeRoleWithWebIdentity(role, "s1", "t.t.t", &answer, &err));
    CHECK(err == "STS 127.0.0.1:9 answered HTTP 502, not an STS answer: \"bad gateway\"");
    http.script = {FakeExchange::Status(500, std::string(kWebIdentitySuccess))};
    CHECK_FALSE(client.AssumeRoleWithWebIdentity(role, "s1", "t.t.t", &answer, &err));
    CHECK(err == "STS 127.0.0.1:9 answered HTTP 500 with credentials; ignored");
    CHECK(answer.credentials.secret_access_key.empty());
  }
}

}  // namespace
}  // namespace irsa

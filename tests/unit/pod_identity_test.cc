// Tests for aws/pod_identity.h: the URI policy, the answer parser and the
// fetch over a scripted HttpClient and in-memory files, one row per bad input.
#include "aws/pod_identity.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "fakes/fake_files.h"
#include "fakes/fake_http.h"

namespace irsa {
namespace {

constexpr std::string_view kUri = "http://169.254.170.23/v1/credentials";
constexpr std::string_view kTokenPath =
    "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token";
constexpr std::string_view kToken = "eyJhbGciOiJSUzI1NiJ9.pod-identity-SECRET-token.sig";
constexpr std::string_view kKeyId = "ASIAPODIDENTITYEXAMPLE";
constexpr std::string_view kSecret = "pod/identity/SECRET+access+key/EXAMPLE0000";
constexpr std::string_view kSession = "IQoJb3JpZ2luX2VjPODIDSESSIONSECRET==";

// What the EKS Pod Identity agent sends, with made-up credentials.
std::string Answer() {
  return std::string(R"({"AccessKeyId":")") + std::string(kKeyId) + R"(","SecretAccessKey":")" +
         std::string(kSecret) + R"(","Token":")" + std::string(kSession) +
         R"(","AccountId":"946429944765","Expiration":"2026-12-05T12:00:00Z"})";
}

// Asserts no secret byte appears in `text` (without printing the secrets).
void CheckNoSecret(const std::string& text) {
  for (std::string_view secret : {kToken, kSecret, kSession}) {
    CHECK_MESSAGE(text.find(secret) == std::string::npos, "a secret leaked into a message");
  }
}

struct Fixture {
  FakeHttp http;
  FakeFiles files;
  PodIdentityEndpoint endpoint;
  Fixture() {
    endpoint.uri = std::string(kUri);
    endpoint.token_file = std::string(kTokenPath);
    files.content[std::string(kTokenPath)] = std::string(kToken) + "\n";
  }
  CredentialFetch Fetch(std::string* account = nullptr) {
    return FetchPodIdentityCredentials(endpoint, files, http, account);
  }
};

TEST_SUITE("pod_identity") {
  TEST_CASE("CheckPodIdentityUri: http only to the allowed hosts, https anywhere") {
    struct Row {
      std::string_view uri;
      bool ok;
    };
    const Row rows[] = {
        {"http://169.254.170.23/v1/credentials", true},
        {"http://169.254.170.2/v2/credentials/abc", true},
        {"http://[fd00:ec2::23]/v1/credentials", true},
        {"http://[FD00:EC2::23]:80/v1/credentials", true},
        {"http://127.0.0.1:8080/v1/credentials", true},
        {"http://127.255.1.9/x", true},
        {"http://[::1]:9000/v1/credentials", true},
        {"https://creds.example.com/v1/credentials", true},
        {"https://10.0.0.5:8443/c", true},
        {"http://example.com/v1/credentials", false},
        {"http://169.254.169.254/latest", false},
        {"http://169.254.170.24/v1/credentials", false},
        {"http://10.0.0.5/v1/credentials", false},
        {"http://localhost/v1/credentials", false},
        {"http://127.1/v1/credentials", false},
        {"http://0127.0.0.1/x", false},
        {"http://127.0.0.1.example.com/x", false},
        {"http://[fd00:ec2::24]/x", false},
        {"http://user:pw@127.0.0.1/x", false},
        {"http://@127.0.0.1/x", false},
        {"https://creds.example.com/v1/a@b", true},
        {"ftp://127.0.0.1/x", false},
        {"127.0.0.1/v1/credentials", false},
        {"http://127.0.0.1:/x", false},
        {"http://127.0.0.1:80a/x", false},
        {"http:///x", false},
        {"", false},
        {"http://127.0.0.1/a b", false},
    };
    for (const Row& row : rows) {
      CAPTURE(row.uri);
      std::string err;
      CHECK(CheckPodIdentityUri(row.uri, kContainerUriEnv, &err) == row.ok);
      if (!row.ok) {
        CHECK(err.starts_with("AWS_CONTAINER_CREDENTIALS_FULL_URI: "));
        CHECK(err.find('\n') == std::string::npos);
        CHECK(err.find("pw") == std::string::npos);
      }
    }
    std::string err;
    CHECK_FALSE(CheckPodIdentityUri("http://example.com/c", kContainerUriEnv, &err));
    CHECK(err.find("plain http is allowed only to loopback") != std::string::npos);
    CHECK(err.find("'example.com'") != std::string::npos);
  }

  TEST_CASE("ParsePodIdentityAnswer: the agent's answer") {
    PodIdentityCredentials out;
    std::string err;
    REQUIRE(ParsePodIdentityAnswer(Answer(), &out, &err));
    CHECK(out.credentials.access_key_id == kKeyId);
    CHECK(out.credentials.secret_access_key == kSecret);
    CHECK(out.credentials.session_token == kSession);
    CHECK(out.account_id == "946429944765");
    CHECK(out.credentials.expiration == "2026-12-05T12:00:00Z");
    CHECK(out.expires_at == 1796472000);
  }

  TEST_CASE("ParsePodIdentityAnswer: times with fractions and offsets, no AccountId") {
    PodIdentityCredentials out;
    std::string err;
    REQUIRE(ParsePodIdentityAnswer(
        R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2026-12-05T13:00:00.5+01:00"})",
        &out, &err));
    CHECK(out.expires_at == 1796472000);
    CHECK(out.account_id.empty());
  }

  TEST_CASE("ParsePodIdentityAnswer: every bad answer is refused with one line") {
    struct Row {
      std::string body;
      std::string_view want;
    };
    const std::string good_tail = R"("Expiration":"2026-12-05T12:00:00Z"})";
    const std::vector<Row> rows = {
        {"", "malformed JSON"},
        {"{", "malformed JSON"},
        {"not json", "malformed JSON"},
        {R"(["AccessKeyId"])", "not a JSON object"},
        {R"("x")", "not a JSON object"},
        {R"({"SecretAccessKey":"S","Token":"T",)" + good_tail, "missing AccessKeyId"},
        {R"({"AccessKeyId":"A","Token":"T",)" + good_tail, "missing SecretAccessKey"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S",)" + good_tail, "missing Token"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T"})", "missing Expiration"},
        {R"({"AccessKeyId":7,"SecretAccessKey":"S","Token":"T",)" + good_tail,
         "AccessKeyId is not a string"},
        {R"({"AccessKeyId":"A","SecretAccessKey":null,"Token":"T",)" + good_tail,
         "SecretAccessKey is not a string"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":["T"],)" + good_tail,
         "Token is not a string"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":1796472000})",
         "Expiration is not a string"},
        {R"({"AccessKeyId":"","SecretAccessKey":"S","Token":"T",)" + good_tail,
         "AccessKeyId is empty"},
        {R"({"AccessKeyId":"A\nB","SecretAccessKey":"S","Token":"T",)" + good_tail,
         "AccessKeyId holds a control character"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"tomorrow"})",
         "Expiration is not an RFC 3339 time"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2026-13-05T12:00:00Z"})",
         "Expiration is not an RFC 3339 time"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2026-12-05T12:00:00"})",
         "Expiration is not an RFC 3339 time"},
        // Found by fuzz/pod_identity_fuzz.cc: this file's own copy of the parser took Feb 30.
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2026-02-30T12:00:00Z"})",
         "Expiration is not an RFC 3339 time"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","AccountId":946429944765,)" +
             good_tail,
         "AccountId is not a string of 12 digits"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","AccountId":"9464",)" + good_tail,
         "AccountId is not a string of 12 digits"},
    };
    for (const Row& row : rows) {
      CAPTURE(row.body);
      PodIdentityCredentials out;
      out.account_id = "stale";
      std::string err;
      CHECK_FALSE(ParsePodIdentityAnswer(row.body, &out, &err));
      CHECK(err == row.want);
      CHECK(out.credentials.access_key_id.empty());
      CHECK(out.credentials.secret_access_key.empty());
      CHECK(out.account_id.empty());
    }
  }

  TEST_CASE("PodIdentityErrorMessage: cleaned, bounded, never the token") {
    CHECK(PodIdentityErrorMessage(R"({"Message":"Service account token\ncannot be verified"})",
                                  kToken) == "Service account token cannot be verified");
    CHECK(PodIdentityErrorMessage("<html>oops</html>", kToken).empty());
    CHECK(PodIdentityErrorMessage("Service account token cannot be empty\n", kToken) ==
          "Service account token cannot be empty");
    CHECK(PodIdentityErrorMessage("Access Denied. " + std::string(kToken), kToken).empty());
    CHECK(PodIdentityErrorMessage(R"({"Message":42})", kToken).empty());
    CHECK(
        PodIdentityErrorMessage(R"({"Message":"bad token )" + std::string(kToken) + R"("})", kToken)
            .empty());
    const std::string long_message(5000, 'x');
    CHECK(PodIdentityErrorMessage(R"({"Message":")" + long_message + R"("})", kToken).size() ==
          256);
  }

  TEST_CASE("Fetch: success sends the token and returns the credentials") {
    Fixture f;
    f.http.script.push_back(FakeExchange::Status(200, Answer()));
    std::string account;
    const CredentialFetch got = f.Fetch(&account);
    REQUIRE(got.status.kind() == Failure::kNone);
    REQUIRE(got.credentials != nullptr);
    CHECK(got.credentials->access_key_id == kKeyId);
    CHECK(got.credentials->secret_access_key == kSecret);
    CHECK(got.credentials->session_token == kSession);
    CHECK(got.expires_at == 1796472000);
    CHECK(account == "946429944765");
    REQUIRE(f.http.requests.size() == 1);
    CHECK(f.http.requests[0].method == "GET");
    CHECK(f.http.requests[0].url == kUri);
    CHECK(f.http.requests[0].max_response_bytes == kMaxPodIdentityAnswerBytes);
    CHECK(f.http.requests[0].total_timeout == f.endpoint.timeout);
    // FakeHttp copied the request before the client wiped its own.
    CHECK(f.http.Header(0, "Authorization") == kToken);
  }

  TEST_CASE("PodIdentityEndpointFor: from settings, named by where they came from") {
    Settings settings;
    settings.pod_identity_uri = std::string(kUri);
    settings.pod_identity_token_file = "/t";
    settings.root_path = "/root";
    settings.request_timeout = 3;
    PodIdentityEndpoint e = PodIdentityEndpointFor(settings);
    CHECK(e.uri == kUri);
    CHECK(e.token_file == "/root/t");
    CHECK(e.uri_name == "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    CHECK(e.token_file_name == "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    CHECK(e.timeout == 3);
    settings.origin["pod-identity-uri"] = "flag --pod-identity-uri";
    settings.origin["pod-identity-token-file"] = "file /etc/a.ini:4";
    e = PodIdentityEndpointFor(settings);
    CHECK(e.uri_name == "--pod-identity-uri");
    CHECK(e.token_file_name == "pod-identity-token-file (file /etc/a.ini:4)");
    FakeFiles files;
    FakeHttp http;
    CHECK(FetchPodIdentityCredentials(e, files, http).status.message() ==
          "pod-identity-token-file (file /etc/a.ini:4): /root/t does not exist");
  }

  TEST_CASE("Fetch: the token file is read again on every fetch") {
    Fixture f;
    f.http.script.push_back(FakeExchange::Status(200, Answer()));
    CHECK(f.Fetch().status.kind() == Failure::kNone);
    f.files.content[std::string(kTokenPath)] = "rotated-token";
    CHECK(f.Fetch().status.kind() == Failure::kNone);
    REQUIRE(f.http.requests.size() == 2);
    CHECK(f.http.Header(0, "Authorization") == kToken);
    CHECK(f.http.Header(1, "Authorization") == "rotated-token");
  }

  TEST_CASE("Fetch: every bad input gives one line naming the variable") {
    struct Row {
      std::string_view name;
      std::string uri = std::string(kUri);
      std::string token = std::string(kToken);  // "<missing>": no file
      FakeExchange exchange;
      Failure failure;
      std::vector<std::string_view> says;
      bool sent = true;
    };
    const std::string var = "AWS_CONTAINER_CREDENTIALS_FULL_URI (" + std::string(kUri) + "): ";
    std::vector<Row> rows;
    rows.push_back({"unreachable",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Fail(HttpFailure::kConnect, "169.254.170.23: connection refused"),
                    Failure::kTransient,
                    {var, "connection refused"}});
    rows.push_back({"time-out",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Fail(HttpFailure::kTimeout, "169.254.170.23: timed out"),
                    Failure::kTransient,
                    {var, "timed out"}});
    rows.push_back({"oversized",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Fail(HttpFailure::kTooLarge, "too large"),
                    Failure::kTransient,
                    {var, "answer larger than 65536 bytes refused"}});
    rows.push_back(
        {"400 with message",
         std::string(kUri),
         std::string(kToken),
         FakeExchange::Status(400, R"({"Message":"Service account token cannot be empty"})"),
         Failure::kPermanent,
         {var, "HTTP 400: Service account token cannot be empty"}});
    rows.push_back(
        {"403 echoing the token",
         std::string(kUri),
         std::string(kToken),
         FakeExchange::Status(403, R"({"Message":"bad )" + std::string(kToken) + R"("})"),
         Failure::kPermanent,
         {var, "HTTP 403"}});
    rows.push_back({"404",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Status(404, ""),
                    Failure::kPermanent,
                    {var, "HTTP 404"}});
    rows.push_back({"429",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Status(429, R"({"Message":"Rate exceeded"})"),
                    Failure::kTransient,
                    {var, "HTTP 429: Rate exceeded"}});
    rows.push_back({"500",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Status(500, R"({"Message":"Internal error"})"),
                    Failure::kTransient,
                    {var, "HTTP 500: Internal error"}});
    rows.push_back({"redirect",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Status(302, ""),
                    Failure::kPermanent,
                    {var, "HTTP 302", "redirect not followed"}});
    rows.push_back({"malformed JSON",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Status(200, "{\"AccessKeyId\": "),
                    Failure::kTransient,
                    {var, "HTTP 200: answer malformed JSON"}});
    rows.push_back({"missing field",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Status(200, R"({"AccessKeyId":"A","SecretAccessKey":")" +
                                                  std::string(kSecret) + R"("})"),
                    Failure::kTransient,
                    {var, "HTTP 200: answer missing Token"}});
    rows.push_back({"wrong type",
                    std::string(kUri),
                    std::string(kToken),
                    FakeExchange::Status(200, R"({"AccessKeyId":1})"),
                    Failure::kTransient,
                    {var, "AccessKeyId is not a string"}});
    const std::string token(kToken);
    const std::string uri(kUri);
    rows.push_back({"http on a non-allowed host",
                    "http://example.com/v1/credentials",
                    token,
                    FakeExchange{},
                    Failure::kInput,
                    {"AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is allowed only"},
                    false});
    rows.push_back({"missing token file",
                    uri,
                    "<missing>",
                    FakeExchange{},
                    Failure::kInput,
                    {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: ", " does not exist"},
                    false});
    rows.push_back({"empty token file",
                    uri,
                    " \n",
                    FakeExchange{},
                    Failure::kInput,
                    {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: ", " is empty"},
                    false});
    rows.push_back({"token with a control character",
                    uri,
                    "abc\rdef",
                    FakeExchange{},
                    Failure::kInput,
                    {"holds a control character"},
                    false});
    rows.push_back({"token file too large",
                    uri,
                    std::string(kMaxPodIdentityTokenBytes + 1, 'a'),
                    FakeExchange{},
                    Failure::kInput,
                    {"is larger than 16384 bytes"},
                    false});

    for (const Row& row : rows) {
      CAPTURE(row.name);
      Fixture f;
      f.endpoint.uri = row.uri;
      if (row.token == "<missing>") {
        f.files.content.clear();
      } else {
        f.files.content[std::string(kTokenPath)] = row.token;
      }
      f.http.script.push_back(row.exchange);
      const CredentialFetch got = f.Fetch();
      CHECK(got.status.kind() == row.failure);
      CHECK(got.credentials == nullptr);
      for (std::string_view part : row.says) {
        CAPTURE(part);
        CHECK(got.status.message().find(part) != std::string::npos);
      }
      CHECK(got.status.message().find('\n') == std::string::npos);
      CheckNoSecret(got.status.message());
      CHECK(f.http.requests.size() == (row.sent ? 1u : 0u));
      CHECK(got.throttled == (row.name == "429"));
    }
  }
}

}  // namespace
}  // namespace irsa

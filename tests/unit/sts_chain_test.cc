// Tests for sts_chain.h: the two hops' exact requests over a scripted
// HttpClient, the answer's expiry, and how STS failures map to kinds.
#include "aws/sts_chain.h"

#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "domain/arn.h"
#include "fakes/fake_files.h"
#include "fakes/fake_http.h"
#include "fakes/loopback_server.h"
#include "fakes/test_pki.h"
#include "unit/test_util.h"

namespace irsa {
namespace {

constexpr char kTokenPath[] = "/sa/token";
constexpr char kToken[] = "eyJ.web-identity-token.sig";
constexpr char kProxy[] = "arn:aws:iam::111122223333:role/proxy-role";
constexpr char kTarget[] = "arn:aws:iam::444455556666:role/path/data-reader";
constexpr double kNow = 1796472000;  // 2026-12-05T12:00:00Z

std::string Success(std::string_view action, std::string_view key, std::string_view secret,
                    std::string_view token, std::string_view expiration) {
  const std::string a(action);
  return "<" + a + "Response><" + a + "Result><Credentials><AccessKeyId>" + std::string(key) +
         "</AccessKeyId><SecretAccessKey>" + std::string(secret) +
         "</SecretAccessKey><SessionToken>" + std::string(token) + "</SessionToken><Expiration>" +
         std::string(expiration) +
         "</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"
         "</AssumedRoleUser></" +
         a + "Result></" + a + "Response>";
}

std::string Error(std::string_view code, std::string_view message) {
  return "<ErrorResponse><Error><Type>Sender</Type><Code>" + std::string(code) +
         "</Code><Message>" + std::string(message) + "</Message></Error></ErrorResponse>";
}

const std::string kFirst =
    Success("AssumeRoleWithWebIdentity", "ASIAFIRSTHOP00000001", "first-secret-0123456789",
            "first-session-token-abc", "2026-12-05T13:00:00Z");
const std::string kSecond = Success("AssumeRole", "ASIASECONDHOP0000002", "second-secret-987654",
                                    "second-session-token-xyz", "2026-12-05T12:59:59.000Z");

StsChainOptions Options(std::string token_file, std::string region, std::string endpoint,
                        double timeout) {
  StsChainOptions options;
  options.web_identity_token_file = std::move(token_file);
  options.region = std::move(region);
  options.sts_endpoint = std::move(endpoint);
  options.timeout = timeout;
  return options;
}

struct Fixture {
  FakeHttp http;
  FakeFiles files;
  StsChainOptions options = Options(kTokenPath, "us-west-2", "", 7);

  Fixture() { files.content[kTokenPath] = std::string(kToken) + "\n"; }

  CredentialFetch Fetch(const CredentialRecipe& recipe) {
    StsChain chain(
        http, files, [] { return kNow; }, options);
    return chain.Fetch(recipe);
  }
};

CredentialRecipe Target() {
  CredentialRecipe r;
  r.profile = "data-reader";
  r.role_arn = kTarget;
  r.source_role_arn = kProxy;
  r.session_name = "alice@6527182438a6346046006654";
  return r;
}

void CheckNoSecret(const std::string& text) {
  for (const char* secret : {kToken, "first-secret-0123456789", "first-session-token-abc",
                             "second-secret-987654", "second-session-token-xyz"}) {
    CHECK(text.find(secret) == std::string::npos);
  }
}

TEST_SUITE("sts_chain") {
  TEST_CASE("a target profile: web identity, then AssumeRole signed by the first hop") {
    Fixture f;
    f.options.ca_file = "/etc/ca.pem";
    f.http.script = {FakeExchange::Status(200, kFirst), FakeExchange::Status(200, kSecond)};
    CredentialRecipe recipe = Target();
    recipe.source_identity = "alice";
    recipe.tags = {{"domino-user", "alice"}, {"domino-project", "my proj/x"}};
    const CredentialFetch got = f.Fetch(recipe);
    REQUIRE(got.failure == Failure::kNone);
    REQUIRE(got.credentials != nullptr);
    CHECK(got.credentials->access_key_id == "ASIASECONDHOP0000002");
    using Calls = std::vector<std::pair<std::string_view, Failure>>;
    CHECK(got.sts_calls ==
          Calls{{"AssumeRoleWithWebIdentity", Failure::kNone}, {"AssumeRole", Failure::kNone}});
    CHECK(got.credentials->secret_access_key == "second-secret-987654");
    CHECK(got.credentials->session_token == "second-session-token-xyz");
    CHECK(got.expires_at == 1796475599);
    REQUIRE(f.http.requests.size() == 2);

    const HttpRequest& web = f.http.requests[0];
    CHECK(web.method == "POST");
    CHECK(web.url == "https://sts.us-west-2.amazonaws.com/");
    CHECK(web.ca_file == "/etc/ca.pem");
    CHECK(web.total_timeout == 7);
    CHECK(f.http.Header(0, "Authorization").empty());
    // Bodies are wiped after sending: the fake keeps the copy it was given.
    CHECK(web.body ==
          "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
          "&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fproxy-role"
          "&RoleSessionName=alice%406527182438a6346046006654&DurationSeconds=3600"
          "&WebIdentityToken=eyJ.web-identity-token.sig");

    const HttpRequest& assume = f.http.requests[1];
    CHECK(assume.url == "https://sts.us-west-2.amazonaws.com/");
    CHECK(assume.body ==
          "Action=AssumeRole&Version=2011-06-15"
          "&RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2Fpath%2Fdata-reader"
          "&RoleSessionName=alice%406527182438a6346046006654&DurationSeconds=3600"
          "&SourceIdentity=alice"
          "&Tags.member.1.Key=domino-user&Tags.member.1.Value=alice"
          "&Tags.member.2.Key=domino-project&Tags.member.2.Value=my%20proj%2Fx");
    CHECK(f.http.Header(1, "Host") == "sts.us-west-2.amazonaws.com");
    CHECK(f.http.Header(1, "X-Amz-Date") == "20261205T120000Z");
    CHECK(f.http.Header(1, "X-Amz-Security-Token") == "first-session-token-abc");
    const std::regex authorization(
        "AWS4-HMAC-SHA256 Credential=ASIAFIRSTHOP00000001/20261205/us-west-2/sts/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
        "Signature=[0-9a-f]{64}");
    CHECK(std::regex_match(f.http.Header(1, "Authorization"), authorization));
  }

  TEST_CASE("a proxy profile: one hop, no SourceIdentity or tags") {
    Fixture f;
    f.http.script = {FakeExchange::Status(200, kFirst)};
    CredentialRecipe recipe;
    recipe.profile = "src_data-reader";
    recipe.role_arn = kProxy;
    recipe.session_name = "run-1";
    recipe.source_identity = "alice";  // AssumeRoleWithWebIdentity cannot carry it
    const CredentialFetch got = f.Fetch(recipe);
    REQUIRE(got.failure == Failure::kNone);
    CHECK(got.credentials->access_key_id == "ASIAFIRSTHOP00000001");
    CHECK(got.expires_at == 1796475600);
    REQUIRE(f.http.requests.size() == 1);
    CHECK(f.http.requests[0].body.find("SourceIdentity") == std::string::npos);
    CHECK(f.http.requests[0].body.find("RoleSessionName=run-1&") != std::string::npos);
  }

  TEST_CASE("sts-endpoint wins over the region, and signs for the region") {
    Fixture f;
    f.options.sts_endpoint = "http://127.0.0.1:5000";
    f.http.script = {FakeExchange::Status(200, kFirst), FakeExchange::Status(200, kSecond)};
    REQUIRE(f.Fetch(Target()).failure == Failure::kNone);
    CHECK(f.http.requests[0].url == "http://127.0.0.1:5000");
    CHECK(f.http.Header(1, "Host") == "127.0.0.1:5000");
    CHECK(f.http.Header(1, "Authorization").find("/us-west-2/sts/") != std::string::npos);
  }

  TEST_CASE("STS errors map to kinds and one line") {
    struct Case {
      int hop;  // which call fails: 0 web identity, 1 AssumeRole
      long status;
      std::string body;
      Failure failure;
      bool throttled;
      std::string message;
    };
    const std::string web =
        "data-reader: AssumeRoleWithWebIdentity into " + std::string(kProxy) + " failed: ";
    const std::string assume = "data-reader: AssumeRole into " + std::string(kTarget) + " failed: ";
    const Case cases[] = {
        {0, 400, Error("InvalidIdentityToken", "Incorrect token audience"), Failure::kPermanent,
         false,
         web + "InvalidIdentityToken: Incorrect token audience (STS does not accept the web "
               "identity token: is the cluster's OIDC provider registered in IAM?)"},
        {0, 400, Error("ExpiredTokenException", "Token expired"), Failure::kPermanent, false,
         web + "ExpiredTokenException: Token expired (the web identity token has expired: is the "
               "kubelet still rotating it?)"},
        {0, 403, Error("AccessDenied", "Not authorized"), Failure::kPermanent, false,
         web + "AccessDenied: Not authorized (the role's trust policy does not admit this token: "
               "`irsa-agent doctor --sts` prints the statement it needs)"},
        {0, 403, Error("RegionDisabledException", "STS off"), Failure::kPermanent, false,
         web + "RegionDisabledException: STS off (STS is not activated in us-west-2: activate it "
               "or set sts-endpoint)"},
        {0, 400, Error("IDPCommunicationError", "try again"), Failure::kTransient, false,
         web + "IDPCommunicationError: try again"},
        {0, 400, Error("Throttling", "Rate exceeded"), Failure::kTransient, true,
         web + "Throttling: Rate exceeded"},
        {0, 503, Error("ServiceUnavailable", "busy"), Failure::kTransient, false,
         web + "ServiceUnavailable: busy"},
        {0, 502, "<html>bad gateway</html>", Failure::kTransient, false,
         web + "STS sts.us-west-2.amazonaws.com answered HTTP 502: STS answer: unexpected root "
               "element <html>"},
        {0, 429, "", Failure::kTransient, true,
         web + "STS sts.us-west-2.amazonaws.com answered HTTP 429: STS answer: xml: byte 0: "
               "expected an element"},
        {0, 404, "", Failure::kPermanent, false,
         web + "STS sts.us-west-2.amazonaws.com answered HTTP 404: STS answer: xml: byte 0: "
               "expected an element"},
        {1, 403, Error("AccessDenied", "not authorized to perform sts:TagSession"),
         Failure::kPermanent, false,
         assume + "AccessDenied: not authorized to perform sts:TagSession (the role's trust "
                  "policy must allow sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession for "
                  "the proxy role)"},
        {1, 500, Error("InternalFailure", "oops"), Failure::kTransient, false,
         assume + "InternalFailure: oops"},
    };
    for (const Case& c : cases) {
      INFO(c.message);
      Fixture f;
      f.http.script = {c.hop == 0 ? FakeExchange::Status(c.status, c.body)
                                  : FakeExchange::Status(200, kFirst)};
      if (c.hop == 1) f.http.script.push_back(FakeExchange::Status(c.status, c.body));
      CredentialRecipe recipe = Target();
      recipe.source_identity = "alice";
      recipe.tags = {{"domino-user", "alice"}};
      const CredentialFetch got = f.Fetch(recipe);
      CHECK(got.failure == c.failure);
      CHECK(got.throttled == c.throttled);
      CHECK(got.message == c.message);
      CHECK(got.credentials == nullptr);
      CHECK(f.http.requests.size() == static_cast<size_t>(c.hop + 1));
      CheckNoSecret(got.message);
    }
  }

  TEST_CASE("no answer is transient; Retry-After is honoured") {
    Fixture f;
    f.http.script = {FakeExchange::Fail(HttpFailure::kTimeout, "timed out after 7 s")};
    CredentialFetch got = f.Fetch(Target());
    CHECK(got.failure == Failure::kTransient);
    CHECK(got.message == "data-reader: AssumeRoleWithWebIdentity into " + std::string(kProxy) +
                             " failed: STS sts.us-west-2.amazonaws.com: timed out after 7 s");
    CHECK_FALSE(got.retry_after.has_value());

    Fixture g;
    FakeExchange throttled = FakeExchange::Status(400, Error("Throttling", "slow down"));
    throttled.response.retry_after = "17";
    g.http.script = {throttled};
    got = g.Fetch(Target());
    CHECK(got.throttled);
    REQUIRE(got.retry_after.has_value());
    CHECK(*got.retry_after == 17);

    Fixture h;
    h.http.script = {FakeExchange::Fail(HttpFailure::kBadRequest, "unusable CA file /x")};
    CHECK(h.Fetch(Target()).failure == Failure::kPermanent);
  }

  TEST_CASE("local inputs: the token file and the ARNs") {
    Fixture missing;
    missing.files.content.clear();
    CredentialFetch got = missing.Fetch(Target());
    CHECK(got.failure == Failure::kInput);
    CHECK(got.message == "web identity token file /sa/token does not exist");
    CHECK(missing.http.requests.empty());

    Fixture empty;
    empty.files.content[kTokenPath] = " \n";
    got = empty.Fetch(Target());
    CHECK(got.failure == Failure::kInput);
    CHECK(got.message == "web identity token file /sa/token is empty");

    Fixture bad_arn;
    CredentialRecipe recipe = Target();
    recipe.role_arn = "arn:aws:iam::12:role/x";
    got = bad_arn.Fetch(recipe);
    CHECK(got.failure == Failure::kInput);
    CHECK(got.message == "data-reader: role ARN: account must be 12 digits");
    CHECK(bad_arn.http.requests.empty());
  }

  TEST_CASE("the token is read again on every fetch") {
    Fixture f;
    f.http.script = {FakeExchange::Status(200, kFirst)};
    CredentialRecipe recipe;
    recipe.profile = "src_x";
    recipe.role_arn = kProxy;
    recipe.session_name = "s1";
    StsChain chain(
        f.http, f.files, [] { return kNow; }, f.options);
    REQUIRE(chain.Fetch(recipe).failure == Failure::kNone);
    f.files.content[kTokenPath] = "rotated-token";
    REQUIRE(chain.Fetch(recipe).failure == Failure::kNone);
    CHECK(f.http.requests[1].body.ends_with("&WebIdentityToken=rotated-token"));
  }

  TEST_CASE("an unreadable Expiration is transient") {
    Fixture f;
    f.http.script = {FakeExchange::Status(
        200, Success("AssumeRoleWithWebIdentity", "AKID", "s", "t", "tomorrow"))};
    CredentialRecipe recipe;
    recipe.profile = "src_x";
    recipe.role_arn = kProxy;
    recipe.session_name = "s1";
    const CredentialFetch got = f.Fetch(recipe);
    CHECK(got.failure == Failure::kTransient);
    CHECK(got.message ==
          "src_x: STS answer: Credentials/Expiration: timestamp: not a date like "
          "2026-12-05T12:00:00Z");
  }

  TEST_CASE("real HTTPS: TLS is verified, and ca-file is trusted in addition") {
    const ScopedEnv a{"https_proxy", nullptr}, b{"HTTPS_PROXY", nullptr}, c{"all_proxy", nullptr},
        d{"ALL_PROXY", nullptr};
    TempDir dir;
    const TestCert ca = MakeTestCa("irsa sts test CA");
    const TestCert cert = MakeTestServerCert(ca, "sts");
    REQUIRE(cert.ok());
    const std::string body = kFirst;
    LoopbackServer server(Reply{"HTTP/1.1 200 OK\r\nContent-Length: " +
                                    std::to_string(body.size()) + "\r\n\r\n" + body,
                                0, false},
                          &cert);
    REQUIRE(server.ok());
    FakeFiles files;
    files.content[kTokenPath] = kToken;
    std::unique_ptr<HttpClient> curl = NewCurlHttpClient();
    CredentialRecipe recipe;
    recipe.profile = "src_x";
    recipe.role_arn = kProxy;
    recipe.session_name = "s1";
    StsChainOptions options = Options(kTokenPath, "us-west-2", server.Url("/"), 5);

    StsChain untrusted(
        *curl, files, [] { return kNow; }, options);
    CredentialFetch got = untrusted.Fetch(recipe);
    CHECK(got.failure == Failure::kTransient);
    CHECK(got.message.find("SSL certificate problem") != std::string::npos);

    options.ca_file = dir.Write("ca.pem", ca.cert_pem);
    StsChain trusted(
        *curl, files, [] { return kNow; }, options);
    got = trusted.Fetch(recipe);
    REQUIRE_MESSAGE(got.failure == Failure::kNone, got.message);
    CHECK(got.credentials->access_key_id == "ASIAFIRSTHOP00000001");
    const std::vector<ReceivedRequest> requests = server.requests();
    REQUIRE(!requests.empty());
    CHECK(requests.back().body.ends_with("&WebIdentityToken=eyJ.web-identity-token.sig"));
  }
}

}  // namespace
}  // namespace irsa

namespace irsa {
namespace {

constexpr char kPodUri[] = "http://169.254.170.23/v1/credentials";
constexpr char kPodTokenPath[] = "/var/run/secrets/pods.eks.amazonaws.com/eks-pod-identity-token";
constexpr char kPodToken[] = "pod-identity-token-0042";
const std::string kPodAnswer =
    R"({"AccessKeyId":"ASIAPODIDENTITY00001","SecretAccessKey":"pod-secret-13579",)"
    R"("Token":"pod-session-token-2468","AccountId":"111122223333",)"
    R"("Expiration":"2026-12-05T18:00:00Z"})";

// A Pod Identity pod: both container variables, and no web identity token.
struct PodFixture : Fixture {
  PodFixture() {
    files.content.erase(kTokenPath);
    files.content[kPodTokenPath] = std::string(kPodToken) + "\n";
    options.pod_identity.uri = kPodUri;
    options.pod_identity.token_file = kPodTokenPath;
  }
};

void CheckNoPodSecret(const std::string& text) {
  for (const char* secret : {kPodToken, "pod-secret-13579", "pod-session-token-2468"}) {
    CHECK(text.find(secret) == std::string::npos);
  }
}

TEST_SUITE("sts_chain pod identity") {
  TEST_CASE("the first hop is the Pod Identity fetch, the second AssumeRole signed by it") {
    PodFixture f;
    f.http.script = {FakeExchange::Status(200, kPodAnswer), FakeExchange::Status(200, kSecond)};
    CredentialRecipe recipe = Target();
    recipe.source_role_arn.clear();  // RecipesFor under Pod Identity: X alone
    recipe.tags = {{"domino-user", "alice"}};
    const CredentialFetch got = f.Fetch(recipe);
    REQUIRE(got.failure == Failure::kNone);
    REQUIRE(got.credentials != nullptr);
    CHECK(got.credentials->access_key_id == "ASIASECONDHOP0000002");
    CHECK(got.expires_at == 1796475599);
    REQUIRE(f.http.requests.size() == 2);

    const HttpRequest& pod = f.http.requests[0];
    CHECK(pod.method == "GET");
    CHECK(pod.url == kPodUri);
    CHECK(f.http.Header(0, "Authorization") == kPodToken);

    const HttpRequest& assume = f.http.requests[1];
    CHECK(assume.url == "https://sts.us-west-2.amazonaws.com/");
    CHECK(assume.body ==
          "Action=AssumeRole&Version=2011-06-15"
          "&RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2Fpath%2Fdata-reader"
          "&RoleSessionName=alice%406527182438a6346046006654&DurationSeconds=3600"
          "&Tags.member.1.Key=domino-user&Tags.member.1.Value=alice");
    CHECK(f.http.Header(1, "X-Amz-Security-Token") == "pod-session-token-2468");
    const std::regex authorization(
        "AWS4-HMAC-SHA256 Credential=ASIAPODIDENTITY00001/20261205/us-west-2/sts/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
        "Signature=[0-9a-f]{64}");
    CHECK(std::regex_match(f.http.Header(1, "Authorization"), authorization));
  }

  TEST_CASE("a recipe with a proxy role still goes from the pod's role straight to the target") {
    PodFixture f;
    f.http.script = {FakeExchange::Status(200, kPodAnswer), FakeExchange::Status(200, kSecond)};
    const CredentialFetch got = f.Fetch(Target());
    REQUIRE(got.failure == Failure::kNone);
    REQUIRE(f.http.requests.size() == 2);
    CHECK(f.http.requests[0].url == kPodUri);
    CHECK(f.http.requests[1].body.find("proxy-role") == std::string::npos);
  }

  TEST_CASE("the token file is read again on every fetch (the kubelet rotates it)") {
    PodFixture f;
    f.http.script = {FakeExchange::Status(200, kPodAnswer), FakeExchange::Status(200, kSecond),
                     FakeExchange::Status(200, kPodAnswer), FakeExchange::Status(200, kSecond)};
    StsChain chain(
        f.http, f.files, [] { return kNow; }, f.options);
    REQUIRE(chain.Fetch(Target()).failure == Failure::kNone);
    f.files.content[kPodTokenPath] = "rotated-pod-token";
    REQUIRE(chain.Fetch(Target()).failure == Failure::kNone);
    REQUIRE(f.http.requests.size() == 4);
    CHECK(f.http.Header(2, "Authorization") == "rotated-pod-token");
  }

  TEST_CASE("a refused Pod Identity fetch: no STS call, one line naming the variable") {
    PodFixture f;
    f.http.script = {FakeExchange::Status(403, "Access denied")};
    const CredentialFetch got = f.Fetch(Target());
    CHECK(got.failure == Failure::kPermanent);
    CHECK(got.credentials == nullptr);
    CHECK(f.http.requests.size() == 1);
    CHECK(got.message.starts_with("data-reader: "));
    CHECK(got.message.find("AWS_CONTAINER_CREDENTIALS_FULL_URI") != std::string::npos);
    CHECK(got.message.find("403") != std::string::npos);
    CHECK(got.message.find('\n') == std::string::npos);
    CheckNoPodSecret(got.message);
  }

  TEST_CASE("AccessDenied on the second hop names the pod's role, never a secret") {
    PodFixture f;
    f.http.script = {FakeExchange::Status(200, kPodAnswer),
                     FakeExchange::Status(403, Error("AccessDenied", "not authorized"))};
    const CredentialFetch got = f.Fetch(Target());
    CHECK(got.failure == Failure::kPermanent);
    CHECK(got.message.find("Pod Identity role") != std::string::npos);
    CheckNoPodSecret(got.message);
    // The Pod Identity fetch is no STS call; the refused AssumeRole is one.
    using Calls = std::vector<std::pair<std::string_view, Failure>>;
    CHECK(got.sts_calls == Calls{{"AssumeRole", Failure::kPermanent}});
  }

  TEST_CASE("a malformed URI is an input error naming the variable, only when chosen") {
    PodFixture f;
    f.options.pod_identity.uri = "http://example.com:99999/creds";
    const CredentialFetch got = f.Fetch(Target());
    CHECK(got.failure == Failure::kInput);
    CHECK(got.message.find("AWS_CONTAINER_CREDENTIALS_FULL_URI") != std::string::npos);
    CHECK(f.http.requests.empty());

    // A web identity token wins in auto: the same URI is not used at all.
    Fixture web;
    web.options.pod_identity = f.options.pod_identity;
    web.files.content[kPodTokenPath] = kPodToken;
    web.http.script = {FakeExchange::Status(200, kFirst), FakeExchange::Status(200, kSecond)};
    CHECK(web.Fetch(Target()).failure == Failure::kNone);
    REQUIRE(web.http.requests.size() == 2);
    CHECK(web.http.requests[0].method == "POST");
  }

  TEST_CASE("base-credentials decides over auto") {
    Fixture web;  // a web identity token exists
    web.options.base_credentials = "pod-identity";
    web.options.pod_identity.uri = kPodUri;
    web.options.pod_identity.token_file = kPodTokenPath;
    web.files.content[kPodTokenPath] = kPodToken;
    web.http.script = {FakeExchange::Status(200, kPodAnswer), FakeExchange::Status(200, kSecond)};
    CHECK(web.Fetch(Target()).failure == Failure::kNone);
    REQUIRE(!web.http.requests.empty());
    CHECK(web.http.requests[0].url == kPodUri);

    PodFixture pod;
    pod.options.base_credentials = "web-identity";
    pod.files.content[kTokenPath] = "";  // no token: the web identity hop fails, no Pod Identity
    const CredentialFetch got = pod.Fetch(Target());
    CHECK(got.failure == Failure::kInput);
    CHECK(got.message.find("web identity token file") != std::string::npos);
    CHECK(pod.http.requests.empty());
  }

  TEST_CASE("RecipesFor: a pair without a proxy role gives X alone") {
    ProfilePair pair;
    pair.name = "data-reader";
    std::string err;
    REQUIRE(ParseRoleArn(kTarget, &pair.target_role, &err));
    AuditTrail audit;
    audit.session_name = "alice@run-1";
    std::vector<CredentialRecipe> recipes = RecipesFor({pair}, audit);
    REQUIRE(recipes.size() == 1);
    CHECK(recipes[0].profile == "data-reader");
    CHECK(recipes[0].role_arn == kTarget);
    CHECK(recipes[0].source_role_arn.empty());
    CHECK(recipes[0].session_name == "alice@run-1");
    REQUIRE(ParseRoleArn(kProxy, &pair.proxy_role, &err));
    recipes = RecipesFor({pair}, audit);
    REQUIRE(recipes.size() == 2);
    CHECK(recipes[1].profile == "src_data-reader");
  }

  TEST_CASE("StsChainOptionsFor carries the base and the Pod Identity endpoint") {
    Settings settings;
    settings.base_credentials = "pod-identity";
    settings.pod_identity_uri = kPodUri;
    settings.pod_identity_token_file = kPodTokenPath;
    const StsChainOptions options = StsChainOptionsFor(settings);
    CHECK(options.base_credentials == "pod-identity");
    CHECK(options.pod_identity.uri == kPodUri);
    CHECK(options.pod_identity.token_file == kPodTokenPath);
    settings.pod_identity_token_file.clear();
    CHECK(StsChainOptionsFor(settings).pod_identity.token_file.empty());
  }
}

}  // namespace
}  // namespace irsa

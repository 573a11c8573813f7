// Tests for doctor/doctor_pod_identity.h and aws/sts_identity.h: the checks
// of an EKS Pod Identity pod over already-gathered facts, and the
// GetCallerIdentity answer.
#include "doctor/doctor_pod_identity.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "aws/sts_identity.h"
#include "domain/render_pod_identity.h"
#include "fakes/fake_http.h"

namespace irsa {
namespace {

constexpr int64_t kNow = 1796468400;  // 2026-12-05T11:00:00Z
constexpr char kCaller[] =
    "arn:aws:sts::946429944765:assumed-role/domino-job-runner/eks-cluster-pod-uid";
constexpr char kPodRole[] = "arn:aws:iam::946429944765:role/domino-job-runner";

std::vector<ProfilePair> Targets() {
  std::vector<ProfilePair> pairs(2);
  std::string err;
  pairs[0].name = "acme-list-bucket-role";
  REQUIRE(ParseRoleArn("arn:aws:iam::524112250363:role/acme-list-bucket-role",
                       &pairs[0].target_role, &err));
  pairs[1].name = "data-reader";
  REQUIRE(ParseRoleArn("arn:aws:iam::524112250363:role/data-reader", &pairs[1].target_role, &err));
  return pairs;
}

std::string Fact(const Check& check, const std::string& key) {
  for (const CheckFact& f : check.facts) {
    if (f.key == key) return f.value;
  }
  return "";
}

TEST_SUITE("doctor_pod_identity") {
  TEST_CASE("base.credentials names the base and why") {
    const Check c = CheckBaseCredentials({BaseCredentials::kPodIdentity, "auto: because"});
    CHECK(c.status == CheckStatus::kPass);
    CHECK(c.fact == "pod-identity: auto: because");
    CHECK(Fact(c, "base") == "pod-identity");
  }

  TEST_CASE("pod-identity.fetch: pass with account and time left, fail with the fix by kind") {
    PodIdentityProbe probe;
    probe.uri = "http://169.254.170.23/v1/credentials";
    probe.account_id = "946429944765";
    probe.expires_at = kNow + 3600;
    Check c = CheckPodIdentityFetch(probe, kNow);
    CHECK(c.status == CheckStatus::kPass);
    CHECK(c.fact == "credentials for account 946429944765, 1h 0m left");
    probe.expires_at = kNow - 1;
    CHECK(CheckPodIdentityFetch(probe, kNow).status == CheckStatus::kWarn);
    struct Row {
      Failure failure;
      const char* fix_has;
    };
    for (const Row& row : {Row{Failure::kInput, "token volume mounted"},
                           Row{Failure::kPermanent, "Pod Identity association"},
                           Row{Failure::kTransient, "eks-pod-identity-agent"}}) {
      probe.failure = row.failure;
      probe.error = "AWS_CONTAINER_CREDENTIALS_FULL_URI (http://x): HTTP 500";
      c = CheckPodIdentityFetch(probe, kNow);
      CHECK(c.status == CheckStatus::kFail);
      CHECK(c.fact == probe.error);
      CHECK(c.fix.find(row.fix_has) != std::string::npos);
    }
  }

  TEST_CASE("pod-identity.role and pod-identity.trust") {
    PodIdentityProbe probe;
    probe.account_id = "946429944765";
    Check role = CheckPodIdentityRole(probe);
    CHECK(role.status == CheckStatus::kFail);
    probe.sts_asked = true;
    probe.sts_answered = true;
    probe.caller_arn = kCaller;
    role = CheckPodIdentityRole(probe);
    CHECK(role.status == CheckStatus::kPass);
    CHECK(Fact(role, "role_arn") == kPodRole);

    Check trust = CheckPodIdentityTrust(probe, Targets(), false);
    CHECK(trust.status == CheckStatus::kPass);
    CHECK(Fact(trust, "principal") == kPodRole);
    CHECK(Fact(trust, "trust_policy_statement") == PodIdentityTrustStatement(kPodRole));
    CHECK(Fact(trust, "trust_policy_statement").find("\"sts:TagSession\"") != std::string::npos);
    CHECK(Fact(trust, "target_roles").find("role/data-reader") != std::string::npos);
    CHECK(Fact(trust, "why_tag_session").find("domino-user") == std::string::npos);
    CHECK(Fact(CheckPodIdentityTrust(probe, Targets(), true), "why_tag_session")
              .find("domino-user") != std::string::npos);

    probe.caller_arn.clear();  // without --sts: only the account is known
    trust = CheckPodIdentityTrust(probe, Targets(), false);
    CHECK(trust.status == CheckStatus::kWarn);
    CHECK(Fact(trust, "principal") == "arn:aws:iam::946429944765:role/<the pod's role>");
    CHECK(trust.fix.find("doctor --sts") != std::string::npos);
  }

  TEST_CASE("config.file for a Pod Identity config") {
    FileRead config;
    config.path = "/var/run/.aws/config";
    config.status = ReadStatus(ReadFailure::kMissing, "/var/run/.aws/config does not exist");
    CHECK(CheckPodIdentityConfig(config, false, {}).status == CheckStatus::kFail);
    config.status = ReadStatus();
    config.content = "[profile x]\nsource_profile = src_x\n";
    Check c = CheckPodIdentityConfig(config, false, {});
    CHECK(c.status == CheckStatus::kFail);
    CHECK(c.fact.find("not written for EKS Pod Identity") != std::string::npos);
    config.content = RenderPodIdentityChain(Targets(), {"us-east-1", "s1"});
    c = CheckPodIdentityConfig(config, true, {"data-reader", "acme-list-bucket-role"});
    CHECK(c.status == CheckStatus::kPass);
    CHECK(c.fact == "2 profiles chaining from the pod's role in /var/run/.aws/config");
    c = CheckPodIdentityConfig(config, true, {"data-reader"});
    CHECK(c.status == CheckStatus::kWarn);
  }

  TEST_CASE("GetCallerIdentity: signed with the credentials, answer parsed") {
    FakeHttp http;
    http.script.push_back(FakeExchange::Status(
        200, std::string("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/"
                         "2011-06-15/\"><GetCallerIdentityResult><Arn>") +
                 kCaller +
                 "</Arn><UserId>AROAEXAMPLE:eks</UserId><Account>946429944765</Account>"
                 "</GetCallerIdentityResult></GetCallerIdentityResponse>"));
    TemporaryCredentials creds;
    creds.access_key_id = "ASIAPODEXAMPLE";
    creds.secret_access_key = "pod-secret-EXAMPLE";
    creds.session_token = "pod-session-token-EXAMPLE";
    StsEndpoint endpoint{"http://127.0.0.1:5000/", "127.0.0.1:5000", "/", "us-east-1"};
    CallerIdentity identity;
    std::string err;
    REQUIRE(GetCallerIdentity(http, endpoint, 5, creds, "20261205T110000Z", &identity, &err));
    CHECK(identity.ok);
    CHECK(identity.arn == kCaller);
    CHECK(identity.account == "946429944765");
    REQUIRE(http.requests.size() == 1);
    CHECK(http.requests[0].body == "Action=GetCallerIdentity&Version=2011-06-15");
    CHECK(http.Header(0, "X-Amz-Security-Token") == "pod-session-token-EXAMPLE");
    CHECK(
        http.Header(0, "Authorization").starts_with("AWS4-HMAC-SHA256 Credential=ASIAPODEXAMPLE/"));

    CHECK(
        ParseCallerIdentity("<ErrorResponse><Error><Code>ExpiredToken</Code><Message>old"
                            "</Message></Error></ErrorResponse>",
                            &identity, &err));
    CHECK_FALSE(identity.ok);
    CHECK(identity.error_code == "ExpiredToken");
    CHECK_FALSE(ParseCallerIdentity("<GetCallerIdentityResponse/>", &identity, &err));
    CHECK_FALSE(ParseCallerIdentity("not xml", &identity, &err));
    http.script.front() = FakeExchange::Fail(HttpFailure::kConnect, "127.0.0.1: refused");
    CHECK_FALSE(GetCallerIdentity(http, endpoint, 5, creds, "20261205T110000Z", &identity, &err));
    CHECK(err == "STS 127.0.0.1:5000: 127.0.0.1: refused");
  }

  TEST_CASE("RoleArnOfAssumedRole") {
    CHECK(RoleArnOfAssumedRole(kCaller) == kPodRole);
    CHECK(RoleArnOfAssumedRole("arn:aws-cn:sts::111122223333:assumed-role/r/s") ==
          "arn:aws-cn:iam::111122223333:role/r");
    CHECK(RoleArnOfAssumedRole("arn:aws:iam::111122223333:user/bob").empty());
    CHECK(RoleArnOfAssumedRole("arn:aws:sts::111122223333:assumed-role/r").empty());
    CHECK(RoleArnOfAssumedRole("").empty());
  }
}

}  // namespace
}  // namespace irsa

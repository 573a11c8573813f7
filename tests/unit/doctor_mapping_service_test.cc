// The judges of `doctor --mapping-service` (doctor/doctor_mapping_service.h),
// the role-mapping walk they share with the trust GC (ProxyRolesOf), and the
// command line of `doctor --mapping-service` (the service's settings).
#include "doctor/doctor_mapping_service.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fakes/fake_http.h"
#include "mapping/trust_policy.h"
#include "mapping/wire.h"
#include "settings/invocation.h"

namespace irsa {
namespace {

constexpr const char* kOidc = "oidc.eks.us-east-1.amazonaws.com/id/ABC";
constexpr const char* kProxy = "arn:aws:iam::111122223333:role/acme-proxy";
constexpr const char* kAsset = "arn:aws:iam::524112250363:role/acme-list";

ServiceScope Scope(size_t max_length = 2048) {
  ServiceScope scope;
  scope.domino_api = "http://domino.test:80";
  scope.kube_api = "https://10.0.0.1:443";
  scope.oidc = kOidc;
  scope.max_length = max_length;
  return scope;
}

RoleArn Proxy() {
  RoleArn role;
  std::string err;
  REQUIRE(ParseRoleArn(kProxy, &role, &err));
  return role;
}

// A trust policy with the IRSA statement of kOidc holding `subs` sub values,
// and `extra` statements after it.
std::string Policy(int subs, const std::string& extra = "", bool irsa = true) {
  std::string values;
  for (int i = 0; i < subs; ++i) {
    values += std::string(i ? "," : "") + "\"system:serviceaccount:domino-compute:run-" +
              std::to_string(100000 + i) + "\"";
  }
  std::string statement =
      R"({"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/)" +
      std::string(kOidc) + R"("},"Action":"sts:AssumeRoleWithWebIdentity","Condition":)" +
      R"({"StringLike":{")" + kOidc + R"(:sub":[)" + values + "]}}}";
  if (!irsa) statement = R"({"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"})";
  return R"({"Version":"2012-10-17", "Statement":[)" + statement + extra + "]}";
}

ConfigMapRead Read(std::map<std::string, std::string> data) {
  ConfigMapRead read;
  read.parsed = true;
  read.data = std::move(data);
  return read;
}

const std::string* Fact(const Check& check, const std::string& key) {
  for (const CheckFact& fact : check.facts) {
    if (fact.key == key) return &fact.value;
  }
  return nullptr;
}

TEST_CASE("service.domino: any answer of Domino's is reachable, no answer is not") {
  for (long status : {200L, 401L, 403L}) {
    const Check check = JudgeDomino(Scope(), {DominoOutcome::kUnauthorized, "x", status});
    CHECK(check.status == CheckStatus::kPass);
    CHECK(check.fact.find("answers (HTTP " + std::to_string(status)) != std::string::npos);
  }
  const Check down =
      JudgeDomino(Scope(), {DominoOutcome::kUnavailable, "Domino API: GET x: Couldn't connect", 0});
  CHECK(down.status == CheckStatus::kFail);
  CHECK(down.fact.starts_with("Domino API"));
  CHECK(down.fix.find("unreachable") != std::string::npos);
  const Check wrong = JudgeDomino(Scope(), {DominoOutcome::kUnavailable, "answered HTTP 404", 404});
  CHECK(wrong.status == CheckStatus::kFail);
  CHECK(wrong.fix.find("does not answer as the Domino API") != std::string::npos);
}

TEST_CASE("service.kubernetes: the fix follows the API server's answer") {
  CHECK(JudgeKubernetes(Scope(), {}, 1).status == CheckStatus::kPass);
  const Check refused =
      JudgeKubernetes(Scope(), {Failure::kPermanent, 401, "Kubernetes API GET x answered 401"}, 0);
  CHECK(refused.status == CheckStatus::kFail);
  CHECK(refused.fix.find("kube-token-file") != std::string::npos);
  const Check rbac = JudgeKubernetes(Scope(), {Failure::kPermanent, 403, "403"}, 0);
  CHECK(rbac.fix.find("RBAC") != std::string::npos);
  const Check down = JudgeKubernetes(Scope(), {Failure::kTransient, 0, "Kubernetes API: down"}, 0);
  CHECK(down.fix.find("kube-api") != std::string::npos);
}

TEST_CASE("service.role-mapping: skipped entries named, missing and empty ConfigMaps") {
  const Check good = JudgeRoleMapping(Scope(), Read({{"acme-list", kProxy}}));
  CHECK(good.status == CheckStatus::kPass);
  CHECK(*Fact(good, "proxy_roles") == "1");
  const Check bad =
      JudgeRoleMapping(Scope(), Read({{"acme-list", kProxy}, {"broken", "arn:aws:iam::1:role/x"}}));
  CHECK(bad.status == CheckStatus::kWarn);
  CHECK(bad.fact.find("1 of 2 entries valid") != std::string::npos);
  REQUIRE(Fact(bad, "skipped_1") != nullptr);
  CHECK(Fact(bad, "skipped_1")->find("role mapping entry broken") != std::string::npos);
  CHECK(JudgeRoleMapping(Scope(), Read({})).status == CheckStatus::kWarn);
  ConfigMapRead missing;
  missing.reply = {Failure::kPermanent, 404, "answered HTTP 404"};
  const Check gone = JudgeRoleMapping(Scope(), missing);
  CHECK(gone.status == CheckStatus::kFail);
  CHECK(gone.fix.starts_with("create ConfigMap resource-role-to-eks-role-mapping"));
  ConfigMapRead garbled;
  garbled.error = "data must be strings";
  CHECK(JudgeRoleMapping(Scope(), garbled).status == CheckStatus::kFail);
}

TEST_CASE("service.org-mapping: bad ARNs and asset roles without a proxy role") {
  const ConfigMapRead roles = Read({{"acme-list", kProxy}});
  const Check check = JudgeOrgMapping(
      Scope(),
      Read({{"acme", kAsset}, {"bad", "nope"}, {"orphan", "arn:aws:iam::524112250363:role/none"}}),
      roles);
  CHECK(check.status == CheckStatus::kWarn);
  CHECK(check.fact.find("1 of 3 entries valid") != std::string::npos);
  CHECK(Fact(check, "skipped_1")->find("org mapping entry bad") != std::string::npos);
  CHECK(Fact(check, "skipped_2")->find("org mapping entry orphan") != std::string::npos);
  CHECK(Fact(check, "skipped_2")->find("no proxy role for none") != std::string::npos);
  // Without a readable role mapping only the ARNs are judged.
  ConfigMapRead no_roles;
  no_roles.reply = {Failure::kTransient, 0, "down"};
  const Check alone = JudgeOrgMapping(
      Scope(), Read({{"acme", kAsset}, {"orphan", "arn:aws:iam::524112250363:role/none"}}),
      no_roles);
  CHECK(alone.status == CheckStatus::kPass);
  CHECK(Fact(alone, "proxy_roles") != nullptr);
}

TEST_CASE("service.trust-policy: found, parsed, IRSA statement, length against the limit") {
  const std::string policy = Policy(3);
  const size_t length = PolicyLength(policy);
  const Check fine = JudgeTrustPolicy(Scope(), Proxy(), {}, policy);
  CHECK(fine.status == CheckStatus::kPass);
  CHECK(*Fact(fine, "length") == std::to_string(length));
  CHECK(*Fact(fine, "managed_entries") == "3");
  CHECK(*Fact(fine, "irsa_statements") == "1");
  // Over 90 % warns, over the limit fails; at the limit it still fits.
  CHECK(JudgeTrustPolicy(Scope(length * 10 / 9 - 1), Proxy(), {}, policy).status ==
        CheckStatus::kWarn);
  CHECK(JudgeTrustPolicy(Scope(length), Proxy(), {}, policy).status == CheckStatus::kWarn);
  const Check over = JudgeTrustPolicy(Scope(length - 1), Proxy(), {}, policy);
  CHECK(over.status == CheckStatus::kFail);
  CHECK(over.fact.find("over trust-policy-max-length") != std::string::npos);
  // Whitespace is not counted, as IAM does not.
  CHECK(JudgeTrustPolicy(Scope(length), Proxy(), {}, "  " + policy + "\n\n").status !=
        CheckStatus::kFail);
  const Check none = JudgeTrustPolicy(Scope(), Proxy(), {}, Policy(0, "", false));
  CHECK(none.status == CheckStatus::kWarn);
  CHECK(none.fix.find("oidc-provider") != std::string::npos);
  CHECK(JudgeTrustPolicy(Scope(), Proxy(), {}, "{not json").status == CheckStatus::kFail);
  const Check missing = JudgeTrustPolicy(
      Scope(), Proxy(), {Failure::kPermanent, "NoSuchEntity", "GetRole acme-proxy: 404"}, "");
  CHECK(missing.status == CheckStatus::kFail);
  CHECK(missing.fix.find("no role acme-proxy") != std::string::npos);
  const Check denied =
      JudgeTrustPolicy(Scope(), Proxy(), {Failure::kPermanent, "", "answered HTTP 403"}, "");
  CHECK(denied.fix.find("iam:GetRole") != std::string::npos);
}

class StaticKeys : public AwsCredentialProvider {
 public:
  StepStatus Get(int64_t, TemporaryCredentials* out) override {
    out->access_key_id = "AKIDEXAMPLE";
    out->secret_access_key = "secret-never-shown";
    return {};
  }
};

TEST_CASE("CheckMappingService: each call once, no credential to Domino, IAM not asked again") {
  FakeHttp http;
  const std::string proxy_b = "arn:aws:iam::111122223333:role/other-proxy";
  http.script = {
      FakeExchange::Status(401),                                   // Domino
      FakeExchange::Status(200, R"({"items":[],"metadata":{}})"),  // pods
      FakeExchange::Status(200, R"({"metadata":{"resourceVersion":"1"},"data":{"acme":")" +
                                    std::string(kAsset) + R"("}})"),
      FakeExchange::Status(200, R"({"metadata":{"resourceVersion":"2"},"data":{"acme-list":")" +
                                    std::string(kProxy) + R"(","b":")" + proxy_b + R"("}})"),
      FakeExchange::Fail(HttpFailure::kConnect, "IAM: connection refused"),
  };
  StaticKeys keys;
  SharedCredentials credentials(keys);
  IamEndpoint endpoint;
  std::string err;
  REQUIRE(ResolveIamEndpoint("http://127.0.0.1:9", &endpoint, &err));
  IamClient iam(http, endpoint, 5, credentials, [] { return 1.8e9; });
  MappingKube kube(
      http, "https://10.0.0.1:443", "", 5,
      [](std::string* token, std::string*) {
        *token = "kube-token-never-shown";
        return true;
      },
      nullptr);
  DominoClient domino(http, "http://domino.test:80", 5, nullptr);
  const std::vector<Check> checks = CheckMappingService(Scope(), domino, kube, &iam, "");
  REQUIRE(http.requests.size() == 5);  // the second proxy role was not asked
  CHECK(http.requests[0].url == "http://domino.test:80/v4/auth/principal");
  CHECK(http.Header(0, "Authorization").empty());
  CHECK(http.Header(0, "X-Domino-Api-Key").empty());
  CHECK(http.requests[1].url.ends_with("/namespaces/domino-compute/pods?limit=1"));
  REQUIRE(checks.size() == 6);
  CHECK(checks[0].status == CheckStatus::kPass);  // Domino said 401: reachable
  CHECK(checks[1].status == CheckStatus::kPass);
  CHECK(checks[2].status == CheckStatus::kPass);
  CHECK(checks[3].status == CheckStatus::kPass);
  CHECK(checks[4].status == CheckStatus::kFail);
  CHECK(checks[4].fix.find("iam-endpoint") != std::string::npos);
  CHECK(checks[5].fact.find("not asked") != std::string::npos);
  const std::string text = RenderDoctorText(checks) + RenderDoctorJson(checks);
  CHECK(text.find("never-shown") == std::string::npos);
}

TEST_CASE("ProxyRolesOf: valid proxy roles once each, bad entries named") {
  std::vector<std::string> skipped;
  const std::vector<RoleArn> roles =
      ProxyRolesOf({{"a", kProxy}, {"b", kProxy}, {"c", "arn:aws:iam::1:role/x"}}, &skipped);
  REQUIRE(roles.size() == 1);
  CHECK(roles[0].ToString() == kProxy);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].starts_with("role mapping entry c: "));
}

TEST_CASE("doctor --mapping-service takes the service's settings") {
  const std::vector<std::string> args = {
      "doctor",     "--mapping-service", "--oidc-provider",   kOidc,
      "--kube-api", "https://10.0.0.1",  "--kube-token-file", "/t",
      "--listen",   "0.0.0.0:6000"};
  Invocation inv;
  std::string err;
  REQUIRE(ParseInvocation(args, {}, "", &inv, &err));
  CHECK(inv.mapping_service);
  CHECK(inv.warnings.empty());  // no endpoint needed, kube-* and listen are used
  // The flag may come last: the settings before it are still the service's.
  REQUIRE(ParseInvocation(
      {"doctor", "--oidc-provider", kOidc, "--kube-api", "https://10.0.0.1", "--mapping-service"},
      {}, "", &inv, &err));
  CHECK(inv.warnings.empty());
  CHECK_FALSE(ParseInvocation({"doctor", "--mapping-service"}, {}, "", &inv, &err));
  CHECK(err == "doctor --mapping-service needs --oidc-provider (or OIDC_PROVIDER)");
  CHECK_FALSE(ParseInvocation({"doctor", "--mapping-service", "--sts", "--oidc-provider", kOidc},
                              {}, "", &inv, &err));
  CHECK(err.find("--sts") != std::string::npos);
  CHECK_FALSE(ParseInvocation({"once", "--mapping-service"}, {}, "", &inv, &err));
  // Plain doctor still warns of the service's settings.
  REQUIRE(ParseInvocation({"doctor", "--mapping-file", "/m", "--kube-api", "https://10.0.0.1"}, {},
                          "", &inv, &err));
  REQUIRE(inv.warnings.size() == 1);
  CHECK(inv.warnings[0] == "--kube-api is not used by doctor (ignored)");
}

}  // namespace
}  // namespace irsa

// service.trust-policy (one proxy role's trust policy through the service's
// IamClient and TrustPolicy) and the run of every service.* check.
#include <cmath>

#include "base/url.h"
#include "doctor/doctor_mapping_service.h"
#include "mapping/kube_objects.h"
#include "mapping/trust_policy.h"
#include "mapping/wire.h"

namespace irsa {
namespace {

std::string IamFix(const IamResult& got, const RoleArn& role) {
  if (got.code == "NoSuchEntity") {
    return "no role " + role.name +
           " in the account of the service's credentials: create it, "
           "or fix its entry in the role mapping";
  }
  if (got.code == "AccessDenied" || (got.failure == Failure::kPermanent && got.code.empty())) {
    // IAM checks the caller's rights before the role exists: a missing role
    // outside the policy's Resource is refused too.
    return "the service's IAM policy must allow iam:GetRole on " + role.ToString() +
           " (packaging/mapping-service-iam-policy.json), and the role must exist in the "
           "account of the service's credentials";
  }
  if (got.code == "InvalidClientTokenId" || got.code == "SignatureDoesNotMatch" ||
      got.code == "ExpiredToken") {
    return "IAM refused the service's AWS credentials: check where they come from "
           "(AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE or Pod Identity)";
  }
  if (got.failure == Failure::kInput) return "give the service AWS credentials (DEPLOYMENT.md)";
  if (got.failure == Failure::kTransient && got.code.empty()) {
    return "IAM is unreachable: check iam-endpoint (AWS_ENDPOINT_URL_IAM) and the network";
  }
  return "see IAM's answer";
}

std::string Percent(size_t length, size_t limit) {
  const double share = limit == 0 ? 1 : static_cast<double>(length) / static_cast<double>(limit);
  return std::to_string(static_cast<int>(std::floor(share * 100))) + " %";
}

}  // namespace

Check JudgeTrustPolicy(const ServiceScope& scope, const RoleArn& role, const IamResult& got,
                       const std::string& policy) {
  Check check;
  check.name = "service.trust-policy";
  check.facts.push_back({"role", role.ToString()});
  if (got.failure != Failure::kNone) {
    check.status = CheckStatus::kFail;
    check.fact = role.name + ": " + got.message;
    if (!got.code.empty()) check.facts.push_back({"code", got.code});
    check.fix = IamFix(got, role);
    return check;
  }
  const TrustScope trust = TrustScopeFor(role, scope.oidc, scope.compute_namespace);
  check.facts.push_back({"provider_arn", trust.provider_arn});
  TrustPolicy parsed;
  std::string err;
  if (!TrustPolicy::Parse(policy, trust, &parsed, &err)) {
    check.status = CheckStatus::kFail;
    check.fact = role.name + ": the trust policy does not parse: " + err;
    check.fix = "repair the trust policy of " + role.ToString() + " (the service will not edit it)";
    return check;
  }
  // IAM's count: the document as IAM holds it, without whitespace.
  const size_t length = PolicyLength(policy);
  const size_t managed = parsed.ManagedEntries();
  const size_t subs = parsed.SubValues().size();
  check.facts.push_back({"length", std::to_string(length)});
  check.facts.push_back({"limit", std::to_string(scope.max_length)});
  check.facts.push_back({"irsa_statements", std::to_string(parsed.IrsaStatements())});
  check.facts.push_back({"managed_entries", std::to_string(managed)});
  check.facts.push_back({"other_entries", std::to_string(subs - managed)});
  check.fact = role.name + ": " + std::to_string(length) + " of " +
               std::to_string(scope.max_length) + " characters (" +
               Percent(length, scope.max_length) + "), " + std::to_string(managed) +
               " managed entries";
  if (length > scope.max_length) {
    check.status = CheckStatus::kFail;
    check.fact += ": over trust-policy-max-length";
    check.fix =
        "raise the account's \"Role trust policy length\" quota (up to 4096) and "
        "trust-policy-max-length with it, or remove entries an administrator wrote";
  } else if (static_cast<double>(length) >
             kTrustPolicyWarnShare * static_cast<double>(scope.max_length)) {
    check.status = CheckStatus::kWarn;
    check.fact += ": over 90 % of the limit";
    check.fix =
        "new runs get 503 once live subjects fill it: raise the quota and "
        "trust-policy-max-length, or split the users over more proxy roles";
  } else if (parsed.IrsaStatements() == 0) {
    check.status = CheckStatus::kWarn;
    check.fact = role.name + ": no statement trusts " + trust.provider_arn;
    check.fix =
        "the service adds one at the first request; if the role trusts another "
        "provider, oidc-provider (OIDC_PROVIDER) is wrong";
  }
  return check;
}

std::vector<Check> CheckMappingService(const ServiceScope& scope, DominoClient& domino,
                                       MappingKube& kube, IamClient* iam,
                                       const std::string& no_iam) {
  std::vector<Check> checks;
  std::string user;
  bool admin = false;
  checks.push_back(JudgeDomino(scope, domino.Principal(DominoCredential{}, &user, &admin)));

  std::vector<MappingPod> pods;
  std::string next;
  checks.push_back(JudgeKubernetes(
      scope, kube.PodsPage(scope.compute_namespace, kKubeProbeLimit, "", &pods, &next),
      pods.size()));

  ConfigMapRead maps[2];
  const std::string* names[2] = {&scope.org_configmap, &scope.role_configmap};
  for (int i = 0; i < 2; ++i) {
    maps[i].reply = kube.GetConfigMap(scope.platform_namespace, *names[i], &maps[i].body);
    ConfigMapData data;
    if (maps[i].reply.failure == Failure::kNone) {
      maps[i].parsed = ParseConfigMap(maps[i].body, &data, &maps[i].error);
      maps[i].data = std::move(data.data);
    }
  }
  checks.push_back(JudgeOrgMapping(scope, maps[0], maps[1]));
  checks.push_back(JudgeRoleMapping(scope, maps[1]));

  std::vector<std::string> skipped;
  const std::vector<RoleArn> proxies = ProxyRolesOf(maps[1].data, &skipped);
  const bool have_roles = maps[1].reply.failure == Failure::kNone && maps[1].parsed;
  if (iam == nullptr || proxies.empty()) {
    Check check{"service.trust-policy",
                CheckStatus::kFail,
                "IAM not asked: " + no_iam,
                {{"iam_endpoint", DisplayUrl(scope.iam_endpoint)}},
                "give the service AWS credentials (DEPLOYMENT.md)"};
    if (iam != nullptr) {
      check.status = have_roles ? CheckStatus::kWarn : CheckStatus::kFail;
      check.fact = have_roles ? "no proxy role in the role mapping: IAM not asked"
                              : "IAM not asked: the role mapping could not be read";
      check.fix = "see service.role-mapping";
    }
    checks.push_back(std::move(check));
    return checks;
  }
  std::string unreachable;  // IAM could not be asked: the other roles are not
  for (const RoleArn& role : proxies) {
    IamResult got;
    std::string policy;
    if (unreachable.empty()) {
      got = iam->GetTrustPolicy(role.name, &policy);
      // No answer, or no credentials to sign with: the next role would fare the same.
      if ((got.failure == Failure::kTransient && got.code.empty()) ||
          got.failure == Failure::kInput) {
        unreachable = got.message;
      }
    } else {
      got = {Failure::kTransient, "",
             "not asked: IAM failed for an earlier role (" + DisplayUrl(scope.iam_endpoint) + ")"};
    }
    checks.push_back(JudgeTrustPolicy(scope, role, got, policy));
  }
  return checks;
}

}  // namespace irsa

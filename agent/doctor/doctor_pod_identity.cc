#include "doctor/doctor_pod_identity.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "aws/sts_identity.h"
#include "base/text.h"
#include "domain/render_pod_identity.h"

namespace irsa {

Check CheckBaseCredentials(const BaseChoice& choice) {
  return {"base.credentials",
          CheckStatus::kPass,
          std::string(BaseCredentialsName(choice.base)) + ": " + choice.why,
          {{"base", std::string(BaseCredentialsName(choice.base))}, {"why", choice.why}},
          ""};
}

Check CheckPodIdentityFetch(const PodIdentityProbe& probe, int64_t now) {
  Check check{"pod-identity.fetch", CheckStatus::kFail, "", {}, ""};
  check.facts = {{"uri", probe.uri}, {"token_file", probe.token_file}};
  if (probe.failure != Failure::kNone) {
    check.fact = probe.error;
    switch (probe.failure) {
      case Failure::kInput:
        check.fix =
            "check AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "
            "the pod needs a Pod Identity association (the EKS webhook sets both) and the token "
            "volume mounted";
        break;
      case Failure::kPermanent:
        check.fix =
            "the agent refused the token: check the pod's service account has a Pod Identity "
            "association (aws eks list-pod-identity-associations) and the token is current";
        break;
      default:
        check.fix =
            "check the eks-pod-identity-agent add-on runs on this node (kubectl -n kube-system get "
            "ds eks-pod-identity-agent) and the node role allows eks-auth:AssumeRoleForPodIdentity";
        break;
    }
    return check;
  }
  check.status = CheckStatus::kPass;
  const int64_t left = probe.expires_at - now;
  check.fact = "credentials for account " +
               (probe.account_id.empty() ? std::string("(not given)") : probe.account_id) + ", " +
               (left > 0 ? FormatDuration(left) + " left" : "already expired");
  if (!probe.account_id.empty()) check.facts.push_back({"account", probe.account_id});
  check.facts.push_back(
      {"credentials", "issued, " +
                          (left > 0 ? FormatDuration(left) + " left" : std::string("expired")) +
                          " (never shown)"});
  if (left <= 0) {
    check.status = CheckStatus::kWarn;
    check.fix = "the agent handed out expired credentials: check the node's clock";
  }
  return check;
}

Check CheckPodIdentityRole(const PodIdentityProbe& probe) {
  Check check{"pod-identity.role", CheckStatus::kFail, "", {}, ""};
  if (!probe.sts_endpoint.empty()) check.facts.push_back({"endpoint", probe.sts_endpoint});
  if (!probe.sts_asked) {
    check.fact = "not asked: " + probe.sts_error;
    check.fix = "fix pod-identity.fetch first";
  } else if (!probe.sts_answered || probe.caller_arn.empty()) {
    check.fact = probe.sts_error;
    check.fix = "check that STS is reachable from here, or set sts-endpoint (a VPC endpoint)";
  } else {
    check.status = CheckStatus::kPass;
    check.fact = "the pod's session is " + probe.caller_arn;
    check.facts.push_back({"caller_arn", probe.caller_arn});
    const std::string role = RoleArnOfAssumedRole(probe.caller_arn);
    if (!role.empty()) check.facts.push_back({"role_arn", role});
  }
  return check;
}

std::string PodIdentityTrustStatement(const std::string& principal) {
  nlohmann::ordered_json statement;
  statement["Effect"] = "Allow";
  statement["Principal"]["AWS"] = principal;
  statement["Action"] = {"sts:AssumeRole", "sts:TagSession"};
  return statement.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

Check CheckPodIdentityTrust(const PodIdentityProbe& probe, const std::vector<ProfilePair>& targets,
                            bool session_tags) {
  Check check{"pod-identity.trust", CheckStatus::kPass, "", {}, ""};
  std::string role = RoleArnOfAssumedRole(probe.caller_arn);
  if (role.empty()) {
    check.status = CheckStatus::kWarn;
    role = "arn:aws:iam::" + (probe.account_id.empty() ? "<account>" : probe.account_id) +
           ":role/<the pod's role>";
    check.fix = probe.failure != Failure::kNone
                    ? "fix pod-identity.fetch, then run doctor --sts to name the pod's role"
                    : "run doctor --sts to name the pod's role (the role of the Pod Identity "
                      "association), then give each target role trust_policy_statement";
  }
  check.fact = "each target role must trust " + role + " (sts:AssumeRole, sts:TagSession)";
  check.facts.push_back({"principal", role});
  std::vector<std::string> names;
  for (const ProfilePair& pair : targets) names.push_back(pair.target_role.ToString());
  check.facts.push_back({"target_roles", names.empty() ? "(none mapped)" : JoinComma(names)});
  check.facts.push_back({"trust_policy_statement", PodIdentityTrustStatement(role)});
  check.facts.push_back(
      {"why_tag_session",
       std::string("EKS Pod Identity's session tags (eks-cluster-name, kubernetes-namespace, ...) "
                   "are transitive: every AssumeRole from the pod's session carries them") +
           (session_tags ? "; session-tags adds domino-user, domino-run-id, domino-project" : "")});
  return check;
}

Check CheckPodIdentityConfig(const FileRead& config, bool have_mapping,
                             const std::vector<std::string>& mapped_names) {
  Check check{"config.file", CheckStatus::kFail, "", {{"path", config.path}}, ""};
  check.fix = "run `irsa-agent once` (or start `irsa-agent run`) with these settings";
  if (config.status.kind() == ReadFailure::kMissing) {
    check.fact = "no config file " + config.path + ": the agent has not written it";
    return check;
  }
  if (!config.status.ok()) {
    check.fact = config.status.message();
    return check;
  }
  if (!IsPodIdentityConfig(config.content)) {
    check.fact = config.path + " was not written for EKS Pod Identity (it has src_ profiles)";
    check.fix = "run `irsa-agent once` again: the base credentials changed to pod-identity";
    return check;
  }
  MappingAnswer parsed;
  std::string err;
  if (!ParsePodIdentityConfig(config.content, &parsed, &err)) {
    check.fact = config.path + ": " + err;
    return check;
  }
  std::vector<std::string> names;
  for (const ProfilePair& pair : parsed.pairs) names.push_back(pair.name);
  check.facts.push_back({"profiles", names.empty() ? "(none)" : JoinComma(names)});
  for (const std::string& why : parsed.dropped) check.facts.push_back({"broken", why});
  if (!parsed.dropped.empty()) {
    check.fact = Count(parsed.dropped.size(), "profile") + " broken in " + config.path + ": " +
                 parsed.dropped.front();
    return check;
  }
  check.status = CheckStatus::kPass;
  check.fix.clear();
  check.fact = Count(names.size(), "profile") + " chaining from the pod's role in " + config.path;
  if (have_mapping) {
    std::vector<std::string> a = names;
    std::vector<std::string> b = mapped_names;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a != b) {
      check.status = CheckStatus::kWarn;
      check.fact = config.path + " differs from what the mapping answers now";
      check.fix = "run `irsa-agent once` (or wait for `run` to refresh)";
    }
  }
  return check;
}

}  // namespace irsa

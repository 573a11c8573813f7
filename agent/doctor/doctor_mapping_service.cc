// The service.* checks of `doctor --mapping-service`: what the service's own
// clients and parsers gave, judged. Messages of the clients never carry a
// credential (mapping/*.h); nothing here reads one.
#include "doctor/doctor_mapping_service.h"

#include <cmath>

#include "base/url.h"
#include "mapping/kube_objects.h"
#include "mapping/trust_policy.h"
#include "mapping/wire.h"

namespace irsa {
namespace {

// The fix for a Kubernetes call that failed with `reply`, for `what` ("list
// pods in domino-compute", "get ConfigMap x in domino-platform").
std::string KubeFix(const KubeReply& reply, const std::string& what) {
  if (reply.status == 401) {
    return "the API server refused the token of kube-token-file: mount the service account's "
           "token there (a projected volume) or fix kube-token-file";
  }
  if (reply.status == 403) {
    return "the service account may not " + what +
           ": apply the RBAC of packaging/kubernetes/mapping-service.yaml";
  }
  if (reply.status == 0 && reply.failure == Failure::kInput) return "fix kube-token-file";
  if (reply.status == 0) {
    return "check kube-api (in a pod: KUBERNETES_SERVICE_HOST/PORT) and kube-ca-file, and that "
           "the API server is reachable from here";
  }
  return "see the API server's answer";
}

// The ConfigMap part both mapping checks share: got and parsed, else a fail.
bool ConfigMapUsable(const ServiceScope& scope, const std::string& name, const ConfigMapRead& read,
                     Check* check) {
  check->facts.push_back({"configmap", scope.platform_namespace + "/" + name});
  if (read.reply.failure != Failure::kNone) {
    check->status = CheckStatus::kFail;
    check->fact = "ConfigMap " + name + ": " + read.reply.message;
    check->fix = read.reply.status == 404
                     ? "create ConfigMap " + name + " in " + scope.platform_namespace +
                           " (DEPLOYMENT.md), or point the setting at the right name"
                     : KubeFix(read.reply, "get ConfigMap " + name);
    return false;
  }
  if (!read.parsed) {
    check->status = CheckStatus::kFail;
    check->fact = "ConfigMap " + name + " does not parse: " + read.error;
    check->fix = "data must map names to ARN strings (docs/MAPPING_SERVICE.md)";
    return false;
  }
  return true;
}

// The verdict on a parsed ConfigMap with `valid` usable entries of `total`.
void Count(const std::string& name, size_t valid, size_t total, const std::string& empty_why,
           Check* check) {
  check->fact = "ConfigMap " + name + ": " + std::to_string(valid) + " of " +
                std::to_string(total) + " entries valid";
  check->facts.push_back({"entries", std::to_string(total)});
  check->facts.push_back({"valid", std::to_string(valid)});
  check->facts.push_back({"skipped", std::to_string(total - valid)});
  if (total == 0) {
    check->status = CheckStatus::kWarn;
    check->fact = "ConfigMap " + name + " is empty: " + empty_why;
    check->fix = "add entries (DEPLOYMENT.md)";
  } else if (valid < total) {
    check->status = CheckStatus::kWarn;
    check->fix = "fix or remove the skipped entries: the service skips them (and logs each)";
  }
}

// Each skipped entry as a fact of its own, with the line that names it.
void AddSkipped(const std::vector<std::string>& skipped, Check* check) {
  for (size_t i = 0; i < skipped.size(); ++i) {
    check->facts.push_back({"skipped_" + std::to_string(i + 1), skipped[i]});
  }
}

}  // namespace

Check JudgeDomino(const ServiceScope& scope, const DominoReply& reply) {
  Check check = MakeCheck("service.domino", CheckStatus::kPass, "");
  const std::string url = DisplayUrl(scope.domino_api);
  check.facts.push_back({"domino_api", url});
  if (reply.status != 0) check.facts.push_back({"http_status", std::to_string(reply.status)});
  if (reply.status == 200 || reply.status == 401 || reply.status == 403) {
    check.fact = "Domino API " + url + " answers (HTTP " + std::to_string(reply.status) +
                 " to GET /v4/auth/principal without a credential)";
    return check;
  }
  check.status = CheckStatus::kFail;
  check.fact = reply.message;  // "Domino API ..." (never a credential: none was sent)
  check.fix = reply.status == 0
                  ? "Domino is unreachable: check domino-api (DOMINO_USER_HOST; in the cluster "
                    "http://nucleus-frontend.domino-platform:80) and the network in between"
                  : "that URL does not answer as the Domino API: check domino-api";
  return check;
}

Check JudgeKubernetes(const ServiceScope& scope, const KubeReply& reply, size_t pods) {
  Check check = MakeCheck("service.kubernetes", CheckStatus::kPass, "");
  check.facts.push_back({"kube_api", DisplayUrl(scope.kube_api)});
  check.facts.push_back({"compute_namespace", scope.compute_namespace});
  if (reply.failure != Failure::kNone) {
    check.status = CheckStatus::kFail;
    check.fact = reply.message;  // "Kubernetes API ...", "Kubernetes bearer token: ..."
    if (reply.status != 0) check.facts.push_back({"http_status", std::to_string(reply.status)});
    check.fix = KubeFix(reply, "list pods in " + scope.compute_namespace);
    return check;
  }
  check.fact = "Kubernetes API " + DisplayUrl(scope.kube_api) + ": listing pods in " +
               scope.compute_namespace + " works (" + std::to_string(pods) + " on a page of " +
               std::to_string(kKubeProbeLimit) + ")";
  return check;
}

Check JudgeRoleMapping(const ServiceScope& scope, const ConfigMapRead& roles) {
  Check check = MakeCheck("service.role-mapping", CheckStatus::kPass, "");
  if (!ConfigMapUsable(scope, scope.role_configmap, roles, &check)) return check;
  std::vector<std::string> skipped;
  const std::vector<RoleArn> proxies = ProxyRolesOf(roles.data, &skipped);
  Count(scope.role_configmap, roles.data.size() - skipped.size(), roles.data.size(),
        "no asset role has a proxy role", &check);
  check.facts.push_back({"proxy_roles", std::to_string(proxies.size())});
  AddSkipped(skipped, &check);
  return check;
}

Check JudgeOrgMapping(const ServiceScope& scope, const ConfigMapRead& orgs,
                      const ConfigMapRead& roles) {
  Check check = MakeCheck("service.org-mapping", CheckStatus::kPass, "");
  if (!ConfigMapUsable(scope, scope.org_configmap, orgs, &check)) return check;
  const bool have_roles = roles.reply.failure == Failure::kNone && roles.parsed;
  std::vector<std::string> skipped;
  for (const auto& [org, asset] : orgs.data) {
    std::string err;
    RoleArn arn;
    if (!have_roles) {  // the role mapping is reported on its own line
      if (!ParseRoleArn(asset, &arn, &err)) {
        skipped.push_back("org mapping entry " + org + ": " + err);
      }
      continue;
    }
    std::vector<std::string> lines;
    if (PairsFor({org}, orgs.data, roles.data, &lines).empty() && !lines.empty()) {
      skipped.push_back(lines.front().starts_with("org mapping entry ")
                            ? lines.front()
                            : "org mapping entry " + org + ": " + lines.front());
    }
  }
  Count(scope.org_configmap, orgs.data.size() - skipped.size(), orgs.data.size(),
        "no organisation is mapped (every answer is empty)", &check);
  if (!have_roles) check.facts.push_back({"proxy_roles", "not checked: see service.role-mapping"});
  AddSkipped(skipped, &check);
  return check;
}

}  // namespace irsa

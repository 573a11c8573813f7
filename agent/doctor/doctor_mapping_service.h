// `irsa-agent doctor --mapping-service`: the mapping service's side, checked
// with the clients and parsers the service itself runs (mapping/*), as
// `doctor --sts` runs the real StsChain: Domino answers, the Kubernetes API
// takes the service account's token, both ConfigMaps parse and their entries
// pass the service's rules, and each proxy role's trust policy is found, has
// the IRSA statement of oidc-provider and fits trust-policy-max-length
// (docs/MAPPING_SERVICE.md, "Checking a deployment"). The Judge* functions
// are pure; CheckMappingService makes the calls. No Check ever holds the
// Kubernetes token, a Domino credential or an AWS key.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "doctor/doctor.h"
#include "domain/arn.h"
#include "mapping/domino_client.h"
#include "mapping/iam_client.h"
#include "mapping/kube_api.h"

namespace irsa {

// What the service is configured with (its settings), as the checks name it.
struct ServiceScope {
  std::string domino_api;  // URLs, for the facts
  std::string kube_api;
  std::string iam_endpoint;
  std::string compute_namespace = "domino-compute";
  std::string platform_namespace = "domino-platform";
  std::string org_configmap = "domino-org-iamrole-mapping";
  std::string role_configmap = "resource-role-to-eks-role-mapping";
  std::string oidc;          // the issuer without https://
  size_t max_length = 2048;  // trust-policy-max-length
};

// service.kubernetes lists one page of this many pods: enough to know it works.
inline constexpr int kKubeProbeLimit = 1;

// Above this share of the limit a trust policy is a warning.
inline constexpr double kTrustPolicyWarnShare = 0.9;

// service.domino: GET /v4/auth/principal sent without a credential (the
// service forwards its callers'); any HTTP answer of Domino's (200, 401, 403)
// means reachable.
Check JudgeDomino(const ServiceScope& scope, const DominoReply& reply);

// service.kubernetes: one page (limit 1) of pods in the compute namespace,
// listed with the service account's token.
Check JudgeKubernetes(const ServiceScope& scope, const KubeReply& reply, size_t pods);

// One ConfigMap as the service reads it: got (`reply`, `body`) and parsed.
struct ConfigMapRead {
  KubeReply reply;
  std::string body;
  bool parsed = false;
  std::map<std::string, std::string> data;  // parsed: the entries
  std::string error;                        // !parsed: why
};

// service.role-mapping: every entry a valid proxy role ARN (ProxyRolesOf);
// a skipped entry is a warning naming it.
Check JudgeRoleMapping(const ServiceScope& scope, const ConfigMapRead& roles);
// service.org-mapping: every entry a valid asset role ARN with a proxy role
// in the role mapping (PairsFor, entry by entry; the proxy role only when
// the role mapping parsed).
Check JudgeOrgMapping(const ServiceScope& scope, const ConfigMapRead& orgs,
                      const ConfigMapRead& roles);

// service.trust-policy for one proxy role: GetRole's result (`got`, and the
// decoded document `policy`), parsed with the service's TrustPolicy; fails
// when GetRole failed, the document does not parse or it is over the limit,
// warns when it has no IRSA statement of the provider or is over 90 % of it.
Check JudgeTrustPolicy(const ServiceScope& scope, const RoleArn& role, const IamResult& got,
                       const std::string& policy);

// Every check above, in order, asking each dependency once (IAM once per
// proxy role; after an IAM call that got no answer or had no credentials to
// sign with, the other roles are not asked).
// `iam` nullptr: the service has no AWS credentials, `no_iam` says why.
std::vector<Check> CheckMappingService(const ServiceScope& scope, DominoClient& domino,
                                       MappingKube& kube, IamClient* iam,
                                       const std::string& no_iam);

}  // namespace irsa

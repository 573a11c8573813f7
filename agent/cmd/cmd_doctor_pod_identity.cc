// doctor's Pod Identity probes: the shells' side of doctor_pod_identity.h.
#include "aws/pod_identity.h"
#include "aws/sts.h"
#include "aws/sts_chain.h"
#include "aws/sts_identity.h"
#include "base/url.h"
#include "cmd/doctor_pod_identity_probe.h"
#include "doctor/doctor_pod_identity.h"

namespace irsa {
namespace {

// GetCallerIdentity with `credentials` (the pod's role), then every target
// through the chain `credentials` runs (StsChain): the AssumeRole is its.
void ProbeSts(const Settings& settings, const std::vector<ProfilePair>& targets,
              const TemporaryCredentials& credentials, const AuditTrail& audit, Shells& shells,
              PodIdentityProbe* probe, std::vector<Check>* assume_checks) {
  // The endpoint StsChain resolves: the region setting, the target's partition.
  const std::string& region = settings.region;
  const std::string partition = targets.empty() ? "aws" : targets[0].target_role.partition;
  StsEndpoint endpoint;
  std::string err;
  probe->sts_asked = true;
  if (!ResolveStsEndpoint(settings.sts_endpoint, region, partition, &endpoint, &err)) {
    probe->sts_error = err;
    return;
  }
  probe->sts_endpoint = endpoint.url;
  const std::string now = AmzDate(static_cast<int64_t>(shells.clock->Wall()));
  CallerIdentity identity;
  probe->sts_answered = GetCallerIdentity(*shells.http, endpoint, settings.request_timeout,
                                          credentials, now, &identity, &err);
  if (!probe->sts_answered) {
    probe->sts_error = err;
    return;
  }
  if (!identity.ok) {
    probe->sts_error = "GetCallerIdentity: " + identity.error_code +
                       (identity.error_message.empty() ? "" : ": " + identity.error_message);
    return;
  }
  probe->caller_arn = identity.arn;
  RoleArn pod_role;
  std::string arn_err;
  if (!ParseRoleArn(RoleArnOfAssumedRole(identity.arn), &pod_role, &arn_err)) return;
  std::vector<ProfilePair> shown = targets;
  for (ProfilePair& pair : shown) pair.proxy_role = pod_role;  // the hop's source: the pod's role
  Clock& clock = *shells.clock;
  StsChain chain(
      *shells.http, *shells.files, [&clock] { return clock.Wall(); }, StsChainOptionsFor(settings));
  *assume_checks = CheckStsChain(chain, shown, audit, nullptr, /*pod_identity=*/true);
}

}  // namespace

void AddPodIdentityChecks(const Settings& settings, bool sts,
                          const std::vector<ProfilePair>& targets, const AuditTrail& audit,
                          Shells& shells, std::vector<Check>* checks) {
  const PodIdentityEndpoint endpoint = PodIdentityEndpointFor(settings);
  PodIdentityProbe probe;
  probe.uri = DisplayUrl(endpoint.uri);
  probe.token_file = endpoint.token_file;
  CredentialFetch fetch =
      FetchPodIdentityCredentials(endpoint, *shells.files, *shells.http, &probe.account_id);
  probe.fetch = fetch.status;
  probe.expires_at = fetch.expires_at;
  checks->push_back(CheckPodIdentityFetch(probe, static_cast<int64_t>(shells.clock->Wall())));
  std::vector<Check> assume_checks;
  if (sts) {
    if (fetch.credentials != nullptr) {
      ProbeSts(settings, targets, *fetch.credentials, audit, shells, &probe, &assume_checks);
    } else {
      probe.sts_error = "no Pod Identity credentials (see pod-identity.fetch)";
    }
    checks->push_back(CheckPodIdentityRole(probe));
    for (Check& c : assume_checks) checks->push_back(std::move(c));
  }
  if (fetch.credentials != nullptr) fetch.credentials->Clear();
  checks->push_back(CheckPodIdentityTrust(probe, targets, /*session_tags=*/false));
}

}  // namespace irsa

// doctor's Pod Identity probes: the shells' side of doctor_pod_identity.h.
#include "aws/pod_identity.h"
#include "aws/sts.h"
#include "aws/sts_identity.h"
#include "base/url.h"
#include "cmd/doctor_pod_identity_probe.h"
#include "doctor/doctor_pod_identity.h"

namespace irsa {
namespace {

// GetCallerIdentity, then AssumeRole into every target, with `credentials`.
void ProbeSts(const Settings& settings, const std::vector<ProfilePair>& targets,
              const TemporaryCredentials& credentials, Shells& shells, PodIdentityProbe* probe,
              std::vector<Check>* assume_checks) {
  const std::string region = !settings.region.empty() ? settings.region
                             : targets.empty()        ? ""
                                                      : targets[0].region;
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
  StsClient client(*shells.http, endpoint, settings.request_timeout, "");
  const std::string session =
      DoctorSessionName(settings.run_id.empty() ? "pod-identity" : settings.run_id);
  for (ProfilePair pair : targets) {
    pair.proxy_role = pod_role;  // the hop's source: the pod's role
    StsAnswer answer;
    err.clear();
    const bool answered =
        client.AssumeRole(pair.target_role, session, credentials, now, &answer, &err);
    const StsProbe summary = SummarizeSts(answered, err, answer, endpoint);
    answer.credentials.Clear();
    assume_checks->push_back(CheckAssumeRole(pair, summary));
  }
}

}  // namespace

void AddPodIdentityChecks(const Settings& settings, bool sts,
                          const std::vector<ProfilePair>& targets, Shells& shells,
                          std::vector<Check>* checks) {
  const PodIdentityEndpoint endpoint = PodIdentityEndpointFor(settings);
  PodIdentityProbe probe;
  probe.uri = DisplayUrl(endpoint.uri);
  probe.token_file = endpoint.token_file;
  CredentialFetch fetch =
      FetchPodIdentityCredentials(endpoint, *shells.files, *shells.http, &probe.account_id);
  probe.failure = fetch.failure;
  probe.error = fetch.message;
  probe.expires_at = fetch.expires_at;
  checks->push_back(CheckPodIdentityFetch(probe, static_cast<int64_t>(shells.clock->Wall())));
  std::vector<Check> assume_checks;
  if (sts) {
    if (fetch.credentials != nullptr) {
      ProbeSts(settings, targets, *fetch.credentials, shells, &probe, &assume_checks);
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

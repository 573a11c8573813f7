// doctor in an EKS Pod Identity pod: which base credentials were chosen and
// why, one fetch from the Pod Identity agent, the pod's role, the published
// Pod Identity config, and the trust policy each target role needs. Pure
// judgements, like doctor.h: cmd_doctor_pod_identity.cc gathers the facts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/outcome.h"
#include "doctor/doctor.h"
#include "domain/answer.h"
#include "domain/base_credentials.h"

namespace irsa {

// What the shell learnt from the Pod Identity agent (and STS, with --sts).
// Never a token or a credential.
struct PodIdentityProbe {
  std::string uri;         // as displayed (DisplayUrl)
  std::string token_file;  // the path read
  Failure failure = Failure::kNone;
  std::string error;  // failure: one line naming the variable (and HTTP status)
  std::string account_id;
  int64_t expires_at = 0;  // unix seconds
  // --sts: GetCallerIdentity signed with the fetched credentials.
  bool sts_asked = false;
  bool sts_answered = false;
  std::string sts_endpoint;
  std::string sts_error;  // !sts_answered, or the STS error code and message
  std::string caller_arn;
};

// base.credentials: always a pass; the fact says which base and why.
Check CheckBaseCredentials(const BaseChoice& choice);

// pod-identity.fetch: the agent gave credentials (account, time left), or why not.
Check CheckPodIdentityFetch(const PodIdentityProbe& probe, int64_t now);

// pod-identity.role (--sts): the ARN of the pod's role, from GetCallerIdentity.
Check CheckPodIdentityRole(const PodIdentityProbe& probe);

// pod-identity.trust: the statement every target role's trust policy needs:
// Principal AWS = the pod's role (from --sts, else a placeholder in the
// fetched account), Action sts:AssumeRole and sts:TagSession (Pod Identity's
// session tags are transitive, and `session_tags` adds the broker's own).
// Warns when the pod's role is unknown.
Check CheckPodIdentityTrust(const PodIdentityProbe& probe, const std::vector<ProfilePair>& targets,
                            bool session_tags);

// The trust policy statement for `principal` (a role ARN or a placeholder),
// as indented JSON.
std::string PodIdentityTrustStatement(const std::string& principal);

// config.file for a Pod Identity config (render_pod_identity.h): readable,
// every profile valid, the same names as the mapping when it answered.
Check CheckPodIdentityConfig(const FileRead& config, bool have_mapping,
                             const std::vector<std::string>& mapped_names);

}  // namespace irsa

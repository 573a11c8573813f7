// doctor's facts in an EKS Pod Identity pod (cmd_doctor_pod_identity.cc):
// one fetch from the Pod Identity agent and, with --sts, GetCallerIdentity
// and an AssumeRole into each target signed with the pod's credentials.
#pragma once

#include <vector>

#include "cmd/commands.h"
#include "doctor/doctor.h"
#include "domain/answer.h"

namespace irsa {

// Appends pod-identity.fetch, then with `sts` pod-identity.role and one
// sts.assume-role per target, then pod-identity.trust. The credentials are
// wiped before it returns; none reaches a Check.
void AddPodIdentityChecks(const Settings& settings, bool sts,
                          const std::vector<ProfilePair>& targets, Shells& shells,
                          std::vector<Check>* checks);

}  // namespace irsa

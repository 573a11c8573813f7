// STS GetCallerIdentity, signed with temporary credentials: who those
// credentials are (for doctor in an EKS Pod Identity pod).
#pragma once

#include <string>
#include <string_view>

#include "aws/sts.h"
#include "irsa_agent/http.h"

namespace irsa {

struct CallerIdentity {
  bool ok = false;
  std::string arn;         // ok: "arn:aws:sts::111122223333:assumed-role/pod-role/eks-..."
  std::string account;     // ok: "111122223333"
  std::string error_code;  // !ok: ErrorResponse/Error/Code
  std::string error_message;
};

// Parses the answer to GetCallerIdentity: <GetCallerIdentityResponse>
// <GetCallerIdentityResult> with non-empty Arn and Account, or an
// <ErrorResponse>. False with one line in `*err` otherwise.
bool ParseCallerIdentity(std::string_view body, CallerIdentity* out, std::string* err);

// The role ARN an assumed-role ARN was issued for: "arn:P:sts::A:assumed-role/
// R/session" -> "arn:P:iam::A:role/R" (the role's path is not in it). Empty
// for anything else.
std::string RoleArnOfAssumedRole(std::string_view assumed_role_arn);

// POST Action=GetCallerIdentity to `endpoint`, signed with `credentials` at
// `amz_date`. True when STS answered something ParseCallerIdentity read;
// false with one line in `*err` (naming the host) when no answer came.
bool GetCallerIdentity(HttpClient& http, const StsEndpoint& endpoint, double timeout,
                       const TemporaryCredentials& credentials, std::string_view amz_date,
                       CallerIdentity* out, std::string* err);

}  // namespace irsa

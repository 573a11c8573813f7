// Where proxy roles' trust policies are read and written: the seam between
// the group commit (committer.h) and IAM. IamClient is the real one; unit
// tests use a fake. Implementations are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/outcome.h"

namespace irsa {

struct IamResult {
  // kTransient (network, 5xx, Throttling), kPermanent (other 4xx: NoSuchEntity,
  // AccessDenied, MalformedPolicyDocument, LimitExceeded), kInput (no credentials),
  // kAnswer (a 200 that is not the expected XML).
  Failure failure = Failure::kNone;
  std::string code;     // IAM's error code, when it sent one
  std::string message;  // one line, never a credential
};

class TrustStore {
 public:
  virtual ~TrustStore() = default;
  // The decoded trust policy document of role `role_name` (GetRole).
  virtual IamResult GetTrustPolicy(std::string_view role_name, std::string* policy) = 0;
  // Replaces it with `policy` (UpdateAssumeRolePolicy).
  virtual IamResult UpdateTrustPolicy(std::string_view role_name, std::string_view policy) = 0;
};

}  // namespace irsa

// IAM role ARNs and role names, by the grammar in CONTRACT.md section 4.
#pragma once

#include <string>
#include <string_view>

namespace irsa {

// arn:<partition>:iam::<12 digits>:role/<optional path/><name>
struct RoleArn {
  std::string
      partition;  // aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc
  std::string account;  // 12 digits
  std::string path;     // "/" or "/a/b/", at most 512 characters
  std::string name;     // [A-Za-z0-9_+=,.@-]{1,64}

  // The canonical text form; ParseRoleArn(ToString()) gives back the same value.
  std::string ToString() const;
};

// Parses `text`. On failure returns false with one line in `*err` naming
// the part that is wrong, e.g. "role ARN: account must be 12 digits".
bool ParseRoleArn(std::string_view text, RoleArn* out, std::string* err);

// [A-Za-z0-9_+=,.@-]{1,64}: what IAM allows in a role name.
bool IsValidRoleName(std::string_view name);

// Whether a profile name works in each SDK family (CONTRACT.md section 4).
struct ProfileNameSupport {
  bool all_sdks = false;   // only [A-Za-z0-9_-]
  bool botocore = false;   // also . @ +  (and = , in practice)
  bool java_v2 = false;    // rejects + = ,
  bool js_v3_old = false;  // rejected . @ + /
};
ProfileNameSupport CheckProfileName(std::string_view name);

}  // namespace irsa

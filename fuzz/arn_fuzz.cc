// ParseRoleArn, IsValidRoleName and CheckProfileName on arbitrary bytes.
//
// Invariants: an accepted ARN's ToString() is the input itself (the grammar
// has one spelling) and parses back to the same fields; its name is a valid
// role name and its path is "/" or "/.../"; errors are one printable line
// starting "role ARN: "; the SDK support flags are consistent.
#include <cstddef>
#include <cstdint>
#include <string>

#include "domain/arn.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using irsa::fuzz::Check;
  const std::string_view text = irsa::fuzz::AsText(data, size);

  const irsa::ProfileNameSupport support = irsa::CheckProfileName(text);
  Check(support.botocore == irsa::IsValidRoleName(text), "botocore support is role name validity");
  Check(!support.all_sdks || (support.botocore && support.java_v2 && support.js_v3_old),
        "a name every SDK takes is taken by each");

  irsa::RoleArn arn;
  std::string err;
  if (!irsa::ParseRoleArn(text, &arn, &err)) {
    Check(err.starts_with("role ARN: "), "an error starts with role ARN:");
    Check(irsa::fuzz::IsPrintableLine(err), "an error is one printable line");
    return 0;
  }
  Check(arn.ToString() == text, "ToString() gives back the accepted text");
  Check(irsa::IsValidRoleName(arn.name), "the name is a valid role name");
  Check(arn.path.starts_with('/') && arn.path.ends_with('/') && arn.path.size() <= 512,
        "the path is /.../ of at most 512 characters");
  Check(arn.account.size() == 12, "the account has 12 digits");
  irsa::RoleArn again;
  Check(irsa::ParseRoleArn(arn.ToString(), &again, &err), "ToString() parses");
  Check(again.partition == arn.partition && again.account == arn.account &&
            again.path == arn.path && again.name == arn.name,
        "ToString() parses to the same fields");
  return 0;
}

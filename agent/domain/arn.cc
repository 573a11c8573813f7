// IAM role ARNs: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME, as IAM defines
// them. The mapping service's answer is checked against this grammar before
// anything reaches the AWS config file.
#include "domain/arn.h"

#include <array>
#include <cstddef>
#include <utility>

#include "base/text.h"

namespace irsa {
namespace {

constexpr std::array<std::string_view, 8> kPartitions = {
    "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"};
constexpr size_t kMaxPathLength = 512;
constexpr size_t kMaxRoleNameLength = 64;

bool IsAlnumOr(char c, std::string_view extra) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         extra.find(c) != std::string_view::npos;
}

bool IsKnownPartition(std::string_view p) {
  for (std::string_view known : kPartitions) {
    if (p == known) return true;
  }
  return false;
}

bool IsTwelveDigits(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// `path` comes from splitting at the last '/', so it starts and ends with '/';
// what remains is IAM's rule: "/" or "/seg/.../" of 0x21..0x7E, at most 512.
bool CheckPath(std::string_view path, std::string* err) {
  if (path.size() > kMaxPathLength) {
    *err = "role ARN: path longer than 512 characters";
    return false;
  }
  for (char c : path) {
    if (c < 0x21 || c > 0x7E) {
      *err = "role ARN: path must be printable ASCII without spaces";
      return false;
    }
  }
  if (path.find("//") != std::string_view::npos) {
    *err = "role ARN: path has an empty segment";
    return false;
  }
  return true;
}

// Splits `text` at its first five ':' into the six ARN fields; the resource
// keeps any further ':' (a path may contain one).
bool SplitFields(std::string_view text, std::array<std::string_view, 6>* fields) {
  for (size_t i = 0; i < 5; ++i) {
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) return false;
    (*fields)[i] = text.substr(0, colon);
    text.remove_prefix(colon + 1);
  }
  (*fields)[5] = text;
  return true;
}

}  // namespace

std::string RoleArn::ToString() const {
  // An unset path means the root path "/", so a hand-built value renders too.
  return "arn:" + partition + ":iam::" + account + ":role" + (path.empty() ? "/" : path) + name;
}

bool IsValidRoleName(std::string_view name) {
  if (name.empty() || name.size() > kMaxRoleNameLength) return false;
  for (char c : name) {
    if (!IsAlnumOr(c, "_+=,.@-")) return false;
  }
  return true;
}

bool ParseRoleArn(std::string_view text, RoleArn* out, std::string* err) {
  std::array<std::string_view, 6> f;
  if (!SplitFields(text, &f) || f[0] != "arn") {
    *err = "role ARN: expected arn:PARTITION:iam::ACCOUNT:role/NAME";
    return false;
  }
  const std::string_view partition = f[1], service = f[2], region = f[3], account = f[4],
                         resource = f[5];
  if (!IsKnownPartition(partition)) {
    *err = "role ARN: unknown partition '" + Printable(partition) + "'";
    return false;
  }
  if (service != "iam") {
    *err = "role ARN: service must be iam, not '" + Printable(service) + "'";
    return false;
  }
  if (!region.empty()) {
    *err = "role ARN: region must be empty";
    return false;
  }
  if (!IsTwelveDigits(account)) {
    *err = "role ARN: account must be 12 digits";
    return false;
  }
  if (!resource.starts_with("role/")) {
    *err = "role ARN: resource must start with role/";
    return false;
  }
  const std::string_view path_and_name = resource.substr(4);  // starts with '/'
  const size_t last_slash = path_and_name.rfind('/');
  const std::string_view path = path_and_name.substr(0, last_slash + 1);
  const std::string_view name = path_and_name.substr(last_slash + 1);
  if (!CheckPath(path, err)) return false;
  if (!IsValidRoleName(name)) {
    *err = "role ARN: role name must be 1 to 64 of A-Z a-z 0-9 _+=,.@-";
    return false;
  }
  RoleArn arn;
  arn.partition = std::string(partition);
  arn.account = std::string(account);
  arn.path = std::string(path);
  arn.name = std::string(name);
  *out = std::move(arn);
  return true;
}

ProfileNameSupport CheckProfileName(std::string_view name) {
  ProfileNameSupport support;
  const bool valid = IsValidRoleName(name);
  const auto has_any = [name](std::string_view chars) {
    return name.find_first_of(chars) != std::string_view::npos;
  };
  support.botocore = valid;
  support.java_v2 = valid && !has_any("+=,");
  support.js_v3_old = valid && !has_any(".@+/");
  support.all_sdks = valid && !has_any("+=,.@");
  return support;
}

}  // namespace irsa

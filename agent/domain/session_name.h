// Who did it, in CloudTrail: the Domino user and run as STS takes them in
// RoleSessionName, SourceIdentity and session tags (CONTRACT.md section 7).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/labels.h"

namespace irsa {

// STS's limit on RoleSessionName and SourceIdentity.
inline constexpr size_t kMaxSessionNameBytes = 64;

// The user for the audit trail: the starting-user label when it holds at
// least one usable character, else the Domino token's preferred_username,
// else empty. Characters outside [A-Za-z0-9_+=,.@-] are dropped; cut to 64.
std::string AuditUser(const PodIdentity& pod, std::string_view preferred_username);

// "<user>@<run id>", or "<run id>" without a user; characters outside
// [A-Za-z0-9_+=,.@-] are dropped from both. Too long: the user is cut first
// so the run id stays whole (a run id over 63 characters is cut to 64 and
// the user left out). Shorter than 2 characters: "run-" goes in front;
// nothing at all: "irsa-agent".
// Always 2-64 characters of that alphabet.
std::string RoleSessionName(std::string_view user, std::string_view run_id);

// What one sync decided about the audit trail of every profile it wrote.
struct AuditTrail {
  std::string session_name;     // RoleSessionName of both hops
  std::string source_identity;  // the target hop's SourceIdentity; empty: none
  std::vector<std::pair<std::string, std::string>> tags;  // the target hop's tags

  bool operator==(const AuditTrail&) const = default;
};

// The trail for `user` (AuditUser), `run_id` and `project`: the session name
// always; SourceIdentity (the user, when it has 2 or more characters) and
// SessionTags only when asked for.
AuditTrail MakeAuditTrail(std::string_view user, std::string_view run_id, std::string_view project,
                          bool source_identity, bool session_tags);

// Whether `name` is 2-64 characters of [A-Za-z0-9_+=,.@-] (RoleSessionName,
// SourceIdentity).
bool IsValidSessionName(std::string_view name);

// The AssumeRole session tags: domino-user (when `user` is not empty),
// domino-run-id, domino-project (when `project` is not empty). Values keep
// only what STS allows in a tag value ([A-Za-z0-9 _.:/=+@-]), cut to 256; a
// tag whose value ends up empty is left out.
std::vector<std::pair<std::string, std::string>> SessionTags(std::string_view user,
                                                             std::string_view run_id,
                                                             std::string_view project);

}  // namespace irsa

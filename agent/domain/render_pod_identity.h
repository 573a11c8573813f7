// Chain style in an EKS Pod Identity pod: every target `X` chains from the
// container credentials provider (credential_source = EcsContainer) straight
// into its target role. The proxy `src_X` profiles of the mapping are left
// out: their roles trust the cluster's OIDC provider, not the pod's role.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/answer.h"

namespace irsa {

struct PodIdentityRenderOptions {
  std::string region;             // written into every profile when not empty
  std::string role_session_name;  // written into every profile when not empty
};

// The credential_source of every profile RenderPodIdentityChain writes.
inline constexpr std::string_view kEcsContainer = "EcsContainer";

// The first line of a config RenderPodIdentityChain wrote.
inline constexpr std::string_view kPodIdentityHeader =
    "# Written by irsa-agent from the IAM role mapping for EKS Pod Identity. Do not edit: it is "
    "rewritten.\n";

// Renders `pairs` in order: the header line, then for each pair
// `[profile X]` with role_arn (the target role), credential_source =
// EcsContainer, role_session_name and region, a blank line after each.
// Deterministic. REQUIRES: pairs from ParseMappingAnswer, a session name of
// 2-64 [A-Za-z0-9_+=,.@-] (or empty) and a validated region.
std::string RenderPodIdentityChain(const std::vector<ProfilePair>& pairs,
                                   const PodIdentityRenderOptions& options);

// Whether `text` starts with kPodIdentityHeader.
bool IsPodIdentityConfig(std::string_view text);

// Reads back a config RenderPodIdentityChain wrote: every `[profile X]` needs
// exactly role_arn (valid), credential_source = EcsContainer and optionally
// role_session_name and region. Pairs get an empty proxy role; anything else
// is listed in `dropped`. A profile of process style under Pod Identity
// (credential_process with --base-credentials pod-identity, see
// credential_process.h) stands for those entries. False with `*err` when the
// text does not parse.
bool ParsePodIdentityConfig(std::string_view text, MappingAnswer* out, std::string* err);

}  // namespace irsa

// Validated profile pairs -> the bytes of AWS_CONFIG_FILE.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/answer.h"
#include "settings/settings.h"

namespace irsa {

struct RenderOptions {
  std::string web_identity_token_file;  // the stable path, written verbatim
  std::string region;                   // written into every profile when not empty
  std::string session_name;             // RoleSessionName of both hops; empty: none
  ProfileStyle style = ProfileStyle::kChain;
  // Process style only: what `credentials` needs to work alone.
  std::string binary;           // this binary as the user's container sees it
  std::string socket;           // the broker's Unix socket
  std::string sts_endpoint;     // empty: not passed (the command reads AWS_ENDPOINT_URL_STS)
  std::string ca_file;          // empty: not passed
  std::string source_identity;  // the target hop's SourceIdentity; empty: none
  std::vector<std::pair<std::string, std::string>> tags;  // the target hop's session tags
  // Process style only: the base credentials are EKS Pod Identity's.
  bool pod_identity = false;
};

// Renders `pairs` in order: a comment line, then for each pair `[profile X]`
// and `[profile src_X]`, a blank line between sections.
// Chain style: X has source_profile, role_arn, role_session_name, region;
// src_X has web_identity_token_file, role_arn, role_session_name, region.
// Process style: X and src_X each have only credential_process (this
// binary's `credentials` command, see credential_process.h) and region;
// SourceIdentity and tags go to X's command only (the web identity hop
// cannot carry them). Process style under Pod Identity: the header
// kPodIdentityHeader and only X, whose command assumes the target role from
// the pod's role (--base-credentials pod-identity, no --source-role-arn); the
// src_X proxies mean nothing there (their roles trust the OIDC provider).
// role_session_name and region are left out when empty. Deterministic: the
// same input always gives the same bytes. REQUIRES: the pairs come from
// ParseMappingAnswer and the options passed settings validation.
std::string RenderConfig(const std::vector<ProfilePair>& pairs, const RenderOptions& options);

// Appends "key = value\n": one entry of a profile, the only form this agent
// writes (no inline comment, no continuation line).
void AppendEntry(std::string_view key, std::string_view value, std::string* out);

}  // namespace irsa

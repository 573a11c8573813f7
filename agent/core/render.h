// Validated profile pairs -> the bytes of AWS_CONFIG_FILE.
#pragma once

#include <string>
#include <vector>

#include "core/answer.h"

namespace irsa {

struct RenderOptions {
  std::string web_identity_token_file;  // the stable path, written verbatim
  std::string region;                   // written into every profile when not empty
};

// Renders `pairs` in order: a comment line, then for each pair `[profile X]`
// (source_profile, role_arn, region) and `[profile src_X]`
// (web_identity_token_file, role_arn, region), a blank line between sections.
// Deterministic: the same input always gives the same bytes. REQUIRES: the
// pairs come from ParseMappingAnswer and the options passed settings validation.
std::string RenderConfig(const std::vector<ProfilePair>& pairs, const RenderOptions& options);

}  // namespace irsa

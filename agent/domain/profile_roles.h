// One profile of a published config, read back as the roles and session name
// it stands for: what `exec` needs to run the chain itself when no agent
// runs. Reads both styles (chain: role_arn, source_profile, role_session_name;
// process: the credential_process command's options).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace irsa {

struct ProfileRoles {
  std::string role_arn;
  std::string source_role_arn;  // the source profile's role; empty for src_X and Pod Identity
  std::string session_name;     // empty when the profile names none
  std::string region;           // empty when the profile names none
  std::string web_identity_token_file;  // of the first hop; empty under Pod Identity
};

enum class ProfileLookup { kFound, kUnknown, kBroken };

// Finds `[profile NAME]` in `config_text`. kFound fills `*out`. kUnknown (no
// such profile) and kBroken (the file or the profile cannot be read, one
// line in `*err`) leave `*out` alone. `*names` always gets every profile
// name in the file, in file order (empty when the file cannot be parsed).
ProfileLookup FindProfileRoles(std::string_view config_text, std::string_view name,
                               ProfileRoles* out, std::vector<std::string>* names,
                               std::string* err);

}  // namespace irsa

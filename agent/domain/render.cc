// Validated profile pairs -> AWS config bytes. Every name and ARN written here
// passed arn.h's grammar ([A-Za-z0-9_+=,.@-] names, no whitespace, no
// brackets), so no value can end a line, open a section or be read as a
// continuation; the token path, region, binary, socket and endpoint come from
// validated settings (no control characters), and the session name and tags
// from session_name.h's alphabets.
#include "domain/render.h"

#include <string_view>

#include "domain/credential_process.h"
#include "domain/render_pod_identity.h"

namespace irsa {
namespace {

constexpr std::string_view kHeaderComment =
    "# Written by irsa-agent from the IAM role mapping. Do not edit: it is rewritten.\n";

// Opens `[profile name]`. The caller appends its entries and EndSection().
void BeginSection(std::string_view name, std::string* out) {
  out->append("[profile ");
  out->append(name);
  out->append("]\n");
}

// Every profile gets the region, so Java v2 picks the regional STS endpoint.
void EndSection(const RenderOptions& options, std::string* out) {
  if (!options.region.empty()) AppendEntry("region", options.region, out);
  out->push_back('\n');
}

}  // namespace

void AppendEntry(std::string_view key, std::string_view value, std::string* out) {
  out->append(key);
  out->append(" = ");
  out->append(value);
  out->push_back('\n');
}

std::string RenderConfig(const std::vector<ProfilePair>& pairs, const RenderOptions& options) {
  const bool process = options.style == ProfileStyle::kProcess;
  const bool pod_identity = process && options.pod_identity;
  std::string out(pod_identity ? kPodIdentityHeader : kHeaderComment);
  for (const ProfilePair& pair : pairs) {
    const std::string source_name = std::string(kSourcePrefix) + pair.name;
    ProcessCommand command;
    if (process) {
      command.binary = options.binary;
      command.socket = options.socket;
      command.session_name = options.session_name;
      command.region = options.region;
      command.web_identity_token_file = options.web_identity_token_file;
      command.sts_endpoint = options.sts_endpoint;
      command.ca_file = options.ca_file;
      if (pod_identity) command.base_credentials = "pod-identity";
    }

    BeginSection(pair.name, &out);
    if (process) {
      ProcessCommand target = command;
      target.profile = pair.name;
      target.role_arn = pair.target_role.ToString();
      if (!pod_identity) target.source_role_arn = pair.proxy_role.ToString();
      target.source_identity = options.source_identity;
      target.tags = options.tags;
      AppendEntry("credential_process", FormatCredentialProcess(target), &out);
    } else {
      AppendEntry("source_profile", source_name, &out);
      AppendEntry("role_arn", pair.target_role.ToString(), &out);
      if (!options.session_name.empty()) {
        AppendEntry("role_session_name", options.session_name, &out);
      }
    }
    EndSection(options, &out);
    if (pod_identity) continue;

    BeginSection(source_name, &out);
    if (process) {
      command.profile = source_name;
      command.role_arn = pair.proxy_role.ToString();
      AppendEntry("credential_process", FormatCredentialProcess(command), &out);
    } else {
      AppendEntry("web_identity_token_file", options.web_identity_token_file, &out);
      AppendEntry("role_arn", pair.proxy_role.ToString(), &out);
      if (!options.session_name.empty()) {
        AppendEntry("role_session_name", options.session_name, &out);
      }
    }
    EndSection(options, &out);
  }
  return out;
}

}  // namespace irsa

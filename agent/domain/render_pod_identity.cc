// Validated profile pairs -> chain-style config for an EKS Pod Identity pod,
// and reading it back. As in render.cc, every value written passed arn.h's
// grammar or settings validation, so none can end a line or open a section.
#include "domain/render_pod_identity.h"

#include <map>

#include "base/text.h"
#include "domain/aws_config.h"
#include "domain/credential_process.h"
#include "domain/render.h"

namespace irsa {
namespace {

// Checks one profile's keys; on success fills `*pair`.
bool CheckProfile(const std::string& name, const ConfigSection& section, ProfilePair* pair,
                  std::string* why) {
  std::map<std::string, std::string> values;
  for (const ConfigEntry& e : section.entries) {
    if (e.key != "role_arn" && e.key != "credential_source" && e.key != "role_session_name" &&
        e.key != "region") {
      *why = "unknown key " + Printable(e.key);
      return false;
    }
    if (values.count(e.key) != 0 || e.value.empty() || HasControlChar(e.value)) {
      *why = e.key + ": repeated, empty or with a control character";
      return false;
    }
    values[e.key] = e.value;
  }
  if (values["credential_source"] != kEcsContainer) {
    *why = "credential_source must be EcsContainer";
    return false;
  }
  if (!ParseRoleArn(values["role_arn"], &pair->target_role, why)) return false;
  if (!IsValidRoleName(name)) {
    *why = "not a valid IAM role name";
    return false;
  }
  pair->name = name;
  pair->region = values["region"];
  return true;
}

}  // namespace

std::string RenderPodIdentityChain(const std::vector<ProfilePair>& pairs,
                                   const PodIdentityRenderOptions& options) {
  std::string out(kPodIdentityHeader);
  for (const ProfilePair& pair : pairs) {
    out.append("[profile ");
    out.append(pair.name);
    out.append("]\n");
    AppendEntry("role_arn", pair.target_role.ToString(), &out);
    AppendEntry("credential_source", kEcsContainer, &out);
    if (!options.role_session_name.empty()) {
      AppendEntry("role_session_name", options.role_session_name, &out);
    }
    if (!options.region.empty()) AppendEntry("region", options.region, &out);
    out.push_back('\n');
  }
  return out;
}

bool IsPodIdentityConfig(std::string_view text) { return text.starts_with(kPodIdentityHeader); }

bool ParsePodIdentityConfig(std::string_view text, MappingAnswer* out, std::string* err) {
  std::vector<ConfigSection> sections;
  if (!ParseAwsConfig(text, "config", &sections, err)) return false;
  for (ConfigSection& section : sections) ChainEntriesOfProcessProfile(&section);
  MappingAnswer answer;
  std::map<std::string, int> copies;
  for (const ConfigSection& section : sections) {
    std::string name;
    if (ProfileNameOfHeader(section.header, &name)) ++copies[name];
  }
  for (const ConfigSection& section : sections) {
    std::string name;
    if (!ProfileNameOfHeader(section.header, &name)) {
      answer.dropped.push_back("[" + Printable(section.header) + "]: not a profile section");
      continue;
    }
    if (copies[name] > 1) {
      answer.dropped.push_back(Printable(name) + ": duplicate profile");
      continue;
    }
    ProfilePair pair;
    std::string why;
    if (CheckProfile(name, section, &pair, &why)) {
      answer.pairs.push_back(std::move(pair));
    } else {
      answer.dropped.push_back(Printable(name) + ": " + why);
    }
  }
  *out = std::move(answer);
  return true;
}

}  // namespace irsa

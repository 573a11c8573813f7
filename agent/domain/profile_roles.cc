#include "domain/profile_roles.h"

#include <utility>

#include "domain/aws_config.h"
#include "domain/credential_process.h"

namespace irsa {
namespace {

// The value of the last `key` in `section`; empty when absent.
std::string Value(const ConfigSection& section, std::string_view key) {
  std::string value;
  for (const ConfigEntry& entry : section.entries) {
    if (entry.key == key) value = entry.value;
  }
  return value;
}

const ConfigSection* FindProfile(const std::vector<ConfigSection>& sections,
                                 std::string_view name) {
  for (const ConfigSection& section : sections) {
    std::string profile;
    if (ProfileNameOfHeader(section.header, &profile) && profile == name) return &section;
  }
  return nullptr;
}

}  // namespace

ProfileLookup FindProfileRoles(std::string_view config_text, std::string_view name,
                               ProfileRoles* out, std::vector<std::string>* names,
                               std::string* err) {
  names->clear();
  std::vector<ConfigSection> sections;
  if (!ParseAwsConfig(config_text, "config", &sections, err)) return ProfileLookup::kBroken;
  for (const ConfigSection& section : sections) {
    std::string profile;
    if (ProfileNameOfHeader(section.header, &profile)) names->push_back(profile);
  }
  const ConfigSection* section = FindProfile(sections, name);
  if (section == nullptr) return ProfileLookup::kUnknown;
  ProfileRoles roles;
  roles.region = Value(*section, "region");
  const std::string process = Value(*section, "credential_process");
  if (!process.empty()) {
    ProcessCommand command;
    if (!ParseCredentialProcess(process, &command, err)) {
      *err = "profile " + std::string(name) + ": credential_process: " + *err;
      return ProfileLookup::kBroken;
    }
    roles.role_arn = command.role_arn;
    roles.source_role_arn = command.source_role_arn;
    roles.session_name = command.session_name;
    if (command.base_credentials.empty()) {
      roles.web_identity_token_file = command.web_identity_token_file;
    }
    if (roles.region.empty()) roles.region = command.region;
  } else {
    roles.role_arn = Value(*section, "role_arn");
    roles.session_name = Value(*section, "role_session_name");
    roles.web_identity_token_file = Value(*section, "web_identity_token_file");
    const std::string source = Value(*section, "source_profile");
    if (!source.empty()) {
      const ConfigSection* source_section = FindProfile(sections, source);
      if (source_section == nullptr) {
        *err = "profile " + std::string(name) + ": source_profile " + source + " is missing";
        return ProfileLookup::kBroken;
      }
      roles.source_role_arn = Value(*source_section, "role_arn");
      roles.web_identity_token_file = Value(*source_section, "web_identity_token_file");
    }
  }
  if (roles.role_arn.empty()) {
    *err = "profile " + std::string(name) + " has no role_arn";
    return ProfileLookup::kBroken;
  }
  *out = std::move(roles);
  return ProfileLookup::kFound;
}

}  // namespace irsa

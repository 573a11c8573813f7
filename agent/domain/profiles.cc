// The profile listing: names as botocore's available_profiles gives them,
// roles from the validated pairs.
#include "domain/profiles.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "domain/aws_config.h"
#include "domain/render_pod_identity.h"

namespace irsa {
namespace {

using Row = std::array<std::string, 4>;

// botocore's view of a section header: "default", or "profile" followed by
// whitespace and the name; anything else is no profile.
bool AvailableName(std::string_view header, std::string* name) {
  if (header == "default") {
    *name = "default";
    return true;
  }
  return ProfileNameOfHeader(header, name);
}

Row RowFor(const std::string& name, const ProfileListing& listing) {
  for (const ProfilePair& pair : listing.pairs) {
    if (pair.name == name) {
      // A Pod Identity pair has no proxy role: it chains from the pod's role.
      return {name, pair.target_role.account, pair.target_role.ToString(),
              pair.proxy_role.account.empty() ? "(EKS Pod Identity)" : pair.proxy_role.ToString()};
    }
    if (std::string(kSourcePrefix) + pair.name == name) {
      return {name, pair.proxy_role.account, pair.proxy_role.ToString(), "(web identity)"};
    }
  }
  return {name, "-", "-", "-"};
}

}  // namespace

bool ListProfiles(std::string_view text, ProfileListing* out, std::string* err) {
  MappingAnswer answer;
  std::vector<ConfigSection> sections;
  const bool pod_identity = IsPodIdentityConfig(text);
  if (!(pod_identity ? ParsePodIdentityConfig(text, &answer, err)
                     : ParsePublishedConfig(text, &answer, err)) ||
      !ParseAwsConfig(text, "config", &sections, err)) {
    return false;
  }
  ProfileListing listing;
  for (const ConfigSection& section : sections) {
    std::string name;
    if (AvailableName(section.header, &name) &&
        std::find(listing.available.begin(), listing.available.end(), name) ==
            listing.available.end()) {
      listing.available.push_back(std::move(name));
    }
  }
  listing.pairs = std::move(answer.pairs);
  listing.dropped = std::move(answer.dropped);
  *out = std::move(listing);
  return true;
}

std::string RenderProfilesText(const ProfileListing& listing) {
  std::vector<Row> rows = {{"PROFILE", "ACCOUNT", "ROLE", "PROXY ROLE"}};
  for (const std::string& name : listing.available) rows.push_back(RowFor(name, listing));
  std::array<size_t, 4> width = {0, 0, 0, 0};
  for (const Row& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const Row& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string RenderProfilesJson(const ProfileListing& listing, const std::string& config_file) {
  nlohmann::ordered_json roles = nlohmann::ordered_json::array();
  for (const ProfilePair& pair : listing.pairs) {
    const bool pod_identity = pair.proxy_role.account.empty();  // credential_source EcsContainer
    roles.push_back({{"profile", pair.name},
                     {"role_arn", pair.target_role.ToString()},
                     {"account", pair.target_role.account},
                     {"source_profile", pod_identity ? "" : std::string(kSourcePrefix) + pair.name},
                     {"proxy_role_arn", pod_identity ? "" : pair.proxy_role.ToString()},
                     {"proxy_account", pair.proxy_role.account},
                     {"region", pair.region}});
  }
  nlohmann::ordered_json out;
  out["config_file"] = config_file;
  out["profiles"] = listing.available;
  out["roles"] = std::move(roles);
  out["dropped"] = listing.dropped;
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace irsa

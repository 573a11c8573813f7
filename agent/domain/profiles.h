// `irsa-agent profiles`: the profiles of a published config, listed the way
// boto3's Session.available_profiles sees them, with each pair's roles.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/answer.h"

namespace irsa {

struct ProfileListing {
  std::vector<std::string> available;  // every [profile NAME] and [default], in file order
  std::vector<ProfilePair> pairs;      // the complete pairs, in file order
  std::vector<std::string> dropped;    // "NAME: why" for profiles in no complete pair
};

// Reads `text`, a config this agent published (a Pod Identity config too:
// its pairs have no proxy role and show "(EKS Pod Identity)"). Returns false with one line in
// `*err` when the file as a whole is unreadable to botocore (see
// ParsePublishedConfig); broken pairs are listed in `dropped` instead.
bool ListProfiles(std::string_view text, ProfileListing* out, std::string* err);

// A table with a header: PROFILE, ACCOUNT, ROLE, PROXY ROLE; a source
// profile's row shows the proxy role and "(web identity)"; a profile in no
// complete pair shows "-". Ends with a newline; only the header when empty.
std::string RenderProfilesText(const ProfileListing& listing);

// {"config_file", "profiles": [available], "roles": [{"profile", "role_arn",
// "account", "source_profile", "proxy_role_arn", "proxy_account", "region"}],
// "dropped": [...]}, indented, with a final newline.
std::string RenderProfilesJson(const ProfileListing& listing, const std::string& config_file);

}  // namespace irsa

// The mapping service's answer: an AWS config text with a pair of profiles per
// role. This file decides which pairs are valid; render.h writes them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/arn.h"

namespace irsa {

// One role the user may assume: profile `name` chains from `src_<name>`.
struct ProfilePair {
  std::string name;        // the IAM role name users write in their code
  RoleArn target_role;     // role_arn of `name`, in the account that owns the data
  RoleArn proxy_role;      // role_arn of `src_<name>`, assumed with web identity
  std::string token_file;  // web_identity_token_file as read; never rendered
  std::string region;      // region of `name` as read (published configs only)
};

struct MappingAnswer {
  std::vector<ProfilePair> pairs;  // in the order the answer lists the targets
  // One line per profile or section left out: "NAME: why", e.g.
  // "acme-role: role_arn: account must be 12 digits".
  std::vector<std::string> dropped;
};

// Parses and validates `body`. Returns false with `*err` only when the text
// cannot be parsed as a whole (see ParseAwsConfig); otherwise true, with the
// valid pairs and every invalid one reported in `dropped`.
// A pair is valid when `[profile X]` has exactly `source_profile = src_X` and a
// valid `role_arn`, and `[profile src_X]` has exactly a `web_identity_token_file`
// and a valid `role_arn`; X must be a valid IAM role name. Sections that are not
// `[profile ...]`, unknown or repeated keys, control characters, duplicate
// profiles (every copy is dropped), orphans and self-references are dropped.
bool ParseMappingAnswer(std::string_view body, MappingAnswer* out, std::string* err);

// Whether the agent may publish `answer`. An answer that lists profiles but
// holds no valid pair is broken, not "no roles" (an answer with no profile at
// all is that), so the previous config must stay: false, with `*why` giving
// the count and the first pair left out.
bool IsPublishable(const MappingAnswer& answer, std::string* why);

// Reads back a config this agent published: the same rules as
// ParseMappingAnswer, plus an optional `region` key in every profile; syntax
// errors are prefixed "config:LINE:".
bool ParsePublishedConfig(std::string_view text, MappingAnswer* out, std::string* err);

// The prefix of a source profile's name.
inline constexpr std::string_view kSourcePrefix = "src_";

}  // namespace irsa

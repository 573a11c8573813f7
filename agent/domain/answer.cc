// The mapping service's answer, judged pair by pair. Nothing from the answer
// is copied to the published file as text: names, ARNs and the fixed keys are
// re-rendered from the validated values, so a pair is either wholly checked
// or left out with one line in `dropped`.
#include "domain/answer.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "base/text.h"
#include "domain/aws_config.h"
#include "domain/credential_process.h"

namespace irsa {
namespace {

// A profile named "default" would change the credentials of every SDK call
// that names no profile, which the mapping never intends.
constexpr std::string_view kReservedName = "default";

struct Profile {
  std::string name;
  const ConfigSection* section = nullptr;
  bool is_target = false;  // has a source_profile key
  bool used = false;       // claimed by a target as its source
};

// A dropped-profile line and the line of the section it names, so the report
// follows the order of the answer whatever pass produced it.
struct Drop {
  int line = 0;
  std::string text;
};

bool HasKey(const ConfigSection& section, std::string_view key) {
  return std::any_of(section.entries.begin(), section.entries.end(),
                     [key](const ConfigEntry& e) { return e.key == key; });
}

// What a caller reads: the service's answer, or a config this agent published
// (which also holds `region` and `role_session_name` in every profile, or is
// in process style: see credential_process.h).
struct Rules {
  std::string_view what;  // prefix of syntax errors
  bool allow_region;
};
constexpr Rules kAnswerRules = {"answer", false};
constexpr Rules kPublishedRules = {"config", true};
constexpr std::string_view kRegionKey = "region";
constexpr std::string_view kSessionNameKey = "role_session_name";

// Checks that `section` holds exactly `keys` (and `region` when allowed), once
// each, each with a non-empty value free of control characters; fills
// `*values` by key.
bool CheckKeys(const ConfigSection& section, std::array<std::string_view, 2> keys,
               const Rules& rules, std::map<std::string, std::string, std::less<>>* values,
               std::string* why) {
  for (const ConfigEntry& e : section.entries) {
    const bool optional = rules.allow_region && (e.key == kRegionKey || e.key == kSessionNameKey);
    if (e.key != keys[0] && e.key != keys[1] && !optional) {
      *why = "unknown key " + Printable(e.key);
    } else if (values->count(e.key) != 0) {
      *why = "repeated key " + e.key;
    } else if (e.value.empty()) {
      *why = e.key + ": empty value";
    } else if (HasControlChar(e.value)) {
      *why = e.key + ": control character in value";
    } else {
      (*values)[e.key] = e.value;
      continue;
    }
    return false;
  }
  for (std::string_view key : keys) {
    if (values->find(key) == values->end()) {
      *why = "missing " + std::string(key);
      return false;
    }
  }
  return true;
}

// arn.h's messages start with "role ARN: ", which after "x: role_arn: " would
// say the same thing twice.
std::string ArnProblem(std::string_view problem) {
  constexpr std::string_view kArnPrefix = "role ARN: ";
  if (problem.starts_with(kArnPrefix)) problem.remove_prefix(kArnPrefix.size());
  return std::string(problem);
}

// Checks the target profile `name` and its source; on success fills `*pair`,
// otherwise sets `*drop` to "PROFILE: problem" and the line of the profile at
// fault.
bool CheckPair(const std::string& name, const ConfigSection& target, const ConfigSection& source,
               const Rules& rules, ProfilePair* pair, Drop* drop) {
  const std::string source_name = std::string(kSourcePrefix) + name;
  std::map<std::string, std::string, std::less<>> t;
  std::map<std::string, std::string, std::less<>> s;
  std::string problem;
  if (!CheckKeys(target, {"source_profile", "role_arn"}, rules, &t, &problem)) {
    *drop = {target.line, name + ": " + problem};
  } else if (t["source_profile"] != source_name) {
    *drop = {target.line, name + ": source_profile must be " + source_name};
  } else if (!ParseRoleArn(t["role_arn"], &pair->target_role, &problem)) {
    *drop = {target.line, name + ": role_arn: " + ArnProblem(problem)};
  } else if (!CheckKeys(source, {"web_identity_token_file", "role_arn"}, rules, &s, &problem)) {
    *drop = {source.line, source_name + ": " + problem};
  } else if (!ParseRoleArn(s["role_arn"], &pair->proxy_role, &problem)) {
    *drop = {source.line, source_name + ": role_arn: " + ArnProblem(problem)};
  } else {
    // The renderer never uses token_file: the agent writes its own setting,
    // never the path the service hard-codes.
    pair->name = name;
    pair->token_file = s["web_identity_token_file"];
    if (auto region = t.find(kRegionKey); region != t.end()) pair->region = region->second;
    return true;
  }
  return false;
}

// Splits `sections` into profiles, dropping non-profile sections and every
// copy of a repeated profile name.
std::vector<Profile> CollectProfiles(const std::vector<ConfigSection>& sections,
                                     std::vector<Drop>* drops) {
  std::vector<Profile> all;
  for (const ConfigSection& section : sections) {
    Profile p;
    if (!ProfileNameOfHeader(section.header, &p.name)) {
      drops->push_back(
          {section.line, "[" + Printable(section.header) + "]: not a profile section"});
      continue;
    }
    p.section = &section;
    p.is_target = HasKey(section, "source_profile");
    all.push_back(std::move(p));
  }
  std::map<std::string_view, int> copies;
  for (const Profile& p : all) ++copies[p.name];
  std::vector<Profile> unique;
  for (const Profile& p : all) {
    if (copies[p.name] == 1) {
      unique.push_back(p);
    } else if (copies[p.name] > 1) {
      drops->push_back({p.section->line, Printable(p.name) + ": duplicate profile"});
      copies[p.name] = 0;  // report the name once, at its first copy
    }
  }
  return unique;
}

// The profiles without source_profile (sources, or broken targets) by name:
// names are unique after CollectProfiles.
using SourceIndex = std::map<std::string_view, Profile*>;

SourceIndex IndexSources(std::vector<Profile>* profiles) {
  SourceIndex index;
  for (Profile& p : *profiles) {
    if (!p.is_target) index.emplace(p.name, &p);
  }
  return index;
}

// A target with its pair validated: the source is claimed first, so a target
// dropped for its own fault does not make its source look orphaned.
void JudgeTarget(const Profile& target, const Rules& rules, const SourceIndex& sources,
                 MappingAnswer* out, std::vector<Drop>* drops) {
  const std::string source_name = std::string(kSourcePrefix) + target.name;
  const auto found = sources.find(source_name);
  Profile* source = found == sources.end() ? nullptr : found->second;
  if (source != nullptr) source->used = true;

  const int line = target.section->line;
  if (!IsValidRoleName(target.name)) {
    drops->push_back({line, Printable(target.name) + ": not a valid IAM role name"});
  } else if (target.name == kReservedName) {
    drops->push_back({line, target.name + ": reserved profile name"});
  } else if (source == nullptr) {
    drops->push_back({line, target.name + ": no [profile " + source_name + "]"});
  } else {
    ProfilePair pair;
    Drop drop;
    if (CheckPair(target.name, *target.section, *source->section, rules, &pair, &drop)) {
      out->pairs.push_back(std::move(pair));
    } else {
      drops->push_back(std::move(drop));
    }
  }
}

// A profile no target claimed: an orphaned source, or a target without
// source_profile.
Drop JudgeUnclaimed(const Profile& p) {
  const int line = p.section->line;
  if (p.name.starts_with(kSourcePrefix)) {
    const std::string_view base = std::string_view(p.name).substr(kSourcePrefix.size());
    if (IsValidRoleName(base)) {
      return {line, p.name + ": no [profile " + std::string(base) + "] uses it"};
    }
  }
  if (!IsValidRoleName(p.name)) return {line, Printable(p.name) + ": not a valid IAM role name"};
  return {line, p.name + ": missing source_profile"};
}

bool ParsePairs(std::string_view body, const Rules& rules, MappingAnswer* out, std::string* err) {
  std::vector<ConfigSection> sections;
  if (!ParseAwsConfig(body, rules.what, &sections, err)) return false;
  if (rules.allow_region) {
    for (ConfigSection& section : sections) ChainEntriesOfProcessProfile(&section);
  }

  MappingAnswer answer;
  std::vector<Drop> drops;
  std::vector<Profile> profiles = CollectProfiles(sections, &drops);
  // JudgeTarget marks sources (never targets) as used; the vector keeps its size.
  const SourceIndex sources = IndexSources(&profiles);
  for (const Profile& p : profiles) {
    if (p.is_target) JudgeTarget(p, rules, sources, &answer, &drops);
  }
  for (const Profile& p : profiles) {
    if (!p.is_target && !p.used) drops.push_back(JudgeUnclaimed(p));
  }
  std::stable_sort(drops.begin(), drops.end(),
                   [](const Drop& a, const Drop& b) { return a.line < b.line; });
  for (Drop& d : drops) answer.dropped.push_back(std::move(d.text));
  *out = std::move(answer);
  return true;
}

}  // namespace

bool ParseMappingAnswer(std::string_view body, MappingAnswer* out, std::string* err) {
  return ParsePairs(body, kAnswerRules, out, err);
}

bool IsPublishable(const MappingAnswer& answer, std::string* why) {
  if (!answer.pairs.empty() || answer.dropped.empty()) return true;
  *why = "no valid profile pair (" + Count(answer.dropped.size(), "profile") +
         " left out, the first: " + answer.dropped.front() + ")";
  return false;
}

bool ParsePublishedConfig(std::string_view text, MappingAnswer* out, std::string* err) {
  return ParsePairs(text, kPublishedRules, out, err);
}

}  // namespace irsa

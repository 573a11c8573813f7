// The published config file, judged as the SDKs will read it: strict syntax,
// complete pairs, names every SDK family accepts (CONTRACT.md section 4) and a
// web_identity_token_file that names the stable path and resolves here.
#include <algorithm>
#include <set>

#include "base/text.h"
#include "doctor/doctor.h"
#include "domain/arn.h"

namespace irsa {
namespace {

constexpr std::string_view kRewriteFix =
    "botocore refuses every profile when one line is bad: rewrite the file with `irsa-agent "
    "once` and never edit it by hand";

// "Java v2 and older JS v3" for a name some SDK families reject; empty when all accept it.
std::string Rejecters(std::string_view name) {
  const ProfileNameSupport support = CheckProfileName(name);
  if (support.all_sdks) return "";
  std::vector<std::string> who;
  if (!support.botocore) who.push_back("botocore and the AWS CLI");
  if (!support.java_v2) who.push_back("Java v2 (+ = ,)");
  if (!support.js_v3_old) who.push_back("older JS v3 (. @ + /)");
  if (who.empty()) who.push_back("SDKs that allow only A-Z a-z 0-9 _ -");
  return JoinComma(who);
}

// config.current: whether the file holds what the service maps now.
void CompareWithMapping(const std::vector<std::string>& written, const ConfigFacts& facts,
                        Check* check) {
  if (!facts.have_mapping || check->status != CheckStatus::kPass) return;
  const std::set<std::string> have(written.begin(), written.end());
  const std::set<std::string> want(facts.mapped_names.begin(), facts.mapped_names.end());
  std::vector<std::string> missing;
  std::vector<std::string> extra;
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(),
                      std::back_inserter(missing));
  std::set_difference(have.begin(), have.end(), want.begin(), want.end(),
                      std::back_inserter(extra));
  if (missing.empty() && extra.empty()) return;
  check->status = CheckStatus::kWarn;
  check->fact += "; out of date with the mapping service";
  if (!missing.empty()) check->facts.push_back({"missing", JoinComma(missing)});
  if (!extra.empty()) check->facts.push_back({"no_longer_mapped", JoinComma(extra)});
  check->fix = "run `irsa-agent once`, or check with `irsa-agent status` that the agent runs";
}

Check CheckNames(const std::vector<ProfilePair>& pairs) {
  Check check{"config.names", CheckStatus::kPass, "", {}, ""};
  std::vector<std::string> hostile;
  for (const ProfilePair& pair : pairs) {
    const std::string who = Rejecters(pair.name);
    if (who.empty()) continue;
    hostile.push_back(pair.name);
    check.facts.push_back({pair.name, "and src_" + pair.name + ": rejected by " + who});
  }
  if (hostile.empty()) {
    check.fact = "every profile name is A-Z a-z 0-9 _ -, which every SDK accepts";
    return check;
  }
  check.status = CheckStatus::kWarn;
  check.fact = "not every SDK accepts " + JoinComma(hostile);
  check.fix =
      "rename the IAM role (and its mapping) to letters, digits, _ and - only, or use "
      "these profiles from botocore, the AWS CLI or Go v2 only";
  return check;
}

Check CheckTokenPaths(const Settings& settings, const std::vector<ProfilePair>& pairs,
                      const ConfigFacts& facts) {
  Check check{"config.token-path", CheckStatus::kPass, "", {}, ""};
  std::set<std::string> seen;
  for (const ProfilePair& pair : pairs) {
    const std::string& path = pair.token_file;
    if (!seen.insert(path).second) continue;
    check.facts.push_back({"web_identity_token_file", path});
    const auto probed = facts.token_paths.find(path);
    const ReadFailure status =
        probed == facts.token_paths.end() ? ReadFailure::kError : probed->second;
    if (path.find("/..") != std::string::npos) {
      check.status = CheckStatus::kFail;
      check.fact = path + " names a kubelet timestamped folder, deleted at the next rotation";
      check.fix =
          "name the stable path (.../serviceaccount/token): SDKs re-read it at every "
          "refresh; rewrite the file with `irsa-agent once`";
    } else if (status != ReadFailure::kNone) {
      check.status = CheckStatus::kFail;
      check.fact = path + (status == ReadFailure::kMissing ? " does not exist here"
                                                           : " is not readable here");
      check.fix =
          "mount the projected token at this path in the container that runs the SDKs, "
          "or set web-identity-token-file to where it is and rewrite the file";
    } else if (path != settings.web_identity_token_file && check.status == CheckStatus::kPass) {
      check.status = CheckStatus::kWarn;
      check.fact = path + " is not the web-identity-token-file setting (" +
                   settings.web_identity_token_file + ")";
      check.fix = "the file was written with other settings: rewrite it with `irsa-agent once`";
    }
    if (check.status != CheckStatus::kPass) return check;
  }
  check.fact = JoinComma(std::vector<std::string>(seen.begin(), seen.end())) +
               ": a stable path that resolves to a readable file";
  return check;
}

}  // namespace

std::vector<Check> CheckConfig(const Settings& settings, const ConfigFacts& facts) {
  const FileRead& config = facts.config;
  Check file{
      "config.file", CheckStatus::kFail, "", {{"path", config.path}}, std::string(kRewriteFix)};
  switch (config.status.kind()) {
    case ReadFailure::kMissing:
      file.fact = "no config file " + config.path + ": the agent has not written it";
      file.fix = "run `irsa-agent once` (or start `irsa-agent run`) with these settings";
      return {file};
    case ReadFailure::kTooLarge:
      file.fact = "config file " + config.status.message();
      return {file};
    case ReadFailure::kError:
      file.fact = "config file " + config.status.message();
      file.fix = "make it readable by the users of the run container (mode 0644)";
      return {file};
    case ReadFailure::kNone:
      break;
  }
  MappingAnswer parsed;
  std::string err;
  if (!ParsePublishedConfig(config.content, &parsed, &err)) {
    file.fact = config.path + ": " + err;
    return {file};
  }
  std::vector<std::string> names;
  for (const ProfilePair& pair : parsed.pairs) names.push_back(pair.name);
  file.facts.push_back({"profiles", names.empty() ? "(none)" : JoinComma(names)});
  for (const std::string& why : parsed.dropped) file.facts.push_back({"broken", why});
  if (!parsed.dropped.empty()) {
    file.fact = Count(parsed.dropped.size(), "profile") + " broken in " + config.path + ": " +
                parsed.dropped.front();
    std::vector<Check> checks = {file, CheckNames(parsed.pairs)};
    if (!parsed.pairs.empty()) checks.push_back(CheckTokenPaths(settings, parsed.pairs, facts));
    return checks;
  }
  file.status = CheckStatus::kPass;
  file.fix.clear();
  file.fact = std::to_string(parsed.pairs.size()) + " complete pairs in " + config.path;
  CompareWithMapping(names, facts, &file);
  std::vector<Check> checks = {file, CheckNames(parsed.pairs)};
  if (!parsed.pairs.empty()) checks.push_back(CheckTokenPaths(settings, parsed.pairs, facts));
  return checks;
}

}  // namespace irsa

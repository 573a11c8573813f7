// config.style: which style the published file is in, and in process style
// whether the program every credential_process line runs is there to run.
// An SDK that cannot start it reports only "credential_process failed".
#include <set>

#include "base/text.h"
#include "doctor/doctor.h"
#include "domain/aws_config.h"
#include "domain/credential_process.h"

namespace irsa {
namespace {

std::string_view StyleName(ProfileStyle style) {
  return style == ProfileStyle::kProcess ? "process" : "chain";
}

}  // namespace

std::vector<std::string> CredentialProcessPrograms(std::string_view config_text) {
  std::vector<ConfigSection> sections;
  std::string err;
  std::vector<std::string> programs;
  if (!ParseAwsConfig(config_text, "config", &sections, &err)) return programs;
  std::set<std::string> seen;
  for (const ConfigSection& section : sections) {
    for (const ConfigEntry& entry : section.entries) {
      if (entry.key != "credential_process") continue;
      ProcessCommand command;
      std::vector<std::string> words;
      // A line this agent did not write still names its program first.
      const std::string program =
          ParseCredentialProcess(entry.value, &command, &err)             ? command.binary
          : SplitCommandLine(entry.value, &words, &err) && !words.empty() ? words.front()
                                                                          : "";
      if (!program.empty() && seen.insert(program).second) programs.push_back(program);
    }
  }
  return programs;
}

Check CheckProfileStyle(const Settings& settings, const std::string& config_text,
                        const std::map<std::string, ProgramFacts>& programs,
                        const std::string& path_env) {
  Check check{"config.style", CheckStatus::kPass, "", {}, ""};
  const std::vector<std::string> written = CredentialProcessPrograms(config_text);
  const ProfileStyle style = written.empty() ? ProfileStyle::kChain : ProfileStyle::kProcess;
  check.facts.push_back({"file", std::string(StyleName(style))});
  check.facts.push_back({"profile-style", std::string(StyleName(settings.profile_style))});
  if (style != settings.profile_style) {
    check.status = CheckStatus::kWarn;
    check.fact = "the file is in " + std::string(StyleName(style)) +
                 " style but profile-style is " + std::string(StyleName(settings.profile_style));
    check.fix = "the file was written with other settings: rewrite it with `irsa-agent once`";
    return check;
  }
  if (style == ProfileStyle::kChain) {
    check.fact = "chain style: the SDKs chain source_profile and web_identity_token_file";
    return check;
  }
  for (const std::string& program : written) {
    const auto found = programs.find(program);
    const ProgramFacts facts = found == programs.end() ? ProgramFacts{} : found->second;
    const bool bare = program.find('/') == std::string::npos;
    if (facts.resolved.empty()) {
      check.status = CheckStatus::kFail;
      check.fact = bare ? "credential_process program " + program + " is not on PATH"
                        : "credential_process program " + program + " does not exist";
      if (bare) check.facts.push_back({"PATH", path_env.empty() ? "(unset)" : path_env});
      check.fix =
          "put irsa-agent where the config says (the install-to setting copies it into a "
          "shared volume), then rewrite the file with `irsa-agent once`";
      return check;
    }
    check.facts.push_back({program, facts.resolved});
    if (!facts.executable) {
      check.status = CheckStatus::kFail;
      check.fact = "credential_process program " + facts.resolved + " is not executable here";
      check.fix = "chmod 0755 " + facts.resolved + " (and mount its volume without noexec)";
      return check;
    }
  }
  check.fact = "process style: each profile runs " + JoinComma(written) + " credentials ...";
  return check;
}

}  // namespace irsa

// irsa-agent: parses the command line, builds the settings and the real
// shells, runs the command and maps its outcome to an exit code.
#include <cstdio>
#include <string>
#include <vector>

#include "base/outcome.h"
#include "cmd/commands.h"
#include "irsa_agent/url_check.h"
#include "settings/invocation.h"
#include "settings/path_collision.h"
#include "settings/settings.h"
#include "settings/url_settings.h"

extern char** environ;

namespace irsa {
namespace {

constexpr size_t kMaxConfigFileBytes = 64 * 1024;

Environment ReadEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

// --log-format json from the command line or IRSA_AGENT_LOG_FORMAT, read
// before the settings so that even a settings error is a JSON line.
LogFormat EarlyLogFormat(const std::vector<std::string>& args, const Environment& env) {
  std::string value;
  if (const auto it = env.find("IRSA_AGENT_LOG_FORMAT"); it != env.end()) value = it->second;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--log-format" && i + 1 < args.size()) value = args[i + 1];
    if (args[i].starts_with("--log-format=")) value = args[i].substr(13);
  }
  return value == "json" ? LogFormat::kJson : LogFormat::kText;
}

int Main(const std::vector<std::string>& args) {
  const Environment env = ReadEnvironment();
  SetErrorFormat(EarlyLogFormat(args, env));
  Shells shells{NewSystemClock(), NewStderrLogSink(), NewPosixFiles(), NewCurlHttpClient()};
  std::string err;
  std::string config_path;
  if (!FindConfigFile(args, env, &config_path, &err)) {
    PrintError(err);
    return kExitUsage;
  }
  std::string config_text;
  if (!config_path.empty()) {
    const ReadStatus read = shells.files->Read(config_path, kMaxConfigFileBytes, &config_text);
    if (!read.ok()) {
      PrintError("config file " + read.message());
      return kExitUsage;
    }
  }
  Invocation invocation;
  if (!ParseInvocation(args, env, config_text, &invocation, &err) ||
      !CheckUrlSettings(invocation.settings, CurlAcceptsUrl, &err) ||
      !CheckPathCollisions(CommandPaths(invocation), ProbePathLayout, &err)) {
    PrintError(err);
    return kExitUsage;
  }
  SetErrorFormat(invocation.settings.log_format);
  for (const std::string& warning : invocation.warnings) PrintWarning(warning);
  switch (invocation.command) {
    case Command::kHelp:
      return HelpCommand(invocation);
    case Command::kVersion:
      return VersionCommand(invocation);
    case Command::kCompletion:
      return CompletionCommand(invocation);
    case Command::kOnce:
      return OnceCommand(invocation, shells);
    case Command::kRun:
      return RunCommand(invocation, env, shells);
    case Command::kStatus:
      return StatusCommand(invocation, shells);
    case Command::kInstall:
      return InstallCommand(invocation, shells);
    case Command::kDoctor:
      return DoctorCommand(invocation, env, shells);
    case Command::kProfiles:
      return ProfilesCommand(invocation, shells);
    case Command::kCredentials:
      return CredentialsCommand(invocation, env, shells);
    case Command::kReap:
      return ReapCommand(invocation, env, shells);
    case Command::kExec:
      return ExecCommand(invocation, env, shells);
    case Command::kMappingService:
      return MappingServiceCommand(invocation, env, shells);
  }
  return kExitInternal;
}

}  // namespace
}  // namespace irsa

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return irsa::Main(args);
}

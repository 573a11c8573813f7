// irsa-agent: parses the command line, builds the settings and the real
// shells, runs the command and maps its outcome to an exit code.
#include <cstdio>
#include <string>
#include <vector>

#include "base/outcome.h"
#include "cmd/commands.h"
#include "os/url_check.h"
#include "settings/invocation.h"
#include "settings/path_collision.h"
#include "settings/settings.h"
#include "version.h"

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

int Main(const std::vector<std::string>& args) {
  const Environment env = ReadEnvironment();
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
      !CheckUrlSettings(invocation.settings, &err) ||
      !CheckPathCollisions(CommandPaths(invocation), ProbePathLayout, &err)) {
    PrintError(err);
    return kExitUsage;
  }
  switch (invocation.command) {
    case Command::kHelp:
      std::fputs(HelpText().c_str(), stdout);
      return kExitOk;
    case Command::kVersion:
      std::printf("irsa-agent %s\n", IRSA_AGENT_VERSION);
      return kExitOk;
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

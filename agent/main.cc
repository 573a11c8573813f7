// irsa-agent: parses the command line, builds the settings and the real
// shells, runs the command and maps its outcome to an exit code.
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "irsa_agent/clock.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "irsa_agent/log.h"
#include "irsa_agent/once.h"
#include "irsa_agent/outcome.h"
#include "irsa_agent/settings.h"
#include "irsa_agent/sync.h"
#include "irsa_agent/version.h"

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

void PrintError(std::string_view message) {
  std::fprintf(stderr, "irsa-agent: error: %.*s\n", static_cast<int>(message.size()),
               message.data());
}

// The real shells, owned here and borrowed by every command.
struct Shells {
  std::unique_ptr<Clock> clock = NewSystemClock();
  std::unique_ptr<LogSink> sink = NewStderrLogSink();
  std::unique_ptr<Files> files = NewPosixFiles();
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
};

std::function<double()> UniformSource() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

int RunOnceCommand(const Invocation& invocation, Shells& shells) {
  const Settings& settings = invocation.settings;
  Clock& clock = *shells.clock;
  Logger log(settings.log_level, settings.log_format, shells.sink.get(),
             [&clock] { return clock.Wall(); });
  log.AddSecret(settings.api_key);
  Syncer syncer(settings, *shells.files, *shells.http, log, [&clock] { return clock.Wall(); });
  const bool publish = !invocation.print;
  const SyncResult result = SyncWithRetries(
      [&](double budget) { return syncer.Sync(publish, budget); }, clock, UniformSource(),
      settings, log);
  if (result.failure != Failure::kNone) {
    PrintError(log.Redact(result.message));
    return ExitCodeFor(result.failure);
  }
  if (invocation.print) {
    std::fwrite(result.rendered.data(), 1, result.rendered.size(), stdout);
  } else if (result.changed) {
    std::printf("wrote %zu profiles to %s%s\n", result.profiles.size(),
                settings.aws_config_file.c_str(),
                result.profiles.empty() ? "" : (" (" + JoinNames(result.profiles) + ")").c_str());
  } else {
    std::printf("%s unchanged (%zu profiles)\n", settings.aws_config_file.c_str(),
                result.profiles.size());
  }
  return std::fflush(stdout) == 0 ? kExitOk : kExitPublish;
}

int Main(const std::vector<std::string>& args) {
  const Environment env = ReadEnvironment();
  std::string err;
  std::string config_path;
  if (!FindConfigFile(args, env, &config_path, &err)) {
    PrintError(err);
    return kExitUsage;
  }
  Shells shells;
  std::string config_text;
  if (!config_path.empty()) {
    const ReadStatus status =
        shells.files->Read(config_path, kMaxConfigFileBytes, &config_text, &err);
    if (status != ReadStatus::kOk) {
      if (status == ReadStatus::kMissing) err = "config file " + config_path + " does not exist";
      if (status == ReadStatus::kTooLarge) err = "config file " + config_path + " is over 64 KiB";
      PrintError(err);
      return kExitUsage;
    }
  }
  Invocation invocation;
  if (!ParseInvocation(args, env, config_text, &invocation, &err)) {
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
      return RunOnceCommand(invocation, shells);
    default:
      PrintError("this command is not available yet in this build");
      return kExitUsage;
  }
}

}  // namespace
}  // namespace irsa

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return irsa::Main(args);
}

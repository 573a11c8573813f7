#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "base/outcome.h"
#include "base/text.h"
#include "cmd/commands.h"
#include "run/once.h"
#include "run/sync.h"

namespace irsa {

void PrintError(std::string_view message) {
  const std::string line = "irsa-agent: error: " + EscapeControl(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

int FinishStdout(int ok_code, int fail_code) {
  if (std::fflush(stdout) == 0) return ok_code;
  PrintError(std::string("cannot write to standard output: ") + std::strerror(errno));
  return fail_code;
}

Logger MakeLogger(const Settings& settings, Shells& shells) {
  Clock* clock = shells.clock.get();
  Logger log(settings.log_level, settings.log_format, shells.sink.get(),
             [clock] { return clock->Wall(); });
  log.AddSecret("api-key", settings.api_key);
  return log;
}

std::function<double()> UniformSource() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

int OnceCommand(const Invocation& invocation, Shells& shells) {
  Settings settings = invocation.settings;
  settings.credentials_binary = CredentialsBinary(settings);
  Clock& clock = *shells.clock;
  Logger log = MakeLogger(settings, shells);
  Syncer syncer(settings, *shells.files, *shells.http, log, [&clock] { return clock.Wall(); });
  const bool publish = !invocation.print;
  const SyncResult result =
      SyncWithRetries([&](double budget) { return syncer.Sync(publish, budget); }, clock,
                      UniformSource(), settings, log);
  if (!result.status.ok()) {
    PrintError(log.Redact(result.status.message()));
    return ExitCodeFor(result.status.kind());
  }
  if (invocation.print) {
    std::fwrite(result.rendered.data(), 1, result.rendered.size(), stdout);
  } else if (result.changed) {
    const std::string names =
        result.profiles.empty() ? "" : " (" + JoinComma(result.profiles) + ")";
    std::printf("wrote %s to %s%s\n", Count(result.profiles.size(), "profile").c_str(),
                settings.aws_config_file.c_str(), names.c_str());
  } else {
    std::printf("%s unchanged (%s)\n", settings.aws_config_file.c_str(),
                Count(result.profiles.size(), "profile").c_str());
  }
  return FinishStdout(kExitOk, kExitPublish);
}

}  // namespace irsa

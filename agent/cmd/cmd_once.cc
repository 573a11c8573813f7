#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>

#include "base/outcome.h"
#include "base/text.h"
#include "cmd/commands.h"
#include "os/unix_client.h"
#include "run/once.h"
#include "run/once_guard.h"
#include "run/state.h"
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

namespace {

constexpr size_t kMaxRefreshAnswer = 64 * 1024;
constexpr double kRefreshSlack = 30;  // seconds beyond `timeout` the agent's sync may take
constexpr size_t kMaxConfigBytes = 4 * 1024 * 1024;

// The running agent's socket for this config: the state file's record when
// it names this config, else where `run` puts it by default.
std::string AgentSocket(const Settings& settings, Files& files) {
  std::string text;
  AgentState state;
  std::string err;
  if (files
          .Read(StateFilePath(settings.state_dir, settings.aws_config_file), kMaxConfigBytes, &text)
          .ok() &&
      ParseState(text, &state, &err) && state.config_file == settings.aws_config_file &&
      !state.socket.empty()) {
    return state.socket;
  }
  return BrokerSocketPath(settings.socket, settings.state_dir, settings.aws_config_file);
}

// A manual `once` keeps the sidecar's choices. With an agent answering on
// its socket: the agent syncs now and its result is ours (a return value).
// Without one: nullopt, unless writing would switch the style of a config
// another irsa-agent wrote without --profile-style given (exit 2).
std::optional<int> KeepTheSidecarsChoices(const Settings& settings, Files& files) {
  const std::string socket = AgentSocket(settings, files);
  UnixAnswer answer;
  UnixFailure failure = UnixFailure::kNone;
  std::string err;
  if (NewUnixHttpClient()->Get(socket, "/refresh", settings.timeout + kRefreshSlack,
                               kMaxRefreshAnswer, &answer, &failure, &err)) {
    const RefreshOutcome outcome =
        RefreshOutcomeFor(answer.status, answer.body, settings.aws_config_file);
    if (outcome.exit_code != kExitOk) {
      PrintError(outcome.message);
      return outcome.exit_code;
    }
    std::printf("%s\n", outcome.message.c_str());
    return FinishStdout(kExitOk, kExitPublish);
  }
  if (failure != UnixFailure::kNoAgent) {
    PrintError("cannot ask the running agent to sync: " + err);
    return kExitUnavailable;
  }
  std::string config;
  if (!files.Read(settings.aws_config_file, kMaxConfigBytes, &config).ok()) return std::nullopt;
  const std::optional<ProfileStyle> written = WrittenStyle(config);
  const auto source = settings.source.find("profile-style");
  const bool explicit_style =
      source != settings.source.end() && source->second != SettingSource::kDefault;
  if (written && *written != settings.profile_style && !explicit_style) {
    PrintError(settings.aws_config_file + " was written by irsa-agent in " +
               std::string(ProfileStyleName(*written)) + " style; give --profile-style " +
               std::string(ProfileStyleName(*written)) + " (or --profile-style " +
               std::string(ProfileStyleName(settings.profile_style)) + " to switch it)");
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace

int OnceCommand(const Invocation& invocation, Shells& shells) {
  Settings settings = invocation.settings;
  settings.credentials_binary = CredentialsBinary(settings);
  Clock& clock = *shells.clock;
  Logger log = MakeLogger(settings, shells);
  if (!invocation.print) {
    if (const std::optional<int> code = KeepTheSidecarsChoices(settings, *shells.files)) {
      return *code;
    }
  }
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

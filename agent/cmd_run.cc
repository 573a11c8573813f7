#include "commands.h"
#include "irsa_agent/listener.h"
#include "irsa_agent/notify.h"
#include "irsa_agent/outcome.h"
#include "irsa_agent/run_loop.h"
#include "irsa_agent/signals.h"
#include "irsa_agent/watcher.h"

namespace irsa {
namespace {

std::string EnvValue(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

}  // namespace

int RunCommand(const Invocation& invocation, const Environment& env, Shells& shells) {
  const Settings& settings = invocation.settings;
  Logger log = MakeLogger(settings, shells);
  std::unique_ptr<Signals> signals = InstallSignalHandlers();
  if (!signals) {
    PrintError("cannot install signal handlers");
    return kExitInternal;
  }
  std::unique_ptr<Listener> listener;
  if (!settings.listen.empty()) {
    std::string err;
    listener = NewTcpListener(settings.listen, settings.listen_any, &err);
    if (!listener) {
      PrintError(err);
      return kExitUsage;
    }
  }
  std::unique_ptr<Watcher> watcher = NewInotifyWatcher(log);
  std::unique_ptr<Notifier> notifier = NewSystemdNotifier(
      EnvValue(env, "NOTIFY_SOCKET"), EnvValue(env, "WATCHDOG_USEC"), EnvValue(env, "WATCHDOG_PID"));
  RunShells run_shells{*shells.clock, *shells.files, *shells.http, *watcher,
                       *signals,      *notifier,     listener.get(), UniformSource()};
  return RunAgentLoop(settings, run_shells, log);
}

}  // namespace irsa

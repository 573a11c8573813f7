#include "base/outcome.h"
#include "cmd/commands.h"
#include "irsa_agent/listener.h"
#include "irsa_agent/notify.h"
#include "irsa_agent/signals.h"
#include "irsa_agent/watcher.h"
#include "run/run_loop.h"
#include "settings/listen_address.h"

namespace irsa {
namespace {

std::string EnvValue(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

// `--install-to`: a convenience for the user's container, so a failure is
// logged and the agent carries on; the config file is what matters.
void InstallForReruns(const std::string& dir, Files& files, Logger& log) {
  std::string path;
  bool changed = false;
  const Status<InstallFailure> installed = InstallSelf(files, dir, &path, &changed);
  if (!installed.ok()) {
    log.Warn("cannot install this binary for manual re-runs; continuing",
             {{"error", installed.message()}});
  } else if (changed) {
    log.Info("installed this binary for manual re-runs", {{"path", path}});
  } else {
    log.Debug("the installed binary is current", {{"path", path}});
  }
}

}  // namespace

int RunCommand(const Invocation& invocation, const Environment& env, Shells& shells) {
  Settings settings = invocation.settings;
  settings.credentials_binary = CredentialsBinary(settings);
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
  if (!settings.credentials_listen.empty()) {
    // Loopback only, whatever listen-any says: the listener hands out credentials.
    std::string host;
    int port = 0;
    std::string err;
    if (!ParseListenAddress(settings.credentials_listen, false, &host, &port, &err)) {
      PrintError("credentials-listen: " + err);
      return kExitUsage;
    }
  }
  std::unique_ptr<Watcher> watcher = NewInotifyWatcher(log);
  std::unique_ptr<Notifier> notifier =
      NewSystemdNotifier(EnvValue(env, "NOTIFY_SOCKET"), EnvValue(env, "WATCHDOG_USEC"),
                         EnvValue(env, "WATCHDOG_PID"));
  if (!settings.install_to.empty()) InstallForReruns(settings.install_to, *shells.files, log);
  RunShells run_shells{*shells.clock, *shells.files, *shells.http,   *watcher,
                       *signals,      *notifier,     listener.get(), UniformSource()};
  // The credential broker's worker thread gets shells of its own.
  std::unique_ptr<HttpClient> broker_http;
  std::unique_ptr<Files> broker_files;
  {  // every style: the socket answers /refresh, the credentials listener serves the cache
    broker_http = NewCurlHttpClient();
    broker_files = NewPosixFiles();
    run_shells.broker_http = broker_http.get();
    run_shells.broker_files = broker_files.get();
  }
  return RunAgentLoop(settings, run_shells, log);
}

}  // namespace irsa

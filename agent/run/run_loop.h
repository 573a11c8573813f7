// `irsa-agent run`: one epoll loop on one thread (plus the credential
// broker's STS worker in process style). Turns OS events (watch events,
// signals, listener and broker requests, time) into calls on the Agent state
// machine and does what it says is due.
#pragma once

#include <functional>

#include "base/log.h"
#include "irsa_agent/clock.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "irsa_agent/listener.h"
#include "irsa_agent/notify.h"
#include "irsa_agent/signals.h"
#include "irsa_agent/watcher.h"
#include "settings/settings.h"

namespace irsa {

// The shells the loop borrows; `listener` may be null. `broker_http` and
// `broker_files` are the credential broker's worker thread's own (null: no
// broker, no socket and no credentials listener; tests only).
struct RunShells {
  Clock& clock;
  Files& files;
  HttpClient& http;
  Watcher& watcher;
  Signals& signals;
  Notifier& notifier;
  Listener* listener;
  std::function<double()> uniform01;
  HttpClient* broker_http = nullptr;
  Files* broker_files = nullptr;
};

// Runs until SIGTERM or SIGINT; returns the process exit code (0 then).
int RunAgentLoop(const Settings& settings, RunShells& shells, Logger& log);

}  // namespace irsa

#include "cmd/run_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/agent.h"
#include "core/digest.h"
#include "core/identity.h"
#include "core/state.h"
#include "core/sync.h"
#include "core/text.h"
#include "core/token_monitor.h"
#include "version.h"

namespace irsa {
namespace {

constexpr size_t kMaxRefreshWaiters = 16;
constexpr double kMaxWaitSeconds = 3600;

class RunLoop {
 public:
  RunLoop(const Settings& settings, RunShells& shells, Logger& log)
      : settings_(settings),
        shells_(shells),
        log_(log),
        agent_(Timing(settings), shells.uniform01),
        syncer_(settings, shells.files, shells.http, log, [this] { return shells_.clock.Wall(); }),
        state_path_(StateFilePath(settings.state_dir, settings.aws_config_file)) {
    // libcurl polls this at least once a second during an exchange: it ends a
    // sync early on SIGTERM and keeps the systemd watchdog fed meanwhile.
    // (Before READY=1, systemd's start time-out is what counts.)
    syncer_.set_cancel([this] {
      if (ready_sent_) FeedWatchdog(shells_.clock.Monotonic());
      return shells_.signals.terminating();
    });
    inputs_ = {settings.ReadPath(settings.web_identity_token_file),
               settings.ReadPath(settings.domino_token_file),
               settings.ReadPath(settings.pod_info_path)};
    if (!settings.mapping_file.empty()) inputs_.push_back(settings.ReadPath(settings.mapping_file));
    if (!settings.ca_file.empty()) inputs_.push_back(settings.ReadPath(settings.ca_file));
  }

  int Run() {
    const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) {
      log_.Error("epoll_create1 failed", {{"error", std::strerror(errno)}});
      return kExitInternal;
    }
    Add(epoll_fd, shells_.signals.fd());
    std::string err;
    if (shells_.watcher.Watch(inputs_, &err)) {
      Add(epoll_fd, shells_.watcher.fd());
    } else {
      log_.Warn("cannot watch the input folders; relying on polling",
                {{"error", err}, {"poll_interval", std::to_string(settings_.poll_interval)}});
    }
    if (shells_.listener != nullptr) Add(epoll_fd, shells_.listener->fd());

    state_.version = IRSA_AGENT_VERSION;
    state_.pid = getpid();
    state_.started_at = shells_.clock.Wall();
    state_.config_file = settings_.aws_config_file;
    WriteState();
    ReadInputs();
    agent_.Start(shells_.clock.Monotonic());
    next_watchdog_ = shells_.clock.Monotonic();
    log_.Info("agent started", {{"config", settings_.aws_config_file}, {"state", state_path_}});

    while (!shells_.signals.terminating()) {
      const double now = shells_.clock.Monotonic();
      const AgentDue due = agent_.Due(now);
      if (due.check_inputs) agent_.InputsChecked(now, ReadInputs());
      if (due.sync) DoSync();
      FeedWatchdog(now);
      if (shells_.signals.terminating()) break;
      Wait(epoll_fd);
    }

    shells_.notifier.Send("STOPPING=1");
    for (int waiter : refresh_waiters_) {
      shells_.listener->Respond(waiter, 503, R"({"status":"error","error":"shutting down"})");
    }
    close(epoll_fd);
    log_.Info("agent stopped");
    return kExitOk;
  }

 private:
  static AgentTiming Timing(const Settings& s) {
    AgentTiming t;
    t.min_backoff = s.min_backoff;
    t.max_backoff = s.max_backoff;
    t.refresh_interval = s.refresh_interval;
    t.poll_interval = s.poll_interval;
    return t;
  }

  void FeedWatchdog(double now) {
    if (shells_.notifier.watchdog_interval() > 0 && now >= next_watchdog_) {
      shells_.notifier.Send("WATCHDOG=1");
      next_watchdog_ = now + shells_.notifier.watchdog_interval();
    }
  }

  void Add(int epoll_fd, int fd) {
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }

  void Wait(int epoll_fd) {
    double wake = agent_.NextWake();
    if (shells_.notifier.watchdog_interval() > 0) wake = std::min(wake, next_watchdog_);
    const double seconds = std::clamp(wake - shells_.clock.Monotonic(), 0.0, kMaxWaitSeconds);
    const int timeout_ms = static_cast<int>(std::ceil(seconds * 1000));
    epoll_event events[8];
    const int n = epoll_wait(epoll_fd, events, 8, timeout_ms);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      const double now = shells_.clock.Monotonic();
      if (fd == shells_.signals.fd()) {
        const SignalsSeen seen = shells_.signals.Drain();
        if (seen.hangup && !seen.terminate) {
          log_.Info("SIGHUP: syncing now");
          // A reload only exists after readiness: before it, the start is still running.
          if (ready_sent_ && !reloading_) {
            shells_.notifier.Send("RELOADING=1");
            reloading_ = true;
          }
          agent_.SyncRequested(now);
        }
      } else if (fd == shells_.watcher.fd()) {
        if (shells_.watcher.Drain()) agent_.WatchEvent(now);
      } else if (shells_.listener != nullptr && fd == shells_.listener->fd()) {
        HandleRequest(now);
      }
    }
  }

  // Re-reads every input; true when any content hash differs from the last read.
  bool ReadInputs() {
    bool changed = false;
    for (const std::string& path : inputs_) {
      std::string content;
      std::string err;
      const ReadStatus status = shells_.files.Read(path, kMaxAnswerBytes, &content, &err);
      std::string hash =
          status == ReadStatus::kOk ? Sha256Hex(content) : "status:" + std::to_string(int(status));
      if (hash.empty()) hash = "unhashed:" + std::to_string(++unhashed_reads_);  // a change: sync

      if (path == inputs_.front()) {
        if (status == ReadStatus::kOk)
          log_.AddSecret("web-identity-token", TrimWhitespace(content));
        ObserveToken(status == ReadStatus::kOk ? std::optional<std::string_view>(content)
                                               : std::nullopt);
      }
      auto [it, inserted] = hashes_.try_emplace(path, hash);
      if (!inserted && it->second != hash) {
        log_.Debug("input changed", {{"path", path}});
        it->second = hash;
        changed = true;
      }
    }
    return changed;
  }

  void ObserveToken(std::optional<std::string_view> token) {
    const auto now = static_cast<int64_t>(shells_.clock.Wall());
    for (const TokenNote& note : token_monitor_.Observe(token, now)) {
      std::vector<LogField> fields;
      for (const auto& [key, value] : note.fields) fields.push_back({key, value});
      log_.Log(note.level, note.message, fields);
    }
    state_.token_expires_at = token_monitor_.expiry();
  }

  void DoSync() {
    const double started = shells_.clock.Monotonic();
    const SyncResult result = syncer_.Sync(true);
    const double now = shells_.clock.Monotonic();
    agent_.SyncFinished(now, result.failure, result.retry_after);
    state_.last_attempt_at = shells_.clock.Wall();
    if (result.failure == Failure::kNone) {
      state_.last_success_at = state_.last_attempt_at;
      state_.last_error.clear();
      state_.last_error_kind.clear();
      state_.last_error_at.reset();
      state_.config_hash = result.config_hash;
      state_.profiles = result.profiles;
      log_.Info(result.changed ? "config written" : "config unchanged",
                {{"profiles", std::to_string(result.profiles.size())},
                 {"seconds", std::to_string(now - started)}});
      // READY=1 after the first success, and to end a SIGHUP reload.
      std::string status =
          "STATUS=" + Count(result.profiles.size(), "profile") + " in " + settings_.aws_config_file;
      if (!ready_sent_ || reloading_) status = "READY=1\n" + status;
      shells_.notifier.Send(status);
      ready_sent_ = true;
      reloading_ = false;
    } else {
      state_.last_error = log_.Redact(result.message);
      state_.last_error_kind = std::string(FailureName(result.failure));
      state_.last_error_at = state_.last_attempt_at;
      log_.Warn("sync failed",
                {{"error", result.message},
                 {"kind", state_.last_error_kind},
                 {"consecutive_failures", std::to_string(agent_.consecutive_failures())}});
    }
    state_.consecutive_failures = agent_.consecutive_failures();
    WriteState();
    if (result.failure != Failure::kNone) {
      // A failed reload still ends the reload (the last good config stays).
      std::string status = "STATUS=sync failed: " + state_.last_error;
      if (reloading_) status = "READY=1\n" + status;
      shells_.notifier.Send(status);
      reloading_ = false;
    }
    AnswerRefreshWaiters(result);
  }

  void WriteState() {
    bool changed = false;
    std::string err;
    if (!shells_.files.Publish(state_path_, SerializeState(state_), 0644, &changed, &err)) {
      log_.Warn("cannot write the state file", {{"error", err}});
    }
  }

  void HandleRequest(double now) {
    ListenRequest request;
    if (!shells_.listener->Accept(&request)) return;
    Listener& listener = *shells_.listener;
    if (request.method != "GET") {
      listener.Respond(request.connection, 405, R"({"status":"error","error":"GET only"})");
    } else if (request.path == "/healthz") {
      listener.Respond(request.connection, 200, R"({"status": "Healthy"})");
    } else if (request.path == "/refresh") {
      if (refresh_waiters_.size() >= kMaxRefreshWaiters) {
        listener.Respond(request.connection, 503, R"({"status":"error","error":"busy"})");
        return;
      }
      refresh_waiters_.push_back(request.connection);
      agent_.SyncRequested(now);
    } else {
      listener.Respond(request.connection, 404, R"({"status":"error","error":"not found"})");
    }
  }

  void AnswerRefreshWaiters(const SyncResult& result) {
    if (refresh_waiters_.empty()) return;
    nlohmann::json body;
    if (result.failure == Failure::kNone) {
      body = {{"status", "ok"}, {"changed", result.changed}, {"profiles", result.profiles}};
    } else {
      body = {{"status", "error"},
              {"kind", FailureName(result.failure)},
              {"error", log_.Redact(result.message)}};
    }
    const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const int status = result.failure == Failure::kNone ? 200 : 503;
    for (int waiter : refresh_waiters_) shells_.listener->Respond(waiter, status, text);
    refresh_waiters_.clear();
  }

  const Settings& settings_;
  RunShells& shells_;
  Logger& log_;
  Agent agent_;
  Syncer syncer_;
  TokenMonitor token_monitor_;
  std::string state_path_;
  std::vector<std::string> inputs_;  // the web-identity token first
  std::map<std::string, std::string> hashes_;
  uint64_t unhashed_reads_ = 0;  // reads Sha256Hex could not hash (each counts as a change)
  AgentState state_;
  std::vector<int> refresh_waiters_;
  bool ready_sent_ = false;
  bool reloading_ = false;
  double next_watchdog_ = 0;
};

}  // namespace

int RunAgentLoop(const Settings& settings, RunShells& shells, Logger& log) {
  RunLoop loop(settings, shells, log);
  return loop.Run();
}

}  // namespace irsa

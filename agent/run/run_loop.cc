#include "run/run_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <vector>

#include "base/digest.h"
#include "base/text.h"
#include "domain/base_credentials.h"
#include "domain/identity.h"
#include "os/unique_fd.h"
#include "run/broker_server.h"
#include "run/metrics.h"
#include "run/readiness.h"
#include "run/routes.h"
#include "run/scheduler.h"
#include "run/state.h"
#include "run/sync.h"
#include "run/token_monitor.h"
#include "version.h"

namespace irsa {
namespace {

constexpr size_t kMaxRefreshWaiters = 16;
// A /refresh waiter that came through the broker's socket, not the TCP listener.
constexpr uint64_t kSocketWaiter = uint64_t{1} << 63;
constexpr double kMaxWaitSeconds = 3600;

class RunLoop {
 public:
  RunLoop(const Settings& settings, RunShells& shells, Logger& log)
      : settings_(settings),
        shells_(shells),
        log_(log),
        scheduler_(Timing(settings), shells.uniform01),
        syncer_(settings, shells.files, shells.http, log, [this] { return shells_.clock.Wall(); }),
        readiness_(shells.notifier.watchdog_interval(), settings.aws_config_file),
        state_path_(StateFilePath(settings.state_dir, settings.aws_config_file)) {
    // libcurl polls this at least once a second during an exchange: it ends a
    // sync early on SIGTERM, keeps the systemd watchdog fed and the listener
    // served meanwhile (a sync never makes /healthz wait for it).
    syncer_.set_cancel([this] {
      const double now = shells_.clock.Monotonic();
      Notify(readiness_.Watchdog(now));
      ServeListener(now);
      ServeBroker(now);  // a cached answer never waits for the sync
      return shells_.signals.terminating();
    });
    inputs_ = {settings.ReadPath(settings.web_identity_token_file),
               settings.ReadPath(settings.domino_token_file),
               settings.ReadPath(settings.pod_info_path)};
    if (!settings.mapping_file.empty()) inputs_.push_back(settings.ReadPath(settings.mapping_file));
    if (!settings.ca_file.empty()) inputs_.push_back(settings.ReadPath(settings.ca_file));
  }

  int Run() {
    const UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));  // closed at every return below
    const int epoll_fd = epoll.get();
    if (epoll_fd < 0) {
      log_.Error("epoll_create1 failed", {{"error", std::strerror(errno)}});
      return kExitInternal;
    }
    if (!Add(epoll_fd, shells_.signals.fd(), "signals") ||
        (shells_.listener != nullptr && !Add(epoll_fd, shells_.listener->fd(), "listener"))) {
      return kExitInternal;
    }
    std::string err;
    if (shells_.broker_http != nullptr && shells_.broker_files != nullptr) {
      broker_ = BrokerServer::Start(settings_, shells_.clock, *shells_.broker_http,
                                    *shells_.broker_files, log_, metrics_, shells_.uniform01, &err);
      if (!broker_) {
        log_.Error("cannot start the credential broker", {{"error", err}});
        return kExitUsage;
      }
      for (int fd : broker_->fds()) {
        if (!Add(epoll_fd, fd, "credential broker")) {
          return kExitInternal;
        }
      }
    }
    if (!shells_.watcher.Watch(inputs_, &err)) {
      log_.Warn("cannot watch the input folders; relying on polling",
                {{"error", err}, {"poll_interval", std::to_string(settings_.poll_interval), true}});
    } else if (!Add(epoll_fd, shells_.watcher.fd(), "input watch")) {
      log_.Warn("relying on polling for input changes",
                {{"poll_interval", std::to_string(settings_.poll_interval), true}});
    }

    state_.version = IRSA_AGENT_VERSION;
    state_.pid = getpid();
    state_.started_at = shells_.clock.Wall();
    state_.config_file = settings_.aws_config_file;
    state_.heartbeat_max_age = HeartbeatMaxAge(settings_.request_timeout);
    state_.socket =
        BrokerSocketPath(settings_.socket, settings_.state_dir, settings_.aws_config_file);
    state_.profile_style = settings_.profile_style == ProfileStyle::kProcess ? "process" : "chain";
    if (!settings_.credentials_listen.empty()) {
      state_.credentials_listen = settings_.credentials_listen;
      state_.credentials_token_file =
          CredentialsTokenPath(settings_.credentials_token_file, settings_.aws_config_file);
      state_.imds = settings_.imds;
    }
    WriteState();
    ReadInputs();
    scheduler_.Start(shells_.clock.Monotonic());
    log_.Info("agent started", {{"config", settings_.aws_config_file}, {"state", state_path_}});

    while (!shells_.signals.terminating()) {
      const double now = shells_.clock.Monotonic();
      const SchedulerDue due = scheduler_.Due(now);
      if (due.check_inputs) scheduler_.InputsChecked(now, ReadInputs());
      if (due.sync) DoSync();
      Notify(readiness_.Watchdog(shells_.clock.Monotonic()));
      if (shells_.clock.Monotonic() >= next_heartbeat_) WriteState();
      if (shells_.signals.terminating()) break;
      if (!Wait(epoll_fd)) {
        return kExitInternal;
      }
    }

    Notify(SystemdReadiness::Stopping());
    for (uint64_t waiter : refresh_waiters_) Answer(waiter, ShuttingDownResponse());
    for (uint64_t waiter : next_refresh_waiters_) Answer(waiter, ShuttingDownResponse());
    if (broker_) broker_->Stop();
    state_.stopped_at = shells_.clock.Wall();
    WriteState();
    log_.Info("agent stopped");
    return kExitOk;
  }

 private:
  static SchedulerTiming Timing(const Settings& s) {
    SchedulerTiming t;
    t.min_backoff = s.min_backoff;
    t.max_backoff = s.max_backoff;
    t.refresh_interval = s.refresh_interval;
    t.poll_interval = s.poll_interval;
    return t;
  }

  void Notify(const std::string& state) {
    if (!state.empty()) shells_.notifier.Send(state);
  }

  // Adds `fd` to the loop's epoll set; logs and returns false on failure.
  bool Add(int epoll_fd, int fd, const char* what) {
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0) return true;
    log_.Error("cannot add to the event loop", {{"what", what}, {"error", std::strerror(errno)}});
    return false;
  }

  // Sleeps until an event or the next due time; false on an epoll failure.
  bool Wait(int epoll_fd) {
    double wake = std::min({scheduler_.NextWake(), readiness_.NextWatchdog(), next_heartbeat_});
    if (shells_.listener != nullptr) {
      wake = std::min(wake, shells_.listener->NextDeadline().value_or(wake));
    }
    if (broker_) wake = std::min(wake, broker_->NextWake());
    const double seconds = std::clamp(wake - shells_.clock.Monotonic(), 0.0, kMaxWaitSeconds);
    const int timeout_ms = static_cast<int>(std::ceil(seconds * 1000));
    epoll_event events[8];
    const int n = epoll_wait(epoll_fd, events, 8, timeout_ms);
    if (n < 0 && errno != EINTR) {
      log_.Error("epoll_wait failed", {{"error", std::strerror(errno)}});
      return false;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      const double now = shells_.clock.Monotonic();
      if (fd == shells_.signals.fd()) {
        const SignalsSeen seen = shells_.signals.Drain();
        if (seen.hangup && !seen.terminate) {
          log_.Info("SIGHUP: syncing now");
          Notify(readiness_.Hangup());
          scheduler_.SyncRequested(now);
        }
      } else if (fd == shells_.watcher.fd()) {
        if (shells_.watcher.Drain()) scheduler_.WatchEvent(now);
      }
    }
    // Every wake-up: listener events, and its deadlines even without events.
    ServeListener(shells_.clock.Monotonic());
    ServeBroker(shells_.clock.Monotonic());
    return true;
  }

  // Re-reads every input; true when any content hash differs from the last read.
  bool ReadInputs() {
    bool changed = false;
    for (const std::string& path : inputs_) {
      std::string content;
      const ReadStatus read = shells_.files.Read(path, kMaxAnswerBytes, &content);
      std::string hash = "status:" + std::to_string(int(read.kind()));
      if (read.ok() && !Sha256Hex(content, &hash)) {
        hash = "unhashed:" + std::to_string(++unhashed_reads_);  // a change: sync
      }
      if (path == inputs_.front()) {
        if (read.ok()) log_.AddSecret("web-identity-token", TrimWhitespace(content));
        // In an EKS Pod Identity pod no web identity token is expected.
        const bool pod_identity =
            !read.ok() &&
            ChooseBaseCredentials({settings_.base_credentials, settings_.pod_identity_uri,
                                   settings_.pod_identity_token_file, false, path})
                    .base == BaseCredentials::kPodIdentity;
        if (!pod_identity) {
          ObserveToken(read.ok() ? std::optional<std::string_view>(content) : std::nullopt);
        }
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
    metrics_.SetTokenExpiry(token_monitor_.expiry());
  }

  void DoSync() {
    const double started = shells_.clock.Monotonic();
    in_sync_ = true;
    const SyncResult result = syncer_.Sync(true);
    in_sync_ = false;
    const double now = shells_.clock.Monotonic();
    scheduler_.SyncFinished(now, result.status.kind(), result.retry_after);
    const double wall = shells_.clock.Wall();
    state_.last_attempt_at = wall;
    metrics_.SyncFinished(result.status.kind(), wall, result.profiles.size());
    if (result.mapping_seconds) metrics_.MappingRequestTook(*result.mapping_seconds);
    if (result.status.ok()) {
      state_.last_success_at = state_.last_attempt_at;
      state_.last_error.clear();
      state_.last_error_kind.clear();
      state_.last_error_at.reset();
      state_.config_hash = result.config_hash;
      state_.profiles = result.profiles;
      log_.Info(result.changed ? "config written" : "config unchanged",
                {{"profiles", std::to_string(result.profiles.size()), true},
                 {"seconds", std::to_string(now - started), true}});
      Notify(readiness_.SyncSucceeded(result.profiles.size()));
      if (broker_) broker_->MappingSynced(result);
    } else {
      state_.last_error = log_.Redact(result.status.message());
      state_.last_error_kind = std::string(FailureName(result.status.kind()));
      state_.last_error_at = state_.last_attempt_at;
      log_.Warn("sync failed",
                {{"error", result.status.message()},
                 {"kind", state_.last_error_kind},
                 {"consecutive_failures", std::to_string(scheduler_.consecutive_failures()), true},
                 {"retry_in", LogSeconds(scheduler_.next_sync() - now), true}});
    }
    state_.consecutive_failures = scheduler_.consecutive_failures();
    WriteState();
    if (!result.status.ok()) Notify(readiness_.SyncFailed(state_.last_error));
    AnswerRefreshWaiters(result);
  }

  // Every write carries a fresh heartbeat (status's liveness, state.h).
  void WriteState() {
    state_.heartbeat_at = shells_.clock.Wall();
    next_heartbeat_ = shells_.clock.Monotonic() + kHeartbeatInterval;
    bool changed = false;
    const PublishStatus wrote =
        shells_.files.Publish(state_path_, SerializeState(state_), 0644, &changed);
    if (!wrote.ok()) log_.Warn("cannot write the state file", {{"error", wrote.message()}});
  }

  // Answers what the listener has ready; /refresh waits for the next sync
  // that starts after it (one that is running now does not count).
  void ServeListener(double now) {
    if (shells_.listener == nullptr) return;
    for (const ListenRequest& request : shells_.listener->Poll(now)) {
      switch (RouteFor(request.method, request.path)) {
        case Route::kHealthz:
          Answer(request.connection, HealthzResponse());
          break;
        case Route::kRefresh:
          RefreshRequested(request.connection, now);
          break;
        case Route::kMetrics:
          Answer(request.connection, MetricsResponse(metrics_.Render()));
          break;
        case Route::kNotFound:
          Answer(request.connection, NotFoundResponse());
          break;
        case Route::kMethodNotAllowed:
          Answer(request.connection, MethodNotAllowedResponse());
          break;
      }
    }
  }

  // The broker's socket and credentials listener; its /refresh requests
  // join the TCP listener's.
  void ServeBroker(double now) {
    if (!broker_) return;
    broker_->Serve();
    for (uint64_t connection : broker_->TakeRefreshRequests()) {
      RefreshRequested(connection | kSocketWaiter, now);
    }
  }

  // /refresh waits for the next sync that starts after it (one running now
  // does not count).
  void RefreshRequested(uint64_t waiter, double now) {
    if (refresh_waiters_.size() + next_refresh_waiters_.size() >= kMaxRefreshWaiters) {
      Answer(waiter, BusyResponse());
      return;
    }
    (in_sync_ ? next_refresh_waiters_ : refresh_waiters_).push_back(waiter);
    scheduler_.SyncRequested(now);
  }

  void Answer(uint64_t waiter, const RouteResponse& answer) {
    if ((waiter & kSocketWaiter) != 0) {
      if (broker_) broker_->AnswerRefresh(waiter & ~kSocketWaiter, answer.status, answer.body);
      return;
    }
    shells_.listener->Respond(waiter, answer.status, answer.body, answer.content_type,
                              shells_.clock.Monotonic());
  }

  void AnswerRefreshWaiters(const SyncResult& result) {
    if (!refresh_waiters_.empty()) {
      const RouteResponse answer =
          RefreshResponse(result.status.kind(), log_.Redact(result.status.message()),
                          result.changed, result.profiles);
      for (uint64_t waiter : refresh_waiters_) Answer(waiter, answer);
    }
    refresh_waiters_ = std::move(next_refresh_waiters_);
    next_refresh_waiters_.clear();
  }

  const Settings& settings_;
  RunShells& shells_;
  Logger& log_;
  Scheduler scheduler_;
  Syncer syncer_;
  SystemdReadiness readiness_;
  TokenMonitor token_monitor_;
  MetricsRegistry metrics_;
  std::string state_path_;
  std::vector<std::string> inputs_;  // the web-identity token first
  std::map<std::string, std::string> hashes_;
  uint64_t unhashed_reads_ = 0;  // reads Sha256Hex could not hash (each counts as a change)
  AgentState state_;
  std::vector<uint64_t> refresh_waiters_;       // answered by the next sync's end
  std::vector<uint64_t> next_refresh_waiters_;  // arrived during a sync: the one after
  bool in_sync_ = false;
  double next_heartbeat_ = 0;             // monotonic time of the next heartbeat write
  std::unique_ptr<BrokerServer> broker_;  // the socket, the credentials listener
};

}  // namespace

int RunAgentLoop(const Settings& settings, RunShells& shells, Logger& log) {
  RunLoop loop(settings, shells, log);
  return loop.Run();
}

}  // namespace irsa

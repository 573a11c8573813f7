#include "run/broker_server.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "aws/broker.h"
#include "aws/credential_source.h"
#include "aws/sts_chain.h"
#include "irsa_agent/listener.h"
#include "os/fetch_worker.h"
#include "run/state.h"

namespace irsa {
namespace {

// The socket serves one pod: a few SDK processes at a time, but a job that
// starts 100 workers at once must not be turned away (the broker's own cap on
// waiting requests is 512).
constexpr size_t kMaxBrokerConnections = 512;
constexpr size_t kMaxQueuedFetches = 256;
constexpr uint32_t kSocketMode = 0660;
constexpr std::string_view kJson = "application/json";

class BrokerServerImpl : public BrokerServer {
 public:
  BrokerServerImpl(const Settings& settings, Clock& clock, HttpClient& http, Files& files,
                   Logger& log, MetricsRegistry& metrics, std::function<double()> uniform01)
      : clock_(clock),
        log_(log),
        metrics_(metrics),
        chain_(
            http, files, [&clock] { return clock.Wall(); }, StsChainOptionsFor(settings)),
        broker_(CacheTiming{settings.min_backoff, settings.max_backoff}, BrokerLimits(),
                std::move(uniform01), &log) {}

  bool Open(const Settings& settings, std::string* err) {
    const std::string path =
        BrokerSocketPath(settings.socket, settings.state_dir, settings.aws_config_file);
    ListenerLimits limits;
    limits.max_connections = kMaxBrokerConnections;
    listener_ = NewUnixListener(path, kSocketMode, err, limits);
    if (!listener_) return false;
    worker_ = FetchWorker::Start(&chain_, kMaxQueuedFetches, err);
    if (!worker_) return false;
    log_.Info("credential broker listening", {{"socket", path}});
    return true;
  }

  std::vector<int> fds() const override { return {listener_->fd(), worker_->fd()}; }

  void MappingSynced(const SyncResult& result) override {
    Send(broker_.SetProfiles(RecipesFor(result.pairs, result.audit), clock_.Wall()));
    Settle();
  }

  void Serve() override {
    const double wall = clock_.Wall();
    for (const ListenRequest& request : listener_->Poll(clock_.Monotonic())) {
      const std::optional<std::string> profile =
          request.method == "GET" ? CredentialProfileFromPath(request.path) : std::nullopt;
      if (!profile) {
        const bool get = request.method == "GET";
        Respond(request.connection, get ? 404 : 405,
                ErrorJson(get ? "not found: ask GET /credentials/<profile>" : "GET only"));
        continue;
      }
      const int64_t uid = request.peer_uid ? static_cast<int64_t>(*request.peer_uid) : -1;
      std::optional<BrokerResponse> now =
          broker_.HandleCredentialRequest(request.connection, *profile, uid, wall);
      if (now) Send(std::move(*now));
    }
    for (FetchResult& done : worker_->Drain()) {
      for (const auto& [action, outcome] : done.fetch.sts_calls) {
        metrics_.StsRequested(action, outcome);
      }
      Send(broker_.FetchDone(done.id, done.profile, std::move(done.fetch), wall));
    }
    Settle();
  }

  double NextWake() const override {
    double wake = std::numeric_limits<double>::infinity();
    const double broker_wake = broker_.NextWake();
    if (broker_wake < std::numeric_limits<double>::infinity()) {
      // The broker counts in wall seconds, the loop in monotonic ones.
      wake = clock_.Monotonic() + std::max(0.0, broker_wake - clock_.Wall());
    }
    return std::min(wake, listener_->NextDeadline().value_or(wake));
  }

  void Stop() override {
    Send(broker_.Shutdown());
    worker_->Stop();
    listener_.reset();  // removes the socket file
  }

 private:
  // Starts the fetches the broker wants now and answers overdue waiters, then
  // brings the metrics up to date.
  void Settle() {
    BrokerDue due = broker_.Due(clock_.Wall());
    for (const CacheFetchOrder& order : due.fetches) worker_->Submit(order.id, order.recipe);
    Send(std::move(due.responses));
    UpdateMetrics();
  }

  void Send(std::vector<BrokerResponse> responses) {
    for (BrokerResponse& response : responses) Send(std::move(response));
  }

  void Send(BrokerResponse response) {
    Respond(response.connection, response.status, response.body);
  }  // `response` wipes its body here

  void Respond(uint64_t connection, int status, std::string_view body) {
    listener_->Respond(connection, status, body, kJson, clock_.Monotonic());
  }

  // The registry counts events; the cache and broker keep totals.
  void UpdateMetrics() {
    const CacheCounters& cache = broker_.cache().counters();
    const BrokerCounters& refused = broker_.counters();
    const uint64_t errors =
        cache.requests_error + refused.bad_requests + refused.busy + refused.timed_out;
    for (; counted_.hit < cache.requests_hit; ++counted_.hit) {
      metrics_.CredentialRequested(CredentialResult::kHit);
    }
    for (; counted_.miss < cache.requests_miss; ++counted_.miss) {
      metrics_.CredentialRequested(CredentialResult::kMiss);
    }
    for (; counted_.error < errors; ++counted_.error) {
      metrics_.CredentialRequested(CredentialResult::kError);
    }
    std::set<std::string> now_cached;
    for (const auto& [profile, expiry] : broker_.cache().CachedExpiries()) {
      metrics_.SetCredentialExpiry(profile, expiry);
      now_cached.insert(profile);
    }
    for (const std::string& profile : exported_) {
      if (!now_cached.count(profile)) metrics_.RemoveCredentialExpiry(profile);
    }
    exported_ = std::move(now_cached);
  }

  Clock& clock_;
  Logger& log_;
  MetricsRegistry& metrics_;
  StsChain chain_;
  CredentialBroker broker_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<FetchWorker> worker_;
  struct {
    uint64_t hit = 0, miss = 0, error = 0;
  } counted_;
  std::set<std::string> exported_;  // profiles with an expiry gauge
};

}  // namespace

std::unique_ptr<BrokerServer> BrokerServer::Start(const Settings& settings, Clock& clock,
                                                  HttpClient& http, Files& files, Logger& log,
                                                  MetricsRegistry& metrics,
                                                  std::function<double()> uniform01,
                                                  std::string* err) {
  auto server = std::make_unique<BrokerServerImpl>(settings, clock, http, files, log, metrics,
                                                   std::move(uniform01));
  if (!server->Open(settings, err)) return nullptr;
  return server;
}

}  // namespace irsa

#include "run/broker_server.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "aws/broker.h"
#include "aws/credential_source.h"
#include "aws/sts_chain.h"
#include "base/secret.h"
#include "irsa_agent/fetch_worker.h"
#include "irsa_agent/listener.h"
#include "os/random_bytes.h"
#include "run/credentials_routes.h"
#include "run/credentials_token.h"
#include "run/imds.h"
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
// The broker's connection ids of requests that came through the credentials
// listener carry bit 63 (the two listeners count connections separately) and
// the answer's format in bits 60-61 (for its Content-Type), so the server
// keeps no state per request; a listener's own ids never get near bit 60.
constexpr uint64_t kCredentialsTicket = uint64_t{1} << 63;
constexpr int kFormatShift = 60;
constexpr uint64_t kTicketBits = uint64_t{0xf} << kFormatShift;

uint64_t Ticket(uint64_t connection, CredentialFormat format) {
  return connection | kCredentialsTicket | (static_cast<uint64_t>(format) << kFormatShift);
}

CredentialFormat FormatOf(uint64_t ticket) {
  return static_cast<CredentialFormat>((ticket >> kFormatShift) & 3);
}
constexpr size_t kImdsKeyBytes = 32;

// One finished fetch, as the worker hands it back.
struct FetchResult : FetchWorker::Done {
  uint64_t id = 0;
  std::string profile;
  CredentialFetch fetch;  // its credentials are wiped when the result is dropped
};

class BrokerServerImpl : public BrokerServer {
 public:
  BrokerServerImpl(const Settings& settings, Clock& clock, HttpClient& http, Files& files,
                   Logger& log, MetricsRegistry& metrics, std::function<double()> uniform01)
      : clock_(clock),
        files_(files),
        log_(log),
        metrics_(metrics),
        chain_(
            http, files, [&clock] { return clock.Wall(); }, StsChainOptionsFor(settings)),
        broker_(CacheTiming{settings.min_backoff, settings.max_backoff, CacheTiming().min_remaining,
                            settings.refusal_retry_window},
                BrokerLimits(), std::move(uniform01), &log) {}

  bool Open(const Settings& settings, std::string* err) {
    const std::string path =
        BrokerSocketPath(settings.socket, settings.state_dir, settings.aws_config_file);
    ListenerLimits limits;
    limits.max_connections = kMaxBrokerConnections;
    listener_ = NewUnixListener(path, kSocketMode, err, limits);
    if (!listener_) return false;
    worker_ = FetchWorker::Start(kMaxQueuedFetches, err);
    if (!worker_) return false;
    chain_.SetCancelled(worker_->Cancelled());
    log_.Info("credential broker listening", {{"socket", path}});
    return settings.credentials_listen.empty() || OpenCredentialsListener(settings, err);
  }

  std::vector<int> fds() const override {
    std::vector<int> out = {listener_->fd(), worker_->fd()};
    if (credentials_) out.push_back(credentials_->fd());
    return out;
  }

  void MappingSynced(const SyncResult& result) override {
    Send(broker_.SetProfiles(RecipesFor(result.pairs, result.audit), clock_.Wall()));
    Settle();
  }

  void Serve() override {
    const double wall = clock_.Wall();
    for (const ListenRequest& request : listener_->Poll(clock_.Monotonic())) {
      if (request.method == "GET" && request.path == "/refresh") {
        refreshes_.push_back(request.connection);  // answered by the loop after its sync
        continue;
      }
      const std::optional<std::string> profile =
          request.method == "GET" ? CredentialProfileFromPath(request.path) : std::nullopt;
      if (!profile) {
        const bool get = request.method == "GET";
        Respond(
            request.connection, get ? 404 : 405,
            ErrorJson(get ? "not found: ask GET /credentials/<profile> or /refresh" : "GET only"));
        continue;
      }
      const int64_t uid = request.peer_uid ? static_cast<int64_t>(*request.peer_uid) : -1;
      std::optional<BrokerResponse> now =
          broker_.HandleCredentialRequest(request.connection, *profile, uid, wall);
      if (now) {
        Send(std::move(*now));
      } else {
        // It waits for a fetch: tell the client, which then waits longer
        // instead of running the chain itself (README, "Run mode").
        listener_->Acknowledge(request.connection);
      }
    }
    // A client that hung up frees its waiting slot.
    for (uint64_t connection : listener_->TakeHangups()) broker_.ConnectionClosed(connection);
    if (credentials_) ServeCredentialsListener(wall);
    for (std::unique_ptr<FetchWorker::Done>& finished : worker_->Drain()) {
      FetchResult& done = static_cast<FetchResult&>(*finished);  // all we submit
      for (const StsHop& hop : done.fetch.sts_calls) metrics_.StsRequested(hop.action, hop.outcome);
      Send(broker_.FetchDone(done.id, done.profile, std::move(done.fetch), wall));
    }
    Settle();
  }

  std::vector<uint64_t> TakeRefreshRequests() override { return std::exchange(refreshes_, {}); }

  void AnswerRefresh(uint64_t connection, int status, std::string_view body) override {
    listener_->Respond(connection, status, body, kJson, clock_.Monotonic());
  }

  double NextWake() const override {
    double wake = std::numeric_limits<double>::infinity();
    const double broker_wake = broker_.NextWake();
    if (broker_wake < std::numeric_limits<double>::infinity()) {
      // The broker counts in wall seconds, the loop in monotonic ones.
      wake = clock_.Monotonic() + std::max(0.0, broker_wake - clock_.Wall());
    }
    wake = std::min(wake, listener_->NextDeadline().value_or(wake));
    if (credentials_) wake = std::min(wake, credentials_->NextDeadline().value_or(wake));
    return wake;
  }

  void Stop() override {
    Send(broker_.Shutdown());
    worker_->Stop();
    listener_.reset();  // removes the socket file
    credentials_.reset();
  }

  ~BrokerServerImpl() override { WipeString(&token_); }

 private:
  // The credentials listener (docs/PROTOCOLS.md): loopback only, whatever
  // listen-any says; its token read or created; IMDS' session key.
  bool OpenCredentialsListener(const Settings& settings, std::string* err) {
    const std::string token_path =
        CredentialsTokenPath(settings.credentials_token_file, settings.aws_config_file);
    if (!LoadCredentialsToken(files_, token_path, SecureRandomBytes, &token_, err)) return false;
    log_.AddSecret("credentials-token", token_);
    if (settings.imds) {
      std::string key;
      if (!SecureRandomBytes(kImdsKeyBytes, &key, err)) return false;
      imds_ = std::make_unique<ImdsSessions>(std::move(key));
    }
    ListenerLimits limits;
    limits.max_connections = kMaxBrokerConnections;
    credentials_ = NewTcpListener(settings.credentials_listen, false, err, limits);
    if (!credentials_) return false;
    log_.Info("credentials listener listening", {{"address", settings.credentials_listen},
                                                 {"token_file", token_path},
                                                 {"imds", imds_ ? "true" : "false"}});
    return true;
  }

  void ServeCredentialsListener(double wall) {
    const CredentialsAccess access{token_, imds_.get(), wall};
    for (const ListenRequest& request : credentials_->Poll(clock_.Monotonic())) {
      CredentialsRoute route = RouteCredentialsRequest(request, access);
      if (route.answer) {
        credentials_->Respond(request.connection, route.answer->status, route.answer->body,
                              route.answer->content_type, clock_.Monotonic());
        WipeString(&route.answer->body);  // an IMDS session token
        continue;
      }
      const uint64_t ticket = Ticket(request.connection, route.format);
      std::optional<BrokerResponse> now =
          broker_.HandleCredentialRequest(ticket, route.profile, -1, wall, route.format);
      if (now) Send(std::move(*now));
    }
    // The ticket held the request's format: forget the connection in each.
    for (uint64_t connection : credentials_->TakeHangups()) {
      for (CredentialFormat format : {CredentialFormat::kProcess, CredentialFormat::kContainer,
                                      CredentialFormat::kImds, CredentialFormat::kImdsName}) {
        broker_.ConnectionClosed(Ticket(connection, format));
      }
    }
  }

  // Starts the fetches the broker wants now and answers overdue waiters, then
  // brings the metrics up to date.
  void Settle() {
    BrokerDue due = broker_.Due(clock_.Wall());
    for (const CacheFetchOrder& order : due.fetches) Submit(order);
    Send(std::move(due.responses));
    UpdateMetrics();
  }

  // Runs the chain for `order` on the worker; a full queue fails it at once
  // as transient, so the broker backs off and retries.
  void Submit(const CacheFetchOrder& order) {
    const bool queued = worker_->Submit([chain = &chain_, order] {
      auto result = std::make_unique<FetchResult>();
      result->id = order.id;
      result->profile = order.recipe.profile;
      result->fetch = chain->Fetch(order.recipe);
      return result;
    });
    if (queued) return;
    CredentialFetch refused;
    refused.status = {Failure::kTransient, "too many credential fetches queued"};
    Send(broker_.FetchDone(order.id, order.recipe.profile, std::move(refused), clock_.Wall()));
  }

  void Send(std::vector<BrokerResponse> responses) {
    for (BrokerResponse& response : responses) Send(std::move(response));
  }

  void Send(BrokerResponse response) {
    Respond(response.connection, response.status, response.body);
  }  // `response` wipes its body here

  void Respond(uint64_t connection, int status, std::string_view body) {
    if ((connection & kCredentialsTicket) == 0) {
      listener_->Respond(connection, status, body, kJson, clock_.Monotonic());
      return;
    }
    const std::string_view type =
        status == 200 ? CredentialContentType(FormatOf(connection)) : kJson;
    if (credentials_) {
      credentials_->Respond(connection & ~kTicketBits, status, body, type, clock_.Monotonic());
    }
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
    for (; counted_.refusals < cache.refusals_retried; ++counted_.refusals) {
      metrics_.RefusalRetried();
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
  Files& files_;
  Logger& log_;
  MetricsRegistry& metrics_;
  StsChain chain_;
  CredentialBroker broker_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<FetchWorker> worker_;
  struct {
    uint64_t hit = 0, miss = 0, error = 0, refusals = 0;
  } counted_;
  std::set<std::string> exported_;         // profiles with an expiry gauge
  std::unique_ptr<Listener> credentials_;  // credentials-listen; null when off
  std::string token_;                      // its token (a secret)
  std::unique_ptr<ImdsSessions> imds_;     // null when IMDS is off
  std::vector<uint64_t> refreshes_;        // the socket's /refresh requests not yet taken
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

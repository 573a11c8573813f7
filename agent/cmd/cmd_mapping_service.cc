// `irsa-agent mapping-service`: the IAM mapping service (README, "The mapping
// service"). Wires the settings to the clients, the committer and the
// server; a GC thread runs every trust-gc-interval. Stops on SIGTERM/SIGINT.
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/url.h"
#include "cmd/commands.h"
#include "irsa_agent/signals.h"
#include "mapping/committer.h"
#include "mapping/domino_client.h"
#include "mapping/http_server.h"
#include "mapping/iam_client.h"
#include "mapping/kube_api.h"
#include "mapping/mapping_metrics.h"
#include "mapping/pod_view.h"
#include "mapping/role_lease.h"
#include "mapping/service.h"

namespace irsa {
namespace {

constexpr size_t kMaxKubeTokenBytes = 64 * 1024;
constexpr int kLeaseSeconds = 30;
constexpr int kPodPage = 500;
constexpr double kDrainSeconds = 10;
// Idle libcurl handles kept (with their connections): the calls in flight at
// once are bounded by MappingKube's and DominoClient's slots plus one IAM
// call per role being written.
constexpr size_t kIdleHandles = 24;

std::string Holder(const Environment& env) {
  const auto it = env.find("HOSTNAME");
  const std::string host = it == env.end() || it->second.empty() ? "mapping-service" : it->second;
  return host + "-" + std::to_string(getpid());
}

}  // namespace

std::function<bool(std::string*, std::string*)> KubeTokenReader(Files& files, std::string path) {
  auto mutex = std::make_shared<std::mutex>();
  return [&files, path = std::move(path), mutex](std::string* token, std::string* why) {
    std::lock_guard<std::mutex> lock(*mutex);
    const ReadStatus read = files.Read(path, kMaxKubeTokenBytes, token);
    if (!read.ok()) {
      *why = read.message();
      return false;
    }
    while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
    return true;
  };
}

bool MappingServiceEndpoints(const Settings& settings, const Environment& env,
                             std::string* kube_api, IamEndpoint* iam, std::string* err) {
  return KubeApiUrl(settings, env, kube_api, err) &&
         ResolveIamEndpoint(settings.iam_endpoint, iam, err);
}

int MappingServiceCommand(const Invocation& invocation, const Environment& env, Shells& shells) {
  const Settings& settings = invocation.settings;
  // One thread per connection: glibc would give each of up to 8 per core an
  // arena of its own, whose freed pages stay resident; two bound the peak
  // RSS under a burst (docs/MAPPING_SERVICE.md, "Performance").
  mallopt(M_ARENA_MAX, 2);
  Logger logger = MakeLogger(settings, shells);
  std::mutex log_mutex;
  auto log = [&](bool error, const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mutex);
    if (error) {
      logger.Error(line);
    } else {
      logger.Info(line);
    }
  };
  std::string err;
  std::string kube_api;
  IamEndpoint iam_endpoint;
  if (!MappingServiceEndpoints(settings, env, &kube_api, &iam_endpoint, &err)) {
    PrintError(err);
    return kExitUsage;
  }
  int exit_code = kExitOk;
  std::unique_ptr<AwsCredentialProvider> provider =
      AwsCredentialsFor(settings, env, shells, logger, &exit_code);
  if (!provider) return exit_code;
  SharedCredentials credentials(*provider);

  Clock* clock = shells.clock.get();
  auto wall = [clock] { return clock->Wall(); };
  MappingMetrics metrics(static_cast<size_t>(settings.trust_policy_max_length));
  CallObserver observe = [&metrics](std::string_view dependency, Failure outcome, double s) {
    metrics.Call(dependency, outcome, s);
  };
  // Its own client, keeping connections to the API server, Domino and IAM
  // open between calls (a TLS handshake per call was most of a request's cost).
  std::unique_ptr<HttpClient> keep_alive = NewKeepAliveCurlHttpClient(kIdleHandles);
  HttpClient& http = *keep_alive;
  MappingKube kube(
      http, kube_api, settings.ReadPath(settings.kube_ca_file), settings.request_timeout,
      KubeTokenReader(*shells.files, settings.ReadPath(settings.kube_token_file)), observe);
  DominoClient domino(http, settings.domino_api, settings.request_timeout, observe);
  IamClient iam(http, iam_endpoint, settings.request_timeout, credentials, wall, observe);
  RoleLease lease(kube, settings.platform_namespace, Holder(env), kLeaseSeconds, wall,
                  [clock](double s) { clock->SleepFor(s); });
  PodView pods(kube, settings.compute_namespace, kPodPage, wall);
  CommitSettings commit;
  commit.oidc = settings.oidc_provider;
  commit.compute_namespace = settings.compute_namespace;
  commit.max_length = static_cast<size_t>(settings.trust_policy_max_length);
  TrustCommitter committer(iam, lease, pods, metrics, commit, wall, log);
  ServiceConfig config;
  config.compute_namespace = settings.compute_namespace;
  config.platform_namespace = settings.platform_namespace;
  config.org_configmap = settings.org_mapping_configmap;
  config.role_configmap = settings.role_mapping_configmap;
  config.max_in_flight = settings.max_requests;
  MappingService service(config, domino, kube, committer, metrics, wall, log);

  ServerConfig server_config;
  server_config.listen = settings.listen;
  server_config.tls_cert_file = settings.ReadPath(settings.tls_cert_file);
  server_config.tls_key_file = settings.ReadPath(settings.tls_key_file);
  if (settings.tls_cert_file.empty()) server_config.tls_cert_file.clear();
  if (settings.tls_key_file.empty()) server_config.tls_key_file.clear();
  server_config.read_timeout = settings.request_timeout;
  server_config.write_timeout = settings.request_timeout;
  std::unique_ptr<MappingServer> server = MappingServer::Start(
      server_config, [&service](const ServiceRequest& r) { return service.Handle(r); }, &err);
  if (!server) {
    PrintError(err);
    return err.starts_with("listen:") ? kExitUnavailable : kExitUsage;
  }
  std::unique_ptr<Signals> signals = InstallSignalHandlers();
  std::atomic<bool> stop{false};
  auto stopping = [&] { return stop.load() || (signals && signals->terminating()); };
  std::mutex gc_mutex;
  std::condition_variable gc_wake;
  std::thread gc([&] {
    std::unique_lock<std::mutex> lock(gc_mutex);
    while (!stopping()) {
      gc_wake.wait_for(lock, std::chrono::duration<double>(settings.trust_gc_interval));
      if (stopping()) break;
      lock.unlock();
      service.CollectAll();
      lock.lock();
    }
  });
  logger.Info("mapping service listening",
              {{"listen", settings.listen},
               {"port", std::to_string(server->port())},
               {"tls", server_config.tls_cert_file.empty() ? "off" : "on"},
               {"domino_api", DisplayUrl(settings.domino_api)},
               {"kube_api", DisplayUrl(kube_api)},
               {"iam", DisplayUrl(iam_endpoint.base)},
               {"trust_policy_max_length", std::to_string(settings.trust_policy_max_length)}});
  server->Serve(stopping, kDrainSeconds);
  stop = true;
  {
    std::lock_guard<std::mutex> lock(gc_mutex);
    gc_wake.notify_all();
  }
  gc.join();
  logger.Info("mapping service stopped");
  return kExitOk;
}

}  // namespace irsa

// `irsa-agent reap`: evicts pods that keep a role their Pod Identity
// association no longer grants (README, "The reaper"). Rounds run every
// reap-interval; --once runs one and maps its outcome to the exit code.
#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "aws/eks.h"
#include "aws/pod_identity.h"
#include "base/outcome.h"
#include "base/url.h"
#include "cmd/commands.h"
#include "irsa_agent/signals.h"
#include "reap/aws_credentials.h"
#include "reap/kube_client.h"
#include "reap/reaper.h"
#include "reap/stale.h"

namespace irsa {
namespace {

constexpr double kDefaultRoundTimeout = 600;

// Every request of the reaper (Kubernetes, EKS, STS, Pod Identity) stops
// early once SIGTERM or SIGINT arrived: the reaper often runs as PID 1, where
// a signal without a handler is ignored, so stopping is up to it.
class CancellingHttp : public HttpClient {
 public:
  CancellingHttp(std::unique_ptr<HttpClient> http, const Signals& signals)
      : http_(std::move(http)), signals_(signals) {}
  Status<HttpFailure> Send(const HttpRequest& request, HttpResponse* response) override {
    if (request.cancelled) return http_->Send(request, response);
    HttpRequest cancellable = request;
    cancellable.cancelled = [this] { return signals_.terminating(); };
    return http_->Send(cancellable, response);
  }

 private:
  std::unique_ptr<HttpClient> http_;
  const Signals& signals_;
};

// Sleeps `seconds`, or less when a signal arrives. True once terminating.
bool SleepUnlessStopped(Signals& signals, double seconds, Clock& clock) {
  const double until = clock.Monotonic() + seconds;
  for (int i = 0; i < 100000 && !signals.terminating(); ++i) {
    const double left = until - clock.Monotonic();
    if (left <= 0) break;
    pollfd p = {signals.fd(), POLLIN, 0};
    poll(&p, 1, static_cast<int>(std::min(left, 3600.0) * 1000) + 1);
    signals.Drain();
  }
  return signals.terminating();
}

}  // namespace

bool KubeApiUrl(const Settings& settings, const Environment& env, std::string* out,
                std::string* err) {
  if (!settings.kube_api.empty()) {
    std::string_view api = settings.kube_api;
    while (api.ends_with('/')) api.remove_suffix(1);
    const UrlParts parts = SplitUrl(api);
    if (parts.scheme != "https" && !IsLoopbackAuthority(parts.authority)) {
      *err = "kube-api " + DisplayUrl(api) +
             ": plain http only to loopback (kubectl proxy); the bearer token must not travel "
             "in clear";
      return false;
    }
    *out = api;
    return true;
  }
  const std::string host = EnvValue(env, "KUBERNETES_SERVICE_HOST");
  const std::string port = EnvValue(env, "KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    *err = "--kube-api is needed outside a pod (KUBERNETES_SERVICE_HOST/PORT are not set)";
    return false;
  }
  const bool v6 = host.find(':') != std::string::npos;
  *out = "https://" + (v6 ? "[" + host + "]" : host) + ":" + port;
  return true;
}

std::unique_ptr<AwsCredentialProvider> AwsCredentialsFor(const Settings& settings,
                                                         const Environment& env, Shells& shells,
                                                         Logger& log, int* exit_code) {
  const CredentialChoice choice = ChooseCredentialPlace(env);
  std::string err;
  std::unique_ptr<AwsCredentialProvider> provider;
  switch (choice.place) {
    case CredentialPlace::kEnvironmentKeys:
      provider = NewEnvironmentKeysProvider(env);
      break;
    case CredentialPlace::kWebIdentity:
      provider =
          NewWebIdentityProvider(env, settings.sts_endpoint, settings.region,
                                 settings.request_timeout, *shells.files, *shells.http, &err);
      if (!provider) {
        PrintError(err);
        *exit_code = kExitUsage;
        return nullptr;
      }
      break;
    case CredentialPlace::kPodIdentity:
      // pod-identity-uri and pod-identity-token-file: the container
      // variables unless a flag or the settings file says otherwise.
      provider =
          NewPodIdentityProvider(PodIdentityEndpointFor(settings), *shells.files, *shells.http);
      break;
    case CredentialPlace::kNone:
      PrintError("no AWS credentials: " + choice.why);
      *exit_code = kExitInput;
      return nullptr;
  }
  log.Info("AWS credentials chosen", {{"source", choice.why}});
  return provider;
}

namespace {

void LogRound(const RoundResult& r, bool dry_run, Logger& log) {
  const std::initializer_list<LogField> fields = {
      {"pods", std::to_string(r.pods), true},
      {"pod_identity_pods", std::to_string(r.pod_identity_pods), true},
      {"associations", std::to_string(r.associations), true},
      {"described", std::to_string(r.described), true},
      {"stale", std::to_string(r.stale), true},
      {dry_run ? "would_evict" : "evicted", std::to_string(r.evicted)},
      {"refused", std::to_string(r.refused), true},
      {"gone", std::to_string(r.gone), true},
      {"deferred", std::to_string(r.deferred), true},
      {"eks_requests", std::to_string(r.eks_requests), true},
      {"kube_requests", std::to_string(r.kube_requests), true}};
  if (r.status.ok()) {
    log.Info("reap round done", fields);
  } else {
    log.Error("reap round failed, nothing more evicted: " + r.status.message(), fields);
  }
}

}  // namespace

int ReapCommand(const Invocation& invocation, const Environment& env, Shells& shells) {
  const Settings& settings = invocation.settings;
  Logger log = MakeLogger(settings, shells);
  std::string err;
  ReapConfig config;
  config.cluster = settings.cluster;
  config.kube_token_file = settings.ReadPath(settings.kube_token_file);
  config.max_evictions = settings.max_evictions;
  config.dry_run = settings.dry_run;
  // A round of a large cluster makes thousands of requests: the default of
  // `timeout` (60 s, meant for `once`) would end it early, so reap's is 600 s.
  config.round_timeout = settings.source.at("timeout") == SettingSource::kDefault
                             ? kDefaultRoundTimeout
                             : settings.timeout;
  config.request_timeout = settings.request_timeout;
  if (!ParseNamespaceList(settings.namespaces, &config.namespaces, &err)) {
    PrintError("namespaces: " + err);
    return kExitUsage;
  }
  std::string kube_api;
  EksEndpoint eks_endpoint;
  if (!KubeApiUrl(settings, env, &kube_api, &err) ||
      !ResolveEksEndpoint(settings.eks_endpoint, settings.region, &eks_endpoint, &err)) {
    PrintError(err);
    return kExitUsage;
  }
  std::unique_ptr<Signals> signals = InstallSignalHandlers();
  if (!signals) {
    PrintError("cannot install signal handlers");
    return kExitInternal;
  }
  shells.http = std::make_unique<CancellingHttp>(std::move(shells.http), *signals);
  int exit_code = kExitOk;
  std::unique_ptr<AwsCredentialProvider> credentials =
      AwsCredentialsFor(settings, env, shells, log, &exit_code);
  if (!credentials) return exit_code;
  KubeClient kube(*shells.http, kube_api, settings.ReadPath(settings.kube_ca_file),
                  settings.request_timeout);
  EksClient eks(*shells.http, eks_endpoint, settings.request_timeout, "");
  Reaper reaper(config, *shells.files, kube, eks, *credentials, *shells.clock, log);
  reaper.set_cancelled([&signals] { return signals->terminating(); });
  log.Info("reaper started", {{"cluster", config.cluster},
                              {"namespaces", settings.namespaces},
                              {"eks", DisplayUrl(eks_endpoint.base)},
                              {"kube_api", DisplayUrl(kube_api)},
                              {"dry_run", config.dry_run ? "true" : "false"},
                              {"max_evictions", std::to_string(config.max_evictions), true}});
  while (true) {
    const RoundResult result = reaper.Round();
    if (signals->terminating()) {
      log.Info("reaper stopped (signal)", {});
      return kExitOk;
    }
    LogRound(result, config.dry_run, log);
    if (invocation.once) {
      return result.status.ok() ? kExitOk : ExitCodeFor(result.status.kind());
    }
    if (SleepUnlessStopped(*signals, settings.reap_interval, *shells.clock)) {
      log.Info("reaper stopped (signal)", {});
      return kExitOk;
    }
  }
}

}  // namespace irsa

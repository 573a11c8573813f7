// `irsa-agent doctor --mapping-service`: builds the clients exactly as
// `mapping-service` does (same settings, same Kubernetes token reader, same
// AWS credential chain) and hands them to CheckMappingService
// (doctor/doctor_mapping_service.h), which makes each call once and judges
// it. The Kubernetes token and the AWS keys are registered with the logger's
// redaction as a last line of defence; no check ever holds them.
#include <cstdio>

#include "base/secret.h"
#include "base/text.h"
#include "cmd/commands.h"
#include "doctor/doctor.h"
#include "doctor/doctor_mapping_service.h"
#include "mapping/domino_client.h"
#include "mapping/iam_client.h"
#include "mapping/kube_api.h"

namespace irsa {
namespace {

constexpr size_t kMaxKubeTokenBytes = 64 * 1024;

// The secrets the process could meet, so that Redact() removes them.
void RegisterSecrets(const Settings& settings, const Environment& env, Shells& shells,
                     Logger* log) {
  std::string token;
  if (shells.files->Read(settings.ReadPath(settings.kube_token_file), kMaxKubeTokenBytes, &token)
          .ok()) {
    log->AddSecret("kube-token", TrimWhitespace(token));
  }
  WipeString(&token);
  for (const char* name : {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
    const auto it = env.find(name);
    if (it != env.end() && !it->second.empty()) log->AddSecret("aws-credentials", it->second);
  }
}

}  // namespace

int DoctorMappingServiceCommand(const Invocation& invocation, const Environment& env,
                                Shells& shells) {
  const Settings& settings = invocation.settings;
  Logger log = MakeLogger(settings, shells);
  std::string err;
  std::string kube_api;
  IamEndpoint iam_endpoint;
  if (!MappingServiceEndpoints(settings, env, &kube_api, &iam_endpoint, &err)) {
    PrintError(err);
    return kExitUsage;
  }
  RegisterSecrets(settings, env, shells, &log);

  ServiceScope scope;
  scope.domino_api = settings.domino_api;
  scope.kube_api = kube_api;
  scope.iam_endpoint = iam_endpoint.base;
  scope.compute_namespace = settings.compute_namespace;
  scope.platform_namespace = settings.platform_namespace;
  scope.org_configmap = settings.org_mapping_configmap;
  scope.role_configmap = settings.role_mapping_configmap;
  scope.oidc = settings.oidc_provider;
  scope.max_length = static_cast<size_t>(settings.trust_policy_max_length);

  Clock* clock = shells.clock.get();
  auto wall = [clock] { return clock->Wall(); };
  HttpClient& http = *shells.http;
  MappingKube kube(
      http, kube_api, settings.ReadPath(settings.kube_ca_file), settings.request_timeout,
      KubeTokenReader(*shells.files, settings.ReadPath(settings.kube_token_file)), nullptr);
  DominoClient domino(http, settings.domino_api, settings.request_timeout, nullptr);
  // The service's own credentials, chosen as the service chooses them.
  std::unique_ptr<AwsCredentialProvider> provider;
  std::string no_iam;
  const CredentialChoice choice = ChooseCredentialPlace(env);
  int exit_code = kExitOk;
  if (choice.place == CredentialPlace::kNone) {
    no_iam = "no AWS credentials: " + choice.why;
  } else {
    provider = AwsCredentialsFor(settings, env, shells, log, &exit_code);
    if (!provider) no_iam = "the AWS credentials could not be set up (see the error above)";
  }
  std::unique_ptr<SharedCredentials> credentials;
  std::unique_ptr<IamClient> iam;
  if (provider) {
    credentials = std::make_unique<SharedCredentials>(*provider);
    iam = std::make_unique<IamClient>(http, iam_endpoint, settings.request_timeout, *credentials,
                                      wall);
  }

  std::vector<Check> checks = {CheckSettings(settings, invocation.config_file)};
  for (Check& c : CheckMappingService(scope, domino, kube, iam.get(), no_iam)) {
    checks.push_back(std::move(c));
  }
  return ReportDoctorChecks(checks, invocation.json, log);
}

}  // namespace irsa

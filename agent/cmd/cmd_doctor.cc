// `irsa-agent doctor [--json] [--sts]`: gathers the facts with the shells
// (files, the mapping call, STS) and hands them to the pure checks in
// doctor*.cc. Every buffer that held the web identity token, the Domino
// credential or a temporary credential is wiped once the checks are done,
// and the output passes the logger's redaction as a last line of defence.
// `doctor --mapping-service` is cmd_doctor_mapping_service.cc.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "aws/sts.h"
#include "aws/sts_chain.h"
#include "base/outcome.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/url.h"
#include "cmd/commands.h"
#include "cmd/doctor_pod_identity_probe.h"
#include "doctor/doctor.h"
#include "doctor/doctor_pod_identity.h"
#include "domain/base_credentials.h"
#include "domain/identity.h"
#include "domain/profiles.h"
#include "domain/render_pod_identity.h"
#include "domain/session_name.h"
#include "irsa_agent/path_probe.h"
#include "run/sync.h"

namespace irsa {
namespace {

constexpr size_t kMaxCaFileBytes = 1 << 20;

// Whether the host and port of `request`'s https URL answer plain HTTP: a
// bare GET of "/" without headers or body, so no credential crosses the network.
bool AnswersPlainHttp(const HttpRequest& request, HttpClient& http) {
  const UrlParts url = SplitUrl(request.url);
  // The port https implies, kept explicit (http alone would mean 80).
  const bool has_port =
      url.authority.find(':', url.authority.rfind(']') + 1) != std::string_view::npos;
  HttpRequest plain;
  plain.url = "http://" + std::string(url.authority) + (has_port ? "" : ":443") + "/";
  plain.connect_timeout = std::min(request.connect_timeout, 3.0);
  plain.total_timeout = std::min(request.total_timeout, 3.0);
  plain.max_response_bytes = 64 * 1024;
  HttpResponse response;
  return http.Send(plain, &response).ok();
}

// Where `program` (a credential_process program as written) is here: the
// path itself, or for a bare name the first executable one on PATH.
ProgramFacts LocateProgram(const std::string& program, const std::string& path_env) {
  ProgramFacts facts;
  std::vector<std::string> candidates;
  if (program.find('/') != std::string::npos) {
    candidates.push_back(program);
  } else {
    for (size_t start = 0; start <= path_env.size();) {
      const size_t end = std::min(path_env.find(':', start), path_env.size());
      const std::string dir = path_env.substr(start, end - start);
      candidates.push_back((dir.empty() ? "." : dir) + "/" + program);
      start = end + 1;
    }
  }
  for (const std::string& candidate : candidates) {
    const PathLayout layout = ProbePathLayout(candidate);
    if (!layout.exists) continue;
    if (facts.resolved.empty() || (layout.is_regular && layout.executable)) {
      facts.resolved = candidate;
      facts.executable = layout.is_regular && layout.executable;
    }
    if (facts.executable) break;
  }
  return facts;
}

// The mapping call exactly as Syncer makes it (MappingRequest), for the
// requester the doctor already resolved, with every detail of the exchange
// kept for the report.
MappingProbe ProbeMapping(const Settings& settings, Shells& shells, const StepStatus& asking,
                          const Requester& requester) {
  MappingProbe probe;
  if (!settings.mapping_file.empty()) {
    probe.from_file = true;
    probe.file =
        ReadInput(*shells.files, settings.ReadPath(settings.mapping_file), kMaxAnswerBytes);
    return probe;
  }
  probe.requester = asking;
  if (!asking.ok()) return probe;
  probe.run_id = requester.pod.run_id;
  probe.credential_source = requester.credential.source;
  HttpRequest request = MappingRequest(settings, requester, settings.request_timeout);
  if (!request.ca_file.empty()) {
    std::string pem;
    probe.ca_file = shells.files->Read(request.ca_file, kMaxCaFileBytes, &pem);
  }
  HttpResponse response;
  probe.sent = shells.http->Send(request, &response);
  for (auto& [name, value] : request.headers) WipeString(&value);
  if (probe.sent.ok()) {
    probe.status = response.status;
    probe.seconds = response.seconds;
    probe.body = std::move(response.body);
  } else if (probe.sent.kind() == HttpFailure::kTls && request.url.starts_with("https://")) {
    probe.plain_http_answers = AnswersPlainHttp(request, *shells.http);
  }
  return probe;
}

// The role names the mapping answered, when it answered a readable config.
bool MappedNames(const MappingProbe& probe, std::vector<ProfilePair>* pairs) {
  const bool have_body =
      probe.from_file ? probe.file.status.ok() : probe.sent.ok() && probe.status == 200;
  MappingAnswer answer;
  std::string err;
  if (!have_body ||
      !ParseMappingAnswer(probe.from_file ? probe.file.content : probe.body, &answer, &err)) {
    return false;
  }
  *pairs = std::move(answer.pairs);
  return true;
}

// sts.web-identity and sts.assume-role for every pair, from the chain
// `credentials` runs (StsChain, with the same options and the broker's
// recipes): the doctor judges what the chain reports and calls nothing itself.
void CheckSts(const Settings& settings, const std::vector<ProfilePair>& pairs,
              const InputRead& token, const AuditTrail& audit, Shells& shells,
              std::vector<Check>* checks) {
  JwtClaims claims;
  std::string err;
  const bool have_claims =
      token.status.ok() && DecodeJwtClaims(TrimWhitespace(token.content), &claims, &err);
  Clock& clock = *shells.clock;
  StsChain chain(
      *shells.http, *shells.files, [&clock] { return clock.Wall(); }, StsChainOptionsFor(settings));
  for (Check& c : CheckStsChain(chain, pairs, audit, have_claims ? &claims : nullptr)) {
    checks->push_back(std::move(c));
  }
}

}  // namespace

int DoctorCommand(const Invocation& invocation, const Environment& env, Shells& shells) {
  if (invocation.mapping_service) return DoctorMappingServiceCommand(invocation, env, shells);
  const Settings& settings = invocation.settings;
  Files& files = *shells.files;
  Logger log = MakeLogger(settings, shells);
  const int64_t now = static_cast<int64_t>(shells.clock->Wall());
  std::vector<Check> checks = {CheckSettings(settings, invocation.config_file)};
  const Host host = HostOf(env);  // fixes speak of pods or of a systemd host

  // Who is asking, by the rules sync applies (domain/identity.h); an API
  // proxy's token is fetched once here and used for the mapping call too.
  Requester requester;
  const InputRead labels =
      ReadInput(files, settings.ReadPath(settings.pod_info_path), kMaxLabelsBytes);
  const StepStatus run_id = ChooseRunId(settings, labels, &requester);
  checks.push_back(CheckRunId(settings, labels, run_id, requester, host));
  InputRead domino =
      ReadInput(files, settings.ReadPath(settings.domino_token_file), kMaxTokenBytes);
  log.AddSecret("domino-credential",
                TrimWhitespace(domino.content));  // even when it is not a usable credential
  StepStatus credential = ChooseCredential(settings, domino, &requester.credential);
  WipeString(&domino.content);
  if (settings.mapping_file.empty() && credential.ok() &&
      requester.credential.origin == Credential::Origin::kApiProxy) {
    credential = FetchProxyToken(settings, *shells.http, {}, &requester.credential);
  }
  log.AddSecret("domino-credential", requester.credential.secret);
  if (run_id.ok() && credential.ok()) NoteRequester(requester, log);
  checks.push_back(CheckDominoCredential(settings, domino, credential, requester.credential, now));

  // In an EKS Pod Identity pod the web identity token is not the base.
  const BaseChoice base = ChooseBaseCredentials(settings, files);
  const bool pod_identity = base.base == BaseCredentials::kPodIdentity;
  checks.push_back(CheckBaseCredentials(base));
  const std::string token_path = settings.ReadPath(settings.web_identity_token_file);
  InputRead token = ReadInput(files, token_path, kMaxTokenBytes);
  log.AddSecret("web-identity-token", TrimWhitespace(token.content));
  if (!pod_identity) {
    checks.push_back(CheckTokenFile(token, ProbePathLayout(token_path), host));
    checks.push_back(CheckTokenClaims(token, now, host));
  }

  const MappingProbe mapping =
      ProbeMapping(settings, shells, run_id.ok() ? credential : run_id, requester);
  // What the broker's recipes carry: session name, SourceIdentity and tags.
  const AuditTrail audit =
      MakeAuditTrail(AuditUserOf(requester), requester.pod.run_id, requester.pod.project,
                     settings.source_identity, settings.session_tags);
  WipeString(&requester.credential.secret);
  for (Check& c : CheckMapping(settings, mapping)) checks.push_back(std::move(c));
  std::vector<ProfilePair> mapped;
  ConfigFacts config;
  config.host = host;
  config.have_mapping = MappedNames(mapping, &mapped);
  for (const ProfilePair& pair : mapped) config.mapped_names.push_back(pair.name);

  // The published file is read where it is written (root-path is for inputs).
  config.config = ReadInput(files, settings.aws_config_file, kMaxAnswerBytes);
  ProfileListing listing;
  std::string err;
  const bool have_config =
      config.config.status.ok() && ListProfiles(config.config.content, &listing, &err);
  for (const ProfilePair& pair : listing.pairs) {
    if (config.token_paths.count(pair.token_file) != 0) continue;
    InputRead probe = ReadInput(files, settings.ReadPath(pair.token_file), kMaxTokenBytes);
    WipeString(&probe.content);
    config.token_paths[pair.token_file] = probe.status.kind();
  }
  if (pod_identity) {
    checks.push_back(
        CheckPodIdentityConfig(config.config, config.have_mapping, config.mapped_names));
  } else {
    for (Check& c : CheckConfig(settings, config)) checks.push_back(std::move(c));
  }
  if (config.config.status.ok()) {
    const auto path_env = env.find("PATH");
    const std::string path = path_env == env.end() ? "" : path_env->second;
    std::map<std::string, ProgramFacts> programs;
    for (const std::string& program : CredentialProcessPrograms(config.config.content)) {
      programs[program] = LocateProgram(program, path);
    }
    checks.push_back(CheckProfileStyle(settings, config.config.content, programs, path));
  }
  for (Check& c : CheckEnvironment(settings, env, listing.available, have_config)) {
    checks.push_back(std::move(c));
  }

  if (pod_identity) {
    MappingAnswer published;  // the targets, when the mapping did not answer
    if (mapped.empty() && config.config.status.ok()) {
      ParsePodIdentityConfig(config.config.content, &published, &err);
    }
    AddPodIdentityChecks(settings, invocation.sts, mapped.empty() ? published.pairs : mapped, audit,
                         shells, &checks);
  } else if (invocation.sts) {
    const std::vector<ProfilePair>& pairs = listing.pairs.empty() ? mapped : listing.pairs;
    CheckSts(settings, pairs, token, audit, shells, &checks);
  }
  WipeString(&token.content);

  return ReportDoctorChecks(checks, invocation.json, log);
}

int ReportDoctorChecks(const std::vector<Check>& checks, bool json, Logger& log) {
  for (const Check& c : checks) {
    log.Debug("doctor check",
              {{"name", c.name}, {"status", std::string(CheckStatusName(c.status))}});
  }
  const std::string out = log.Redact(json ? RenderDoctorJson(checks) : RenderDoctorText(checks));
  std::fwrite(out.data(), 1, out.size(), stdout);
  return FinishStdout(DoctorExitCode(checks), kExitUnavailable);
}

}  // namespace irsa

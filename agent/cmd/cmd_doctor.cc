// `irsa-agent doctor [--json] [--sts]`: gathers the facts with the shells
// (files, the mapping call, STS) and hands them to the pure checks in
// doctor*.cc. Every buffer that held the web identity token, the Domino
// credential or a temporary credential is wiped once the checks are done,
// and the output passes the logger's redaction as a last line of defence.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "aws/sigv4.h"
#include "aws/sts.h"
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
  HttpResponse response;
  probe.sent = shells.http->Send(request, &response);
  for (auto& [name, value] : request.headers) WipeString(&value);
  if (probe.sent.ok()) {
    probe.status = response.status;
    probe.seconds = response.seconds;
    probe.body = std::move(response.body);
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

// sts.web-identity and, when it worked, sts.assume-role for every pair.
// `audit`: what the broker adds to its AssumeRole (process style with
// source-identity or session-tags), so the probe asks for the same.
void CheckSts(const Settings& settings, const std::vector<ProfilePair>& pairs,
              const FileRead& token, const std::string& session_id, const AuditTrail& audit,
              Shells& shells, std::vector<Check>* checks) {
  const std::string_view jwt = TrimWhitespace(token.content);
  JwtClaims claims;
  std::string err;
  const bool have_claims = token.status.ok() && DecodeJwtClaims(jwt, &claims, &err);
  const std::string session = DoctorSessionName(session_id);
  std::string unreachable;  // the URL of an STS endpoint that gave no usable answer
  if (pairs.empty()) {
    checks->push_back({"sts.web-identity",
                       CheckStatus::kWarn,
                       "no profile pair to try (see mapping.answer and config.file)",
                       {},
                       "fix the checks above first"});
  }
  for (const ProfilePair& pair : pairs) {
    StsEndpoint endpoint;
    StsProbe web;
    const std::string region = settings.region.empty() ? pair.region : settings.region;
    if (!ResolveStsEndpoint(settings.sts_endpoint, region, pair.proxy_role.partition, &endpoint,
                            &web.error)) {
      checks->push_back(CheckWebIdentity(pair, web, have_claims ? &claims : nullptr));
      continue;
    }
    if (!have_claims) {
      web.error = "no readable, well-formed web identity token (see token.claims)";
      checks->push_back(CheckWebIdentity(pair, web, nullptr));
      continue;
    }
    // An STS endpoint that failed once would fail the next pair too: report
    // it once instead of waiting up to request-timeout for every pair.
    if (!unreachable.empty() && unreachable == endpoint.url) {
      web.error = "STS " + endpoint.host + " failed for an earlier profile (see above)";
      checks->push_back(CheckWebIdentity(pair, web, &claims));
      continue;
    }
    // ca-file is trusted for STS too (in addition to the system store), as
    // for the mapping call: a private STS endpoint is usually behind the same CA.
    StsClient client(*shells.http, endpoint, settings.request_timeout,
                     settings.ReadPath(settings.ca_file));
    StsAnswer answer;
    err.clear();
    const bool answered =
        client.AssumeRoleWithWebIdentity(pair.proxy_role, session, jwt, &answer, &err);
    web = SummarizeSts(answered, err, answer, endpoint);
    checks->push_back(CheckWebIdentity(pair, web, &claims));
    if (!answered) unreachable = endpoint.url;
    if (!web.ok) continue;
    StsAnswer chained;
    err.clear();
    const std::string now = AmzDate(static_cast<int64_t>(shells.clock->Wall()));
    StsCallOptions options;
    options.source_identity = audit.source_identity;
    options.tags = audit.tags;
    const bool chained_answered = client.AssumeRole(pair.target_role, session, answer.credentials,
                                                    now, options, &chained, &err);
    answer.credentials.Clear();
    checks->push_back(CheckAssumeRole(pair, SummarizeSts(chained_answered, err, chained, endpoint),
                                      !options.source_identity.empty(), !options.tags.empty()));
  }
}

}  // namespace

int DoctorCommand(const Invocation& invocation, const Environment& env, Shells& shells) {
  const Settings& settings = invocation.settings;
  Files& files = *shells.files;
  Logger log = MakeLogger(settings, shells);
  const int64_t now = static_cast<int64_t>(shells.clock->Wall());
  std::vector<Check> checks = {CheckSettings(settings, invocation.config_file)};

  // Who is asking, by the rules sync applies (domain/identity.h); an API
  // proxy's token is fetched once here and used for the mapping call too.
  Requester requester;
  const FileRead labels =
      ReadInput(files, settings.ReadPath(settings.pod_info_path), kMaxLabelsBytes);
  const StepStatus run_id = ChooseRunId(settings, labels, &requester);
  checks.push_back(CheckRunId(settings, labels, run_id, requester));
  FileRead domino = ReadInput(files, settings.ReadPath(settings.domino_token_file), kMaxTokenBytes);
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
  FileRead token = ReadInput(files, token_path, kMaxTokenBytes);
  log.AddSecret("web-identity-token", TrimWhitespace(token.content));
  if (!pod_identity) {
    checks.push_back(CheckTokenFile(token, ProbePathLayout(token_path)));
    checks.push_back(CheckTokenClaims(token, now));
  }

  const MappingProbe mapping =
      ProbeMapping(settings, shells, run_id.ok() ? credential : run_id, requester);
  WipeString(&requester.credential.secret);
  for (Check& c : CheckMapping(settings, mapping)) checks.push_back(std::move(c));
  std::vector<ProfilePair> mapped;
  ConfigFacts config;
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
    FileRead probe = ReadInput(files, settings.ReadPath(pair.token_file), kMaxTokenBytes);
    WipeString(&probe.content);
    config.token_paths[pair.token_file] = probe.status.kind();
  }
  if (pod_identity) {
    checks.push_back(
        CheckPodIdentityConfig(config.config, config.have_mapping, config.mapped_names));
  } else {
    for (Check& c : CheckConfig(settings, config)) checks.push_back(std::move(c));
  }
  for (Check& c : CheckEnvironment(settings, env, listing.available, have_config)) {
    checks.push_back(std::move(c));
  }

  if (pod_identity) {
    MappingAnswer published;  // the targets, when the mapping did not answer
    if (mapped.empty() && config.config.status.ok()) {
      ParsePodIdentityConfig(config.config.content, &published, &err);
    }
    AddPodIdentityChecks(settings, invocation.sts, mapped.empty() ? published.pairs : mapped,
                         shells, &checks);
  } else if (invocation.sts) {
    const std::vector<ProfilePair>& pairs = listing.pairs.empty() ? mapped : listing.pairs;
    const std::string id = !mapping.run_id.empty()    ? mapping.run_id
                           : !settings.run_id.empty() ? settings.run_id
                                                      : std::to_string(::getpid());
    const AuditTrail audit =
        MakeAuditTrail(AuditUser(requester.pod, ""), requester.pod.run_id, requester.pod.project,
                       settings.source_identity, settings.session_tags);
    CheckSts(settings, pairs, token, id, audit, shells, &checks);
  }
  WipeString(&token.content);

  for (const Check& c : checks) {
    log.Debug("doctor check",
              {{"name", c.name}, {"status", std::string(CheckStatusName(c.status))}});
  }
  const std::string out =
      log.Redact(invocation.json ? RenderDoctorJson(checks) : RenderDoctorText(checks));
  std::fwrite(out.data(), 1, out.size(), stdout);
  return FinishStdout(DoctorExitCode(checks), kExitUnavailable);
}

}  // namespace irsa

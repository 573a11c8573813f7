// `irsa-agent doctor`: a list of checks, each pass, warn or fail, with the
// fact behind it and, when it is not a pass, what to change. The check
// functions are pure: cmd_doctor.cc reads the files, asks the services and
// hands the results in; the functions only judge them. Nothing here ever puts
// a token, an API key or a temporary credential into a Check.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credential_source.h"
#include "aws/sts.h"
#include "domain/answer.h"
#include "domain/identity.h"
#include "domain/jwt.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "irsa_agent/path_probe.h"
#include "settings/settings.h"

namespace irsa {

enum class CheckStatus { kPass, kWarn, kFail };

std::string_view CheckStatusName(CheckStatus status);  // "pass", "warn", "fail"

struct CheckFact {
  std::string key;
  std::string value;  // may span lines (a trust policy statement)
};

struct Check {
  std::string name;  // stable identifier: "token.claims"
  CheckStatus status = CheckStatus::kPass;
  std::string fact;              // one line: what was found
  std::vector<CheckFact> facts;  // the details behind it, in order
  std::string fix;               // warn and fail: what to change
};

// A check without facts.
Check MakeCheck(std::string name, CheckStatus status, std::string fact, std::string fix = "");

// Text: one line per check ("fail  token.claims      the token expired ..."),
// then its facts and its fix indented below it, then a summary line.
std::string RenderDoctorText(const std::vector<Check>& checks);
// {"ok": bool, "summary": {"pass","warn","fail"}, "checks": [{"name",
// "status", "fact", "facts": {key: value}, "fix"}]}, one object, indented.
std::string RenderDoctorJson(const std::vector<Check>& checks);
// kExitOk when no check failed, else kExitUnavailable.
int DoctorExitCode(const std::vector<Check>& checks);

// Where the doctor runs, so that fixes speak of what the user has: a pod
// (projected tokens, volumes, containers) or a plain host run by systemd.
enum class Host { kKubernetes, kSystemd };
// kKubernetes when KUBERNETES_SERVICE_HOST is set (every pod has it), else kSystemd.
Host HostOf(const Environment& env);

// "2d 3h", "23h 59m", "4m 10s", "9s" for a non-negative number of seconds.
std::string FormatDuration(int64_t seconds);

// --- what the shells gather ----------------------------------------------------

// Files arrive as InputRead (domain/identity.h), as the shell read them.
// `content` may hold a secret: the checks only measure and decode it, never
// copy it into a Check.

// The mapping call (or the mapping file) as the shell made it.
struct MappingProbe {
  bool from_file = false;         // mapping-file is set: `file` was read instead
  InputRead file;                 // from_file: the mapping file (its content is not secret)
  StepStatus requester;           // not ok: the call was not made (no run id or credential)
  std::string run_id;             // who asked
  std::string credential_source;  // "token file /x", "api proxy ...", "api-key setting"
  Status<HttpFailure> sent;       // ok: an HTTP status came back
  // ca-file set: reading it (the HTTP client refuses a CA file it cannot use).
  ReadStatus ca_file;
  // An https endpoint failed in TLS: the same URL as plain http (a bare GET,
  // no credential) got an HTTP status, so the port does not speak TLS.
  bool plain_http_answers = false;
  long status = 0;
  double seconds = 0;
  std::string body;  // the answer (an AWS config, or an error page)
};

// What STS said to one call (or why it was not asked).
struct StsProbe {
  bool asked = false;     // false: `error` says why not
  bool answered = false;  // an STS answer was parsed
  long http_status = 0;   // !answered: the status of an answer that is not STS XML; 0: none
  std::string error;      // !answered: why
  std::string endpoint;   // the URL asked
  bool ok = false;        // credentials were issued (never kept here)
  std::string assumed_role_arn;
  std::string expiration;
  std::string code;     // STS error code
  std::string message;  // STS error message
};

// What one STS call StsChain made gave, as the sts.* checks judge it.
StsProbe SummarizeHop(const StsHop& hop);

// --- the checks, in the order doctor runs them --------------------------------

// Every setting with its value (secrets as present/absent and length) and origin.
Check CheckSettings(const Settings& settings, const std::string& config_file);
// Who is asking is decided by the rules sync uses (domain/identity.h); these
// two checks judge what the rules chose, they never re-derive it.
// The run id: `chosen` is ChooseRunId's verdict on `labels`, `requester` what it set.
Check CheckRunId(const Settings& settings, const InputRead& labels, const StepStatus& chosen,
                 const Requester& requester, Host host = Host::kKubernetes);
// The Domino credential: `chosen` is ChooseCredential's verdict on `token`
// and, for an API proxy, FetchProxyToken's. `now` is unix seconds. The
// secret is measured and its JWT expiry read, never copied into the Check.
Check CheckDominoCredential(const Settings& settings, const InputRead& token,
                            const StepStatus& chosen, const Credential& credential, int64_t now);
// The web identity token file: present, readable, projected volume or plain file.
Check CheckTokenFile(const InputRead& token, const PathLayout& layout,
                     Host host = Host::kKubernetes);
// The web identity token's claims (iss, sub, aud, iat, exp, time left).
Check CheckTokenClaims(const InputRead& token, int64_t now, Host host = Host::kKubernetes);
// mapping.service (reachable, TLS, time) and mapping.answer (status, profiles).
std::vector<Check> CheckMapping(const Settings& settings, const MappingProbe& probe);

// The published config file and what its token paths resolve to
// (path as written in the file -> what Files::Read gave for it).
struct ConfigFacts {
  InputRead config;
  std::map<std::string, ReadFailure> token_paths;
  // The pairs the mapping answered, when it did, to see if the file is current.
  bool have_mapping = false;
  std::vector<std::string> mapped_names;
  Host host = Host::kKubernetes;
};
// config.file, config.names (docs/FORMATS.md), config.token-path.
std::vector<Check> CheckConfig(const Settings& settings, const ConfigFacts& facts);

// The programs the credential_process lines of `config_text` run (as
// written: a path, or a bare name the SDK's shell looks up on PATH), each
// once, in file order; empty for a chain-style config.
std::vector<std::string> CredentialProcessPrograms(std::string_view config_text);

// Where one credential_process program was found.
struct ProgramFacts {
  std::string resolved;     // the path it names or PATH gave; empty: not found
  bool executable = false;  // that path is executable here
};

// config.style: the style the published file is in (process: credential_process
// lines; chain: source_profile and web_identity_token_file), whether it is
// the profile-style setting's, and in process style whether each program
// (`programs`, keyed as CredentialProcessPrograms gives them) exists and is
// executable here. `path_env`: PATH, for the fix of a bare name.
Check CheckProfileStyle(const Settings& settings, const std::string& config_text,
                        const std::map<std::string, ProgramFacts>& programs,
                        const std::string& path_env);

// env.web-identity, env.profile, env.config-file, env.static-keys and
// sdk.chaining. `profiles` are the names in the published config (X and src_X);
// `have_config` is false when it could not be read.
std::vector<Check> CheckEnvironment(const Settings& settings, const Environment& env,
                                    const std::vector<std::string>& profiles, bool have_config);

// sts.web-identity for `pair` (src_X). On AccessDenied the fix carries the
// trust policy statement built from `claims` (nullptr when the token could
// not be decoded).
Check CheckWebIdentity(const ProfilePair& pair, const StsProbe& probe, const JwtClaims* claims);
// sts.assume-role for `pair` (X, chained from src_X's credentials).
// `source_identity` / `session_tags`: the probe carried them (process style
// with those settings), so a refusal may mean the trust policy lacks
// sts:SetSourceIdentity / sts:TagSession.
Check CheckAssumeRole(const ProfilePair& pair, const StsProbe& probe, bool source_identity = false,
                      bool session_tags = false);

// The sts.* checks for one fetch of `recipe` (the target profile X of `pair`):
// sts.web-identity for its AssumeRoleWithWebIdentity hop (none in an EKS Pod
// Identity pod), sts.assume-role for its AssumeRole hop. A fetch that stopped
// before its first STS call (token file, ARN, endpoint, the Pod Identity
// agent) gives one check "not asked" with the chain's message.
std::vector<Check> JudgeStsFetch(const ProfilePair& pair, const CredentialRecipe& recipe,
                                 const CredentialFetch& fetch, const JwtClaims* claims);

// `doctor --sts`: runs `chain` (the StsChain `credentials` and the broker
// use) for each pair's target profile with the broker's recipe
// (RecipesFor(pair, audit); with `pod_identity`, as sync writes it: without
// the proxy role, which then only names the pod's role in the checks) and
// judges each fetch with JudgeStsFetch. The credentials are wiped at once;
// none reaches a Check. After an STS endpoint gave no answer, later pairs
// are reported without asking it again.
std::vector<Check> CheckStsChain(CredentialSource& chain, const std::vector<ProfilePair>& pairs,
                                 const AuditTrail& audit, const JwtClaims* claims,
                                 bool pod_identity = false);

}  // namespace irsa

// `irsa-agent credentials PROFILE`: the credential_process of process-style
// profiles. Asks the running agent over its Unix socket; when no agent
// answers, runs the chain itself (StsChain) from its arguments and the usual
// environment. stdout gets exactly the credential_process JSON and nothing
// else; every error is one line on stderr.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "aws/broker.h"
#include "aws/credential_formats.h"
#include "aws/sts_chain.h"
#include "base/outcome.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/timestamp.h"
#include "cmd/commands.h"
#include "domain/arn.h"
#include "domain/session_name.h"
#include "irsa_agent/unix_client.h"
#include "run/state.h"

namespace irsa {
namespace {

// What an SDK must get: the C++ SDK runs the command again only after
// Expiration has passed, so nothing closer to it than this is served.
constexpr int64_t kMinSecondsLeft = 300;
constexpr double kAgentTimeout = 2;
// Once the agent acknowledged the request (102 Processing: its fetch is
// running), wait for it rather than fetch again: its longest wait (25 s,
// BrokerLimits::max_wait) and a margin. A killed agent closes the socket,
// which ends the wait at once.
constexpr double kAgentAcknowledgedTimeout = 30;
constexpr size_t kMaxAgentAnswer = 64 * 1024;

// Prints the JSON and wipes the buffer that held it.
int PrintCredentials(const TemporaryCredentials& c, int64_t expires_at) {
  std::string out = CredentialProcessJson(c, expires_at);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fputc('\n', stdout);
  WipeString(&out);
  return FinishStdout(kExitOk, kExitInternal);
}

// Reads the agent's 200 body into `*out`. Returns false with `*why`.
bool ReadAgentCredentials(std::string* body, TemporaryCredentials* out, int64_t* expires_at,
                          std::string* why) {
  nlohmann::json j = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  WipeString(body);
  bool ok = j.is_object() && j.contains("Version") && j["Version"] == 1;
  std::string* fields[] = {&out->access_key_id, &out->secret_access_key, &out->session_token,
                           &out->expiration};
  const char* names[] = {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"};
  for (size_t i = 0; ok && i < 4; ++i) {
    auto it = j.find(names[i]);
    ok = it != j.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
    if (ok) *fields[i] = it->get_ref<const std::string&>();
  }
  // Wipe the parser's copies before they are freed.
  if (j.is_object()) {
    for (auto& [key, value] : j.items()) {
      if (value.is_string()) WipeString(&value.get_ref<std::string&>());
    }
  }
  if (!ok) {
    out->Clear();
    *why = "the agent's answer is not credential_process JSON";
    return false;
  }
  if (!ParseRfc3339(out->expiration, expires_at, why)) {
    out->Clear();
    *why = "the agent's Expiration: " + *why;
    return false;
  }
  return true;
}

// The agent's {"error": "..."}, for a message; never a body that may hold
// secrets. `*standalone`: the agent said "standalone": true (run the chain here).
std::string AgentError(std::string* body, bool* standalone = nullptr) {
  const nlohmann::json j = nlohmann::json::parse(*body, nullptr, false);
  WipeString(body);
  if (standalone != nullptr) {
    *standalone = j.is_object() && j.contains("standalone") && j["standalone"] == true;
  }
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    return EscapeControl(j["error"].get<std::string>().substr(0, 512));
  }
  return "no reason given";
}

bool ValidProfileName(std::string_view profile) {
  const std::string_view base =
      profile.starts_with(kSourcePrefix) ? profile.substr(kSourcePrefix.size()) : profile;
  return IsValidRoleName(base);
}

int Fail(int code, std::string_view message) {
  PrintError(message);
  return code;
}

// Runs the chain here, from the arguments and the environment.
int Standalone(const Invocation& inv, const std::string& why_alone, Shells& shells,
               TemporaryCredentials* out, int64_t* expires_at) {
  const Settings& settings = inv.settings;
  if (inv.role_arn.empty()) {
    return Fail(kExitInput, "no agent answers (" + why_alone + ") and no --role-arn to get " +
                                inv.profile + " without one");
  }
  const CredentialRecipe recipe = RecipeFromInvocation(inv);
  if (!IsValidSessionName(recipe.session_name)) {
    return Fail(kExitUsage, "--session-name: '" + Printable(recipe.session_name) +
                                "' is not 2-64 of A-Z a-z 0-9 _ + = , . @ -");
  }
  if (!recipe.source_identity.empty() && !IsValidSessionName(recipe.source_identity)) {
    return Fail(kExitUsage, "--set-source-identity: '" + Printable(recipe.source_identity) +
                                "' is not 2-64 of A-Z a-z 0-9 _ + = , . @ -");
  }
  Clock& clock = *shells.clock;
  StsChain chain(
      *shells.http, *shells.files, [&clock] { return clock.Wall(); }, StsChainOptionsFor(settings));
  const CredentialFetch fetch = chain.Fetch(recipe);
  if (!fetch.status.ok()) return Fail(ExitCodeFor(fetch.status.kind()), fetch.status.message());
  const int64_t left = fetch.expires_at - static_cast<int64_t>(clock.Wall());
  if (left < kMinSecondsLeft) {
    return Fail(kExitAnswer, inv.profile + ": STS issued credentials that expire in " +
                                 std::to_string(left) + " s (fewer than 300)");
  }
  TemporaryCredentials& issued = *fetch.credentials;
  out->access_key_id.swap(issued.access_key_id);
  out->secret_access_key.swap(issued.secret_access_key);
  out->session_token.swap(issued.session_token);
  out->expiration.swap(issued.expiration);
  *expires_at = fetch.expires_at;
  return kExitOk;
}

}  // namespace

int GetProfileCredentials(const Invocation& invocation, Shells& shells, TemporaryCredentials* out,
                          int64_t* expires_at) {
  const Settings& settings = invocation.settings;
  const std::string socket =
      BrokerSocketPath(settings.socket, settings.state_dir, settings.aws_config_file);
  std::unique_ptr<UnixHttpClient> client = NewUnixHttpClient(kAgentAcknowledgedTimeout);
  UnixAnswer answer;
  const Status<UnixFailure> asked = client->Get(socket, "/credentials/" + invocation.profile,
                                                kAgentTimeout, kMaxAgentAnswer, &answer);
  if (!asked.ok()) {
    if (asked.kind() == UnixFailure::kNoAgent || asked.kind() == UnixFailure::kTimeout) {
      return Standalone(invocation, asked.message(), shells, out, expires_at);
    }
    return Fail(kExitAnswer, asked.message());
  }
  std::string err;
  if (answer.status == 404) {
    return Fail(kExitRefused,
                "the agent has no profile " + invocation.profile + ": " + AgentError(&answer.body));
  }
  if (answer.status != 200) {
    const std::string status = std::to_string(answer.status);
    bool standalone = false;
    const std::string why = AgentError(&answer.body, &standalone);
    // The agent cannot serve now but the command can (it names the role).
    if (answer.status == 503 && standalone && !invocation.role_arn.empty()) {
      return Standalone(invocation, "the agent: " + why, shells, out, expires_at);
    }
    return Fail(kExitUnavailable, "the agent cannot give credentials for " + invocation.profile +
                                      " (HTTP " + status + "): " + why);
  }
  if (!ReadAgentCredentials(&answer.body, out, expires_at, &err)) {
    return Fail(kExitAnswer, "agent socket " + socket + ": " + err);
  }
  if (*expires_at - static_cast<int64_t>(shells.clock->Wall()) < kMinSecondsLeft) {
    // The agent should never do this; fetch fresh ones rather than hand out
    // credentials an SDK may use past their expiry.
    out->Clear();
    return Standalone(invocation, "the agent's credentials expire within 5 minutes", shells, out,
                      expires_at);
  }
  return kExitOk;
}

int CredentialsCommand(const Invocation& invocation, const Environment& env, Shells& shells) {
  (void)env;  // the settings already hold AWS_REGION, AWS_ENDPOINT_URL_STS, ...
  if (!ValidProfileName(invocation.profile)) {
    return Fail(kExitUsage,
                "credentials: '" + Printable(invocation.profile) + "' is not a profile name");
  }
  TemporaryCredentials credentials;
  int64_t expires_at = 0;
  const int code = GetProfileCredentials(invocation, shells, &credentials, &expires_at);
  return code == kExitOk ? PrintCredentials(credentials, expires_at) : code;
}

}  // namespace irsa

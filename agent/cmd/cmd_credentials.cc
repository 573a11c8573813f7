// `irsa-agent credentials PROFILE`: the credential_process of process-style
// profiles. Asks the running agent over its Unix socket; when no agent
// answers, runs the chain itself (StsChain) from its arguments and the usual
// environment. stdout gets exactly the credential_process JSON and nothing
// else; every error is one line on stderr.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "aws/broker.h"
#include "aws/sts_chain.h"
#include "base/outcome.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/timestamp.h"
#include "cmd/commands.h"
#include "domain/arn.h"
#include "domain/session_name.h"
#include "os/unix_client.h"
#include "run/state.h"

namespace irsa {
namespace {

// What an SDK must get: the C++ SDK runs the command again only after
// Expiration has passed, so nothing closer to it than this is served.
constexpr int64_t kMinSecondsLeft = 300;
constexpr double kAgentTimeout = 2;
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

// The agent's {"error": "..."}, for a message; never a body that may hold secrets.
std::string AgentError(std::string* body) {
  const nlohmann::json j = nlohmann::json::parse(*body, nullptr, false);
  WipeString(body);
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
int Standalone(const Invocation& inv, const std::string& why_alone, Shells& shells) {
  const Settings& settings = inv.settings;
  if (inv.role_arn.empty()) {
    return Fail(kExitInput, "no agent answers (" + why_alone + ") and no --role-arn to get " +
                                inv.profile + " without one");
  }
  CredentialRecipe recipe;
  recipe.profile = inv.profile;
  recipe.role_arn = inv.role_arn;
  recipe.source_role_arn = inv.source_role_arn;
  recipe.session_name =
      inv.session_name.empty() ? RoleSessionName("", settings.run_id) : inv.session_name;
  recipe.source_identity = inv.set_source_identity;
  recipe.tags = inv.tags;
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
  if (fetch.failure != Failure::kNone) return Fail(ExitCodeFor(fetch.failure), fetch.message);
  const int64_t left = fetch.expires_at - static_cast<int64_t>(clock.Wall());
  if (left < kMinSecondsLeft) {
    return Fail(kExitAnswer, inv.profile + ": STS issued credentials that expire in " +
                                 std::to_string(left) + " s (fewer than 300)");
  }
  return PrintCredentials(*fetch.credentials, fetch.expires_at);
}

}  // namespace

int CredentialsCommand(const Invocation& invocation, const Environment& env, Shells& shells) {
  (void)env;  // the settings already hold AWS_REGION, AWS_ENDPOINT_URL_STS, ...
  const Settings& settings = invocation.settings;
  if (!ValidProfileName(invocation.profile)) {
    return Fail(kExitUsage,
                "credentials: '" + Printable(invocation.profile) + "' is not a profile name");
  }
  const std::string socket =
      BrokerSocketPath(settings.socket, settings.state_dir, settings.aws_config_file);
  std::unique_ptr<UnixHttpClient> client = NewUnixHttpClient();
  UnixAnswer answer;
  UnixFailure failure = UnixFailure::kNone;
  std::string err;
  if (!client->Get(socket, "/credentials/" + invocation.profile, kAgentTimeout, kMaxAgentAnswer,
                   &answer, &failure, &err)) {
    if (failure == UnixFailure::kNoAgent || failure == UnixFailure::kTimeout) {
      return Standalone(invocation, err, shells);
    }
    return Fail(kExitAnswer, err);
  }
  if (answer.status == 404) {
    return Fail(kExitRefused,
                "the agent has no profile " + invocation.profile + ": " + AgentError(&answer.body));
  }
  if (answer.status != 200) {
    const std::string status = std::to_string(answer.status);
    return Fail(kExitUnavailable, "the agent cannot give credentials for " + invocation.profile +
                                      " (HTTP " + status + "): " + AgentError(&answer.body));
  }
  TemporaryCredentials credentials;
  int64_t expires_at = 0;
  if (!ReadAgentCredentials(&answer.body, &credentials, &expires_at, &err)) {
    return Fail(kExitAnswer, "agent socket " + socket + ": " + err);
  }
  if (expires_at - static_cast<int64_t>(shells.clock->Wall()) < kMinSecondsLeft) {
    // The agent should never do this; fetch fresh ones rather than hand out
    // credentials an SDK may use past their expiry.
    credentials.Clear();
    return Standalone(invocation, "the agent's credentials expire within 5 minutes", shells);
  }
  return PrintCredentials(credentials, expires_at);
}

}  // namespace irsa

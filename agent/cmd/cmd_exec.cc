// `irsa-agent exec PROFILE -- COMMAND [ARGS...]`: replaces this process with
// COMMAND (execvp: signals reach it, its exit status is the caller's) in an
// environment where every SDK's default chain resolves PROFILE. With a
// running agent that has a credentials listener (found through the state
// file, as `status` finds it), the container credentials and IMDS variables
// point at it (run/exec_env.h); with none, the chain runs once here, as
// `credentials` runs it, and the keys are exported with a warning.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/outcome.h"
#include "base/secret.h"
#include "base/text.h"
#include "cmd/commands.h"
#include "domain/answer.h"
#include "domain/arn.h"
#include "domain/profile_roles.h"
#include "os/tcp_probe.h"
#include "run/exec_env.h"
#include "run/state.h"
#include "run/sync.h"
#include "settings/listen_address.h"

namespace irsa {
namespace {

constexpr size_t kMaxStateBytes = 64 * 1024;
constexpr size_t kMaxListenerTokenBytes = 4096;
constexpr double kProbeTimeout = 1;

int Fail(int code, std::string_view message) {
  PrintError("exec: " + std::string(message));
  return code;
}

std::string Join(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The running agent's listener from the state file, when one is recorded and
// accepts connections; otherwise false with why in `*why`.
bool FindAgent(const Settings& settings, Shells& shells, AgentState* state, std::string* why) {
  const std::string path = StateFilePath(settings.state_dir, settings.aws_config_file);
  std::string text;
  if (const ReadStatus read = shells.files->Read(path, kMaxStateBytes, &text); !read.ok()) {
    *why = read.kind() == ReadFailure::kMissing ? "no state file " + path
                                                : "state file " + read.message();
    return false;
  }
  if (!ParseState(text, state, why)) {
    *why = path + ": " + *why;
    return false;
  }
  if (state->credentials_listen.empty()) {
    *why = "the agent has no credentials-listen";
    return false;
  }
  std::string host;
  int port = 0;
  if (!ParseListenAddress(state->credentials_listen, false, &host, &port, why) ||
      !TcpAccepts(host, port, kProbeTimeout, why)) {
    *why = "the agent's credentials listener " + *why;
    return false;
  }
  return true;
}

bool AgentHasProfile(const AgentState& state, std::string_view profile) {
  const std::string_view base =
      profile.starts_with(kSourcePrefix) ? profile.substr(kSourcePrefix.size()) : profile;
  for (const std::string& name : state.profiles) {
    if (name == base) return true;
  }
  return false;
}

// execvp with `block` as the environment; returns only on failure, as env(1).
int Replace(const std::vector<std::string>& argv, std::vector<std::string>* block) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : *block) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  execvpe(args[0], args.data(), envp.data());
  const int error = errno;
  for (std::string& entry : *block) WipeString(&entry);
  PrintError("exec: " + Printable(argv[0]) + ": " + std::strerror(error));
  return error == ENOENT || error == ENOTDIR ? 127 : 126;
}

}  // namespace

int ExecCommand(const Invocation& invocation, const Environment& env, Shells& shells) {
  const Settings& settings = invocation.settings;
  const std::string& profile = invocation.profile;
  const std::string_view base = std::string_view(profile).starts_with(kSourcePrefix)
                                    ? std::string_view(profile).substr(kSourcePrefix.size())
                                    : std::string_view(profile);
  if (!IsValidRoleName(base)) {
    return Fail(kExitUsage, "'" + Printable(profile) + "' is not a profile name");
  }
  // The published config: the profile's region, and the chain when no agent runs.
  const std::string& config_path = settings.aws_config_file;
  std::string config_text;
  ProfileRoles roles;
  std::vector<std::string> names;
  std::string config_err;
  ProfileLookup lookup = ProfileLookup::kBroken;
  if (const ReadStatus read = shells.files->Read(config_path, kMaxAnswerBytes, &config_text);
      read.ok()) {
    lookup = FindProfileRoles(config_text, profile, &roles, &names, &config_err);
    if (lookup != ProfileLookup::kFound) config_err = config_path + ": " + config_err;
  } else {
    config_err = read.kind() == ReadFailure::kMissing ? "no config file " + config_path
                                                      : "config file " + read.message();
  }
  const std::string region = roles.region.empty() ? settings.region : roles.region;

  AgentState state;
  std::string why_alone;
  if (FindAgent(settings, shells, &state, &why_alone)) {
    if (!AgentHasProfile(state, profile)) {
      return Fail(kExitUsage, "the agent has no profile " + profile +
                                  " (profiles: " + Join(state.profiles) + ")");
    }
    ExecListener listener;
    listener.address = state.credentials_listen;
    listener.token_file = state.credentials_token_file;
    listener.imds = state.imds;
    const ReadStatus read =
        shells.files->Read(listener.token_file, kMaxListenerTokenBytes, &listener.token);
    if (!read.ok()) return Fail(kExitInput, "credentials-token-file " + read.message());
    listener.token = std::string(TrimWhitespace(listener.token));
    std::vector<std::string> block =
        EnvironmentBlock(ExecAgentEnvironment(env, profile, listener, region));
    WipeString(&listener.token);
    return Replace(invocation.exec_argv, &block);
  }

  if (lookup == ProfileLookup::kUnknown) {
    return Fail(kExitUsage, "no profile " + profile + " in " + config_path +
                                " (profiles: " + Join(names) + ")");
  }
  if (lookup == ProfileLookup::kBroken) return Fail(kExitInput, config_err);
  Invocation chain = invocation;
  chain.role_arn = roles.role_arn;
  chain.source_role_arn = roles.source_role_arn;
  chain.session_name = roles.session_name;
  // The token file the agent wrote into the profile, unless the user names one.
  if (!roles.web_identity_token_file.empty() &&
      !chain.settings.source.contains("web-identity-token-file")) {
    chain.settings.web_identity_token_file = roles.web_identity_token_file;
  }
  TemporaryCredentials credentials;
  int64_t expires_at = 0;
  if (const int code = GetProfileCredentials(chain, shells, &credentials, &expires_at);
      code != kExitOk) {
    return code;
  }
  const std::string warning = "irsa-agent: warning: exec: no agent to serve " + profile + " (" +
                              why_alone + "): static credentials that will not refresh (expire " +
                              credentials.expiration + ")";
  std::fprintf(stderr, "%s\n", EscapeControl(warning).c_str());
  ExecStatic keys{credentials.access_key_id, credentials.secret_access_key,
                  credentials.session_token};
  credentials.Clear();
  std::vector<std::string> block = EnvironmentBlock(ExecStaticEnvironment(env, keys, region));
  WipeString(&keys.access_key_id);
  WipeString(&keys.secret_access_key);
  WipeString(&keys.session_token);
  return Replace(invocation.exec_argv, &block);
}

}  // namespace irsa

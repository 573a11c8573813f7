// The run agent's state file: what `irsa-agent status` reads. Small JSON,
// no secret, written atomically after every sync.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "settings/paths.h"

namespace irsa {

struct AgentState {
  std::string version;
  int64_t pid = 0;
  double started_at = 0;  // unix seconds
  std::optional<double> last_attempt_at;
  std::optional<double> last_success_at;
  std::string last_error;       // empty when the last sync succeeded
  std::string last_error_kind;  // FailureName()
  std::optional<double> last_error_at;
  int consecutive_failures = 0;
  std::string config_file;
  std::string config_hash;            // SHA-256 hex of the last published bytes
  std::vector<std::string> profiles;  // target profile names
  std::optional<int64_t> token_expires_at;
  // How to reach the running agent (`irsa-agent exec`, `once`): its Unix
  // socket, the credentials listener ("" when off), the token file the
  // listener checks (its path, never its content), whether IMDS is served,
  // and the profile style it writes ("chain" or "process").
  std::string socket;
  std::string credentials_listen;
  std::string credentials_token_file;
  bool imds = false;
  std::string profile_style;
};

std::string SerializeState(const AgentState& state);

// Returns false with "state file: ..." in `*err` for anything that is not a
// state file this version wrote.
bool ParseState(std::string_view text, AgentState* out, std::string* err);

struct Readiness {
  bool ready = false;
  std::string reason;  // one line
};

// Ready when the agent has had a successful sync and `config` (the published
// file's bytes; nullopt when missing) is a valid config holding every pair,
// byte for byte what the agent last wrote (config_hash): a config someone
// else rewrote is not ready.
Readiness AssessReadiness(const AgentState& state, const std::optional<std::string>& config);

}  // namespace irsa

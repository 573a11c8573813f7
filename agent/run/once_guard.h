// A manual `irsa-agent once` keeps the sidecar's choices (pure parts):
// - with a running agent, `once` asks it over its socket (GET /refresh) and
//   turns the answer into the usual exit code (RefreshOutcome);
// - without one, `once` refuses to switch the style of a config another
//   irsa-agent wrote unless the style was given explicitly (WrittenStyle).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "settings/settings.h"

namespace irsa {

// The style of a config irsa-agent wrote (its header comment first):
// kProcess when any profile is a credential_process, else kChain. nullopt
// for anything else (missing header: someone else's file).
std::optional<ProfileStyle> WrittenStyle(std::string_view config);

std::string_view ProfileStyleName(ProfileStyle style);  // "chain", "process"

// What the agent's answer to GET /refresh means for `once`.
struct RefreshOutcome {
  int exit_code = 0;
  std::string message;  // one line: the result, or the error (already redacted by the agent)
};

// 200 {"status": "ok", "changed", "profiles"} -> 0 with "the running agent
// synced CONFIG: N profiles (changed|unchanged)"; 503 {"kind", "error"} ->
// ExitCodeFor(kind) with the error; anything else -> 1 naming the status.
RefreshOutcome RefreshOutcomeFor(long status, std::string_view body, std::string_view config);

}  // namespace irsa

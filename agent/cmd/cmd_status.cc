#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/outcome.h"
#include "base/text.h"
#include "cmd/commands.h"
#include "run/state.h"
#include "run/sync.h"

namespace irsa {
namespace {

constexpr size_t kMaxStateBytes = 64 * 1024;

int NotReady(const Invocation& invocation, const std::string& reason) {
  if (invocation.json) {
    const nlohmann::json out = {{"ready", false}, {"reason", reason}};
    std::printf("%s\n", out.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("not ready: %s\n", EscapeControl(reason).c_str());
  }
  return kExitUnavailable;
}

}  // namespace

int StatusCommand(const Invocation& invocation, Shells& shells) {
  const Settings& settings = invocation.settings;
  const std::string path = StateFilePath(settings.state_dir, settings.aws_config_file);
  std::string text;
  if (const ReadStatus read = shells.files->Read(path, kMaxStateBytes, &text); !read.ok()) {
    if (read.kind() == ReadFailure::kMissing) {
      return NotReady(invocation, "no state file " + path + " (the agent has not started)");
    }
    return NotReady(invocation, "state file " + read.message());
  }
  AgentState state;
  std::string err;
  if (!ParseState(text, &state, &err)) return NotReady(invocation, path + ": " + err);

  std::optional<std::string> config;
  std::string config_text;
  if (shells.files->Read(state.config_file, kMaxAnswerBytes, &config_text).ok()) {
    config = std::move(config_text);
  }
  const Readiness readiness = AssessReadiness(state, config);
  if (invocation.json) {
    nlohmann::json out = nlohmann::json::parse(SerializeState(state), nullptr, false);
    out["ready"] = readiness.ready;
    out["reason"] = readiness.reason;
    // ensure_ascii: \uXXXX for every non-ASCII character, C1 controls included.
    std::printf("%s\n", out.dump(2, ' ', true, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s: %s\n", readiness.ready ? "ready" : "not ready",
                EscapeControl(readiness.reason).c_str());
  }
  return readiness.ready ? kExitOk : kExitUnavailable;
}

}  // namespace irsa

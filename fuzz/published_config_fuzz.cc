// ParsePublishedConfig on arbitrary bytes: reading back AWS_CONFIG_FILE.
//
// Invariants: syntax errors are "config:LINE: ..." on one line without control
// characters; accepted pairs are valid; when every pair agrees on the token
// path and region (as in a file this agent wrote), rendering them reads back
// identically; AssessReadiness calls the file ready exactly when it parses
// with nothing dropped.
#include <cstddef>
#include <cstdint>
#include <string>

#include "answer_check.h"
#include "base/digest.h"
#include "run/state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using irsa::fuzz::Check;
  const std::string text(irsa::fuzz::AsText(data, size));
  irsa::MappingAnswer config;
  std::string err;
  const bool parsed = irsa::ParsePublishedConfig(text, &config, &err);

  irsa::AgentState state;
  state.last_success_at = 1;
  state.config_file = "/var/run/.aws/config";
  // What the agent last wrote: readiness also asks that the file is unchanged.
  if (!irsa::Sha256Hex(text, &state.config_hash)) return 0;
  const irsa::Readiness readiness = irsa::AssessReadiness(state, text);
  Check(readiness.ready == (parsed && config.dropped.empty()),
        "ready exactly when the config parses with nothing dropped");
  Check(!irsa::HasControlChar(readiness.reason), "the readiness reason is one line");

  if (!parsed) {
    Check(err.starts_with("config:"), "a syntax error starts with config:");
    Check(!irsa::HasControlChar(err), "a syntax error is one line");
    return 0;
  }
  irsa::fuzz::CheckAnswer(config);
  if (config.pairs.empty()) return 0;
  const irsa::ProfilePair& first = config.pairs.front();
  for (const irsa::ProfilePair& pair : config.pairs) {
    if (pair.token_file != first.token_file || pair.region != first.region) return 0;
  }
  irsa::fuzz::CheckRenderRoundTrip(config.pairs, {first.token_file, first.region});
  return 0;
}

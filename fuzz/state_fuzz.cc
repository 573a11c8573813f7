// ParseState on arbitrary bytes: the run agent's state file, read by `status`.
//
// Invariants: errors start "state file: " and are one printable line; an
// accepted state serializes to a file that parses back to the same state,
// and serializing that gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "run/state.h"

namespace {

bool SameState(const irsa::AgentState& a, const irsa::AgentState& b) {
  return a.version == b.version && a.pid == b.pid && a.started_at == b.started_at &&
         a.last_attempt_at == b.last_attempt_at && a.last_success_at == b.last_success_at &&
         a.last_error == b.last_error && a.last_error_kind == b.last_error_kind &&
         a.last_error_at == b.last_error_at && a.consecutive_failures == b.consecutive_failures &&
         a.config_file == b.config_file && a.config_hash == b.config_hash &&
         a.profiles == b.profiles && a.token_expires_at == b.token_expires_at;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using irsa::fuzz::Check;
  const std::string_view text = irsa::fuzz::AsText(data, size);
  irsa::AgentState state;
  std::string err;
  if (!irsa::ParseState(text, &state, &err)) {
    Check(err.starts_with("state file: "), "an error starts with state file:");
    Check(irsa::fuzz::IsPrintableLine(err), "an error is one printable line");
    return 0;
  }
  const std::string serialized = irsa::SerializeState(state);
  irsa::AgentState again;
  Check(irsa::ParseState(serialized, &again, &err), "a serialized state parses");
  Check(SameState(state, again), "a serialized state parses to the same state");
  Check(irsa::SerializeState(again) == serialized, "serialization is stable");
  return 0;
}

// A manual `once` keeps the sidecar's choices: the style a config was written
// in, the agent's /refresh answer as an exit code, and `status` on a config
// someone else rewrote.

#include "run/once_guard.h"

#include <doctest/doctest.h>

#include "base/digest.h"
#include "base/outcome.h"
#include "run/state.h"

namespace irsa {
namespace {

constexpr std::string_view kChain =
    "# Written by irsa-agent from the IAM role mapping. Do not edit: it is rewritten.\n"
    "[profile src_a]\nrole_arn = arn:aws:iam::111111111111:role/p\nweb_identity_token_file = /t\n\n"
    "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/a\nsource_profile = src_a\n";
constexpr std::string_view kProcess =
    "# Written by irsa-agent from the IAM role mapping. Do not edit: it is rewritten.\n"
    "[profile a]\n  credential_process = /usr/bin/irsa-agent credentials a --role-arn x\n";

TEST_SUITE("once_guard") {
  TEST_CASE("WrittenStyle: only configs with irsa-agent's header, by their profiles") {
    CHECK(WrittenStyle(kChain) == ProfileStyle::kChain);
    CHECK(WrittenStyle(kProcess) == ProfileStyle::kProcess);
    CHECK_FALSE(WrittenStyle("[profile a]\ncredential_process = x\n").has_value());
    CHECK_FALSE(WrittenStyle("").has_value());
    CHECK(ProfileStyleName(ProfileStyle::kProcess) == "process");
    CHECK(ProfileStyleName(ProfileStyle::kChain) == "chain");
  }

  TEST_CASE("RefreshOutcomeFor: the agent's answer as once's exit code") {
    RefreshOutcome ok =
        RefreshOutcomeFor(200, R"({"status":"ok","changed":false,"profiles":["a","b"]})", "/c");
    CHECK(ok.exit_code == kExitOk);
    CHECK(ok.message == "the running agent synced /c: 2 profiles (unchanged)");
    ok = RefreshOutcomeFor(200, R"({"status":"ok","changed":true,"profiles":["a"]})", "/c");
    CHECK(ok.message == "the running agent synced /c: 1 profile (changed)");
    const RefreshOutcome refused =
        RefreshOutcomeFor(503, R"({"status":"error","kind":"refused","error":"HTTP 403"})", "/c");
    CHECK(refused.exit_code == kExitRefused);
    CHECK(refused.message.find("HTTP 403") != std::string::npos);
    CHECK(RefreshOutcomeFor(503, R"({"status":"error","kind":"input","error":"x"})", "/c")
              .exit_code == kExitInput);
    CHECK(RefreshOutcomeFor(503, R"({"status":"error","kind":"publish","error":"x"})", "/c")
              .exit_code == kExitPublish);
    CHECK(RefreshOutcomeFor(503, R"({"status":"error","error":"busy"})", "/c").exit_code ==
          kExitUnavailable);
    const RefreshOutcome odd = RefreshOutcomeFor(404, R"({"error":"not found"})", "/c");
    CHECK(odd.exit_code == kExitUnavailable);
    CHECK(odd.message.find("404") != std::string::npos);
    CHECK(RefreshOutcomeFor(200, "not json", "/c").exit_code == kExitUnavailable);
  }

  TEST_CASE("status: a config someone else rewrote is not ready") {
    AgentState state;
    state.last_success_at = 1.8e9;
    state.config_file = "/c";
    state.config_hash = Sha256Hex(kChain);
    const Readiness same = AssessReadiness(state, std::string(kChain));
    CHECK_MESSAGE(same.ready, same.reason);
    std::string rewritten(kChain);
    rewritten += "\n";
    const Readiness other = AssessReadiness(state, rewritten);
    CHECK_FALSE(other.ready);
    CHECK(other.reason.find("rewritten by someone else") != std::string::npos);
  }
}

}  // namespace
}  // namespace irsa

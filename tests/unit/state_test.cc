// Tests for state.h: the run agent's state file as `status` reads it.
#include "run/state.h"

#include <doctest/doctest.h>

#include <string>

namespace irsa {
namespace {

TEST_SUITE("state") {
  TEST_CASE("SerializeState and ParseState round-trip") {
    AgentState state;
    state.version = "0.1.0";
    state.pid = 4194304;
    state.started_at = 1700000000.5;
    state.last_success_at = 1700000100;
    state.consecutive_failures = 2;
    state.profiles = {"acme-list-bucket-role"};
    state.token_expires_at = 1700086400;
    AgentState back;
    std::string err;
    REQUIRE(ParseState(SerializeState(state), &back, &err));
    CHECK(back.pid == state.pid);
    CHECK(back.started_at == state.started_at);
    CHECK(back.last_success_at == state.last_success_at);
    CHECK(back.consecutive_failures == 2);
    CHECK(back.profiles == state.profiles);
    CHECK(back.token_expires_at == state.token_expires_at);
  }

  TEST_CASE("ParseState: whole numbers at the limits of their fields") {
    AgentState state;
    std::string err;
    REQUIRE(ParseState(R"({"profiles":[],"pid":9223372036854775807,)"
                       R"("consecutive_failures":2147483647,"token_expires_at":-1})",
                       &state, &err));
    CHECK(state.pid == 9223372036854775807);
    CHECK(state.consecutive_failures == 2147483647);
    CHECK(state.token_expires_at == -1);
  }

  // Found by fuzz/state_fuzz.cc: converting these to the integer fields was
  // undefined behaviour (UBSan: "outside the range of representable values").
  TEST_CASE("ParseState: rejects numbers an integer field cannot hold") {
    const char* const cases[] = {
        R"({"profiles":[],"pid":1e300})",
        R"({"profiles":[],"pid":9223372036854775808})",
        R"({"profiles":[],"pid":1.5})",
        R"({"profiles":[],"consecutive_failures":1e10})",
        R"({"profiles":[],"consecutive_failures":3000000000})",
        R"({"profiles":[],"consecutive_failures":-2147483649})",
        R"({"profiles":[],"token_expires_at":-1e300})",
        R"({"profiles":[],"token_expires_at":18446744073709551615})",
    };
    for (const char* text : cases) {
      CAPTURE(text);
      AgentState state;
      std::string err;
      CHECK_FALSE(ParseState(text, &state, &err));
      CHECK(err == "state file: a field has the wrong type");
    }
  }
}

}  // namespace
}  // namespace irsa

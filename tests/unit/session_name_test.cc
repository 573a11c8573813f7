// Tests for session_name.h, table-driven.
#include "domain/session_name.h"

#include <doctest/doctest.h>

#include <string>

namespace irsa {
namespace {

const std::string kRun = "6527182438a6346046006654";

TEST_SUITE("session_name") {
  TEST_CASE("AuditUser: the label first, then the token's claim") {
    struct Case {
      std::string label;
      std::string claim;
      std::string want;
    };
    const Case cases[] = {
        {"alice", "bob", "alice"},
        {"", "bob", "bob"},
        {"", "", ""},
        {"j\xc3\xb6rg m\xc3\xbcller", "", "jrgmller"},
        {"\xc3\xa9\xc3\xa9", "bob.smith@corp.example", "bob.smith@corp.example"},  // nothing usable
        {"a/b:c d", "", "abcd"},
        {std::string(80, 'u'), "", std::string(64, 'u')},
    };
    for (const Case& c : cases) {
      PodIdentity pod;
      pod.user = c.label;
      INFO(c.label, " / ", c.claim);
      CHECK(AuditUser(pod, c.claim) == c.want);
    }
  }

  TEST_CASE("RoleSessionName keeps the run id whole") {
    struct Case {
      std::string user;
      std::string run_id;
      std::string want;
    };
    const Case cases[] = {
        {"alice", kRun, "alice@" + kRun},
        {"", kRun, kRun},
        {"bob smith", kRun, "bobsmith@" + kRun},
        {std::string(50, 'u'), kRun, std::string(39, 'u') + "@" + kRun},
        {"alice", std::string(62, 'r'), "a@" + std::string(62, 'r')},
        {"alice", std::string(63, 'r'), std::string(63, 'r')},
        {"alice", std::string(128, 'r'), std::string(64, 'r')},
        {"", "x", "run-x"},
        {"a", "", "run-a"},
        {"", "", "irsa-agent"},
        {"al", "", "al"},
    };
    for (const Case& c : cases) {
      INFO(c.user, " / ", c.run_id);
      const std::string got = RoleSessionName(c.user, c.run_id);
      CHECK(got == c.want);
      CHECK(IsValidSessionName(got));
    }
  }

  TEST_CASE("IsValidSessionName") {
    CHECK(IsValidSessionName("ab"));
    CHECK(IsValidSessionName("a_+=,.@-Z9"));
    CHECK(IsValidSessionName(std::string(64, 'x')));
    CHECK_FALSE(IsValidSessionName("a"));
    CHECK_FALSE(IsValidSessionName(std::string(65, 'x')));
    CHECK_FALSE(IsValidSessionName("a b"));
    CHECK_FALSE(IsValidSessionName("a/b"));
  }

  TEST_CASE("SessionTags") {
    using Tags = std::vector<std::pair<std::string, std::string>>;
    CHECK(SessionTags("alice", kRun, "") ==
          Tags{{"domino-user", "alice"}, {"domino-run-id", kRun}});
    CHECK(SessionTags("a,b", kRun, "My Project: x/y") ==
          Tags{{"domino-user", "ab"},
               {"domino-run-id", kRun},
               {"domino-project", "My Project: x/y"}});
    CHECK(SessionTags("", kRun, "p") == Tags{{"domino-run-id", kRun}, {"domino-project", "p"}});
    CHECK(SessionTags(",,", kRun, std::string(300, 'p')) ==
          Tags{{"domino-run-id", kRun}, {"domino-project", std::string(256, 'p')}});
  }
}

}  // namespace
}  // namespace irsa

// Tests for timestamp.h: RFC 3339 in and out, table-driven.
#include "base/timestamp.h"

#include <doctest/doctest.h>

#include <string>

namespace irsa {
namespace {

TEST_SUITE("timestamp") {
  TEST_CASE("ParseRfc3339 accepts") {
    struct Case {
      const char* text;
      int64_t want;
    };
    const Case cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2026-12-05T12:00:00Z", 1796472000},
        {"2026-12-05T12:00:00.000Z", 1796472000},
        {"2026-12-05T12:00:00.999999z", 1796472000},
        {"2026-12-05t12:00:00Z", 1796472000},
        {"2026-12-05T13:30:00+01:30", 1796472000},
        {"2026-12-05T07:00:00-05:00", 1796472000},
        {"2024-02-29T00:00:00Z", 1709164800},
        {"2000-03-01T00:00:00Z", 951868800},
        {"9999-12-31T23:59:59Z", 253402300799},
    };
    for (const Case& c : cases) {
      int64_t got = -1;
      std::string err;
      INFO(c.text);
      REQUIRE(ParseRfc3339(c.text, &got, &err));
      CHECK(got == c.want);
    }
  }

  TEST_CASE("ParseRfc3339 rejects, with its reason") {
    struct Case {
      const char* text;
      const char* err;
    };
    const Case cases[] = {
        {"", "timestamp: not a date like 2026-12-05T12:00:00Z"},
        {"2026-12-5T12:00:00Z", "timestamp: not a date like 2026-12-05T12:00:00Z"},
        {"2026-12-05 12:00:00Z", "timestamp: no T between date and time"},
        {"2026-12-05T12:00Z", "timestamp: not a time like 12:00:00"},
        {"2026-12-05T12:00:00", "timestamp: no time zone (Z or +hh:mm)"},
        {"2026-12-05T12:00:00+0100", "timestamp: no time zone (Z or +hh:mm)"},
        {"2026-12-05T12:00:00.Z", "timestamp: empty fraction of a second"},
        {"2026-12-05T12:00:00Zjunk", "timestamp: unexpected text after the time zone"},
        {"2026-13-05T12:00:00Z", "timestamp: month out of range"},
        {"2026-02-29T12:00:00Z", "timestamp: day out of range"},
        {"2026-04-31T12:00:00Z", "timestamp: day out of range"},
        {"2026-12-05T24:00:00Z", "timestamp: time out of range"},
        {"1969-12-31T23:59:59Z", "timestamp: year before 1970"},
        {"２026-12-05T12:00:00Z", "timestamp: not a date like 2026-12-05T12:00:00Z"},
    };
    for (const Case& c : cases) {
      int64_t got = 42;
      std::string err;
      INFO(c.text);
      CHECK_FALSE(ParseRfc3339(c.text, &got, &err));
      CHECK(err == c.err);
      CHECK(got == 42);
    }
  }

  TEST_CASE("FormatRfc3339 round-trips and clamps") {
    for (int64_t t : {int64_t{0}, int64_t{951868800}, int64_t{1796472000}, int64_t{1796475599}}) {
      int64_t back = -1;
      std::string err;
      REQUIRE(ParseRfc3339(FormatRfc3339(t), &back, &err));
      CHECK(back == t);
    }
    CHECK(FormatRfc3339(1796472000) == "2026-12-05T12:00:00Z");
    CHECK(FormatRfc3339(-5) == "1970-01-01T00:00:00Z");
    CHECK(FormatRfc3339(int64_t{1} << 50) == "9999-12-31T23:59:59Z");
  }
}

}  // namespace
}  // namespace irsa

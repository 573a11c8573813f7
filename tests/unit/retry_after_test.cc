// Tests for retry_after.h. Expected instants were computed independently
// (Python's calendar.timegm), not with the code under test.
#include "base/retry_after.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace irsa {
namespace {

constexpr int64_t k1994Nov06 = 784111777;   // Sun, 06 Nov 1994 08:49:37 GMT
constexpr int64_t k1977Jan01 = 220924800;   // Sat, 01 Jan 1977 00:00:00 GMT
constexpr int64_t k2000Feb29 = 951782400;   // Tue, 29 Feb 2000 00:00:00 GMT
constexpr int64_t k2024Mar01 = 1709251200;  // Fri, 01 Mar 2024 00:00:00 GMT
constexpr int64_t k2026Jan01 = 1767225600;  // Thu, 01 Jan 2026 00:00:00 GMT
constexpr int64_t k2076Jan01 = 3345062400;  // Wed, 01 Jan 2076 00:00:00 GMT
constexpr int64_t k2100Jan01 = 4102444800;  // Fri, 01 Jan 2100 00:00:00 GMT
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST_SUITE("retry_after") {
  TEST_CASE("accepted values") {
    struct Case {
      std::string_view value;
      int64_t now;
      double want;
    };
    const Case cases[] = {
        // delay-seconds
        {"0", 0, 0},
        {"120", 0, 120},
        {" 120 ", 0, 120},
        {"\t5\r\n", 0, 5},
        {"007", 0, 7},
        {"86399", 0, 86399},
        {"86400", 0, 86400},
        {"86401", 0, 86400},
        {"99999999999999999999999999999", 0, 86400},
        {"30", kMin, 30},
        // the three HTTP-date forms of the same instant
        {"Sun, 06 Nov 1994 08:49:37 GMT", k1994Nov06 - 100, 100},
        {"Sunday, 06-Nov-94 08:49:37 GMT", k1994Nov06 - 100, 100},
        {"Sun Nov  6 08:49:37 1994", k1994Nov06 - 100, 100},
        {"Sun Nov 06 08:49:37 1994", k1994Nov06 - 100, 100},
        {"  Sun, 06 Nov 1994 08:49:37 GMT\r\n", k1994Nov06 - 1, 1},
        // past and present dates give 0, far ones the cap
        {"Sun, 06 Nov 1994 08:49:37 GMT", k1994Nov06, 0},
        {"Sun, 06 Nov 1994 08:49:37 GMT", k1994Nov06 + 1000, 0},
        {"Sun Nov  6 08:49:37 1994", k2026Jan01, 0},
        {"Fri, 31 Dec 9999 23:59:59 GMT", 0, 86400},
        {"Mon, 01 Jan 0001 00:00:00 GMT", 0, 0},
        // calendar edges: leap day, leap second, month and year rollover
        {"Tue, 29 Feb 2000 00:00:00 GMT", k2000Feb29 - 5, 5},
        {"Thu, 29 Feb 2024 23:59:60 GMT", k2024Mar01 - 1, 1},
        {"Thu, 31 Dec 2099 23:59:59 GMT", k2100Jan01 - 2, 1},
        // two-digit years (RFC 9110): up to 50 years ahead stays in the future
        {"Thursday, 01-Jan-76 00:00:00 GMT", k2076Jan01 - 10, 10},
        {"Thursday, 01-Jan-76 00:00:00 GMT", k2026Jan01, 86400},  // 2076, not 1976
        {"Saturday, 01-Jan-77 00:00:00 GMT", k2026Jan01, 0},      // 1977, not 2077
        {"Saturday, 01-Jan-77 00:00:00 GMT", k1977Jan01 - 10, 10},
        {"Thursday, 01-Jan-26 00:00:00 GMT", k2076Jan01 - 10, 0},  // 2026, not 2126
        {"Friday, 01-Jan-00 00:00:00 GMT", k2100Jan01 - 10, 10},   // 2100, not 2000
        // hostile clocks neither overflow nor misbehave
        {"Sun, 06 Nov 1994 08:49:37 GMT", kMin, 86400},
        {"Sun, 06 Nov 1994 08:49:37 GMT", kMax, 0},
        {"Sunday, 06-Nov-94 08:49:37 GMT", kMin, 86400},
        {"Sunday, 06-Nov-94 08:49:37 GMT", kMax, 0},
    };
    for (const Case& c : cases) {
      CAPTURE(c.value);
      CAPTURE(c.now);
      const std::optional<double> got = ParseRetryAfter(c.value, c.now);
      REQUIRE(got.has_value());
      CHECK(*got == c.want);
    }
  }

  TEST_CASE("rejected values") {
    const std::string_view cases[] = {
        "",
        "   ",
        "-1",
        "+1",
        "1.5",
        "1e3",
        "0x10",
        "12 34",
        "soon",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT extra",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 00 Jan 1994 00:00:00 GMT",
        "Sun, 32 Jan 1994 00:00:00 GMT",
        "Sun, 31 Apr 1994 00:00:00 GMT",
        "Thu, 29 Feb 2001 00:00:00 GMT",
        "Thu, 29 Feb 1900 00:00:00 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 23:60:00 GMT",
        "Sun, 06 Nov 1994 23:59:61 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Sunday, 06 Nov 94 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6  08:49:37 1994",
        "Sun Nov  06 08:49:37 1994",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
    };
    for (std::string_view value : cases) {
      CAPTURE(value);
      CHECK_FALSE(ParseRetryAfter(value, k1994Nov06 - 1000).has_value());
    }
  }
}

}  // namespace
}  // namespace irsa

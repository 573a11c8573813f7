// ParseRetryAfter on arbitrary header values and clocks.
//
// Input: 8 bytes of `now`, 8 bytes of a date `when`, then the header value.
//
// Invariants: a result is in [0, 86400]; surrounding whitespace changes
// nothing; delay-seconds give min(value, 86400); `when` written as an
// IMF-fixdate and as an asctime date gives clamp(when - now, 0, 86400).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "base/retry_after.h"
#include "fuzz_check.h"

namespace {

using irsa::fuzz::Check;

constexpr int64_t kDay = 86400;
// Days from 1970-01-01 to 0000-01-01 and to 10000-01-01: the years a
// four-digit HTTP-date can name.
constexpr int64_t kFirstDay = -719528;
constexpr int64_t kEndDay = 2932897;

int64_t TakeInt64(const uint8_t** data, size_t* size) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | irsa::fuzz::TakeByte(data, size);
  int64_t out;
  std::memcpy(&out, &v, sizeof(out));
  return out;
}

struct Civil {
  int64_t year;
  int month;
  int day;
};

// Howard Hinnant's civil_from_days.
Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// `when` as an IMF-fixdate (asctime form when `asctime` is set).
std::string FormatDate(int64_t when, bool asctime) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  const int64_t days = (when >= 0 ? when : when - (kDay - 1)) / kDay;
  const int64_t secs = when - days * kDay;
  const Civil c = CivilFromDays(days);
  const char* weekday = kDays[((days % 7) + 7) % 7];
  const int h = static_cast<int>(secs / 3600), m = static_cast<int>(secs / 60 % 60),
            s = static_cast<int>(secs % 60);
  char buf[64];
  if (asctime) {
    std::snprintf(buf, sizeof(buf), "%s %s %2d %02d:%02d:%02d %04lld", weekday,
                  kMonths[c.month - 1], c.day, h, m, s, static_cast<long long>(c.year));
  } else {
    std::snprintf(buf, sizeof(buf), "%s, %02d %s %04lld %02d:%02d:%02d GMT", weekday, c.day,
                  kMonths[c.month - 1], static_cast<long long>(c.year), h, m, s);
  }
  return buf;
}

void CheckRange(std::optional<double> delay) {
  Check(!delay || (*delay >= 0 && *delay <= static_cast<double>(kDay)), "a delay is in [0, 86400]");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int64_t now = TakeInt64(&data, &size);
  const int64_t raw_when = TakeInt64(&data, &size);
  const std::string value(irsa::fuzz::AsText(data, size));

  const std::optional<double> delay = irsa::ParseRetryAfter(value, now);
  CheckRange(delay);
  Check(irsa::ParseRetryAfter(" \t" + value + " ", now) == delay,
        "surrounding whitespace changes nothing");
  if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos) {
    const size_t digits = value.find_first_not_of('0');
    const std::string_view significant =
        digits == std::string::npos ? "0" : std::string_view(value).substr(digits);
    const double expected =
        significant.size() > 5 ? kDay : std::min<double>(std::stod(std::string(significant)), kDay);
    Check(delay == expected, "delay-seconds give min(value, 86400)");
  }

  // A date from the years 0000..9999.
  const uint64_t span = static_cast<uint64_t>(kEndDay - kFirstDay) * kDay;
  const int64_t when =
      kFirstDay * kDay + static_cast<int64_t>(static_cast<uint64_t>(raw_when) % span);
  const __int128 diff = static_cast<__int128>(when) - now;
  const double expected = diff <= 0 ? 0.0 : diff >= kDay ? kDay : static_cast<double>(diff);
  for (bool asctime : {false, true}) {
    Check(irsa::ParseRetryAfter(FormatDate(when, asctime), now) == expected,
          "a formatted date gives clamp(when - now, 0, 86400)");
  }
  return 0;
}

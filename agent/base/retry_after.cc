// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date.
// Dates are parsed by hand, with civil-calendar arithmetic: strptime and
// timegm depend on the locale and the TZ environment, which a pure core must
// not read.
#include "base/retry_after.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "base/text.h"
#include "base/timestamp.h"

namespace irsa {
namespace {

constexpr int64_t kMaxDelaySeconds = 86400;
constexpr int64_t kSecondsPerDay = 86400;

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kShortDays = {"Mon", "Tue", "Wed", "Thu",
                                                        "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDays = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

struct DateTime {
  int64_t year = 0;
  int month = 0;  // 1..12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

// The Gregorian year containing day `z` (days since 1970-01-01).
int64_t YearFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

int DaysInMonth(int64_t year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<size_t>(month - 1)];
}

// Consumes exactly `n` ASCII digits from the front of `*s`.
bool TakeDigits(std::string_view* s, size_t n, int64_t* value) {
  if (s->size() < n) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = (*s)[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  s->remove_prefix(n);
  *value = v;
  return true;
}

// Consumes `lit` (case-sensitive: HTTP-date is case-sensitive).
bool TakeLiteral(std::string_view* s, std::string_view lit) {
  if (!s->starts_with(lit)) return false;
  s->remove_prefix(lit.size());
  return true;
}

// Consumes one of `names`; `*index` gets its position.
template <size_t N>
bool TakeName(std::string_view* s, const std::array<std::string_view, N>& names, int* index) {
  for (size_t i = 0; i < N; ++i) {
    if (TakeLiteral(s, names[i])) {
      *index = static_cast<int>(i);
      return true;
    }
  }
  return false;
}

// "HH:MM:SS" into `*dt`.
bool TakeTime(std::string_view* s, DateTime* dt) {
  int64_t h = 0, m = 0, sec = 0;
  if (!TakeDigits(s, 2, &h) || !TakeLiteral(s, ":") || !TakeDigits(s, 2, &m) ||
      !TakeLiteral(s, ":") || !TakeDigits(s, 2, &sec)) {
    return false;
  }
  dt->hour = static_cast<int>(h);
  dt->minute = static_cast<int>(m);
  dt->second = static_cast<int>(sec);
  return true;
}

bool TakeMonth(std::string_view* s, DateTime* dt) {
  int index = 0;
  if (!TakeName(s, kMonths, &index)) return false;
  dt->month = index + 1;
  return true;
}

bool TakeDay(std::string_view* s, size_t digits, DateTime* dt) {
  int64_t day = 0;
  if (!TakeDigits(s, digits, &day)) return false;
  dt->day = static_cast<int>(day);
  return true;
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". The day name is checked to be
// one, not to match the date: no client gains anything from that check.
bool ParseImfFixdate(std::string_view s, DateTime* dt) {
  int weekday = 0;
  return TakeName(&s, kShortDays, &weekday) && TakeLiteral(&s, ", ") && TakeDay(&s, 2, dt) &&
         TakeLiteral(&s, " ") && TakeMonth(&s, dt) && TakeLiteral(&s, " ") &&
         TakeDigits(&s, 4, &dt->year) && TakeLiteral(&s, " ") && TakeTime(&s, dt) &&
         TakeLiteral(&s, " GMT") && s.empty();
}

// RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". `dt->year` gets the two digits.
bool ParseRfc850(std::string_view s, DateTime* dt) {
  int weekday = 0;
  return TakeName(&s, kLongDays, &weekday) && TakeLiteral(&s, ", ") && TakeDay(&s, 2, dt) &&
         TakeLiteral(&s, "-") && TakeMonth(&s, dt) && TakeLiteral(&s, "-") &&
         TakeDigits(&s, 2, &dt->year) && TakeLiteral(&s, " ") && TakeTime(&s, dt) &&
         TakeLiteral(&s, " GMT") && s.empty();
}

// asctime: "Sun Nov  6 08:49:37 1994"; the day is 2DIGIT or SP DIGIT.
bool ParseAsctime(std::string_view s, DateTime* dt) {
  int weekday = 0;
  if (!TakeName(&s, kShortDays, &weekday) || !TakeLiteral(&s, " ") || !TakeMonth(&s, dt) ||
      !TakeLiteral(&s, " ")) {
    return false;
  }
  const bool single_digit_day = TakeLiteral(&s, " ");
  return TakeDay(&s, single_digit_day ? 1 : 2, dt) && TakeLiteral(&s, " ") && TakeTime(&s, dt) &&
         TakeLiteral(&s, " ") && TakeDigits(&s, 4, &dt->year) && s.empty();
}

// RFC 9110: a two-digit year more than 50 years in the future is in the past
// century; the result is the year within [this year - 49, this year + 50].
// `now` is clamped to years 0..9999 first so that hostile clocks cannot push
// the date arithmetic towards int64 overflow.
int64_t ExpandTwoDigitYear(int64_t yy, int64_t now) {
  const int64_t days = now >= 0 ? now / kSecondsPerDay : (now + 1) / kSecondsPerDay - 1;
  const int64_t this_year = std::clamp<int64_t>(YearFromDays(days), 0, 9999);
  int64_t year = this_year - this_year % 100 + yy;
  if (year > this_year + 50) year -= 100;
  if (year + 100 <= this_year + 50) year += 100;
  return year;
}

bool InRange(const DateTime& dt) {
  // Second 60 is a leap second, which RFC 9110's grammar allows.
  return dt.day >= 1 && dt.day <= DaysInMonth(dt.year, dt.month) && dt.hour <= 23 &&
         dt.minute <= 59 && dt.second <= 60;
}

bool ParseHttpDate(std::string_view s, int64_t now, int64_t* unix_seconds) {
  DateTime dt;
  if (ParseRfc850(s, &dt)) {
    dt.year = ExpandTwoDigitYear(dt.year, now);
  } else if (!ParseImfFixdate(s, &dt) && !ParseAsctime(s, &dt)) {
    return false;
  }
  if (!InRange(dt)) return false;
  *unix_seconds = DaysFromCivil(dt.year, dt.month, dt.day) * kSecondsPerDay + dt.hour * 3600 +
                  dt.minute * 60 + dt.second;
  return true;
}

}  // namespace

std::optional<double> ParseRetryAfter(std::string_view value, int64_t now) {
  value = TrimWhitespace(value);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t seconds = 0;
    for (char c : value) {  // saturates at the cap, so no overflow
      seconds = seconds * 10 + (c - '0');
      if (seconds >= kMaxDelaySeconds) return static_cast<double>(kMaxDelaySeconds);
    }
    return static_cast<double>(seconds);
  }
  int64_t when = 0;
  if (!ParseHttpDate(value, now, &when)) return std::nullopt;
  if (when <= now) return 0.0;
  // Compare before subtracting: `now` may be anything the caller passes.
  if (now < 0 && when > now + std::numeric_limits<int64_t>::max()) {
    return static_cast<double>(kMaxDelaySeconds);
  }
  const int64_t delay = when - now;
  return static_cast<double>(delay < kMaxDelaySeconds ? delay : kMaxDelaySeconds);
}

}  // namespace irsa

// RFC 3339 by hand, with std::chrono's calendar (pure: no timegm, no TZ).
#include "base/timestamp.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace irsa {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
// 9999-12-31T23:59:59Z, the last instant FormatRfc3339 can write in 4 digits.
constexpr int64_t kMaxTime = 253402300799;

// Consumes exactly `n` ASCII digits from the front of `*s`.
bool TakeDigits(std::string_view* s, size_t n, int* value) {
  if (s->size() < n) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = (*s)[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  s->remove_prefix(n);
  *value = v;
  return true;
}

bool TakeChar(std::string_view* s, char c) {
  if (s->empty() || s->front() != c) return false;
  s->remove_prefix(1);
  return true;
}

bool Fail(std::string_view what, std::string* err) {
  *err = "timestamp: " + std::string(what);
  return false;
}

}  // namespace

bool ParseRfc3339(std::string_view text, int64_t* out, std::string* err) {
  std::string_view s = text;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!TakeDigits(&s, 4, &year) || !TakeChar(&s, '-') || !TakeDigits(&s, 2, &month) ||
      !TakeChar(&s, '-') || !TakeDigits(&s, 2, &day)) {
    return Fail("not a date like 2026-12-05T12:00:00Z", err);
  }
  if (!TakeChar(&s, 'T') && !TakeChar(&s, 't')) return Fail("no T between date and time", err);
  if (!TakeDigits(&s, 2, &hour) || !TakeChar(&s, ':') || !TakeDigits(&s, 2, &minute) ||
      !TakeChar(&s, ':') || !TakeDigits(&s, 2, &second)) {
    return Fail("not a time like 12:00:00", err);
  }
  if (TakeChar(&s, '.')) {
    const size_t digits = std::min(s.find_first_not_of("0123456789"), s.size());
    if (digits == 0) return Fail("empty fraction of a second", err);
    s.remove_prefix(digits);
  }
  int offset = 0;
  if (!TakeChar(&s, 'Z') && !TakeChar(&s, 'z')) {
    const bool minus = !s.empty() && s.front() == '-';
    int oh = 0, om = 0;
    if ((!TakeChar(&s, '+') && !TakeChar(&s, '-')) || !TakeDigits(&s, 2, &oh) ||
        !TakeChar(&s, ':') || !TakeDigits(&s, 2, &om) || oh > 23 || om > 59) {
      return Fail("no time zone (Z or +hh:mm)", err);
    }
    offset = (minus ? -1 : 1) * (oh * 3600 + om * 60);
  }
  if (!s.empty()) return Fail("unexpected text after the time zone", err);
  if (year < 1970) return Fail("year before 1970", err);
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.month().ok()) return Fail("month out of range", err);
  if (!ymd.ok()) return Fail("day out of range", err);
  // 60 is a leap second, which unix time folds into the next one.
  if (hour > 23 || minute > 59 || second > 60) return Fail("time out of range", err);
  const int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  *out = days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset;
  return true;
}

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (m + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string FormatRfc3339(int64_t t) {
  t = std::clamp<int64_t>(t, 0, kMaxTime);
  const std::chrono::sys_days day{std::chrono::days{t / kSecondsPerDay}};
  const std::chrono::year_month_day ymd{day};
  const int64_t s = t % kSecondsPerDay;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02dZ", int{ymd.year()},
                unsigned{ymd.month()}, unsigned{ymd.day()}, static_cast<int>(s / 3600),
                static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
  return buf;
}

}  // namespace irsa

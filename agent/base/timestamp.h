// RFC 3339 timestamps (the `Expiration` of STS and Pod Identity answers and
// of the credential_process JSON, Kubernetes' status.startTime) <-> unix
// seconds. Pure: no locale, no TZ.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace irsa {

// Parses "2026-12-05T12:00:00Z", with an optional fraction of a second
// (dropped: the result is whole seconds, rounded down) and either `Z`/`z` or a
// `+hh:mm`/`-hh:mm` offset; `t`/`T` separates date and time. Years 1970-9999.
// Returns false with one line in `*err` ("timestamp: day out of range").
bool ParseRfc3339(std::string_view text, int64_t* out, std::string* err);

// "2026-12-05T12:00:00Z" for unix seconds `t` (clamped to 1970..9999).
std::string FormatRfc3339(int64_t t);

// The civil (proleptic Gregorian) calendar, for the other date formats (HTTP
// dates): std::chrono's, over the years it covers here.
constexpr int64_t kMinCivilYear = -9999;
constexpr int64_t kMaxCivilYear = 9999 + 200;  // a two-digit year's century, and more

struct CivilDate {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

// Whether `y`-`m`-`d` is a real date (2027-02-29 is not), `y` within
// kMinCivilYear..kMaxCivilYear.
bool IsCivilDate(int64_t y, int m, int d);

// Days since 1970-01-01 of a date. REQUIRES: IsCivilDate(y, m, d).
int64_t DaysFromCivil(int64_t y, int m, int d);

// The date of day `days` since 1970-01-01, clamped to the years above.
CivilDate CivilFromDays(int64_t days);

}  // namespace irsa

// RFC 3339 timestamps ("2026-12-06T02:28:41Z", "...41.5+01:00"), as the
// Kubernetes API writes status.startTime and STS writes Expiration. Pure:
// civil-calendar arithmetic, no locale, no TZ.
#pragma once

#include <cstdint>
#include <string_view>

namespace irsa {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil). `m` is 1..12.
int64_t DaysFromCivil(int64_t y, int m, int d);

// Unix seconds of `text`: YYYY-MM-DDTHH:MM:SS, an optional fraction (dropped),
// then Z or +HH:MM / -HH:MM ('t' and 'z' accepted too). Returns false for
// anything else, including out-of-range fields (month 13, hour 24, Feb 30).
bool ParseRfc3339(std::string_view text, int64_t* unix_seconds);

}  // namespace irsa

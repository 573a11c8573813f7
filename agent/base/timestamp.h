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

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil). `m` is 1..12. For the other date formats (HTTP dates).
int64_t DaysFromCivil(int64_t y, int m, int d);

}  // namespace irsa

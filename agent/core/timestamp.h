// RFC 3339 timestamps (the `Expiration` of STS answers and of the
// credential_process JSON) <-> unix seconds. Pure: no locale, no TZ.
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

}  // namespace irsa

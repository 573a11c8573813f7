// The HTTP Retry-After header (RFC 9110 section 10.2.3).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace irsa {

// Seconds to wait from `now` (unix seconds): a non-negative integer of delay
// seconds, or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), also the
// obsolete RFC 850 and asctime forms. A date in the past gives 0. Returns
// nullopt for anything else (empty, negative, fractional, garbage). Values are
// capped at one day.
std::optional<double> ParseRetryAfter(std::string_view value, int64_t now);

}  // namespace irsa

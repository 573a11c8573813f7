// Hashes (OpenSSL libcrypto; pure computation, no I/O).
#pragma once

#include <string>
#include <string_view>

namespace irsa {

// Both can fail only when OpenSSL cannot compute SHA-256 (no memory, or an
// OPENSSL_CONF that loads no provider with it); the one message for that is
// kDigestFailure, so they return a bool (base/error.h) and never an in-band
// empty string.

// The message for a failed Sha256Hex or HmacSha256.
inline constexpr std::string_view kDigestFailure =
    "OpenSSL cannot compute SHA-256 (check OPENSSL_CONF and its providers)";

// Lower-case hex SHA-256 of `data` (64 characters) into `*hex`. Returns false,
// `*hex` cleared, when OpenSSL fails.
[[nodiscard]] bool Sha256Hex(std::string_view data, std::string* hex);

// Raw 32-byte HMAC-SHA256 of `data` under `key` into `*mac`. Returns false,
// `*mac` cleared, when OpenSSL fails.
[[nodiscard]] bool HmacSha256(std::string_view key, std::string_view data, std::string* mac);

// Lower-case hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace irsa

// Hashes (OpenSSL libcrypto; pure computation, no I/O).
#pragma once

#include <string>
#include <string_view>

namespace irsa {

// Lower-case hex SHA-256 of `data` (64 characters), or "" when OpenSSL
// cannot compute it (no memory, or an OPENSSL_CONF that loads no provider
// with SHA-256): callers must check.
std::string Sha256Hex(std::string_view data);

// The message for a failed Sha256Hex or HmacSha256.
inline constexpr std::string_view kDigestFailure =
    "OpenSSL cannot compute SHA-256 (check OPENSSL_CONF and its providers)";

// Raw 32-byte HMAC-SHA256 of `data` under `key`, or "" when OpenSSL fails
// (as above): callers must check.
std::string HmacSha256(std::string_view key, std::string_view data);

// Lower-case hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace irsa

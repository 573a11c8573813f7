// The listen setting: HOST:PORT, loopback unless allowed otherwise.
#pragma once

#include <string>
#include <string_view>

namespace irsa {

// "HOST:PORT" with HOST an IPv4 address, "[IPv6]" or "localhost". Returns
// false with `*err` when the address is malformed, or not loopback and
// `allow_any` is false.
bool ParseListenAddress(std::string_view text, bool allow_any, std::string* host, int* port,
                        std::string* err);

}  // namespace irsa

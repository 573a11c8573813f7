// Whether something accepts TCP connections at a loopback HOST:PORT: how
// `exec` tells a running agent's credentials listener from a stale state
// file. A bare connect, no HTTP: libcurl would send a loopback request
// through http_proxy, and with it the listener's token.
#pragma once

#include <string>

namespace irsa {

// Connects to `host` (a numeric IPv4 or IPv6 address, or "localhost") and
// `port`, waiting at most `timeout` seconds, then closes. Returns false with
// one line in `*err` when the connection is refused, times out or fails.
bool TcpAccepts(const std::string& host, int port, double timeout, std::string* err);

}  // namespace irsa

#include "settings/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "irsa_agent/listener.h"

namespace irsa {

bool ParseListenAddress(std::string_view text, bool allow_any, std::string* host, int* port,
                        std::string* err) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    *err = "listen: expected HOST:PORT";
    return false;
  }
  std::string h(text.substr(0, colon));
  const std::string_view p = text.substr(colon + 1);
  int value = 0;
  for (char c : p) {
    if (c < '0' || c > '9' || value > 65535) {
      *err = "listen: port must be a number from 1 to 65535";
      return false;
    }
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) {
    *err = "listen: port must be a number from 1 to 65535";
    return false;
  }
  // inet_pton() reads a C string: a NUL would hide the bytes after it.
  if (h.find('\0') != std::string::npos) {
    *err = "listen: host must be an IP address or localhost";
    return false;
  }
  if (h == "localhost") h = "127.0.0.1";
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    *err = "listen: an IPv6 address needs brackets, like [::1]:6003";
    return false;
  }
  in_addr v4;
  in6_addr v6;
  bool loopback;
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    loopback = (ntohl(v4.s_addr) >> 24) == 127;
  } else if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    loopback = IN6_IS_ADDR_LOOPBACK(&v6);
  } else {
    *err = "listen: host must be an IP address or localhost";
    return false;
  }
  if (!loopback && !allow_any) {
    *err =
        "listen '" + std::string(text) + "' is not a loopback address (set listen-any to allow it)";
    return false;
  }
  *host = h;
  *port = value;
  return true;
}

}  // namespace irsa

// ParseListenAddress on arbitrary bytes, with and without listen-any.
//
// Invariants: an accepted host is an IP address in text form (no NUL or other
// hidden bytes: it goes to bind() and to messages), loopback unless
// listen-any, with a port in 1..65535, and HOST:PORT written back parses to
// the same host and port; errors are one printable line naming the listen setting.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_check.h"
#include "irsa_agent/listener.h"
#include "settings/listen_address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using irsa::fuzz::Check;
  const bool allow_any = (irsa::fuzz::TakeByte(&data, &size) & 1) != 0;
  const std::string_view text = irsa::fuzz::AsText(data, size);
  std::string host;
  int port = 0;
  std::string err;
  if (!irsa::ParseListenAddress(text, allow_any, &host, &port, &err)) {
    Check(err.starts_with("listen"), "an error names the listen setting");
    Check(irsa::fuzz::IsPrintableLine(err), "an error is one printable line");
    return 0;
  }
  Check(port >= 1 && port <= 65535, "the port is in 1..65535");
  Check(std::strlen(host.c_str()) == host.size(), "the host holds no NUL");
  Check(irsa::fuzz::IsPrintableLine(host), "the host is printable");
  in_addr v4;
  in6_addr v6;
  const bool is_v4 = inet_pton(AF_INET, host.c_str(), &v4) == 1;
  const bool is_v6 = !is_v4 && inet_pton(AF_INET6, host.c_str(), &v6) == 1;
  Check(is_v4 || is_v6, "the host is an IP address");
  if (!allow_any) {
    Check(is_v4 ? (ntohl(v4.s_addr) >> 24) == 127 : IN6_IS_ADDR_LOOPBACK(&v6),
          "without listen-any the host is loopback");
  }
  const std::string written = (is_v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  std::string host2;
  int port2 = 0;
  Check(irsa::ParseListenAddress(written, allow_any, &host2, &port2, &err),
        "HOST:PORT written back parses");
  Check(host2 == host && port2 == port, "HOST:PORT written back gives the same address");
  return 0;
}

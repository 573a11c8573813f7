// Tests for ParseListenAddress (listener.h): the listen setting's HOST:PORT.
#include "settings/listen_address.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "irsa_agent/listener.h"

namespace irsa {
namespace {

using namespace std::string_view_literals;

TEST_SUITE("listen_address") {
  TEST_CASE("ParseListenAddress: loopback addresses") {
    struct Case {
      std::string_view text, host;
      int port;
    };
    const Case cases[] = {
        {"127.0.0.1:6003", "127.0.0.1", 6003},
        {"localhost:1", "127.0.0.1", 1},
        {"[::1]:65535", "::1", 65535},
    };
    for (const Case& c : cases) {
      CAPTURE(c.text);
      std::string host, err;
      int port = 0;
      REQUIRE(ParseListenAddress(c.text, /*allow_any=*/false, &host, &port, &err));
      CHECK(host == c.host);
      CHECK(port == c.port);
    }
  }

  // Found by fuzz/listen_address_fuzz.cc: inet_pton() stopped at the NUL, so
  // "0.0.5.0\0[:535" was accepted with a host holding the hidden bytes.
  TEST_CASE("ParseListenAddress: a NUL in the host is rejected") {
    const std::string_view cases[] = {"0.0.5.0\0[:535"sv, "127.0.0.1\0x:80"sv, "localhost\0:80"sv};
    for (const std::string_view text : cases) {
      for (const bool allow_any : {false, true}) {
        std::string host, err;
        int port = 0;
        CHECK_FALSE(ParseListenAddress(text, allow_any, &host, &port, &err));
        CHECK(err == "listen: host must be an IP address or localhost");
      }
    }
  }
}

}  // namespace
}  // namespace irsa

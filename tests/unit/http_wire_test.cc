// The listener's request line parser and response head, table-driven.

#include "core/http_wire.h"

#include <doctest/doctest.h>

namespace irsa {
namespace {

TEST_SUITE("http_wire") {
  TEST_CASE("request lines that are accepted") {
    struct Case {
      const char* line;
      const char* method;
      const char* path;
    };
    const Case cases[] = {
        {"GET /healthz HTTP/1.1", "GET", "/healthz"},
        {"GET /refresh?wait=1&x=2 HTTP/1.0", "GET", "/refresh"},
        {"POST / HTTP/1.1", "POST", "/"},
        {"GET /credentials/role-a HTTP/1.1", "GET", "/credentials/role-a"},
        {"GET /a%2Fb HTTP/1.1", "GET", "/a%2Fb"},  // not decoded
        {"GET /? HTTP/1.1", "GET", "/"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.line);
      RequestLine out;
      REQUIRE(ParseRequestLine(c.line, &out));
      CHECK(out.method == c.method);
      CHECK(out.path == c.path);
    }
  }

  TEST_CASE("request lines that are refused") {
    for (const char* line : {"", "GET", "GET /", "GET / ", "get / HTTP/1.1", " / HTTP/1.1",
                             "GET nopath HTTP/1.1", "GET  / HTTP/1.1", "GET / SPDY/3",
                             "GET http://host/ HTTP/1.1", "G3T / HTTP/1.1", "GET * HTTP/1.1"}) {
      CAPTURE(line);
      RequestLine out;
      CHECK_FALSE(ParseRequestLine(line, &out));
    }
  }

  TEST_CASE("the response head") {
    CHECK(ResponseHead(200, "application/json", 21) ==
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 21\r\n"
          "Cache-Control: no-store\r\nConnection: close\r\n\r\n");
    CHECK(ResponseHead(408, "text/plain", 0).rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
    CHECK(ResponseHead(431, "x", 0).rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) ==
          0);
    CHECK(ResponseHead(299, "x", 0).rfind("HTTP/1.1 299 Status\r\n", 0) == 0);
    // A content type cannot add a header.
    CHECK(ResponseHead(200, "text/plain\r\nSet-Cookie: a=b", 0).find("\r\nSet-Cookie") ==
          std::string::npos);
  }
}

}  // namespace
}  // namespace irsa

// The listener's request head parser and response head, table-driven.

#include "base/http_wire.h"

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
      RequestHead out;
      REQUIRE(ParseRequestHead(c.line, &out));
      CHECK(out.method == c.method);
      CHECK(out.path == c.path);
    }
  }

  TEST_CASE("request lines that are refused") {
    for (const char* line :
         {"", "GET", "GET /", "GET / ", "get / HTTP/1.1", " / HTTP/1.1", "GET nopath HTTP/1.1",
          "GET  / HTTP/1.1", "GET / SPDY/3", "GET http://host/ HTTP/1.1", "G3T / HTTP/1.1",
          "GET * HTTP/1.1", "GET /a\x7f HTTP/1.1", "GET /a\tb HTTP/1.1"}) {
      CAPTURE(line);
      RequestHead out;
      CHECK_FALSE(ParseRequestHead(line, &out));
    }
  }

  TEST_CASE("a NUL in the target is refused (fuzz finding)") {
    const std::string line("GET /credentials/role\0-a HTTP/1.1", 33);
    RequestHead out;
    CHECK_FALSE(ParseRequestHead(line, &out));
  }

  TEST_CASE("header lines") {
    RequestHead out;
    REQUIRE(
        ParseRequestHead("GET /credentials/role-a HTTP/1.1\r\nHost: localhost\r\n"
                         "AUTHORIZATION:  \tBearer abc \t\r\nX-Empty:\r\nHost: second",
                         &out));
    CHECK(out.path == "/credentials/role-a");
    REQUIRE(out.headers.size() == 4);
    CHECK(out.headers[0] == std::pair<std::string, std::string>{"host", "localhost"});
    CHECK(out.Header("authorization") == "Bearer abc");
    CHECK(out.Header("x-empty") == "");
    CHECK(out.Header("host") == "localhost");  // the first
    CHECK_FALSE(out.Header("cookie").has_value());

    for (const char* head : {"GET / HTTP/1.1\r\nno colon", "GET / HTTP/1.1\r\n: empty name",
                             "GET / HTTP/1.1\r\nBad Name: x", "GET / HTTP/1.1\r\nA: b\r\n folded",
                             "GET / HTTP/1.1\r\nA: b\nc", "GET / HTTP/1.1\r\nA: b\x7f",
                             "GET / HTTP/1.1\r\n\r\nA: b"}) {
      CAPTURE(head);
      CHECK_FALSE(ParseRequestHead(head, &out));
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

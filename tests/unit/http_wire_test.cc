// The listener's request head parser and response head, table-driven.

#include "base/http_wire.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>

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

  TEST_CASE("answers that are complete, with their status and body") {
    struct Case {
      std::string raw;
      bool at_eof;
      int status;
      size_t interim;
      std::string body;
    };
    const Case cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", false, 200, 0, "{}"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}extra", false, 200, 0, "{}"},
        {"HTTP/1.0 404 Not Found\r\n\r\nto the end", true, 404, 0, "to the end"},
        {"HTTP/1.1 503\r\ncontent-length:  3 \r\n\r\nabc", false, 503, 0, "abc"},
        {"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", false, 200,
         1, "x"},
        {"HTTP/1.1 100 Continue\r\nX: y\r\n\r\nHTTP/1.1 102 P\r\n\r\nHTTP/1.1 204 No "
         "Content\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
         false, 204, 2, ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.raw);
      const ResponseParse r = ParseResponse(c.raw, c.at_eof);
      REQUIRE(r.progress == ResponseProgress::kComplete);
      CHECK(r.status == c.status);
      CHECK(r.interim == c.interim);
      CHECK(c.raw.substr(r.body_start, r.body_size) == c.body);
    }
  }

  TEST_CASE("answers still incomplete, and the same at the end") {
    const std::string cases[] = {
        "",
        "HTTP/1.1 200 OK\r\nContent-Len",
        "HTTP/1.1 102 Processing\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\n\r\nno length: read to the end",
    };
    for (const std::string& raw : cases) {
      CAPTURE(raw);
      const ResponseParse r = ParseResponse(raw, false);
      CHECK(r.progress == ResponseProgress::kIncomplete);
    }
    CHECK(ParseResponse(cases[0], true).error == "the answer ended inside its head");
    CHECK(ParseResponse(cases[2], true).error == "the answer ended inside its head");
    CHECK(ParseResponse(cases[2], true).interim == 1);
    CHECK(ParseResponse(cases[3], true).error == "the answer is shorter than its Content-Length");
    CHECK(ParseResponse(cases[4], true).progress == ResponseProgress::kComplete);
  }

  TEST_CASE("answers that are refused") {
    const std::pair<std::string, std::string> cases[] = {
        {"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x status line"},
        {"HTTP/2 200\r\n\r\n", "not an HTTP/1.x status line"},
        {"HTTP/1.1 20x OK\r\n\r\n", "not an HTTP/1.x status line"},
        {"HTTP/1.1 099 Low\r\n\r\n", "not an HTTP/1.x status line"},
        {"HTTP/1.1 2000\r\n\r\n", "not an HTTP/1.x status line"},
        {"HTTP/1.1 200 O\x01K\r\n\r\n", "not an HTTP/1.x status line"},
        {"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "a malformed header line"},
        {"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "a malformed header line"},
        {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "a bad Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", "a bad Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n", "a bad Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
         "a bad Content-Length"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "a Transfer-Encoding (not read)"},
        {"HTTP/1.1 101 Switching Protocols\r\n\r\n", "a protocol switch (101)"},
    };
    for (const auto& [raw, error] : cases) {
      CAPTURE(raw);
      const ResponseParse r = ParseResponse(raw, false);
      CHECK(r.progress == ResponseProgress::kMalformed);
      CHECK(r.error == error);
    }
    std::string loop;
    for (int i = 0; i < 17; ++i) loop += "HTTP/1.1 102 Processing\r\n\r\n";
    CHECK(ParseResponse(loop, false).error == "too many interim answers");
  }
}

}  // namespace
}  // namespace irsa

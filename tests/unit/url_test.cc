#include "base/url.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace irsa {
namespace {

TEST_SUITE("url") {
  TEST_CASE("display never shows the userinfo or the query") {
    struct Case {
      const char* url;
      const char* shown;
    };
    const Case cases[] = {
        {"http://localhost:8899", "http://localhost:8899"},
        {"http://u:PASS@127.0.0.1:1/x?key=K#frag", "http://127.0.0.1:1/x"},
        {"https://irsa-svc.domino-field/map_iam_roles_to_pod_sa",
         "https://irsa-svc.domino-field/map_iam_roles_to_pod_sa"},
        {"https://a@b@host/p", "https://host/p"},
        {"host:80/p?q", "host:80/p"},
        {"", ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.url);
      CHECK(DisplayUrl(c.url) == c.shown);
    }
  }

  TEST_CASE("percent-encoding keeps only the unreserved set") {
    CHECK(PercentEncode("AZaz09-_.~") == "AZaz09-_.~");
    CHECK(PercentEncode("a b+c=d&e/f:g") == "a%20b%2Bc%3Dd%26e%2Ff%3Ag");
    CHECK(PercentEncode("a/b", true) == "a/b");
    CHECK(PercentEncode("\xc3\xa9\x01") == "%C3%A9%01");
    CHECK(PercentEncode("") == "");
    for (const std::string_view in : {"", "plain", "a b/c", "\xff\x00%"}) {
      CHECK(PercentEncodedSize(in) == PercentEncode(in).size());
      CHECK(PercentEncodedSize(in, true) == PercentEncode(in, true).size());
    }
    std::string out = "x=";
    AppendPercentEncoded("a&b", &out);
    CHECK(out == "x=a%26b");
  }

  TEST_CASE("split") {
    const UrlParts p = SplitUrl("https://user:pw@evil.example:8443/steal?x=1#f");
    CHECK(p.scheme == "https");
    CHECK(p.userinfo == "user:pw");
    CHECK(p.authority == "evil.example:8443");
    CHECK(p.path == "/steal");
    CHECK(p.query == "x=1");
  }

  TEST_CASE("join drops the query and doubled slashes, keeps the userinfo") {
    CHECK(JoinUrlPath("http://localhost:8899", "/access-token") ==
          "http://localhost:8899/access-token");
    CHECK(JoinUrlPath("http://localhost:8899//", "/access-token") ==
          "http://localhost:8899/access-token");
    CHECK(JoinUrlPath("http://u:p@h/base/?key=K", "/access-token") ==
          "http://u:p@h/base/access-token");
  }
}

}  // namespace
}  // namespace irsa

// CurlAcceptsUrl and CheckUrlSettings: libcurl's own parser, at settings time.
#include "os/url_check.h"

#include <doctest/doctest.h>

#include <string>

#include "settings/invocation.h"

namespace irsa {
namespace {

std::string SettingsError(const std::vector<std::string>& args) {
  Invocation inv;
  std::string err;
  REQUIRE_MESSAGE(ParseInvocation(args, {}, "", &inv, &err), err);
  return CheckUrlSettings(inv.settings, &err) ? "" : err;
}

TEST_SUITE("url check") {
  TEST_CASE("CurlAcceptsUrl") {
    std::string why;
    CHECK(CurlAcceptsUrl("https://irsa-svc.domino-field/map_iam_roles_to_pod_sa", &why));
    CHECK(CurlAcceptsUrl("http://[::1]:8080/x?q=1", &why));
    CHECK(CurlAcceptsUrl("http://127.0.0.1:65535/", &why));
    CHECK_FALSE(CurlAcceptsUrl("http://127.0.0.1:99999/x", &why));
    CHECK(why == "Port number was not a decimal number between 0 and 65535");
    CHECK_FALSE(CurlAcceptsUrl("http://[::1/x", &why));
    CHECK(why == "Bad IPv6 address");
  }

  TEST_CASE("every URL setting is checked, named with its origin, without secrets") {
    CHECK(SettingsError({"status", "--endpoint", "http://127.0.0.1:99999/x"}) ==
          "endpoint (flag --endpoint): 'http://127.0.0.1:99999/x' is not a URL libcurl accepts: "
          "Port number was not a decimal number between 0 and 65535");
    CHECK(SettingsError({"status", "--api-proxy", "http://u:PASSWORD@[::1/x?sig=SECRET"}) ==
          "api-proxy (flag --api-proxy): 'http://[::1/x' is not a URL libcurl accepts: Bad IPv6 "
          "address");
    CHECK(SettingsError({"status", "--sts-endpoint", "https://sts.example:70000/"})
              .starts_with("sts-endpoint (flag --sts-endpoint): 'https://sts.example:70000/'"));
    CHECK(SettingsError({"status", "--endpoint", "http://127.0.0.1:8080/x", "--api-proxy",
                         "http://[::1]:8899", "--sts-endpoint",
                         "https://sts.us-east-1.amazonaws.com/"}) == "");
    CHECK(SettingsError({"status"}) == "");
  }
}

}  // namespace
}  // namespace irsa

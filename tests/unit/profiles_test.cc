// Tests for profiles.h: the listing of a published config, text and JSON.
#include "domain/profiles.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace irsa {
namespace {

// What render.cc writes for the reference answer's first pair, plus a
// [default] section and a broken profile a hand edit left behind.
constexpr char kConfig[] =
    "# Written by irsa-agent from the IAM role mapping. Do not edit: it is rewritten.\n"
    "[profile acme-list-bucket-role]\n"
    "source_profile = src_acme-list-bucket-role\n"
    "role_arn = arn:aws:iam::524112250363:role/acme-list-bucket-role\n"
    "region = eu-west-1\n"
    "\n"
    "[profile src_acme-list-bucket-role]\n"
    "web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n"
    "role_arn = arn:aws:iam::946429944765:role/acme-list-bucket-role\n"
    "region = eu-west-1\n"
    "\n"
    "[profile half]\n"
    "source_profile = src_half\n"
    "role_arn = arn:aws:iam::524112250363:role/half\n";

TEST_SUITE("profiles") {
  TEST_CASE("ListProfiles and the text table") {
    ProfileListing listing;
    std::string err;
    REQUIRE(ListProfiles(kConfig, &listing, &err));
    CHECK(listing.available ==
          std::vector<std::string>{"acme-list-bucket-role", "src_acme-list-bucket-role", "half"});
    REQUIRE(listing.pairs.size() == 1);
    CHECK(listing.pairs[0].region == "eu-west-1");
    CHECK(listing.dropped == std::vector<std::string>{"half: no [profile src_half]"});
    // The ROLE column is as wide as its longest ARN (52 characters) plus two.
    CHECK(
        RenderProfilesText(listing) ==
        "PROFILE                    ACCOUNT       ROLE" + std::string(50, ' ') +
            "PROXY ROLE\n"
            "acme-list-bucket-role      524112250363  arn:aws:iam::524112250363:role/acme-list-buck"
            "et-role  arn:aws:iam::946429944765:role/acme-list-bucket-role\n"
            "src_acme-list-bucket-role  946429944765  arn:aws:iam::946429944765:role/acme-list-buck"
            "et-role  (web identity)\n"
            "half                       -             -" +
            std::string(53, ' ') + "-\n");
  }

  TEST_CASE("RenderProfilesJson") {
    ProfileListing listing;
    std::string err;
    REQUIRE(ListProfiles(kConfig, &listing, &err));
    const nlohmann::json j =
        nlohmann::json::parse(RenderProfilesJson(listing, "/var/run/.aws/config"), nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["config_file"] == "/var/run/.aws/config");
    CHECK(j["profiles"] ==
          nlohmann::json({"acme-list-bucket-role", "src_acme-list-bucket-role", "half"}));
    CHECK(j["roles"] ==
          nlohmann::json::array(
              {{{"profile", "acme-list-bucket-role"},
                {"role_arn", "arn:aws:iam::524112250363:role/acme-list-bucket-role"},
                {"account", "524112250363"},
                {"source_profile", "src_acme-list-bucket-role"},
                {"proxy_role_arn", "arn:aws:iam::946429944765:role/acme-list-bucket-role"},
                {"proxy_account", "946429944765"},
                {"region", "eu-west-1"}}}));
    CHECK(j["dropped"] == nlohmann::json({"half: no [profile src_half]"}));
  }

  TEST_CASE("an empty config, [default], bare sections and a file botocore refuses") {
    ProfileListing listing;
    std::string err;
    REQUIRE(ListProfiles("# nothing yet\n", &listing, &err));
    CHECK(listing.available.empty());
    CHECK(RenderProfilesText(listing) == "PROFILE  ACCOUNT  ROLE  PROXY ROLE\n");
    REQUIRE(ListProfiles("[default]\nregion = us-east-1\n[bare]\nregion = x\n", &listing, &err));
    CHECK(listing.available == std::vector<std::string>{"default"});
    CHECK_FALSE(ListProfiles("[profile a]\nno equals\n", &listing, &err));
    CHECK(err == "config:2: not a section header, entry or comment");
  }
}

}  // namespace
}  // namespace irsa

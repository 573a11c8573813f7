#include "core/render.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/aws_config.h"
#include "unit/test_util.h"

namespace irsa {
namespace {

constexpr char kStableTokenPath[] = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
constexpr char kComment[] =
    "# Written by irsa-agent from the IAM role mapping. Do not edit: it is rewritten.\n";

std::vector<ProfilePair> ParsePairs(const std::string& body) {
  MappingAnswer answer;
  std::string err;
  REQUIRE(ParseMappingAnswer(body, &answer, &err));
  REQUIRE(answer.dropped.empty());
  return answer.pairs;
}

RoleArn MakeArn(const std::string& account, const std::string& path, const std::string& name) {
  RoleArn arn;
  arn.partition = "aws";
  arn.account = account;
  arn.path = path;
  arn.name = name;
  return arn;
}

TEST_SUITE("render") {
  TEST_CASE("the reference answer renders to the reference file, byte for byte") {
    const std::vector<ProfilePair> pairs = ParsePairs(ReadTestdata("reference-answer.conf"));
    const std::string rendered = RenderConfig(pairs, {kStableTokenPath, "us-west-2"});
    CHECK(rendered == ReadTestdata("reference-rendered.conf"));
  }

  TEST_CASE("rendering is deterministic") {
    const std::vector<ProfilePair> pairs = ParsePairs(ReadTestdata("reference-answer.conf"));
    const RenderOptions options{kStableTokenPath, "eu-central-1"};
    const std::string first = RenderConfig(pairs, options);
    CHECK(RenderConfig(pairs, options) == first);
    CHECK(RenderConfig(ParsePairs(ReadTestdata("reference-answer.conf")), options) == first);
  }

  TEST_CASE("no pairs: only the comment line") {
    CHECK(RenderConfig({}, {kStableTokenPath, "us-west-2"}) == kComment);
    CHECK(RenderConfig({}, {"", ""}) == kComment);
  }

  TEST_CASE("exact layout of one pair, without a region") {
    const ProfilePair pair{"a", MakeArn("524112250363", "/", "a"),
                           MakeArn("946429944765", "/", "a"), "", ""};
    CHECK(RenderConfig({pair}, {"/t", ""}) == std::string(kComment) +
                                                  "[profile a]\n"
                                                  "source_profile = src_a\n"
                                                  "role_arn = arn:aws:iam::524112250363:role/a\n"
                                                  "\n"
                                                  "[profile src_a]\n"
                                                  "web_identity_token_file = /t\n"
                                                  "role_arn = arn:aws:iam::946429944765:role/a\n"
                                                  "\n");
  }

  TEST_CASE("every value comes from validated data and settings") {
    // The answer hard-codes the token path and writes role_arn=... unspaced;
    // neither may leak into the output.
    const std::string body =
        "[profile a]\nsource_profile=src_a\nrole_arn=arn:aws:iam::524112250363:role/a\n"
        "[profile src_a]\nweb_identity_token_file=/var/run/secrets/eks.amazonaws.com/"
        "serviceaccount/token\nrole_arn=arn:aws:iam::946429944765:role/team/data/a\n";
    const std::string rendered = RenderConfig(ParsePairs(body), {"/custom/token", "us-east-1"});
    CHECK(rendered.find("/var/run/secrets") == std::string::npos);
    CHECK(rendered.find("web_identity_token_file = /custom/token\n") != std::string::npos);
    CHECK(rendered.find("role_arn=") == std::string::npos);
    CHECK(rendered.find("role_arn = arn:aws:iam::946429944765:role/team/data/a\n") !=
          std::string::npos);
    CHECK(rendered.find("region = us-east-1\n") != std::string::npos);
  }

  TEST_CASE("a hand-built ARN without a path renders the root path") {
    const ProfilePair pair{"a", MakeArn("524112250363", "", "a"), MakeArn("946429944765", "", "a"),
                           "", ""};
    const std::string rendered = RenderConfig({pair}, {"/t", ""});
    CHECK(rendered.find("role_arn = arn:aws:iam::524112250363:role/a\n") != std::string::npos);
  }

  TEST_CASE("the output reads back as the same pairs") {
    const std::string body = ReadTestdata("reference-answer.conf") +
                             "[profile a+b=c,d.e@f]\nsource_profile = src_a+b=c,d.e@f\n"
                             "role_arn = arn:aws-cn:iam::123456789012:role/p/q/a+b=c,d.e@f\n"
                             "[profile src_a+b=c,d.e@f]\nweb_identity_token_file = /t\n"
                             "role_arn = arn:aws-cn:iam::210987654321:role/x\n";
    const std::vector<ProfilePair> pairs = ParsePairs(body);
    REQUIRE(pairs.size() == 3);
    // Without a region the output is itself a valid answer with the same pairs.
    const std::vector<ProfilePair> again = ParsePairs(RenderConfig(pairs, {"/t", ""}));
    REQUIRE(again.size() == pairs.size());
    for (size_t i = 0; i < pairs.size(); ++i) {
      CHECK(again[i].name == pairs[i].name);
      CHECK(again[i].target_role.ToString() == pairs[i].target_role.ToString());
      CHECK(again[i].proxy_role.ToString() == pairs[i].proxy_role.ToString());
    }
    // With a region: two sections of three entries per pair.
    std::vector<ConfigSection> sections;
    std::string err;
    REQUIRE(ParseAwsConfig(RenderConfig(pairs, {"/t", "cn-north-1"}), "config", &sections, &err));
    REQUIRE(sections.size() == 6);
    CHECK(sections[4].header == "profile a+b=c,d.e@f");
    CHECK(sections[5].header == "profile src_a+b=c,d.e@f");
    for (const ConfigSection& s : sections) {
      REQUIRE(s.entries.size() == 3);
      CHECK(s.entries[2].key == "region");
      CHECK(s.entries[2].value == "cn-north-1");
    }
    CHECK(sections[4].entries[0].value == "src_a+b=c,d.e@f");
  }
}

}  // namespace
}  // namespace irsa

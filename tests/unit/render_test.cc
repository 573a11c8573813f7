#include "domain/render.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "domain/aws_config.h"
#include "unit/test_util.h"

namespace irsa {
namespace {

constexpr char kStableTokenPath[] = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
constexpr char kComment[] =
    "# Written by irsa-agent from the IAM role mapping. Do not edit: it is rewritten.\n";

RenderOptions Opts(const std::string& token_file, const std::string& region) {
  RenderOptions options;
  options.web_identity_token_file = token_file;
  options.region = region;
  return options;
}

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
    const std::string rendered = RenderConfig(pairs, Opts(kStableTokenPath, "us-west-2"));
    CHECK(rendered == ReadTestdata("reference-rendered.conf"));
  }

  TEST_CASE("rendering is deterministic") {
    const std::vector<ProfilePair> pairs = ParsePairs(ReadTestdata("reference-answer.conf"));
    const RenderOptions options = Opts(kStableTokenPath, "eu-central-1");
    const std::string first = RenderConfig(pairs, options);
    CHECK(RenderConfig(pairs, options) == first);
    CHECK(RenderConfig(ParsePairs(ReadTestdata("reference-answer.conf")), options) == first);
  }

  TEST_CASE("no pairs: only the comment line") {
    CHECK(RenderConfig({}, Opts(kStableTokenPath, "us-west-2")) == kComment);
    CHECK(RenderConfig({}, Opts("", "")) == kComment);
  }

  TEST_CASE("exact layout of one pair, without a region") {
    const ProfilePair pair{"a", MakeArn("524112250363", "/", "a"),
                           MakeArn("946429944765", "/", "a"), "", ""};
    CHECK(RenderConfig({pair}, Opts("/t", "")) ==
          std::string(kComment) +
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
    const std::string rendered = RenderConfig(ParsePairs(body), Opts("/custom/token", "us-east-1"));
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
    const std::string rendered = RenderConfig({pair}, Opts("/t", ""));
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
    const std::vector<ProfilePair> again = ParsePairs(RenderConfig(pairs, Opts("/t", "")));
    REQUIRE(again.size() == pairs.size());
    for (size_t i = 0; i < pairs.size(); ++i) {
      CHECK(again[i].name == pairs[i].name);
      CHECK(again[i].target_role.ToString() == pairs[i].target_role.ToString());
      CHECK(again[i].proxy_role.ToString() == pairs[i].proxy_role.ToString());
    }
    // With a region: two sections of three entries per pair.
    std::vector<ConfigSection> sections;
    std::string err;
    REQUIRE(
        ParseAwsConfig(RenderConfig(pairs, Opts("/t", "cn-north-1")), "config", &sections, &err));
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

  TEST_CASE("chain style: role_session_name in both profiles, and it reads back") {
    const ProfilePair pair{"a", MakeArn("524112250363", "/", "a"),
                           MakeArn("946429944765", "/", "a"), "", ""};
    RenderOptions options = Opts("/t", "us-east-1");
    options.session_name = "alice@6527182438a6346046006654";
    const std::string rendered = RenderConfig({pair}, options);
    CHECK(rendered == std::string(kComment) +
                          "[profile a]\n"
                          "source_profile = src_a\n"
                          "role_arn = arn:aws:iam::524112250363:role/a\n"
                          "role_session_name = alice@6527182438a6346046006654\n"
                          "region = us-east-1\n"
                          "\n"
                          "[profile src_a]\n"
                          "web_identity_token_file = /t\n"
                          "role_arn = arn:aws:iam::946429944765:role/a\n"
                          "role_session_name = alice@6527182438a6346046006654\n"
                          "region = us-east-1\n"
                          "\n");
    MappingAnswer published;
    std::string err;
    REQUIRE(ParsePublishedConfig(rendered, &published, &err));
    CHECK(published.dropped.empty());
    REQUIRE(published.pairs.size() == 1);
  }

  TEST_CASE("process style: credential_process and region only, and it reads back") {
    const ProfilePair pair{"a", MakeArn("524112250363", "/", "a"),
                           MakeArn("946429944765", "/p/", "a"), "", ""};
    RenderOptions options = Opts("/var/run/sa token", "us-east-1");
    options.session_name = "alice@run1";
    options.style = ProfileStyle::kProcess;
    options.binary = "/opt/my tools/irsa-agent";
    options.socket = "/var/run/.aws/irsa-agent.sock";
    options.sts_endpoint = "https://sts.example:8443";
    options.source_identity = "alice";
    options.tags = {{"domino-user", "alice"}, {"domino-project", "My Project"}};
    const std::string rendered = RenderConfig({pair}, options);
    CHECK(rendered == std::string(kComment) +
                          "[profile a]\n"
                          "credential_process = '/opt/my tools/irsa-agent' credentials a"
                          " --socket /var/run/.aws/irsa-agent.sock"
                          " --role-arn arn:aws:iam::524112250363:role/a"
                          " --source-role-arn arn:aws:iam::946429944765:role/p/a"
                          " --session-name alice@run1 --region us-east-1"
                          " --web-identity-token-file '/var/run/sa token'"
                          " --sts-endpoint https://sts.example:8443 --set-source-identity alice"
                          " --tag domino-user=alice --tag 'domino-project=My Project'\n"
                          "region = us-east-1\n"
                          "\n"
                          "[profile src_a]\n"
                          "credential_process = '/opt/my tools/irsa-agent' credentials src_a"
                          " --socket /var/run/.aws/irsa-agent.sock"
                          " --role-arn arn:aws:iam::946429944765:role/p/a"
                          " --session-name alice@run1 --region us-east-1"
                          " --web-identity-token-file '/var/run/sa token'"
                          " --sts-endpoint https://sts.example:8443\n"
                          "region = us-east-1\n"
                          "\n");
    MappingAnswer published;
    std::string err;
    REQUIRE(ParsePublishedConfig(rendered, &published, &err));
    CHECK(published.dropped.empty());
    REQUIRE(published.pairs.size() == 1);
    CHECK(published.pairs[0].name == "a");
    CHECK(published.pairs[0].target_role.ToString() == "arn:aws:iam::524112250363:role/a");
    CHECK(published.pairs[0].proxy_role.ToString() == "arn:aws:iam::946429944765:role/p/a");
    CHECK(published.pairs[0].region == "us-east-1");
    // A mapping answer never gets this reading: credential_process is unknown there.
    MappingAnswer answer;
    REQUIRE(ParseMappingAnswer(rendered, &answer, &err));
    CHECK(answer.pairs.empty());
  }
}

}  // namespace
}  // namespace irsa

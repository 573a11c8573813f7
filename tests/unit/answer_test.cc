#include "domain/answer.h"

#include <doctest/doctest.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "unit/test_util.h"

namespace irsa {
namespace {

constexpr char kTokenPath[] = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";

std::string Arn(const std::string& account, const std::string& name) {
  return "arn:aws:iam::" + account + ":role/" + name;
}

// The sections the reference service writes for role `name`.
std::string Target(const std::string& name) {
  return "[profile " + name + "]\nsource_profile = src_" + name +
         "\nrole_arn = " + Arn("524112250363", name) + "\n";
}
std::string Source(const std::string& name) {
  return "[profile src_" + name + "]\nweb_identity_token_file = " + kTokenPath +
         "\nrole_arn = " + Arn("946429944765", name) + "\n";
}
std::string Pair(const std::string& name) { return Target(name) + Source(name); }

std::vector<std::string> Names(const MappingAnswer& answer) {
  std::vector<std::string> names;
  for (const ProfilePair& p : answer.pairs) names.push_back(p.name);
  return names;
}

struct Case {
  const char* name;
  std::string body;
  std::vector<std::string> pairs;
  std::vector<std::string> dropped;
};

void CheckCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO(c.name);
    MappingAnswer answer;
    std::string err;
    REQUIRE(ParseMappingAnswer(c.body, &answer, &err));
    CHECK(err.empty());
    CHECK(Names(answer) == c.pairs);
    CHECK(answer.dropped == c.dropped);
  }
}

TEST_SUITE("answer") {
  TEST_CASE("the reference answer gives both pairs in order") {
    const std::string body = ReadTestdata("reference-answer.conf");
    for (const std::string& variant : {body, body.substr(0, body.size() - 1)}) {
      MappingAnswer answer;
      std::string err;
      REQUIRE(ParseMappingAnswer(variant, &answer, &err));
      CHECK(answer.dropped.empty());
      REQUIRE(answer.pairs.size() == 2);
      const ProfilePair& update = answer.pairs[0];
      CHECK(update.name == "acme-update-bucket-role");
      CHECK(update.target_role.ToString() == Arn("524112250363", "acme-update-bucket-role"));
      CHECK(update.proxy_role.ToString() == Arn("946429944765", "acme-update-bucket-role"));
      CHECK(update.target_role.partition == "aws");
      CHECK(update.target_role.account == "524112250363");
      CHECK(update.proxy_role.account == "946429944765");
      CHECK(answer.pairs[1].name == "acme-list-bucket-role");
      CHECK(answer.pairs[1].target_role.name == "acme-list-bucket-role");
    }
  }

  TEST_CASE("layouts the service or a person may write") {
    CheckCases({
        {"empty body: no roles", "", {}, {}},
        {"only blank lines and comments", "\n\n# no roles\n; none\n\n", {}, {}},
        {"blank lines between sections",
         Target("a") + "\n\n" + Source("a") + "\n" + Pair("b"),
         {"a", "b"},
         {}},
        {"comments between sections",
         "# roles\n" + Target("a") + "; src\n" + Source("a"),
         {"a"},
         {}},
        {"unspaced keys",
         "[profile a]\nsource_profile=src_a\nrole_arn=" + Arn("524112250363", "a") +
             "\n[profile src_a]\nweb_identity_token_file=/t\nrole_arn=" + Arn("946429944765", "a") +
             "\n",
         {"a"},
         {}},
        {"tabs and runs of spaces after 'profile'",
         "[profile\ta]\nsource_profile = src_a\nrole_arn = " + Arn("524112250363", "a") +
             "\n[profile   src_a]\nweb_identity_token_file = /t\nrole_arn = " +
             Arn("946429944765", "a") + "\n",
         {"a"},
         {}},
        {"sources before targets: pairs follow the targets",
         Source("b") + Source("a") + Target("a") + Target("b"),
         {"a", "b"},
         {}},
        {"key order inside a section does not matter",
         "[profile a]\nrole_arn = " + Arn("524112250363", "a") + "\nsource_profile = src_a\n" +
             Source("a"),
         {"a"},
         {}},
        {"role names with + = , . @ _", Pair("a+b=c,d.e@f_g-h"), {"a+b=c,d.e@f_g-h"}, {}},
        {"64-character role name", Pair(std::string(64, 'r')), {std::string(64, 'r')}, {}},
        {"a role named src_x is a target like any other", Pair("src_x"), {"src_x"}, {}},
    });
  }

  TEST_CASE("sections that are not [profile NAME] are dropped") {
    CheckCases({
        {"[default]",
         "[default]\nregion = us-east-1\n" + Pair("a"),
         {"a"},
         {"[default]: not a profile section"}},
        {"[DEFAULT], configparser's defaults",
         "[DEFAULT]\nrole_arn = x\n" + Pair("a"),
         {"a"},
         {"[DEFAULT]: not a profile section"}},
        {"bare [NAME] pair",
         "[a]\nsource_profile = src_a\nrole_arn = " + Arn("524112250363", "a") + "\n" + Source("a"),
         {},
         {"[a]: not a profile section", "src_a: no [profile a] uses it"}},
        {"other section kinds",
         "[sso-session s]\nsso_region = x\n[services s]\n[profile]\n[profilex y]\n" + Pair("a"),
         {"a"},
         {"[sso-session s]: not a profile section", "[services s]: not a profile section",
          "[profile]: not a profile section", "[profilex y]: not a profile section"}},
        {"a profile named default", Pair("default"), {}, {"default: reserved profile name"}},
    });
  }

  TEST_CASE("pairs with wrong keys are dropped, naming the key") {
    const std::string arn_a = Arn("524112250363", "a");
    const std::string target_head = "[profile a]\nsource_profile = src_a\n";
    CheckCases({
        {"repeated target key",
         target_head + "role_arn = " + arn_a + "\nrole_arn = " + arn_a + "\n" + Source("a"),
         {},
         {"a: repeated key role_arn"}},
        {"repeated source_profile",
         Target("a") + "source_profile = src_a\n" + Source("a"),
         {},
         {"a: repeated key source_profile"}},
        {"repeated source key",
         Target("a") + Source("a") + "web_identity_token_file = /other\n",
         {},
         {"src_a: repeated key web_identity_token_file"}},
        {"unknown target key",
         Target("a") + "region = us-east-1\n" + Source("a"),
         {},
         {"a: unknown key region"}},
        {"unknown source key",
         Target("a") + Source("a") + "duration_seconds = 43200\n",
         {},
         {"src_a: unknown key duration_seconds"}},
        {"credential_process is not passed through",
         Target("a") + Source("a") + "credential_process = /bin/sh -c x\n",
         {},
         {"src_a: unknown key credential_process"}},
        {"keys are case-sensitive",
         target_head + "Role_Arn = " + arn_a + "\n" + Source("a"),
         {},
         {"a: unknown key Role_Arn"}},
        {"unknown key with a control character is shown escaped",
         Target("a") + "x\x01y = 1\n" + Source("a"),
         {},
         {"a: unknown key x\\x01y"}},
        {"target without role_arn", target_head + Source("a"), {}, {"a: missing role_arn"}},
        {"source without web_identity_token_file",
         Target("a") + "[profile src_a]\nrole_arn = " + Arn("946429944765", "a") + "\n",
         {},
         {"src_a: missing web_identity_token_file"}},
        {"empty source section",
         Target("a") + "[profile src_a]\n",
         {},
         {"src_a: missing web_identity_token_file"}},
        {"empty role_arn",
         target_head + "role_arn =\n" + Source("a"),
         {},
         {"a: role_arn: empty value"}},
        {"empty web_identity_token_file",
         Target("a") + "[profile src_a]\nweb_identity_token_file =\nrole_arn = " +
             Arn("946429944765", "a") + "\n",
         {},
         {"src_a: web_identity_token_file: empty value"}},
        {"tab inside role_arn",
         target_head + "role_arn = " + arn_a + "\tx\n" + Source("a"),
         {},
         {"a: role_arn: control character in value"}},
        {"escape inside the token path",
         Target("a") + "[profile src_a]\nweb_identity_token_file = /t\x1b[0m\nrole_arn = " +
             Arn("946429944765", "a") + "\n",
         {},
         {"src_a: web_identity_token_file: control character in value"}},
        {"DEL inside source_profile",
         "[profile a]\nsource_profile = src_\x7f"
         "a\nrole_arn = " +
             arn_a + "\n" + Source("a"),
         {},
         {"a: source_profile: control character in value"}},
        {"only the first problem of a pair is named",
         target_head + "foo = 1\n[profile src_a]\nbar = 2\n",
         {},
         {"a: unknown key foo"}},
    });
  }

  TEST_CASE("pairs that do not fit together are dropped") {
    CheckCases({
        {"target without its source", Target("a") + Pair("b"), {"b"}, {"a: no [profile src_a]"}},
        {"source without a target",
         Source("a") + Pair("b"),
         {"b"},
         {"src_a: no [profile a] uses it"}},
        {"profile without source_profile",
         "[profile a]\nrole_arn = " + Arn("524112250363", "a") + "\n",
         {},
         {"a: missing source_profile"}},
        {"source_profile names itself",
         "[profile a]\nsource_profile = a\nrole_arn = " + Arn("524112250363", "a") + "\n" +
             Source("a"),
         {},
         {"a: source_profile must be src_a"}},
        {"source_profile names another pair's source",
         "[profile a]\nsource_profile = src_b\nrole_arn = " + Arn("524112250363", "a") + "\n" +
             Source("a") + Pair("b"),
         {"b"},
         {"a: source_profile must be src_a"}},
        {"source_profile with an inline comment",
         "[profile a]\nsource_profile = src_a # x\nrole_arn = " + Arn("524112250363", "a") + "\n" +
             Source("a"),
         {},
         {"a: source_profile must be src_a"}},
        {"duplicate target: every copy dropped",
         Pair("a") + Target("a") + Pair("b"),
         {"b"},
         {"a: duplicate profile", "src_a: no [profile a] uses it"}},
        {"duplicate source: every copy dropped",
         Pair("a") + Source("a"),
         {},
         {"a: no [profile src_a]", "src_a: duplicate profile"}},
        {"a target src_x does not serve as x's source",
         Target("x") + Pair("src_x"),
         {"src_x"},
         {"x: no [profile src_x]"}},
        {"dropped lines follow the answer's order, not the checks'",
         Source("o") + "[default]\n" + Target("m") + Pair("ok") + Target("d") + Target("d"),
         {"ok"},
         {"src_o: no [profile o] uses it", "[default]: not a profile section",
          "m: no [profile src_m]", "d: duplicate profile"}},
        {"a source's fault is reported at the source's place",
         Target("a") + "[default]\n[profile src_a]\n",
         {},
         {"[default]: not a profile section", "src_a: missing web_identity_token_file"}},
    });
  }

  TEST_CASE("role ARNs are checked with the ARN grammar") {
    const std::string target_head = "[profile a]\nsource_profile = src_a\n";
    const auto with_target_arn = [&](const std::string& arn) {
      return target_head + "role_arn = " + arn + "\n" + Source("a");
    };
    const auto with_proxy_arn = [&](const std::string& arn) {
      return Target("a") + "[profile src_a]\nweb_identity_token_file = /t\nrole_arn = " + arn +
             "\n";
    };
    CheckCases({
        {"other service",
         with_target_arn("arn:aws:s3:::bucket"),
         {},
         {"a: role_arn: service must be iam, not 's3'"}},
        {"11-digit account",
         with_target_arn("arn:aws:iam::52411225036:role/a"),
         {},
         {"a: role_arn: account must be 12 digits"}},
        {"unknown partition",
         with_target_arn("arn:aws-mars:iam::524112250363:role/a"),
         {},
         {"a: role_arn: unknown partition 'aws-mars'"}},
        {"a user, not a role",
         with_target_arn("arn:aws:iam::524112250363:user/a"),
         {},
         {"a: role_arn: resource must start with role/"}},
        {"not an ARN",
         with_target_arn("a"),
         {},
         {"a: role_arn: expected arn:PARTITION:iam::ACCOUNT:role/NAME"}},
        {"inline comment after the ARN",
         with_target_arn("arn:aws:iam::524112250363:role/a # main"),
         {},
         {"a: role_arn: role name must be 1 to 64 of A-Z a-z 0-9 _+=,.@-"}},
        {"bad proxy ARN",
         with_proxy_arn("arn:aws:iam::9467:role/a"),
         {},
         {"src_a: role_arn: account must be 12 digits"}},
        {"path ARNs are valid",
         with_target_arn("arn:aws:iam::123456789012:role/team/data/x"),
         {"a"},
         {}},
    });
    const std::array<std::string, 8> partitions = {"aws",       "aws-cn",    "aws-us-gov",
                                                   "aws-iso",   "aws-iso-b", "aws-iso-e",
                                                   "aws-iso-f", "aws-eusc"};
    for (const std::string& partition : partitions) {
      INFO(partition);
      const std::string arn = "arn:" + partition + ":iam::123456789012:role/a";
      MappingAnswer answer;
      std::string err;
      REQUIRE(ParseMappingAnswer(with_proxy_arn(arn), &answer, &err));
      REQUIRE(answer.pairs.size() == 1);
      CHECK(answer.pairs[0].proxy_role.partition == partition);
      CHECK(answer.pairs[0].proxy_role.ToString() == arn);
    }
  }

  TEST_CASE("names that could break a section header or confuse an SDK are dropped") {
    const auto named = [](const std::string& name) {
      return "[profile " + name + "]\nsource_profile = src_" + name +
             "\nrole_arn = " + Arn("524112250363", "a") + "\n[profile src_" + name +
             "]\nweb_identity_token_file = /t\nrole_arn = " + Arn("946429944765", "a") + "\n";
    };
    CheckCases({
        {"] inside the name", named("a]b"), {}, {"a]b: not a valid IAM role name"}},
        {"a second header on the same line",
         named("x] [profile y"),
         {},
         {"x] [profile y: not a valid IAM role name"}},
        {"space inside the name", named("a b"), {}, {"a b: not a valid IAM role name"}},
        {"quoted name, which botocore would unquote",
         named("'a b'"),
         {},
         {"'a b': not a valid IAM role name"}},
        {"# inside the name", named("a#b"), {}, {"a#b: not a valid IAM role name"}},
        {"slash inside the name", named("team/a"), {}, {"team/a: not a valid IAM role name"}},
        {"non-ASCII name", named("caf\xc3\xa9"), {}, {"caf\\xc3\\xa9: not a valid IAM role name"}},
        {"65-character name",
         named(std::string(65, 'r')),
         {},
         {std::string(64, 'r') + "...: not a valid IAM role name"}},
        {"orphan source with a bad name",
         "[profile src_a b]\nrole_arn = x\n",
         {},
         {"src_a b: not a valid IAM role name"}},
        {"profile with a bad name and no source_profile",
         "[profile a b]\nrole_arn = x\n",
         {},
         {"a b: not a valid IAM role name"}},
    });
  }

  TEST_CASE("text smuggled into values becomes separate, separately judged lines") {
    // A value cannot hold a newline: what follows one is a line of its own.
    const std::string body = Target("a") + "[profile src_a]\nweb_identity_token_file = /t\n" +
                             "role_arn = " + Arn("946429944765", "a") + "\n" +
                             "[profile src_a]\nweb_identity_token_file = /etc/shadow\n" +
                             "role_arn = " + Arn("111111111111", "evil") + "\n" + Pair("b");
    CheckCases({
        {"an injected second src_a voids both copies",
         body,
         {"b"},
         {"a: no [profile src_a]", "src_a: duplicate profile"}},
        {"an injected section is judged on its own",
         Pair("a") + "[profile evil]\ncredential_process = /bin/sh\n",
         {"a"},
         {"evil: missing source_profile"}},
        {"a literal backslash-n stays inside the value",
         "[profile a]\nsource_profile = src_a\nrole_arn = " + Arn("524112250363", "a") +
             "\\n[profile evil]\n" + Source("a"),
         {},
         {"a: role_arn: role name must be 1 to 64 of A-Z a-z 0-9 _+=,.@-"}},
    });
    MappingAnswer answer;
    std::string err;
    CHECK_FALSE(ParseMappingAnswer(Target("a") + "x = 1\r[profile evil]\n", &answer, &err));
    CHECK(err == "answer:4: carriage return");
  }

  TEST_CASE("texts that are not a config file are rejected as a whole") {
    using namespace std::string_literals;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {Pair("a") + "k = \0\n"s, "answer:7: NUL byte"},
        {Pair("a") + "k = \xff\n", "answer:7: invalid UTF-8"},
        {"[profile a]\r\n", "answer:1: carriage return"},
        {Pair("a") + "  role_arn = x\n", "answer:7: indented line (a continuation in botocore)"},
        {"role_arn = x\n" + Pair("a"), "answer:1: entry before the first section"},
        {Pair("a") + "<html>\n", "answer:7: not a section header, entry or comment"},
    };
    for (const auto& [body, want] : cases) {
      INFO(want);
      MappingAnswer answer;
      answer.dropped = {"untouched"};
      std::string err;
      CHECK_FALSE(ParseMappingAnswer(body, &answer, &err));
      CHECK(err == want);
      CHECK(answer.dropped == std::vector<std::string>{"untouched"});
    }
  }

  TEST_CASE("an answer is publishable unless it lists profiles and no valid pair") {
    struct Publishable {
      const char* name;
      std::string body;
      bool publishable;
      const char* why;
    };
    const std::vector<Publishable> cases = {
        {"no roles at all", "", true, ""},
        {"only comments", "# nothing mapped\n", true, ""},
        {"a valid pair and a broken one", Pair("a") + Target("b"), true, ""},
        {"every pair broken", Target("b") + Source("c"), false,
         "no valid profile pair (2 profiles left out, the first: b: no [profile src_b])"},
        {"one section that is not a profile", "[default]\nregion = x\n", false,
         "no valid profile pair (1 profile left out, the first: [default]: not a profile "
         "section)"},
    };
    for (const Publishable& c : cases) {
      INFO(c.name);
      MappingAnswer answer;
      std::string err;
      REQUIRE(ParseMappingAnswer(c.body, &answer, &err));
      std::string why;
      CHECK(IsPublishable(answer, &why) == c.publishable);
      CHECK(why == c.why);
    }
  }

  TEST_CASE("twenty thousand pairs listed targets first all pair up") {
    // About 3 MB, beyond the service's cap: each target finds its source by
    // name wherever it is (bench/answer_worst_case times this shape).
    std::string targets;
    std::string sources;
    for (int i = 0; i < 20000; ++i) {
      targets += Target("r" + std::to_string(i));
      sources += Source("r" + std::to_string(i));
    }
    MappingAnswer answer;
    std::string err;
    REQUIRE(ParseMappingAnswer(targets + sources, &answer, &err));
    CHECK(answer.pairs.size() == 20000);
    CHECK(answer.dropped.empty());
    CHECK(answer.pairs.back().name == "r19999");
  }
}

}  // namespace
}  // namespace irsa

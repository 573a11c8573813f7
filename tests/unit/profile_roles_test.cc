// FindProfileRoles: a published profile read back as roles and session name,
// in both styles, and the lookups that fail.
#include "domain/profile_roles.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "domain/credential_process.h"

namespace irsa {
namespace {

constexpr char kTarget[] = "arn:aws:iam::524112250363:role/acme";
constexpr char kProxy[] = "arn:aws:iam::946429944765:role/acme";

constexpr char kChain[] = R"(# Written by irsa-agent
[profile acme]
source_profile = src_acme
role_arn = arn:aws:iam::524112250363:role/acme
role_session_name = alice@run-1
region = us-west-2

[profile src_acme]
web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token
role_arn = arn:aws:iam::946429944765:role/acme
role_session_name = alice@run-1
region = us-west-2
)";

struct Found {
  ProfileLookup lookup;
  ProfileRoles roles;
  std::vector<std::string> names;
  std::string err;
};

Found Find(std::string_view text, std::string_view name) {
  Found f;
  f.lookup = FindProfileRoles(text, name, &f.roles, &f.names, &f.err);
  return f;
}

TEST_SUITE("profile_roles") {
  TEST_CASE("chain style: the target through its source profile, the proxy alone") {
    Found f = Find(kChain, "acme");
    REQUIRE(f.lookup == ProfileLookup::kFound);
    CHECK(f.roles.role_arn == kTarget);
    CHECK(f.roles.source_role_arn == kProxy);
    CHECK(f.roles.session_name == "alice@run-1");
    CHECK(f.roles.region == "us-west-2");
    CHECK(f.roles.web_identity_token_file ==
          "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
    CHECK(f.names == std::vector<std::string>{"acme", "src_acme"});
    f = Find(kChain, "src_acme");
    REQUIRE(f.lookup == ProfileLookup::kFound);
    CHECK(f.roles.role_arn == kProxy);
    CHECK(f.roles.source_role_arn.empty());
    CHECK(f.roles.web_identity_token_file ==
          "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
  }

  TEST_CASE("process style: the credential_process command's options") {
    ProcessCommand c;
    c.binary = "/usr/local/bin/irsa-agent";
    c.profile = "acme";
    c.socket = "/var/run/.aws/irsa-agent.sock";
    c.role_arn = kTarget;
    c.source_role_arn = kProxy;
    c.session_name = "bob@run-2";
    c.region = "eu-west-1";
    c.web_identity_token_file = "/t";
    const std::string text =
        "[profile acme]\ncredential_process = " + FormatCredentialProcess(c) + "\n";
    const Found f = Find(text, "acme");
    REQUIRE(f.lookup == ProfileLookup::kFound);
    CHECK(f.roles.role_arn == kTarget);
    CHECK(f.roles.source_role_arn == kProxy);
    CHECK(f.roles.session_name == "bob@run-2");
    CHECK(f.roles.region == "eu-west-1");
    CHECK(f.roles.web_identity_token_file == "/t");
  }

  TEST_CASE("Pod Identity chain style: the role alone") {
    const Found f = Find(
        "[profile acme]\nrole_arn = arn:aws:iam::524112250363:role/acme\n"
        "credential_source = EcsContainer\n",
        "acme");
    REQUIRE(f.lookup == ProfileLookup::kFound);
    CHECK(f.roles.role_arn == kTarget);
    CHECK(f.roles.source_role_arn.empty());
    CHECK(f.roles.session_name.empty());
    CHECK(f.roles.web_identity_token_file.empty());
  }

  TEST_CASE("unknown and broken") {
    Found f = Find(kChain, "other");
    CHECK(f.lookup == ProfileLookup::kUnknown);
    CHECK(f.names == std::vector<std::string>{"acme", "src_acme"});
    f = Find("[profile a]\nsource_profile = src_a\nrole_arn = arn:x\n", "a");
    CHECK(f.lookup == ProfileLookup::kBroken);
    CHECK(f.err == "profile a: source_profile src_a is missing");
    f = Find("[profile a]\nregion = x\n", "a");
    CHECK(f.lookup == ProfileLookup::kBroken);
    CHECK(f.err == "profile a has no role_arn");
    f = Find("[profile a]\ncredential_process = /bin/true\n", "a");
    CHECK(f.lookup == ProfileLookup::kBroken);
    CHECK(f.err.starts_with("profile a: credential_process: "));
    f = Find("no section\n", "a");
    CHECK(f.lookup == ProfileLookup::kBroken);
    CHECK(f.names.empty());
    CHECK(f.err.starts_with("config:1:"));
  }
}

}  // namespace
}  // namespace irsa

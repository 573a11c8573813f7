// Tests for credential_process.h: quoting, the shell-like split, read-back.
#include "domain/credential_process.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace irsa {
namespace {

using Words = std::vector<std::string>;

TEST_SUITE("credential_process") {
  TEST_CASE("ShellQuote") {
    CHECK(ShellQuote("/usr/bin/irsa-agent") == "/usr/bin/irsa-agent");
    CHECK(ShellQuote("arn:aws:iam::1:role/a+b=c,d.e@f") == "arn:aws:iam::1:role/a+b=c,d.e@f");
    CHECK(ShellQuote("") == "''");
    CHECK(ShellQuote("/a b/c") == "'/a b/c'");
    CHECK(ShellQuote("it's") == "'it'\\''s'");
    CHECK(ShellQuote("$HOME`x`#;&") == "'$HOME`x`#;&'");
  }

  TEST_CASE("SplitCommandLine") {
    struct Case {
      std::string line;
      Words want;
    };
    const Case cases[] = {
        {"a b  c", {"a", "b", "c"}},
        {"  a ", {"a"}},
        {"'/a b/c' x", {"/a b/c", "x"}},
        {"'it'\\''s'", {"it's"}},
        {"\"a \\\"b\\\" \\n\"", {"a \"b\" \\n"}},
        {"a\\ b", {"a b"}},
        {"''", {""}},
        {"", {}},
    };
    for (const Case& c : cases) {
      Words got;
      std::string err;
      INFO(c.line);
      REQUIRE(SplitCommandLine(c.line, &got, &err));
      CHECK(got == c.want);
    }
    const std::pair<std::string, std::string> bad[] = {
        {"'abc", "credential_process: unterminated quote"},
        {"a '", "credential_process: unterminated quote"},
        {"\"abc", "credential_process: unterminated quote"},
        {"abc\\", "credential_process: trailing backslash"},
        {"a\tb", "credential_process: control character"},
    };
    for (const auto& [line, want] : bad) {
      Words got;
      std::string err;
      INFO(line);
      CHECK_FALSE(SplitCommandLine(line, &got, &err));
      CHECK(err == want);
    }
  }

  TEST_CASE("FormatCredentialProcess reads back, through quoting, for every field") {
    ProcessCommand c;
    c.binary = "/x y/it's/irsa-agent";
    c.profile = "a+b";
    c.socket = "/run/a b.sock";
    c.role_arn = "arn:aws:iam::123456789012:role/t";
    c.source_role_arn = "arn:aws:iam::123456789012:role/p";
    c.session_name = "u@r";
    c.region = "eu-west-1";
    c.web_identity_token_file = "/t";
    c.sts_endpoint = "http://127.0.0.1:5000";
    c.source_identity = "u";
    c.tags = {{"k", "v w"}, {"k2", "a=b"}};
    c.ca_file = "/ca.pem";
    ProcessCommand back;
    std::string err;
    REQUIRE(ParseCredentialProcess(FormatCredentialProcess(c), &back, &err));
    CHECK(back == c);
  }

  TEST_CASE("ParseCredentialProcess rejects") {
    const std::pair<std::string, std::string> cases[] = {
        {"irsa-agent once", "credential_process: not `BINARY credentials PROFILE ...`"},
        {"irsa-agent credentials a --role-arn",
         "credential_process: expected --OPTION VALUE at '--role-arn'"},
        {"irsa-agent credentials a --bogus x",
         "credential_process: unexpected, repeated or empty --bogus"},
        {"irsa-agent credentials a --role-arn x --role-arn y",
         "credential_process: unexpected, repeated or empty --role-arn"},
        {"irsa-agent credentials a --tag novalue",
         "credential_process: --tag 'novalue' is not KEY=VALUE"},
        {"irsa-agent credentials a --role-arn x",
         "credential_process: needs --role-arn and --web-identity-token-file"},
    };
    for (const auto& [line, want] : cases) {
      ProcessCommand out;
      std::string err;
      INFO(line);
      CHECK_FALSE(ParseCredentialProcess(line, &out, &err));
      CHECK(err == want);
    }
  }
}

}  // namespace
}  // namespace irsa

#include "domain/aws_config.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "unit/test_util.h"

namespace irsa {
namespace {

// One line per section and entry: "LINE [header]" or "LINE {key}={value}".
std::string Dump(const std::vector<ConfigSection>& sections) {
  std::string out;
  for (const ConfigSection& s : sections) {
    out += std::to_string(s.line) + " [" + s.header + "]\n";
    for (const ConfigEntry& e : s.entries) {
      out += std::to_string(e.line) + " {" + e.key + "}={" + e.value + "}\n";
    }
  }
  return out;
}

struct Accepted {
  const char* name;
  std::string text;
  std::string dump;
};

struct Rejected {
  const char* name;
  std::string text;
  std::string err;
};

TEST_SUITE("aws_config") {
  TEST_CASE("accepted texts and what they parse to") {
    const std::vector<Accepted> cases = {
        {"empty", "", ""},
        {"blank lines and comments only", "\n# c\n; c\n   \n\t\n#\n", ""},
        {"spaced entry", "[profile x]\nkey = value\n", "1 [profile x]\n2 {key}={value}\n"},
        {"unspaced entry", "[profile x]\nkey=value\n", "1 [profile x]\n2 {key}={value}\n"},
        {"tabs and runs of spaces trimmed", "[profile x]\nkey\t=  \tvalue \t\n",
         "1 [profile x]\n2 {key}={value}\n"},
        {"no final newline", "[profile x]\nkey = value", "1 [profile x]\n2 {key}={value}\n"},
        {"split at the first =", "[x]\nkey = a = b=c\n", "1 [x]\n2 {key}={a = b=c}\n"},
        {"empty value kept", "[x]\nkey =\n", "1 [x]\n2 {key}={}\n"},
        {"colon stays in the key", "[x]\na:b = c\n", "1 [x]\n2 {a:b}={c}\n"},
        {"inline comment is part of the value, as in botocore", "[x]\nk = v # note ; more\n",
         "1 [x]\n2 {k}={v # note ; more}\n"},
        {"header trimmed", "[  profile x \t]\n", "1 [profile x]\n"},
        {"trailing blanks after header", "[profile x]  \t\n", "1 [profile x]\n"},
        {"header runs to the last ]", "[profile a]b]\n", "1 [profile a]b]\n"},
        {"brackets inside a header", "[[x]]\n", "1 [[x]]\n"},
        {"blank lines and comments between", "# top\n\n[a]\n\n; c\nk = v\n\n[b]\n#k = w\n",
         "3 [a]\n6 {k}={v}\n8 [b]\n"},
        {"indented comment is a comment", "[a]\n  # note\n\t; note\nk = v\n", "1 [a]\n4 {k}={v}\n"},
        {"comment characters start the line only", "[a]\nk = #v\n", "1 [a]\n2 {k}={#v}\n"},
        {"duplicate sections and keys kept", "[a]\nk = 1\nk = 2\n[a]\n",
         "1 [a]\n2 {k}={1}\n3 {k}={2}\n4 [a]\n"},
        {"section without entries", "[a]\n[b]\n", "1 [a]\n2 [b]\n"},
        {"valid UTF-8", "[a]\nk = \xd0\xb7\xe2\x82\xac\xf0\x9f\x94\x91\n",
         "1 [a]\n2 {k}={\xd0\xb7\xe2\x82\xac\xf0\x9f\x94\x91}\n"},
        {"other control characters left to the caller", "[a]\nk = x\x01y\tz\x7f\n",
         "1 [a]\n2 {k}={x\x01y\tz\x7f}\n"},
    };
    for (const Accepted& c : cases) {
      INFO(c.name);
      std::vector<ConfigSection> sections;
      std::string err;
      REQUIRE(ParseAwsConfig(c.text, "answer", &sections, &err));
      CHECK(err.empty());
      CHECK(Dump(sections) == c.dump);
    }
  }

  TEST_CASE("rejected texts with their exact error") {
    using namespace std::string_literals;
    const std::vector<Rejected> cases = {
        {"NUL byte", "[a]\nk = x\0y\n"s, "answer:2: NUL byte"},
        {"NUL alone", "\0"s, "answer:1: NUL byte"},
        {"invalid byte", "[a]\nk = \xff\n", "answer:2: invalid UTF-8"},
        {"overlong encoding", "[a]\nk = \xc0\xaf\n", "answer:2: invalid UTF-8"},
        {"surrogate", "[a]\nk = \xed\xa0\x80\n", "answer:2: invalid UTF-8"},
        {"truncated sequence", "[a]\nk = \xe2\x82", "answer:2: invalid UTF-8"},
        {"latin-1 in a header", "[profile caf\xe9]\n", "answer:1: invalid UTF-8"},
        {"CRLF line ends", "[a]\r\nk = v\r\n", "answer:1: carriage return"},
        {"CR on the third line", "[a]\nk = v\nj = w\r\n", "answer:3: carriage return"},
        {"lone CR inside a line", "[a]\nk = v\rj = w\n", "answer:2: carriage return"},
        {"bytes are checked before syntax", "junk\n[a]\nk = \xff\n", "answer:3: invalid UTF-8"},
        {"entry before the first section", "k = v\n[a]\n",
         "answer:1: entry before the first section"},
        {"entry after comments, before any section", "# c\n\nk = v\n",
         "answer:3: entry before the first section"},
        {"indented entry", "[a]\n  k = v\n",
         "answer:2: indented line (a continuation in botocore)"},
        {"tab-indented entry", "[a]\nk = v\n\tmore\n",
         "answer:3: indented line (a continuation in botocore)"},
        {"indented header", " [a]\n", "answer:1: indented line (a continuation in botocore)"},
        {"unterminated header", "[profile x\n", "answer:1: unterminated section header"},
        {"bracket only", "[\n", "answer:1: unterminated section header"},
        {"comment after header", "[profile x] # c\n", "answer:1: text after section header"},
        {"text after header", "[a]\n[profile x]y\n", "answer:2: text after section header"},
        {"empty header", "[]\n", "answer:1: empty section header"},
        {"blank header", "[ \t ]\n", "answer:1: empty section header"},
        {"bare word", "[a]\nrole_arn\n", "answer:2: not a section header, entry or comment"},
        {"colon delimiter", "[a]\nkey: value\n",
         "answer:2: not a section header, entry or comment"},
        {"stray closing bracket", "a]\n", "answer:1: not a section header, entry or comment"},
        {"empty key", "[a]\n= value\n", "answer:2: empty key"},
        {"blank key", "[a]\n \t= value\n", "answer:2: indented line (a continuation in botocore)"},
        {"first error wins", "[a]\nx\n[]\n", "answer:2: not a section header, entry or comment"},
    };
    for (const Rejected& c : cases) {
      INFO(c.name);
      std::vector<ConfigSection> sections(1);  // must be left as it was
      std::string err;
      CHECK_FALSE(ParseAwsConfig(c.text, "answer", &sections, &err));
      CHECK(err == c.err);
      CHECK(sections.size() == 1);
    }
  }

  TEST_CASE("the error prefix is the caller's") {
    std::vector<ConfigSection> sections;
    std::string err;
    CHECK_FALSE(ParseAwsConfig("[a]\n\n\nbad\n", "config", &sections, &err));
    CHECK(err == "config:4: not a section header, entry or comment");
  }

  TEST_CASE("the reference answer, with and without its final newline") {
    const std::string text = ReadTestdata("reference-answer.conf");
    REQUIRE(text.ends_with("-role\n"));
    const std::string expected =
        "1 [profile acme-update-bucket-role]\n"
        "2 {source_profile}={src_acme-update-bucket-role}\n"
        "3 {role_arn}={arn:aws:iam::524112250363:role/acme-update-bucket-role}\n"
        "4 [profile src_acme-update-bucket-role]\n"
        "5 {web_identity_token_file}={/var/run/secrets/eks.amazonaws.com/serviceaccount/token}\n"
        "6 {role_arn}={arn:aws:iam::946429944765:role/acme-update-bucket-role}\n"
        "7 [profile acme-list-bucket-role]\n"
        "8 {source_profile}={src_acme-list-bucket-role}\n"
        "9 {role_arn}={arn:aws:iam::524112250363:role/acme-list-bucket-role}\n"
        "10 [profile src_acme-list-bucket-role]\n"
        "11 {web_identity_token_file}={/var/run/secrets/eks.amazonaws.com/serviceaccount/token}\n"
        "12 {role_arn}={arn:aws:iam::946429944765:role/acme-list-bucket-role}\n";
    for (const std::string& variant : {text, text.substr(0, text.size() - 1)}) {
      std::vector<ConfigSection> sections;
      std::string err;
      REQUIRE(ParseAwsConfig(variant, "answer", &sections, &err));
      CHECK(Dump(sections) == expected);
    }
  }
}

}  // namespace
}  // namespace irsa

namespace irsa {
namespace {

TEST_CASE("ProfileNameOfHeader") {
  std::string name;
  CHECK(ProfileNameOfHeader("profile a", &name));
  CHECK(name == "a");
  CHECK(ProfileNameOfHeader("profile \t b c", &name));
  CHECK(name == "b c");
  CHECK_FALSE(ProfileNameOfHeader("default", &name));
  CHECK_FALSE(ProfileNameOfHeader("profilex", &name));
  CHECK_FALSE(ProfileNameOfHeader("profile", &name));
  CHECK_FALSE(ProfileNameOfHeader("profile  ", &name));
  CHECK_FALSE(ProfileNameOfHeader("sso-session s", &name));
}

}  // namespace
}  // namespace irsa

// Tests for arn.h: role ARN grammar, role names and profile-name support.
#include "domain/arn.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace irsa {
namespace {

TEST_SUITE("arn") {
  TEST_CASE("ParseRoleArn: accepted") {
    struct Case {
      std::string text;
      std::string_view partition, account, path, name;
    };
    const std::string path_512 = "/" + std::string(510, 'p') + "/";
    const Case cases[] = {
        {"arn:aws:iam::524112250363:role/acme-update-bucket-role", "aws", "524112250363", "/",
         "acme-update-bucket-role"},
        {"arn:aws-cn:iam::000000000000:role/r", "aws-cn", "000000000000", "/", "r"},
        {"arn:aws-us-gov:iam::946429944765:role/service-role/x", "aws-us-gov", "946429944765",
         "/service-role/", "x"},
        {"arn:aws-iso:iam::123456789012:role/a/b/c/Name_+=,.@-", "aws-iso", "123456789012",
         "/a/b/c/", "Name_+=,.@-"},
        {"arn:aws-iso-b:iam::123456789012:role/r", "aws-iso-b", "123456789012", "/", "r"},
        {"arn:aws-iso-e:iam::123456789012:role/r", "aws-iso-e", "123456789012", "/", "r"},
        {"arn:aws-iso-f:iam::123456789012:role/r", "aws-iso-f", "123456789012", "/", "r"},
        {"arn:aws-eusc:iam::123456789012:role/r", "aws-eusc", "123456789012", "/", "r"},
        {"arn:aws:iam::123456789012:role/p:q!~/r", "aws", "123456789012", "/p:q!~/", "r"},
        {"arn:aws:iam::123456789012:role/" + std::string(64, 'n'), "aws", "123456789012", "/",
         std::string_view("nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn")},
        {"arn:aws:iam::123456789012:role" + path_512 + "r", "aws", "123456789012", path_512, "r"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.text);
      RoleArn arn;
      std::string err;
      REQUIRE(ParseRoleArn(c.text, &arn, &err));
      CHECK(arn.partition == c.partition);
      CHECK(arn.account == c.account);
      CHECK(arn.path == c.path);
      CHECK(arn.name == c.name);
      CHECK(arn.ToString() == c.text);
      RoleArn again;
      REQUIRE(ParseRoleArn(arn.ToString(), &again, &err));
      CHECK(again.ToString() == c.text);
    }
  }

  TEST_CASE("RoleArn::ToString of a hand-built value with no path") {
    RoleArn arn;
    arn.partition = "aws";
    arn.account = "123456789012";
    arn.name = "r";
    CHECK(arn.ToString() == "arn:aws:iam::123456789012:role/r");
  }

  TEST_CASE("ParseRoleArn: rejected, with their exact messages") {
    struct Case {
      std::string text;
      std::string_view err;
    };
    constexpr std::string_view kShape = "role ARN: expected arn:PARTITION:iam::ACCOUNT:role/NAME";
    constexpr std::string_view kName = "role ARN: role name must be 1 to 64 of A-Z a-z 0-9 _+=,.@-";
    const Case cases[] = {
        {"", kShape},
        {"acme-list-bucket-role", kShape},
        {"arn:aws:iam:123456789012:role/r", kShape},
        {"ARN:aws:iam::123456789012:role/r", kShape},
        {" arn:aws:iam::123456789012:role/r", kShape},
        {"arn:aws-xx:iam::123456789012:role/r", "role ARN: unknown partition 'aws-xx'"},
        {"arn::iam::123456789012:role/r", "role ARN: unknown partition ''"},
        {"arn:AWS:iam::123456789012:role/r", "role ARN: unknown partition 'AWS'"},
        {"arn:a\x01\xff:iam::123456789012:role/r", "role ARN: unknown partition 'a\\x01\\xff'"},
        {"arn:aws:s3::123456789012:role/r", "role ARN: service must be iam, not 's3'"},
        {"arn:aws:IAM::123456789012:role/r", "role ARN: service must be iam, not 'IAM'"},
        {"arn:aws:iam:us-east-1:123456789012:role/r", "role ARN: region must be empty"},
        {"arn:aws:iam::12345678901:role/r", "role ARN: account must be 12 digits"},
        {"arn:aws:iam::1234567890123:role/r", "role ARN: account must be 12 digits"},
        {"arn:aws:iam::12345678901a:role/r", "role ARN: account must be 12 digits"},
        {"arn:aws:iam:::role/r", "role ARN: account must be 12 digits"},
        {"arn:aws:iam::123456789012:user/r", "role ARN: resource must start with role/"},
        {"arn:aws:iam::123456789012:role", "role ARN: resource must start with role/"},
        {"arn:aws:iam::123456789012:Role/r", "role ARN: resource must start with role/"},
        {"arn:aws:iam::123456789012:role/", kName},
        {"arn:aws:iam::123456789012:role/path/", kName},
        {"arn:aws:iam::123456789012:role/" + std::string(65, 'n'), kName},
        {"arn:aws:iam::123456789012:role/bad name", kName},
        {"arn:aws:iam::123456789012:role/r\n", kName},
        {"arn:aws:iam::123456789012:role/r:x", kName},
        {"arn:aws:iam::123456789012:role/caf\xc3\xa9", kName},
        {"arn:aws:iam::123456789012:role//r", "role ARN: path has an empty segment"},
        {"arn:aws:iam::123456789012:role/a//b/r", "role ARN: path has an empty segment"},
        {"arn:aws:iam::123456789012:role/a b/r",
         "role ARN: path must be printable ASCII without spaces"},
        {"arn:aws:iam::123456789012:role/a\x7f/r",
         "role ARN: path must be printable ASCII without spaces"},
        {"arn:aws:iam::123456789012:role/\xc3\xa9/r",
         "role ARN: path must be printable ASCII without spaces"},
        {"arn:aws:iam::123456789012:role/" + std::string(511, 'p') + "/r",
         "role ARN: path longer than 512 characters"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.err);
      RoleArn arn;
      arn.name = "unchanged";
      std::string err;
      CHECK_FALSE(ParseRoleArn(c.text, &arn, &err));
      CHECK(err == c.err);
      CHECK(arn.name == "unchanged");
    }
  }

  TEST_CASE("IsValidRoleName") {
    for (std::string_view ok : {"r", "Acme_Role-1", "a+b=c,d.e@f", "____"}) {
      CAPTURE(ok);
      CHECK(IsValidRoleName(ok));
    }
    CHECK(IsValidRoleName(std::string(64, 'x')));
    CHECK_FALSE(IsValidRoleName(std::string(65, 'x')));
    for (std::string_view bad : {"", "a b", "a/b", "a:b", "a*b", "a\"b", "a\nb", "\xc3\xa9"}) {
      CAPTURE(bad);
      CHECK_FALSE(IsValidRoleName(bad));
    }
  }

  TEST_CASE("CheckProfileName") {
    struct Case {
      std::string_view name;
      bool all_sdks, botocore, java_v2, js_v3_old;
    };
    const Case cases[] = {
        {"acme-list-bucket-role", true, true, true, true},
        {"src_acme-list-bucket-role", true, true, true, true},
        {"Role_9", true, true, true, true},
        {"a.b", false, true, true, false},
        {"a@b", false, true, true, false},
        {"a+b", false, true, false, false},
        {"a=b", false, true, false, true},
        {"a,b", false, true, false, true},
        {"", false, false, false, false},
        {"a/b", false, false, false, false},
        {"a b", false, false, false, false},
        {"a]b", false, false, false, false},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      const ProfileNameSupport s = CheckProfileName(c.name);
      CHECK(s.all_sdks == c.all_sdks);
      CHECK(s.botocore == c.botocore);
      CHECK(s.java_v2 == c.java_v2);
      CHECK(s.js_v3_old == c.js_v3_old);
    }
    CHECK(CheckProfileName(std::string(64, 'a')).all_sdks);
    CHECK_FALSE(CheckProfileName(std::string(65, 'a')).all_sdks);
  }
}

}  // namespace
}  // namespace irsa

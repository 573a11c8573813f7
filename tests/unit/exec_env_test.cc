// ExecAgentEnvironment, ExecStaticEnvironment, EnvironmentBlock: what exec
// sets, removes and keeps in COMMAND's environment.
#include "run/exec_env.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace irsa {
namespace {

// A user's environment with everything exec must remove or replace.
Environment Crowded() {
  return {
      {"PATH", "/usr/bin"},
      {"HOME", "/home/u"},
      {"AWS_CONFIG_FILE", "/var/run/.aws/config"},
      {"AWS_PROFILE", "other"},
      {"AWS_DEFAULT_PROFILE", "other"},
      {"AWS_ACCESS_KEY_ID", "AKIAOLD"},
      {"AWS_ACCESS_KEY", "AKIAOLD"},
      {"AWS_SECRET_ACCESS_KEY", "old"},
      {"AWS_SECRET_KEY", "old"},
      {"AWS_SESSION_TOKEN", "old"},
      {"AWS_SECURITY_TOKEN", "old"},
      {"AWS_ROLE_ARN", "arn:aws:iam::1:role/x"},
      {"AWS_ROLE_SESSION_NAME", "s"},
      {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"},
      {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"},
      {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/eks-pod-identity-token"},
      {"AWS_EC2_METADATA_DISABLED", "true"},
      {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://10.0.0.1/"},
      {"CPL_AWS_EC2_API_ROOT_URL", "http://10.0.0.1"},
  };
}

ExecListener Listener(bool imds) {
  return ExecListener{"127.0.0.1:8181", "/var/run/.aws/credentials-token", "c0ffee", imds};
}

std::string Get(const Environment& env, const std::string& name) {
  const auto it = env.find(name);
  return it == env.end() ? "(unset)" : it->second;
}

TEST_SUITE("exec_env") {
  TEST_CASE("container credentials: set, the competitors removed, the rest kept") {
    const Environment out = ExecAgentEnvironment(Crowded(), "acme-role", Listener(false), "");
    CHECK(Get(out, "AWS_CONTAINER_CREDENTIALS_FULL_URI") ==
          "http://127.0.0.1:8181/v1/credentials/acme-role");
    CHECK(Get(out, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") == "/var/run/.aws/credentials-token");
    CHECK(Get(out, "AWS_CONTAINER_AUTHORIZATION_TOKEN") == "c0ffee");
    for (std::string_view name : ExecRemovedVariables()) {
      CAPTURE(name);
      CHECK(Get(out, std::string(name)) == "(unset)");
    }
    // IMDS off: a stale endpoint would send SDKs elsewhere.
    CHECK(Get(out, "AWS_EC2_METADATA_SERVICE_ENDPOINT") == "(unset)");
    CHECK(Get(out, "CPL_AWS_EC2_API_ROOT_URL") == "(unset)");
    CHECK(Get(out, "CPL_AWS_AUTODETECT_EC2") == "(unset)");
    CHECK(Get(out, "PATH") == "/usr/bin");
    CHECK(Get(out, "HOME") == "/home/u");
    CHECK(Get(out, "AWS_CONFIG_FILE") == "/var/run/.aws/config");
    CHECK(Get(out, "AWS_REGION") == "(unset)");
    CHECK(out.size() == 6);  // PATH, HOME, AWS_CONFIG_FILE and the three container variables
  }

  TEST_CASE("IMDS: botocore's endpoint ends with /, GDAL's root without, autodetection off") {
    const Environment out = ExecAgentEnvironment({}, "src_acme-role", Listener(true), "");
    CHECK(Get(out, "AWS_EC2_METADATA_SERVICE_ENDPOINT") ==
          "http://127.0.0.1:8181/imds/src_acme-role/");
    CHECK(Get(out, "CPL_AWS_EC2_API_ROOT_URL") == "http://127.0.0.1:8181/imds/src_acme-role");
    CHECK(Get(out, "CPL_AWS_AUTODETECT_EC2") == "NO");
    CHECK(Get(out, "AWS_CONTAINER_CREDENTIALS_FULL_URI") ==
          "http://127.0.0.1:8181/v1/credentials/src_acme-role");
  }

  TEST_CASE("an IPv6 listener keeps its brackets") {
    ExecListener listener = Listener(true);
    listener.address = "[::1]:9000";
    const Environment out = ExecAgentEnvironment({}, "r", listener, "");
    CHECK(Get(out, "AWS_CONTAINER_CREDENTIALS_FULL_URI") == "http://[::1]:9000/v1/credentials/r");
    CHECK(Get(out, "AWS_EC2_METADATA_SERVICE_ENDPOINT") == "http://[::1]:9000/imds/r/");
  }

  TEST_CASE("the profile's region fills AWS_REGION and AWS_DEFAULT_REGION, never over the user's") {
    Environment out = ExecAgentEnvironment({}, "r", Listener(false), "us-west-2");
    CHECK(Get(out, "AWS_REGION") == "us-west-2");
    CHECK(Get(out, "AWS_DEFAULT_REGION") == "us-west-2");
    out = ExecAgentEnvironment({{"AWS_REGION", "eu-west-1"}}, "r", Listener(false), "us-west-2");
    CHECK(Get(out, "AWS_REGION") == "eu-west-1");
    CHECK(Get(out, "AWS_DEFAULT_REGION") == "(unset)");
    out = ExecAgentEnvironment({{"AWS_DEFAULT_REGION", "eu-west-1"}}, "r", Listener(false),
                               "us-west-2");
    CHECK(Get(out, "AWS_REGION") == "(unset)");
    CHECK(Get(out, "AWS_DEFAULT_REGION") == "eu-west-1");
  }

  TEST_CASE("static credentials: the keys set, every endpoint removed") {
    const Environment out =
        ExecStaticEnvironment(Crowded(), ExecStatic{"ASIANEW", "secret", "token"}, "us-east-1");
    CHECK(Get(out, "AWS_ACCESS_KEY_ID") == "ASIANEW");
    CHECK(Get(out, "AWS_SECRET_ACCESS_KEY") == "secret");
    CHECK(Get(out, "AWS_SESSION_TOKEN") == "token");
    for (const char* name :
         {"AWS_PROFILE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SECURITY_TOKEN",
          "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
          "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
          "AWS_EC2_METADATA_SERVICE_ENDPOINT", "CPL_AWS_EC2_API_ROOT_URL"}) {
      CAPTURE(name);
      CHECK(Get(out, name) == "(unset)");
    }
    CHECK(Get(out, "AWS_REGION") == "us-east-1");
    CHECK(Get(out, "PATH") == "/usr/bin");
  }

  TEST_CASE("EnvironmentBlock: NAME=VALUE in name order, values kept whole") {
    CHECK(EnvironmentBlock({{"B", "x=y"}, {"A", ""}}) == std::vector<std::string>{"A=", "B=x=y"});
    CHECK(EnvironmentBlock({}).empty());
  }
}

}  // namespace
}  // namespace irsa

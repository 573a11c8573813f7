// Tests for domain/base_credentials.h: the choice between web identity and EKS
// Pod Identity, its reason, and the settings that feed it.
#include "domain/base_credentials.h"

#include <doctest/doctest.h>

#include <string>

#include "fakes/fake_files.h"
#include "settings/invocation.h"

namespace irsa {
namespace {

constexpr char kUri[] = "http://169.254.170.23/v1/credentials";
constexpr char kTokenFile[] =
    "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token";
constexpr char kWebToken[] = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";

TEST_SUITE("base_credentials") {
  TEST_CASE("ChooseBaseCredentials: the table") {
    struct Row {
      const char* setting;
      const char* uri;
      const char* token_file;
      bool web_token;
      BaseCredentials want;
      const char* why_has;
    };
    const Row rows[] = {
        {"auto", kUri, kTokenFile, false, BaseCredentials::kPodIdentity,
         "are set and the web identity token /w does not exist"},
        {"auto", kUri, kTokenFile, true, BaseCredentials::kWebIdentity,
         "the web identity token /w exists"},
        {"auto", kUri, "", false, BaseCredentials::kWebIdentity,
         "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is not"},
        {"auto", "", kTokenFile, false, BaseCredentials::kWebIdentity,
         "AWS_CONTAINER_CREDENTIALS_FULL_URI is not"},
        {"auto", "", "", false, BaseCredentials::kWebIdentity, "variables are not set"},
        {"pod-identity", "", "", true, BaseCredentials::kPodIdentity,
         "base-credentials is pod-identity"},
        {"web-identity", kUri, kTokenFile, false, BaseCredentials::kWebIdentity,
         "base-credentials is web-identity"},
    };
    for (const Row& row : rows) {
      CAPTURE(row.setting);
      CAPTURE(row.uri);
      CAPTURE(row.token_file);
      CAPTURE(row.web_token);
      const BaseChoice got =
          ChooseBaseCredentials({row.setting, row.uri, row.token_file, row.web_token, "/w"});
      CHECK(got.base == row.want);
      CHECK(got.why.find(row.why_has) != std::string::npos);
    }
    CHECK(BaseCredentialsName(BaseCredentials::kPodIdentity) == "pod-identity");
  }

  TEST_CASE("ChooseBaseCredentials: from settings, probing the token file") {
    Invocation inv;
    std::string err;
    REQUIRE(ParseInvocation({"once", "--mapping-file", "/m"},
                            {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kUri},
                             {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", kTokenFile}},
                            "", &inv, &err));
    CHECK(inv.settings.base_credentials == "auto");
    CHECK(inv.settings.pod_identity_uri == kUri);
    CHECK(inv.settings.pod_identity_token_file == kTokenFile);
    FakeFiles files;
    CHECK(ChooseBaseCredentials(inv.settings, files).base == BaseCredentials::kPodIdentity);
    files.content[kWebToken] = "  \n";  // empty counts as absent
    CHECK(ChooseBaseCredentials(inv.settings, files).base == BaseCredentials::kPodIdentity);
    files.content[kWebToken] = "eyJ.token";
    CHECK(ChooseBaseCredentials(inv.settings, files).base == BaseCredentials::kWebIdentity);
    inv.settings.root_path = "/root";
    CHECK(ChooseBaseCredentials(inv.settings, files).base == BaseCredentials::kPodIdentity);
  }

  TEST_CASE("base-credentials: only the three values") {
    Invocation inv;
    std::string err;
    CHECK(ParseInvocation({"once", "--mapping-file", "/m", "--base-credentials", "pod-identity"},
                          {}, "", &inv, &err));
    CHECK(inv.settings.base_credentials == "pod-identity");
    CHECK_FALSE(ParseInvocation({"once", "--mapping-file", "/m", "--base-credentials=ecs"}, {}, "",
                                &inv, &err));
    CHECK(err == "--base-credentials: 'ecs' is not auto, web-identity or pod-identity");
  }
}

}  // namespace
}  // namespace irsa

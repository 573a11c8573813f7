// Tests for domain/render_pod_identity.h: chain style under EKS Pod Identity,
// the session name, and reading the rendered file back.
#include "domain/render_pod_identity.h"

#include <doctest/doctest.h>

#include <string>

#include "base/digest.h"
#include "domain/answer.h"
#include "domain/profiles.h"
#include "fakes/capture_sink.h"
#include "fakes/fake_files.h"
#include "fakes/fake_http.h"
#include "run/state.h"
#include "run/sync.h"

namespace irsa {
namespace {

constexpr char kAnswer[] = R"([profile acme-list-bucket-role]
source_profile = src_acme-list-bucket-role
role_arn = arn:aws:iam::946429944765:role/acme-list-bucket-role

[profile src_acme-list-bucket-role]
web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token
role_arn = arn:aws:iam::111122223333:role/proxy-acme

[profile data.reader@team]
source_profile = src_data.reader@team
role_arn = arn:aws-us-gov:iam::444455556666:role/path/x/data.reader@team

[profile src_data.reader@team]
web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token
role_arn = arn:aws-us-gov:iam::111122223333:role/proxy-data
)";

constexpr char kExpected[] =
    R"(# Written by irsa-agent from the IAM role mapping for EKS Pod Identity. Do not edit: it is rewritten.
[profile acme-list-bucket-role]
role_arn = arn:aws:iam::946429944765:role/acme-list-bucket-role
credential_source = EcsContainer
role_session_name = irsa-agent-run-42
region = us-west-2

[profile data.reader@team]
role_arn = arn:aws-us-gov:iam::444455556666:role/path/x/data.reader@team
credential_source = EcsContainer
role_session_name = irsa-agent-run-42
region = us-west-2

)";

TEST_SUITE("render_pod_identity") {
  TEST_CASE("RenderPodIdentityChain: targets only, from the container provider") {
    MappingAnswer answer;
    std::string err;
    REQUIRE(ParseMappingAnswer(kAnswer, &answer, &err));
    REQUIRE(answer.pairs.size() == 2);
    const std::string text =
        RenderPodIdentityChain(answer.pairs, {"us-west-2", "irsa-agent-run-42"});
    CHECK(text == kExpected);
    CHECK(text.find("src_") == std::string::npos);
    CHECK(text.find("proxy") == std::string::npos);
    CHECK(text.find("web_identity_token_file") == std::string::npos);
    // Without region or session name the keys are left out.
    const std::string bare = RenderPodIdentityChain(answer.pairs, {"", ""});
    CHECK(bare.find("region") == std::string::npos);
    CHECK(bare.find("role_session_name") == std::string::npos);
    CHECK(RenderPodIdentityChain({}, {"us-west-2", "x1"}) == kPodIdentityHeader);
  }

  TEST_CASE("RenderPodIdentityChain: read back as every pair, nothing dropped") {
    MappingAnswer answer;
    std::string err;
    REQUIRE(ParseMappingAnswer(kAnswer, &answer, &err));
    const std::string text = RenderPodIdentityChain(answer.pairs, {"us-west-2", "s1"});
    REQUIRE(IsPodIdentityConfig(text));
    MappingAnswer back;
    REQUIRE(ParsePodIdentityConfig(text, &back, &err));
    CHECK(back.dropped.empty());
    REQUIRE(back.pairs.size() == 2);
    CHECK(back.pairs[0].name == "acme-list-bucket-role");
    CHECK(back.pairs[0].target_role.ToString() == answer.pairs[0].target_role.ToString());
    CHECK(back.pairs[1].region == "us-west-2");
    CHECK(back.pairs[0].proxy_role.ToString() != answer.pairs[0].proxy_role.ToString());
  }

  TEST_CASE("ParsePodIdentityConfig: broken profiles are dropped with a reason") {
    const std::string text = std::string(kPodIdentityHeader) +
                             "[profile a]\nrole_arn = arn:aws:iam::946429944765:role/a\n"
                             "credential_source = Environment\n\n"
                             "[profile b]\nrole_arn = nope\ncredential_source = EcsContainer\n\n"
                             "[profile c]\nrole_arn = arn:aws:iam::946429944765:role/c\n"
                             "credential_source = EcsContainer\nsource_profile = x\n\n"
                             "[profile d]\nrole_arn = arn:aws:iam::946429944765:role/d\n"
                             "credential_source = EcsContainer\n";
    MappingAnswer back;
    std::string err;
    REQUIRE(ParsePodIdentityConfig(text, &back, &err));
    REQUIRE(back.pairs.size() == 1);
    CHECK(back.pairs[0].name == "d");
    REQUIRE(back.dropped.size() == 3);
    CHECK(back.dropped[0] == "a: credential_source must be EcsContainer");
    CHECK(back.dropped[1].starts_with("b: "));
    CHECK(back.dropped[2] == "c: unknown key source_profile");
    CHECK_FALSE(ParsePodIdentityConfig("x = 1\n", &back, &err));
    CHECK_FALSE(IsPodIdentityConfig("# Written by irsa-agent from the IAM role mapping. Do not"));
  }

  TEST_CASE("Syncer: the base credentials pick the rendering") {
    Settings settings;
    settings.mapping_file = "/etc/irsa/mapping.conf";
    settings.run_id = "irsa-agent-run-42";  // no user: the session name is the run id
    settings.region = "us-west-2";
    settings.pod_identity_uri = "http://169.254.170.23/v1/credentials";
    settings.pod_identity_token_file = "/var/run/secrets/pods.eks.amazonaws.com/token";
    FakeFiles files;
    files.content[settings.mapping_file] = kAnswer;
    FakeHttp http;
    CaptureSink sink;
    Logger log{LogLevel::kInfo, LogFormat::kText, &sink, [] { return 1.8e9; }};
    Syncer syncer{settings, files, http, log, [] { return 1.8e9; }};

    SyncResult r = syncer.Sync(true);
    REQUIRE(r.status.kind() == Failure::kNone);
    CHECK(r.rendered == kExpected);
    CHECK(files.content[settings.aws_config_file] == r.rendered);
    CHECK(r.profiles == std::vector<std::string>{"acme-list-bucket-role", "data.reader@team"});
    CHECK(sink.All().find("src_ profiles left out") != std::string::npos);
    CHECK(http.requests.empty());  // chain style never asks the Pod Identity agent

    // A web identity token wins under auto; web-identity forces IRSA too.
    files.content[settings.web_identity_token_file] = "eyJ.token.sig";
    r = syncer.Sync(false);
    CHECK(r.rendered.find("source_profile = src_acme-list-bucket-role") != std::string::npos);
    files.content.erase(settings.web_identity_token_file);
    settings.base_credentials = "web-identity";
    r = syncer.Sync(false);
    CHECK(r.rendered.find("credential_source") == std::string::npos);
  }

  TEST_CASE("Syncer, process style under Pod Identity: X only, its command from the pod's role") {
    Settings settings;
    settings.mapping_file = "/etc/irsa/mapping.conf";
    settings.run_id = "irsa-agent-run-42";
    settings.region = "us-west-2";
    settings.profile_style = ProfileStyle::kProcess;
    settings.credentials_binary = "/opt/irsa/irsa-agent";
    settings.pod_identity_uri = "http://169.254.170.23/v1/credentials";
    settings.pod_identity_token_file = "/var/run/secrets/pods.eks.amazonaws.com/token";
    FakeFiles files;
    files.content[settings.mapping_file] = kAnswer;
    FakeHttp http;
    CaptureSink sink;
    Logger log{LogLevel::kInfo, LogFormat::kText, &sink, [] { return 1.8e9; }};
    Syncer syncer{settings, files, http, log, [] { return 1.8e9; }};

    SyncResult r = syncer.Sync(true);
    REQUIRE(r.status.kind() == Failure::kNone);
    CHECK(IsPodIdentityConfig(r.rendered));
    CHECK(r.rendered.find("[profile src_") == std::string::npos);
    CHECK(r.rendered.find("--source-role-arn") == std::string::npos);
    CHECK(r.rendered.find("proxy-acme") == std::string::npos);
    CHECK(r.rendered.find("credential_process = /opt/irsa/irsa-agent credentials "
                          "acme-list-bucket-role ") != std::string::npos);
    CHECK(r.rendered.find("--base-credentials pod-identity") != std::string::npos);
    CHECK(r.rendered.find("--session-name irsa-agent-run-42") != std::string::npos);
    CHECK(sink.All().find("src_ profiles left out") != std::string::npos);
    CHECK(http.requests.empty());
    // The broker gets X alone: no proxy role, so no src_X recipe.
    REQUIRE(r.pairs.size() == 2);
    CHECK(r.pairs[0].proxy_role.name.empty());

    // Read back by status and profiles as the Pod Identity config it is.
    AgentState state;
    state.last_success_at = 1.8e9;
    state.config_file = settings.aws_config_file;
    state.config_hash = r.config_hash;
    const Readiness ready = AssessReadiness(state, r.rendered);
    CHECK_MESSAGE(ready.ready, ready.reason);
    CHECK(ready.reason.starts_with("2 profiles in "));
    ProfileListing listing;
    std::string err;
    REQUIRE(ListProfiles(r.rendered, &listing, &err));
    CHECK(listing.pairs.size() == 2);
    CHECK(listing.dropped.empty());

    // With a web identity token the same settings give the IRSA pairs.
    files.content[settings.web_identity_token_file] = "eyJ.token.sig";
    r = syncer.Sync(false);
    CHECK_FALSE(IsPodIdentityConfig(r.rendered));
    CHECK(r.rendered.find("[profile src_acme-list-bucket-role]") != std::string::npos);
    CHECK(r.rendered.find("--base-credentials") == std::string::npos);
    CHECK(r.pairs[0].proxy_role.name == "proxy-acme");
  }

  TEST_CASE("AssessReadiness and ListProfiles read a Pod Identity config") {
    MappingAnswer answer;
    std::string err;
    REQUIRE(ParseMappingAnswer(kAnswer, &answer, &err));
    const std::string text = RenderPodIdentityChain(answer.pairs, {"us-west-2", "s1"});
    AgentState state;
    state.last_success_at = 1.8e9;
    state.config_file = "/var/run/.aws/config";
    state.config_hash = Sha256Hex(text);
    const Readiness ready = AssessReadiness(state, text);
    CHECK(ready.ready);
    CHECK(ready.reason == "2 profiles in /var/run/.aws/config");
    ProfileListing listing;
    REQUIRE(ListProfiles(text, &listing, &err));
    CHECK(listing.pairs.size() == 2);
    CHECK(listing.dropped.empty());
    const std::string table = RenderProfilesText(listing);
    CHECK(table.find("(EKS Pod Identity)") != std::string::npos);
    const std::string json = RenderProfilesJson(listing, "/var/run/.aws/config");
    CHECK(json.find("\"proxy_role_arn\": \"\"") != std::string::npos);
  }
}

}  // namespace
}  // namespace irsa

// `doctor --sts` runs the chain `credentials` runs: the same StsChain, the
// same recipe (the broker's RecipesFor on one side, the credential_process
// line a sync wrote read back on the other), hence the same STS requests.
// And the doctor judges each hop the chain reports, making no call itself.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "aws/credential_source.h"
#include "aws/sts_chain.h"
#include "doctor/doctor.h"
#include "domain/credential_process.h"
#include "domain/render.h"
#include "fakes/fake_files.h"
#include "fakes/fake_http.h"
#include "settings/invocation.h"

namespace irsa {
namespace {

constexpr char kTokenPath[] = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
constexpr char kToken[] = "eyJ.web-identity-token.sig";
constexpr double kNow = 1796472000;  // 2026-12-05T12:00:00Z

std::string Success(const std::string& action, const std::string& key) {
  return "<" + action + "Response><" + action + "Result><Credentials><AccessKeyId>" + key +
         "</AccessKeyId><SecretAccessKey>secret-" + key + "</SecretAccessKey><SessionToken>token-" +
         key +
         "</SessionToken><Expiration>2026-12-05T13:00:00Z</Expiration></Credentials>"
         "<AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/" +
         key + "</Arn></AssumedRoleUser></" + action + "Result></" + action + "Response>";
}

ProfilePair Pair() {
  ProfilePair pair;
  pair.name = "data-reader";
  std::string err;
  REQUIRE(ParseRoleArn("arn:aws:iam::444455556666:role/data-reader", &pair.target_role, &err));
  REQUIRE(ParseRoleArn("arn:aws:iam::111122223333:role/data-reader", &pair.proxy_role, &err));
  return pair;
}

AuditTrail Audit() {
  return MakeAuditTrail("alice", "6527182438a6346046006654", "proj", true, true);
}

struct Side {
  FakeHttp http;
  FakeFiles files;
  StsChainOptions options;
  Side() {
    files.content[kTokenPath] = std::string(kToken) + "\n";
    options.web_identity_token_file = kTokenPath;
    options.region = "us-west-2";
    http.script = {FakeExchange::Status(200, Success("AssumeRoleWithWebIdentity", "ASIAFIRST")),
                   FakeExchange::Status(200, Success("AssumeRole", "ASIASECOND"))};
  }
  StsChain Chain() {
    return StsChain(
        http, files, [] { return kNow; }, options);
  }
};

// The Invocation `credentials` gets from X's credential_process line as a
// process-style sync renders it.
Invocation CredentialsInvocation(const ProfilePair& pair, const AuditTrail& audit) {
  RenderOptions options;
  options.web_identity_token_file = kTokenPath;
  options.region = "us-west-2";
  options.session_name = audit.session_name;
  options.style = ProfileStyle::kProcess;
  options.binary = "/usr/bin/irsa-agent";
  options.socket = "/run/irsa-agent/broker.sock";
  options.source_identity = audit.source_identity;
  options.tags = audit.tags;
  const std::string config = RenderConfig({pair}, options);
  const std::string key = "credential_process = ";
  const size_t at = config.find(key);  // X comes first
  REQUIRE(at != std::string::npos);
  const size_t end = config.find('\n', at);
  std::vector<std::string> words;
  std::string err;
  REQUIRE(SplitCommandLine(config.substr(at + key.size(), end - at - key.size()), &words, &err));
  REQUIRE(words.size() > 2);
  Invocation invocation;
  REQUIRE_MESSAGE(ParseInvocation({words.begin() + 1, words.end()}, {}, "", &invocation, &err),
                  err);
  CHECK(invocation.profile == "data-reader");
  return invocation;
}

TEST_SUITE("doctor_sts") {
  TEST_CASE("doctor --sts and credentials take the same path through StsChain") {
    const ProfilePair pair = Pair();
    const AuditTrail audit = Audit();

    Side doctor;
    StsChain doctor_chain = doctor.Chain();
    const std::vector<Check> checks = CheckStsChain(doctor_chain, {pair}, audit, nullptr);

    Side credentials;
    const CredentialRecipe recipe = RecipeFromInvocation(CredentialsInvocation(pair, audit));
    CHECK(recipe == RecipesFor({pair}, audit).front());
    StsChain credentials_chain = credentials.Chain();
    const CredentialFetch fetch = credentials_chain.Fetch(recipe);
    REQUIRE(fetch.status.ok());

    // The same two calls, byte for byte: URL, headers (SigV4 included) and body.
    REQUIRE(doctor.http.requests.size() == 2);
    REQUIRE(credentials.http.requests.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      INFO("request ", i);
      const HttpRequest& a = doctor.http.requests[i];
      const HttpRequest& b = credentials.http.requests[i];
      CHECK(a.method == b.method);
      CHECK(a.url == b.url);
      CHECK(a.headers == b.headers);
      CHECK(a.body == b.body);
      CHECK(a.total_timeout == b.total_timeout);
      CHECK(a.ca_file == b.ca_file);
    }
    CHECK(doctor.http.requests[1].body.find("SourceIdentity=alice") != std::string::npos);

    REQUIRE(checks.size() == 2);
    CHECK(checks[0].name == "sts.web-identity");
    CHECK(checks[0].status == CheckStatus::kPass);
    CHECK(checks[0].fact == "src_data-reader: assumed arn:aws:sts::1:assumed-role/r/ASIAFIRST");
    CHECK(checks[1].name == "sts.assume-role");
    CHECK(checks[1].status == CheckStatus::kPass);
    CHECK(checks[1].fact == "data-reader: assumed arn:aws:sts::1:assumed-role/r/ASIASECOND");
    for (const Check& check : checks) {
      const std::string text = RenderDoctorText({check});
      CHECK(text.find("secret-ASIA") == std::string::npos);
      CHECK(text.find(kToken) == std::string::npos);
    }
  }

  TEST_CASE("each hop the chain reports becomes the doctor's verdict") {
    const ProfilePair pair = Pair();
    Side refused;
    refused.http.script = {
        FakeExchange::Status(200, Success("AssumeRoleWithWebIdentity", "ASIAFIRST")),
        FakeExchange::Status(403,
                             "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not "
                             "authorized</Message></Error></ErrorResponse>")};
    StsChain chain = refused.Chain();
    const std::vector<Check> checks = CheckStsChain(chain, {pair}, Audit(), nullptr);
    REQUIRE(checks.size() == 2);
    CHECK(checks[0].status == CheckStatus::kPass);
    CHECK(checks[1].status == CheckStatus::kFail);
    CHECK(checks[1].fact == "data-reader: AccessDenied: not authorized");
    CHECK(checks[1].fix.find("sts:SetSourceIdentity, sts:TagSession") != std::string::npos);

    // No token: the chain stops before STS, and the doctor says so.
    Side no_token;
    no_token.files.content.clear();
    StsChain stopped = no_token.Chain();
    const std::vector<Check> not_asked = CheckStsChain(stopped, {pair, pair}, Audit(), nullptr);
    REQUIRE(not_asked.size() == 2);
    CHECK(not_asked[0].name == "sts.web-identity");
    CHECK(not_asked[0].status == CheckStatus::kFail);
    CHECK(not_asked[0].fact.find("not asked: web identity token file " + std::string(kTokenPath) +
                                 " does not exist") != std::string::npos);
    CHECK(no_token.http.requests.empty());

    // STS unreachable: asked once, the next pair is not sent to it again.
    Side down;
    down.http.script = {FakeExchange::Fail(HttpFailure::kConnect, "connection refused")};
    StsChain unreachable = down.Chain();
    const std::vector<Check> once = CheckStsChain(unreachable, {pair, pair}, Audit(), nullptr);
    REQUIRE(once.size() == 2);
    CHECK(down.http.requests.size() == 1);
    CHECK(once[1].fact ==
          "src_data-reader: not asked: STS sts.us-west-2.amazonaws.com failed for an "
          "earlier profile (see above)");
  }
}

TEST_SUITE("doctor_points_the_right_way") {
  TEST_CASE("config.style: the style, and the program each credential_process runs") {
    const std::string process =
        "[profile x]\ncredential_process = /opt/irsa/bin/irsa-agent credentials x --socket /s "
        "--role-arn arn:aws:iam::444455556666:role/x --source-role-arn "
        "arn:aws:iam::111122223333:role/x --session-name s1 --web-identity-token-file /t\n"
        "[profile y]\ncredential_process = irsa-agent credentials y\n";
    CHECK(CredentialProcessPrograms(process) ==
          std::vector<std::string>{"/opt/irsa/bin/irsa-agent", "irsa-agent"});
    CHECK(CredentialProcessPrograms("[profile x]\nrole_arn = a\n").empty());

    Settings settings;
    settings.profile_style = ProfileStyle::kProcess;
    std::map<std::string, ProgramFacts> programs = {
        {"/opt/irsa/bin/irsa-agent", {"/opt/irsa/bin/irsa-agent", true}},
        {"irsa-agent", {"/usr/bin/irsa-agent", true}}};
    Check check = CheckProfileStyle(settings, process, programs, "/usr/bin");
    CHECK(check.status == CheckStatus::kPass);
    CHECK(check.fact ==
          "process style: each profile runs /opt/irsa/bin/irsa-agent, irsa-agent credentials ...");

    programs["irsa-agent"] = {};
    check = CheckProfileStyle(settings, process, programs, "/usr/bin:/bin");
    CHECK(check.status == CheckStatus::kFail);
    CHECK(check.fact == "credential_process program irsa-agent is not on PATH");

    programs["/opt/irsa/bin/irsa-agent"] = {"/opt/irsa/bin/irsa-agent", false};
    check = CheckProfileStyle(settings, process, programs, "/usr/bin");
    CHECK(check.fact ==
          "credential_process program /opt/irsa/bin/irsa-agent is not executable here");
    CHECK(check.fix.starts_with("chmod 0755 /opt/irsa/bin/irsa-agent"));

    programs.clear();
    check = CheckProfileStyle(settings, process, programs, "");
    CHECK(check.fact == "credential_process program /opt/irsa/bin/irsa-agent does not exist");

    settings.profile_style = ProfileStyle::kChain;
    check = CheckProfileStyle(settings, process, programs, "");
    CHECK(check.status == CheckStatus::kWarn);
    CHECK(check.fact == "the file is in process style but profile-style is chain");
  }

  TEST_CASE("fixes on a systemd host never mention pods") {
    CHECK(HostOf({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}}) == Host::kKubernetes);
    CHECK(HostOf({{"KUBERNETES_SERVICE_HOST", ""}}) == Host::kSystemd);
    CHECK(HostOf({}) == Host::kSystemd);
    InputRead missing;
    missing.path = "/etc/irsa/token";
    missing.status = ReadStatus(ReadFailure::kMissing, "/etc/irsa/token does not exist");
    const Check host = CheckTokenFile(missing, PathLayout{}, Host::kSystemd);
    const Check pod = CheckTokenFile(missing, PathLayout{}, Host::kKubernetes);
    CHECK(host.fix.find("projected") == std::string::npos);
    CHECK(host.fix.find("mount") == std::string::npos);
    CHECK(pod.fix.find("mount the projected service-account token") != std::string::npos);
    const std::vector<Check> env =
        CheckEnvironment(Settings{}, {{"AWS_ACCESS_KEY_ID", "x"}}, {}, false);
    for (const Check& c : env) {
      INFO(c.name);
      CHECK(c.fix.find("container") == std::string::npos);
    }
  }
}

}  // namespace
}  // namespace irsa

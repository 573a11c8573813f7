// Tests for doctor.h, part 2: the mapping service, the published config, the
// environment and STS checks, each table-driven over already-gathered facts.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "doctor/doctor.h"
#include "unit/doctor_test_util.h"

namespace irsa {
namespace {

constexpr char kReference[] =
    "[profile acme-list-bucket-role]\n"
    "source_profile = src_acme-list-bucket-role\n"
    "role_arn=arn:aws:iam::524112250363:role/acme-list-bucket-role\n"
    "[profile src_acme-list-bucket-role]\n"
    "web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n"
    "role_arn=arn:aws:iam::946429944765:role/acme-list-bucket-role";

// A published config (what render.cc writes) for `names`, all with `token`.
std::string Published(
    const std::vector<std::string>& names,
    const std::string& token = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token") {
  std::string out = "# Written by irsa-agent from the IAM role mapping. Do not edit.\n";
  for (const std::string& n : names) {
    out += "[profile " + n + "]\nsource_profile = src_" + n +
           "\nrole_arn = arn:aws:iam::524112250363:role/" + n + "\nregion = us-east-1\n\n" +
           "[profile src_" + n + "]\nweb_identity_token_file = " + token +
           "\nrole_arn = arn:aws:iam::946429944765:role/" + n + "\nregion = us-east-1\n\n";
  }
  return out;
}

MappingProbe Answered(long status, std::string body, double seconds = 0.25) {
  MappingProbe p;
  p.run_id = "6527182438a6346046006654";
  p.credential_source = "token file /t";
  p.status = status;
  p.seconds = seconds;
  p.body = std::move(body);
  return p;
}

const Check& Named(const std::vector<Check>& checks, std::string_view name) {
  for (const Check& c : checks) {
    if (c.name == name) return c;
  }
  FAIL("no check named " << name);
  return checks.front();
}

TEST_SUITE("doctor") {
  TEST_CASE("CheckMapping") {
    MappingProbe refused;
    refused.run_id = "r";
    refused.sent = {HttpFailure::kConnect, "127.0.0.1:1: connection refused"};
    MappingProbe tls = refused;
    tls.sent = {HttpFailure::kTls, "127.0.0.1: certificate verify failed"};
    MappingProbe no_requester;
    no_requester.requester = {Failure::kInput, "no run id: labels file /l does not exist"};
    MappingProbe file;
    file.from_file = true;
    file.file = Read("/m.conf", kReference);
    MappingProbe no_file;
    no_file.from_file = true;
    no_file.file = Missing("/m.conf");
    struct Case {
      MappingProbe probe;
      CheckStatus service, answer;
      std::string service_fact, answer_fact;
    };
    const Case cases[] = {
        {Answered(200, kReference), CheckStatus::kPass, CheckStatus::kPass,
         "HTTP 200 in 0.250 s over plain HTTP", "HTTP 200: 1 role (acme-list-bucket-role)"},
        {Answered(200, ""), CheckStatus::kPass, CheckStatus::kWarn,
         "HTTP 200 in 0.250 s over plain HTTP", "HTTP 200: 0 roles"},
        {Answered(200, std::string(kReference) + "\n[profile orphan]\nrole_arn=x"),
         CheckStatus::kPass, CheckStatus::kWarn, "HTTP 200 in 0.250 s over plain HTTP",
         "HTTP 200: 1 role (acme-list-bucket-role); 1 left out"},
        {Answered(200, "[profile orphan]\nrole_arn=x\n[default]\n"), CheckStatus::kPass,
         CheckStatus::kFail, "HTTP 200 in 0.250 s over plain HTTP",
         "HTTP 200: no valid profile pair (2 profiles left out, the first: orphan: missing "
         "source_profile); the agent keeps the previous config"},
        {Answered(200, "<html>oops"), CheckStatus::kPass, CheckStatus::kFail,
         "HTTP 200 in 0.250 s over plain HTTP",
         "HTTP 200 is not a valid AWS config: answer:1: not a section header, entry or comment"},
        // Statuses sync retries are warnings, the rest failures (base/http_failure.h).
        {Answered(404, "No Pod Found"), CheckStatus::kPass, CheckStatus::kWarn,
         "HTTP 404 in 0.250 s over plain HTTP",
         "HTTP 404: no pod found for run id 6527182438a6346046006654 (not running yet, or the "
         "credential belongs to another user); the agent retries this with back-off"},
        {Answered(429, ""), CheckStatus::kPass, CheckStatus::kWarn,
         "HTTP 429 in 0.250 s over plain HTTP",
         "HTTP 429: the service is throttling this client; the agent retries this with back-off"},
        {Answered(408, ""), CheckStatus::kPass, CheckStatus::kWarn,
         "HTTP 408 in 0.250 s over plain HTTP",
         "HTTP 408: the service timed out reading the request; the agent retries this with "
         "back-off"},
        {Answered(405, ""), CheckStatus::kPass, CheckStatus::kFail,
         "HTTP 405 in 0.250 s over plain HTTP", "HTTP 405: the service refused the request"},
        {Answered(401, ""), CheckStatus::kPass, CheckStatus::kFail,
         "HTTP 401 in 0.250 s over plain HTTP",
         "HTTP 401: the Domino credential (token file /t) was refused"},
        {Answered(500, "<html>"), CheckStatus::kPass, CheckStatus::kWarn,
         "HTTP 500 in 0.250 s over plain HTTP",
         "HTTP 500: the service failed; the agent retries this with back-off"},
        {Answered(302, ""), CheckStatus::kPass, CheckStatus::kFail,
         "HTTP 302 in 0.250 s over plain HTTP",
         "HTTP 302: a redirect, not followed (the credential is never sent across one)"},
        {refused, CheckStatus::kFail, CheckStatus::kFail,
         "the mapping call failed: 127.0.0.1:1: connection refused", "no answer"},
        {tls, CheckStatus::kFail, CheckStatus::kFail,
         "the mapping call failed: 127.0.0.1: certificate verify failed", "no answer"},
        {no_requester, CheckStatus::kFail, CheckStatus::kFail,
         "not asked: no run id: labels file /l does not exist",
         "no answer (the service was not asked)"},
        {file, CheckStatus::kPass, CheckStatus::kPass,
         "not asked: the mapping comes from mapping-file /m.conf",
         "/m.conf: 1 role (acme-list-bucket-role)"},
        {no_file, CheckStatus::kPass, CheckStatus::kFail,
         "not asked: the mapping comes from mapping-file /m.conf",
         "mapping file /m.conf does not exist"},
    };
    const Settings settings = ParseDoctor({}).settings;
    for (const Case& c : cases) {
      CAPTURE(c.answer_fact);
      const std::vector<Check> checks = CheckMapping(settings, c.probe);
      REQUIRE(checks.size() == 2);
      CHECK(checks[0].name == "mapping.service");
      CHECK(checks[1].name == "mapping.answer");
      CHECK(checks[0].status == c.service);
      CHECK(checks[1].status == c.answer);
      CHECK(checks[0].fact == c.service_fact);
      CHECK(checks[1].fact == c.answer_fact);
      CHECK(checks[1].fix.empty() == (c.answer == CheckStatus::kPass));
      // Advice about the body is for a 200 only (408 and 429 used to get it).
      if (c.probe.sent.ok() && c.probe.status != 200) {
        CHECK(checks[1].fix.find("answers 200") == std::string::npos);
      }
    }
    // https on a port that speaks plain HTTP, and a ca-file that is not there.
    const Settings https_settings =
        ParseDoctor({"--endpoint", "https://svc:8080/map", "--ca-file", "/no/ca.pem"}).settings;
    MappingProbe plain = tls;
    plain.plain_http_answers = true;
    CHECK(CheckMapping(https_settings, plain)[0].fix.starts_with(
        "the server does not speak TLS on this port (it answered plain HTTP)"));
    MappingProbe no_ca = tls;
    no_ca.ca_file = ReadStatus(ReadFailure::kMissing, "/no/ca.pem does not exist");
    CHECK(CheckMapping(https_settings, no_ca)[0].fix.starts_with(
        "ca-file /no/ca.pem does not exist: point ca-file (DOMINO_IRSA_SSL_CERT) at the PEM file"));
    CHECK(CheckMapping(settings, tls)[0].fix ==
          "set ca-file (DOMINO_IRSA_SSL_CERT) to the CA, or self-signed certificate, of the "
          "service");
    CHECK(CheckMapping(settings, refused)[0].fix.starts_with("the service is down or unreachable"));
    const Settings https =
        ParseDoctor({"--endpoint", "https://svc/map", "--ca-file", "/ca.pem"}).settings;
    const std::vector<Check> secure = CheckMapping(https, Answered(200, kReference));
    CHECK(secure[0].fact == "HTTP 200 in 0.250 s over verified TLS");
    CHECK(Fact(secure[0], "tls") ==
          "verified by libcurl (TLS 1.2 or later), trusting the system CA store and /ca.pem");
  }

  TEST_CASE("CheckMapping shows the endpoint without userinfo or query") {
    const Settings settings =
        ParseDoctor(
            {"--endpoint", "https://user:hunter2pass@irsa.example/map?X-Amz-Signature=f00dfeed"})
            .settings;
    MappingProbe refused;
    refused.sent = {HttpFailure::kConnect, "POST https://irsa.example/map: connection refused"};
    for (const MappingProbe& probe : {refused, Answered(200, kReference)}) {
      const std::vector<Check> checks = CheckMapping(settings, probe);
      CHECK(Fact(Named(checks, "mapping.service"), "endpoint") == "https://irsa.example/map");
      const std::string all = RenderAll(checks);
      CHECK(all.find("hunter2pass") == std::string::npos);
      CHECK(all.find("X-Amz-Signature") == std::string::npos);
    }
  }

  TEST_CASE("CheckConfig") {
    const std::string stable = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
    const auto facts = [&stable](InputRead config, ReadFailure token = ReadFailure::kNone) {
      ConfigFacts f;
      f.config = std::move(config);
      f.token_paths[stable] = token;
      f.token_paths["/sa/..2026_11_23_17_00_00.1/token"] = ReadFailure::kNone;
      return f;
    };
    std::string broken = Published({"good"});
    broken += "[profile broken]\nsource_profile = src_broken\n";
    struct Case {
      ConfigFacts facts;
      CheckStatus file, names, token;  // kPass for a check that is not there: see `count`
      size_t count;
      std::string file_fact;
    };
    const Case cases[] = {
        {facts(Read("/c", Published({"a", "b"}))), CheckStatus::kPass, CheckStatus::kPass,
         CheckStatus::kPass, 3, "2 complete pairs in /c"},
        {facts(Missing("/c")), CheckStatus::kFail, CheckStatus::kPass, CheckStatus::kPass, 1,
         "no config file /c: the agent has not written it"},
        {facts(Read("/c", "[profile a]\nno equals sign\n")), CheckStatus::kFail, CheckStatus::kPass,
         CheckStatus::kPass, 1, "/c: config:2: not a section header, entry or comment"},
        {facts(Read("/c", broken)), CheckStatus::kFail, CheckStatus::kPass, CheckStatus::kPass, 3,
         "1 profile broken in /c: broken: no [profile src_broken]"},
        {facts(Read("/c", Published({"acme.role", "a+b"}))), CheckStatus::kPass, CheckStatus::kWarn,
         CheckStatus::kPass, 3, "2 complete pairs in /c"},
        {facts(Read("/c", Published({"a"}, "/sa/..2026_11_23_17_00_00.1/token"))),
         CheckStatus::kPass, CheckStatus::kPass, CheckStatus::kFail, 3, "1 complete pairs in /c"},
        {facts(Read("/c", Published({"a"})), ReadFailure::kMissing), CheckStatus::kPass,
         CheckStatus::kPass, CheckStatus::kFail, 3, "1 complete pairs in /c"},
    };
    const Settings settings = ParseDoctor({}).settings;
    for (const Case& c : cases) {
      CAPTURE(c.file_fact);
      const std::vector<Check> checks = CheckConfig(settings, c.facts);
      REQUIRE(checks.size() == c.count);
      CHECK(checks[0].name == "config.file");
      CHECK(checks[0].status == c.file);
      CHECK(checks[0].fact == c.file_fact);
      if (c.count > 1) CHECK(checks[1].status == c.names);
      if (c.count > 2) CHECK(checks[2].status == c.token);
    }
    const std::vector<Check> hostile =
        CheckConfig(settings, facts(Read("/c", Published({"acme.role", "a+b"}))));
    CHECK(hostile[1].fact == "not every SDK accepts acme.role, a+b");
    CHECK(Fact(hostile[1], "acme.role") == "and src_acme.role: rejected by older JS v3 (. @ + /)");
    CHECK(Fact(hostile[1], "a+b") ==
          "and src_a+b: rejected by Java v2 (+ = ,), older JS v3 (. @ + /)");
    const std::vector<Check> rotated = CheckConfig(
        settings, facts(Read("/c", Published({"a"}, "/sa/..2026_11_23_17_00_00.1/token"))));
    CHECK(rotated[2].fact ==
          "/sa/..2026_11_23_17_00_00.1/token names a kubelet timestamped folder, deleted at the "
          "next rotation");
    const std::vector<Check> other =
        CheckConfig(ParseDoctor({"--web-identity-token-file", "/other/token"}).settings,
                    facts(Read("/c", Published({"a"}))));
    CHECK(other[2].status == CheckStatus::kWarn);
    CHECK(other[2].fact == stable + " is not the web-identity-token-file setting (/other/token)");

    ConfigFacts stale = facts(Read("/c", Published({"a", "b"})));
    stale.have_mapping = true;
    stale.mapped_names = {"b", "c"};
    const Check current = CheckConfig(settings, stale)[0];
    CHECK(current.status == CheckStatus::kWarn);
    CHECK(current.fact == "2 complete pairs in /c; out of date with the mapping service");
    CHECK(Fact(current, "missing") == "c");
    CHECK(Fact(current, "no_longer_mapped") == "a");
  }

  TEST_CASE("CheckEnvironment") {
    const Settings settings = ParseDoctor({"--aws-config-file", "/var/run/.aws/config"}).settings;
    const std::vector<std::string> profiles = {"x", "src_x"};
    struct Case {
      Environment env;
      std::string_view name;
      CheckStatus status;
      std::string fact;
    };
    const Case cases[] = {
        {{},
         "env.web-identity",
         CheckStatus::kPass,
         "neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE is set"},
        {{{"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}, {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}},
         "env.web-identity",
         CheckStatus::kFail,
         "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set: Go v2, Java v2 and JS v3 assume "
         "arn:aws:iam::1:role/r and ignore AWS_PROFILE; botocore with AWS_PROFILE=src_X takes "
         "the role from AWS_ROLE_ARN"},
        {{{"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}},
         "env.web-identity",
         CheckStatus::kWarn,
         "AWS_ROLE_ARN is set: any SDK that also sees AWS_WEB_IDENTITY_TOKEN_FILE assumes it "
         "instead of the profiles"},
        {{{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}},
         "env.web-identity",
         CheckStatus::kPass,
         "AWS_WEB_IDENTITY_TOKEN_FILE is set without AWS_ROLE_ARN: SDKs ignore it"},
        {{},
         "env.profile",
         CheckStatus::kPass,
         "AWS_PROFILE is not set: code selects a profile by name"},
        {{{"AWS_PROFILE", "x"}},
         "env.profile",
         CheckStatus::kPass,
         "AWS_PROFILE=x is a profile in the config"},
        {{{"AWS_PROFILE", "src_x"}},
         "env.profile",
         CheckStatus::kWarn,
         "AWS_PROFILE=src_x selects the proxy role in the cluster's account, not the role"},
        {{{"AWS_PROFILE", "default"}},
         "env.profile",
         CheckStatus::kFail,
         "AWS_PROFILE=default is not a profile in the config: every SDK call without an explicit "
         "profile fails (ProfileNotFound)"},
        {{{"AWS_DEFAULT_PROFILE", "nope"}},
         "env.profile",
         CheckStatus::kFail,
         "AWS_DEFAULT_PROFILE=nope is not a profile in the config: every SDK call without an "
         "explicit profile fails (ProfileNotFound)"},
        {{{"AWS_CONFIG_FILE", "/var/run/.aws/config"}},
         "env.config-file",
         CheckStatus::kPass,
         "SDKs read /var/run/.aws/config, the file the agent writes"},
        {{{"AWS_CONFIG_FILE", "/home/u/.aws/config"}},
         "env.config-file",
         CheckStatus::kWarn,
         "SDKs read /home/u/.aws/config but the agent writes /var/run/.aws/config"},
        {{{"HOME", "/var/run"}},
         "env.config-file",
         CheckStatus::kPass,
         "SDKs read /var/run/.aws/config, the file the agent writes"},
        {{{"HOME", "/home/u"}},
         "env.config-file",
         CheckStatus::kWarn,
         "SDKs read /home/u/.aws/config but the agent writes /var/run/.aws/config"},
        {{}, "env.static-keys", CheckStatus::kPass, "no AWS_ACCESS_KEY_ID in the environment"},
        {{{"AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY123456"},
          {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
         "env.static-keys",
         CheckStatus::kWarn,
         "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY set (values not shown): SDKs use these keys "
         "before AWS_PROFILE; only code that names a profile explicitly gets the role"},
        {{},
         "sdk.chaining",
         CheckStatus::kPass,
         "web identity as a source_profile works in botocore >= 1.12.200, the AWS CLI, Go v2, "
         "Java v2, JS v3 and Rust"},
        {{{"AWS_SDK_LOAD_CONFIG", "0"}},
         "sdk.chaining",
         CheckStatus::kWarn,
         "AWS_SDK_LOAD_CONFIG=0: Go v1 and JS v2 ignore the config file"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.fact);
      const std::vector<Check> checks = CheckEnvironment(settings, c.env, profiles, true);
      REQUIRE(checks.size() == 5);
      const Check& check = Named(checks, c.name);
      CHECK(check.status == c.status);
      CHECK(check.fact == c.fact);
      CHECK(check.fix.empty() == (c.status == CheckStatus::kPass));
      const std::string all = RenderAll(checks);
      CHECK(all.find("wJalrXUtnFEMI") == std::string::npos);
      CHECK(all.find("AKIAEXAMPLEKEY123456") == std::string::npos);
    }
    const Check unknown =
        Named(CheckEnvironment(settings, {{"AWS_PROFILE", "x"}}, {}, false), "env.profile");
    CHECK(unknown.status == CheckStatus::kWarn);
    CHECK(unknown.fact == "AWS_PROFILE=x (not checked: the config file could not be read)");
    CHECK(Fact(Named(CheckEnvironment(settings, {}, profiles, true), "sdk.chaining"), "hint") ==
          "Go v1 and JS v2 read the config file only with AWS_SDK_LOAD_CONFIG=1");
  }

  TEST_CASE("CheckWebIdentity and CheckAssumeRole") {
    ProfilePair pair;
    pair.name = "acme-list-bucket-role";
    pair.target_role = {"aws", "524112250363", "/", "acme-list-bucket-role"};
    pair.proxy_role = {"aws", "946429944765", "/", "acme-list-bucket-role"};
    JwtClaims claims;
    claims.iss = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
    claims.sub = "system:serviceaccount:domino-compute:run-sa";
    claims.aud = {"sts.amazonaws.com"};
    StsProbe ok;
    ok.asked = ok.answered = ok.ok = true;
    ok.endpoint = "http://127.0.0.1:5000/";
    ok.assumed_role_arn = "arn:aws:sts::946429944765:assumed-role/acme-list-bucket-role/s";
    ok.expiration = "2026-11-23T17:15:00Z";
    StsProbe denied;
    denied.asked = denied.answered = true;
    denied.code = "AccessDenied";
    denied.message = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
    StsProbe invalid = denied;
    invalid.code = "InvalidIdentityToken";
    invalid.message = "No OpenIDConnect provider found in your account for https://x";
    StsProbe down;
    down.asked = true;
    down.error = "STS 127.0.0.1:9: connection refused";
    StsProbe not_asked;
    not_asked.error = "no readable, well-formed web identity token (see token.claims)";
    struct Case {
      StsProbe probe;
      CheckStatus status;
      std::string fact;
    };
    const Case cases[] = {
        {ok, CheckStatus::kPass,
         "src_acme-list-bucket-role: assumed "
         "arn:aws:sts::946429944765:assumed-role/acme-list-bucket-role/s"},
        {denied, CheckStatus::kFail,
         "src_acme-list-bucket-role: AccessDenied: Not authorized to perform "
         "sts:AssumeRoleWithWebIdentity"},
        {invalid, CheckStatus::kFail,
         "src_acme-list-bucket-role: InvalidIdentityToken: No OpenIDConnect provider found in "
         "your account for https://x"},
        {down, CheckStatus::kFail,
         "src_acme-list-bucket-role: STS 127.0.0.1:9: connection refused"},
        {not_asked, CheckStatus::kFail,
         "src_acme-list-bucket-role: not asked: no readable, well-formed web identity token (see "
         "token.claims)"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.fact);
      const Check check = CheckWebIdentity(pair, c.probe, &claims);
      CHECK(check.name == "sts.web-identity");
      CHECK(check.status == c.status);
      CHECK(check.fact == c.fact);
      CHECK(Fact(check, "role") == "arn:aws:iam::946429944765:role/acme-list-bucket-role");
    }
    const Check granted = CheckWebIdentity(pair, ok, &claims);
    CHECK(Fact(granted, "credentials") == "issued, expire 2026-11-23T17:15:00Z (never shown)");

    const Check refused = CheckWebIdentity(pair, denied, &claims);
    CHECK(
        refused.fix.starts_with("the trust policy of "
                                "arn:aws:iam::946429944765:role/acme-list-bucket-role does not "
                                "admit this token"));
    CHECK(Fact(refused, "trust_policy_statement") ==
          "{\n"
          "  \"Effect\": \"Allow\",\n"
          "  \"Principal\": {\n"
          "    \"Federated\": \"arn:aws:iam::946429944765:oidc-provider/"
          "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE\"\n"
          "  },\n"
          "  \"Action\": \"sts:AssumeRoleWithWebIdentity\",\n"
          "  \"Condition\": {\n"
          "    \"StringEquals\": {\n"
          "      \"oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub\": "
          "\"system:serviceaccount:domino-compute:run-sa\",\n"
          "      \"oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud\": \"sts.amazonaws.com\"\n"
          "    }\n"
          "  }\n"
          "}");
    CHECK(Fact(CheckWebIdentity(pair, denied, nullptr), "trust_policy_statement").empty());
    CHECK(
        CheckWebIdentity(pair, invalid, &claims)
            .fix.starts_with("register the token's issuer (iss) as an IAM OIDC identity provider"));

    const Check chained = CheckAssumeRole(pair, denied);
    CHECK(chained.name == "sts.assume-role");
    CHECK(chained.fact ==
          "acme-list-bucket-role: AccessDenied: Not authorized to perform "
          "sts:AssumeRoleWithWebIdentity");
    CHECK(chained.fix ==
          "the trust policy of arn:aws:iam::524112250363:role/acme-list-bucket-role must allow "
          "arn:aws:iam::946429944765:role/acme-list-bucket-role (Principal AWS) to sts:AssumeRole, "
          "and that role needs an identity policy allowing sts:AssumeRole on the target");
    CHECK(CheckAssumeRole(pair, ok).status == CheckStatus::kPass);

    // Process style with source-identity and session-tags: the probe asked
    // for them, so the trust policy must allow them too.
    const Check audited = CheckAssumeRole(pair, denied, true, true);
    CHECK(Fact(audited, "also_asked_for") == "SourceIdentity, session tags");
    CHECK(audited.fix ==
          "the trust policy of arn:aws:iam::524112250363:role/acme-list-bucket-role must allow "
          "arn:aws:iam::946429944765:role/acme-list-bucket-role (Principal AWS) to sts:AssumeRole, "
          "sts:SetSourceIdentity, sts:TagSession, and that role needs an identity policy allowing "
          "sts:AssumeRole on the target (sts:SetSourceIdentity, sts:TagSession: the broker sends "
          "them because source-identity / session-tags is on)");
    CHECK(CheckAssumeRole(pair, denied, false, true).fix.find("sts:AssumeRole, sts:TagSession, ") !=
          std::string::npos);
    CHECK(Fact(CheckAssumeRole(pair, denied), "also_asked_for").empty());
  }
}

}  // namespace
}  // namespace irsa

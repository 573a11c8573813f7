// Tests for doctor.h, part 1: the report model and rendering, and the checks
// of who is asking (settings, run id, Domino credential) and of the web
// identity token; ProbePathLayout on a real folder. Part 2 is
// doctor_checks_test.cc.
#include "doctor/doctor.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "fakes/fake_http.h"
#include "irsa_agent/path_probe.h"
#include "unit/doctor_test_util.h"

namespace irsa {
namespace {

TEST_SUITE("doctor") {
  TEST_CASE("RenderDoctorText: one line per check, facts and fix indented, a summary") {
    const std::vector<Check> checks = {
        {"token.claims", CheckStatus::kPass, "valid for 23h 59m", {{"iss", "https://i"}}, ""},
        {"mapping.service",
         CheckStatus::kFail,
         "POST http://x failed: refused",
         {},
         "start the service"},
        {"config.names", CheckStatus::kWarn, "a+b", {{"trust", "{\n  \"a\": 1\n}"}}, "rename"},
    };
    CHECK(RenderDoctorText(checks) ==
          "pass  token.claims        valid for 23h 59m\n"
          "      iss: https://i\n"
          "fail  mapping.service     POST http://x failed: refused\n"
          "      fix: start the service\n"
          "warn  config.names        a+b\n"
          "      trust: {\n"
          "          \"a\": 1\n"
          "        }\n"
          "      fix: rename\n"
          "summary: 1 pass, 1 warn, 1 fail\n");
    CHECK(DoctorExitCode(checks) == 1);
    CHECK(DoctorExitCode({checks[0], checks[2]}) == 0);
    CHECK(DoctorExitCode({}) == 0);
  }

  TEST_CASE("RenderDoctorText: control characters cannot forge a line") {
    const std::vector<Check> checks = {
        {"x", CheckStatus::kPass, "a\nfail  y  forged", {{"k\n", "v\r\x1b[31m"}}, ""}};
    const std::string text = RenderDoctorText(checks);
    CHECK(text ==
          "pass  x                   a\\x0afail  y  forged\n"
          "      k\\x0a: v\\x0d\\x1b[31m\n"
          "summary: 1 pass, 0 warn, 0 fail\n");
  }

  TEST_CASE("RenderDoctorJson") {
    const std::vector<Check> checks = {
        {"a", CheckStatus::kPass, "fine", {{"k1", "v1"}, {"k2", "v2"}}, ""},
        {"b", CheckStatus::kFail, "broken", {}, "fix it"}};
    const std::string text = RenderDoctorJson(checks);
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["ok"] == false);
    CHECK(j["summary"] == nlohmann::json({{"pass", 1}, {"warn", 0}, {"fail", 1}}));
    REQUIRE(j["checks"].size() == 2);
    CHECK(j["checks"][0] == nlohmann::json({{"name", "a"},
                                            {"status", "pass"},
                                            {"fact", "fine"},
                                            {"facts", {{"k1", "v1"}, {"k2", "v2"}}},
                                            {"fix", ""}}));
    CHECK(j["checks"][1]["fix"] == "fix it");
    CHECK(text.find("\"k1\"") < text.find("\"k2\""));  // facts keep their order
    CHECK(text.ends_with("}\n"));
  }

  TEST_CASE("FormatDuration") {
    const std::pair<int64_t, std::string_view> cases[] = {
        {0, "0s"},       {9, "9s"},          {60, "1m 0s"},    {250, "4m 10s"},
        {3600, "1h 0m"}, {86399, "23h 59m"}, {86400, "1d 0h"}, {2 * 86400 + 3 * 3600 + 59, "2d 3h"},
        {-5, "0s"}};
    for (const auto& [seconds, text] : cases) CHECK(FormatDuration(seconds) == text);
  }

  TEST_CASE("CheckSettings: every setting with its origin; secrets by length only") {
    const Invocation inv =
        ParseDoctor({"--api-key", kApiKey, "--timeout", "5"}, {{"AWS_REGION", "eu-west-1"}});
    const Check check = CheckSettings(inv.settings, "");
    CHECK(check.status == CheckStatus::kPass);
    CHECK(check.fact == std::to_string(AllSettings().size()) +
                            " settings: " + std::to_string(AllSettings().size() - 4) +
                            " from defaults, 3 from flags, 1 from the environment");
    CHECK(Fact(check, "api-key") == "present (64 bytes)  [flag --api-key]");
    CHECK(Fact(check, "region") == "eu-west-1  [env AWS_REGION]");
    CHECK(Fact(check, "timeout") == "5  [flag --timeout]");
    CHECK(Fact(check, "api-proxy") == "(empty)  [default]");
    CHECK(check.facts.size() == AllSettings().size());
    CHECK(RenderAll({check}).find(kApiKey) == std::string::npos);
    CHECK(CheckSettings(inv.settings, "/etc/a.ini").fact.ends_with("(INI file /etc/a.ini)"));
  }

  TEST_CASE("CheckSettings shows URLs without userinfo or query") {
    const Invocation inv = ParseDoctor(
        {"--endpoint", "https://user:hunter2pass@irsa.example:8443/map?X-Amz-Signature=f00dfeed",
         "--api-proxy", "http://proxy-user:hunter2pass@127.0.0.1:8899/?X-Amz-Signature=f00dfeed",
         "--sts-endpoint", "http://127.0.0.1:5000/"});
    const Check check = CheckSettings(inv.settings, "");
    CHECK(Fact(check, "endpoint") == "https://irsa.example:8443/map  [flag --endpoint]");
    CHECK(Fact(check, "api-proxy") == "http://127.0.0.1:8899/  [flag --api-proxy]");
    CHECK(Fact(check, "sts-endpoint") == "http://127.0.0.1:5000/  [flag --sts-endpoint]");
    const std::string all = RenderAll({check});
    CHECK(all.find("hunter2pass") == std::string::npos);
    CHECK(all.find("X-Amz-Signature") == std::string::npos);
    CHECK(all.find("f00dfeed") == std::string::npos);
  }

  TEST_CASE("CheckRunId judges what ChooseRunId chose") {
    const std::string labels =
        "app.kubernetes.io/name=\"run-6527182438a6346046006654\"\n"
        "dominodatalab.com/irsa-workload-type=\"edge-workload\"";
    struct Case {
      std::vector<std::string> flags;
      FileRead labels;
      CheckStatus status;
      std::string fact;
    };
    const Case cases[] = {
        {{},
         Read("/l", labels),
         CheckStatus::kPass,
         "run id 6527182438a6346046006654 from the labels file /l"},
        {{"--run-id", "other"},
         Read("/l", labels),
         CheckStatus::kWarn,
         "run id 6527182438a6346046006654 from the labels file /l; the run-id setting other is "
         "ignored"},
        {{}, Read("/l", "a=\"b\"\nnot a label"), CheckStatus::kFail, "/l:2: missing '=' after key"},
        {{"--run-id", "abc"},
         Missing("/l"),
         CheckStatus::kPass,
         "run id abc from the run-id setting (no labels file /l)"},
        {{},
         Missing("/l"),
         CheckStatus::kFail,
         "no run id: labels file /l does not exist and run-id is not set"},
        {{},
         Error("/l", "/l: Permission denied"),
         CheckStatus::kFail,
         "labels file /l: Permission denied"},
        {{"--mapping-file", "/m"},
         Missing("/l"),
         CheckStatus::kPass,
         "not needed: the mapping comes from mapping-file"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.fact);
      const Settings settings = ParseDoctor(c.flags).settings;
      Requester requester;
      const StepStatus chosen = ChooseRunId(settings, c.labels, &requester);
      const Check check = CheckRunId(settings, c.labels, chosen, requester);
      CHECK(check.name == "run-id");
      CHECK(check.status == c.status);
      CHECK(check.fact == c.fact);
      CHECK(check.fix.empty() == (c.status == CheckStatus::kPass));
      // The doctor and sync agree: a failing check is exactly sync's refusal.
      if (c.status == CheckStatus::kFail) CHECK(chosen.message() == c.fact);
    }
    const Settings settings = ParseDoctor({}).settings;
    Requester requester;
    const StepStatus chosen = ChooseRunId(settings, Read("/l", labels), &requester);
    const Check ok = CheckRunId(settings, Read("/l", labels), chosen, requester);
    CHECK(Fact(ok, "workload_type") == "edge-workload");
  }

  TEST_CASE("CheckDominoCredential judges what ChooseCredential chose") {
    const std::string token = MakeJwt({{"sub", "user"}, {"exp", kNow + 3600}});
    const std::string expired = MakeJwt({{"sub", "user"}, {"exp", kNow - 120}});
    struct Case {
      std::vector<std::string> flags;
      FileRead file;
      CheckStatus status;
      std::string fact;
    };
    const Case cases[] = {
        {{},
         Read("/t", token + "\n"),
         CheckStatus::kPass,
         "token file /t (" + std::to_string(token.size()) + " bytes)"},
        {{}, Read("/t", "opaque-token-value"), CheckStatus::kPass, "token file /t (18 bytes)"},
        {{},
         Read("/t", expired),
         CheckStatus::kWarn,
         "token file /t (" + std::to_string(expired.size()) + " bytes): expired 2m 0s ago"},
        {{}, Read("/t", " \n"), CheckStatus::kFail, "Domino token file /t is empty"},
        {{},
         Read("/t", "two words"),
         CheckStatus::kFail,
         "Domino token file /t holds a space or control character inside the token"},
        {{"--api-key", kApiKey},
         Missing("/t"),
         CheckStatus::kPass,
         "api-key setting, present (64 bytes) (no token file /t)"},
        {{},
         Missing("/t"),
         CheckStatus::kFail,
         "no Domino credential: token file /t does not exist and neither api-proxy nor "
         "api-key is set"},
        {{},
         Error("/t", "/t: Permission denied"),
         CheckStatus::kFail,
         "Domino token file /t: Permission denied"},
        {{"--mapping-file", "/m"},
         Missing("/t"),
         CheckStatus::kPass,
         "not needed: the mapping comes from mapping-file"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.fact);
      const Settings settings = ParseDoctor(c.flags).settings;
      Credential credential;
      const StepStatus chosen = ChooseCredential(settings, c.file, &credential);
      const Check check = CheckDominoCredential(settings, c.file, chosen, credential, kNow);
      CHECK(check.name == "domino-credential");
      CHECK(check.status == c.status);
      CHECK(check.fact == c.fact);
      if (c.status == CheckStatus::kFail) CHECK(chosen.message() == c.fact);
      const std::string all = RenderAll({check});
      CHECK(all.find(kApiKey) == std::string::npos);
      CHECK(all.find(token) == std::string::npos);
      CHECK(all.find("opaque-token-value") == std::string::npos);
    }
  }

  TEST_CASE("CheckDominoCredential: an API proxy passes only when it handed out a token") {
    const std::string token = MakeJwt({{"sub", "user"}, {"exp", kNow + 3600}});
    struct Case {
      FakeExchange answer;
      CheckStatus status;
      std::string fact;
    };
    const Case cases[] = {
        {FakeExchange::Status(200, token + "\n"), CheckStatus::kPass,
         "token fetched from the api proxy http://127.0.0.1:8899/ (" +
             std::to_string(token.size()) + " bytes) (no token file /t)"},
        {FakeExchange::Fail(HttpFailure::kConnect,
                            "GET http://127.0.0.1:8899/access-token: Connection refused"),
         CheckStatus::kFail,
         "api proxy: GET http://127.0.0.1:8899/access-token: Connection refused"},
        {FakeExchange::Status(503), CheckStatus::kFail,
         "api proxy: GET http://127.0.0.1:8899/access-token answered HTTP 503"},
        {FakeExchange::Status(200, "<p>sign in</p>"), CheckStatus::kFail,
         "api proxy: GET http://127.0.0.1:8899/access-token did not answer a token (14 bytes)"},
    };
    const Settings settings = ParseDoctor({"--api-proxy", "http://127.0.0.1:8899/"}).settings;
    for (const Case& c : cases) {
      CAPTURE(c.fact);
      FakeHttp http;
      http.script = {c.answer};
      Credential credential;
      StepStatus chosen = ChooseCredential(settings, Missing("/t"), &credential);
      REQUIRE(chosen.ok());
      CHECK(credential.origin == Credential::Origin::kApiProxy);
      CHECK(credential.secret.empty());
      chosen = FetchProxyToken(settings, http, {}, &credential);
      const Check check = CheckDominoCredential(settings, Missing("/t"), chosen, credential, kNow);
      CHECK(check.status == c.status);
      CHECK(check.fact == c.fact);
      REQUIRE(http.requests.size() == 1);
      CHECK(http.requests[0].url == "http://127.0.0.1:8899/access-token");
      CHECK(RenderAll({check}).find(token) == std::string::npos);
    }
  }

  TEST_CASE("CheckTokenFile: layouts and failures") {
    const std::string jwt = MakeJwt({{"sub", "s"}});
    PathLayout projected;
    projected.exists = projected.is_symlink = projected.data_is_symlink = projected.is_regular =
        true;
    projected.link_target = "..data/token";
    projected.data_target = "..2026_11_23_17_00_00.123456789";
    PathLayout plain;
    plain.exists = plain.is_regular = true;
    PathLayout other_link = plain;
    other_link.is_symlink = true;
    other_link.link_target = "/elsewhere/token";
    struct Case {
      FileRead file;
      PathLayout layout;
      CheckStatus status;
      std::string fact, layout_fact;
    };
    const Case cases[] = {
        {Read("/sa/token", jwt), projected, CheckStatus::kPass,
         "projected volume (kubelet AtomicWriter)",
         "projected volume (kubelet AtomicWriter): token -> ..data/token, ..data -> "
         "..2026_11_23_17_00_00.123456789"},
        {Read("/sa/token", jwt), plain, CheckStatus::kPass,
         "plain file /sa/token (its writer must refresh it)", "plain file"},
        {Read("/sa/token", jwt), other_link, CheckStatus::kPass,
         "a symlink to /elsewhere/token (not the kubelet's ..data layout)",
         "a symlink to /elsewhere/token (not the kubelet's ..data layout)"},
        {Missing("/sa/token"), PathLayout{}, CheckStatus::kFail,
         "no web identity token at /sa/token", ""},
        {Read("/sa/token", "\n"), plain, CheckStatus::kFail, "/sa/token is empty", "plain file"},
        {Error("/sa/token", "/sa/token: Permission denied"), plain, CheckStatus::kFail,
         "web identity token file /sa/token: Permission denied", "plain file"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.fact);
      const Check check = CheckTokenFile(c.file, c.layout);
      CHECK(check.name == "token.file");
      CHECK(check.status == c.status);
      CHECK(check.fact == c.fact);
      CHECK(Fact(check, "layout") == c.layout_fact);
      CHECK(RenderAll({check}).find(jwt) == std::string::npos);
    }
  }

  TEST_CASE("CheckTokenClaims") {
    const std::string iss = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
    const nlohmann::json good = {{"iss", iss},
                                 {"sub", "system:serviceaccount:ns:sa"},
                                 {"aud", {"sts.amazonaws.com"}},
                                 {"iat", kNow - 60},
                                 {"exp", kNow + 86340}};
    const auto with = [&good](const nlohmann::json& patch) {
      nlohmann::json claims = good;
      claims.merge_patch(patch);
      return Read("/t", MakeJwt(claims));
    };
    struct Case {
      FileRead file;
      CheckStatus status;
      std::string fact;
    };
    const Case cases[] = {
        {with(nlohmann::json::object()), CheckStatus::kPass,
         "valid for 23h 59m, aud sts.amazonaws.com, sub system:serviceaccount:ns:sa"},
        {with({{"exp", kNow - 300}, {"iat", kNow - 86700}}), CheckStatus::kFail,
         "the token expired 5m 0s ago"},
        {with({{"aud", "vault"}}), CheckStatus::kFail,
         "the token aud is [vault], not sts.amazonaws.com"},
        {with({{"aud", "vault"}, {"exp", kNow - 10}, {"iat", kNow - 100}}), CheckStatus::kFail,
         "the token expired 10s ago; aud is [vault], not sts.amazonaws.com"},
        {with({{"iat", kNow - 86000}, {"exp", kNow + 400}}), CheckStatus::kWarn,
         "the token past 90% of its lifetime and not rotated"},
        {with({{"exp", nullptr}}), CheckStatus::kWarn, "the token has no exp claim"},
        {with({{"nbf", kNow + 3600}}), CheckStatus::kFail,
         "the token not valid before 2026-11-23T18:00:00.000Z"},
        {with({{"iss", "http://plain"}}), CheckStatus::kFail, "the token iss is not an https URL"},
        {Read("/t", "not-a-jwt"), CheckStatus::kFail,
         "malformed: token: not three dot-separated parts"},
        {Read("/t", "a.!!!.c"), CheckStatus::kFail, "malformed: token: payload is not base64url"},
        {Missing("/t"), CheckStatus::kFail, "no token to decode (see token.file)"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.fact);
      const Check check = CheckTokenClaims(c.file, kNow);
      CHECK(check.name == "token.claims");
      CHECK(check.status == c.status);
      CHECK(check.fact == c.fact);
      CHECK(check.fix.empty() == (c.status == CheckStatus::kPass));
      if (c.file.status.ok()) {
        CHECK(RenderAll({check}).find(c.file.content) == std::string::npos);
      }
    }
    const Check ok = CheckTokenClaims(with(nlohmann::json::object()), kNow);
    CHECK(Fact(ok, "iss") == iss);
    CHECK(Fact(ok, "aud") == "sts.amazonaws.com");
    CHECK(Fact(ok, "exp") == "2026-11-24T16:59:00.000Z");
    CHECK(Fact(ok, "time_left") == "23h 59m");
    CHECK(CheckTokenClaims(with({{"aud", "vault"}}), kNow).fix ==
          "set audience: sts.amazonaws.com in the pod's serviceAccountToken projection");
  }

  TEST_CASE("ProbePathLayout on a kubelet-style folder, a plain file and nothing") {
    char pattern[] = "/tmp/irsa-doctor-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    const std::string dir = pattern;
    const std::string stamp = dir + "/..2026_11_23_17_00_00.1";
    std::filesystem::create_directory(stamp);
    std::ofstream(stamp + "/token") << "x";
    std::filesystem::create_directory_symlink("..2026_11_23_17_00_00.1", dir + "/..data");
    std::filesystem::create_symlink("..data/token", dir + "/token");
    std::ofstream(dir + "/plain") << "y";

    const PathLayout projected = ProbePathLayout(dir + "/token");
    CHECK(projected.exists);
    CHECK(projected.is_regular);
    CHECK(projected.is_symlink);
    CHECK(projected.link_target == "..data/token");
    CHECK(projected.data_is_symlink);
    CHECK(projected.data_target == "..2026_11_23_17_00_00.1");
    CHECK(CheckTokenFile(Read(dir + "/token", "a.b.c"), projected).fact ==
          "projected volume (kubelet AtomicWriter)");

    std::filesystem::remove(dir + "/..data");
    const PathLayout plain = ProbePathLayout(dir + "/plain");
    CHECK(plain.exists);
    CHECK(plain.is_regular);
    CHECK_FALSE(plain.is_symlink);
    CHECK_FALSE(plain.data_is_symlink);

    const PathLayout dangling = ProbePathLayout(dir + "/token");
    CHECK_FALSE(dangling.exists);
    CHECK(dangling.is_symlink);
    CHECK_FALSE(ProbePathLayout(dir + "/none").exists);
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace irsa

#include "run/sync.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "base/digest.h"
#include "fakes/capture_sink.h"
#include "fakes/fake_files.h"
#include "fakes/fake_http.h"
#include "unit/test_util.h"

namespace irsa {
namespace {

constexpr char kToken[] = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXNlY3JldA";
constexpr char kLabels[] =
    "app.kubernetes.io/name=\"run-6527182438a6346046006654\"\n"
    "dominodatalab.com/execution-id=\"6527182438a6346046006654\"\n"
    "dominodatalab.com/workload-type=\"Workspace\"";

// The reference file as chain style writes it for the run in kLabels (no user
// is known: the session name is the run id alone).
std::string WithSessionName(const std::string& rendered,
                            const std::string& name = "6527182438a6346046006654") {
  std::string out;
  for (size_t pos = 0; pos < rendered.size();) {
    const size_t end = rendered.find('\n', pos);
    const std::string line = rendered.substr(pos, end - pos + 1);
    if (line.starts_with("region = ")) out += "role_session_name = " + name + "\n";
    out += line;
    pos = end + 1;
  }
  return out;
}

struct SyncFixture {
  Settings settings;
  FakeFiles files;
  FakeHttp http;
  CaptureSink sink;
  Logger log{LogLevel::kDebug, LogFormat::kText, &sink, [] { return 1.8e9; }};
  Syncer syncer{settings, files, http, log, [] { return 1.8e9; }};

  SyncFixture() {
    settings.endpoint = "http://iam-sa-mapping-svc.domino-platform/map_iam_role_to_pod_sa";
    settings.region = "us-west-2";
    files.content[settings.pod_info_path] = kLabels;
    files.content[settings.domino_token_file] = std::string(kToken) + "\n";
  }

  // Every log line and message so far, for secret checks.
  std::string Output(const SyncResult& r) const { return sink.All() + r.status.message(); }
};

TEST_SUITE("sync") {
  TEST_CASE_FIXTURE(SyncFixture, "reference answer from the first-generation service") {
    http.script.push_back(FakeExchange::Status(200, ReadTestdata("reference-answer.conf")));
    const SyncResult r = syncer.Sync(true);
    REQUIRE(r.status.kind() == Failure::kNone);
    CHECK(r.changed);
    CHECK(r.profiles ==
          std::vector<std::string>{"acme-update-bucket-role", "acme-list-bucket-role"});
    CHECK(r.dropped.empty());
    CHECK(files.content[settings.aws_config_file] ==
          WithSessionName(ReadTestdata("reference-rendered.conf")));
    CHECK(files.modes[settings.aws_config_file] == 0644);
    CHECK(r.config_hash == Sha256Hex(r.rendered));

    REQUIRE(http.requests.size() == 1);
    const HttpRequest& req = http.requests[0];
    CHECK(req.method == "POST");
    CHECK(req.url == settings.endpoint);
    CHECK(http.Header(0, "Content-Type") == "application/json");
    CHECK(http.Header(0, "Authorization") == std::string("Bearer ") + kToken);
    CHECK(req.body == R"({"run_id":"6527182438a6346046006654"})");
    CHECK(req.max_response_bytes == kMaxAnswerBytes);
    CHECK(Output(r).find(kToken) == std::string::npos);
  }

  TEST_CASE_FIXTURE(SyncFixture, "later generation sends the workload type") {
    files.content[settings.pod_info_path] =
        std::string(kLabels) + "\ndominodatalab.com/irsa-workload-type=\"cluster-worker\"";
    http.script.push_back(FakeExchange::Status(200, ""));
    const SyncResult r = syncer.Sync(true);
    REQUIRE(r.status.kind() == Failure::kNone);
    CHECK(http.requests.at(0).body ==
          R"({"irsa_workload_type":"cluster-worker","run_id":"6527182438a6346046006654"})");
    CHECK(r.profiles.empty());
  }

  TEST_CASE_FIXTURE(SyncFixture, "credential from the API proxy when there is no token file") {
    files.content.erase(settings.domino_token_file);
    settings.api_proxy = "http://localhost:8899/";
    http.script.push_back(FakeExchange::Status(200, std::string(kToken) + "\n"));
    http.script.push_back(FakeExchange::Status(200, ""));
    const SyncResult r = syncer.Sync(true);
    REQUIRE(r.status.kind() == Failure::kNone);
    REQUIRE(http.requests.size() == 2);
    CHECK(http.requests[0].method == "GET");
    CHECK(http.requests[0].url == "http://localhost:8899/access-token");
    CHECK(http.Header(1, "Authorization") == std::string("Bearer ") + kToken);
    CHECK(Output(r).find(kToken) == std::string::npos);
  }

  TEST_CASE_FIXTURE(SyncFixture, "the API proxy's exchange and the mapping call share the budget") {
    // `once` passes the time left before `timeout`: two exchanges of the
    // whole budget each once overran it by one request.
    files.content.erase(settings.domino_token_file);
    settings.api_proxy = "http://localhost:8899/";
    settings.request_timeout = 10;
    double now = 1.8e9;
    Syncer timed(settings, files, http, log, [&now] { return now; });
    http.on_send = [&now](const HttpRequest& request) {
      if (request.method == "GET") now += 3;  // the token took 3 s
    };
    http.script.push_back(FakeExchange::Status(200, std::string(kToken) + "\n"));
    http.script.push_back(FakeExchange::Status(200, ""));
    REQUIRE(timed.Sync(true, 5).status.ok());
    REQUIRE(http.requests.size() == 2);
    CHECK(http.requests[0].total_timeout == doctest::Approx(5));
    CHECK(http.requests[1].total_timeout == doctest::Approx(2));

    // Nothing left: no mapping call at all, a transient failure.
    http.requests.clear();
    http.script = {FakeExchange::Status(200, std::string(kToken) + "\n")};
    const SyncResult r = timed.Sync(true, 2.5);
    CHECK(r.status.kind() == Failure::kTransient);
    CHECK(r.status.message() ==
          "mapping service: no time left for the mapping call (the Domino token took 3 s to "
          "fetch)");
    CHECK(http.requests.size() == 1);
  }

  TEST_CASE_FIXTURE(SyncFixture, "API key and run id in a workspace without labels") {
    files.content.clear();
    settings.run_id = "6527182438a6346046006654";
    settings.api_key = "api-key-secret-value";
    http.script.push_back(FakeExchange::Status(200, ""));
    const SyncResult r = syncer.Sync(true);
    REQUIRE(r.status.kind() == Failure::kNone);
    CHECK(http.Header(0, "X-Domino-Api-Key") == "api-key-secret-value");
    CHECK(http.Header(0, "Authorization").empty());
    CHECK(http.requests[0].body == R"({"run_id":"6527182438a6346046006654"})");
    CHECK(Output(r).find("api-key-secret-value") == std::string::npos);
  }

  TEST_CASE_FIXTURE(SyncFixture, "local input failures never reach the service") {
    struct Case {
      const char* name;
      std::function<void(SyncFixture&)> setup;
      const char* message;
    };
    const std::vector<Case> cases = {
        {"no labels, no run id",
         [](SyncFixture& f) { f.files.content.erase(f.settings.pod_info_path); },
         "no run id: labels file /var/run/podinfo/labels does not exist and run-id is not set"},
        {"malformed labels",
         [](SyncFixture& f) { f.files.content[f.settings.pod_info_path] = "a=\"b"; },
         "/var/run/podinfo/labels:1: unterminated quoted value"},
        {"empty token",
         [](SyncFixture& f) { f.files.content[f.settings.domino_token_file] = " \n"; },
         "Domino token file /var/lib/domino/home/.api/token is empty"},
        {"newline inside token",
         [](SyncFixture& f) { f.files.content[f.settings.domino_token_file] = "abc\r\nX-Evil: 1"; },
         "Domino token file /var/lib/domino/home/.api/token holds a space or control character "
         "inside the token"},
        {"no credential at all",
         [](SyncFixture& f) { f.files.content.erase(f.settings.domino_token_file); },
         "no Domino credential: token file /var/lib/domino/home/.api/token does not exist and "
         "neither api-proxy nor api-key is set"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      SyncFixture f;
      c.setup(f);
      const SyncResult r = f.syncer.Sync(true);
      CHECK(r.status.kind() == Failure::kInput);
      CHECK(r.status.message() == c.message);
      CHECK(f.http.requests.empty());
      CHECK(f.files.publishes == 0);
    }
  }

  TEST_CASE_FIXTURE(SyncFixture, "service answers map to failure kinds") {
    struct Case {
      FakeExchange exchange;
      Failure failure;
      const char* message;
    };
    FakeExchange redirect = FakeExchange::Status(302);
    redirect.response.location = "https://evil.example:8443/steal?x=1";
    FakeExchange relative = FakeExchange::Status(307);
    relative.response.location = "/elsewhere";
    const std::vector<Case> cases = {
        {FakeExchange::Status(404, "No Pod Found with the run id x for the user"),
         Failure::kTransient,
         "mapping service: HTTP 404: no pod found for run id 6527182438a6346046006654 (not running "
         "yet, or the credential belongs to another user)"},
        {FakeExchange::Status(401), Failure::kPermanent,
         "mapping service: HTTP 401: the Domino credential (token file "
         "/var/lib/domino/home/.api/token) was refused"},
        {FakeExchange::Status(403), Failure::kPermanent,
         "mapping service: HTTP 403: the Domino credential (token file "
         "/var/lib/domino/home/.api/token) was refused"},
        {FakeExchange::Status(400, "<html>bad</html>"), Failure::kPermanent,
         "mapping service: HTTP 400"},
        {FakeExchange::Status(500, "<html>AccessDenied</html>"), Failure::kTransient,
         "mapping service: HTTP 500"},
        {FakeExchange::Status(503), Failure::kTransient, "mapping service: HTTP 503"},
        {FakeExchange::Status(429), Failure::kTransient, "mapping service: HTTP 429"},
        {redirect, Failure::kPermanent,
         "mapping service: HTTP 302: redirect to evil.example:8443 not followed (the credential is "
         "never sent across a redirect)"},
        // A 304 has no Location: it once read "redirect to  not followed".
        {FakeExchange::Status(304), Failure::kPermanent,
         "mapping service: HTTP 304: a 3xx answer without a Location header, not a mapping"},
        {relative, Failure::kPermanent,
         "mapping service: HTTP 307: redirect to a relative location not followed (the credential "
         "is never sent across a redirect)"},
        {FakeExchange::Fail(HttpFailure::kTimeout, "POST http://x/: timed out"),
         Failure::kTransient, "mapping service: POST http://x/: timed out"},
        {FakeExchange::Fail(HttpFailure::kTooLarge, "too big"), Failure::kAnswer,
         "mapping service: answer larger than 1048576 bytes refused"},
        {FakeExchange::Status(200, "<html><body>oops</body></html>"), Failure::kAnswer,
         "mapping answer rejected: answer:1: not a section header, entry or comment"},
        {FakeExchange::Status(200, "[profile a]\nsource_profile = src_a\nrole_arn = x\n"),
         Failure::kAnswer,
         "mapping answer rejected: no valid profile pair (1 profile left out, the first: a: no "
         "[profile src_a])"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.message);
      SyncFixture f;
      f.files.content[f.settings.aws_config_file] = "previous";
      f.http.script.push_back(c.exchange);
      const SyncResult r = f.syncer.Sync(true);
      CHECK(r.status.kind() == c.failure);
      CHECK(r.status.message() == c.message);
      CHECK(f.files.content[f.settings.aws_config_file] == "previous");
      CHECK(f.Output(r).find(kToken) == std::string::npos);
    }
  }

  TEST_CASE_FIXTURE(SyncFixture, "pairs left out are logged, at most ten lines and a count") {
    std::string body = ReadTestdata("reference-answer.conf");
    for (int i = 0; i < 25; ++i) body += "[profile orphan" + std::to_string(i) + "]\nx = y\n";
    http.script.push_back(FakeExchange::Status(200, body));
    const SyncResult r = syncer.Sync(true);
    REQUIRE(r.status.kind() == Failure::kNone);
    CHECK(r.profiles.size() == 2);
    CHECK(r.dropped.size() == 25);
    int left_out = 0;
    int more = 0;
    for (const std::string& line : sink.lines) {
      left_out += line.find("profile left out") != std::string::npos ? 1 : 0;
      more += line.find("more profiles left out count=15") != std::string::npos ? 1 : 0;
    }
    CHECK(left_out == 10);
    CHECK(more == 1);
    CHECK(sink.All().find("orphan9:") != std::string::npos);
    CHECK(sink.All().find("orphan10:") == std::string::npos);
  }

  TEST_CASE_FIXTURE(SyncFixture, "Retry-After is passed on") {
    FakeExchange e = FakeExchange::Status(503);
    e.response.retry_after = "7";
    http.script.push_back(e);
    const SyncResult r = syncer.Sync(true);
    REQUIRE(r.retry_after.has_value());
    CHECK(*r.retry_after == doctest::Approx(7));
  }

  TEST_CASE_FIXTURE(SyncFixture, "second identical sync leaves the file alone") {
    http.script.push_back(FakeExchange::Status(200, ReadTestdata("reference-answer.conf")));
    CHECK(syncer.Sync(true).changed);
    const SyncResult again = syncer.Sync(true);
    CHECK(again.status.kind() == Failure::kNone);
    CHECK_FALSE(again.changed);
    CHECK(files.publishes == 1);
  }

  TEST_CASE_FIXTURE(SyncFixture, "publish failure keeps the kind and message") {
    http.script.push_back(FakeExchange::Status(200, ""));
    files.publish_error = "no space left on device writing /var/run/.aws/config";
    const SyncResult r = syncer.Sync(true);
    CHECK(r.status.kind() == Failure::kPublish);
    CHECK(r.status.message() == files.publish_error);
  }

  TEST_CASE_FIXTURE(SyncFixture, "render only when not publishing") {
    http.script.push_back(FakeExchange::Status(200, ReadTestdata("reference-answer.conf")));
    const SyncResult r = syncer.Sync(false);
    CHECK(r.status.kind() == Failure::kNone);
    CHECK(r.rendered == WithSessionName(ReadTestdata("reference-rendered.conf")));
    CHECK(files.publishes == 0);
  }

  TEST_CASE_FIXTURE(SyncFixture, "the user comes from the label, else the token's claim") {
    http.script.push_back(FakeExchange::Status(200, ReadTestdata("reference-answer.conf")));
    files.content[settings.pod_info_path] =
        std::string(kLabels) + "\ndominodatalab.com/starting-user-username=\"alice\"";
    SyncResult r = syncer.Sync(false);
    REQUIRE(r.status.kind() == Failure::kNone);
    CHECK(r.audit.session_name == "alice@6527182438a6346046006654");

    files.content[settings.pod_info_path] = kLabels;
    const std::string token =
        "eyJhbGciOiJIUzI1NiJ9.eyJwcmVmZXJyZWRfdXNlcm5hbWUiOiJib2Iuam9uZXMifQ.c2ln";
    files.content[settings.domino_token_file] = token;
    r = syncer.Sync(false);
    REQUIRE(r.status.kind() == Failure::kNone);
    CHECK(r.audit.session_name == "bob.jones@6527182438a6346046006654");
    CHECK(r.audit.source_identity.empty());
    CHECK(r.audit.tags.empty());
    CHECK(r.rendered == WithSessionName(ReadTestdata("reference-rendered.conf"),
                                        "bob.jones@6527182438a6346046006654"));
  }

  TEST_CASE_FIXTURE(SyncFixture, "process style: credential_process, source identity, tags") {
    http.script.push_back(FakeExchange::Status(200, ReadTestdata("reference-answer.conf")));
    files.content[settings.pod_info_path] = std::string(kLabels) +
                                            "\ndominodatalab.com/project-name=\"churn\""
                                            "\ndominodatalab.com/starting-user-username=\"alice\"";
    settings.profile_style = ProfileStyle::kProcess;
    settings.source_identity = true;
    settings.session_tags = true;
    settings.credentials_binary = "/opt/irsa-agent/bin/irsa-agent";
    const SyncResult r = syncer.Sync(true);
    REQUIRE(r.status.kind() == Failure::kNone);
    CHECK(r.audit.source_identity == "alice");
    CHECK(r.audit.tags == std::vector<std::pair<std::string, std::string>>{
                              {"domino-user", "alice"},
                              {"domino-run-id", "6527182438a6346046006654"},
                              {"domino-project", "churn"}});
    REQUIRE(r.pairs.size() == 2);
    const std::string& written = files.content[settings.aws_config_file];
    CHECK(written.find("[profile acme-update-bucket-role]\n"
                       "credential_process = /opt/irsa-agent/bin/irsa-agent credentials "
                       "acme-update-bucket-role --socket /var/run/.aws/irsa-agent.sock "
                       "--role-arn arn:aws:iam::524112250363:role/acme-update-bucket-role "
                       "--source-role-arn arn:aws:iam::946429944765:role/acme-update-bucket-role "
                       "--session-name alice@6527182438a6346046006654 --region us-west-2 "
                       "--web-identity-token-file "
                       "/var/run/secrets/eks.amazonaws.com/serviceaccount/token "
                       "--set-source-identity alice --tag domino-user=alice "
                       "--tag domino-run-id=6527182438a6346046006654 --tag domino-project=churn\n"
                       "region = us-west-2\n\n") != std::string::npos);
    CHECK(written.find("source_profile") == std::string::npos);
    CHECK(written.find("web_identity_token_file =") == std::string::npos);
  }

  TEST_CASE_FIXTURE(SyncFixture, "mapping file replaces the service") {
    settings.endpoint.clear();
    settings.mapping_file = "/etc/irsa-agent/mapping.conf";
    files.content.clear();
    files.content[settings.mapping_file] = ReadTestdata("reference-answer.conf");
    const SyncResult r = syncer.Sync(true);
    CHECK(r.status.kind() == Failure::kNone);
    CHECK(r.profiles.size() == 2);
    CHECK(http.requests.empty());

    files.content.erase(settings.mapping_file);
    const SyncResult missing = syncer.Sync(true);
    CHECK(missing.status.kind() == Failure::kInput);
    CHECK(missing.status.message() == "mapping file /etc/irsa-agent/mapping.conf does not exist");
  }

  TEST_CASE_FIXTURE(SyncFixture, "time budget caps the request time-outs") {
    http.script.push_back(FakeExchange::Status(200, ""));
    settings.request_timeout = 10;
    syncer.Sync(true, 2.5);
    CHECK(http.requests.at(0).total_timeout == doctest::Approx(2.5));
    CHECK(http.requests.at(0).connect_timeout == doctest::Approx(2.5));
  }

  TEST_CASE("status classification") {
    CHECK(ClassifyStatus(200) == Failure::kNone);
    for (long s : {404L, 408L, 429L, 500L, 502L, 503L, 504L})
      CHECK(ClassifyStatus(s) == Failure::kTransient);
    for (long s : {201L, 301L, 302L, 400L, 401L, 403L, 405L})
      CHECK(ClassifyStatus(s) == Failure::kPermanent);
  }
}

}  // namespace
}  // namespace irsa

// The Prometheus registry and its text exposition, and the one figure a sync
// hands it (the mapping exchange's duration).

#include "run/metrics.h"

#include <doctest/doctest.h>

#include <string>

#include "fakes/capture_sink.h"
#include "fakes/fake_files.h"
#include "fakes/fake_http.h"
#include "run/sync.h"
#include "unit/test_util.h"

namespace irsa {
namespace {

// The lines of `text` that start with `prefix`, joined by newlines.
std::string Lines(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.rfind(prefix, 0) == 0) out += line + "\n";
    start = end + 1;
  }
  return out;
}

constexpr char kFresh[] =
    "# HELP irsa_agent_syncs_total Syncs of the AWS config file, by outcome.\n"
    "# TYPE irsa_agent_syncs_total counter\n"
    "irsa_agent_syncs_total{outcome=\"success\"} 0\n"
    "irsa_agent_syncs_total{outcome=\"transient\"} 0\n"
    "irsa_agent_syncs_total{outcome=\"refused\"} 0\n"
    "irsa_agent_syncs_total{outcome=\"input\"} 0\n"
    "irsa_agent_syncs_total{outcome=\"answer\"} 0\n"
    "irsa_agent_syncs_total{outcome=\"publish\"} 0\n"
    "# HELP irsa_agent_mapping_request_duration_seconds Duration of the mapping service's HTTP "
    "exchanges.\n"
    "# TYPE irsa_agent_mapping_request_duration_seconds histogram\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.01\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.025\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.05\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.1\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.25\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.5\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"1\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"2.5\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"5\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"10\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"30\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_bucket{le=\"+Inf\"} 0\n"
    "irsa_agent_mapping_request_duration_seconds_sum 0\n"
    "irsa_agent_mapping_request_duration_seconds_count 0\n"
    "# HELP irsa_agent_credential_requests_total Requests to the credential broker, by result.\n"
    "# TYPE irsa_agent_credential_requests_total counter\n"
    "irsa_agent_credential_requests_total{result=\"hit\"} 0\n"
    "irsa_agent_credential_requests_total{result=\"miss\"} 0\n"
    "irsa_agent_credential_requests_total{result=\"error\"} 0\n";

TEST_SUITE("metrics") {
  TEST_CASE("a fresh registry: every outcome at 0, gauges absent") {
    CHECK(MetricsRegistry().Render() == kFresh);
  }

  TEST_CASE("syncs: the counter per outcome, the success time and profile count") {
    MetricsRegistry m;
    m.SyncFinished(Failure::kTransient, 1765000000.5, 0);
    CHECK(Lines(m.Render(), "irsa_agent_last_sync").empty());
    CHECK(Lines(m.Render(), "irsa_agent_profiles").empty());
    m.SyncFinished(Failure::kNone, 1765000001.25, 3);
    m.SyncFinished(Failure::kPermanent, 1765000002, 0);
    m.SyncFinished(Failure::kInput, 1765000003, 0);
    m.SyncFinished(Failure::kAnswer, 1765000004, 0);
    m.SyncFinished(Failure::kPublish, 1765000005, 0);
    m.SyncFinished(Failure::kPublish, 1765000006, 0);
    const std::string text = m.Render();
    CHECK(Lines(text, "irsa_agent_syncs_total{") ==
          "irsa_agent_syncs_total{outcome=\"success\"} 1\n"
          "irsa_agent_syncs_total{outcome=\"transient\"} 1\n"
          "irsa_agent_syncs_total{outcome=\"refused\"} 1\n"
          "irsa_agent_syncs_total{outcome=\"input\"} 1\n"
          "irsa_agent_syncs_total{outcome=\"answer\"} 1\n"
          "irsa_agent_syncs_total{outcome=\"publish\"} 2\n");
    // Failures leave the last success and the published count as they were.
    CHECK(Lines(text, "irsa_agent_last_sync_success_timestamp_seconds") ==
          "irsa_agent_last_sync_success_timestamp_seconds 1765000001.25\n");
    CHECK(Lines(text, "irsa_agent_profiles") == "irsa_agent_profiles 3\n");
    CHECK(Lines(text, "# TYPE irsa_agent_profiles") == "# TYPE irsa_agent_profiles gauge\n");
  }

  TEST_CASE("the web identity token's expiry, absent while unknown") {
    MetricsRegistry m;
    m.SetTokenExpiry(1765086400);
    CHECK(Lines(m.Render(), "irsa_agent_web_identity_token_expiry_timestamp_seconds") ==
          "irsa_agent_web_identity_token_expiry_timestamp_seconds 1765086400\n");
    m.SetTokenExpiry(std::nullopt);
    CHECK(m.Render().find("irsa_agent_web_identity_token_expiry") == std::string::npos);
  }

  TEST_CASE("the mapping duration histogram is cumulative, bounds inclusive") {
    MetricsRegistry m;
    for (double s : {0.004, 0.01, 0.3, 0.3, 31.0}) m.MappingRequestTook(s);
    m.MappingRequestTook(-1);  // not a duration: ignored
    const std::string text = m.Render();
    CHECK(Lines(text, "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.01\"}") ==
          "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.01\"} 2\n");
    CHECK(Lines(text, "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.25\"}") ==
          "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.25\"} 2\n");
    CHECK(Lines(text, "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.5\"}") ==
          "irsa_agent_mapping_request_duration_seconds_bucket{le=\"0.5\"} 4\n");
    CHECK(Lines(text, "irsa_agent_mapping_request_duration_seconds_bucket{le=\"30\"}") ==
          "irsa_agent_mapping_request_duration_seconds_bucket{le=\"30\"} 4\n");
    CHECK(Lines(text, "irsa_agent_mapping_request_duration_seconds_bucket{le=\"+Inf\"}") ==
          "irsa_agent_mapping_request_duration_seconds_bucket{le=\"+Inf\"} 5\n");
    CHECK(Lines(text, "irsa_agent_mapping_request_duration_seconds_count") ==
          "irsa_agent_mapping_request_duration_seconds_count 5\n");
    CHECK(Lines(text, "irsa_agent_mapping_request_duration_seconds_sum") ==
          "irsa_agent_mapping_request_duration_seconds_sum 31.614\n");
  }

  TEST_CASE("credential broker families") {
    MetricsRegistry m;
    m.CredentialRequested(CredentialResult::kHit);
    m.CredentialRequested(CredentialResult::kHit);
    m.CredentialRequested(CredentialResult::kMiss);
    m.CredentialRequested(CredentialResult::kError);
    m.StsRequested("AssumeRoleWithWebIdentity", Failure::kNone);
    m.StsRequested("AssumeRoleWithWebIdentity", Failure::kNone);
    m.StsRequested("AssumeRole", Failure::kPermanent);
    m.StsRequested("https://sts.amazonaws.com/?Action=X", Failure::kTransient);  // not a name
    m.SetCredentialExpiry("role-b", 1765003600);
    m.SetCredentialExpiry("role-a", 1765001800);
    m.SetCredentialExpiry("role-a", 1765005400);  // refreshed
    const std::string text = m.Render();
    CHECK(Lines(text, "irsa_agent_credential_requests_total{") ==
          "irsa_agent_credential_requests_total{result=\"hit\"} 2\n"
          "irsa_agent_credential_requests_total{result=\"miss\"} 1\n"
          "irsa_agent_credential_requests_total{result=\"error\"} 1\n");
    CHECK(Lines(text, "irsa_agent_sts_requests_total") ==
          "irsa_agent_sts_requests_total{action=\"AssumeRole\",outcome=\"refused\"} 1\n"
          "irsa_agent_sts_requests_total{action=\"AssumeRoleWithWebIdentity\","
          "outcome=\"success\"} 2\n"
          "irsa_agent_sts_requests_total{action=\"other\",outcome=\"transient\"} 1\n");
    CHECK(Lines(text, "# TYPE irsa_agent_sts") == "# TYPE irsa_agent_sts_requests_total counter\n");
    CHECK(Lines(text, "irsa_agent_credential_expiry_timestamp_seconds") ==
          "irsa_agent_credential_expiry_timestamp_seconds{profile=\"role-a\"} 1765005400\n"
          "irsa_agent_credential_expiry_timestamp_seconds{profile=\"role-b\"} 1765003600\n");

    m.RemoveCredentialExpiry("role-a");  // revoked
    m.RemoveCredentialExpiry("role-never-seen");
    CHECK(Lines(m.Render(), "irsa_agent_credential_expiry_timestamp_seconds") ==
          "irsa_agent_credential_expiry_timestamp_seconds{profile=\"role-b\"} 1765003600\n");
    m.RemoveCredentialExpiry("role-b");
    CHECK(m.Render().find("irsa_agent_credential_expiry") == std::string::npos);
  }

  TEST_CASE("label values are bounded: STS action names and profiles") {
    MetricsRegistry m;
    for (int i = 0; i < 20; ++i)
      m.StsRequested("Action" + std::string(size_t(i) + 1, 'x'), Failure::kNone);
    const std::string text = m.Render();
    CHECK(Lines(text, "irsa_agent_sts_requests_total{").size() > 0);
    size_t series = 0;
    for (size_t at = text.find("irsa_agent_sts_requests_total{"); at != std::string::npos;
         at = text.find("irsa_agent_sts_requests_total{", at + 1)) {
      ++series;
    }
    CHECK(series == kMaxStsActions + 1);  // and "other"
    CHECK(text.find("irsa_agent_sts_requests_total{action=\"other\",outcome=\"success\"} 12\n") !=
          std::string::npos);

    for (size_t i = 0; i < kMaxCredentialProfiles + 10; ++i) {
      m.SetCredentialExpiry("p" + std::to_string(i), 1);
    }
    const std::string many = Lines(m.Render(), "irsa_agent_credential_expiry_timestamp_seconds{");
    CHECK(std::count(many.begin(), many.end(), '\n') == long(kMaxCredentialProfiles));
  }

  TEST_CASE("label values and sample values are escaped and formatted per the format") {
    CHECK(EscapeLabelValue("plain-role_1.x") == "plain-role_1.x");
    CHECK(EscapeLabelValue("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
    MetricsRegistry m;
    m.SetCredentialExpiry("we\"ird\\\n", 5);
    CHECK(Lines(m.Render(), "irsa_agent_credential_expiry_timestamp_seconds{") ==
          "irsa_agent_credential_expiry_timestamp_seconds{profile=\"we\\\"ird\\\\\\n\"} 5\n");
    CHECK(FormatSampleValue(0) == "0");
    CHECK(FormatSampleValue(42) == "42");
    CHECK(FormatSampleValue(0.1) == "0.1");
    CHECK(FormatSampleValue(1765000001.25) == "1765000001.25");
    CHECK(FormatSampleValue(0.1 + 0.2) == "0.30000000000000004");  // 17 digits needed
    CHECK(FormatSampleValue(-2.5) == "-2.5");
    CHECK(FormatSampleValue(1e21) == "1e+21");
    CHECK(FormatSampleValue(1.0 / 0.0) == "+Inf");
    CHECK(FormatSampleValue(-1.0 / 0.0) == "-Inf");
    CHECK(FormatSampleValue(0.0 / 0.0) == "NaN");
  }

  TEST_CASE("a sync reports the mapping exchange's seconds, only when there was one") {
    Settings settings;
    settings.endpoint = "http://iam-sa-mapping-svc.domino-platform/map_iam_role_to_pod_sa";
    FakeFiles files;
    files.content[settings.pod_info_path] =
        "dominodatalab.com/execution-id=\"6527182438a6346046006654\"\n"
        "dominodatalab.com/workload-type=\"Workspace\"";
    files.content[settings.domino_token_file] = "not-a-real-token\n";
    FakeHttp http;
    CaptureSink sink;
    Logger log{LogLevel::kDebug, LogFormat::kText, &sink, [] { return 1.8e9; }};
    Syncer syncer{settings, files, http, log, [] { return 1.8e9; }};

    FakeExchange answered = FakeExchange::Status(503);
    answered.response.seconds = 0.125;
    http.script.push_back(answered);
    const SyncResult r = syncer.Sync(true);
    CHECK(r.status.kind() == Failure::kTransient);
    REQUIRE(r.mapping_seconds.has_value());
    CHECK(*r.mapping_seconds == 0.125);

    http.script.clear();
    http.script.push_back(FakeExchange::Fail(HttpFailure::kConnect, "connection refused"));
    CHECK_FALSE(syncer.Sync(true).mapping_seconds.has_value());
  }
}

}  // namespace
}  // namespace irsa

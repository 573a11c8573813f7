// Tests for broker.h: HTTP-level answers of the credential broker, driven with
// plain numbers and scripted draws; every output is searched for the secrets.
#include "aws/broker.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/credential_formats.h"
#include "fakes/capture_sink.h"

namespace irsa {
namespace {

constexpr double kT0 = 1'800'000'000;  // 2027-01-15T08:00:00Z
constexpr const char* kKeyId = "ASIABROKERKEYID00001";
constexpr const char* kSecretKey = "BROKERsecretKEYabcdefghij0123456789ZYXWV";
constexpr const char* kSessionToken = "BROKERtokenSESSIONtoken/+=abcdef0123456789xyz";

CredentialRecipe Recipe(const std::string& profile) {
  CredentialRecipe r;
  r.profile = profile;
  r.role_arn = "arn:aws:iam::123456789012:role/" + profile;
  r.source_role_arn = "arn:aws:iam::123456789012:role/proxy";
  r.session_name = "alice-run1";
  return r;
}

CredentialFetch Ok(double expires_at) {
  CredentialFetch f;
  f.credentials = std::make_unique<TemporaryCredentials>();
  f.credentials->access_key_id = kKeyId;
  f.credentials->secret_access_key = kSecretKey;
  f.credentials->session_token = kSessionToken;
  f.expires_at = static_cast<int64_t>(expires_at);
  return f;
}

CredentialFetch Fail(const std::string& message) {
  CredentialFetch f;
  f.status = {Failure::kTransient, message};
  return f;
}

// A broker with a debug logger whose every line is kept, plus a record of
// every non-200 body it produced.
struct Fixture {
  CaptureSink sink;
  Logger log{LogLevel::kDebug, LogFormat::kText, &sink, [] { return kT0; }};
  CredentialBroker broker;
  std::string error_bodies;

  explicit Fixture(BrokerLimits limits = {})
      : broker(
            CacheTiming{}, limits, [] { return 0.5; }, &log) {}

  void Keep(const BrokerResponse& r) {
    if (r.status != 200) error_bodies += r.body + "\n";
  }

  // Every output that may be shown or stored: log lines and error bodies.
  void CheckNoSecret() const {
    const std::string all = sink.All() + error_bodies;
    const bool clean = all.find(kSecretKey) == std::string::npos &&
                       all.find(kSessionToken) == std::string::npos &&
                       all.find(kKeyId) == std::string::npos;
    CHECK_MESSAGE(clean, "a log line or error body holds credential bytes (not shown)");
  }
};

TEST_SUITE("broker") {
  TEST_CASE("the exact credential_process body") {
    TemporaryCredentials c;
    c.access_key_id = "AKID";
    c.secret_access_key = "se\"cret";
    c.session_token = "tok\\en";
    CHECK(CredentialProcessJson(c, 1'796'472'000) ==
          "{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"se\\\"cret\", "
          "\"SessionToken\": \"tok\\\\en\", \"Expiration\": \"2026-12-05T12:00:00Z\"}");
    CHECK(ErrorJson("a\nb") == "{\"error\":\"a\\nb\"}");
    CHECK(ErrorJson("bad \xff") == "{\"error\":\"bad \xef\xbf\xbd\"}");
  }

  TEST_CASE("profile names: the alphabet, the length and the path's escapes") {
    CHECK(IsValidBrokerProfileName("src_data-lake.prod@x+y=z,w"));
    CHECK(IsValidBrokerProfileName(std::string(128, 'a')));
    CHECK_FALSE(IsValidBrokerProfileName(std::string(129, 'a')));
    for (const char* bad : {"", "a b", "a/b", "a%2F", "a\nb", "ä", "a:b", "../x"}) {
      CAPTURE(bad);
      CHECK_FALSE(IsValidBrokerProfileName(bad));
    }
    CHECK(CredentialProfileFromPath("/credentials/a%2Bb%40c") == "a+b@c");
    CHECK(CredentialProfileFromPath("/credentials/a%2") == "a%2");
    CHECK(CredentialProfileFromPath("/credentials/") == "");
    CHECK_FALSE(CredentialProfileFromPath("/healthz").has_value());
    CHECK_FALSE(CredentialProfileFromPath("/credential/a").has_value());
  }

  TEST_CASE("a miss waits, one fetch answers all 100 waiters with the exact JSON, then hits") {
    Fixture f;
    CHECK(f.broker.SetProfiles({Recipe("a")}, kT0).empty());
    CHECK(f.broker.Due(kT0).fetches.empty());  // lazy
    for (int c = 0; c < 100; ++c) {
      CHECK_FALSE(f.broker.HandleCredentialRequest(c, "a", 1000, kT0).has_value());
    }
    CHECK(f.broker.waiting() == 100);
    BrokerDue due = f.broker.Due(kT0);
    REQUIRE(due.fetches.size() == 1);
    CHECK(f.broker.Due(kT0).fetches.empty());
    std::vector<BrokerResponse> out =
        f.broker.FetchDone(due.fetches[0].id, "a", Ok(kT0 + 3600), kT0 + 1);
    REQUIRE(out.size() == 100);
    for (int c = 0; c < 100; ++c) {
      CHECK(out[static_cast<size_t>(c)].connection == c);
      CHECK(out[static_cast<size_t>(c)].status == 200);
    }
    const nlohmann::json body = nlohmann::json::parse(out[0].body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body.size() == 5);
    CHECK(body["Version"] == 1);
    CHECK(body["AccessKeyId"] == kKeyId);
    CHECK(body["SecretAccessKey"] == kSecretKey);
    CHECK(body["SessionToken"] == kSessionToken);
    CHECK(body["Expiration"] == "2027-01-15T09:00:00Z");
    CHECK(f.broker.waiting() == 0);
    auto hit = f.broker.HandleCredentialRequest(200, "a", 1000, kT0 + 2);
    REQUIRE(hit.has_value());
    CHECK(hit->status == 200);
    CHECK(hit->body == out[0].body);
    CHECK(f.broker.cache().counters().requests_hit == 1);
    CHECK(f.broker.cache().counters().requests_miss == 100);
    f.CheckNoSecret();
  }

  TEST_CASE("unknown, revoked and invalid profiles get clear errors") {
    Fixture f;
    auto early = f.broker.HandleCredentialRequest(1, "a", 1000, kT0);
    REQUIRE(early.has_value());
    CHECK(early->status == 503);
    f.broker.SetProfiles({Recipe("a"), Recipe("b")}, kT0);
    auto unknown = f.broker.HandleCredentialRequest(2, "nope", 1000, kT0);
    REQUIRE(unknown.has_value());
    CHECK(unknown->status == 404);
    CHECK(unknown->body == "{\"error\":\"profile \\\"nope\\\" is not in the mapping\"}");
    auto invalid = f.broker.HandleCredentialRequest(3, "a/../b", 1000, kT0);
    REQUIRE(invalid.has_value());
    CHECK(invalid->status == 400);
    CHECK(f.broker.counters().bad_requests == 1);
    CHECK_FALSE(f.broker.HandleCredentialRequest(4, "b", 1000, kT0).has_value());
    const std::vector<BrokerResponse> dropped = f.broker.SetProfiles({Recipe("a")}, kT0 + 1);
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].connection == 4);
    CHECK(dropped[0].status == 404);
    CHECK(dropped[0].body == "{\"error\":\"profile \\\"b\\\" is no longer in the mapping\"}");
    CHECK(f.broker.waiting() == 0);
  }

  TEST_CASE("before the first mapping, and when stopping, the client is told to go alone") {
    Fixture f;
    auto early = f.broker.HandleCredentialRequest(1, "a", 1, kT0);
    REQUIRE(early.has_value());
    CHECK(early->status == 503);
    CHECK(early->body ==
          "{\"error\":\"the agent has not read the mapping yet; try again shortly\","
          "\"standalone\":true}");
    f.broker.SetProfiles({Recipe("a")}, kT0);
    CHECK_FALSE(f.broker.HandleCredentialRequest(2, "a", 1, kT0));
    const std::vector<BrokerResponse> stopping = f.broker.Shutdown();
    REQUIRE(stopping.size() == 1);
    CHECK(stopping[0].body == "{\"error\":\"the agent is stopping\",\"standalone\":true}");
    CHECK(ErrorJson("x", true) == "{\"error\":\"x\",\"standalone\":true}");
  }

  TEST_CASE("waiting requests are capped per profile and in total") {
    BrokerLimits limits;
    limits.max_waiting_per_profile = 3;
    limits.max_waiting_total = 5;
    Fixture f(limits);
    f.broker.SetProfiles({Recipe("a"), Recipe("b")}, kT0);
    int conn = 0;
    for (int i = 0; i < 3; ++i) CHECK_FALSE(f.broker.HandleCredentialRequest(conn++, "a", 1, kT0));
    auto busy = f.broker.HandleCredentialRequest(conn++, "a", 1, kT0);
    REQUIRE(busy.has_value());
    CHECK(busy->status == 503);
    CHECK(busy->body ==
          "{\"error\":\"the agent is busy: too many requests wait for credentials\","
          "\"standalone\":true}");
    for (int i = 0; i < 2; ++i) CHECK_FALSE(f.broker.HandleCredentialRequest(conn++, "b", 1, kT0));
    auto total = f.broker.HandleCredentialRequest(conn++, "b", 1, kT0);
    REQUIRE(total.has_value());
    CHECK(total->status == 503);
    CHECK(f.broker.counters().busy == 2);
    CHECK(f.broker.waiting() == 5);
  }

  TEST_CASE("a request waits at most max_wait; a closed connection is forgotten") {
    BrokerLimits limits;
    limits.max_wait = 10;
    Fixture f(limits);
    f.broker.SetProfiles({Recipe("a")}, kT0);
    CHECK_FALSE(f.broker.HandleCredentialRequest(1, "a", 1, kT0));
    CHECK_FALSE(f.broker.HandleCredentialRequest(2, "a", 1, kT0 + 5));
    CHECK_FALSE(f.broker.HandleCredentialRequest(3, "a", 1, kT0 + 6));
    BrokerDue due = f.broker.Due(kT0 + 6);
    REQUIRE(due.fetches.size() == 1);
    const uint64_t id = due.fetches[0].id;
    f.broker.ConnectionClosed(3);
    CHECK(f.broker.waiting() == 2);
    CHECK(f.broker.NextWake() == kT0 + 10);
    CHECK(f.broker.Due(kT0 + 9.9).responses.empty());
    due = f.broker.Due(kT0 + 10);
    REQUIRE(due.responses.size() == 1);
    CHECK(due.responses[0].connection == 1);
    CHECK(due.responses[0].status == 503);
    CHECK(due.responses[0].body ==
          "{\"error\":\"timed out waiting for credentials for profile \\\"a\\\"\"}");
    const auto out = f.broker.FetchDone(id, "a", Ok(kT0 + 3600), kT0 + 11);
    REQUIRE(out.size() == 1);
    CHECK(out[0].connection == 2);
    CHECK(f.broker.counters().timed_out == 1);
  }

  TEST_CASE("a failed fetch answers the waiters 503 with the reason, logged without secrets") {
    Fixture f;
    f.broker.SetProfiles({Recipe("a")}, kT0);
    f.broker.HandleCredentialRequest(1, "a", 4242, kT0);
    BrokerDue due = f.broker.Due(kT0);
    REQUIRE(due.fetches.size() == 1);
    auto out =
        f.broker.FetchDone(due.fetches[0].id, "a", Fail("STS: AccessDenied: not allowed"), kT0 + 1);
    REQUIRE(out.size() == 1);
    f.Keep(out[0]);
    CHECK(out[0].status == 503);
    CHECK(out[0].body ==
          "{\"error\":\"cannot get credentials for profile \\\"a\\\": STS: AccessDenied: not "
          "allowed\"}");
    CHECK(f.sink.All().find("uid=4242") != std::string::npos);  // the peer, at debug
    CHECK(f.sink.All().find("cannot get credentials") != std::string::npos);
    f.CheckNoSecret();
  }

  TEST_CASE("a whole life: hits, refresh, failure, revocation; no secret in any output") {
    Fixture f;
    f.broker.SetProfiles({Recipe("a"), Recipe("src_a")}, kT0);
    double now = kT0;
    int conn = 0;
    f.broker.HandleCredentialRequest(conn++, "a", 1000, now);
    BrokerDue due = f.broker.Due(now);
    REQUIRE(due.fetches.size() == 1);
    for (auto& r : f.broker.FetchDone(due.fetches[0].id, "a", Ok(now + 3600), now)) f.Keep(r);
    for (; now < kT0 + 3600; now += 60) {
      auto r = f.broker.HandleCredentialRequest(conn++, "a", 1000, now);
      if (r) {
        CHECK(r->status == 200);
        f.Keep(*r);
      }
      due = f.broker.Due(now);
      for (auto& resp : due.responses) f.Keep(resp);
      for (const CacheFetchOrder& o : due.fetches) {
        const bool fail = now < kT0 + 2900;  // the first refreshes fail, later ones succeed
        for (auto& resp : f.broker.FetchDone(o.id, o.recipe.profile,
                                             fail ? Fail("STS timed out") : Ok(now + 3600), now)) {
          f.Keep(resp);
        }
      }
    }
    CHECK(f.broker.cache().counters().fetches_failed >= 1);
    CHECK(f.broker.cache().counters().fetches_ok >= 2);
    for (auto& r : f.broker.SetProfiles({Recipe("src_a")}, now)) f.Keep(r);
    auto gone = f.broker.HandleCredentialRequest(conn++, "a", 1000, now);
    REQUIRE(gone.has_value());
    CHECK(gone->status == 404);
    f.Keep(*gone);
    CHECK(f.broker.cache().CachedExpiries().empty());
    for (auto& r : f.broker.Shutdown()) f.Keep(r);
    CHECK(f.sink.lines.size() > 50);
    f.CheckNoSecret();
  }

  TEST_CASE("every protocol's waiters get their own shape from one fetch; errors are shared") {
    Fixture f;
    // No mapping yet: 503 on every protocol.
    for (const CredentialFormat format :
         {CredentialFormat::kProcess, CredentialFormat::kContainer, CredentialFormat::kImds}) {
      std::optional<BrokerResponse> r = f.broker.HandleCredentialRequest(1, "a", -1, kT0, format);
      REQUIRE(r);
      CHECK(r->status == 503);
      f.Keep(*r);
    }
    f.broker.SetProfiles({Recipe("a")}, kT0);
    CHECK_FALSE(f.broker.HandleCredentialRequest(10, "a", -1, kT0, CredentialFormat::kProcess));
    CHECK_FALSE(f.broker.HandleCredentialRequest(11, "a", -1, kT0, CredentialFormat::kContainer));
    CHECK_FALSE(f.broker.HandleCredentialRequest(12, "a", -1, kT0, CredentialFormat::kImds));
    CHECK_FALSE(f.broker.HandleCredentialRequest(13, "a", -1, kT0, CredentialFormat::kImdsName));
    BrokerDue due = f.broker.Due(kT0);
    REQUIRE(due.fetches.size() == 1);  // single flight across protocols
    std::vector<BrokerResponse> out =
        f.broker.FetchDone(due.fetches[0].id, "a", Ok(kT0 + 3600), kT0 + 2);
    REQUIRE(out.size() == 4);
    for (const BrokerResponse& r : out) CHECK(r.status == 200);
    const auto process = nlohmann::json::parse(out[0].body);
    CHECK(process["SessionToken"] == kSessionToken);
    const auto container = nlohmann::json::parse(out[1].body);
    CHECK(container["Token"] == kSessionToken);
    CHECK(container["RoleArn"] == "arn:aws:iam::123456789012:role/a");
    CHECK(container["Expiration"] == "2027-01-15T09:00:00Z");
    const auto imds = nlohmann::json::parse(out[2].body);
    CHECK(imds["Code"] == "Success");
    CHECK(imds["LastUpdated"] == "2027-01-15T08:00:02Z");
    CHECK(out[3].body == "a");
    // Revoked: 404 on every protocol at once.
    f.broker.SetProfiles({}, kT0 + 10);
    for (const CredentialFormat format :
         {CredentialFormat::kContainer, CredentialFormat::kImds, CredentialFormat::kImdsName}) {
      std::optional<BrokerResponse> r =
          f.broker.HandleCredentialRequest(20, "a", -1, kT0 + 11, format);
      REQUIRE(r);
      CHECK(r->status == 404);
      f.Keep(*r);
    }
    f.CheckNoSecret();
  }
}

}  // namespace
}  // namespace irsa

// Tests for refusal_retry.h and its use by the cache and the broker: a
// first-hop AccessDenied in a profile's first window is retried with backoff,
// shared by every waiter, then reported; anything else is reported at once.
// Time is plain numbers; nothing here sleeps.
#include "aws/refusal_retry.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "aws/broker.h"
#include "aws/credential_cache.h"
#include "fakes/capture_sink.h"
#include "run/metrics.h"
#include "unit/test_util.h"

namespace irsa {
namespace {

constexpr double kT0 = 1'800'000'000;  // unix seconds
constexpr const char* kSecretKey = "REFUSALsecretKEYabcdefghij0123456789ZYXW";
constexpr const char* kProxy = "arn:aws:iam::123456789012:role/proxy";
constexpr const char* kRefusal =
    "src_a: AssumeRoleWithWebIdentity into arn:aws:iam::123456789012:role/proxy failed: "
    "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity";

CredentialRecipe Recipe(const std::string& profile) {
  CredentialRecipe r;
  r.profile = profile;
  r.role_arn = kProxy;
  r.session_name = "alice-run1";
  return r;
}

StsHop Hop(std::string_view action, const std::string& code, Failure outcome, bool answered) {
  StsHop hop;
  hop.action = action;
  hop.outcome = outcome;
  hop.answered = answered;
  hop.error_code = code;
  hop.http_status = answered ? 403 : 0;
  return hop;
}

// A fetch that failed with `kind` after the STS calls `hops`.
CredentialFetch Failed(Failure kind, std::vector<StsHop> hops, const std::string& message) {
  CredentialFetch f;
  f.status = {kind, message};
  f.sts_calls = std::move(hops);
  return f;
}

CredentialFetch FirstHopRefusal() {
  return Failed(Failure::kPermanent,
                {Hop("AssumeRoleWithWebIdentity", "AccessDenied", Failure::kPermanent, true)},
                kRefusal);
}

CredentialFetch Ok(double expires_at) {
  CredentialFetch f;
  f.credentials = std::make_unique<TemporaryCredentials>();
  f.credentials->access_key_id = "ASIAREFUSALKEY000001";
  f.credentials->secret_access_key = kSecretKey;
  f.credentials->session_token = "REFUSALsessionTOKEN";
  f.expires_at = static_cast<int64_t>(expires_at);
  return f;
}

TEST_SUITE("refusal_retry") {
  TEST_CASE("only an answered first-hop AccessDenied is a refusal to retry") {
    const StsHop web_ok = Hop("AssumeRoleWithWebIdentity", "", Failure::kNone, true);
    struct Row {
      const char* name;
      CredentialFetch fetch;
      bool want;
    };
    std::vector<Row> rows;
    rows.push_back({"first hop AccessDenied", FirstHopRefusal(), true});
    rows.push_back(
        {"second hop AccessDenied",
         Failed(Failure::kPermanent,
                {web_ok, Hop("AssumeRole", "AccessDenied", Failure::kPermanent, true)}, "x"),
         false});
    rows.push_back({"InvalidIdentityToken",
                    Failed(Failure::kPermanent,
                           {Hop("AssumeRoleWithWebIdentity", "InvalidIdentityToken",
                                Failure::kPermanent, true)},
                           "x"),
                    false});
    rows.push_back(
        {"throttling",
         Failed(Failure::kTransient,
                {Hop("AssumeRoleWithWebIdentity", "Throttling", Failure::kTransient, true)}, "x"),
         false});
    rows.push_back(
        {"AccessDenied with a transient status",
         Failed(Failure::kTransient,
                {Hop("AssumeRoleWithWebIdentity", "AccessDenied", Failure::kTransient, true)}, "x"),
         false});
    rows.push_back({"no STS answer",
                    Failed(Failure::kTransient,
                           {Hop("AssumeRoleWithWebIdentity", "", Failure::kTransient, false)}, "x"),
                    false});
    rows.push_back({"Pod Identity base, AssumeRole refused",
                    Failed(Failure::kPermanent,
                           {Hop("AssumeRole", "AccessDenied", Failure::kPermanent, true)}, "x"),
                    false});
    rows.push_back({"no STS call (token file missing)", Failed(Failure::kInput, {}, "x"), false});
    rows.push_back({"success", Ok(kT0 + 3600), false});
    for (const Row& row : rows) {
      CAPTURE(row.name);
      CHECK(IsFirstHopRefusal(row.fetch) == row.want);
    }
  }

  TEST_CASE("delays: 0.5, 1, 2, 4, 4 s +-20 %, never past the window, at most 16 retries") {
    // The middle draw is the undisturbed step.
    CHECK(*RefusalRetryDelay(30, kT0, kT0, 0, 0.5) == doctest::Approx(0.5));
    CHECK(*RefusalRetryDelay(30, kT0, kT0 + 1, 1, 0.5) == doctest::Approx(1));
    CHECK(*RefusalRetryDelay(30, kT0, kT0 + 2, 2, 0.5) == doctest::Approx(2));
    CHECK(*RefusalRetryDelay(30, kT0, kT0 + 4, 3, 0.5) == doctest::Approx(4));
    CHECK(*RefusalRetryDelay(30, kT0, kT0 + 8, 9, 0.5) == doctest::Approx(4));
    CHECK(*RefusalRetryDelay(30, kT0, kT0, 0, 0.0) == doctest::Approx(0.4));
    CHECK(*RefusalRetryDelay(30, kT0, kT0, 3, 0.999999) == doctest::Approx(4.8));
    // The last retry lands on the window's end, not after it.
    CHECK(*RefusalRetryDelay(30, kT0, kT0 + 28.5, 5, 0.5) == doctest::Approx(1.5));
    // At or after the end, or with too many retries: report.
    CHECK_FALSE(RefusalRetryDelay(30, kT0, kT0 + 30, 5, 0.5));
    CHECK_FALSE(RefusalRetryDelay(30, kT0, kT0 + 31, 5, 0.5));
    CHECK_FALSE(RefusalRetryDelay(30, kT0, kT0 + 1, kMaxRefusalRetries, 0.5));
    CHECK(RefusalRetryDelay(30, kT0, kT0 + 1, kMaxRefusalRetries - 1, 0.5));
    // Off, or nonsense: report.
    CHECK_FALSE(RefusalRetryDelay(0, kT0, kT0, 0, 0.5));
    CHECK_FALSE(RefusalRetryDelay(-1, kT0, kT0, 0, 0.5));
    CHECK_FALSE(RefusalRetryDelay(std::nan(""), kT0, kT0, 0, 0.5));
    CHECK_FALSE(RefusalRetryDelay(30, kT0, kT0, -1, 0.5));
  }

  TEST_CASE("a refusal that lasts: about 10 STS calls in 30 s, the sum within the window") {
    for (const double draw : {0.0, 0.5, 0.999999}) {
      CAPTURE(draw);
      double now = kT0;
      int retries = 0;
      while (auto delay = RefusalRetryDelay(30, kT0, now, retries, draw)) {
        CHECK(*delay > 0);
        now += *delay;
        ++retries;
        REQUIRE(retries <= kMaxRefusalRetries);
      }
      CHECK(now == doctest::Approx(kT0 + 30));
      CHECK(retries >= 8);
      CHECK(retries <= 13);
    }
  }

  TEST_CASE("FormatTenths") {
    CHECK(FormatTenths(30) == "30");
    CHECK(FormatTenths(2.5) == "2.5");
    CHECK(FormatTenths(0.449) == "0.4");
    CHECK(FormatTenths(3.96) == "4");
  }
}

TEST_SUITE("credential_cache") {
  TEST_CASE("a new profile's first-hop refusal is retried by one flight until it clears") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    cache.SetProfiles({Recipe("src_a")}, kT0);
    REQUIRE(cache.Request("src_a", kT0 + 1).status == CacheStatus::kWait);
    auto orders = cache.TakeDueFetches(kT0 + 1);
    REQUIRE(orders.size() == 1);
    // Refused: nobody is answered, the next attempt is 0.5 s later.
    CHECK_FALSE(cache.FetchDone(orders[0].id, "src_a", FirstHopRefusal(), kT0 + 1.2));
    CHECK(cache.counters().refusals_retried == 1);
    CHECK(cache.NextWake() == doctest::Approx(kT0 + 1.7));
    const auto pending = cache.RetryingRefusal("src_a");
    REQUIRE(pending);
    CHECK(pending->error == kRefusal);
    CHECK(pending->retries == 1);
    // A second client meanwhile joins the wait instead of getting the refusal.
    CHECK(cache.Request("src_a", kT0 + 1.3).status == CacheStatus::kWait);
    CHECK(cache.TakeDueFetches(kT0 + 1.6).empty());
    orders = cache.TakeDueFetches(kT0 + 1.7);
    REQUIRE(orders.size() == 1);
    CHECK(cache.TakeDueFetches(kT0 + 1.7).empty());  // single flight
    CHECK(cache.FetchDone(orders[0].id, "src_a", FirstHopRefusal(), kT0 + 1.8) == std::nullopt);
    CHECK(cache.NextWake() == doctest::Approx(kT0 + 2.8));  // then 1 s
    orders = cache.TakeDueFetches(kT0 + 2.8);
    REQUIRE(orders.size() == 1);
    const auto res = cache.FetchDone(orders[0].id, "src_a", Ok(kT0 + 3600), kT0 + 3);
    REQUIRE(res);
    CHECK(res->answer.status == CacheStatus::kHit);
    CHECK_FALSE(cache.RetryingRefusal("src_a"));
    CHECK(cache.counters().refusals_retried == 2);
    CHECK(cache.counters().fetches_ok == 1);
  }

  TEST_CASE("a refusal outlasting the window is reported once, then backs off from the start") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    cache.SetProfiles({Recipe("src_a")}, kT0);
    REQUIRE(cache.Request("src_a", kT0).status == CacheStatus::kWait);
    double now = kT0;
    std::optional<CacheResolution> res;
    int fetches = 0;
    for (; fetches < 40 && !res; ++fetches) {
      const double wake = cache.NextWake();
      if (wake > now) now = wake;
      auto orders = cache.TakeDueFetches(now);
      REQUIRE(orders.size() == 1);
      now += 0.1;  // the STS call
      res = cache.FetchDone(orders[0].id, "src_a", FirstHopRefusal(), now);
    }
    REQUIRE(res);
    CHECK(now >= kT0 + 30);
    CHECK(now <= kT0 + 30.2);
    CHECK(fetches >= 8);
    CHECK(fetches <= 14);
    CHECK(res->answer.status == CacheStatus::kUnavailable);
    CHECK(res->answer.message ==
          "cannot get credentials for profile \"src_a\": " + std::string(kRefusal) +
              " (still refused after " + std::to_string(fetches - 1) +
              " retries in the profile's first 30 s)");
    // The ordinary backoff now, from its first step (min_backoff 1: [1, 2] s).
    const CacheLookup later = cache.Request("src_a", now + 0.5);
    CHECK(later.status == CacheStatus::kUnavailable);
    CHECK(later.message.find("(next attempt in ") != std::string::npos);
    CHECK(cache.Request("src_a", now + 2).status == CacheStatus::kWait);
  }

  TEST_CASE("a profile seen longer than the window is refused at once") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    cache.SetProfiles({Recipe("src_a")}, kT0);
    cache.SetProfiles({Recipe("src_a")}, kT0 + 20);  // listed again: still first seen at kT0
    REQUIRE(cache.Request("src_a", kT0 + 31).status == CacheStatus::kWait);
    auto orders = cache.TakeDueFetches(kT0 + 31);
    REQUIRE(orders.size() == 1);
    const auto res = cache.FetchDone(orders[0].id, "src_a", FirstHopRefusal(), kT0 + 31);
    REQUIRE(res);
    CHECK(res->answer.message ==
          "cannot get credentials for profile \"src_a\": " + std::string(kRefusal));
    CHECK(cache.counters().refusals_retried == 0);
  }

  TEST_CASE("a changed recipe starts a new window; other failures and window 0 report at once") {
    Draws draws;
    CacheTiming off;
    off.refusal_retry_window = 0;
    CredentialCache no_grace(off, draws.Source());
    no_grace.SetProfiles({Recipe("src_a")}, kT0);
    REQUIRE(no_grace.Request("src_a", kT0).status == CacheStatus::kWait);
    auto orders = no_grace.TakeDueFetches(kT0);
    CHECK(no_grace.FetchDone(orders[0].id, "src_a", FirstHopRefusal(), kT0 + 1));

    CredentialCache cache(CacheTiming{}, draws.Source());
    cache.SetProfiles({Recipe("src_a")}, kT0);
    CredentialRecipe moved = Recipe("src_a");
    moved.role_arn = "arn:aws:iam::123456789012:role/proxy2";
    cache.SetProfiles({moved}, kT0 + 40);  // a new role: a new window from kT0 + 40
    REQUIRE(cache.Request("src_a", kT0 + 41).status == CacheStatus::kWait);
    orders = cache.TakeDueFetches(kT0 + 41);
    REQUIRE(orders.size() == 1);
    CHECK_FALSE(cache.FetchDone(orders[0].id, "src_a", FirstHopRefusal(), kT0 + 41));
    CHECK(cache.RetryingRefusal("src_a"));
    // In the window, InvalidIdentityToken is reported at once and ends the retrying.
    orders = cache.TakeDueFetches(cache.NextWake());
    REQUIRE(orders.size() == 1);
    const CredentialFetch invalid = Failed(
        Failure::kPermanent,
        {Hop("AssumeRoleWithWebIdentity", "InvalidIdentityToken", Failure::kPermanent, true)},
        "InvalidIdentityToken");
    const auto res = cache.FetchDone(
        orders[0].id, "src_a",
        Failed(Failure::kPermanent, invalid.sts_calls, "InvalidIdentityToken"), kT0 + 42);
    REQUIRE(res);
    CHECK(res->answer.message ==
          "cannot get credentials for profile \"src_a\": InvalidIdentityToken");
    CHECK_FALSE(cache.RetryingRefusal("src_a"));
  }
}

TEST_SUITE("broker") {
  TEST_CASE("waiters share the retried fetch; past max_wait they get the refusal, logged once") {
    CaptureSink sink;
    Logger log{LogLevel::kInfo, LogFormat::kText, &sink, [] { return kT0; }};
    BrokerLimits limits;
    limits.max_wait = 25;
    CredentialBroker broker(
        CacheTiming{}, limits, [] { return 0.5; }, &log);
    broker.SetProfiles({Recipe("src_a")}, kT0);
    CHECK_FALSE(broker.HandleCredentialRequest(1, "src_a", 1000, kT0 + 2));
    CHECK_FALSE(broker.HandleCredentialRequest(2, "src_a", 1000, kT0 + 2));
    BrokerDue due = broker.Due(kT0 + 2);
    REQUIRE(due.fetches.size() == 1);
    CHECK(broker.FetchDone(due.fetches[0].id, "src_a", FirstHopRefusal(), kT0 + 2).empty());
    CHECK(broker.waiting() == 2);
    CHECK(sink.All().find("STS refused the first hop; retrying while the trust policy "
                          "propagates") != std::string::npos);
    CHECK(sink.All().find("retry=1") != std::string::npos);
    CHECK(sink.All().find("retry_in=0.5") != std::string::npos);
    // Keep refusing until the waiters' deadline (kT0 + 27).
    double now = kT0 + 2;
    int fetches = 1;
    std::vector<BrokerResponse> answered;
    while (answered.empty() && fetches < 40) {
      now = std::min(broker.NextWake(), kT0 + 27);
      due = broker.Due(now);
      for (BrokerResponse& r : due.responses) answered.push_back(std::move(r));
      for (const CacheFetchOrder& order : due.fetches) {
        ++fetches;
        CHECK(broker.FetchDone(order.id, "src_a", FirstHopRefusal(), now).empty());
      }
    }
    REQUIRE(answered.size() == 2);
    CHECK(now == kT0 + 27);
    for (const BrokerResponse& r : answered) {
      CHECK(r.status == 503);
      CHECK(r.body ==
            ErrorJson("cannot get credentials for profile \"src_a\": " + std::string(kRefusal) +
                      " (still retried: IAM may not have propagated the trust "
                      "policy yet)"));
    }
    // One warning per retried refusal, none with a secret.
    size_t lines = 0;
    for (size_t at = sink.All().find("STS refused the first hop"); at != std::string::npos;
         at = sink.All().find("STS refused the first hop", at + 1)) {
      ++lines;
    }
    CHECK(lines == static_cast<size_t>(fetches));
    CHECK(broker.cache().counters().refusals_retried == static_cast<uint64_t>(fetches));
    CHECK(sink.All().find(kSecretKey) == std::string::npos);
  }
}

TEST_SUITE("metrics") {
  TEST_CASE("irsa_agent_sts_refusals_retried_total appears with the first retry") {
    MetricsRegistry m;
    CHECK(m.Render().find("refusals_retried") == std::string::npos);
    m.RefusalRetried();
    m.RefusalRetried();
    const std::string text = m.Render();
    CHECK(text.find("# TYPE irsa_agent_sts_refusals_retried_total counter\n"
                    "irsa_agent_sts_refusals_retried_total 2\n") != std::string::npos);
  }
}

}  // namespace
}  // namespace irsa

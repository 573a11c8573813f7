// Tests for credential_cache.h: the broker's per-profile state machine, driven
// with plain numbers for time and scripted random draws. Nothing here sleeps.
#include "aws/credential_cache.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "unit/test_util.h"

namespace irsa {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kT0 = 1'800'000'000;  // unix seconds
constexpr double kAlmostOne = 0.999999999;

// Distinctive secret bytes: no message or answer text may contain them.
constexpr const char* kSecretKey = "SECRETsecretSECRETkey0123456789abcdefXYZ";
constexpr const char* kSessionToken = "TOKENtokenTOKENsession9876543210zyxwvuQRS";

CredentialRecipe Recipe(const std::string& profile, const std::string& role = "target") {
  CredentialRecipe r;
  r.profile = profile;
  r.role_arn = "arn:aws:iam::123456789012:role/" + role;
  r.source_role_arn = "arn:aws:iam::123456789012:role/proxy";
  r.session_name = "alice-run1";
  return r;
}

CredentialFetch Ok(double expires_at, const std::string& key_id = "ASIAEXAMPLEKEY000001") {
  CredentialFetch f;
  f.credentials = std::make_unique<TemporaryCredentials>();
  f.credentials->access_key_id = key_id;
  f.credentials->secret_access_key = kSecretKey;
  f.credentials->session_token = kSessionToken;
  f.expires_at = static_cast<int64_t>(expires_at);
  return f;
}

CredentialFetch Fail(Failure kind, const std::string& message, bool throttled = false,
                     std::optional<double> retry_after = std::nullopt) {
  CredentialFetch f;
  f.status = {kind, message};
  f.throttled = throttled;
  f.retry_after = retry_after;
  return f;
}

// Checks that no text the cache produced holds a secret byte sequence.
void CheckNoSecret(const std::string& text) {
  const bool clean =
      text.find(kSecretKey) == std::string::npos && text.find(kSessionToken) == std::string::npos;
  CHECK_MESSAGE(clean, "a message holds secret bytes (not shown)");
}

// A cache with `profile` listed, one request made at `now` and its fetch
// answered with credentials for one hour. Returns the fetch's order.
CacheFetchOrder Warm(CredentialCache* cache, const std::string& profile, double now) {
  cache->SetProfiles({Recipe(profile)}, now);
  REQUIRE(cache->Request(profile, now).status == CacheStatus::kWait);
  std::vector<CacheFetchOrder> orders = cache->TakeDueFetches(now);
  REQUIRE(orders.size() == 1);
  auto res = cache->FetchDone(orders[0].id, profile, Ok(now + 3600), now);
  REQUIRE(res.has_value());
  REQUIRE(res->answer.status == CacheStatus::kHit);
  return orders[0];
}

TEST_SUITE("credential_cache") {
  TEST_CASE("lazy: nothing is fetched before a profile is asked for") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    cache.SetProfiles({Recipe("a"), Recipe("src_a"), Recipe("b")}, kT0);
    CHECK(cache.TakeDueFetches(kT0).empty());
    CHECK(cache.TakeDueFetches(kT0 + 86400).empty());
    CHECK(cache.NextWake() == kInf);
    CHECK(cache.Request("b", kT0 + 10).status == CacheStatus::kWait);
    const auto orders = cache.TakeDueFetches(kT0 + 10);
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].recipe == Recipe("b"));
  }

  TEST_CASE("single flight: 100 simultaneous first requests cause one fetch") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    cache.SetProfiles({Recipe("a")}, kT0);
    std::vector<CacheFetchOrder> orders;
    for (int i = 0; i < 100; ++i) {
      CHECK(cache.Request("a", kT0).status == CacheStatus::kWait);
      for (auto& o : cache.TakeDueFetches(kT0)) orders.push_back(o);
    }
    REQUIRE(orders.size() == 1);
    CHECK(cache.fetches_in_flight() == 1);
    CHECK(cache.counters().requests_miss == 100);
    auto res = cache.FetchDone(orders[0].id, "a", Ok(kT0 + 3600), kT0 + 1);
    REQUIRE(res.has_value());
    CHECK(res->profile == "a");
    CHECK(res->answer.status == CacheStatus::kHit);
    CHECK(res->answer.credentials->secret_access_key == kSecretKey);
    CHECK(res->answer.expires_at == static_cast<int64_t>(kT0 + 3600));
    const CacheLookup hit = cache.Request("a", kT0 + 2);
    CHECK(hit.status == CacheStatus::kHit);
    CHECK(cache.TakeDueFetches(kT0 + 2).empty());
    CHECK(cache.counters().requests_hit == 1);
    CHECK(cache.counters().fetches_ok == 1);
  }

  TEST_CASE("the 5-minute rule: credentials with less than min_remaining left are not served") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    Warm(&cache, "a", kT0);
    const double expiry = kT0 + 3600;
    CHECK(cache.NextWake() <= expiry - 300);
    CHECK(cache.Request("a", expiry - 300).status == CacheStatus::kHit);
    CHECK(cache.Request("a", expiry - 299.5).status == CacheStatus::kWait);
    CHECK(cache.CachedExpiries().empty());  // dropped and wiped
    CHECK(cache.TakeDueFetches(expiry - 299.5).size() == 1);
  }

  TEST_CASE("unservable credentials are wiped on time even when nobody asks") {
    Draws draws({}, 0.0);
    CredentialCache cache(CacheTiming{}, draws.Source());
    Warm(&cache, "a", kT0);
    auto orders = cache.TakeDueFetches(kT0 + 2700);
    REQUIRE(orders.size() == 1);
    cache.FetchDone(orders[0].id, "a", Ok(kT0 + 6300), kT0 + 2700);
    CHECK(cache.TakeDueFetches(kT0 + 5400).empty());  // not asked for since kT0
    CHECK(cache.NextWake() == kT0 + 6000);
    CHECK(cache.CachedExpiries().size() == 1);
    CHECK(cache.TakeDueFetches(kT0 + 6000.5).empty());
    CHECK(cache.CachedExpiries().empty());
    CHECK(cache.NextWake() == kInf);
  }

  TEST_CASE("refresh ahead: before a quarter of the lifetime remains, jittered by L/8") {
    for (double u : {0.0, 0.5, kAlmostOne}) {
      CAPTURE(u);
      Draws draws({u});
      CredentialCache cache(CacheTiming{}, draws.Source());
      Warm(&cache, "a", kT0);
      const double expected = kT0 + 2700 - u * 450;
      CHECK(cache.NextWake() == doctest::Approx(expected));
      CHECK(cache.NextWake() >= kT0 + 2250 - 1e-6);
      CHECK(cache.NextWake() <= kT0 + 2700);
      CHECK(cache.TakeDueFetches(expected - 1).empty());
      const auto orders = cache.TakeDueFetches(expected);
      REQUIRE(orders.size() == 1);
      // Still served while the refresh runs.
      CHECK(cache.Request("a", expected + 1).status == CacheStatus::kHit);
      CHECK_FALSE(cache.FetchDone(orders[0].id, "a", Ok(expected + 3600, "ASIANEW"), expected + 2)
                      .has_value());
      const CacheLookup hit = cache.Request("a", expected + 3);
      REQUIRE(hit.status == CacheStatus::kHit);
      CHECK(hit.credentials->access_key_id == "ASIANEW");
    }
  }

  TEST_CASE("refresh ahead never lets a short lifetime fall under min_remaining") {
    Draws draws({0.0});
    CredentialCache cache(CacheTiming{}, draws.Source());
    cache.SetProfiles({Recipe("a")}, kT0);
    cache.Request("a", kT0);
    const auto orders = cache.TakeDueFetches(kT0);
    REQUIRE(orders.size() == 1);
    cache.FetchDone(orders[0].id, "a", Ok(kT0 + 900), kT0);  // L/4 = 225 < 300
    CHECK(cache.NextWake() == kT0 + 600);
  }

  TEST_CASE("only profiles asked for within the last lifetime are refreshed") {
    Draws draws({}, 0.0);  // refresh exactly at expiry - L/4
    CredentialCache cache(CacheTiming{}, draws.Source());
    Warm(&cache, "a", kT0);
    // First refresh at kT0 + 2700: the request at kT0 is within the lifetime.
    auto orders = cache.TakeDueFetches(kT0 + 2700);
    REQUIRE(orders.size() == 1);
    cache.FetchDone(orders[0].id, "a", Ok(kT0 + 2700 + 3600), kT0 + 2700);
    // Second refresh due at kT0 + 5400, but the last request was 5400 s ago.
    CHECK(cache.NextWake() == kT0 + 5400);
    CHECK(cache.TakeDueFetches(kT0 + 5400).empty());
    // The next wake-up is the wipe, not a hot loop on the skipped refresh.
    CHECK(cache.NextWake() == kT0 + 2700 + 3600 - 300);
    // A request brings the overdue refresh back.
    CHECK(cache.Request("a", kT0 + 5500).status == CacheStatus::kHit);
    CHECK(cache.NextWake() <= kT0 + 5500);
    CHECK(cache.TakeDueFetches(kT0 + 5500).size() == 1);
  }

  TEST_CASE("on failure the last good credentials are served while valid, with backoff") {
    Draws draws({}, 0.0);
    CredentialCache cache(CacheTiming{}, draws.Source());
    Warm(&cache, "a", kT0);
    auto orders = cache.TakeDueFetches(kT0 + 2700);
    REQUIRE(orders.size() == 1);
    CHECK_FALSE(
        cache.FetchDone(orders[0].id, "a", Fail(Failure::kTransient, "STS timed out"), kT0 + 2700)
            .has_value());
    CHECK(cache.Request("a", kT0 + 2700.5).status == CacheStatus::kHit);
    CHECK(cache.NextWake() == kT0 + 2701);  // min_backoff with a zero draw
    CHECK(cache.TakeDueFetches(kT0 + 2700.9).empty());
    orders = cache.TakeDueFetches(kT0 + 2701);
    REQUIRE(orders.size() == 1);
    cache.FetchDone(orders[0].id, "a", Fail(Failure::kPermanent, "AccessDenied"), kT0 + 2701);
    CHECK(cache.Request("a", kT0 + 3300).status == CacheStatus::kHit);
    CHECK(cache.counters().fetches_failed == 2);
    // Past the 5-minute line with STS still failing: the requester gets the error.
    const CacheLookup err = cache.Request("a", kT0 + 3301);
    CHECK(err.status == CacheStatus::kWait);
    orders = cache.TakeDueFetches(kT0 + 3301);
    REQUIRE(orders.size() == 1);
    auto res = cache.FetchDone(orders[0].id, "a", Fail(Failure::kPermanent, "AccessDenied: no"),
                               kT0 + 3302);
    REQUIRE(res.has_value());
    CHECK(res->answer.status == CacheStatus::kUnavailable);
    CHECK(res->answer.message == "cannot get credentials for profile \"a\": AccessDenied: no");
    // During the backoff a request fails at once instead of calling STS.
    const CacheLookup during = cache.Request("a", kT0 + 3302.5);
    CHECK(during.status == CacheStatus::kUnavailable);
    CHECK(during.message.find("AccessDenied: no (next attempt in") != std::string::npos);
    CHECK(cache.TakeDueFetches(kT0 + 3302.5).empty());
  }

  TEST_CASE("full-jitter backoff stays within [min, min * 2^n] capped at max") {
    for (double u : {0.0, kAlmostOne}) {
      CAPTURE(u);
      Draws draws({}, u);
      CacheTiming timing;
      timing.min_backoff = 2;
      timing.max_backoff = 60;
      CredentialCache cache(timing, draws.Source());
      cache.SetProfiles({Recipe("a")}, kT0);
      REQUIRE(cache.Request("a", kT0).status == CacheStatus::kWait);
      double now = kT0;
      for (int n = 1; n <= 8; ++n) {
        CAPTURE(n);
        auto orders = cache.TakeDueFetches(now);
        REQUIRE(orders.size() == 1);
        auto res = cache.FetchDone(orders[0].id, "a", Fail(Failure::kTransient, "down"), now);
        REQUIRE(res.has_value());
        // Nobody waits and nothing is cached: no retry in the background.
        CHECK(cache.NextWake() == kInf);
        const double cap = std::min(60.0, 2 * std::pow(2.0, n));
        const double delay = u == 0.0 ? 2.0 : cap;  // the window's two ends
        CHECK(cache.Request("a", now + delay - 0.01).status == CacheStatus::kUnavailable);
        now += delay;
        CHECK(cache.Request("a", now).status == CacheStatus::kWait);
      }
    }
  }

  TEST_CASE("throttling backs off from 8 * min, Retry-After wins when longer, capped at max") {
    Draws draws({}, 0.0);
    CacheTiming timing;
    timing.min_backoff = 1;
    timing.max_backoff = 100;
    CredentialCache cache(timing, draws.Source());
    cache.SetProfiles({Recipe("a")}, kT0);
    cache.Request("a", kT0);
    auto orders = cache.TakeDueFetches(kT0);
    cache.FetchDone(orders[0].id, "a", Fail(Failure::kTransient, "Throttling: Rate exceeded", true),
                    kT0);
    CHECK(cache.counters().fetches_throttled == 1);
    CHECK(cache.Request("a", kT0 + 7.9).status == CacheStatus::kUnavailable);
    CHECK(cache.Request("a", kT0 + 8).status == CacheStatus::kWait);
    orders = cache.TakeDueFetches(kT0 + 8);
    REQUIRE(orders.size() == 1);
    cache.FetchDone(orders[0].id, "a", Fail(Failure::kTransient, "busy", false, 42.0), kT0 + 8);
    CHECK(cache.Request("a", kT0 + 49.9).status == CacheStatus::kUnavailable);
    CHECK(cache.Request("a", kT0 + 50).status == CacheStatus::kWait);
    orders = cache.TakeDueFetches(kT0 + 50);
    REQUIRE(orders.size() == 1);
    cache.FetchDone(orders[0].id, "a", Fail(Failure::kTransient, "busy", true, 100000.0), kT0 + 50);
    CHECK(cache.Request("a", kT0 + 149.9).status == CacheStatus::kUnavailable);
    CHECK(cache.Request("a", kT0 + 150).status == CacheStatus::kWait);
  }

  TEST_CASE("revocation drops the credentials at once and fails requests clearly") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    Warm(&cache, "a", kT0);
    cache.SetProfiles({Recipe("a"), Recipe("b")}, kT0 + 1);
    CHECK(cache.Request("b", kT0 + 1).status == CacheStatus::kWait);
    const auto orders = cache.TakeDueFetches(kT0 + 1);
    REQUIRE(orders.size() == 1);
    const auto res = cache.SetProfiles({}, kT0 + 2);
    REQUIRE(res.size() == 1);
    CHECK(res[0].profile == "b");
    CHECK(res[0].answer.status == CacheStatus::kUnknown);
    CHECK(res[0].answer.message == "profile \"b\" is no longer in the mapping");
    CHECK(cache.CachedExpiries().empty());
    const CacheLookup a = cache.Request("a", kT0 + 3);
    CHECK(a.status == CacheStatus::kUnknown);
    CHECK(a.message == "profile \"a\" is no longer in the mapping");
    CHECK(cache.Request("zzz", kT0 + 3).message == "profile \"zzz\" is not in the mapping");
    // The fetch in flight for b ends: discarded, nothing cached.
    CHECK_FALSE(cache.FetchDone(orders[0].id, "b", Ok(kT0 + 3600), kT0 + 4).has_value());
    CHECK(cache.counters().fetches_discarded == 1);
    CHECK(cache.CachedExpiries().empty());
    CHECK(cache.NextWake() == kInf);
    // Listed again: fetched afresh, the old flight's id stays dead.
    cache.SetProfiles({Recipe("b")}, kT0 + 5);
    CHECK_FALSE(cache.FetchDone(orders[0].id, "b", Ok(kT0 + 3600), kT0 + 5).has_value());
    CHECK(cache.CachedExpiries().empty());
    CHECK(cache.Request("b", kT0 + 5).status == CacheStatus::kWait);
  }

  TEST_CASE("a changed recipe drops its credentials; the old flight's result is discarded") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    Warm(&cache, "a", kT0);
    CHECK(cache.Request("a", kT0 + 1).status == CacheStatus::kHit);
    cache.SetProfiles({Recipe("a", "other-role")}, kT0 + 2);
    CHECK(cache.CachedExpiries().empty());
    CHECK(cache.Request("a", kT0 + 3).status == CacheStatus::kWait);
    auto orders = cache.TakeDueFetches(kT0 + 3);
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].recipe.role_arn == "arn:aws:iam::123456789012:role/other-role");
    // Changed again while in flight: a second fetch with the newest recipe.
    cache.SetProfiles({Recipe("a", "third-role")}, kT0 + 4);
    auto again = cache.TakeDueFetches(kT0 + 4);
    REQUIRE(again.size() == 1);
    CHECK(again[0].recipe.role_arn == "arn:aws:iam::123456789012:role/third-role");
    CHECK_FALSE(cache.FetchDone(orders[0].id, "a", Ok(kT0 + 3600), kT0 + 5).has_value());
    CHECK(cache.CachedExpiries().empty());
    auto res = cache.FetchDone(again[0].id, "a", Ok(kT0 + 3600, "ASIATHIRD"), kT0 + 6);
    REQUIRE(res.has_value());
    CHECK(res->answer.credentials->access_key_id == "ASIATHIRD");
    // An unchanged recipe keeps its credentials.
    cache.SetProfiles({Recipe("a", "third-role")}, kT0 + 7);
    CHECK(cache.CachedExpiries().size() == 1);
  }

  TEST_CASE("before the first mapping every request is unavailable, not unknown") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    const CacheLookup a = cache.Request("a", kT0);
    CHECK(a.status == CacheStatus::kUnavailable);
    CHECK(a.message == "the agent has not read the mapping yet; try again shortly");
    CHECK(cache.counters().requests_error == 1);
  }

  TEST_CASE("credentials too short-lived or missing count as a failed fetch") {
    Draws draws;
    CredentialCache cache(CacheTiming{}, draws.Source());
    cache.SetProfiles({Recipe("a")}, kT0);
    cache.Request("a", kT0);
    auto orders = cache.TakeDueFetches(kT0);
    auto res = cache.FetchDone(orders[0].id, "a", Ok(kT0 + 200), kT0);
    REQUIRE(res.has_value());
    CHECK(res->answer.status == CacheStatus::kUnavailable);
    CHECK(res->answer.message ==
          "cannot get credentials for profile \"a\": STS issued credentials that expire in 200 s, "
          "less than the 300 s the broker guarantees");
    CHECK(cache.CachedExpiries().empty());
  }

  TEST_CASE("no secret byte appears in any message the cache produces") {
    Draws draws({}, 0.0);
    CredentialCache cache(CacheTiming{}, draws.Source());
    std::string all;
    Warm(&cache, "a", kT0);
    cache.SetProfiles({Recipe("a"), Recipe("b")}, kT0);
    all += cache.Request("b", kT0).message;
    auto orders = cache.TakeDueFetches(kT0);
    REQUIRE(orders.size() == 1);
    auto res = cache.FetchDone(orders[0].id, "b", Fail(Failure::kTransient, "STS down"), kT0);
    REQUIRE(res.has_value());
    all += res->answer.message;
    all += cache.Request("b", kT0 + 0.5).message;
    for (const auto& r : cache.SetProfiles({}, kT0 + 1)) all += r.answer.message;
    all += cache.Request("a", kT0 + 1).message;
    all += cache.Request("b", kT0 + 1).message;
    CHECK(all.find("no longer in the mapping") != std::string::npos);
    CheckNoSecret(all);
  }
  TEST_CASE("a busy profile costs at most 2 fetches per hour; random failures break no rule") {
    // A profile asked for every `gap` seconds for ten hours; STS answers at
    // once, failing (sometimes throttled) with probability `fail_rate`.
    for (const double gap : {1.0, 37.0, 600.0}) {
      for (const double fail_rate : {0.0, 0.3}) {
        CAPTURE(gap);
        CAPTURE(fail_rate);
        std::mt19937_64 rng(42);
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        CredentialCache cache(CacheTiming{}, [&] { return unit(rng); });
        cache.SetProfiles({Recipe("a")}, kT0);
        std::vector<double> fetch_times;
        double next_request = kT0;
        double now = kT0;
        while (now < kT0 + 36000) {
          if (now >= next_request) {
            const CacheLookup a = cache.Request("a", now);
            if (a.status == CacheStatus::kHit) {
              // The 5-minute rule, whatever happened before.
              REQUIRE(static_cast<double>(a.expires_at) - now >= 300);
            }
            next_request += gap;
          }
          for (const CacheFetchOrder& o : cache.TakeDueFetches(now)) {
            REQUIRE(cache.fetches_in_flight() == 1);  // single flight
            fetch_times.push_back(now);
            const bool fail = unit(rng) < fail_rate;
            cache.FetchDone(o.id, "a",
                            fail ? Fail(Failure::kTransient, "x", unit(rng) < 0.5) : Ok(now + 3600),
                            now);
          }
          now = std::min(next_request, std::max(cache.NextWake(), now + 0.001));
        }
        // Successful fetches only: each hour holds at most 2 (a refresh every
        // 2250-2700 s), failures add backoff retries on top.
        if (fail_rate == 0.0) {
          for (double start = kT0; start < kT0 + 36000; start += 3600) {
            const auto in_hour =
                std::count_if(fetch_times.begin(), fetch_times.end(),
                              [&](double t) { return t >= start && t < start + 3600; });
            CHECK(in_hour <= 2);
          }
        }
        CHECK(fetch_times.size() >= 10);  // refreshed all along: the profile stays in use
      }
    }
  }
}

}  // namespace
}  // namespace irsa

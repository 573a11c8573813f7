#include "run/once.h"

#include <doctest/doctest.h>

#include "fakes/capture_sink.h"
#include "fakes/fake_clock.h"

namespace irsa {
namespace {

struct OnceFixture {
  FakeClock clock;
  CaptureSink sink;
  Logger log{LogLevel::kDebug, LogFormat::kText, &sink, [] { return 1.8e9; }};
  Settings settings;
  std::vector<SyncResult> script;  // the last entry repeats
  std::vector<double> budgets;
  double draw = 0.5;

  SyncResult Run() {
    size_t calls = 0;
    return SyncWithRetries(
        [&](double budget) {
          budgets.push_back(budget);
          return script.at(std::min(calls++, script.size() - 1));
        },
        clock, [&] { return draw; }, settings, log);
  }
};

SyncResult Failed(Failure failure, std::optional<double> retry_after = std::nullopt) {
  SyncResult r;
  if (failure != Failure::kNone) r.status = {failure, "failed"};
  r.retry_after = retry_after;
  return r;
}

TEST_SUITE("once") {
  TEST_CASE_FIXTURE(OnceFixture, "success at once does not sleep") {
    script = {SyncResult{}};
    CHECK(Run().status.kind() == Failure::kNone);
    CHECK(clock.sleeps.empty());
  }

  TEST_CASE_FIXTURE(OnceFixture, "transient failures back off with growing caps, then succeed") {
    settings.min_backoff = 1;
    settings.max_backoff = 30;
    draw = 0.999;
    script = {Failed(Failure::kTransient), Failed(Failure::kAnswer), Failed(Failure::kTransient),
              SyncResult{}};
    CHECK(Run().status.kind() == Failure::kNone);
    REQUIRE(clock.sleeps.size() == 3);
    CHECK(clock.sleeps[0] == doctest::Approx(2).epsilon(0.01));
    CHECK(clock.sleeps[1] == doctest::Approx(4).epsilon(0.01));
    CHECK(clock.sleeps[2] == doctest::Approx(8).epsilon(0.01));
  }

  TEST_CASE_FIXTURE(OnceFixture, "failures that retrying cannot fix return at once") {
    for (Failure f : {Failure::kPermanent, Failure::kInput, Failure::kPublish}) {
      clock.sleeps.clear();
      script = {Failed(f), SyncResult{}};
      CHECK(Run().status.kind() == f);
      CHECK(clock.sleeps.empty());
    }
  }

  TEST_CASE_FIXTURE(OnceFixture, "gives up before the deadline with the last failure") {
    settings.timeout = 10;
    settings.min_backoff = 1;
    settings.max_backoff = 4;
    draw = 0.999;
    script = {Failed(Failure::kTransient)};
    const double start = clock.Monotonic();
    CHECK(Run().status.kind() == Failure::kTransient);
    CHECK(clock.Monotonic() - start <= 10);
    double total = 0;
    for (double s : clock.sleeps) total += s;
    CHECK(total == doctest::Approx(clock.Monotonic() - start));
    CHECK(budgets.front() == doctest::Approx(10));
    CHECK(budgets.back() > 0);
    CHECK(budgets.back() < 10);
  }

  TEST_CASE_FIXTURE(OnceFixture, "a starved last attempt does not hide the real failure") {
    settings.timeout = 1;
    settings.min_backoff = 0.1;
    settings.max_backoff = 0.1;
    settings.request_timeout = 10;
    draw = 0;
    size_t calls = 0;
    const SyncResult r = SyncWithRetries(
        [&](double budget) {
          ++calls;
          if (budget < 0.5) return Failed(Failure::kTransient);  // cut short: a time-out
          clock.Advance(0.3);
          return Failed(Failure::kAnswer);
        },
        clock, [&] { return draw; }, settings, log);
    CHECK(calls >= 3);  // two full attempts, then at least one cut short by the deadline
    CHECK(r.status.kind() == Failure::kAnswer);
  }

  TEST_CASE_FIXTURE(OnceFixture, "Retry-After stretches the wait, capped by max-backoff") {
    settings.min_backoff = 1;
    settings.max_backoff = 20;
    settings.timeout = 100;
    draw = 0;
    script = {Failed(Failure::kTransient, 12.0), Failed(Failure::kTransient, 500.0), SyncResult{}};
    CHECK(Run().status.kind() == Failure::kNone);
    REQUIRE(clock.sleeps.size() == 2);
    CHECK(clock.sleeps[0] == doctest::Approx(12));
    CHECK(clock.sleeps[1] == doctest::Approx(20));
  }
}

}  // namespace
}  // namespace irsa

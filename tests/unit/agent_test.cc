// Tests for agent.h: the run-mode state machine, driven with plain numbers for
// time and a scripted source of random draws. Nothing here sleeps.
#include "run/agent.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <limits>
#include <optional>
#include <vector>

#include "base/backoff.h"

namespace irsa {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Hands out the scripted draws in order, then `fallback`; counts the calls.
class Draws {
 public:
  explicit Draws(std::vector<double> script = {}, double fallback = 0.5)
      : script_(script.begin(), script.end()), fallback_(fallback) {}
  std::function<double()> Source() {
    return [this] {
      ++calls_;
      if (script_.empty()) return fallback_;
      const double draw = script_.front();
      script_.pop_front();
      return draw;
    };
  }
  int calls() const { return calls_; }

 private:
  std::deque<double> script_;
  double fallback_;
  int calls_ = 0;
};

// Default timing, but a poll so rare that NextWake() shows the sync time.
AgentTiming NoPoll() {
  AgentTiming t;
  t.poll_interval = 1e6;
  return t;
}

// Starts `agent` at 0 and hands out the first sync.
void StartAndRunFirstSync(Agent* agent) {
  agent->Start(0);
  REQUIRE(agent->Due(0).sync);
}

// Finishes the running sync at `now`; returns how long until the next sync.
double FinishAndGetDelay(Agent* agent, double now, Failure failure,
                         std::optional<double> retry_after = std::nullopt) {
  agent->SyncFinished(now, failure, retry_after);
  return agent->NextWake() - now;
}

TEST_SUITE("agent") {
  TEST_CASE("the first sync is due at Start and the first poll one poll_interval later") {
    Draws draws;
    Agent agent(AgentTiming{}, draws.Source());
    agent.Start(100);
    CHECK(agent.NextWake() == 100);
    const AgentDue first = agent.Due(100);
    CHECK(first.sync);
    CHECK_FALSE(first.check_inputs);
    const AgentDue again = agent.Due(100.5);  // a sync is never due while one runs
    CHECK_FALSE(again.sync);
    CHECK_FALSE(again.check_inputs);
    CHECK(agent.NextWake() == 160);
    const AgentDue poll = agent.Due(160);
    CHECK(poll.check_inputs);
    CHECK_FALSE(poll.sync);
    CHECK(agent.NextWake() == 220);
    CHECK(draws.calls() == 0);  // no delay drawn yet
  }

  TEST_CASE("transient failures back off in a window that doubles up to max_backoff") {
    const double kTop = 0.999;
    Draws draws({}, kTop);
    Agent agent(NoPoll(), draws.Source());
    StartAndRunFirstSync(&agent);
    double now = 0;
    for (int attempt = 0; attempt <= 10; ++attempt) {
      CAPTURE(attempt);
      const double cap = std::min(300.0, std::pow(2.0, attempt + 2));
      const double delay = FinishAndGetDelay(&agent, now, Failure::kTransient);
      CHECK(delay == doctest::Approx(BackoffDelay(attempt + 1, 1, 300, kTop)));
      CHECK(delay <= cap);
      CHECK(delay > cap * 0.998);
      CHECK(agent.consecutive_failures() == attempt + 1);
      now = agent.NextWake();
      REQUIRE(agent.Due(now).sync);
    }
    CHECK(draws.calls() == 11);
  }

  TEST_CASE("a zero draw retries after exactly min_backoff, whatever the attempt") {
    Draws draws({}, 0.0);
    Agent agent(NoPoll(), draws.Source());
    StartAndRunFirstSync(&agent);
    double now = 0;
    for (int attempt = 0; attempt <= 10; ++attempt) {
      CHECK(FinishAndGetDelay(&agent, now, Failure::kTransient) == doctest::Approx(1.0));
      now = agent.NextWake();
      REQUIRE(agent.Due(now).sync);
    }
  }

  TEST_CASE("the refresh after success is 900 s jittered by +-10 %") {
    Draws draws({0.0, 0.999, 0.5});
    Agent agent(NoPoll(), draws.Source());
    StartAndRunFirstSync(&agent);
    double now = 5;
    for (double expected : {810.0, 900 * (1 + 0.1 * (2 * 0.999 - 1)), 900.0}) {
      CAPTURE(expected);
      const double delay = FinishAndGetDelay(&agent, now, Failure::kNone);
      CHECK(delay == doctest::Approx(expected));
      CHECK(delay >= 810);
      CHECK(delay < 990);
      now = agent.NextWake();
      CHECK_FALSE(agent.Due(now - 0.001).sync);
      REQUIRE(agent.Due(now).sync);
    }
  }

  TEST_CASE("a burst of watch events is re-read once, debounce after its last event") {
    Draws draws;
    Agent agent(NoPoll(), draws.Source());
    StartAndRunFirstSync(&agent);
    agent.SyncFinished(0.5, Failure::kNone, std::nullopt);
    int checks = 0;
    double last_event = 0;
    for (int i = 0; i < 5; ++i) {
      last_event = 10 + 0.001 * i;
      agent.WatchEvent(last_event);
      if (agent.Due(last_event).check_inputs) ++checks;
    }
    CHECK(checks == 0);
    const double debounce = AgentTiming{}.debounce;
    CHECK(agent.NextWake() == doctest::Approx(last_event + debounce));
    CHECK_FALSE(agent.Due(last_event + debounce - 0.001).check_inputs);
    const double wake = agent.NextWake();
    CHECK(agent.Due(wake).check_inputs);
    agent.InputsChecked(wake, false);
    CHECK(agent.NextWake() > 800);  // nothing more until the refresh
    CHECK_FALSE(agent.Due(wake + 1).check_inputs);
  }

  TEST_CASE("continuous watch events are re-read every debounce_max, no more often") {
    Draws draws;
    Agent agent(NoPoll(), draws.Source());
    StartAndRunFirstSync(&agent);
    agent.SyncFinished(0.5, Failure::kNone, std::nullopt);
    std::vector<double> checks;
    for (int i = 0; i <= 200; ++i) {  // one event every 5 ms for one second
      const double event = 10 + 0.005 * i;
      if (agent.NextWake() < event) {  // the loop wakes up before the next event
        const double wake = agent.NextWake();
        if (agent.Due(wake).check_inputs) checks.push_back(wake);
      }
      agent.WatchEvent(event);
      if (agent.Due(event).check_inputs) checks.push_back(event);
    }
    CHECK(checks.size() >= 9);
    CHECK(checks.size() <= 10);
    CHECK(checks.front() <= 10.1 + 1e-9);  // the burst never starves the re-read
    for (size_t i = 1; i < checks.size(); ++i) {
      CAPTURE(i);
      const double gap = checks[i] - checks[i - 1];
      CHECK(gap >= 0.1 - 1e-9);
      CHECK(gap <= 0.105 + 1e-9);
    }
  }

  TEST_CASE("Retry-After longer than the drawn delay wins, capped at max_backoff") {
    struct Case {
      Failure failure;
      std::optional<double> retry_after;
      double draw;
      double delay;
    };
    const double permanent_top = 300 * (1 + 0.1 * (2 * 0.999 - 1));
    const Case cases[] = {
        {Failure::kTransient, std::nullopt, 0, 1},
        {Failure::kTransient, 0.5, 0, 1},
        {Failure::kTransient, 120, 0, 120},
        {Failure::kTransient, 1000, 0, 300},
        {Failure::kTransient, kInf, 0, 300},
        {Failure::kTransient, kNaN, 0, 1},
        {Failure::kTransient, -5, 0, 1},
        {Failure::kTransient, 0, 0, 1},
        {Failure::kTransient, 1.5, 0.999, 3.997},  // run mode's first window is [1, 4]
        {Failure::kAnswer, 60, 0, 60},
        {Failure::kPublish, 60, 0, 60},
        {Failure::kPermanent, std::nullopt, 0, 270},
        {Failure::kPermanent, 1000, 0, 300},
        {Failure::kPermanent, 1000, 0.999, permanent_top},
        {Failure::kInput, 280, 0, 280},
        {Failure::kNone, 5000, 0, 810},
    };
    for (const Case& c : cases) {
      CAPTURE(FailureName(c.failure));
      CAPTURE(c.retry_after.value_or(-1));
      CAPTURE(c.draw);
      Draws draws({c.draw});
      Agent agent(NoPoll(), draws.Source());
      StartAndRunFirstSync(&agent);
      CHECK(FinishAndGetDelay(&agent, 7, c.failure, c.retry_after) == doctest::Approx(c.delay));
    }
  }

  TEST_CASE("a refusal (401, 403, bad input) waits about max_backoff, a server error backs off") {
    struct Case {
      Failure failure;
      double low, high;  // the delay after each of several failures in a row
    };
    const Case cases[] = {
        {Failure::kPermanent, 270, 330}, {Failure::kInput, 270, 330}, {Failure::kTransient, 1, 4},
        {Failure::kAnswer, 1, 4},        {Failure::kPublish, 1, 4},
    };
    for (const Case& c : cases) {
      CAPTURE(FailureName(c.failure));
      for (double draw : {0.0, 0.5, 0.999}) {
        CAPTURE(draw);
        Draws draws({}, draw);
        Agent agent(NoPoll(), draws.Source());
        StartAndRunFirstSync(&agent);
        const double delay = FinishAndGetDelay(&agent, 0, c.failure);
        CHECK(delay >= c.low);
        CHECK(delay < c.high);
        // Repeated refusals never get faster.
        double now = agent.NextWake();
        for (int i = 0; i < 5 && c.low >= 270; ++i) {
          REQUIRE(agent.Due(now).sync);
          const double next = FinishAndGetDelay(&agent, now, c.failure);
          CHECK(next >= 270);
          CHECK(next < 330);
          now = agent.NextWake();
        }
      }
    }
  }

  TEST_CASE("a changed input after a bad-input failure makes a sync due at once, rate-limited") {
    Draws draws;
    Agent agent(NoPoll(), draws.Source());
    StartAndRunFirstSync(&agent);
    agent.SyncFinished(0.2, Failure::kInput, std::nullopt);
    CHECK(agent.NextWake() > 270);
    agent.InputsChecked(0.5, false);  // no change: nothing moves
    CHECK(agent.NextWake() > 270);
    agent.InputsChecked(0.5, true);  // inside the window of the sync started at 0
    CHECK(agent.NextWake() == kSyncRateLimit);
    CHECK_FALSE(agent.Due(0.99).sync);
    REQUIRE(agent.Due(1.0).sync);
    agent.SyncFinished(1.3, Failure::kInput, std::nullopt);
    agent.InputsChecked(5, true);  // outside the window: at once
    CHECK(agent.NextWake() == 5);
    CHECK(agent.Due(5).sync);
  }

  TEST_CASE("SIGHUP during a long backoff syncs at once") {
    Draws draws({}, 0.999);
    Agent agent(NoPoll(), draws.Source());
    StartAndRunFirstSync(&agent);
    double now = 0;
    for (int i = 0; i < 6; ++i) {
      agent.SyncFinished(now, Failure::kTransient, std::nullopt);
      now = agent.NextWake();
      REQUIRE(agent.Due(now).sync);
    }
    agent.SyncFinished(now, Failure::kTransient, std::nullopt);
    CHECK(agent.NextWake() - now > 100);
    agent.SyncRequested(now + 10);
    CHECK(agent.NextWake() == now + 10);
    CHECK(agent.Due(now + 10).sync);
    CHECK(agent.consecutive_failures() == 7);  // a request is not a success
  }

  TEST_CASE("SIGHUP while a sync runs: the next sync starts right after it") {
    struct Case {
      double finish;   // the running sync started at 0
      double next_at;  // when the requested one starts
    };
    const Case cases[] = {{2.0, 2.0}, {0.2, kSyncRateLimit}, {1.0, 1.0}};
    for (const Case& c : cases) {
      CAPTURE(c.finish);
      Draws draws;
      Agent agent(NoPoll(), draws.Source());
      StartAndRunFirstSync(&agent);
      agent.SyncRequested(0.1);
      CHECK_FALSE(agent.Due(0.1).sync);
      agent.SyncFinished(c.finish, Failure::kNone, std::nullopt);
      CHECK(agent.NextWake() == c.next_at);
      CHECK(agent.Due(c.next_at).sync);
      agent.SyncFinished(c.next_at + 0.1, Failure::kNone, std::nullopt);
      CHECK(agent.NextWake() > 800);  // one request, one extra sync
    }
  }

  TEST_CASE("a flood of 100 requests within one second starts at most two syncs") {
    for (bool by_signal : {true, false}) {
      CAPTURE(by_signal);
      Draws draws;
      Agent agent(NoPoll(), draws.Source());
      agent.Start(0);
      std::vector<double> starts;
      for (int i = 0; i < 100; ++i) {
        const double now = 0.01 * i;
        if (by_signal) {
          agent.SyncRequested(now);
        } else {
          agent.InputsChecked(now, true);  // a token file rewritten in a loop
        }
        if (agent.Due(now).sync) {
          starts.push_back(now);
          agent.SyncFinished(now + 0.005, Failure::kPermanent, std::nullopt);
        }
      }
      CHECK(starts == std::vector<double>{0});
      CHECK(agent.NextWake() == kSyncRateLimit);  // deferred, not dropped
      CHECK(agent.Due(kSyncRateLimit).sync);
    }
  }

  TEST_CASE("success resets the failure count and the backoff window") {
    Draws draws({}, 0.999);
    Agent agent(NoPoll(), draws.Source());
    StartAndRunFirstSync(&agent);
    double now = 0;
    for (int i = 0; i < 5; ++i) {
      agent.SyncFinished(now, Failure::kTransient, std::nullopt);
      now = agent.NextWake();
      REQUIRE(agent.Due(now).sync);
    }
    CHECK(agent.consecutive_failures() == 5);
    agent.SyncFinished(now, Failure::kNone, std::nullopt);
    now = agent.NextWake();
    CHECK(agent.consecutive_failures() == 0);
    REQUIRE(agent.Due(now).sync);
    const double delay = FinishAndGetDelay(&agent, now, Failure::kTransient);
    CHECK(delay <= 4);  // attempt 0 again: run mode's first window is [1, 4]
    CHECK(agent.consecutive_failures() == 1);
  }

  TEST_CASE("a change found by the check handed out with a sync is covered by that sync") {
    AgentTiming timing;
    timing.poll_interval = 10;
    Draws draws;
    Agent agent(timing, draws.Source());
    StartAndRunFirstSync(&agent);
    agent.SyncFinished(0.5, Failure::kTransient, 9.5);  // next sync at 10, with the poll
    const AgentDue due = agent.Due(10);
    CHECK(due.check_inputs);
    CHECK(due.sync);
    agent.InputsChecked(10, true);  // same wake-up: the sync reads the new inputs
    agent.SyncFinished(10.5, Failure::kNone, std::nullopt);
    CHECK(agent.NextWake() == 20);  // the poll; no second sync
    const AgentDue later = agent.Due(20);
    CHECK(later.check_inputs);
    CHECK_FALSE(later.sync);
    agent.SyncRequested(20);
    REQUIRE(agent.Due(20).sync);
    agent.InputsChecked(20.5, true);  // during the sync: runs again after it
    agent.SyncFinished(20.6, Failure::kNone, std::nullopt);
    CHECK(agent.NextWake() == 21);
  }

  TEST_CASE("an unusable poll or debounce falls back to the default") {
    AgentTiming timing;
    timing.poll_interval = kInf;
    timing.debounce = -1;
    timing.debounce_max = kNaN;
    Draws draws;
    Agent agent(timing, draws.Source());
    StartAndRunFirstSync(&agent);
    CHECK(agent.NextWake() == 60);
    agent.WatchEvent(2);
    CHECK(agent.NextWake() == doctest::Approx(2 + AgentTiming{}.debounce));
    for (int i = 1; i <= 30; ++i) agent.WatchEvent(2 + 0.004 * i);  // one burst
    CHECK(agent.NextWake() == doctest::Approx(2.1));
  }

  TEST_CASE("an unusable backoff or refresh falls back to the default") {
    AgentTiming timing = NoPoll();
    timing.min_backoff = 0;
    timing.max_backoff = kNaN;
    timing.refresh_interval = -1;
    struct Case {
      Failure failure;
      double delay;  // with a draw of 0.5
    };
    const Case cases[] = {
        {Failure::kTransient, 2.5}, {Failure::kPermanent, 300}, {Failure::kNone, 900}};
    for (const Case& c : cases) {
      CAPTURE(FailureName(c.failure));
      Draws draws;
      Agent agent(timing, draws.Source());
      StartAndRunFirstSync(&agent);
      CHECK(FinishAndGetDelay(&agent, 1, c.failure) == doctest::Approx(c.delay));
    }
  }

  TEST_CASE("max_backoff below min_backoff is raised to it") {
    AgentTiming timing = NoPoll();
    timing.min_backoff = 5;
    timing.max_backoff = 2;
    Draws draws({}, 0.999);
    Agent agent(timing, draws.Source());
    StartAndRunFirstSync(&agent);
    CHECK(FinishAndGetDelay(&agent, 0, Failure::kTransient) == doctest::Approx(5));
  }
}

}  // namespace
}  // namespace irsa

// Property test for agent.h: random event sequences (fixed seeds, bounded
// length) against the guarantee documented at kSyncRateLimit, checked by a
// small model of which requests are still unserved.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>

#include "run/agent.h"

namespace irsa {
namespace {

constexpr int kSeeds = 200;
constexpr int kStepsPerSeed = 2000;

// Slack for sums of doubles computed in a different order than the agent does.
bool AtLeast(double value, double bound) {
  return value >= bound - 1e-9 * std::max(1.0, std::fabs(bound));
}

// The least delay the agent may draw after a sync that ended with `failure`.
double LeastDelay(const AgentTiming& t, Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return 0.9 * t.refresh_interval;
    case Failure::kPermanent:
    case Failure::kInput:
      return 0.9 * t.max_backoff;
    default:
      return t.min_backoff;
  }
}

class Simulation {
 public:
  Simulation(const AgentTiming& timing, uint64_t seed)
      : timing_(timing), rng_(seed), agent_(timing, [this] { return Uniform(); }) {}

  void Run() {
    agent_.Start(now_);
    for (int step = 0; step < kStepsPerSeed; ++step) Step();
  }

  int syncs() const { return syncs_; }
  int requested_syncs() const { return requested_syncs_; }

 private:
  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  void Step() {
    if (running_ && now_ >= finish_at_) Finish();
    switch (Pick(8)) {
      case 0:
        now_ += Pick(4) == 0 ? 0 : Uniform() * 0.01;
        break;
      case 1:
        now_ += Uniform() * 1.5;
        break;
      case 2:
        now_ += Uniform() * 400;
        break;
      case 3:  // what the loop does
        now_ = std::max(now_, agent_.NextWake());
        break;
      case 4:
        agent_.WatchEvent(now_);
        break;
      case 5:
        Request(/*input_change=*/false);
        agent_.SyncRequested(now_);
        break;
      default:
        CallDue();
        break;
    }
  }

  void Request(bool input_change) {
    if (running_) {
      // A change seen by the check handed out with the running sync is covered.
      if (!(input_change && now_ == start_)) pending_ = true;
      return;
    }
    unserved_since_ = unserved_since_ ? std::min(*unserved_since_, now_) : now_;
    requested_ = true;
  }

  void CallDue() {
    // Liveness: an unserved request is never later than the rate limit allows.
    std::optional<double> deadline;
    if (!running_ && unserved_since_) {
      deadline = previous_ ? std::max(*unserved_since_, previous_->start + RequestSpacing(timing_))
                           : *unserved_since_;
      CHECK(AtLeast(*deadline, agent_.NextWake()));
    }
    const AgentDue due = agent_.Due(now_);
    const double wake = agent_.NextWake();
    if (!(std::isfinite(wake) && wake > now_)) FAIL("NextWake " << wake << " at " << now_);
    if (deadline && now_ >= *deadline) CHECK(due.sync);
    if (due.sync) StartSync();
    if (due.check_inputs && Pick(2) == 0) {
      Request(/*input_change=*/true);
      agent_.InputsChecked(now_, true);
    } else if (due.check_inputs) {
      agent_.InputsChecked(now_, false);
    }
  }

  void StartSync() {
    if (running_) FAIL("a sync was handed out while one was running");
    if (previous_) {
      const Previous& p = *previous_;
      const double after_delay = p.finish + LeastDelay(timing_, p.failure);
      // The documented guarantee; without a request only the drawn delay applies.
      if (!AtLeast(now_, std::min(p.start + RequestSpacing(timing_), after_delay)) ||
          (!requested_ && !AtLeast(now_, after_delay))) {
        FAIL("sync at " << now_ << " after one at " << p.start << " that ended at " << p.finish
                        << " with " << FailureName(p.failure) << ", requested " << requested_);
      }
      if (requested_) ++requested_syncs_;
    }
    ++syncs_;
    running_ = true;
    start_ = now_;
    const int duration_kind = Pick(3);
    finish_at_ = now_ + (duration_kind == 0 ? 0 : Uniform() * (duration_kind == 1 ? 0.05 : 3));
    unserved_since_.reset();
    requested_ = false;
  }

  void Finish() {
    static constexpr Failure kFailures[] = {Failure::kNone,      Failure::kTransient,
                                            Failure::kPermanent, Failure::kInput,
                                            Failure::kAnswer,    Failure::kPublish};
    const Failure failure = kFailures[Pick(6)];
    static constexpr double kOdd[] = {0, -1, std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity()};
    std::optional<double> retry_after;
    const int kind = Pick(4);
    if (kind == 1) retry_after = Uniform() * 1000;
    if (kind == 2) retry_after = kOdd[Pick(4)];
    agent_.SyncFinished(now_, failure, retry_after);
    running_ = false;
    previous_ = Previous{start_, now_, failure};
    if (pending_) {
      unserved_since_ = now_;
      requested_ = true;
      pending_ = false;
    }
  }

  struct Previous {
    double start, finish;
    Failure failure;
  };

  AgentTiming timing_;
  std::mt19937_64 rng_;
  Agent agent_;
  double now_ = 0;
  bool running_ = false;
  double start_ = 0;
  double finish_at_ = 0;
  bool pending_ = false;                  // requested while running
  bool requested_ = false;                // a request since the last sync start
  std::optional<double> unserved_since_;  // the earliest request not yet served
  std::optional<Previous> previous_;
  int syncs_ = 0;
  int requested_syncs_ = 0;
};

TEST_SUITE("agent") {
  TEST_CASE("random event sequences keep the sync spacing and serve every request") {
    AgentTiming fast;
    fast.min_backoff = 0.01;
    fast.max_backoff = 0.5;
    fast.refresh_interval = 0.2;
    fast.poll_interval = 0.3;
    AgentTiming flat;
    flat.min_backoff = 5;
    flat.max_backoff = 5;
    flat.refresh_interval = 2;
    flat.poll_interval = 1;
    flat.debounce = 0;
    flat.debounce_max = 0;
    AgentTiming wide;
    wide.min_backoff = 0.001;
    wide.max_backoff = 86400;
    wide.refresh_interval = 86400;
    wide.poll_interval = 86400;
    const AgentTiming timings[] = {AgentTiming{}, fast, flat, wide};
    for (int t = 0; t < 4; ++t) {
      int syncs = 0;
      int requested_syncs = 0;
      for (int seed = 0; seed < kSeeds; ++seed) {
        Simulation simulation(timings[t], static_cast<uint64_t>(seed));
        simulation.Run();
        syncs += simulation.syncs();
        requested_syncs += simulation.requested_syncs();
      }
      CAPTURE(t);
      // The sequences exercised both scheduled and requested syncs.
      CHECK(syncs > kSeeds * 10);
      CHECK(requested_syncs > kSeeds);
      CHECK(requested_syncs < syncs);
    }
  }
}

}  // namespace
}  // namespace irsa

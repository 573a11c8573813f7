// Tests for fetch_worker.h with a real thread and jobs that block on a
// latch. Every wait is bounded; nothing depends on a sleep being long enough.
#include "irsa_agent/fetch_worker.h"

#include <doctest/doctest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace irsa {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kBound = std::chrono::seconds(5);

// A job's result; counts its own destruction, so a test sees it discarded.
struct Named : FetchWorker::Done {
  Named(std::string n, std::shared_ptr<std::atomic<int>> d) : name(std::move(n)), dropped(d) {}
  ~Named() override { ++*dropped; }
  std::string name;
  std::shared_ptr<std::atomic<int>> dropped;
};

// Jobs that block until Release() (or, when `honour_cancel`, until the
// worker's cancel hook fires), each wait bounded by kBound; records what ran.
class Latch {
 public:
  Latch(FetchWorker* worker, bool honour_cancel = true)
      : cancelled_(worker->Cancelled()), honour_cancel_(honour_cancel) {}

  // A job that yields a Named result `name`.
  FetchWorker::Job Job(const std::string& name) {
    return [this, name]() -> std::unique_ptr<FetchWorker::Done> { return Run(name); };
  }

  void Release(int n = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    released_ += n;
    changed_.notify_all();
  }

  // Waits (bounded) until `n` jobs have started.
  bool WaitStarted(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kBound, [&] { return started_.size() >= n; });
  }

  std::vector<std::string> started() {
    std::lock_guard<std::mutex> lock(mu_);
    return started_;
  }
  int max_running() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_running_;
  }
  bool saw_cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    return saw_cancel_;
  }
  int dropped() const { return *dropped_; }  // results destroyed so far

 private:
  std::unique_ptr<Named> Run(const std::string& name) {
    std::unique_lock<std::mutex> lock(mu_);
    started_.push_back(name);
    ++running_;
    max_running_ = std::max(max_running_, running_);
    changed_.notify_all();
    const auto deadline = Clock::now() + kBound;
    while (released_ == 0 && Clock::now() < deadline) {
      if (honour_cancel_ && cancelled_()) {
        saw_cancel_ = true;
        break;
      }
      changed_.wait_for(lock, std::chrono::milliseconds(10));
    }
    if (released_ > 0) --released_;
    --running_;
    return std::make_unique<Named>(name, dropped_);
  }

  std::function<bool()> cancelled_;
  bool honour_cancel_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> started_;
  int released_ = 0;
  int running_ = 0;
  int max_running_ = 0;
  bool saw_cancel_ = false;
  std::shared_ptr<std::atomic<int>> dropped_ = std::make_shared<std::atomic<int>>(0);
};

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

// Drains until `n` results arrived or kBound passed.
// The names of the results drained until `n` arrived or kBound passed.
std::vector<std::string> DrainN(FetchWorker* worker, size_t n) {
  std::vector<std::string> all;
  const auto deadline = Clock::now() + kBound;
  while (all.size() < n && Clock::now() < deadline) {
    if (!Readable(worker->fd(), 100)) continue;
    for (const auto& r : worker->Drain()) all.push_back(static_cast<const Named&>(*r).name);
  }
  return all;
}

TEST_SUITE("fetch_worker") {
  TEST_CASE("a job runs off the caller's thread and its result arrives through fd()") {
    std::string err;
    auto worker = FetchWorker::Start(8, &err);
    REQUIRE_MESSAGE(worker, err);
    Latch latch(worker.get());
    CHECK_FALSE(Readable(worker->fd(), 0));
    const auto t0 = Clock::now();
    CHECK(worker->Submit(latch.Job("a")));
    CHECK(Clock::now() - t0 < std::chrono::milliseconds(500));  // the caller never waits
    REQUIRE(latch.WaitStarted(1));
    CHECK_FALSE(Readable(worker->fd(), 50));  // still running
    CHECK(worker->Drain().empty());
    latch.Release();
    CHECK(DrainN(worker.get(), 1) == std::vector<std::string>{"a"});
    CHECK_FALSE(Readable(worker->fd(), 0));  // Drain cleared it
  }

  TEST_CASE("jobs run one at a time, in order, each yielding one result") {
    std::string err;
    auto worker = FetchWorker::Start(8, &err);
    REQUIRE(worker);
    Latch latch(worker.get());
    for (int i = 1; i <= 4; ++i) CHECK(worker->Submit(latch.Job("p" + std::to_string(i))));
    latch.Release(4);
    const std::vector<std::string> order{"p1", "p2", "p3", "p4"};
    CHECK(DrainN(worker.get(), 4) == order);
    CHECK(latch.max_running() == 1);
    CHECK(latch.started() == order);
  }

  TEST_CASE("a job that yields nothing is not announced") {
    std::string err;
    auto worker = FetchWorker::Start(8, &err);
    REQUIRE(worker);
    Latch latch(worker.get());
    std::atomic<bool> ran{false};
    CHECK(worker->Submit([&ran]() -> std::unique_ptr<FetchWorker::Done> {
      ran = true;
      return nullptr;
    }));
    CHECK(worker->Submit(latch.Job("after")));
    latch.Release();
    CHECK(DrainN(worker.get(), 1) == std::vector<std::string>{"after"});
    CHECK(ran);
  }

  TEST_CASE("a full queue refuses at once and drops the job unrun") {
    std::string err;
    auto worker = FetchWorker::Start(2, &err);
    REQUIRE(worker);
    Latch latch(worker.get());
    CHECK(worker->Submit(latch.Job("a")));
    REQUIRE(latch.WaitStarted(1));  // running, so the queue is empty again
    CHECK(worker->Submit(latch.Job("b")));
    CHECK(worker->Submit(latch.Job("c")));
    CHECK_FALSE(worker->Submit(latch.Job("d")));
    CHECK_FALSE(Readable(worker->fd(), 0));  // a refusal is the caller's to report
    latch.Release(3);
    CHECK(DrainN(worker.get(), 3) == std::vector<std::string>{"a", "b", "c"});
    CHECK(latch.started() == std::vector<std::string>{"a", "b", "c"});
  }

  TEST_CASE("Stop abandons the running job within a second and discards its result") {
    std::string err;
    auto worker = FetchWorker::Start(8, &err);
    REQUIRE(worker);
    Latch latch(worker.get());
    const std::function<bool()> hook = worker->Cancelled();
    CHECK_FALSE(hook());
    worker->Submit(latch.Job("a"));
    worker->Submit(latch.Job("b"));
    REQUIRE(latch.WaitStarted(1));
    const auto t0 = Clock::now();
    worker->Stop();
    CHECK(Clock::now() - t0 < std::chrono::seconds(1));
    CHECK(latch.saw_cancel());
    CHECK(hook());
    CHECK(latch.dropped() == 1);  // the running job's result was made and destroyed
    CHECK(worker->Drain().empty());
    CHECK(latch.started() == std::vector<std::string>{"a"});  // the queued one never ran
    CHECK_FALSE(worker->Submit(latch.Job("c")));
    CHECK(worker->Drain().empty());
    worker->Stop();  // idempotent
    worker.reset();
    CHECK(hook());  // still safe to call
  }

  TEST_CASE("destroying the worker stops it too") {
    std::string err;
    auto worker = FetchWorker::Start(8, &err);
    REQUIRE(worker);
    Latch latch(worker.get());
    worker->Submit(latch.Job("a"));
    REQUIRE(latch.WaitStarted(1));
    const auto t0 = Clock::now();
    worker.reset();
    CHECK(Clock::now() - t0 < std::chrono::seconds(1));
    CHECK(latch.saw_cancel());
  }

  TEST_CASE("a job that ignores the hook is waited for, its result still discarded") {
    std::string err;
    auto worker = FetchWorker::Start(8, &err);
    REQUIRE(worker);
    Latch latch(worker.get(), /*honour_cancel=*/false);
    worker->Submit(latch.Job("a"));
    REQUIRE(latch.WaitStarted(1));
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      latch.Release();
    });
    worker->Stop();
    releaser.join();
    CHECK(worker->Drain().empty());
    CHECK(latch.dropped() == 1);
  }
}

}  // namespace
}  // namespace irsa

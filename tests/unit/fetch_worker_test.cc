// Tests for fetch_worker.h with a real thread and a fake source that blocks on
// a latch. Every wait is bounded; nothing depends on a sleep being long enough.
#include "os/fetch_worker.h"

#include <doctest/doctest.h>
#include <poll.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace irsa {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kBound = std::chrono::seconds(5);

constexpr const char* kSecretKey = "WORKERsecretKEY0123456789abcdefghijklmno";

// Fetch blocks until Release() (or the cancel hook fires when `honour_cancel`),
// each wait bounded by kBound; records what ran.
class LatchedSource : public CredentialSource {
 public:
  explicit LatchedSource(bool honour_cancel = true) : honour_cancel_(honour_cancel) {}

  void SetCancelled(std::function<bool()> cancelled) override { cancelled_ = std::move(cancelled); }

  CredentialFetch Fetch(const CredentialRecipe& recipe) override {
    std::unique_lock<std::mutex> lock(mu_);
    started_.push_back(recipe.profile);
    ++running_;
    max_running_ = std::max(max_running_, running_);
    changed_.notify_all();
    const auto deadline = Clock::now() + kBound;
    while (released_ == 0 && Clock::now() < deadline) {
      if (honour_cancel_ && cancelled_ && cancelled_()) {
        saw_cancel_ = true;
        break;
      }
      changed_.wait_for(lock, std::chrono::milliseconds(10));
    }
    if (released_ > 0) --released_;
    --running_;
    CredentialFetch fetch;
    fetch.credentials = std::make_unique<TemporaryCredentials>();
    fetch.credentials->access_key_id = "ASIA" + recipe.profile;
    fetch.credentials->secret_access_key = kSecretKey;
    fetch.expires_at = 1'800'003'600;
    return fetch;
  }

  void Release(int n = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    released_ += n;
    changed_.notify_all();
  }

  // Waits (bounded) until `n` fetches have started.
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

 private:
  bool honour_cancel_;
  std::function<bool()> cancelled_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> started_;
  int released_ = 0;
  int running_ = 0;
  int max_running_ = 0;
  bool saw_cancel_ = false;
};

CredentialRecipe Recipe(const std::string& profile) {
  CredentialRecipe r;
  r.profile = profile;
  r.role_arn = "arn:aws:iam::123456789012:role/" + profile;
  return r;
}

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

// Drains until `n` results arrived or kBound passed.
std::vector<FetchResult> DrainN(FetchWorker* worker, size_t n) {
  std::vector<FetchResult> all;
  const auto deadline = Clock::now() + kBound;
  while (all.size() < n && Clock::now() < deadline) {
    if (!Readable(worker->fd(), 100)) continue;
    for (FetchResult& r : worker->Drain()) all.push_back(std::move(r));
  }
  return all;
}

TEST_SUITE("fetch_worker") {
  TEST_CASE("a fetch runs off the caller's thread and its result arrives through fd()") {
    LatchedSource source;
    std::string err;
    auto worker = FetchWorker::Start(&source, 8, &err);
    REQUIRE_MESSAGE(worker, err);
    CHECK_FALSE(Readable(worker->fd(), 0));
    const auto t0 = Clock::now();
    CHECK(worker->Submit(7, Recipe("a")));
    CHECK(Clock::now() - t0 < std::chrono::milliseconds(500));  // the caller never waits
    REQUIRE(source.WaitStarted(1));
    CHECK_FALSE(Readable(worker->fd(), 50));  // still running
    CHECK(worker->Drain().empty());
    source.Release();
    const auto results = DrainN(worker.get(), 1);
    REQUIRE(results.size() == 1);
    CHECK(results[0].id == 7);
    CHECK(results[0].profile == "a");
    CHECK(results[0].fetch.status.kind() == Failure::kNone);
    REQUIRE(results[0].fetch.credentials);
    CHECK(results[0].fetch.credentials->access_key_id == "ASIAa");
    CHECK_FALSE(Readable(worker->fd(), 0));  // Drain cleared it
  }

  TEST_CASE("fetches run one at a time, in order, each yielding one result") {
    LatchedSource source;
    std::string err;
    auto worker = FetchWorker::Start(&source, 8, &err);
    REQUIRE(worker);
    for (uint64_t i = 1; i <= 4; ++i) worker->Submit(i, Recipe("p" + std::to_string(i)));
    source.Release(4);
    const auto results = DrainN(worker.get(), 4);
    REQUIRE(results.size() == 4);
    for (uint64_t i = 0; i < 4; ++i) CHECK(results[i].id == i + 1);
    CHECK(source.max_running() == 1);
    CHECK(source.started() == std::vector<std::string>{"p1", "p2", "p3", "p4"});
  }

  TEST_CASE("a full queue refuses at once with a transient failure") {
    LatchedSource source;
    std::string err;
    auto worker = FetchWorker::Start(&source, 2, &err);
    REQUIRE(worker);
    CHECK(worker->Submit(1, Recipe("a")));
    REQUIRE(source.WaitStarted(1));  // running, so the queue is empty again
    CHECK(worker->Submit(2, Recipe("b")));
    CHECK(worker->Submit(3, Recipe("c")));
    CHECK_FALSE(worker->Submit(4, Recipe("d")));
    REQUIRE(Readable(worker->fd(), 0));  // the refusal is there already
    auto refused = worker->Drain();
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].id == 4);
    CHECK(refused[0].profile == "d");
    CHECK(refused[0].fetch.status.kind() == Failure::kTransient);
    CHECK(refused[0].fetch.status.message() == "too many credential fetches queued");
    source.Release(3);
    CHECK(DrainN(worker.get(), 3).size() == 3);
  }

  TEST_CASE("Stop abandons the running fetch within a second and discards its result") {
    LatchedSource source;
    std::string err;
    auto worker = FetchWorker::Start(&source, 8, &err);
    REQUIRE(worker);
    worker->Submit(1, Recipe("a"));
    worker->Submit(2, Recipe("b"));
    REQUIRE(source.WaitStarted(1));
    const auto t0 = Clock::now();
    worker->Stop();
    CHECK(Clock::now() - t0 < std::chrono::seconds(1));
    CHECK(source.saw_cancel());
    CHECK(worker->Drain().empty());
    CHECK(source.started() == std::vector<std::string>{"a"});  // the queued one never ran
    CHECK_FALSE(worker->Submit(3, Recipe("c")));
    CHECK(worker->Drain().empty());
    worker->Stop();  // idempotent
  }

  TEST_CASE("destroying the worker stops it too") {
    LatchedSource source;
    std::string err;
    auto worker = FetchWorker::Start(&source, 8, &err);
    REQUIRE(worker);
    worker->Submit(1, Recipe("a"));
    REQUIRE(source.WaitStarted(1));
    const auto t0 = Clock::now();
    worker.reset();
    CHECK(Clock::now() - t0 < std::chrono::seconds(1));
    CHECK(source.saw_cancel());
  }

  TEST_CASE("a source that ignores the hook is waited for, its result still discarded") {
    LatchedSource source(/*honour_cancel=*/false);
    std::string err;
    auto worker = FetchWorker::Start(&source, 8, &err);
    REQUIRE(worker);
    worker->Submit(1, Recipe("a"));
    REQUIRE(source.WaitStarted(1));
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      source.Release();
    });
    worker->Stop();
    releaser.join();
    CHECK(worker->Drain().empty());
  }
}

}  // namespace
}  // namespace irsa

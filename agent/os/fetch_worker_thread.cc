// The fetch worker: a std::thread, a mutex-guarded queue and an eventfd.
// One thread suffices: fetches are rare (a few per role per hour) and each is
// bounded by the HTTP time-outs; the loop only needs never to wait on one.
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "irsa_agent/fetch_worker.h"
#include "os/unique_fd.h"

namespace irsa {
namespace {

class ThreadFetchWorker : public FetchWorker {
 public:
  ThreadFetchWorker(size_t max_queued, UniqueFd efd)
      : max_queued_(max_queued), efd_(std::move(efd)) {}

  ~ThreadFetchWorker() override { Stop(); }  // then efd_ closes

  // Called once by Start, after construction, so Run sees a complete object.
  void Launch() {
    thread_ = std::thread([this] { Run(); });
  }

  int fd() const override { return efd_.get(); }

  std::function<bool()> Cancelled() const override {
    // Shared, so the hook stays safe to call should its holder outlive us.
    return [cancel = cancel_] { return cancel->load(std::memory_order_relaxed); };
  }

  bool Submit(Job job) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
    lock.unlock();
    wake_.notify_one();
    return true;
  }

  std::vector<std::unique_ptr<Done>> Drain() override {
    uint64_t count = 0;
    // EAGAIN (nothing signalled) is fine: the list below is the truth.
    [[maybe_unused]] const ssize_t n = read(efd_.get(), &count, sizeof count);
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::unique_ptr<Done>> out;
    out.swap(done_);
    return out;
  }

  void Stop() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ && !thread_.joinable()) return;
      stopping_ = true;
      queue_.clear();
      cancel_->store(true, std::memory_order_relaxed);
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    done_.clear();  // each result's destructor wipes what it holds
  }

 private:
  void Run() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      std::unique_ptr<Done> result = job();
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;  // abandoned: `result` is destroyed on the way out
      if (!result) continue;
      done_.push_back(std::move(result));
      const uint64_t one = 1;
      // The counter cannot overflow at these rates; a failed write still
      // leaves the result for the next Drain.
      [[maybe_unused]] const ssize_t n = write(efd_.get(), &one, sizeof one);
    }
  }

  size_t max_queued_;
  UniqueFd efd_;
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;                    // guarded by mu_
  std::vector<std::unique_ptr<Done>> done_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread thread_;
};

}  // namespace

std::unique_ptr<FetchWorker> FetchWorker::Start(size_t max_queued, std::string* err) {
  UniqueFd efd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!efd.ok()) {
    *err = std::string("fetch worker: eventfd: ") + std::strerror(errno);
    return nullptr;
  }
  auto worker = std::make_unique<ThreadFetchWorker>(max_queued, std::move(efd));
  try {
    worker->Launch();
  } catch (const std::system_error& e) {
    *err = std::string("fetch worker: cannot start a thread: ") + e.what();
    return nullptr;
  }
  return worker;
}

}  // namespace irsa

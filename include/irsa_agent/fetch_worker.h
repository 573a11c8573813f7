// Runs jobs on one worker thread, so the event loop never waits on a slow one
// (the broker's STS fetches): finished jobs are announced on an eventfd the
// loop adds to its epoll set. Knows nothing of what a job does.
//
// One thread runs the jobs in submission order, so no two jobs ever run at
// once. Submit, Drain and Stop are called from one thread (the loop); the
// worker thread only runs the jobs.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace irsa {

class FetchWorker {
 public:
  // What one job hands back to the loop; callers derive their result type
  // from it (and static_cast what Drain returns, since they submitted it).
  struct Done {
    virtual ~Done() = default;
  };
  // Runs on the worker thread. Returning nullptr yields no result.
  using Job = std::function<std::unique_ptr<Done>()>;

  // At most `max_queued` jobs wait behind the running one. Returns nullptr
  // with one line in `*err` when the eventfd or the thread cannot be made.
  static std::unique_ptr<FetchWorker> Start(size_t max_queued, std::string* err);

  virtual ~FetchWorker() = default;  // stops first (see Stop)

  // Readable (level-triggered) while finished jobs wait for Drain().
  virtual int fd() const = 0;

  // A hook that turns true once Stop() is called: a job polls it during its
  // exchanges (e.g. as HttpRequest::cancelled) and returns promptly. Safe to
  // call from any thread, also after the worker is gone.
  virtual std::function<bool()> Cancelled() const = 0;

  // Queues `job` and returns true; returns false, dropping `job` unrun, when
  // `max_queued` jobs wait already or after Stop.
  virtual bool Submit(Job job) = 0;

  // The results of the jobs finished since the last call, in completion
  // order. Clears fd().
  virtual std::vector<std::unique_ptr<Done>> Drain() = 0;

  // Abandons every job: queued ones are dropped, the running one is told to
  // stop (Cancelled() turns true) and its result discarded, as are finished
  // results not yet drained. Joins the thread: returns when the running job
  // returns (http_curl polls the hook several times a second). Idempotent.
  virtual void Stop() = 0;
};

}  // namespace irsa

// Runs CredentialSource::Fetch calls on one worker thread, so the event loop
// never waits on STS: a cached answer is never stuck behind a fetch. Finished
// fetches are announced on an eventfd the loop adds to its epoll set.
//
// One thread runs the fetches in submission order, so no two fetches (and so
// no two of one profile) ever run at once. Submit, Drain and Stop are called
// from one thread (the loop); the worker thread only runs the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aws/credential_source.h"

namespace irsa {

// One finished fetch: pass it to CredentialCache::FetchDone / the broker.
struct FetchResult {
  uint64_t id = 0;
  std::string profile;
  CredentialFetch fetch;  // its credentials are wiped when the result is dropped
};

class FetchWorker {
 public:
  // Borrows `source`, which must outlive the worker, and gives it a cancel
  // hook (CredentialSource::SetCancelled). At most `max_queued` fetches wait
  // behind the running one. Returns nullptr with one line in `*err` when the
  // eventfd or the thread cannot be made.
  static std::unique_ptr<FetchWorker> Start(CredentialSource* source, size_t max_queued,
                                            std::string* err);

  virtual ~FetchWorker() = default;  // stops first (see Stop)

  // Readable (level-triggered) while finished fetches wait for Drain().
  virtual int fd() const = 0;

  // Queues one fetch. Every Submit before Stop yields exactly one FetchResult:
  // the source's, or at once (returning false) a kTransient failure "too many
  // credential fetches queued" when `max_queued` wait already. After Stop:
  // returns false and yields nothing.
  virtual bool Submit(uint64_t id, const CredentialRecipe& recipe) = 0;

  // The fetches finished since the last call, in completion order. Clears fd().
  virtual std::vector<FetchResult> Drain() = 0;

  // Abandons every fetch: queued ones are dropped, the running one is told to
  // stop (the source's cancel hook) and its result discarded and wiped, as are
  // finished results not yet drained. Joins the thread: returns within the
  // source's reaction to the hook (http_curl polls it several times a second),
  // or when the running fetch ends if the source ignores it. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace irsa

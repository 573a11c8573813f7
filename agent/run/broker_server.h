// The credential broker inside `run`: the Unix socket (GET /credentials/<p>
// for `irsa-agent credentials`, in every profile style), the optional
// credentials listener (`credentials-listen`: container credentials, and
// IMDS when `imds`; run/credentials_routes.h), the cache and service they
// share (aws/broker.h: one single-flight fetch, refresh-ahead and revocation
// for every protocol) and the worker thread that runs the STS chain
// (os/fetch_worker.h), wired to the run loop. Everything here runs on the
// loop thread; only the chain's fetches run on the worker.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "irsa_agent/clock.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "run/metrics.h"
#include "run/sync.h"
#include "settings/settings.h"

namespace irsa {

class BrokerServer {
 public:
  // Binds the socket (settings.socket, default beside the state file; mode
  // 0660 so the pod's fsGroup can connect), the credentials listener when
  // set (loopback only; its token file read or created) and starts the worker, whose STS
  // exchanges go through `http` and read the token through `files` (both
  // used by the worker thread only: give it its own). Borrows everything.
  // Returns nullptr with one line in `*err` when the socket, the listener,
  // its token or the thread cannot be made.
  static std::unique_ptr<BrokerServer> Start(const Settings& settings, Clock& clock,
                                             HttpClient& http, Files& files, Logger& log,
                                             MetricsRegistry& metrics,
                                             std::function<double()> uniform01, std::string* err);

  virtual ~BrokerServer() = default;

  // The descriptors to add to the loop's epoll set (EPOLLIN): the socket's
  // listener and the worker's completion eventfd.
  virtual std::vector<int> fds() const = 0;

  // A sync succeeded: the mapping's profiles now are these (revocation of
  // the rest). Not called after a failed sync: the last good mapping stays.
  virtual void MappingSynced(const SyncResult& result) = 0;

  // Accepts and answers what is ready, hands finished fetches to the cache,
  // starts due fetches. Call on every wake-up of the loop.
  virtual void Serve() = 0;

  // The socket's GET /refresh requests Serve() received since the last call
  // (connection ids of the socket). The loop answers each with
  // AnswerRefresh() after the sync it asked for, as the TCP listener's.
  virtual std::vector<uint64_t> TakeRefreshRequests() = 0;
  virtual void AnswerRefresh(uint64_t connection, int status, std::string_view body) = 0;

  // When Serve() must run next even without events (monotonic seconds).
  virtual double NextWake() const = 0;

  // SIGTERM: answers every waiting request 503, stops the worker (a fetch in
  // flight is cancelled and its result wiped), closes the socket.
  virtual void Stop() = 0;
};

}  // namespace irsa

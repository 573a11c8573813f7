// The credential broker's service: HTTP-level answers to GET
// /credentials/<profile> on top of the CredentialCache. Pure like the cache:
// the loop reports requests, fetch results and mapping changes with `now`
// (unix seconds), sends the responses it gets back, starts the fetches Due()
// hands out, and wakes at NextWake(). Not thread-safe: the loop owns it.
//
// Wiring, all on the loop thread (`now` = Clock::Wall()):
//   request GET /credentials/P from conn (uid):  r = HandleCredentialRequest(conn, P, uid, now);
//                                                if (r) send r; else keep conn open
//   FetchWorker fd readable:  for each Drain() result: send FetchDone(id, profile, fetch, now)
//   successful mapping sync:  send SetProfiles(recipes, now)
//   conn closed by the loop:  ConnectionClosed(conn)
//   after all of the above and on wake-up:  d = Due(now); Submit each d.fetches; send
//                                            d.responses; sleep at most NextWake() - now
//   SIGTERM:  send Shutdown(); FetchWorker::Stop()
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credential_cache.h"
#include "aws/credential_formats.h"
#include "base/log.h"

namespace irsa {

struct BrokerLimits {
  size_t max_waiting_per_profile = 128;  // requests waiting for one profile's fetch
  size_t max_waiting_total = 512;        // requests waiting for any fetch
  double max_wait = 25;                  // seconds a request waits before 503
};

// One answer to send on `connection`, then close it. `body` may hold
// credentials: it is wiped when the response is destroyed or assigned over.
// Move-only, so no unwiped copy exists.
struct BrokerResponse {
  BrokerResponse(uint64_t connection_in, int status_in, std::string body_in)
      : connection(connection_in), status(status_in), body(std::move(body_in)) {}
  BrokerResponse(BrokerResponse&& other) noexcept = default;
  BrokerResponse& operator=(BrokerResponse&& other) noexcept;
  BrokerResponse(const BrokerResponse&) = delete;
  BrokerResponse& operator=(const BrokerResponse&) = delete;
  ~BrokerResponse();

  uint64_t connection = 0;
  int status = 0;
  std::string body;  // JSON
};

// What the loop must do now.
struct BrokerDue {
  std::vector<CacheFetchOrder> fetches;   // submit each to the FetchWorker
  std::vector<BrokerResponse> responses;  // requests that waited too long (503)
};

// Requests refused before they reach the cache (the cache counts the rest).
struct BrokerCounters {
  uint64_t bad_requests = 0;  // invalid profile name (400)
  uint64_t busy = 0;          // over a waiting cap (503)
  uint64_t timed_out = 0;     // waited max_wait (503; the refusal when one is being retried)
};

// 1 to 128 characters of [A-Za-z0-9_+=,.@-] (IAM's role-name alphabet, which
// every profile this agent writes uses, `src_` prefix included).
bool IsValidBrokerProfileName(std::string_view name);

// The profile of a request path "/credentials/<profile>", %XX escapes
// decoded; nullopt for any other path. The result still needs validating.
std::optional<std::string> CredentialProfileFromPath(std::string_view path);

// {"error":"<message>"}, written by nlohmann::json (invalid UTF-8 as U+FFFD);
// with `standalone`, {"error":"<message>","standalone":true}: the broker
// cannot serve the request now (the mapping not read yet, too many waiting,
// stopping) and the client should run the chain itself rather than fail
// (README, "Run mode").
std::string ErrorJson(std::string_view message, bool standalone = false);

class CredentialBroker {
 public:
  // `uniform01` as for CredentialCache. Borrows `log` (may be null): request
  // lines at debug with the peer's uid, fetch outcomes at info and warning;
  // never a credential byte.
  CredentialBroker(const CacheTiming& timing, const BrokerLimits& limits,
                   std::function<double()> uniform01, Logger* log);

  // A GET /credentials/<profile> from `connection` by `peer_uid` (-1 when
  // unknown). Returns the response to send now (200, 400, 404, 503), or
  // nullopt when it waits for a fetch: a later call returns its response.
  // A 200 body has the shape `format` (errors are always ErrorJson). The
  // 503s before the first mapping and over a waiting cap say "standalone".
  std::optional<BrokerResponse> HandleCredentialRequest(
      uint64_t connection, std::string_view profile, int64_t peer_uid, double now,
      CredentialFormat format = CredentialFormat::kProcess);

  // The mapping's recipes after each successful sync (see
  // CredentialCache::SetProfiles). Returns 404s for waiters of dropped profiles.
  std::vector<BrokerResponse> SetProfiles(const std::vector<CredentialRecipe>& recipes, double now);

  // A FetchWorker result. Returns the responses of the requests that waited.
  std::vector<BrokerResponse> FetchDone(uint64_t id, std::string_view profile,
                                        CredentialFetch fetch, double now);

  // Fetches to start and overdue waiters to answer; call once per wake-up
  // and after every other call above.
  BrokerDue Due(double now);

  // The loop closed `connection` itself (client gone): forget its request.
  void ConnectionClosed(uint64_t connection);

  // 503 "the agent is stopping" for every waiting request.
  std::vector<BrokerResponse> Shutdown();

  // min(cache wake-up, the earliest waiter's deadline); +infinity for none.
  double NextWake() const;

  const CredentialCache& cache() const { return cache_; }
  const BrokerCounters& counters() const { return counters_; }
  size_t waiting() const { return total_waiting_; }

 private:
  struct Waiter {
    uint64_t connection;
    double deadline;
    CredentialFormat format;
  };

  std::vector<BrokerResponse> Resolve(const CacheResolution& resolution);
  static BrokerResponse Answer(uint64_t connection, const CacheLookup& answer,
                               CredentialFormat format, std::string_view profile);
  void LogDebug(std::string_view message, std::string_view profile, uint64_t connection,
                int64_t peer_uid, std::string_view result) const;

  CredentialCache cache_;
  BrokerLimits limits_;
  Logger* log_;
  std::map<std::string, std::vector<Waiter>, std::less<>> waiting_;
  size_t total_waiting_ = 0;
  BrokerCounters counters_;
};

}  // namespace irsa

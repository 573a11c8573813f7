// The Kubernetes API calls of the mapping service over the HttpClient seam:
// pods by label selector and paginated, ConfigMaps get/put and Leases
// get/create/put (docs/MAPPING_SERVICE.md, "Kubernetes"). Thread-safe when
// the HttpClient and `bearer` are. The bearer token is fetched for each call
// (it rotates) and wiped after it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <semaphore>
#include <string>
#include <string_view>
#include <vector>

#include "base/outcome.h"
#include "irsa_agent/http.h"
#include "mapping/kube_objects.h"

namespace irsa {

// Every outbound call, for metrics: the dependency ("kubernetes", "domino",
// "iam"), its outcome and how long it took.
using CallObserver =
    std::function<void(std::string_view dependency, Failure outcome, double seconds)>;

struct KubeReply {
  // kTransient (network, 5xx, 429), kPermanent (other non-2xx), kAnswer (a 2xx
  // that is not the expected object), kInput (no bearer token).
  Failure failure = Failure::kNone;
  long status = 0;      // the HTTP status, 0 when none came back
  std::string message;  // one line, never the token
};

class MappingKube {
 public:
  // `api`: "https://10.0.0.1:443"; `bearer` fills the token or returns false
  // with `*err`. Borrows `http`. At most kMaxParallel calls are in flight at
  // once; more wait for a slot (a burst of requests never opens hundreds of
  // connections to the API server).
  MappingKube(HttpClient& http, std::string api, std::string ca_file, double timeout,
              std::function<bool(std::string* token, std::string* err)> bearer,
              CallObserver observe);
  static constexpr int kMaxParallel = 8;

  // GET pods?labelSelector=<kRunIdLabel>=<run_id> (one call, not a namespace listing).
  KubeReply PodsOfRun(std::string_view ns, std::string_view run_id, std::vector<MappingPod>* pods);
  // One page of GET pods?limit=<limit>[&continue=<token>].
  KubeReply PodsPage(std::string_view ns, int limit, std::string_view continue_token,
                     std::vector<MappingPod>* pods, std::string* next);

  KubeReply GetConfigMap(std::string_view ns, std::string_view name, std::string* body);
  KubeReply PutConfigMap(std::string_view ns, std::string_view name, std::string_view body);

  // 404 and 409 come back as kPermanent with status 404 / 409.
  KubeReply GetLease(std::string_view ns, std::string_view name, std::string* body);
  KubeReply CreateLease(std::string_view ns, std::string_view body, std::string* answer);
  KubeReply PutLease(std::string_view ns, std::string_view name, std::string_view body,
                     std::string* answer);

  uint64_t calls() const { return calls_.load(); }

 private:
  KubeReply Send(std::string method, std::string url, std::string body, size_t max_bytes,
                 std::string* answer);

  HttpClient& http_;
  std::string api_;
  std::string ca_file_;
  double timeout_;
  std::function<bool(std::string*, std::string*)> bearer_;
  CallObserver observe_;
  std::atomic<uint64_t> calls_{0};
  std::counting_semaphore<kMaxParallel> slots_{kMaxParallel};
};

}  // namespace irsa

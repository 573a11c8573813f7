// The two Kubernetes API calls of the reaper over the HttpClient seam:
// listing a namespace's pods one page at a time, and the Eviction API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/outcome.h"
#include "irsa_agent/http.h"
#include "reap/kube_pods.h"

namespace irsa {

struct KubeResult {
  // kTransient (network, 5xx, 429, 410 expired continue token), kPermanent
  // (other 4xx), kAnswer (a 2xx that is not the expected object).
  Failure failure = Failure::kNone;
  std::string message;  // one line, never the token
};

enum class EvictionOutcome {
  kEvicted,  // 200/201: the pod is being evicted
  kRefused,  // 429: a PodDisruptionBudget forbids it now; try next round
  kGone,     // 404: the pod no longer exists
  kFailed,   // anything else (see the result's message)
};

class KubeClient {
 public:
  // `api`: "https://10.0.0.1:443" (no trailing '/'); `ca_file`: extra trust.
  // Borrows `http`. The bearer token is passed to each call (it rotates).
  KubeClient(HttpClient& http, std::string api, std::string ca_file, double timeout);

  // One page of GET /api/v1/namespaces/<ns>/pods?limit=<limit>[&continue=<token>].
  KubeResult ListPods(std::string_view ns, std::string_view bearer, int limit,
                      std::string_view continue_token, std::vector<PodFacts>* pods,
                      std::string* next);

  // POST /api/v1/namespaces/<ns>/pods/<name>/eviction with a policy/v1 body.
  EvictionOutcome Evict(std::string_view ns, std::string_view name, std::string_view bearer,
                        KubeResult* result);

  void set_timeout(double seconds) { timeout_ = seconds; }
  int requests() const { return requests_; }

 private:
  KubeResult Send(HttpRequest* request, std::string_view bearer, HttpResponse* response);

  HttpClient& http_;
  std::string api_;
  std::string ca_file_;
  double timeout_;
  int requests_ = 0;
};

}  // namespace irsa

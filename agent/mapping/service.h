// One request to the mapping service, start to answer (docs/MAPPING_SERVICE.md):
// the route and the body are checked before anything is sent anywhere; then
// Domino (who), Kubernetes (which pod, which roles), the trust policies, and
// the answer. Blocking; called by the server's connection threads at once
// (thread-safe). /healthz and /metrics never wait on a dependency.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "mapping/committer.h"
#include "mapping/domino_client.h"
#include "mapping/kube_api.h"
#include "mapping/mapping_metrics.h"
#include "mapping/wire.h"

namespace irsa {

struct ServiceRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case; values secret
  std::string body;
  bool body_too_large = false;  // over kMaxRequestBody: answered 413 unread
};

struct ServiceAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string retry_after;  // seconds, for 503
  std::string allow;        // for 405
};

struct ServiceConfig {
  std::string compute_namespace = "domino-compute";
  std::string platform_namespace = "domino-platform";
  std::string org_configmap = "domino-org-iamrole-mapping";
  std::string role_configmap = "resource-role-to-eks-role-mapping";
  int max_in_flight = 256;     // mapping requests at once; more get 503
  double request_budget = 45;  // seconds a request may take at most
  double configmap_ttl = 5;    // seconds the two ConfigMaps are reused
};

class MappingService {
 public:
  // Borrows everything. `log(level_is_error, line)`.
  MappingService(ServiceConfig config, DominoClient& domino, MappingKube& kube,
                 TrustCommitter& committer, MappingMetrics& metrics, std::function<double()> wall,
                 std::function<void(bool, const std::string&)> log);

  ServiceAnswer Handle(const ServiceRequest& request);

  // One GC pass over every proxy role of the role mapping (the timer).
  void CollectAll();

 private:
  ServiceAnswer Route(const ServiceRequest& request, std::string* route_name);
  ServiceAnswer Map(const ServiceRequest& request);
  ServiceAnswer MyRoles(const ServiceRequest& request);
  ServiceAnswer MapOrg(const ServiceRequest& request);
  // Both ConfigMaps, from the cache when fresh. False with `*err`.
  bool Mappings(std::map<std::string, std::string>* orgs, std::map<std::string, std::string>* roles,
                std::string* err);

  ServiceConfig config_;
  DominoClient& domino_;
  MappingKube& kube_;
  TrustCommitter& committer_;
  MappingMetrics& metrics_;
  std::function<double()> wall_;
  std::function<void(bool, const std::string&)> log_;
  std::atomic<int> in_flight_{0};
  std::mutex cache_mutex_;
  double cached_at_ = -1e18;
  std::map<std::string, std::string> org_map_;
  std::map<std::string, std::string> role_map_;
};

}  // namespace irsa

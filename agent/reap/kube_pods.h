// The Kubernetes API's PodList, reduced to what the reaper judges (pure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace irsa {

// The audience of the projected token EKS Pod Identity reads.
inline constexpr std::string_view kPodIdentityAudience = "pods.eks.amazonaws.com";

// One pod, as far as the reaper cares.
struct PodFacts {
  std::string ns;
  std::string name;
  std::string service_account;  // spec.serviceAccountName; "default" when absent
  // Why it counts as a Pod Identity pod ("projected token audience
  // pods.eks.amazonaws.com", "env AWS_CONTAINER_CREDENTIALS_FULL_URI in
  // container app"); empty when it does not use Pod Identity.
  std::string pod_identity;
  bool started = false;      // status.startTime is present and valid
  int64_t start_time = 0;    // unix seconds of status.startTime
  bool terminating = false;  // metadata.deletionTimestamp set, or phase Succeeded/Failed
};

// One page of `GET /api/v1/namespaces/<ns>/pods`: appends the pods to
// `*pods` and sets `*next` to metadata.continue (empty on the last page).
// Returns false with one line in `*err` ("PodList: items[3].metadata.name is
// not a string") for anything that is not a PodList: not JSON, kind other
// than PodList, a pod without name or namespace, wrong types, a startTime
// that is not RFC 3339. Never quotes the body. Members the reaper does not
// judge are skipped while parsing (not kept), so memory follows the pods'
// judged fields, not the page's size.
bool ParsePodListPage(std::string_view body, std::vector<PodFacts>* pods, std::string* next,
                      std::string* err);

// The policy/v1 Eviction body for `pod`.
std::string EvictionBody(std::string_view ns, std::string_view name);

}  // namespace irsa

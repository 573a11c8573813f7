// The Kubernetes objects the mapping service reads and writes (pure): pods
// as far as the service cares, ConfigMaps with their resourceVersion, and
// coordination.k8s.io/v1 Leases (docs/MAPPING_SERVICE.md, "Kubernetes").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace irsa {

inline constexpr std::string_view kRunIdLabel = "dominodatalab.com/execution-id";
inline constexpr std::string_view kStartingUserIdLabel = "dominodatalab.com/starting-user-id";

struct MappingPod {
  std::string name;
  std::string service_account;  // spec.serviceAccountName, "default" when absent
  std::string run_id;           // the execution-id label; empty when absent
  std::string starting_user;    // the starting-user-id label; empty when absent
  std::string phase;            // status.phase
  bool Live() const { return phase == "Pending" || phase == "Running"; }
};

// One page of a PodList: appends to `*pods`, sets `*next` to metadata.continue.
// False with one line in `*err` when it is not a PodList.
bool ParseMappingPods(std::string_view body, std::vector<MappingPod>* pods, std::string* next,
                      std::string* err);

// A ConfigMap's data and resourceVersion. Non-string data values are refused.
struct ConfigMapData {
  std::string resource_version;
  std::map<std::string, std::string> data;
};
bool ParseConfigMap(std::string_view body, ConfigMapData* out, std::string* err);

// `body` (the object as read) with data[key] = value: the whole object, its
// resourceVersion kept, for a PUT that the API server refuses (409) when stale.
bool ConfigMapWithEntry(std::string_view body, std::string_view key, std::string_view value,
                        std::string* out, std::string* err);

struct LeaseState {
  std::string resource_version;
  std::string holder;      // spec.holderIdentity; empty when free
  int64_t renew_time = 0;  // unix seconds of spec.renewTime (0 when absent)
  int64_t duration = 0;    // spec.leaseDurationSeconds
};
bool ParseLease(std::string_view body, LeaseState* out, std::string* err);

// Whether `holder` may take `lease` at unix time `now`: free, its own, or
// expired (renewTime + duration before now).
bool LeaseTakeable(const LeaseState& lease, std::string_view holder, double now);

// A Lease object for create (POST, empty `resource_version`) or update (PUT).
// An empty `holder` releases it. Times are RFC 3339 with microseconds.
std::string LeaseBody(std::string_view ns, std::string_view name, std::string_view holder,
                      int duration, double now, std::string_view resource_version);

// A Lease name for `role_arn`: "irsa-mapping-" and 16 hex digits of its SHA-256
// (role names allow characters Lease names do not).
std::string LeaseNameFor(std::string_view role_arn);

// "2026-12-07T12:00:00.123456Z".
std::string MicroTime(double unix_seconds);

}  // namespace irsa

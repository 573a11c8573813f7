// The mapping service's Prometheus metrics (text format 0.0.4). Thread-safe.
// Every label value is bounded: routes and statuses from fixed sets,
// dependencies and outcomes from fixed names, roles from the role-mapping
// ConfigMap (at most kMaxRoles). Families:
//   irsa_mapping_requests_total{route,status}             counter
//   irsa_mapping_dependency_calls_total{dependency,outcome} counter (domino, kubernetes, iam)
//   irsa_mapping_dependency_call_duration_seconds{dependency}  histogram
//   irsa_mapping_trust_policy_length{role}                gauge, characters without whitespace
//   irsa_mapping_trust_policy_managed_entries{role}       gauge
//   irsa_mapping_trust_policy_limit                       gauge
//   irsa_mapping_trust_policy_full_total{role}            counter: subjects refused at the limit
//   irsa_mapping_gc_removed_total{role}                   counter
//   irsa_mapping_trust_policy_writes_total{role}          counter
//   irsa_mapping_lease_waits_total                        counter
//   irsa_mapping_skipped_mapping_entries_total            counter: bad ConfigMap entries
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "base/outcome.h"

namespace irsa {

class MappingMetrics {
 public:
  static constexpr size_t kMaxRoles = 1024;
  explicit MappingMetrics(size_t limit) : limit_(limit) {}

  void Request(std::string_view route, int status);
  void Call(std::string_view dependency, Failure outcome, double seconds);
  void Policy(const std::string& role, size_t length, size_t managed);
  void Full(const std::string& role);
  void Removed(const std::string& role, size_t n);
  void Wrote(const std::string& role);
  void LeaseWaits(int n);
  void Skipped(size_t n);

  std::string Render() const;

 private:
  struct RoleFigures {
    size_t length = 0;
    size_t managed = 0;
    uint64_t full = 0;
    uint64_t removed = 0;
    uint64_t writes = 0;
  };
  struct Latency {
    std::array<uint64_t, 10> buckets = {};
    uint64_t count = 0;
    double sum = 0;
  };
  RoleFigures* Role(const std::string& role);  // REQUIRES: mutex_ held; nullptr past kMaxRoles

  mutable std::mutex mutex_;
  size_t limit_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, uint64_t> calls_;
  std::map<std::string, Latency> latency_;
  std::map<std::string, RoleFigures> roles_;
  uint64_t lease_waits_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace irsa

#include "mapping/mapping_metrics.h"

#include <cstdio>

namespace irsa {
namespace {

constexpr std::array<double, 10> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Label values here are role names, route names and fixed words: role names
// are [A-Za-z0-9_+=,.@-], none needs escaping.
std::string Label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + std::string(value) + "\"";
}

}  // namespace

void MappingMetrics::Request(std::string_view route, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{std::string(route), status}];
}

void MappingMetrics::Call(std::string_view dependency, Failure outcome, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string dep(dependency);
  ++calls_[{dep, outcome == Failure::kNone ? "success" : std::string(FailureName(outcome))}];
  Latency& l = latency_[dep];
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) ++l.buckets[i];
  }
  ++l.count;
  l.sum += seconds;
}

MappingMetrics::RoleFigures* MappingMetrics::Role(const std::string& role) {
  auto it = roles_.find(role);
  if (it != roles_.end()) return &it->second;
  if (roles_.size() >= kMaxRoles) return nullptr;
  return &roles_[role];
}

void MappingMetrics::Policy(const std::string& role, size_t length, size_t managed) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (RoleFigures* r = Role(role)) {
    r->length = length;
    r->managed = managed;
  }
}

void MappingMetrics::Full(const std::string& role) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (RoleFigures* r = Role(role)) ++r->full;
}

void MappingMetrics::Removed(const std::string& role, size_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (RoleFigures* r = Role(role)) r->removed += n;
}

void MappingMetrics::Wrote(const std::string& role) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (RoleFigures* r = Role(role)) ++r->writes;
}

void MappingMetrics::LeaseWaits(int n) {
  std::lock_guard<std::mutex> lock(mutex_);
  lease_waits_ += static_cast<uint64_t>(n);
}

void MappingMetrics::Skipped(size_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  skipped_ += n;
}

std::string MappingMetrics::Render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " +
           std::string(name) + " " + std::string(type) + "\n";
  };
  family("irsa_mapping_requests_total", "counter", "Requests answered, by route and status.");
  for (const auto& [key, n] : requests_) {
    out += "irsa_mapping_requests_total{" + Label("route", key.first) + "," +
           Label("status", std::to_string(key.second)) + "} " + std::to_string(n) + "\n";
  }
  family("irsa_mapping_dependency_calls_total", "counter",
         "Calls to Domino, Kubernetes and IAM, by outcome.");
  for (const auto& [key, n] : calls_) {
    out += "irsa_mapping_dependency_calls_total{" + Label("dependency", key.first) + "," +
           Label("outcome", key.second) + "} " + std::to_string(n) + "\n";
  }
  family("irsa_mapping_dependency_call_duration_seconds", "histogram",
         "Duration of calls to Domino, Kubernetes and IAM.");
  for (const auto& [dep, l] : latency_) {
    const std::string name = "irsa_mapping_dependency_call_duration_seconds";
    for (size_t i = 0; i < kBounds.size(); ++i) {
      out += name + "_bucket{" + Label("dependency", dep) + "," + Label("le", Number(kBounds[i])) +
             "} " + std::to_string(l.buckets[i]) + "\n";
    }
    out += name + "_bucket{" + Label("dependency", dep) + ",le=\"+Inf\"} " +
           std::to_string(l.count) + "\n";
    out += name + "_sum{" + Label("dependency", dep) + "} " + Number(l.sum) + "\n";
    out += name + "_count{" + Label("dependency", dep) + "} " + std::to_string(l.count) + "\n";
  }
  family("irsa_mapping_trust_policy_limit", "gauge",
         "The trust-policy length limit (characters without whitespace).");
  out += "irsa_mapping_trust_policy_limit " + std::to_string(limit_) + "\n";
  struct RoleFamily {
    const char* name;
    const char* type;
    const char* help;
    uint64_t (*get)(const RoleFigures&);
  };
  const RoleFamily role_families[] = {
      {"irsa_mapping_trust_policy_length", "gauge",
       "Trust-policy length of the proxy role, characters without whitespace.",
       [](const RoleFigures& r) { return static_cast<uint64_t>(r.length); }},
      {"irsa_mapping_trust_policy_managed_entries", "gauge",
       "Managed subjects in the proxy role's trust policy.",
       [](const RoleFigures& r) { return static_cast<uint64_t>(r.managed); }},
      {"irsa_mapping_trust_policy_full_total", "counter",
       "Subjects refused because the trust policy was full.",
       [](const RoleFigures& r) { return r.full; }},
      {"irsa_mapping_gc_removed_total", "counter",
       "Managed entries removed because no live pod uses them.",
       [](const RoleFigures& r) { return r.removed; }},
      {"irsa_mapping_trust_policy_writes_total", "counter", "UpdateAssumeRolePolicy calls made.",
       [](const RoleFigures& r) { return r.writes; }},
  };
  for (const RoleFamily& f : role_families) {
    family(f.name, f.type, f.help);
    for (const auto& [role, figures] : roles_) {
      out += std::string(f.name) + "{" + Label("role", role) + "} " +
             std::to_string(f.get(figures)) + "\n";
    }
  }
  family("irsa_mapping_lease_waits_total", "counter",
         "Pauses while another replica held a role's lease.");
  out += "irsa_mapping_lease_waits_total " + std::to_string(lease_waits_) + "\n";
  family("irsa_mapping_skipped_mapping_entries_total", "counter",
         "ConfigMap entries skipped because they were not valid role ARNs.");
  out += "irsa_mapping_skipped_mapping_entries_total " + std::to_string(skipped_) + "\n";
  return out;
}

}  // namespace irsa

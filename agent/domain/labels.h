// The Kubernetes downward-API labels file: one `key="value"` line per label,
// keys sorted, values quoted like Go's %q, lines joined by '\n', no trailing
// newline (a trailing one is tolerated).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace irsa {

using Labels = std::map<std::string, std::string>;

// Parses `text` into `*out`. On failure returns false and sets `*err` to one
// line "labels:LINE: what was wrong" (LINE is 1-based). Rejects: a line
// without `=`, an empty or non-label key, an unquoted or unterminated value,
// bad escapes (any escape Go's %q cannot produce), text after the closing
// quote, invalid UTF-8, duplicate keys.
bool ParseLabels(std::string_view text, Labels* out, std::string* err);

// Label names the agent reads.
inline constexpr std::string_view kNameLabel = "app.kubernetes.io/name";
inline constexpr std::string_view kExecutionIdLabel = "dominodatalab.com/execution-id";
inline constexpr std::string_view kWorkloadTypeLabel = "dominodatalab.com/irsa-workload-type";
inline constexpr std::string_view kStartingUserLabel = "dominodatalab.com/starting-user-username";
inline constexpr std::string_view kProjectNameLabel = "dominodatalab.com/project-name";

// Who a pod runs for.
struct PodIdentity {
  std::string run_id;
  std::string workload_type;  // empty when the label is absent (first generation)
  std::string user;           // starting-user-username as written; empty when absent
  std::string project;        // project-name as written; empty when absent
};

// The run id is `app.kubernetes.io/name` without its "run-" prefix (a value
// without that prefix is ignored), else `dominodatalab.com/execution-id`.
// Returns false with "labels: ..." in `*err` when neither yields a valid run id
// or the workload type label is present but not valid.
bool PodIdentityFromLabels(const Labels& labels, PodIdentity* out, std::string* err);

// A message of the two functions above with its "labels" prefix replaced by
// the file's path, so it reads like a compiler diagnostic:
// "/var/run/podinfo/labels:3: ...".
std::string LabelsError(const std::string& path, const std::string& message);

// A run id is 1..128 characters of [A-Za-z0-9_.-].
bool IsValidRunId(std::string_view id);

// A workload type is 1..63 characters of [a-z0-9-] (known values:
// edge-workload, cluster-worker, cluster-master).
bool IsValidWorkloadType(std::string_view type);

}  // namespace irsa

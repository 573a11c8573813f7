// Which pods keep a role their Pod Identity association no longer grants
// (pure: pods and associations in, verdicts out).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "aws/eks.h"
#include "reap/kube_pods.h"

namespace irsa {

// "a,b , c" -> {"a", "b", "c"}. Returns false with `*err` for an empty list,
// an empty item, a duplicate, or a name that is not a Kubernetes namespace
// name (RFC 1123 label: 1..63 of [a-z0-9-], alphanumeric at both ends).
bool ParseNamespaceList(std::string_view text, std::vector<std::string>* out, std::string* err);

// The indexes into `associations` whose (namespace, service account) is used
// by at least one running Pod Identity pod of `pods` in `namespaces`: the
// ones whose dates the decision needs (DescribePodIdentityAssociation).
std::vector<size_t> AssociationsToDescribe(const std::vector<PodFacts>& pods,
                                           const std::vector<PodIdentityAssociation>& associations,
                                           const std::vector<std::string>& namespaces);

struct StalePod {
  const PodFacts* pod = nullptr;
  std::string association_id;  // empty when the association is gone
  std::string reason;          // one line: why the pod is stale
};

// The stale pods of `pods`, in their order. A pod is judged only when it is
// in one of `namespaces`, uses Pod Identity, has started and is not
// terminating; it is stale when no association names its namespace and
// service account, or when the newest of those associations was created or
// modified after the pod started. An association whose dates are unknown
// (not described) never makes a pod stale.
std::vector<StalePod> FindStalePods(const std::vector<PodFacts>& pods,
                                    const std::vector<PodIdentityAssociation>& associations,
                                    const std::vector<std::string>& namespaces);

}  // namespace irsa

// One rule for what an HTTP exchange means to the agent: a transport failure
// (HttpFailure) or an HTTP status becomes a Failure kind, the same way for
// every service the agent talks to. What legitimately differs per service
// (which statuses mean "not yet" rather than "no", what an unusable answer
// is) is a policy value the caller passes in; the named policies below are
// the only ones in use, and tests/unit/http_classify_test.cc tables them.
#pragma once

#include <vector>

#include "base/outcome.h"
#include "irsa_agent/http.h"

namespace irsa {

struct HttpPolicy {
  long last_success = 200;              // 200..last_success is success
  std::vector<long> also_transient;     // besides 408, 429 and 5xx: worth a retry
  Failure unusable = Failure::kAnswer;  // an answer over the size limit (or unreadable)
};

// The mapping service: a 404 means the pod is not running yet (or not this
// user's), so it is retried; an unusable answer is the service's fault.
HttpPolicy MappingServicePolicy();
// The Domino API proxy, EKS, and STS's HTTP status when its body is not STS XML.
HttpPolicy DefaultHttpPolicy();
// The EKS Pod Identity agent and STS for the broker: an unusable answer is
// retried like a network failure (the broker backs off and keeps the cache).
HttpPolicy CredentialHttpPolicy();
// The Kubernetes API: any 2xx succeeds; 410 (an expired continue token)
// starts the listing afresh.
HttpPolicy KubernetesPolicy();

// kNone -> kNone; kBadRequest (refused before sending: bad URL, CR/LF in a
// header, unusable CA file) -> kInput; kTooLarge -> policy.unusable; every
// other transport failure (connect, time-out, TLS, protocol) -> kTransient.
Failure ClassifyTransport(HttpFailure failure, const HttpPolicy& policy);

// 200..policy.last_success -> kNone; 408, 429, 5xx and policy.also_transient
// -> kTransient; everything else (1xx, other 2xx, 3xx: redirects are never
// followed, other 4xx) -> kPermanent.
Failure ClassifyHttpStatus(long status, const HttpPolicy& policy);

}  // namespace irsa

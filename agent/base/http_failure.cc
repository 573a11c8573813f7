#include "base/http_failure.h"

#include <algorithm>

namespace irsa {

HttpPolicy MappingServicePolicy() { return {200, {404}, Failure::kAnswer}; }
HttpPolicy DefaultHttpPolicy() { return {200, {}, Failure::kAnswer}; }
HttpPolicy CredentialHttpPolicy() { return {200, {}, Failure::kTransient}; }
HttpPolicy KubernetesPolicy() { return {299, {410}, Failure::kAnswer}; }

Failure ClassifyTransport(HttpFailure failure, const HttpPolicy& policy) {
  switch (failure) {
    case HttpFailure::kNone:
      return Failure::kNone;
    case HttpFailure::kBadRequest:
      return Failure::kInput;
    case HttpFailure::kTooLarge:
      return policy.unusable;
    case HttpFailure::kConnect:
    case HttpFailure::kTimeout:
    case HttpFailure::kTls:
    case HttpFailure::kProtocol:
      break;
  }
  return Failure::kTransient;
}

Failure ClassifyHttpStatus(long status, const HttpPolicy& policy) {
  if (status >= 200 && status <= policy.last_success) return Failure::kNone;
  const std::vector<long>& extra = policy.also_transient;
  if (status == 408 || status == 429 || status >= 500 ||
      std::find(extra.begin(), extra.end(), status) != extra.end()) {
    return Failure::kTransient;
  }
  return Failure::kPermanent;
}

}  // namespace irsa

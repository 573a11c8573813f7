// The credential broker's seam between the cache (which decides when) and the
// STS chain (which knows how): one profile's recipe in, its credentials out.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/sts.h"
#include "base/outcome.h"
#include "domain/answer.h"
#include "domain/session_name.h"

namespace irsa {

// How one profile's credentials are obtained. For a proxy profile `src_X`
// (first hop only) `source_role_arn` is empty and `role_arn` is the proxy
// role, assumed with the web identity token. For a target profile `X`,
// `source_role_arn` is the proxy role (first hop) and `role_arn` the target
// role, assumed with AssumeRole signed by the first hop's credentials.
struct CredentialRecipe {
  std::string profile;
  std::string role_arn;
  std::string source_role_arn;
  std::string session_name;     // RoleSessionName of both hops
  std::string source_identity;  // AssumeRole SourceIdentity; empty for none
  std::vector<std::pair<std::string, std::string>> tags;  // AssumeRole session tags

  bool operator==(const CredentialRecipe&) const = default;
};

// The outcome of one Fetch.
struct CredentialFetch {
  Failure failure = Failure::kNone;   // kNone, kTransient (retry), kPermanent (refused), kInput
  std::string message;                // one line, never a secret
  bool throttled = false;             // STS said Throttling: back off harder
  std::optional<double> retry_after;  // seconds, when the server said so
  std::unique_ptr<TemporaryCredentials> credentials;  // set iff failure == kNone
  int64_t expires_at = 0;                             // unix seconds of credentials->expiration
  // The STS calls the fetch made, in order, each with its outcome (kNone:
  // credentials issued): "AssumeRoleWithWebIdentity", "AssumeRole". For metrics.
  std::vector<std::pair<std::string_view, Failure>> sts_calls;
};

// The recipes of every profile a sync wrote (SyncResult::pairs and ::audit):
// for each pair, X (target, chained; SourceIdentity and tags when the trail
// has them) then src_X (proxy, first hop only), all with the trail's session
// name. A pair with an empty proxy role (EKS Pod Identity: no src_X written)
// gives X alone, without `source_role_arn`.
std::vector<CredentialRecipe> RecipesFor(const std::vector<ProfilePair>& pairs,
                                         const AuditTrail& audit);

class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // Runs the chain for `recipe`. May block for up to the request time-outs:
  // the broker calls it off the event-loop thread. Thread-compatible: one
  // call at a time per object unless an implementation says otherwise.
  virtual CredentialFetch Fetch(const CredentialRecipe& recipe) = 0;

  // Optional. `cancelled` turns true when the caller abandons every fetch
  // (shutdown): an implementation polls it during its exchanges (pass it as
  // HttpRequest::cancelled) and returns promptly with any failure. Called at
  // most once, before the first Fetch; `cancelled` may be called from the
  // Fetch thread. The default ignores it (shutdown then waits for the fetch).
  virtual void SetCancelled(std::function<bool()> cancelled) { (void)cancelled; }
};

}  // namespace irsa

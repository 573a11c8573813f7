// Admitting subjects to proxy roles' trust policies, safely under
// concurrency (docs/MAPPING_SERVICE.md, "Concurrency"): within this replica
// the subjects waiting for one role are applied in one read-modify-write
// (group commit: one caller leads, the others wait for its result); across
// replicas writes to a role are serialized by its Lease; after each write
// the policy is read back and each subject is answered only once seen there.
// A subject that does not fit under the length limit even after garbage
// collection is refused as full: no over-long document is ever sent.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/arn.h"
#include "mapping/live_pods.h"
#include "mapping/mapping_metrics.h"
#include "mapping/role_lock.h"
#include "mapping/trust_policy.h"
#include "mapping/trust_store.h"

namespace irsa {

enum class CommitOutcome {
  kVerified,  // the subject is in the trust policy, read back
  kFull,      // it does not fit under the limit even after GC
  kFailed,    // IAM, the Lease or the deadline failed: retry later
};

struct CommitResult {
  CommitOutcome outcome = CommitOutcome::kFailed;
  std::string message;  // kFull: "role R: 41 managed entries, limit 2048"; kFailed: why
};

struct CommitSettings {
  std::string oidc;               // the provider, issuer without https://
  std::string compute_namespace;  // managed subjects live here
  size_t max_length = 2048;       // trust-policy-max-length
  double lease_wait = 40;         // seconds a batch waits for a role's lease at most
};

class TrustCommitter {
 public:
  // Borrows everything. `log(level_is_error, line)` receives one-line notes.
  TrustCommitter(TrustStore& iam, RoleLock& lease, LivePods& pods, MappingMetrics& metrics,
                 CommitSettings settings, std::function<double()> wall,
                 std::function<void(bool, const std::string&)> log);

  // Blocks until `subject` is verified in the trust policy of every role in
  // `roles`, or one refuses it (full, failed) or `deadline` (wall seconds) has
  // passed; then `*failed_role` names that role.
  CommitResult Ensure(const std::vector<RoleArn>& roles, const std::string& subject,
                      double deadline, std::string* failed_role);

  // One garbage-collection pass over `role` under its lease: removes the
  // managed entries no live pod uses. `*removed` counts them. False with `*err`.
  bool Collect(const RoleArn& role, size_t* removed, std::string* err);

  // Subjects queued for `role` that no leader has taken yet.
  size_t Waiting(const RoleArn& role);

 private:
  struct Waiter {
    std::string subject;
    bool done = false;
    CommitResult result;
  };
  struct RoleQueue {
    std::vector<std::shared_ptr<Waiter>> pending;
    bool busy = false;  // a leader (or a GC pass) works on the role
  };

  void RunBatch(const RoleArn& role, const std::vector<std::shared_ptr<Waiter>>& batch);
  // Under the lease: read, add what is missing (GC when over), write, verify.
  void WriteBatch(const RoleArn& role, const std::vector<std::shared_ptr<Waiter>>& batch,
                  const HeldLease& held);
  TrustScope ScopeFor(const RoleArn& role) const;
  bool Read(const RoleArn& role, TrustPolicy* policy, std::string* err);

  TrustStore& iam_;
  RoleLock& lease_;
  LivePods& pods_;
  MappingMetrics& metrics_;
  CommitSettings settings_;
  std::function<double()> wall_;
  std::function<void(bool, const std::string&)> log_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, RoleQueue> roles_;  // by role ARN
};

}  // namespace irsa

// Cross-replica serialization of one role's trust-policy writes: a
// coordination.k8s.io/v1 Lease per role in the platform namespace, taken
// with the API server's optimistic concurrency (create: 409 when it exists;
// take over or renew: PUT with resourceVersion, 409 when someone wrote
// first). A holder that crashed stops renewing and its lease expires after
// `duration` seconds. Thread-safe (each call is independent).
#pragma once

#include <functional>
#include <string>

#include "mapping/kube_api.h"
#include "mapping/role_lock.h"

namespace irsa {

class RoleLease : public RoleLock {
 public:
  // `holder`: this replica's identity (pod name and pid). `wall` unix seconds;
  // `sleep` waits that many seconds. Borrows `kube`.
  RoleLease(MappingKube& kube, std::string ns, std::string holder, int duration,
            std::function<double()> wall, std::function<void(double)> sleep);

  // Takes lease `name`, waiting (polls with a growing pause up to 0.2 s) while
  // another live holder has it, until unix time `deadline`. `*waits` counts the
  // pauses. False with one line in `*err` at the deadline or on an API failure.
  bool Acquire(const std::string& name, double deadline, HeldLease* held, int* waits,
               std::string* err) override;

  // Gives it up (holderIdentity emptied); a failure only logs: it expires.
  void Release(const HeldLease& held) override;

  int duration() const override { return duration_; }

 private:
  MappingKube& kube_;
  std::string ns_;
  std::string holder_;
  int duration_;
  std::function<double()> wall_;
  std::function<void(double)> sleep_;
};

}  // namespace irsa

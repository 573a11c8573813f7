// Serialization of one role's trust-policy writes across replicas: the seam
// between the group commit (committer.h) and the Kubernetes Lease
// (role_lease.h is the real one; unit tests use a fake). Thread-safe.
#pragma once

#include <string>

namespace irsa {

struct HeldLease {
  std::string name;
  std::string resource_version;  // of our last write, for the release
  double acquired_at = 0;        // wall seconds
};

class RoleLock {
 public:
  virtual ~RoleLock() = default;
  // Takes lock `name`, waiting while another live holder has it, until unix
  // time `deadline`. `*waits` counts the pauses. False with one line in `*err`.
  virtual bool Acquire(const std::string& name, double deadline, HeldLease* held, int* waits,
                       std::string* err) = 0;
  // Gives it up; a failure only logs (the lock expires).
  virtual void Release(const HeldLease& held) = 0;
  // Seconds a holder keeps the lock without renewing it.
  virtual int duration() const = 0;
};

}  // namespace irsa

#include "mapping/role_lease.h"

#include <algorithm>

namespace irsa {
namespace {

constexpr int kMaxAttempts = 1000;  // bounds the loop besides the deadline

}  // namespace

RoleLease::RoleLease(MappingKube& kube, std::string ns, std::string holder, int duration,
                     std::function<double()> wall, std::function<void(double)> sleep)
    : kube_(kube),
      ns_(std::move(ns)),
      holder_(std::move(holder)),
      duration_(duration),
      wall_(std::move(wall)),
      sleep_(std::move(sleep)) {}

bool RoleLease::Acquire(const std::string& name, double deadline, HeldLease* held, int* waits,
                        std::string* err) {
  double pause = 0.02;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const double now = wall_();
    if (now >= deadline) break;
    std::string body;
    KubeReply got = kube_.GetLease(ns_, name, &body);
    std::string answer;
    KubeReply wrote;
    if (got.status == 404) {
      wrote = kube_.CreateLease(ns_, LeaseBody(ns_, name, holder_, duration_, now, ""), &answer);
    } else if (got.failure != Failure::kNone) {
      *err = "lease " + name + ": " + got.message;
      return false;
    } else {
      LeaseState state;
      if (!ParseLease(body, &state, err)) {
        *err = "lease " + name + ": " + *err;
        return false;
      }
      if (LeaseTakeable(state, holder_, now)) {
        wrote = kube_.PutLease(
            ns_, name, LeaseBody(ns_, name, holder_, duration_, now, state.resource_version),
            &answer);
      } else {
        wrote.status = 409;  // held by a live holder: wait below
        wrote.failure = Failure::kPermanent;
      }
    }
    if (wrote.failure == Failure::kNone) {
      LeaseState mine;
      if (!ParseLease(answer, &mine, err)) mine = {};
      *held = {name, mine.resource_version, now};
      return true;
    }
    if (wrote.status != 409) {
      *err = "lease " + name + ": " + wrote.message;
      return false;
    }
    ++*waits;
    sleep_(std::min(pause, std::max(0.0, deadline - wall_())));
    pause = std::min(pause * 2, 0.2);
  }
  *err = "lease " + name + ": still held by another replica at the deadline";
  return false;
}

void RoleLease::Release(const HeldLease& held) {
  if (held.resource_version.empty()) return;  // cannot PUT without it: let it expire
  std::string answer;
  (void)kube_.PutLease(ns_, held.name,
                       LeaseBody(ns_, held.name, "", duration_, wall_(), held.resource_version),
                       &answer);
}

}  // namespace irsa

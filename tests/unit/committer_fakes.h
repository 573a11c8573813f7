// Fakes for the group commit's seams (mapping/trust_store.h, role_lock.h,
// live_pods.h), for committer_test.cc: an in-memory IAM that records every
// document written and checks it was written under the lock, within the
// length limit, and that no subject was answered before the write that added
// it was read back; a lock that can refuse or hand out an old lease; a pod
// view that can fail.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mapping/live_pods.h"
#include "mapping/role_lock.h"
#include "mapping/trust_policy.h"
#include "mapping/trust_store.h"

namespace irsa {

inline double TestWall() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class FakeLock : public RoleLock {
 public:
  bool Acquire(const std::string& name, double, HeldLease* held, int*, std::string* err) override {
    std::lock_guard<std::mutex> lock(mutex);
    ++acquired;
    if (refuse) {
      *err = "lease " + name + ": API server unavailable";
      return false;
    }
    *held = {name, "1", TestWall() - age};
    held_now = true;
    return true;
  }
  void Release(const HeldLease&) override {
    std::lock_guard<std::mutex> lock(mutex);
    ++released;
    held_now = false;
  }
  int duration() const override { return 30; }

  std::mutex mutex;
  bool refuse = false;
  double age = 0;  // how old a fresh lease claims to be (seconds)
  bool held_now = false;
  int acquired = 0;
  int released = 0;
};

class FakePods : public LivePods {
 public:
  bool Get(double not_before, std::shared_ptr<const LiveSet>* out, std::string* err) override {
    ++listings;
    asked_not_before = not_before;
    if (fail) {
      *err = "listing pods: HTTP 500";
      return false;
    }
    auto set = std::make_shared<LiveSet>();
    set->taken_at = TestWall();
    set->service_accounts = live;
    *out = set;
    return true;
  }
  std::set<std::string> live;
  bool fail = false;
  int listings = 0;
  double asked_not_before = 0;
};

class FakeIam : public TrustStore {
 public:
  FakeIam(FakeLock& lock, TrustScope scope, size_t limit)
      : lock_(lock), scope_(std::move(scope)), limit_(limit) {}

  IamResult GetTrustPolicy(std::string_view role, std::string* policy) override {
    const int n = gets.fetch_add(1) + 1;
    if (on_get) on_get(n);
    bool read_back = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      read_back = !unverified.empty();
    }
    // Gives a waiter that would answer before this read-back time to do so.
    if (read_back) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard<std::mutex> lock(mutex);
    if (!unverified.empty()) {  // the read-back of the last write
      for (const std::string& s : unverified) early_answers += static_cast<int>(answered.count(s));
      unverified.clear();
    }
    *policy = docs.at(std::string(role));
    return {};
  }

  IamResult UpdateTrustPolicy(std::string_view role, std::string_view policy) override {
    std::lock_guard<std::mutex> lock(mutex);
    ++updates;
    written.emplace_back(policy);
    {
      std::lock_guard<std::mutex> l(lock_.mutex);
      if (!lock_.held_now) ++unlocked_writes;
    }
    if (PolicyLength(policy) > limit_) ++over_limit;
    if (updates == fail_update) return {Failure::kTransient, "Throttling", "IAM throttled"};
    TrustPolicy before;
    TrustPolicy after;
    std::string err;
    if (!TrustPolicy::Parse(docs.at(std::string(role)), scope_, &before, &err) ||
        !TrustPolicy::Parse(policy, scope_, &after, &err)) {
      return {Failure::kPermanent, "MalformedPolicyDocument", err};
    }
    for (const std::string& s : after.SubValues()) {
      if (!before.Admits(s)) unverified.insert(s);
    }
    // Another writer's document lands in between: drop_on_write is lost.
    if (!drop_on_write.empty()) {
      after.RemoveManaged([&](const Entry& e) { return e.name == drop_on_write; });
    }
    docs[std::string(role)] = after.Serialize();
    return {};
  }

  // Called by the test once Ensure returned for `subject`.
  void Answered(const std::string& subject) {
    std::lock_guard<std::mutex> lock(mutex);
    answered.insert(subject);
  }

  std::mutex mutex;
  std::map<std::string, std::string> docs;  // role name -> document
  std::vector<std::string> written;
  std::function<void(int)> on_get;  // before answering the n-th GetRole (1-based)
  std::atomic<int> gets{0};
  int updates = 0;
  int fail_update = 0;  // the n-th update fails (Throttling)
  std::string drop_on_write;
  int unlocked_writes = 0;
  int over_limit = 0;
  int early_answers = 0;  // subjects answered before their write was read back
  std::set<std::string> unverified;
  std::set<std::string> answered;

 private:
  FakeLock& lock_;
  TrustScope scope_;
  size_t limit_;
};

}  // namespace irsa

// One leader per role at a time. A caller adds its subject to the role's
// pending list; if nobody leads, it takes the whole list as one batch,
// works on it without the mutex, publishes every result and hands over (the
// next waiter with an unanswered subject leads the next batch).
#include "mapping/committer.h"

#include <chrono>

#include "mapping/kube_objects.h"

namespace irsa {

TrustCommitter::TrustCommitter(TrustStore& iam, RoleLock& lease, LivePods& pods,
                               MappingMetrics& metrics, CommitSettings settings,
                               std::function<double()> wall,
                               std::function<void(bool, const std::string&)> log)
    : iam_(iam),
      lease_(lease),
      pods_(pods),
      metrics_(metrics),
      settings_(std::move(settings)),
      wall_(std::move(wall)),
      log_(std::move(log)) {}

TrustScope TrustCommitter::ScopeFor(const RoleArn& role) const {
  return TrustScopeFor(role, settings_.oidc, settings_.compute_namespace);
}

bool TrustCommitter::Read(const RoleArn& role, TrustPolicy* policy, std::string* err) {
  std::string text;
  const IamResult got = iam_.GetTrustPolicy(role.name, &text);
  if (got.failure != Failure::kNone) {
    *err = got.message;
    return false;
  }
  if (!TrustPolicy::Parse(text, ScopeFor(role), policy, err)) {
    *err = "role " + role.name + ": " + *err;
    return false;
  }
  metrics_.Policy(role.name, policy->Length(), policy->ManagedEntries());
  return true;
}

CommitResult TrustCommitter::Ensure(const std::vector<RoleArn>& roles, const std::string& subject,
                                    double deadline, std::string* failed_role) {
  // Queued on every role at once, so the batches of the later roles fill
  // while the first is written.
  std::vector<std::shared_ptr<Waiter>> mine;
  std::unique_lock<std::mutex> lock(mutex_);
  for (const RoleArn& role : roles) {
    mine.push_back(std::make_shared<Waiter>());
    mine.back()->subject = subject;
    roles_[role.ToString()].pending.push_back(mine.back());
  }
  CommitResult failure;
  bool failed = false;
  for (size_t i = 0; i < roles.size(); ++i) {
    const RoleArn& role = roles[i];
    const std::string key = role.ToString();
    const std::shared_ptr<Waiter>& me = mine[i];
    while (!me->done && !failed) {
      RoleQueue& queue = roles_[key];
      if (!queue.busy) {
        queue.busy = true;
        std::vector<std::shared_ptr<Waiter>> batch = std::move(queue.pending);
        queue.pending.clear();
        lock.unlock();
        RunBatch(role, batch);
        lock.lock();
        for (const auto& w : batch) w->done = true;
        roles_[key].busy = false;
        changed_.notify_all();
        continue;
      }
      const double left = deadline - wall_();
      if (left <= 0) {
        failure = {CommitOutcome::kFailed,
                   "timed out waiting for the trust policy of " + role.name};
        failed = true;
        break;
      }
      changed_.wait_for(lock, std::chrono::duration<double>(left));
    }
    if (!failed && me->result.outcome != CommitOutcome::kVerified) {
      failure = me->result;
      failed = true;
    }
    if (failed) {
      *failed_role = role.name;
      break;
    }
  }
  // Still queued (not taken by a leader): leave. Taken: its leader keeps it alive.
  for (size_t i = 0; i < roles.size(); ++i) {
    if (!mine[i]->done) std::erase(roles_[roles[i].ToString()].pending, mine[i]);
  }
  if (failed) return failure;
  return {CommitOutcome::kVerified, ""};
}

void TrustCommitter::RunBatch(const RoleArn& role,
                              const std::vector<std::shared_ptr<Waiter>>& batch) {
  auto fail_all = [&](const std::string& why) {
    for (const auto& w : batch) w->result = {CommitOutcome::kFailed, why};
  };
  // Most requests find their subject already there (another run of the same
  // user, a retry): one GetRole, no lease, no write.
  TrustPolicy policy;
  std::string err;
  if (!Read(role, &policy, &err)) return fail_all(err);
  bool all_present = true;
  for (const auto& w : batch) {
    if (policy.Admits(w->subject)) {
      w->result = {CommitOutcome::kVerified, ""};
    } else {
      all_present = false;
    }
  }
  if (all_present) return;
  HeldLease held;
  int waits = 0;
  const bool got = lease_.Acquire(LeaseNameFor(role.ToString()), wall_() + settings_.lease_wait,
                                  &held, &waits, &err);
  metrics_.LeaseWaits(waits);
  if (!got) return fail_all(err);
  WriteBatch(role, batch, held);
  lease_.Release(held);
}

void TrustCommitter::WriteBatch(const RoleArn& role,
                                const std::vector<std::shared_ptr<Waiter>>& batch,
                                const HeldLease& held) {
  auto fail_all = [&](const std::string& why) {
    for (const auto& w : batch) w->result = {CommitOutcome::kFailed, why};
  };
  const double read_at = wall_();
  TrustPolicy policy;
  std::string err;
  if (!Read(role, &policy, &err)) return fail_all(err);
  bool collected = false;
  bool changed = false;
  std::vector<std::shared_ptr<Waiter>> added;
  const TrustPolicy as_read = policy;
  for (const auto& w : batch) {
    if (as_read.Admits(w->subject)) {  // another replica wrote it meanwhile
      w->result = {CommitOutcome::kVerified, ""};
      continue;
    }
    if (policy.Admits(w->subject)) {  // the same subject earlier in this batch
      added.push_back(w);
      continue;
    }
    TrustPolicy with = policy;
    with.Add(w->subject);
    if (with.Length() > settings_.max_length && !collected) {
      // Make room: a pod view listed after this read knows every pod whose
      // subject the document holds (docs/MAPPING_SERVICE.md, "Garbage collection").
      collected = true;
      std::shared_ptr<const LiveSet> live;
      if (pods_.Get(read_at, &live, &err)) {
        const auto removed =
            policy.RemoveManaged([&](const Entry& e) { return EntryDead(e, *live); });
        if (!removed.empty()) {
          changed = true;
          metrics_.Removed(role.name, removed.size());
          log_(false, "trust policy of " + role.name + ": " + std::to_string(removed.size()) +
                          " entries of ended pods removed to make room");
        }
      } else {
        log_(true, "trust policy of " + role.name + " is full and GC could not run: " + err);
      }
      with = policy;
      with.Add(w->subject);
    }
    if (with.Length() > settings_.max_length) {
      metrics_.Full(role.name);
      w->result = {CommitOutcome::kFull,
                   "trust policy of role " + role.name +
                       " is full: " + std::to_string(policy.ManagedEntries()) +
                       " managed entries, " + std::to_string(policy.Length()) + " of " +
                       std::to_string(settings_.max_length) + " characters"};
      continue;
    }
    policy = std::move(with);
    changed = true;
    added.push_back(w);
  }
  if (!changed) return;
  // A holder past half its lease may already have lost it: write nothing.
  if (wall_() - held.acquired_at > lease_.duration() / 2.0) {
    for (const auto& w : added)
      w->result = {CommitOutcome::kFailed, "lease of " + role.name + " ran out"};
    return;
  }
  const IamResult wrote = iam_.UpdateTrustPolicy(role.name, policy.Serialize());
  if (wrote.failure != Failure::kNone) {
    for (const auto& w : added) w->result = {CommitOutcome::kFailed, wrote.message};
    return;
  }
  metrics_.Wrote(role.name);
  TrustPolicy back;
  if (!Read(role, &back, &err)) {
    for (const auto& w : added) w->result = {CommitOutcome::kFailed, "read-back: " + err};
    return;
  }
  for (const auto& w : added) {
    w->result = back.Admits(w->subject)
                    ? CommitResult{CommitOutcome::kVerified, ""}
                    : CommitResult{CommitOutcome::kFailed,
                                   "subject missing from " + role.name + " after the write"};
  }
}

size_t TrustCommitter::Waiting(const RoleArn& role) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = roles_.find(role.ToString());
  return it == roles_.end() ? 0 : it->second.pending.size();
}

bool TrustCommitter::Collect(const RoleArn& role, size_t* removed, std::string* err) {
  *removed = 0;
  const std::string key = role.ToString();
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !roles_[key].busy; });
    roles_[key].busy = true;
  }
  auto done = [&](bool ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    roles_[key].busy = false;
    changed_.notify_all();
    return ok;
  };
  HeldLease held;
  int waits = 0;
  const bool got =
      lease_.Acquire(LeaseNameFor(key), wall_() + settings_.lease_wait, &held, &waits, err);
  metrics_.LeaseWaits(waits);
  if (!got) return done(false);
  const double read_at = wall_();
  TrustPolicy policy;
  std::shared_ptr<const LiveSet> live;
  bool ok = Read(role, &policy, err) && pods_.Get(read_at, &live, err);
  if (ok) {
    const auto gone = policy.RemoveManaged([&](const Entry& e) { return EntryDead(e, *live); });
    if (!gone.empty()) {
      const IamResult wrote = iam_.UpdateTrustPolicy(role.name, policy.Serialize());
      if (wrote.failure != Failure::kNone) {
        *err = wrote.message;
        ok = false;
      } else {
        metrics_.Wrote(role.name);
        metrics_.Removed(role.name, gone.size());
        metrics_.Policy(role.name, policy.Length(), policy.ManagedEntries());
        *removed = gone.size();
      }
    }
  }
  lease_.Release(held);
  return done(ok);
}

}  // namespace irsa

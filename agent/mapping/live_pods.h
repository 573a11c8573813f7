// The live pods of the compute namespace as garbage collection judges them,
// and the seam the group commit (committer.h) asks for them through:
// PodView (pod_view.h) is the real one, unit tests use a fake.
#pragma once

#include <memory>
#include <set>
#include <string>

namespace irsa {

struct LiveSet {
  double taken_at = 0;                     // wall seconds when the listing started
  std::set<std::string> service_accounts;  // of Pending or Running pods
  std::set<std::string> run_ids;           // their execution-id labels
};

// Whether GC may remove `entry` given `live` (pure): a subject whose service
// account no live pod uses, a legacy "*<run id>" whose run no live pod has.
struct Entry;
bool EntryDead(const Entry& entry, const LiveSet& live);

class LivePods {
 public:
  virtual ~LivePods() = default;
  // A complete view whose listing started at or after `not_before`. False
  // with one line in `*err` when none can be had (then nothing is removed).
  virtual bool Get(double not_before, std::shared_ptr<const LiveSet>* out, std::string* err) = 0;
};

}  // namespace irsa

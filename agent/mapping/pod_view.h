// The live pods of the compute namespace as garbage collection judges them:
// one paginated listing (limit/continue) shared by every caller, refreshed
// only when a caller needs a view newer than the one held. A failed or
// partial listing gives no view, so nothing is removed. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "mapping/kube_api.h"
#include "mapping/live_pods.h"

namespace irsa {

class PodView : public LivePods {
 public:
  // `page` is the listing's page size. Borrows `kube`.
  PodView(MappingKube& kube, std::string ns, int page, std::function<double()> wall);

  // A view whose listing started at or after `not_before`; lists again when the
  // one held is older. False with one line in `*err` when the listing fails.
  bool Get(double not_before, std::shared_ptr<const LiveSet>* out, std::string* err) override;

 private:
  MappingKube& kube_;
  std::string ns_;
  int page_;
  std::function<double()> wall_;
  std::mutex refresh_;  // one listing at a time
  std::mutex mutex_;    // guards current_
  std::shared_ptr<const LiveSet> current_;
};

}  // namespace irsa

#include "mapping/pod_view.h"

#include "mapping/trust_policy.h"

namespace irsa {
namespace {

constexpr int kMaxPages = 10000;  // 10,000 pages of `page` pods bound one listing

}  // namespace

bool EntryDead(const Entry& entry, const LiveSet& live) {
  switch (entry.kind) {
    case EntryKind::kSubject:
      return !live.service_accounts.contains(entry.name);
    case EntryKind::kLegacyRun:
      return !live.run_ids.contains(entry.name) &&
             !live.service_accounts.contains("run-" + entry.name);
    case EntryKind::kForeign:
      return false;
  }
  return false;
}

PodView::PodView(MappingKube& kube, std::string ns, int page, std::function<double()> wall)
    : kube_(kube), ns_(std::move(ns)), page_(page), wall_(std::move(wall)) {}

bool PodView::Get(double not_before, std::shared_ptr<const LiveSet>* out, std::string* err) {
  auto fresh = [&] {
    std::lock_guard<std::mutex> lock(mutex_);
    if (current_ && current_->taken_at >= not_before) {
      *out = current_;
      return true;
    }
    return false;
  };
  if (fresh()) return true;
  std::lock_guard<std::mutex> one(refresh_);
  if (fresh()) return true;  // another caller listed meanwhile
  auto view = std::make_shared<LiveSet>();
  view->taken_at = wall_();
  std::string token;
  for (int page = 0; page < kMaxPages; ++page) {
    std::vector<MappingPod> pods;
    std::string next;
    const KubeReply reply = kube_.PodsPage(ns_, page_, token, &pods, &next);
    if (reply.failure != Failure::kNone) {
      *err = "pod listing of " + ns_ + ": " + reply.message;
      return false;
    }
    for (const MappingPod& pod : pods) {
      if (!pod.Live()) continue;
      view->service_accounts.insert(pod.service_account);
      if (!pod.run_id.empty()) view->run_ids.insert(pod.run_id);
    }
    if (next.empty()) {
      std::lock_guard<std::mutex> lock(mutex_);
      current_ = view;
      *out = view;
      return true;
    }
    token = std::move(next);
  }
  *err = "pod listing of " + ns_ + ": more than " + std::to_string(kMaxPages) + " pages";
  return false;
}

}  // namespace irsa

// The order matters for safety: every listing is complete before anything
// is judged, and a failure anywhere before the judgement returns without an
// eviction. Pages and items are counted against fixed caps, so a server
// that never stops paginating cannot keep a round alive.
#include "reap/reaper.h"

#include <algorithm>

#include "aws/sts.h"
#include "base/secret.h"
#include "base/text.h"
#include "domain/jwt.h"
#include "reap/stale.h"

namespace irsa {
namespace {

constexpr int kMaxPages = 1000;
constexpr size_t kMaxPods = 200000;
constexpr size_t kMaxAssociations = 100000;

std::string EvictionMessage(EvictionOutcome outcome, const KubeResult& r) {
  switch (outcome) {
    case EvictionOutcome::kEvicted:
      return "evicted pod";
    case EvictionOutcome::kRefused:
      return "eviction refused: a PodDisruptionBudget forbids it now; retried next round";
    case EvictionOutcome::kGone:
      return "pod already gone";
    case EvictionOutcome::kFailed:
      return "eviction failed: " + r.message;
  }
  return "?";
}

}  // namespace

Reaper::Reaper(const ReapConfig& config, Files& files, KubeClient& kube, EksClient& eks,
               AwsCredentialProvider& credentials, Clock& clock, Logger& log)
    : config_(config),
      files_(files),
      kube_(kube),
      eks_(eks),
      credentials_(credentials),
      clock_(clock),
      log_(log) {}

bool Reaper::InTime(RoundResult* result) {
  const double left = deadline_ - clock_.Monotonic();
  if (left > 0) {
    kube_.set_timeout(std::min(config_.request_timeout, left));
    eks_.set_timeout(std::min(config_.request_timeout, left));
    return true;
  }
  result->failure = Failure::kTransient;
  result->message = "the round took longer than timeout (" +
                    std::to_string(static_cast<int>(config_.round_timeout)) + " s)";
  return false;
}

bool Reaper::ListPods(const std::string& bearer, std::vector<PodFacts>* pods, RoundResult* result) {
  for (const std::string& ns : config_.namespaces) {
    std::string token;
    for (int page = 0;; ++page) {
      if (page == kMaxPages || pods->size() > kMaxPods) {
        result->failure = Failure::kAnswer;
        result->message = "namespace " + ns + ": more than " + std::to_string(kMaxPages) +
                          " pages or " + std::to_string(kMaxPods) + " pods";
        return false;
      }
      if (!InTime(result)) return false;
      std::string next;
      const KubeResult r = kube_.ListPods(ns, bearer, config_.pod_page_size, token, pods, &next);
      if (r.failure != Failure::kNone) {
        result->failure = r.failure;
        result->message =
            "listing pods failed (page " + std::to_string(page + 1) + "): " + r.message;
        return false;
      }
      if (next.empty()) break;
      token = std::move(next);
    }
  }
  return true;
}

bool Reaper::ListAssociations(const std::vector<PodFacts>& pods,
                              std::vector<PodIdentityAssociation>* associations,
                              RoundResult* result) {
  TemporaryCredentials keys;
  Failure kind = Failure::kNone;
  std::string err;
  if (!credentials_.Get(static_cast<int64_t>(clock_.Wall()), &keys, &kind, &err)) {
    result->failure = kind;
    result->message = "AWS credentials: " + err;
    return false;
  }
  std::string token;
  for (int page = 0;; ++page) {
    if (page == kMaxPages || associations->size() > kMaxAssociations) {
      result->failure = Failure::kAnswer;
      result->message = "EKS list: more than " + std::to_string(kMaxPages) + " pages";
      return false;
    }
    if (!InTime(result)) return false;
    std::string next;
    const EksResult r =
        eks_.ListPage(config_.cluster, token, config_.association_page_size, keys,
                      AmzDate(static_cast<int64_t>(clock_.Wall())), associations, &next);
    if (r.failure != Failure::kNone) {
      result->failure = r.failure;
      result->message = "listing Pod Identity associations failed (page " +
                        std::to_string(page + 1) + "): " + r.message;
      return false;
    }
    if (next.empty()) break;
    if (next == token) {
      result->failure = Failure::kAnswer;
      result->message = "EKS list: nextToken repeats the previous page's";
      return false;
    }
    token = std::move(next);
  }
  result->associations = associations->size();
  // Only the associations of accounts that running Pod Identity pods use
  // need their dates. One that vanished since the list (404) is gone.
  std::vector<bool> vanished(associations->size(), false);
  for (size_t i : AssociationsToDescribe(pods, *associations, config_.namespaces)) {
    if (!InTime(result)) return false;
    PodIdentityAssociation& a = (*associations)[i];
    const EksResult r =
        eks_.Describe(config_.cluster, &a, keys, AmzDate(static_cast<int64_t>(clock_.Wall())));
    if (r.not_found) {
      vanished[i] = true;
      continue;
    }
    if (r.failure != Failure::kNone) {
      result->failure = r.failure;
      result->message = "describing association " + a.association_id + " failed: " + r.message;
      return false;
    }
    ++result->described;
  }
  size_t kept = 0;
  for (size_t i = 0; i < associations->size(); ++i) {
    if (vanished[i]) continue;
    if (kept != i) (*associations)[kept] = std::move((*associations)[i]);
    ++kept;
  }
  associations->resize(kept);
  return true;
}

void Reaper::Evict(const std::vector<PodFacts>& pods,
                   const std::vector<PodIdentityAssociation>& associations,
                   const std::string& bearer, RoundResult* result) {
  const std::vector<StalePod> stale = FindStalePods(pods, associations, config_.namespaces);
  result->stale = stale.size();
  for (const StalePod& s : stale) {
    const PodFacts& pod = *s.pod;
    const std::string association = s.association_id.empty() ? "none" : s.association_id;
    if (result->evicted + result->refused + result->gone >=
        static_cast<size_t>(config_.max_evictions)) {
      ++result->deferred;
      continue;
    }
    if (config_.dry_run) {
      ++result->evicted;
      log_.Info("would evict pod (dry run)", {{"pod", pod.ns + "/" + pod.name},
                                              {"service_account", pod.service_account},
                                              {"association", association},
                                              {"reason", s.reason},
                                              {"pod_identity", pod.pod_identity}});
      continue;
    }
    if (!InTime(result)) return;  // the deferred rest waits for the next round
    KubeResult r;
    const EvictionOutcome outcome = kube_.Evict(pod.ns, pod.name, bearer, &r);
    const LogLevel level = outcome == EvictionOutcome::kFailed    ? LogLevel::kError
                           : outcome == EvictionOutcome::kRefused ? LogLevel::kWarning
                                                                  : LogLevel::kInfo;
    log_.Log(level, EvictionMessage(outcome, r),
             {{"pod", pod.ns + "/" + pod.name},
              {"service_account", pod.service_account},
              {"association", association},
              {"reason", s.reason},
              {"pod_identity", pod.pod_identity}});
    switch (outcome) {
      case EvictionOutcome::kEvicted:
        ++result->evicted;
        break;
      case EvictionOutcome::kRefused:
        ++result->refused;
        break;
      case EvictionOutcome::kGone:
        ++result->gone;
        break;
      case EvictionOutcome::kFailed:
        if (result->failure == Failure::kNone) {
          result->failure = r.failure;
          result->message = "evicting " + pod.ns + "/" + pod.name + ": " + r.message;
        }
        break;
    }
  }
}

RoundResult Reaper::Round() {
  RoundResult result;
  const int eks_before = eks_.requests();
  const int kube_before = kube_.requests();
  deadline_ = clock_.Monotonic() + config_.round_timeout;
  std::string bearer;
  const ReadStatus read = files_.Read(config_.kube_token_file, kMaxTokenBytes, &bearer);
  const std::string_view trimmed = TrimWhitespace(bearer);
  if (!read.ok() || trimmed.empty()) {
    WipeString(&bearer);
    result.failure = Failure::kInput;
    result.message =
        "kube-token-file " + (read.ok() ? config_.kube_token_file + " is empty" : read.message());
    return result;
  }
  std::string token(trimmed);
  WipeString(&bearer);
  std::vector<PodFacts> pods;
  std::vector<PodIdentityAssociation> associations;
  if (ListPods(token, &pods, &result) && ListAssociations(pods, &associations, &result)) {
    result.pods = pods.size();
    result.pod_identity_pods = static_cast<size_t>(std::count_if(
        pods.begin(), pods.end(), [](const PodFacts& p) { return !p.pod_identity.empty(); }));
    Evict(pods, associations, token, &result);
  }
  WipeString(&token);
  result.eks_requests = eks_.requests() - eks_before;
  result.kube_requests = kube_.requests() - kube_before;
  return result;
}

}  // namespace irsa

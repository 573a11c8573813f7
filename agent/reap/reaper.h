// One round of `irsa-agent reap`: list the selected namespaces' pods and the
// cluster's Pod Identity associations, judge (stale.h), evict. Any failed or
// incomplete listing ends the round before the first eviction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aws/eks.h"
#include "base/log.h"
#include "base/outcome.h"
#include "irsa_agent/clock.h"
#include "irsa_agent/files.h"
#include "reap/aws_credentials.h"
#include "reap/kube_client.h"

namespace irsa {

struct ReapConfig {
  std::string cluster;
  std::vector<std::string> namespaces;
  std::string kube_token_file;
  int max_evictions = 10;
  bool dry_run = false;
  double round_timeout = 60;    // the whole round, listing and evictions
  double request_timeout = 10;  // one exchange
  int pod_page_size = 250;
  int association_page_size = 100;
};

struct RoundResult {
  Failure failure = Failure::kNone;  // the first failure; kNone when the round completed
  std::string message;               // one line when failed
  size_t pods = 0;                   // listed in the selected namespaces
  size_t pod_identity_pods = 0;
  size_t associations = 0;
  size_t described = 0;
  size_t stale = 0;
  size_t evicted = 0;  // or, in a dry run, named
  size_t refused = 0;  // 429: a PodDisruptionBudget said not now
  size_t gone = 0;
  size_t deferred = 0;  // stale beyond max-evictions, left for the next round
  int eks_requests = 0;
  int kube_requests = 0;
};

class Reaper {
 public:
  // Borrows everything.
  Reaper(const ReapConfig& config, Files& files, KubeClient& kube, EksClient& eks,
         AwsCredentialProvider& credentials, Clock& clock, Logger& log);

  RoundResult Round();

 private:
  bool ListPods(const std::string& bearer, std::vector<PodFacts>* pods, RoundResult* result);
  bool ListAssociations(const std::vector<PodFacts>& pods,
                        std::vector<PodIdentityAssociation>* associations, RoundResult* result);
  void Evict(const std::vector<PodFacts>& pods,
             const std::vector<PodIdentityAssociation>& associations, const std::string& bearer,
             RoundResult* result);
  // False (and the round's failure set) once the round's time is spent.
  bool InTime(RoundResult* result);

  const ReapConfig& config_;
  Files& files_;
  KubeClient& kube_;
  EksClient& eks_;
  AwsCredentialProvider& credentials_;
  Clock& clock_;
  Logger& log_;
  double deadline_ = 0;
};

}  // namespace irsa

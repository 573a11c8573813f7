// ParsePodListPage (the Kubernetes API's PodList, which the reaper judges)
// and EvictionBody on arbitrary bytes.
//
// Invariants: every parsed pod has a name, a namespace and a service account;
// it counts as started exactly when status.startTime gave a time; parsing
// appends to what the list held; errors are one printable line that starts
// "PodList: " and never quotes the body; the Eviction body for a parsed pod
// of valid UTF-8 is JSON naming that pod.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/text.h"
#include "fuzz_check.h"
#include "reap/kube_pods.h"

namespace {

using irsa::fuzz::Check;

// The fixed text of the messages, each run of digits written N.
constexpr std::string_view kVocabulary =
    "PodList: the answer is not a JSON object\nPodList: kind is not PodList\n"
    "PodList: metadata.continue is not a string\nPodList: items is not an array\n"
    "PodList: items[N]: metadata is not an object\n"
    "PodList: items[N]: metadata.name or metadata.namespace is missing or not a string\n"
    "PodList: items[N]: spec or spec.serviceAccountName has the wrong type\n"
    "PodList: items[N]: spec.volumes, spec.containers or spec.initContainers is not an array\n"
    "PodList: items[N]: status, status.startTime or status.phase has the wrong type\n"
    "PodList: items[N]: status.startTime is not an RFC N time\n";

std::string Normalize(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool digit = s[i] >= '0' && s[i] <= '9';
    if (!digit) {
      out += s[i];
    } else if (i == 0 || s[i - 1] < '0' || s[i - 1] > '9') {
      out += 'N';
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = irsa::fuzz::AsText(data, size);
  std::vector<irsa::PodFacts> pods(1);
  pods[0].name = "earlier";
  std::string next = "stale";
  std::string err;
  if (!irsa::ParsePodListPage(body, &pods, &next, &err)) {
    Check(irsa::fuzz::IsPrintableLine(err), "an error is one printable line");
    Check(kVocabulary.find(Normalize(err) + "\n") != std::string_view::npos,
          "an error is a fixed message (never quotes the body)");
    return 0;
  }
  Check(!pods.empty() && pods[0].name == "earlier", "parsing appends");
  for (size_t i = 1; i < pods.size(); ++i) {
    const irsa::PodFacts& pod = pods[i];
    Check(!pod.name.empty() && !pod.ns.empty() && !pod.service_account.empty(),
          "a pod has a name, a namespace and a service account");
    Check(pod.started || pod.start_time == 0, "a pod without a start has no start time");
    if (!irsa::IsValidUtf8(pod.name) || !irsa::IsValidUtf8(pod.ns)) continue;
    const nlohmann::json eviction =
        nlohmann::json::parse(irsa::EvictionBody(pod.ns, pod.name), nullptr, false);
    Check(eviction.is_object() && eviction.value("kind", "") == "Eviction" &&
              eviction.contains("metadata") && eviction["metadata"].is_object() &&
              eviction["metadata"].value("name", "") == pod.name &&
              eviction["metadata"].value("namespace", "") == pod.ns,
          "the Eviction body names the pod");
  }
  return 0;
}

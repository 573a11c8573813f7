#include "reap/stale.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "base/log.h"
#include "base/text.h"

namespace irsa {
namespace {

using Key = std::pair<std::string_view, std::string_view>;  // namespace, service account

bool IsNamespaceName(std::string_view name) {
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return !name.empty() && name.size() <= 63 && alnum(name.front()) && alnum(name.back()) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool Selected(const std::vector<std::string>& namespaces, std::string_view ns) {
  return std::find(namespaces.begin(), namespaces.end(), ns) != namespaces.end();
}

bool Judged(const PodFacts& pod, const std::vector<std::string>& namespaces) {
  return Selected(namespaces, pod.ns) && !pod.pod_identity.empty() && pod.started &&
         !pod.terminating;
}

std::string Time(int64_t t) {
  std::string text = FormatTimestamp(static_cast<double>(t));
  // "....00.000Z" -> "...00Z": the API's times have whole seconds.
  if (text.size() > 5 && text.compare(text.size() - 5, 5, ".000Z") == 0) {
    text.erase(text.size() - 5, 4);
  }
  return text;
}

}  // namespace

bool ParseNamespaceList(std::string_view text, std::vector<std::string>* out, std::string* err) {
  out->clear();
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view item = TrimWhitespace(text.substr(0, comma));
    if (!IsNamespaceName(item)) {
      *err = "'" + Printable(item) + "' is not a namespace name (1 to 63 of a-z 0-9 -)";
      return false;
    }
    if (Selected(*out, item)) {
      *err = "namespace '" + std::string(item) + "' is listed twice";
      return false;
    }
    out->emplace_back(item);
    if (comma == std::string_view::npos) return true;
    text.remove_prefix(comma + 1);
  }
}

std::vector<size_t> AssociationsToDescribe(const std::vector<PodFacts>& pods,
                                           const std::vector<PodIdentityAssociation>& associations,
                                           const std::vector<std::string>& namespaces) {
  std::set<Key> used;
  for (const PodFacts& pod : pods) {
    if (Judged(pod, namespaces)) used.emplace(pod.ns, pod.service_account);
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < associations.size(); ++i) {
    if (used.count({associations[i].ns, associations[i].service_account}) != 0) out.push_back(i);
  }
  return out;
}

std::vector<StalePod> FindStalePods(const std::vector<PodFacts>& pods,
                                    const std::vector<PodIdentityAssociation>& associations,
                                    const std::vector<std::string>& namespaces) {
  // EKS allows one association per service account; should there be more,
  // the newest change counts, and an undescribed one blocks any verdict.
  struct Newest {
    const PodIdentityAssociation* association = nullptr;
    bool unknown = false;
  };
  std::map<Key, Newest> by_account;
  for (const PodIdentityAssociation& a : associations) {
    Newest& newest = by_account[{a.ns, a.service_account}];
    if (!a.described) {
      newest.unknown = true;
      continue;
    }
    const auto changed = [](const PodIdentityAssociation* x) {
      return std::max(x->created_at, x->modified_at);
    };
    if (newest.association == nullptr || changed(&a) > changed(newest.association)) {
      newest.association = &a;
    }
  }
  std::vector<StalePod> out;
  for (const PodFacts& pod : pods) {
    if (!Judged(pod, namespaces)) continue;
    const auto it = by_account.find({pod.ns, pod.service_account});
    if (it == by_account.end()) {
      out.push_back({&pod, "",
                     "no Pod Identity association for service account " + pod.ns + "/" +
                         pod.service_account + " any more"});
      continue;
    }
    if (it->second.unknown || it->second.association == nullptr) continue;
    const PodIdentityAssociation& a = *it->second.association;
    if (a.modified_at > pod.start_time || a.created_at > pod.start_time) {
      const bool modified = a.modified_at > a.created_at;
      out.push_back({&pod, a.association_id,
                     "association " + a.association_id +
                         (modified ? " modified at " : " created at ") +
                         Time(modified ? a.modified_at : a.created_at) +
                         ", after the pod started at " + Time(pod.start_time)});
    }
  }
  return out;
}

}  // namespace irsa

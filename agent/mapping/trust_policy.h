// One proxy role's trust policy, as the mapping service edits it (pure; see
// docs/MAPPING_SERVICE.md, "Trust policies"). Only the IRSA statements of one
// OIDC provider are touched: Effect Allow, Principal.Federated naming the
// provider's ARN, Action sts:AssumeRoleWithWebIdentity. Within them only the
// `<oidc>:sub` values under StringLike are added or removed, and only
// managed entries are ever removed. Everything else is kept as it was
// (members in their order; re-serialised compactly).
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "domain/arn.h"

namespace irsa {

// Which statements are ours: the provider ("oidc.eks.us-east-1.amazonaws.com/id/ABC",
// the issuer without https://) and its ARN in the proxy role's account.
struct TrustScope {
  std::string oidc;
  std::string provider_arn;  // arn:aws:iam::<acct>:oidc-provider/<oidc>
  std::string compute_namespace;
};

// The scope of `role`'s trust policy: `oidc` and its provider ARN in the
// role's account and partition (arn:<partition>:iam::<account>:oidc-provider/<oidc>).
TrustScope TrustScopeFor(const RoleArn& role, std::string_view oidc,
                         std::string_view compute_namespace);

// What a `sub` value is to the service.
enum class EntryKind {
  kForeign,    // anything an administrator wrote: kept forever
  kSubject,    // system:serviceaccount:<compute-namespace>:<name>, no wildcard
  kLegacyRun,  // "*" followed by exactly a run id of 24 lowercase hex digits
};
struct Entry {
  EntryKind kind = EntryKind::kForeign;
  std::string name;  // kSubject: the service account; kLegacyRun: the run id
};
Entry ClassifyEntry(std::string_view value, std::string_view compute_namespace);

// "system:serviceaccount:<ns>:<name>".
std::string SubjectFor(std::string_view ns, std::string_view service_account);

// Characters of `json` (UTF-8) that are not whitespace: what IAM's "role trust
// policy length" quota counts.
size_t PolicyLength(std::string_view json);

class TrustPolicy {
 public:
  // Parses `text` (the decoded document). False with one line in `*err` when
  // it is not a JSON object with a Statement (object or list).
  static bool Parse(std::string_view text, const TrustScope& scope, TrustPolicy* out,
                    std::string* err);

  // Whether some IRSA statement admits exactly `subject` (a StringLike or
  // StringEquals sub value equal to it).
  bool Admits(std::string_view subject) const;

  // Every sub value under StringLike of the IRSA statements, in order.
  std::vector<std::string> SubValues() const;

  // How many statements are IRSA statements of the scope's provider.
  size_t IrsaStatements() const;

  // Managed entries (kSubject, kLegacyRun) among SubValues().
  size_t ManagedEntries() const;

  // Adds `subject` to the first IRSA statement's StringLike sub values (a
  // string becomes a list); with no IRSA statement, appends one (sub and
  // aud conditions). Returns false when it is already admitted.
  bool Add(std::string_view subject);

  // Removes the managed entries for which `dead` returns true, never the last
  // sub value of a statement (an empty condition would admit nobody, or be
  // refused). Returns the values removed.
  std::vector<std::string> RemoveManaged(const std::function<bool(const Entry&)>& dead);

  // The compact document and its PolicyLength.
  std::string Serialize() const;
  size_t Length() const { return PolicyLength(Serialize()); }

 private:
  bool IsIrsaStatement(const nlohmann::ordered_json& statement) const;
  // Calls `visit` for each IRSA statement's object.
  void ForEachIrsa(const std::function<void(nlohmann::ordered_json&)>& visit);
  void ForEachIrsa(const std::function<void(const nlohmann::ordered_json&)>& visit) const;
  std::string SubKey() const { return scope_.oidc + ":sub"; }

  TrustScope scope_;
  nlohmann::ordered_json doc_;
};

}  // namespace irsa

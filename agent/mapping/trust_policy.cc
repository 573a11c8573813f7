// The document is held as an ordered_json so that members keep their order
// and everything outside the sub values comes back as it was read.
#include "mapping/trust_policy.h"

namespace irsa {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kSubjectPrefix = "system:serviceaccount:";
constexpr std::string_view kAction = "sts:AssumeRoleWithWebIdentity";

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A string equal to `want`, or a list holding it.
bool Names(const Json& value, std::string_view want) {
  if (value.is_string()) return value.get_ref<const std::string&>() == want;
  if (!value.is_array()) return false;
  for (const Json& item : value) {
    if (item.is_string() && item.get_ref<const std::string&>() == want) return true;
  }
  return false;
}

const Json* Member(const Json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

TrustScope TrustScopeFor(const RoleArn& role, std::string_view oidc,
                         std::string_view compute_namespace) {
  return {std::string(oidc),
          "arn:" + role.partition + ":iam::" + role.account + ":oidc-provider/" + std::string(oidc),
          std::string(compute_namespace)};
}

Entry ClassifyEntry(std::string_view value, std::string_view compute_namespace) {
  if (value.size() == 25 && value[0] == '*' && IsLowerHex(value.substr(1))) {
    return {EntryKind::kLegacyRun, std::string(value.substr(1))};
  }
  if (!value.starts_with(kSubjectPrefix)) return {};
  std::string_view rest = value.substr(kSubjectPrefix.size());
  if (!rest.starts_with(compute_namespace) || rest.size() <= compute_namespace.size() + 1 ||
      rest[compute_namespace.size()] != ':') {
    return {};
  }
  rest.remove_prefix(compute_namespace.size() + 1);
  if (rest.find_first_of("*?:$") != std::string_view::npos) return {};
  return {EntryKind::kSubject, std::string(rest)};
}

std::string SubjectFor(std::string_view ns, std::string_view service_account) {
  return std::string(kSubjectPrefix) + std::string(ns) + ":" + std::string(service_account);
}

size_t PolicyLength(std::string_view json) {
  size_t n = 0;
  for (unsigned char c : json) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if ((c & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte: same character
    ++n;
  }
  return n;
}

bool TrustPolicy::Parse(std::string_view text, const TrustScope& scope, TrustPolicy* out,
                        std::string* err) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    *err = "trust policy is not a JSON object";
    return false;
  }
  const Json* statement = Member(doc, "Statement");
  if (statement == nullptr || !(statement->is_array() || statement->is_object())) {
    *err = "trust policy has no Statement list";
    return false;
  }
  out->scope_ = scope;
  out->doc_ = std::move(doc);
  return true;
}

bool TrustPolicy::IsIrsaStatement(const Json& s) const {
  const Json* effect = Member(s, "Effect");
  const Json* principal = Member(s, "Principal");
  const Json* federated = principal ? Member(*principal, "Federated") : nullptr;
  const Json* action = Member(s, "Action");
  return effect && effect->is_string() && effect->get_ref<const std::string&>() == "Allow" &&
         federated && Names(*federated, scope_.provider_arn) && action && Names(*action, kAction);
}

void TrustPolicy::ForEachIrsa(const std::function<void(Json&)>& visit) {
  Json& statements = doc_["Statement"];
  if (statements.is_object()) {
    if (IsIrsaStatement(statements)) visit(statements);
    return;
  }
  for (Json& s : statements) {
    if (IsIrsaStatement(s)) visit(s);
  }
}

void TrustPolicy::ForEachIrsa(const std::function<void(const Json&)>& visit) const {
  const Json& statements = doc_.at("Statement");
  if (statements.is_object()) {
    if (IsIrsaStatement(statements)) visit(statements);
    return;
  }
  for (const Json& s : statements) {
    if (IsIrsaStatement(s)) visit(s);
  }
}

bool TrustPolicy::Admits(std::string_view subject) const {
  bool found = false;
  const std::string key = SubKey();
  ForEachIrsa([&](const Json& s) {
    const Json* condition = Member(s, "Condition");
    for (const char* op : {"StringLike", "StringEquals"}) {
      const Json* block = condition ? Member(*condition, op) : nullptr;
      const Json* values = block ? Member(*block, key) : nullptr;
      if (values && Names(*values, subject)) found = true;
    }
  });
  return found;
}

std::vector<std::string> TrustPolicy::SubValues() const {
  std::vector<std::string> out;
  const std::string key = SubKey();
  ForEachIrsa([&](const Json& s) {
    const Json* condition = Member(s, "Condition");
    const Json* like = condition ? Member(*condition, "StringLike") : nullptr;
    const Json* values = like ? Member(*like, key) : nullptr;
    if (values == nullptr) return;
    if (values->is_string()) out.push_back(values->get<std::string>());
    if (values->is_array()) {
      for (const Json& v : *values) {
        if (v.is_string()) out.push_back(v.get<std::string>());
      }
    }
  });
  return out;
}

size_t TrustPolicy::IrsaStatements() const {
  size_t n = 0;
  ForEachIrsa([&n](const Json&) { ++n; });
  return n;
}

size_t TrustPolicy::ManagedEntries() const {
  size_t n = 0;
  for (const std::string& v : SubValues()) {
    if (ClassifyEntry(v, scope_.compute_namespace).kind != EntryKind::kForeign) ++n;
  }
  return n;
}

bool TrustPolicy::Add(std::string_view subject) {
  if (Admits(subject)) return false;
  const std::string key = SubKey();
  bool added = false;
  // Only a statement that already lists sub values under StringLike: adding
  // a condition to one without would narrow what an administrator wrote.
  ForEachIrsa([&](Json& s) {
    if (added || !s.contains("Condition") || !s["Condition"].is_object()) return;
    Json& condition = s["Condition"];
    if (!condition.contains("StringLike") || !condition["StringLike"].is_object()) return;
    Json& like = condition["StringLike"];
    if (!like.contains(key)) return;
    Json& values = like[key];
    if (values.is_string()) values = Json::array({values});
    if (!values.is_array()) return;
    values.push_back(std::string(subject));
    added = true;
  });
  if (added) return true;
  Json statement = {{"Effect", "Allow"},
                    {"Principal", {{"Federated", scope_.provider_arn}}},
                    {"Action", kAction},
                    {"Condition",
                     {{"StringLike", {{key, Json::array({std::string(subject)})}}},
                      {"StringEquals", {{scope_.oidc + ":aud", "sts.amazonaws.com"}}}}}};
  Json& statements = doc_["Statement"];
  if (statements.is_object()) statements = Json::array({statements});
  statements.push_back(std::move(statement));
  return true;
}

std::vector<std::string> TrustPolicy::RemoveManaged(const std::function<bool(const Entry&)>& dead) {
  std::vector<std::string> removed;
  const std::string key = SubKey();
  ForEachIrsa([&](Json& s) {
    Json* condition = s.is_object() && s.contains("Condition") ? &s["Condition"] : nullptr;
    if (condition == nullptr || !condition->is_object() || !condition->contains("StringLike")) {
      return;
    }
    Json& like = (*condition)["StringLike"];
    if (!like.is_object() || !like.contains(key) || !like[key].is_array()) return;
    Json& values = like[key];
    Json kept = Json::array();
    std::vector<std::string> gone;
    for (const Json& v : values) {
      if (v.is_string()) {
        const Entry entry =
            ClassifyEntry(v.get_ref<const std::string&>(), scope_.compute_namespace);
        if (entry.kind != EntryKind::kForeign && dead(entry)) {
          gone.push_back(v.get<std::string>());
          continue;
        }
      }
      kept.push_back(v);
    }
    if (gone.empty()) return;
    if (kept.empty()) {  // keep the last value: see the header
      kept.push_back(gone.back());
      gone.pop_back();
    }
    values = std::move(kept);
    removed.insert(removed.end(), gone.begin(), gone.end());
  });
  return removed;
}

std::string TrustPolicy::Serialize() const {
  return doc_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace irsa

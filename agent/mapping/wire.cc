#include "mapping/wire.h"

#include <nlohmann/json.hpp>
#include <set>

#include "domain/arn.h"

namespace irsa {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kTokenPath = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";

bool ParseObject(std::string_view body, Json* out, std::string* err) {
  *out = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded() || !out->is_object()) {
    *err = "request body is not a JSON object";
    return false;
  }
  return true;
}

}  // namespace

MappingRoute RouteFor(std::string_view path, std::string* allowed) {
  *allowed = "GET";
  if (path == "/map_iam_role_to_pod_sa" || path == "/map_iam_roles_to_pod_sa") {
    *allowed = "POST";
    return MappingRoute::kMap;
  }
  if (path == "/map_org_to_iam_role") {
    *allowed = "POST";
    return MappingRoute::kMapOrg;
  }
  if (path == "/get_my_roles") return MappingRoute::kMyRoles;
  if (path == "/healthz") return MappingRoute::kHealthz;
  if (path == "/metrics") return MappingRoute::kMetrics;
  return MappingRoute::kNotFound;
}

bool IsMappingRunId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool ParseMapRequest(std::string_view body, std::string* run_id, std::string* err) {
  Json doc;
  if (!ParseObject(body, &doc, err)) return false;
  const auto it = doc.find("run_id");
  if (it == doc.end()) {
    *err = "run_id is missing";
    return false;
  }
  if (!it->is_string() || !IsMappingRunId(it->get_ref<const std::string&>())) {
    *err = "run_id must match ^[A-Za-z0-9_-]{1,64}$";
    return false;
  }
  *run_id = it->get<std::string>();
  return true;
}

bool ParseMapOrgRequest(std::string_view body, std::string* org, std::string* role_arn,
                        std::string* err) {
  Json doc;
  if (!ParseObject(body, &doc, err)) return false;
  for (const char* name : {"domino_org", "iam_role"}) {
    const auto it = doc.find(name);
    if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      *err = std::string(name) + " must be a non-empty string";
      return false;
    }
  }
  *org = doc["domino_org"].get<std::string>();
  RoleArn arn;
  if (!ParseRoleArn(doc["iam_role"].get<std::string>(), &arn, err)) return false;
  *role_arn = arn.ToString();
  return true;
}

bool ParsePrincipal(std::string_view body, std::string* canonical_id, bool* is_admin,
                    std::string* err) {
  const Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    *err = "Domino principal is not a JSON object";
    return false;
  }
  const auto id = doc.find("canonicalId");
  if (id == doc.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    *err = "Domino principal has no canonicalId";
    return false;
  }
  *canonical_id = id->get<std::string>();
  const auto admin = doc.find("isAdmin");
  *is_admin = admin != doc.end() && admin->is_boolean() && admin->get<bool>();
  return true;
}

bool ParseOrganizations(std::string_view body, std::vector<std::string>* names, std::string* err) {
  const Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    *err = "Domino organizations answer is not a JSON list";
    return false;
  }
  for (const Json& org : doc) {
    if (!org.is_object()) continue;
    const auto name = org.find("name");
    if (name != org.end() && name->is_string()) names->push_back(name->get<std::string>());
  }
  return true;
}

std::vector<RolePair> PairsFor(const std::vector<std::string>& orgs,
                               const std::map<std::string, std::string>& org_to_asset,
                               const std::map<std::string, std::string>& asset_to_proxy,
                               std::vector<std::string>* skipped) {
  std::vector<RolePair> pairs;
  std::set<std::string> seen;
  for (const std::string& org : orgs) {
    const auto asset = org_to_asset.find(org);
    if (asset == org_to_asset.end()) continue;
    RoleArn asset_arn;
    std::string err;
    if (!ParseRoleArn(asset->second, &asset_arn, &err)) {
      skipped->push_back("org mapping entry " + org + ": " + err);
      continue;
    }
    if (!seen.insert(asset_arn.name).second) continue;
    const auto proxy = asset_to_proxy.find(asset_arn.name);
    if (proxy == asset_to_proxy.end()) {
      skipped->push_back("role mapping has no proxy role for " + asset_arn.name);
      continue;
    }
    RoleArn proxy_arn;
    if (!ParseRoleArn(proxy->second, &proxy_arn, &err)) {
      skipped->push_back("role mapping entry " + asset_arn.name + ": " + err);
      continue;
    }
    pairs.push_back({asset_arn.name, asset_arn.ToString(), proxy_arn.ToString()});
  }
  return pairs;
}

std::vector<RoleArn> ProxyRolesOf(const std::map<std::string, std::string>& asset_to_proxy,
                                  std::vector<std::string>* skipped) {
  std::vector<RoleArn> roles;
  std::set<std::string> seen;
  for (const auto& [asset, text] : asset_to_proxy) {
    RoleArn proxy;
    std::string err;
    if (!ParseRoleArn(text, &proxy, &err)) {
      skipped->push_back("role mapping entry " + asset + ": " + err);
    } else if (seen.insert(proxy.ToString()).second) {
      roles.push_back(std::move(proxy));
    }
  }
  return roles;
}

std::string RenderMappingAnswer(const std::vector<RolePair>& pairs) {
  std::string out;
  for (const RolePair& p : pairs) {
    if (!out.empty()) out += '\n';
    out += "[profile " + p.profile + "]\n";
    out += "source_profile = src_" + p.profile + "\n";
    out += "role_arn=" + p.asset_arn + "\n";
    out += "[profile src_" + p.profile + "]\n";
    out += "web_identity_token_file = " + std::string(kTokenPath) + "\n";
    out += "role_arn=" + p.proxy_arn;
  }
  return out;
}

std::string RenderMyRoles(const std::vector<std::string>& orgs,
                          const std::map<std::string, std::string>& org_to_asset) {
  Json result = Json::object();
  for (const std::string& org : orgs) {
    const auto it = org_to_asset.find(org);
    if (it != org_to_asset.end()) result[org] = it->second;
  }
  return Json{{"result", result}}.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string NoPodBody(std::string_view run_id) {
  return "No Pod Found with the run id " + std::string(run_id) + " for the user";
}

}  // namespace irsa

// Answers are one line of text except the 200s, which are the reference's
// bodies. The caller's credential goes to Domino only and is never logged.
#include "mapping/service.h"

#include <set>

#include "base/secret.h"
#include "domain/arn.h"
#include "mapping/trust_policy.h"

namespace irsa {
namespace {

constexpr int kConfigMapConflictRetries = 5;

ServiceAnswer Text(int status, std::string body) {
  ServiceAnswer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

ServiceAnswer Unavailable(std::string body, int retry_after = 5) {
  ServiceAnswer a = Text(503, std::move(body));
  a.retry_after = std::to_string(retry_after);
  return a;
}

const std::string* HeaderOf(const ServiceRequest& r, std::string_view lower) {
  for (const auto& [name, value] : r.headers) {
    if (name == lower) return &value;
  }
  return nullptr;
}

// The caller's Domino credential, as received; false when there is none.
bool CredentialOf(const ServiceRequest& r, DominoCredential* out) {
  if (const std::string* v = HeaderOf(r, "authorization"); v && !v->empty()) {
    *out = {"Authorization", *v};
    return true;
  }
  if (const std::string* v = HeaderOf(r, "x-domino-api-key"); v && !v->empty()) {
    *out = {"X-Domino-Api-Key", *v};
    return true;
  }
  return false;
}

ServiceAnswer FromDomino(const DominoReply& reply) {
  if (reply.outcome == DominoOutcome::kUnauthorized) {
    return Text(401, "the Domino credential was refused");
  }
  return Unavailable("Domino API unavailable: " + reply.message);
}

}  // namespace

MappingService::MappingService(ServiceConfig config, DominoClient& domino, MappingKube& kube,
                               TrustCommitter& committer, MappingMetrics& metrics,
                               std::function<double()> wall,
                               std::function<void(bool, const std::string&)> log)
    : config_(std::move(config)),
      domino_(domino),
      kube_(kube),
      committer_(committer),
      metrics_(metrics),
      wall_(std::move(wall)),
      log_(std::move(log)) {}

ServiceAnswer MappingService::Handle(const ServiceRequest& request) {
  std::string route;
  ServiceAnswer answer = Route(request, &route);
  metrics_.Request(route, answer.status);
  return answer;
}

ServiceAnswer MappingService::Route(const ServiceRequest& request, std::string* route_name) {
  std::string allowed;
  const MappingRoute route = RouteFor(request.path, &allowed);
  static const std::map<MappingRoute, std::string> kNames = {
      {MappingRoute::kMap, "map_iam_role_to_pod_sa"},
      {MappingRoute::kMyRoles, "get_my_roles"},
      {MappingRoute::kMapOrg, "map_org_to_iam_role"},
      {MappingRoute::kHealthz, "healthz"},
      {MappingRoute::kMetrics, "metrics"},
      {MappingRoute::kNotFound, "other"}};
  *route_name = kNames.at(route);
  if (route == MappingRoute::kNotFound) return Text(404, "no such route");
  if (request.method != allowed) {
    ServiceAnswer a = Text(405, "method not allowed: use " + allowed);
    a.allow = allowed;
    return a;
  }
  if (route == MappingRoute::kHealthz) {
    ServiceAnswer a = Text(200, R"({"status": "Healthy"})");
    a.content_type = "application/json";
    return a;
  }
  if (route == MappingRoute::kMetrics) {
    ServiceAnswer a = Text(200, metrics_.Render());
    a.content_type = "text/plain; version=0.0.4";
    return a;
  }
  if (request.body_too_large) return Text(413, "request body over 16384 bytes");
  // Bounded concurrency: past the cap, an immediate 503 (the sidecars retry).
  if (in_flight_.fetch_add(1) >= config_.max_in_flight) {
    in_flight_.fetch_sub(1);
    return Unavailable("too many requests in progress", 1);
  }
  ServiceAnswer a = route == MappingRoute::kMap       ? Map(request)
                    : route == MappingRoute::kMyRoles ? MyRoles(request)
                                                      : MapOrg(request);
  in_flight_.fetch_sub(1);
  return a;
}

bool MappingService::Mappings(std::map<std::string, std::string>* orgs,
                              std::map<std::string, std::string>* roles, std::string* err) {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  const double now = wall_();
  if (now - cached_at_ < config_.configmap_ttl) {
    *orgs = org_map_;
    *roles = role_map_;
    return true;
  }
  ConfigMapData org_data;
  ConfigMapData role_data;
  for (auto [name, data] : {std::pair{&config_.org_configmap, &org_data},
                            std::pair{&config_.role_configmap, &role_data}}) {
    std::string body;
    const KubeReply got = kube_.GetConfigMap(config_.platform_namespace, *name, &body);
    if (got.failure != Failure::kNone) {
      *err = "ConfigMap " + *name + ": " + got.message;
      return false;
    }
    if (!ParseConfigMap(body, data, err)) {
      *err = "ConfigMap " + *name + ": " + *err;
      return false;
    }
  }
  org_map_ = std::move(org_data.data);
  role_map_ = std::move(role_data.data);
  cached_at_ = now;
  *orgs = org_map_;
  *roles = role_map_;
  return true;
}

ServiceAnswer MappingService::Map(const ServiceRequest& request) {
  std::string run_id;
  std::string err;
  if (!ParseMapRequest(request.body, &run_id, &err)) return Text(400, err);
  DominoCredential credential;
  if (!CredentialOf(request, &credential)) {
    return Text(401, "no Domino credential (Authorization or X-Domino-Api-Key)");
  }
  const double deadline = wall_() + config_.request_budget;
  std::string user;
  bool admin = false;
  std::vector<std::string> orgs;
  DominoReply reply = domino_.Principal(credential, &user, &admin);
  if (reply.outcome == DominoOutcome::kOk) reply = domino_.Organizations(credential, &orgs);
  WipeString(&credential.value);
  if (reply.outcome != DominoOutcome::kOk) return FromDomino(reply);

  std::vector<MappingPod> pods;
  const KubeReply listed = kube_.PodsOfRun(config_.compute_namespace, run_id, &pods);
  if (listed.failure != Failure::kNone) return Unavailable(listed.message);
  const MappingPod* pod = nullptr;
  for (const MappingPod& p : pods) {
    if (p.Live() && p.run_id == run_id && p.starting_user == user) pod = &p;
  }
  if (pod == nullptr) return Text(404, NoPodBody(run_id));
  const std::string subject = SubjectFor(config_.compute_namespace, pod->service_account);

  std::map<std::string, std::string> org_map;
  std::map<std::string, std::string> role_map;
  if (!Mappings(&org_map, &role_map, &err)) return Unavailable(err);
  std::vector<std::string> skipped;
  const std::vector<RolePair> pairs = PairsFor(orgs, org_map, role_map, &skipped);
  for (const std::string& line : skipped) log_(false, "mapping entry skipped: " + line);
  metrics_.Skipped(skipped.size());

  std::set<std::string> seen;
  std::vector<RoleArn> proxies;
  for (const RolePair& pair : pairs) {
    RoleArn proxy;
    if (!ParseRoleArn(pair.proxy_arn, &proxy, &err)) return Text(500, err);  // PairsFor checked it
    if (seen.insert(pair.proxy_arn).second) proxies.push_back(std::move(proxy));
  }
  std::string role;
  const CommitResult result = committer_.Ensure(proxies, subject, deadline, &role);
  if (result.outcome == CommitOutcome::kFull) {
    log_(true, result.message);
    return Unavailable(result.message, 60);
  }
  if (result.outcome == CommitOutcome::kFailed) {
    log_(true, "trust policy of " + role + ": " + result.message);
    return Unavailable("trust policy of " + role + " not updated: " + result.message);
  }
  return Text(200, RenderMappingAnswer(pairs));
}

ServiceAnswer MappingService::MyRoles(const ServiceRequest& request) {
  DominoCredential credential;
  if (!CredentialOf(request, &credential)) {
    return Text(401, "no Domino credential (Authorization or X-Domino-Api-Key)");
  }
  std::vector<std::string> orgs;
  const DominoReply reply = domino_.Organizations(credential, &orgs);
  WipeString(&credential.value);
  if (reply.outcome != DominoOutcome::kOk) return FromDomino(reply);
  std::map<std::string, std::string> org_map;
  std::map<std::string, std::string> role_map;
  std::string err;
  if (!Mappings(&org_map, &role_map, &err)) return Unavailable(err);
  ServiceAnswer a = Text(200, RenderMyRoles(orgs, org_map));
  a.content_type = "application/json";
  return a;
}

ServiceAnswer MappingService::MapOrg(const ServiceRequest& request) {
  std::string org;
  std::string role_arn;
  std::string err;
  if (!ParseMapOrgRequest(request.body, &org, &role_arn, &err)) return Text(400, err);
  DominoCredential credential;
  if (!CredentialOf(request, &credential)) {
    return Text(401, "no Domino credential (Authorization or X-Domino-Api-Key)");
  }
  std::string user;
  bool admin = false;
  const DominoReply reply = domino_.Principal(credential, &user, &admin);
  WipeString(&credential.value);
  if (reply.outcome != DominoOutcome::kOk) return FromDomino(reply);
  if (!admin)
    return Text(403, "Not Authorized. Only a Domino Admin can map domino orgs to iam roles");
  for (int attempt = 0; attempt < kConfigMapConflictRetries; ++attempt) {
    std::string body;
    const KubeReply got =
        kube_.GetConfigMap(config_.platform_namespace, config_.org_configmap, &body);
    if (got.failure != Failure::kNone) return Unavailable(got.message);
    std::string updated;
    if (!ConfigMapWithEntry(body, org, role_arn, &updated, &err)) return Unavailable(err);
    const KubeReply put =
        kube_.PutConfigMap(config_.platform_namespace, config_.org_configmap, updated);
    if (put.status == 409) continue;  // someone wrote first: read again
    if (put.failure != Failure::kNone) return Unavailable(put.message);
    {
      std::lock_guard<std::mutex> lock(cache_mutex_);
      cached_at_ = -1e18;
    }
    log_(false, "org " + org + " mapped to " + role_arn);
    ServiceAnswer a = Text(200, RenderMyRoles({org}, {{org, role_arn}}));
    a.content_type = "application/json";
    return a;
  }
  return Unavailable("ConfigMap " + config_.org_configmap + " kept changing (409)");
}

void MappingService::CollectAll() {
  std::map<std::string, std::string> org_map;
  std::map<std::string, std::string> role_map;
  std::string err;
  if (!Mappings(&org_map, &role_map, &err)) {
    log_(true, "trust GC skipped: " + err);
    return;
  }
  std::vector<std::string> skipped;  // logged by the requests that meet them
  for (const RoleArn& proxy : ProxyRolesOf(role_map, &skipped)) {
    size_t removed = 0;
    if (!committer_.Collect(proxy, &removed, &err)) {
      log_(true, "trust GC of " + proxy.name + ": " + err);
    } else if (removed > 0) {
      log_(false, "trust GC of " + proxy.name + ": " + std::to_string(removed) +
                      " entries of ended pods removed");
    }
  }
}

}  // namespace irsa

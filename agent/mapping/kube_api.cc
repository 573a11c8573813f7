#include "mapping/kube_api.h"

#include <algorithm>

#include "base/secret.h"
#include "base/url.h"

namespace irsa {
namespace {

constexpr size_t kMaxPageBytes = 16 << 20;
constexpr size_t kMaxObjectBytes = 1 << 20;

std::string NsPath(std::string_view api, std::string_view group, std::string_view ns,
                   std::string_view resource) {
  return std::string(api) + std::string(group) + "/namespaces/" + PercentEncode(ns) + "/" +
         std::string(resource);
}

}  // namespace

MappingKube::MappingKube(HttpClient& http, std::string api, std::string ca_file, double timeout,
                         std::function<bool(std::string*, std::string*)> bearer,
                         CallObserver observe)
    : http_(http),
      api_(std::move(api)),
      ca_file_(std::move(ca_file)),
      timeout_(timeout),
      bearer_(std::move(bearer)),
      observe_(std::move(observe)) {}

KubeReply MappingKube::Send(std::string method, std::string url, std::string body, size_t max_bytes,
                            std::string* answer) {
  std::string token;
  std::string err;
  if (!bearer_(&token, &err)) return {Failure::kInput, 0, "Kubernetes bearer token: " + err};
  HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
  WipeString(&token);
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  request.total_timeout = timeout_;
  request.connect_timeout = std::min(5.0, timeout_);
  request.ca_file = ca_file_;
  request.ca_file_only = !ca_file_.empty();  // the cluster's CA, as client-go trusts it
  request.max_response_bytes = max_bytes;
  HttpResponse response;
  ++calls_;
  slots_.acquire();
  const Status<HttpFailure> sent = http_.Send(request, &response);
  slots_.release();
  for (auto& [name, value] : request.headers) WipeString(&value);
  KubeReply reply;
  if (!sent.ok()) {
    reply = {sent.kind() == HttpFailure::kBadRequest ? Failure::kInput : Failure::kTransient, 0,
             "Kubernetes API: " + sent.message()};
  } else {
    reply.status = response.status;
    if (response.status < 200 || response.status >= 300) {
      const bool transient = response.status == 429 || response.status >= 500;
      reply.failure = transient ? Failure::kTransient : Failure::kPermanent;
      reply.message = "Kubernetes API " + request.method + " " + DisplayUrl(request.url) +
                      " answered HTTP " + std::to_string(response.status);
    }
  }
  // 404 and 409 are answers the callers expect (a missing Lease, a lost race).
  const bool expected = reply.status == 404 || reply.status == 409;
  if (observe_) observe_("kubernetes", expected ? Failure::kNone : reply.failure, response.seconds);
  if (reply.failure == Failure::kNone && answer != nullptr) *answer = std::move(response.body);
  return reply;
}

KubeReply MappingKube::PodsOfRun(std::string_view ns, std::string_view run_id,
                                 std::vector<MappingPod>* pods) {
  const std::string selector = std::string(kRunIdLabel) + "=" + std::string(run_id);
  std::string body;
  KubeReply reply =
      Send("GET", NsPath(api_, "/api/v1", ns, "pods") + "?labelSelector=" + PercentEncode(selector),
           "", kMaxPageBytes, &body);
  if (reply.failure != Failure::kNone) return reply;
  std::string next;
  std::string err;
  if (!ParseMappingPods(body, pods, &next, &err)) return {Failure::kAnswer, reply.status, err};
  return reply;
}

KubeReply MappingKube::PodsPage(std::string_view ns, int limit, std::string_view continue_token,
                                std::vector<MappingPod>* pods, std::string* next) {
  std::string url = NsPath(api_, "/api/v1", ns, "pods") + "?limit=" + std::to_string(limit);
  if (!continue_token.empty()) url += "&continue=" + PercentEncode(continue_token);
  std::string body;
  KubeReply reply = Send("GET", std::move(url), "", kMaxPageBytes, &body);
  if (reply.failure != Failure::kNone) return reply;
  std::string err;
  if (!ParseMappingPods(body, pods, next, &err)) return {Failure::kAnswer, reply.status, err};
  return reply;
}

KubeReply MappingKube::GetConfigMap(std::string_view ns, std::string_view name, std::string* body) {
  return Send("GET", NsPath(api_, "/api/v1", ns, "configmaps/") + PercentEncode(name), "",
              kMaxObjectBytes, body);
}

KubeReply MappingKube::PutConfigMap(std::string_view ns, std::string_view name,
                                    std::string_view body) {
  return Send("PUT", NsPath(api_, "/api/v1", ns, "configmaps/") + PercentEncode(name),
              std::string(body), kMaxObjectBytes, nullptr);
}

KubeReply MappingKube::GetLease(std::string_view ns, std::string_view name, std::string* body) {
  return Send("GET",
              NsPath(api_, "/apis/coordination.k8s.io/v1", ns, "leases/") + PercentEncode(name), "",
              kMaxObjectBytes, body);
}

KubeReply MappingKube::CreateLease(std::string_view ns, std::string_view body,
                                   std::string* answer) {
  return Send("POST", NsPath(api_, "/apis/coordination.k8s.io/v1", ns, "leases"), std::string(body),
              kMaxObjectBytes, answer);
}

KubeReply MappingKube::PutLease(std::string_view ns, std::string_view name, std::string_view body,
                                std::string* answer) {
  return Send("PUT",
              NsPath(api_, "/apis/coordination.k8s.io/v1", ns, "leases/") + PercentEncode(name),
              std::string(body), kMaxObjectBytes, answer);
}

}  // namespace irsa

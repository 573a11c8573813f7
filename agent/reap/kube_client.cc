// The bearer token goes into one header that is wiped after each exchange.
// A pod list page may be large (a pod's JSON is a few KiB): pages are
// bounded to 16 MiB, and callers choose `limit` so that real pages fit.
#include "reap/kube_client.h"

#include <algorithm>

#include "aws/sigv4.h"
#include "base/secret.h"
#include "base/url.h"

namespace irsa {
namespace {

constexpr size_t kMaxPageBytes = 16 << 20;
constexpr size_t kMaxEvictionAnswerBytes = 64 * 1024;

}  // namespace

KubeClient::KubeClient(HttpClient& http, std::string api, std::string ca_file, double timeout)
    : http_(http), api_(std::move(api)), ca_file_(std::move(ca_file)), timeout_(timeout) {}

KubeResult KubeClient::Send(HttpRequest* request, std::string_view bearer, HttpResponse* response) {
  request->headers.emplace_back("Authorization", "Bearer " + std::string(bearer));
  request->headers.emplace_back("Accept", "application/json");
  request->total_timeout = timeout_;
  request->connect_timeout = std::min(5.0, timeout_);
  request->ca_file = ca_file_;
  ++requests_;
  const Status<HttpFailure> sent = http_.Send(*request, response);
  for (auto& [name, value] : request->headers) WipeString(&value);
  if (!sent.ok()) {
    return {sent.kind() == HttpFailure::kBadRequest ? Failure::kInput : Failure::kTransient,
            "Kubernetes API: " + sent.message()};
  }
  if (response->status >= 200 && response->status < 300) return {};
  const std::string what = "Kubernetes API " + request->method + " " + DisplayUrl(request->url) +
                           " answered HTTP " + std::to_string(response->status);
  // 410: a continue token expired mid-listing; the next round starts afresh.
  const bool transient =
      response->status == 429 || response->status == 410 || response->status >= 500;
  return {transient ? Failure::kTransient : Failure::kPermanent, what};
}

KubeResult KubeClient::ListPods(std::string_view ns, std::string_view bearer, int limit,
                                std::string_view continue_token, std::vector<PodFacts>* pods,
                                std::string* next) {
  HttpRequest request;
  request.url =
      api_ + "/api/v1/namespaces/" + PercentEncode(ns) + "/pods?limit=" + std::to_string(limit);
  if (!continue_token.empty()) request.url += "&continue=" + PercentEncode(continue_token);
  request.max_response_bytes = kMaxPageBytes;
  HttpResponse response;
  KubeResult result = Send(&request, bearer, &response);
  if (result.failure != Failure::kNone) return result;
  std::string err;
  if (!ParsePodListPage(response.body, pods, next, &err)) {
    return {Failure::kAnswer, "namespace " + std::string(ns) + ": " + err};
  }
  return result;
}

EvictionOutcome KubeClient::Evict(std::string_view ns, std::string_view name,
                                  std::string_view bearer, KubeResult* result) {
  HttpRequest request;
  request.method = "POST";
  request.url = api_ + "/api/v1/namespaces/" + PercentEncode(ns) + "/pods/" + PercentEncode(name) +
                "/eviction";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = EvictionBody(ns, name);
  request.max_response_bytes = kMaxEvictionAnswerBytes;
  HttpResponse response;
  *result = Send(&request, bearer, &response);
  if (result->failure == Failure::kNone) return EvictionOutcome::kEvicted;
  if (response.status == 429) return EvictionOutcome::kRefused;
  if (response.status == 404) return EvictionOutcome::kGone;
  return EvictionOutcome::kFailed;
}

}  // namespace irsa

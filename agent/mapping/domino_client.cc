#include "mapping/domino_client.h"

#include <algorithm>

#include "base/secret.h"
#include "base/url.h"
#include "mapping/wire.h"

namespace irsa {
namespace {

constexpr size_t kMaxDominoAnswerBytes = 1 << 20;

}  // namespace

DominoClient::DominoClient(HttpClient& http, std::string base, double timeout, CallObserver observe)
    : http_(http), base_(std::move(base)), timeout_(timeout), observe_(std::move(observe)) {
  while (base_.ends_with('/')) base_.pop_back();
}

DominoReply DominoClient::Get(const char* path, const DominoCredential& credential,
                              std::string* body) {
  HttpRequest request;
  request.url = base_ + path;
  request.headers = {{"Accept", "application/json"}};
  if (!credential.header.empty()) request.headers.push_back({credential.header, credential.value});
  request.total_timeout = timeout_;
  request.connect_timeout = std::min(5.0, timeout_);
  request.max_response_bytes = kMaxDominoAnswerBytes;
  HttpResponse response;
  slots_.acquire();
  const Status<HttpFailure> sent = http_.Send(request, &response);
  slots_.release();
  for (auto& [name, value] : request.headers) WipeString(&value);
  DominoReply reply;
  Failure outcome = Failure::kNone;
  if (!sent.ok()) {
    reply = {DominoOutcome::kUnavailable, "Domino API: " + sent.message()};
    outcome = Failure::kTransient;
  } else if (response.status == 401 || response.status == 403) {
    reply = {DominoOutcome::kUnauthorized, "Domino API GET " + std::string(path) +
                                               " answered HTTP " + std::to_string(response.status)};
    outcome = Failure::kPermanent;
  } else if (response.status != 200) {
    reply = {DominoOutcome::kUnavailable, "Domino API GET " + std::string(path) +
                                              " answered HTTP " + std::to_string(response.status)};
    outcome = response.status >= 500 ? Failure::kTransient : Failure::kPermanent;
  } else {
    *body = std::move(response.body);
  }
  reply.status = sent.ok() ? response.status : 0;
  if (observe_) observe_("domino", outcome, response.seconds);
  return reply;
}

DominoReply DominoClient::Principal(const DominoCredential& credential, std::string* canonical_id,
                                    bool* is_admin) {
  std::string body;
  DominoReply reply = Get("/v4/auth/principal", credential, &body);
  if (reply.outcome != DominoOutcome::kOk) return reply;
  std::string err;
  if (!ParsePrincipal(body, canonical_id, is_admin, &err)) {
    return {DominoOutcome::kUnavailable, err};
  }
  return reply;
}

DominoReply DominoClient::Organizations(const DominoCredential& credential,
                                        std::vector<std::string>* names) {
  std::string body;
  DominoReply reply = Get("/v4/organizations/self", credential, &body);
  if (reply.outcome != DominoOutcome::kOk) return reply;
  std::string err;
  if (!ParseOrganizations(body, names, &err)) return {DominoOutcome::kUnavailable, err};
  return reply;
}

}  // namespace irsa

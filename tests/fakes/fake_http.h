// Scripted HttpClient: answers from a queue (the last entry repeats) and
// records every request it was given.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "irsa_agent/http.h"

namespace irsa {

struct FakeExchange {
  HttpFailure failure = HttpFailure::kNone;  // kNone: answer `response`
  HttpResponse response;
  std::string error = "connection refused";

  static FakeExchange Status(long status, std::string body = "") {
    FakeExchange e;
    e.response.status = status;
    e.response.body = std::move(body);
    return e;
  }
  static FakeExchange Fail(HttpFailure failure, std::string error) {
    FakeExchange e;
    e.failure = failure;
    e.error = std::move(error);
    return e;
  }
};

class FakeHttp : public HttpClient {
 public:
  std::deque<FakeExchange> script;
  std::vector<HttpRequest> requests;
  // Called with each request before it is answered (to advance a fake clock).
  std::function<void(const HttpRequest&)> on_send;

  Status<HttpFailure> Send(const HttpRequest& request, HttpResponse* response) override {
    requests.push_back(request);
    if (on_send) on_send(request);
    if (script.empty()) return {HttpFailure::kConnect, "FakeHttp: no scripted answer"};
    const FakeExchange exchange = script.front();
    if (script.size() > 1) script.pop_front();
    if (exchange.failure != HttpFailure::kNone) return {exchange.failure, exchange.error};
    *response = exchange.response;
    return {};
  }

  // The value of header `name` in request `i`, or "" when absent.
  std::string Header(size_t i, const std::string& name) const {
    for (const auto& [key, value] : requests.at(i).headers) {
      if (key == name) return value;
    }
    return "";
  }
};

}  // namespace irsa

// The routes of the `run` listener and their answers (pure). The loop asks
// RouteFor() what a request wants and sends the answer built here; /refresh
// is answered after the sync it asks for (RefreshAnswer).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/outcome.h"

namespace irsa {

enum class Route {
  kHealthz,           // GET /healthz: 200 {"status": "Healthy"}
  kRefresh,           // GET /refresh: sync now, answer when it is done
  kMetrics,           // GET /metrics: the Prometheus text exposition
  kNotFound,          // GET of any other path: 404
  kMethodNotAllowed,  // any other method: 405
};

Route RouteFor(std::string_view method, std::string_view path);

struct RouteAnswer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

RouteAnswer HealthzAnswer();
RouteAnswer NotFoundAnswer();
RouteAnswer MethodNotAllowedAnswer();
RouteAnswer BusyAnswer();          // 503: too many refreshes waiting
RouteAnswer ShuttingDownAnswer();  // 503: the agent stops before the sync ends
RouteAnswer MetricsAnswer(std::string exposition);

// The outcome of the sync a /refresh waited for: 200 {"status": "ok",
// "changed": bool, "profiles": [...]} on success, else 503 {"status": "error",
// "kind": FailureName, "error": `message`}. `message` must already be redacted.
RouteAnswer RefreshAnswer(Failure failure, std::string_view message, bool changed,
                          const std::vector<std::string>& profiles);

}  // namespace irsa

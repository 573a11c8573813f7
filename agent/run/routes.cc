#include "run/routes.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace irsa {
namespace {

RouteAnswer Error(int status, std::string_view message) {
  return {status, R"({"status":"error","error":")" + std::string(message) + R"("})"};
}

}  // namespace

Route RouteFor(std::string_view method, std::string_view path) {
  if (method != "GET") return Route::kMethodNotAllowed;
  if (path == "/healthz") return Route::kHealthz;
  if (path == "/refresh") return Route::kRefresh;
  if (path == "/metrics") return Route::kMetrics;
  return Route::kNotFound;
}

RouteAnswer HealthzAnswer() { return {200, R"({"status": "Healthy"})"}; }
RouteAnswer NotFoundAnswer() { return Error(404, "not found"); }
RouteAnswer MethodNotAllowedAnswer() { return Error(405, "GET only"); }
RouteAnswer BusyAnswer() { return Error(503, "busy"); }
RouteAnswer ShuttingDownAnswer() { return Error(503, "shutting down"); }

RouteAnswer MetricsAnswer(std::string exposition) {
  return {200, std::move(exposition), "text/plain; version=0.0.4; charset=utf-8"};
}

RouteAnswer RefreshAnswer(Failure failure, std::string_view message, bool changed,
                          const std::vector<std::string>& profiles) {
  nlohmann::json body;
  if (failure == Failure::kNone) {
    body = {{"status", "ok"}, {"changed", changed}, {"profiles", profiles}};
  } else {
    body = {{"status", "error"}, {"kind", FailureName(failure)}, {"error", message}};
  }
  return {failure == Failure::kNone ? 200 : 503,
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace irsa

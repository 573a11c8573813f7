// The `run` listener's routes and their answers.

#include "run/routes.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace irsa {
namespace {

TEST_SUITE("routes") {
  TEST_CASE("routing by method and path") {
    struct Case {
      const char* method;
      const char* path;
      Route route;
    };
    const Case cases[] = {
        {"GET", "/healthz", Route::kHealthz},
        {"GET", "/refresh", Route::kRefresh},
        {"GET", "/metrics", Route::kMetrics},
        {"GET", "/", Route::kNotFound},
        {"GET", "/healthz/", Route::kNotFound},
        {"GET", "/HEALTHZ", Route::kNotFound},
        {"GET", "/credentials/role-a", Route::kNotFound},
        {"POST", "/refresh", Route::kMethodNotAllowed},
        {"HEAD", "/healthz", Route::kMethodNotAllowed},
        {"PUT", "/nowhere", Route::kMethodNotAllowed},
    };
    for (const Case& c : cases) {
      CAPTURE(c.method);
      CAPTURE(c.path);
      CHECK(RouteFor(c.method, c.path) == c.route);
    }
  }

  TEST_CASE("fixed answers") {
    CHECK(HealthzAnswer().status == 200);
    CHECK(HealthzAnswer().body == R"({"status": "Healthy"})");
    CHECK(HealthzAnswer().content_type == "application/json");
    CHECK(NotFoundAnswer().status == 404);
    CHECK(NotFoundAnswer().body == R"({"status":"error","error":"not found"})");
    CHECK(MethodNotAllowedAnswer().status == 405);
    CHECK(MethodNotAllowedAnswer().body == R"({"status":"error","error":"GET only"})");
    CHECK(BusyAnswer().status == 503);
    CHECK(BusyAnswer().body == R"({"status":"error","error":"busy"})");
    CHECK(ShuttingDownAnswer().status == 503);
    CHECK(ShuttingDownAnswer().body == R"({"status":"error","error":"shutting down"})");
    const RouteAnswer metrics = MetricsAnswer("# TYPE x gauge\nx 1\n");
    CHECK(metrics.status == 200);
    CHECK(metrics.body == "# TYPE x gauge\nx 1\n");
    CHECK(metrics.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
  }

  TEST_CASE("the refresh answer after a success") {
    const RouteAnswer a = RefreshAnswer(Failure::kNone, "", true, {"role-a", "role-z"});
    CHECK(a.status == 200);
    CHECK(a.body == R"({"changed":true,"profiles":["role-a","role-z"],"status":"ok"})");
  }

  TEST_CASE("the refresh answer after a failure, with invalid UTF-8 replaced") {
    const RouteAnswer a =
        RefreshAnswer(Failure::kTransient, "mapping service: HTTP 500 \xff", false, {});
    CHECK(a.status == 503);
    const auto body = nlohmann::json::parse(a.body);
    CHECK(body["status"] == "error");
    CHECK(body["kind"] == "transient");
    CHECK(body["error"] == "mapping service: HTTP 500 \xEF\xBF\xBD");
  }
}

}  // namespace
}  // namespace irsa

// The systemd notify protocol of `run`, driven with plain numbers.

#include "run/readiness.h"

#include <doctest/doctest.h>

#include <cmath>

namespace irsa {
namespace {

TEST_SUITE("readiness") {
  TEST_CASE("READY=1 comes with the first success only, never after a failure") {
    SystemdReadiness r(0, "/home/u/.aws/config");
    CHECK(r.SyncFailed("mapping service: HTTP 500") ==
          "STATUS=sync failed: mapping service: HTTP 500");
    CHECK_FALSE(r.ready());
    CHECK(r.SyncSucceeded(2) == "READY=1\nSTATUS=2 profiles in /home/u/.aws/config");
    CHECK(r.ready());
    CHECK(r.SyncSucceeded(1) == "STATUS=1 profile in /home/u/.aws/config");
    CHECK(r.SyncFailed("x") == "STATUS=sync failed: x");
  }

  TEST_CASE("SIGHUP before readiness is no reload") {
    SystemdReadiness r(0, "c");
    CHECK(r.Hangup() == "");
    CHECK(r.SyncSucceeded(0) == "READY=1\nSTATUS=0 profiles in c");
  }

  TEST_CASE("a reload is RELOADING=1 then READY=1 with the sync's outcome, once") {
    SystemdReadiness r(0, "c");
    r.SyncSucceeded(1);
    CHECK(r.Hangup() == "RELOADING=1");
    CHECK(r.reloading());
    CHECK(r.Hangup() == "");  // already reloading
    CHECK(r.SyncSucceeded(3) == "READY=1\nSTATUS=3 profiles in c");
    CHECK_FALSE(r.reloading());

    CHECK(r.Hangup() == "RELOADING=1");
    // A failed reload still ends the reload: the last good config stays.
    CHECK(r.SyncFailed("HTTP 503") == "READY=1\nSTATUS=sync failed: HTTP 503");
    CHECK(r.SyncFailed("HTTP 503") == "STATUS=sync failed: HTTP 503");
  }

  TEST_CASE("a message cannot add a variable to the datagram") {
    SystemdReadiness r(0, "c");
    CHECK(r.SyncFailed("bad\nREADY=1\r\nX") == "STATUS=sync failed: bad READY=1  X");
  }

  TEST_CASE("WATCHDOG=1 only once ready, then every interval") {
    SystemdReadiness r(10, "c");
    CHECK(r.Watchdog(90) == "");
    CHECK(std::isinf(r.NextWatchdog()));
    r.SyncFailed("HTTP 503");
    CHECK(r.Watchdog(95) == "");
    r.SyncSucceeded(1);
    CHECK(r.Watchdog(100) == "WATCHDOG=1");
    CHECK(r.NextWatchdog() == 110);
    CHECK(r.Watchdog(105) == "");
    CHECK(r.Watchdog(109.999) == "");
    CHECK(r.Watchdog(111) == "WATCHDOG=1");
    CHECK(r.NextWatchdog() == 121);
  }

  TEST_CASE("without a watchdog nothing is ever due") {
    for (double interval : {0.0, -1.0}) {
      SystemdReadiness r(interval, "c");
      CHECK(r.Watchdog(0) == "");
      CHECK(r.Watchdog(1e9) == "");
      CHECK(std::isinf(r.NextWatchdog()));
    }
  }

  TEST_CASE("STOPPING=1") { CHECK(SystemdReadiness::Stopping() == "STOPPING=1"); }
}

}  // namespace
}  // namespace irsa

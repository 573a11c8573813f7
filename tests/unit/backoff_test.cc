// Tests for backoff.h.
#include "base/backoff.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace irsa {
namespace {

constexpr double kAlmostOne = 0.9999999999999999;  // the largest double below 1
const double kDraws[] = {0.0, 1e-9, 0.1, 0.25, 0.5, 0.75, 0.9, kAlmostOne};

TEST_SUITE("backoff") {
  TEST_CASE("the window doubles from 2 * min_s until it reaches max_s") {
    struct Case {
      int attempt;
      double cap;  // the upper end of the window for min_s = 1, max_s = 300
    };
    const Case cases[] = {
        {0, 2},      {1, 4},      {2, 8},      {3, 16},
        {4, 32},     {5, 64},     {6, 128},    {7, 256},
        {8, 300},    {9, 300},    {100, 300},  {5000, 300},
        {1023, 300}, {1024, 300}, {2100, 300}, {std::numeric_limits<int>::max(), 300}};
    for (const Case& c : cases) {
      CAPTURE(c.attempt);
      CHECK(BackoffDelay(c.attempt, 1, 300, 0.0) == 1.0);
      // The top of the window is approached as the draw approaches 1.
      const double top = BackoffDelay(c.attempt, 1, 300, kAlmostOne);
      CHECK(top <= c.cap);
      CHECK(top > c.cap * (1 - 1e-9));
      CHECK(BackoffDelay(c.attempt, 1, 300, 0.5) == doctest::Approx(1 + 0.5 * (c.cap - 1)));
    }
  }

  TEST_CASE("every delay lies in [min_s, cap] for many attempts and draws") {
    struct Limits {
      double min_s, max_s;
    };
    const Limits limits[] = {{1, 300}, {5, 5}, {0.001, 1e9}, {5e-324, 1e308}, {0.5, 0.75}};
    for (const Limits& l : limits) {
      double previous_top = 0;
      for (int attempt = 0; attempt <= 3000; ++attempt) {
        const double cap = std::min(l.max_s, l.min_s * std::pow(2.0, std::min(attempt + 1, 2100)));
        for (double u : kDraws) {
          const double d = BackoffDelay(attempt, l.min_s, l.max_s, u);
          if (!(d >= l.min_s && d <= cap && std::isfinite(d))) {
            FAIL("out of bounds: min_s=" << l.min_s << " max_s=" << l.max_s
                                         << " attempt=" << attempt << " u=" << u << " d=" << d);
          }
        }
        const double top = BackoffDelay(attempt, l.min_s, l.max_s, kAlmostOne);
        CHECK_MESSAGE(top >= previous_top, "the window never shrinks, attempt " << attempt);
        previous_top = top;
      }
      CHECK(BackoffDelay(3000, l.min_s, l.max_s, kAlmostOne) ==
            doctest::Approx(l.max_s).epsilon(1e-9));
    }
  }

  TEST_CASE("out-of-range draws and attempts are clamped") {
    CHECK(BackoffDelay(3, 1, 300, -0.5) == 1.0);
    CHECK(BackoffDelay(3, 1, 300, std::nan("")) == 1.0);
    const double at_one = BackoffDelay(3, 1, 300, 1.0);
    CHECK(at_one <= 16.0);
    CHECK(at_one > 15.99);
    CHECK(BackoffDelay(3, 1, 300, 7.0) <= 16.0);
    CHECK(BackoffDelay(3, 1, 300, std::numeric_limits<double>::infinity()) <= 16.0);
    // A negative attempt counts as the first retry.
    CHECK(BackoffDelay(-1, 1, 300, kAlmostOne) <= 2.0);
    CHECK(BackoffDelay(std::numeric_limits<int>::min(), 1, 300, kAlmostOne) <= 2.0);
    CHECK(BackoffDelay(std::numeric_limits<int>::min(), 1, 300, kAlmostOne) > 1.99);
  }

  TEST_CASE("Jitter spreads base by +-fraction") {
    struct Case {
      double base, fraction, u, want;
    };
    // Fractions above 1 are clamped (never negative), a negative fraction
    // means no jitter, and draws are clamped into [0, 1).
    const Case cases[] = {
        {100, 0.1, 0.0, 90},  {100, 0.1, 0.5, 100},  {100, 0.1, 0.75, 105},
        {100, 0.0, 0.9, 100}, {60, 0.5, 0.0, 30},    {100, 1.0, 0.0, 0},
        {100, 2.0, 0.0, 0},   {100, -0.3, 0.0, 100}, {100, 0.1, -1.0, 90},
    };
    for (const Case& c : cases) {
      CAPTURE(c.fraction);
      CAPTURE(c.u);
      CHECK(Jitter(c.base, c.fraction, c.u) == doctest::Approx(c.want));
    }
    CHECK(Jitter(100, std::nan(""), 0.0) == 100);
    // 0.1 is not exact in binary, so the bounds hold to within rounding.
    const double slack = 1e-12;
    for (double u : kDraws) {
      const double j = Jitter(3600, 0.1, u);
      CAPTURE(u);
      CHECK(j >= 3240 * (1 - slack));
      CHECK(j <= 3960 * (1 + slack));
    }
    CHECK(Jitter(3600, 0.1, 1.0) <= 3960 * (1 + slack));
    CHECK(Jitter(3600, 0.1, 1.0) > 3959.99);
  }
}

}  // namespace
}  // namespace irsa

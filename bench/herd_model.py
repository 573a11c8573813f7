#!/usr/bin/env python3
"""A model of the herd (no agents, no network): which retry schedule keeps
every second of an outage, after the first round, at most half the agents?

Each of N agents sends its first request at a time uniform in [0, spread]
(herd.py measures the spread: how long starting N processes took), then
retries after each failure with a delay drawn by a schedule. The outage lasts
`outage` seconds; a trial counts requests per second and judges the seconds
after the last first request, as herd.py does. Request time is neglected
(a 500 takes about 1 ms on loopback).

Schedules ("full jitter" variants; n = 0 for the first retry):
  agent        uniform [min, min(max, min * 2^(n+1))]  (the agent today, backoff.cc)
  later        uniform [min, min(max, min * 2^(n+2))]  (start one doubling later)
  aws          uniform [0,   min(max, min * 2^(n+1))]  (AWS's full jitter, no floor)
  decorrelated min(max, uniform [min, 3 * previous])    (AWS's decorrelated jitter)

Usage: herd_model.py [--agents 200] [--outage 20] [--spread 1.0] [--trials 200]
Prints, per schedule and setting, the mean and worst per-second maximum and the
share of trials meeting the target; the last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import math
import random
import sys

import benchlib


def delay(schedule: str, n: int, low: float, high: float, previous: float,
          rng: random.Random) -> float:
    """The wait before retry `n` under `schedule`."""
    if schedule == "agent":
        return rng.uniform(low, min(high, low * 2 ** (n + 1)))
    if schedule == "later":
        return rng.uniform(low, min(high, low * 2 ** (n + 2)))
    if schedule == "aws":
        return rng.uniform(0.0, min(high, low * 2 ** (n + 1)))
    if schedule == "decorrelated":
        return min(high, rng.uniform(low, 3 * max(previous, low)))
    raise ValueError(schedule)


def trial(schedule: str, agents: int, outage: int, spread: float, low: float, high: float,
          rng: random.Random) -> int:
    """The largest per-second request count after the first round."""
    counts = [0] * outage
    first_round_end = 0.0
    for _ in range(agents):
        t = rng.uniform(0.0, spread)
        first_round_end = max(first_round_end, t)
        n, previous = 0, low
        while t < outage:
            counts[int(t)] += 1
            previous = delay(schedule, n, low, high, previous, rng)
            t += previous
            n += 1
    judged = counts[math.ceil(first_round_end):]
    return max(judged) if judged else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--outage", type=int, default=20)
    parser.add_argument("--spread", type=float, default=1.0, help="first-round spread, s")
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    if not (1 <= args.agents <= 10000 and 1 <= args.outage <= 600 and 1 <= args.trials <= 5000):
        benchlib.fail("bounds: --agents 1..10000, --outage 1..600, --trials 1..5000")
    rng = random.Random(20261123)
    half = args.agents / 2
    cases = [("agent", 1, 10), ("agent", 1, 30), ("agent", 2, 10), ("agent", 3, 10),
             ("agent", 4, 10), ("later", 1, 10), ("later", 2, 10), ("aws", 1, 10),
             ("aws", 2, 10), ("decorrelated", 1, 10), ("decorrelated", 2, 10)]
    rows, results = [], []
    for schedule, low, high in cases:
        maxima = [trial(schedule, args.agents, args.outage, args.spread, low, high, rng)
                  for _ in range(args.trials)]
        met = sum(m <= half for m in maxima) / len(maxima)
        results.append({"schedule": schedule, "min_backoff": low, "max_backoff": high,
                        "mean_max": round(sum(maxima) / len(maxima), 1), "worst_max": max(maxima),
                        "met_share": round(met, 3)})
        rows.append([schedule, low, high, results[-1]["mean_max"], max(maxima), f"{met:.1%}"])
    print(f"model: {args.agents} agents, first round spread over {args.spread} s, "
          f"{args.outage} s outage, {args.trials} trials; target: max per second <= {half:g}")
    print(benchlib.table(["schedule", "min", "max", "mean max/s", "worst max/s", "met"], rows))
    benchlib.emit_json("herd_model", {"agents": args.agents, "outage_s": args.outage,
                                      "spread_s": args.spread, "trials": args.trials,
                                      "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())

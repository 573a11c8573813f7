#!/usr/bin/env python3
"""STS calls per role per hour with 1, 10 and 100 processes asking for
credentials through the running agent (issue 10, bench (d)).

For each N, a fresh `run --profile-style process` (cold cache) and N client
loops, each one `credentials X` process after another (a pause of
`--pause` s between two), for `--seconds` (default 60). The delaying proxy in
front of moto (tests/integration/sts_delay_proxy.py, no delay) records every
AssumeRole* call with its RoleArn: counted per role (the proxy role gets the
AssumeRoleWithWebIdentity hop, the target role the AssumeRole hop).

An hour is not run: 3600 s credentials would need one. The window's count
(the cache's first fill; any other call is a defect) is extrapolated to an
hour with the cache's rule (aws/credential_cache.h): after a fetch the next
refresh is at a jittered time in [D - L/8, D], D = expiry - max(L/4, 300 s),
L the lifetime the agent saw (read from the served Expiration), and only
while the profile is asked for. For L = 3600: refreshes 2250-2700 s apart,
so any hour holds at most 1 + floor(3600 / 2250) = 2 fetches per role
(the first hour: the fill and one refresh). Goal: at most 3 per role per hour
whatever N.

Usage: broker_sts_calls.py [BIN] [--counts 1,10,100] [--seconds 60] [--pause 0.5]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402
import brokerlib  # noqa: E402


def fetches_per_hour(lifetime: float, min_remaining: float = 300) -> int:
    """Most fetches any hour can hold under the cache's refresh rule, for a
    profile asked for all the time: the shortest spacing is D - L/8 after
    the fetch, D = L - max(L/4, min_remaining)."""
    shortest = lifetime - max(lifetime / 4, min_remaining) - lifetime / 8
    if shortest <= 0:
        return -1
    return 1 + math.floor(3600 / shortest)


def one_count(agent: str, n: int, seconds: float, pause: float) -> dict:
    lab = brokerlib.BrokerLab(agent, roles=2)
    try:
        profile = lab.names[0]
        lab.start_run("process")
        start = time.monotonic()
        asked, failed = [0] * n, [0] * n
        lifetimes = []
        stop = threading.Event()

        def loop(i: int):
            end = start + seconds
            while not stop.is_set() and time.monotonic() < end:
                try:
                    out = lab.credentials(profile)
                except subprocess.TimeoutExpired:
                    failed[i] += 1
                    continue
                asked[i] += 1
                if out.returncode != 0:
                    failed[i] += 1
                elif i == 0 and not lifetimes:
                    expiration = json.loads(out.stdout)["Expiration"]
                    at = datetime.datetime.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ")
                    lifetimes.append(at.replace(tzinfo=datetime.timezone.utc).timestamp()
                                     - time.time())
                stop.wait(pause)

        threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 60)
        stop.set()
        elapsed = time.monotonic() - start
        per_role = {}
        for _, action, role in lab.proxy.calls():
            per_role[role] = per_role.get(role, 0) + 1
        lifetime = lifetimes[0] if lifetimes else float("nan")
        return {"processes": n, "seconds": round(elapsed, 1), "asks": sum(asked),
                "failed": sum(failed), "calls_per_role": per_role,
                "max_per_role": max(per_role.values()) if per_role else 0,
                "lifetime_s": round(lifetime), "per_hour": fetches_per_hour(lifetime)
                if lifetimes else None}
    finally:
        lab.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--counts", default="1,10,100")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pause", type=float, default=0.5)
    args = parser.parse_args()
    agent = benchlib.agent_binary(args.binary)
    seconds = max(5.0, min(args.seconds, 600.0))
    results = [one_count(agent, max(1, min(int(n), 200)), seconds, args.pause)
               for n in args.counts.split(",")]
    rows = []
    for r in results:
        rows.append([r["processes"], r["seconds"], r["asks"], r["failed"],
                     ", ".join(f"{role.split('/')[-1]}@{role.split(':')[4]}: {c}"
                               for role, c in sorted(r["calls_per_role"].items())),
                     r["max_per_role"], r["lifetime_s"], r["per_hour"]])
    print(benchlib.table(["processes", "window s", "asks", "failed", "AssumeRole* calls by role",
                          "max/role", "lifetime s", "per role per hour (rule)"], rows))
    met = all(r["per_hour"] is not None and 0 < r["per_hour"] <= 3 and r["max_per_role"] <= 1
              and not r["failed"] for r in results)
    print(f"at most 3 STS calls per role per hour whatever the count: "
          f"{'met' if met else 'MISSED'}")
    benchlib.emit_json("broker_sts_calls", {"results": results, "met": met,
                                            "binary": benchlib.describe_binary(agent),
                                            "machine": benchlib.machine()})
    return 0


if __name__ == "__main__":
    sys.exit(main())

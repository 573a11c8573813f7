#!/usr/bin/env python3
"""The credentials listener (`run --credentials-listen`, `--imds true`)
answering from the agent's cache (issue 19).

`run` (the agent binary) with moto as STS behind the proxy of
tests/integration/sts_delay_proxy.py. After one request has warmed the cache
for X, each sample is one HTTP exchange on a fresh loopback connection (the
listener answers one request per connection, as SDKs use it), timed in this
process from connect to the last byte:
  container  GET /v1/credentials/X with the token in Authorization
  imds       GET /imds/X/latest/meta-data/iam/security-credentials/X with a
             session token PUT once before
`--runs` samples each (default 1000), first with STS answering, then with the
proxy holding every request (STS hangs) while a second profile, never asked
for before, is asked for over and over in the background, so the agent has
a fetch hanging on STS all along. Every sample must be a 200 with the
credentials' fields (a failed sample is counted, never timed as a success).

Usage: credentials_listener.py [BIN] [--runs 1000] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402
import brokerlib  # noqa: E402
import harness  # noqa: E402

TIME_LIMIT = 300  # seconds per phase


def exchange(port: int, method: str, path: str, headers: dict,
             timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def measure(port: int, path: str, headers: dict, key: str, runs: int) -> dict:
    times, failed = [], 0
    deadline = time.monotonic() + TIME_LIMIT
    for _ in range(runs):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        try:
            status, body = exchange(port, "GET", path, headers)
        except OSError:
            failed += 1
            continue
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200 or key not in json.loads(body):
            failed += 1
            continue
        times.append(elapsed)
    return {"samples": len(times), "failed": failed,
            "median_ms": round(benchlib.median(times), 3),
            "p99_ms": round(benchlib.percentile(times, 99), 3),
            "max_ms": round(max(times), 3) if times else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    agent = benchlib.agent_binary(args.binary)
    runs = max(10, min(args.runs, 10000))
    port = harness.free_port()
    lab = brokerlib.BrokerLab(agent, roles=2, keep=args.keep)
    try:
        warm, cold = lab.names
        lab.start_run("process", "--credentials-listen", f"127.0.0.1:{port}", "--imds", "true")
        token_file = os.path.join(os.path.dirname(lab.config_path("process")), "credentials-token")
        with open(token_file) as f:
            token = f.read().strip()
        container = (f"/v1/credentials/{warm}", {"Authorization": token}, "AccessKeyId")
        status, session = exchange(port, "PUT", f"/imds/{warm}/latest/api/token",
                                   {"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
        if status != 200:
            benchlib.fail(f"IMDS token: HTTP {status}")
        imds = (f"/imds/{warm}/latest/meta-data/iam/security-credentials/{warm}",
                {"X-aws-ec2-metadata-token": session.decode()}, "AccessKeyId")
        status, _ = exchange(port, "GET", container[0], container[1], timeout=60)
        if status != 200:
            benchlib.fail(f"warming {warm}: HTTP {status}: " + lab.agent_log()[-300:])
        calls_warm = lab.proxy.count()
        for path, headers, _ in (container, imds):  # warm-up, not counted
            for _ in range(50):
                exchange(port, "GET", path, headers)

        figures = {"answering": {}, "hanging": {}}
        for name, (path, headers, key) in (("container", container), ("imds", imds)):
            figures["answering"][name] = measure(port, path, headers, key, runs)
        calls_served = lab.proxy.count() - calls_warm

        def ask_cold():
            exchange(port, "GET", f"/v1/credentials/{cold}", {"Authorization": token}, timeout=3)

        with brokerlib.HangingSts(lab, ask_cold, TIME_LIMIT) as phase:
            for name, (path, headers, key) in (("container", container), ("imds", imds)):
                figures["hanging"][name] = measure(port, path, headers, key, runs)
        held_before, held_after = phase.held_before, phase.held_after
        background = {"started": phase.started}

        rows = []
        for phase, label in (("answering", "STS answering"), ("hanging", "STS hanging")):
            for name in ("container", "imds"):
                fig = figures[phase][name]
                rows.append([label, name, fig["samples"], fig["failed"],
                             f"{fig['median_ms']:.3f}", f"{fig['p99_ms']:.3f}",
                             f"{fig['max_ms']:.3f}"])
        print(f"{warm} from the agent's cache over loopback HTTP, one connection per request "
              f"({agent})")
        print(benchlib.table(["phase", "protocol", "runs", "failed", "p50 ms", "p99 ms",
                              "max ms"], rows))
        print(f"STS calls while answering: {calls_served}; requests held by the hanging STS: "
              f"{held_before} when it began, {held_after} at its end; background asks for "
              f"{cold}: {background['started']}")
        benchlib.emit_json("credentials_listener", {
            **figures, "sts_calls_while_answering": calls_served,
            "held_requests": [held_before, held_after],
            "background_asks": background["started"],
            "agent": benchlib.describe_binary(agent), "machine": benchlib.machine()})
        return 0
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Herd: many `irsa-agent run` started together against a failing service.

Targets (issue): after the first round, no second of the outage with more
requests than half the agents; every agent configured within max-backoff + 5 s
of the recovery.

The stand-in mapping service runs in this process (threaded) and answers the
500 page for the first `--outage` seconds (fail_for), then the reference
answer. `--agents` agents start at once, each with its own config folder
(state file beside it), labels (distinct run ids) and Domino token, all
sharing one projected token folder. Settings, as a deployment would set them:
`--max-backoff 10` (keeps the test short; run's default is 300), min-backoff
default (1 s), everything else default, `--log-level warning`. Every agent
is spawned stopped (`sh -c 'kill -STOP $$ && exec agent ...'`) and all are
released with SIGCONT at t0, when the outage starts, so they start together
as pods of a large job do (`--no-barrier` spawns them one by one instead, which
on 2 cores spreads the first round over several seconds).

Figures: requests per second of the outage (from the service's records; the
"first round" is each agent's first request, and only seconds after the last
agent's first request count for the target), the same counting retries only,
the time from the recovery until each agent's config exists (polled every
20 ms), the spawn time, TCP listen-queue overflows during the run
(/proc/net/netstat: a sign the Python server was the bottleneck) and the
service's handling times. The listen backlog of Python's server is 5 by
default; it is raised to 1024 in this process (`--stock-backlog` keeps 5).
Every agent is killed at the end, whatever happens (SIGTERM, then SIGKILL).

Usage: herd.py [BIN] [--agents 200] [--outage 20] [--max-backoff 10]
The last stdout line is JSON. See herd_model.py for what would meet the target.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import harness, median, percentile, stand_in_service

HANDLED = benchlib.time_service_handlers()


def tcp_ext(*names: str) -> dict:
    """Counters of the TcpExt lines in /proc/net/netstat."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for keys, values in zip(lines[0::2], lines[1::2]):
        if keys.startswith("TcpExt:"):
            table = dict(zip(keys.split()[1:], map(int, values.split()[1:])))
            return {n: table.get(n, 0) for n in names}
    return {n: 0 for n in names}


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def per_second(times: list, start: float, seconds: int) -> list:
    """Counts of `times` in [start + k, start + k + 1) for k < seconds."""
    counts = [0] * seconds
    for t in times:
        k = math.floor(t - start)
        if 0 <= k < seconds:
            counts[k] += 1
    return counts


def wait_stopped(procs: list, deadline: float) -> None:
    """Waits until every process is stopped (state T in /proc/PID/stat)."""
    for p in procs:
        while True:
            with open(f"/proc/{p.pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "T":
                    break
            if p.poll() is not None or time.monotonic() > deadline:
                benchlib.fail("an agent did not reach the start barrier")
            time.sleep(0.005)


def stop_all(procs: list, grace: float = 10) -> int:
    """SIGTERM to every agent, SIGKILL to those left after `grace` s; returns
    how many needed SIGKILL."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
            os.kill(p.pid, signal.SIGCONT)  # a stopped process acts on SIGTERM only when continued
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    killed = [p for p in procs if p.poll() is None]
    for p in killed:
        p.kill()
    for p in killed:
        p.wait(5)
    return len(killed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", nargs="?", help="irsa-agent binary (default $IRSA_AGENT_BIN)")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--outage", type=int, default=20, help="seconds of 500 answers")
    parser.add_argument("--max-backoff", type=float, default=10.0)
    parser.add_argument("--min-backoff", type=float, default=None, help="default: the agent's")
    parser.add_argument("--no-barrier", action="store_true",
                        help="start agents one by one instead of releasing them together")
    parser.add_argument("--stock-backlog", action="store_true", help="keep Python's backlog of 5")
    args = parser.parse_args()
    if not (1 <= args.agents <= 500 and 1 <= args.outage <= 120 and 0 < args.max_backoff <= 60):
        benchlib.fail("bounds: --agents 1..500, --outage 1..120, --max-backoff 0..60")
    binary = benchlib.agent_binary(args.binary)
    if not args.stock_backlog:
        stand_in_service._Server.request_queue_size = 1024
    work = tempfile.mkdtemp(prefix="irsa-bench-herd-")
    service = stand_in_service.StandInService(harness.REFERENCE_ANSWER).start()
    procs, pods = [], []
    try:
        token_dir = harness.AtomicDir(os.path.join(work, "serviceaccount"))
        token_dir.write({"token": harness.make_jwt()})
        for i in range(args.agents):
            pods.append(benchlib.Pod(os.path.join(work, f"pod{i:03d}"), f"{i:024x}", token_dir))
        extra = ["--max-backoff", str(args.max_backoff), "--log-level", "warning"]
        if args.min_backoff is not None:
            extra += ["--min-backoff", str(args.min_backoff)]
        env = benchlib.clean_env()
        overflows_before = tcp_ext("ListenOverflows", "ListenDrops")

        spawn_start = time.monotonic()
        for pod in pods:
            argv = [binary, "run", *pod.agent_args(service.url(), *extra)]
            if not args.no_barrier:  # stop before exec; SIGCONT releases them all at once
                argv = ["/bin/sh", "-c", 'kill -STOP $$ && exec "$0" "$@"', *argv]
            with open(os.path.join(pod.root, "agent.log"), "wb") as log:
                procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                              stdout=subprocess.DEVNULL, stderr=log, env=env))
        if not args.no_barrier:
            wait_stopped(procs, time.monotonic() + 60)
        spawn_s = time.monotonic() - spawn_start
        service.fail_for(args.outage)
        t0 = time.monotonic()
        if not args.no_barrier:
            for p in procs:
                os.kill(p.pid, signal.SIGCONT)
        recovery = t0 + args.outage
        configured = {}
        deadline = recovery + args.max_backoff + 30
        while len(configured) < len(pods) and time.monotonic() < deadline:
            now = time.monotonic()
            for i, pod in enumerate(pods):
                if i not in configured and os.path.exists(pod.config):
                    configured[i] = now
            if any(p.poll() is not None for p in procs):
                benchlib.fail("an agent exited (see the agent.log files in " + work + ")")
            time.sleep(0.02)
        overflows = {k: v - overflows_before[k]
                     for k, v in tcp_ext("ListenOverflows", "ListenDrops").items()}

        requests = service.mapping_requests()
        first, retry_times = {}, []  # run id -> time of its first request; later requests
        for r in requests:
            run_id = r.json()["run_id"]
            if run_id in first:
                retry_times.append(r.time)
            else:
                first[run_id] = r.time
        first_round_end = max(first.values()) - t0
        counts = per_second([r.time for r in requests], t0, args.outage)
        retries = per_second(retry_times, t0, args.outage)
        judged = counts[math.ceil(first_round_end):]
        after = per_second([r.time for r in requests], recovery, int(args.max_backoff) + 5)
        recovery_s = sorted(t - recovery for t in configured.values())
        inotify_fallbacks = sum(b"cannot watch" in read(os.path.join(p.root, "agent.log"))
                                for p in pods)
        handling_ms = [(e - s) * 1e3 for s, e in HANDLED]
        early = [i for i, t in configured.items() if t < recovery]
        half = args.agents / 2
        storm_met = bool(judged) and max(judged) <= half
        recovery_met = len(configured) == len(pods) and \
            recovery_s[-1] <= args.max_backoff + 5

        print(f"herd: {args.agents} agents, {args.outage} s outage (500), --max-backoff "
              f"{args.max_backoff}, min-backoff {args.min_backoff or 'default (1)'}; "
              f"{'spawned' if args.no_barrier else 'released together after spawning'} "
              f"in {spawn_s:.2f} s\n  binary: {binary}")
        print("requests per second of the outage (t0 = start of outage and of spawning):")
        print(benchlib.table(["second"] + [str(k) for k in range(args.outage)],
                             [["all"] + counts, ["retries"] + retries]))
        print(f"first round (each agent's first request) ended at {first_round_end:.2f} s; "
              f"max per second after it: {max(judged) if judged else 'n/a'} "
              f"(half the agents: {half:g}); retries only, max per second: {max(retries)}")
        print(f"after recovery, requests per second: {after}")
        print(f"configured: {len(configured)}/{len(pods)}; after recovery: median "
              f"{median(recovery_s):.2f} s, p90 {percentile(recovery_s, 90):.2f} s, last "
              f"{recovery_s[-1]:.2f} s (target <= {args.max_backoff + 5:g} s)"
              + (f"; {len(early)} configured before the recovery?!" if early else ""))
        print(f"service: {len(requests)} mapping calls, handling median "
              f"{median(handling_ms):.2f} ms, p99 {percentile(handling_ms, 99):.2f} ms; "
              f"listen overflows {overflows['ListenOverflows']}, drops {overflows['ListenDrops']}; "
              f"agents without inotify (polling instead): {inotify_fallbacks}")
        print(f"targets: storm {'met' if storm_met else 'MISSED'}; recovery "
              f"{'met' if recovery_met else 'MISSED'}")
        benchlib.emit_json("herd", {
            "agents": args.agents, "outage_s": args.outage, "max_backoff": args.max_backoff,
            "min_backoff": args.min_backoff, "machine": benchlib.machine(),
            "binary": benchlib.describe_binary(binary), "spawn_s": round(spawn_s, 3),
            "per_second": counts, "retries_per_second": retries,
            "first_round_end_s": round(first_round_end, 3),
            "max_after_first_round": max(judged) if judged else None,
            "after_recovery_per_second": after, "configured": len(configured),
            "recovery_s": {"median": round(median(recovery_s), 3),
                           "p90": round(percentile(recovery_s, 90), 3),
                           "last": round(recovery_s[-1], 3)},
            "mapping_calls": len(requests),
            "handling_ms_p99": round(percentile(handling_ms, 99), 3),
            "listen_overflows": overflows, "inotify_fallbacks": inotify_fallbacks,
            "storm_target_met": storm_met, "recovery_target_met": recovery_met})
        return 0
    finally:
        killed = stop_all(procs)
        if killed:
            print(f"bench: {killed} agents needed SIGKILL", file=sys.stderr)
        service.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

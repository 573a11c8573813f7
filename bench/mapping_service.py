#!/usr/bin/env python3
"""`irsa-agent mapping-service` under the reference's load shape: N runs (500)
whose sidecars all ask within a few seconds, on loopback.

Goal (issue 18): 500 requests from 500 runs within 5 s all answered, p99 ≤ 2 s
against stand-ins that answer at once, ≤ 2 Kubernetes calls per request on
average (Lease calls included), peak RSS ≤ 32 MB per replica. For scale, the
reference service on this kind of machine: 100 runs in about 145 s (p99 about
55 s) at 515 MiB, 4 Kubernetes and 4 IAM calls per request.

The world comes from tests/integration/mapping_stand_ins.py, run as its own
process (`serve`) so the load generator does not share a Python interpreter
with the stand-ins: the Kubernetes API (HTTPS, bearer token, pods by label
selector, ConfigMaps, Leases), the Domino API, and moto's IAM (signatures and
the service's IAM policy enforced) behind a proxy that counts the IAM calls
and refuses trust policies over the length quota. `users` users (20) own the
runs, each with its own service account (the later generation's user-based
accounts), all in the orgs of `roles` (3) proxy roles.

The service runs as `replicas` (2) processes, as the manifest ships it, with
TLS. Each run's request (`POST /map_iam_role_to_pod_sa`, Bearer credential) is
sent once, by its own thread, at a time drawn uniformly in [0, spread) s.
Figures: requests/s (answered requests over the time from the first send to
the last answer), p50/p99 latency, statuses, Kubernetes calls (by kind) and
IAM calls per request (the stand-ins' counters over the load window), IAM
trust-policy writes, peak RSS of each replica (VmHWM of /proc/<pid>/status),
and whether every user's subject is on every proxy role at the end. The last
stdout line is JSON.

Usage: mapping_service.py [BIN] [--runs 500] [--users 20] [--roles 3]
                          [--spread 3] [--replicas 2] [--max-length 2048] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import benchlib
from harness import free_port, make_pki

STAND_INS = os.path.join(benchlib.REPO_DIR, "tests", "integration", "mapping_stand_ins.py")
P99_TARGET_S, KUBE_PER_REQUEST_TARGET, RSS_TARGET_KB = 2.0, 2.0, 32 * 1000 * 1000 // 1024
START_SECONDS = 60
ROUTE = "/map_iam_role_to_pod_sa"


def require_mapping_service(binary: str) -> None:
    """Fails with one line when the binary has no `mapping-service` command."""
    done = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    if "mapping-service" not in done.stdout + done.stderr:
        benchlib.fail(f"{binary} has no mapping-service command (it comes with issue 18's "
                      "service; build a binary that has it)")


def get_json(url: str, timeout: float = 30):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def start_world(work: str, args) -> tuple:
    """The stand-ins' process and its description (mapping_stand_ins.describe)."""
    log = open(os.path.join(work, "stand-ins.log"), "w")
    proc = subprocess.Popen(
        [sys.executable, STAND_INS, "serve", "--dir", os.path.join(work, "world"),
         "--runs", str(args.runs), "--users", str(args.users), "--roles", str(args.roles),
         "--per-user-sa", "--max-length", str(args.max_length)],
        stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()   # ends when the world is up or the process died
    if not line:
        benchlib.stop(proc)
        benchlib.fail(f"the stand-ins did not start: see {log.name}")
    return proc, json.loads(line)


def start_replica(binary: str, world: dict, pki, port: int, work: str, index: int):
    args = list(world["service_args"])
    args[args.index("--listen") + 1] = f"127.0.0.1:{port}"
    args += ["--tls-cert-file", pki.server_cert, "--tls-key-file", pki.server_key]
    with open(world["service_env_file"]) as f:
        env = dict(benchlib.clean_env(), **json.load(f))   # the service's AWS keys
    log = open(os.path.join(work, f"replica-{index}.log"), "w")
    proc = subprocess.Popen([binary, "mapping-service", *args], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    return proc, log.name


def wait_healthy(proc, log: str, port: int, ctx) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(log) as f:
                first = (f.read().strip().splitlines() or ["(no output)"])[-1]
            benchlib.fail(f"mapping-service exited with {proc.returncode}: {first}")
        try:
            with urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", context=ctx,
                                        timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    benchlib.fail(f"mapping-service not healthy within {START_SECONDS} s (see {log})")


def peak_rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def send_all(runs: list, ports: list, ctx, spread: float, timeout: float) -> list:
    """One thread per run; each sends its request at its start time.
    Returns [(start, end, status)] in time.monotonic() and {status: the
    first body of each status other than 200}."""
    rng = random.Random(18)
    errors: dict = {}
    results: list = [None] * len(runs)
    base = time.monotonic() + 0.5

    def one(i: int, run_id: str, credential: str, at: float):
        port = ports[i % len(ports)]
        time.sleep(max(0.0, at - time.monotonic()))
        start = time.monotonic()
        req = urllib.request.Request(
            f"https://127.0.0.1:{port}{ROUTE}", data=json.dumps({"run_id": run_id}).encode(),
            method="POST", headers={"Content-Type": "application/json",
                                    "Authorization": f"Bearer {credential}"})
        body = b""
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()[:300]
        except (urllib.error.URLError, OSError) as e:
            status, body = 0, str(e).encode()   # no answer (refused, reset or timed out)
        results[i] = (start, time.monotonic(), status)
        if status != 200:
            errors.setdefault(status, body.decode(errors="replace").strip())

    threads = [threading.Thread(target=one, args=(i, r["run_id"], r["credential"],
                                                  base + rng.uniform(0, spread)), daemon=True)
               for i, r in enumerate(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + spread + 30)
    return [r if r else (base, base, 0) for r in results], errors


def dependency_latency(ports: list, ctx) -> dict:
    """dependency -> mean seconds of the service's calls to it, over every
    replica (irsa_mapping_dependency_call_duration_seconds _sum / _count):
    how much of a request's time the stand-ins took."""
    name = "irsa_mapping_dependency_call_duration_seconds"
    sums: dict = {}
    for port in ports:
        try:
            with urllib.request.urlopen(f"https://127.0.0.1:{port}/metrics", context=ctx,
                                        timeout=10) as r:
                text = r.read().decode()
        except (urllib.error.URLError, OSError):
            continue
        for line in text.splitlines():
            m = re.match(name + r'_(sum|count)\{dependency="([^"]+)"\} (\S+)$', line)
            if m:
                pair = sums.setdefault(m.group(2), [0.0, 0.0])
                pair[m.group(1) == "count"] += float(m.group(3))
    return {dep: (total / count if count else 0.0) for dep, (total, count) in sums.items()}


def delta(after: dict, before: dict) -> dict:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def measure(binary: str, args, work: str) -> dict:
    stand_ins, world = start_world(work, args)
    replicas = []
    try:
        pki = make_pki(os.path.join(work, "service-pki"), "service")
        ctx = ssl.create_default_context(cafile=pki.ca_cert)
        ports = [free_port() for _ in range(args.replicas)]
        for i, port in enumerate(ports):
            replicas.append(start_replica(binary, world, pki, port, work, i))
        for (proc, log), port in zip(replicas, ports):
            wait_healthy(proc, log, port, ctx)
        with open(world["credentials"]) as f:
            runs = json.load(f)
        before = get_json(world["control"] + "/stats")
        answers, errors = send_all(runs, ports, ctx, args.spread, args.timeout)
        after = get_json(world["control"] + "/stats")
        rss = [peak_rss_kb(proc.pid) for proc, _ in replicas]
        dependency_s = dependency_latency(ports, ctx)
        alive = [proc.poll() is None for proc, _ in replicas]
        roles = sorted(get_json(world["control"] + "/roles"))
        expected = {f"system:serviceaccount:domino-compute:user-{r['user_id']}" for r in runs}
        subjects = {role: get_json(world["control"] + f"/subjects/{role}") for role in roles}
    finally:
        for proc, _ in replicas:
            benchlib.stop(proc)
        benchlib.stop(stand_ins)
    n = len(answers)
    statuses: dict = {}
    for _, _, status in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    latencies = [end - start for start, end, _ in answers]
    window = max(e for _, e, _ in answers) - min(s for s, _, _ in answers)
    kube = delta(after["kube"]["counts"], before["kube"]["counts"])
    kube.pop("unauthorized", None)
    iam = delta(after["iam"]["counts"], before["iam"]["counts"])
    writes = after["iam"]["writes"] - before["iam"]["writes"]
    kube_connections = after["kube"]["connections"] - before["kube"]["connections"]
    domino = delta(after["domino"]["counts"], before["domino"]["counts"])
    sub_counts = {role: len(s) for role, s in subjects.items()}
    missing = sum(len(expected - set(s)) for s in subjects.values())
    return {"requests": n, "statuses": statuses, "first_error_bodies": errors,
            "ok": statuses.get("200", 0), "window_s": window,
            "requests_per_s": statuses.get("200", 0) / window,
            "p50_s": benchlib.percentile(latencies, 50),
            "p99_s": benchlib.percentile(latencies, 99),
            "max_s": max(latencies), "kube_calls": kube,
            "kube_per_request": sum(kube.values()) / n, "kube_connections": kube_connections,
            "iam_calls": iam,
            "iam_per_request": sum(iam.values()) / n, "trust_policy_writes": writes,
            "domino_per_request": sum(domino.values()) / n,
            "peak_rss_kb": rss, "dependency_mean_s": dependency_s, "replicas_alive_at_end": alive,
            "subjects_per_role": sub_counts, "subjects_missing": missing}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--roles", type=int, default=3)
    parser.add_argument("--spread", type=float, default=3.0,
                        help="seconds over which the runs' requests start")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=2048)
    parser.add_argument("--timeout", type=float, default=60.0, help="per request")
    parser.add_argument("--keep", metavar="DIR",
                        help="work in DIR and keep it (the replicas' and stand-ins' logs)")
    args = parser.parse_args()
    binary = benchlib.agent_binary(args.binary or os.path.join(benchlib.REPO_DIR, "build",
                                                               "irsa-agent"))
    require_mapping_service(binary)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        r = measure(binary, args, os.path.abspath(args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="mapping-bench-") as work:
            r = measure(binary, args, work)
    print(f"binary: {benchlib.describe_binary(binary)}")
    print(f"machine: {benchlib.machine()}")
    print(f"{r['requests']} runs of {args.users} users, {args.roles} proxy roles, "
          f"{args.replicas} replicas, requests started over {args.spread:.1f} s")
    print(benchlib.table(
        ["figure", "measured", "target"],
        [["answered 200", f"{r['ok']} / {r['requests']}", "all"],
         ["statuses", json.dumps(r["statuses"], sort_keys=True), ""],
         ["first send to last answer s", f"{r['window_s']:.2f}", "≤ 5"],
         ["requests/s", f"{r['requests_per_s']:.0f}", ""],
         ["p50 latency s", f"{r['p50_s']:.3f}", ""],
         ["p99 latency s", f"{r['p99_s']:.3f}", f"≤ {P99_TARGET_S:.0f}"],
         ["Kubernetes calls / request", f"{r['kube_per_request']:.2f}",
          f"≤ {KUBE_PER_REQUEST_TARGET:.0f}"],
         ["Kubernetes TLS connections", r["kube_connections"], ""],
         ["IAM calls / request", f"{r['iam_per_request']:.2f}", ""],
         ["Domino calls / request", f"{r['domino_per_request']:.2f}", ""],
         ["trust-policy writes", r["trust_policy_writes"], ""],
         ["peak RSS per replica MiB", " ".join(f"{k / 1024:.1f}" for k in r["peak_rss_kb"]),
          "≤ 30.5 (32 MB)"],
         ["subjects missing at the end", r["subjects_missing"], "0"]]))
    print(f"Kubernetes calls by kind: {json.dumps(r['kube_calls'], sort_keys=True)}")
    print(f"IAM calls by action: {json.dumps(r['iam_calls'], sort_keys=True)}")
    print("mean time of the service's calls to each dependency: " + ", ".join(
        f"{dep} {s * 1000:.1f} ms" for dep, s in sorted(r["dependency_mean_s"].items())))
    for status, body in sorted(r["first_error_bodies"].items()):
        print(f"first {status} answer: {body}")
    met = (r["ok"] == r["requests"] and r["p99_s"] <= P99_TARGET_S
           and r["kube_per_request"] <= KUBE_PER_REQUEST_TARGET
           and max(r["peak_rss_kb"]) <= RSS_TARGET_KB and r["subjects_missing"] == 0
           and all(r["replicas_alive_at_end"]))
    print(f"targets {'met' if met else 'NOT met'}")
    benchlib.emit_json("mapping_service", {**r, "targets_met": met, "runs": args.runs,
                                           "users": args.users, "roles": args.roles,
                                           "replicas": args.replicas, "spread_s": args.spread})


if __name__ == "__main__":
    main()

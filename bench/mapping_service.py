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

With --repeat K the world is built K times and each figure is the median
of the rounds, every round's value printed beside it; the service's and the
stand-ins' CPU time per request (/proc/<pid>/stat) show where the time goes
on a shared machine (the 1-minute load average at each round's start is
printed too).

Usage: mapping_service.py [BIN] [--runs 500] [--users 20] [--roles 3]
                          [--spread 3] [--replicas 2] [--max-length 2048]
                          [--repeat 1] [--keep DIR]
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        cpu_before = [cpu_seconds(proc.pid) for proc, _ in replicas]
        world_cpu_before = cpu_seconds(stand_ins.pid)
        answers, errors = send_all(runs, ports, ctx, args.spread, args.timeout)
        after = get_json(world["control"] + "/stats")
        service_cpu = sum(cpu_seconds(proc.pid) for proc, _ in replicas) - sum(cpu_before)
        world_cpu = cpu_seconds(stand_ins.pid) - world_cpu_before
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
            "peak_rss_kb": rss, "service_cpu_ms_per_request": service_cpu * 1000 / n,
            "stand_ins_cpu_ms_per_request": world_cpu * 1000 / n, "dependency_mean_s": dependency_s, "replicas_alive_at_end": alive,
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
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds, each with a fresh world; figures are their medians")
    parser.add_argument("--keep", metavar="DIR",
                        help="work in DIR and keep it (the replicas' and stand-ins' logs)")
    args = parser.parse_args()
    binary = benchlib.agent_binary(args.binary or os.path.join(benchlib.REPO_DIR, "build",
                                                               "irsa-agent"))
    require_mapping_service(binary)
    rounds, loads = [], []
    for i in range(max(1, args.repeat)):
        loads.append(round(os.getloadavg()[0], 2))
        if args.keep:
            work = os.path.join(os.path.abspath(args.keep), f"round-{i}")
            os.makedirs(work, exist_ok=True)
            rounds.append(measure(binary, args, work))
        else:
            with tempfile.TemporaryDirectory(prefix="mapping-bench-") as work:
                rounds.append(measure(binary, args, work))
    report(binary, args, rounds, loads)


def report(binary: str, args, rounds: list, loads: list) -> None:
    """Medians over the rounds, each round's figure beside them."""
    def med(key, of=lambda v: v):
        return benchlib.median([of(r[key]) for r in rounds])

    def each(key, fmt, of=lambda v: v):
        return " ".join(fmt.format(of(r[key])) for r in rounds)

    rss_mib = lambda kb: max(kb) / 1024  # the larger replica of a round
    r = {"requests": rounds[0]["requests"], "ok_min": min(x["ok"] for x in rounds),
         "subjects_missing_max": max(x["subjects_missing"] for x in rounds),
         "all_alive": all(all(x["replicas_alive_at_end"]) for x in rounds)}
    for key in ("window_s", "requests_per_s", "p50_s", "p99_s", "kube_per_request",
                "iam_per_request", "domino_per_request", "trust_policy_writes",
                "kube_connections", "service_cpu_ms_per_request",
                "stand_ins_cpu_ms_per_request"):
        r[key] = med(key)
    r["peak_rss_mib"] = med("peak_rss_kb", rss_mib)
    print(f"binary: {benchlib.describe_binary(binary)}")
    print(f"machine: {benchlib.machine()}")
    print(f"{r['requests']} runs of {args.users} users, {args.roles} proxy roles, "
          f"{args.replicas} replicas, requests started over {args.spread:.1f} s; "
          f"{len(rounds)} round(s), 1-min loadavg at each start: {loads}")
    print(benchlib.table(
        ["figure", "median", "each round", "target"],
        [["answered 200 (fewest)", f"{r['ok_min']} / {r['requests']}", each("ok", "{}"), "all"],
         ["first send to last answer s", f"{r['window_s']:.2f}", each("window_s", "{:.2f}"),
          "≤ 5"],
         ["requests/s", f"{r['requests_per_s']:.0f}", each("requests_per_s", "{:.0f}"), ""],
         ["p50 latency s", f"{r['p50_s']:.3f}", each("p50_s", "{:.3f}"), ""],
         ["p99 latency s", f"{r['p99_s']:.3f}", each("p99_s", "{:.3f}"),
          f"≤ {P99_TARGET_S:.0f}"],
         ["Kubernetes calls / request", f"{r['kube_per_request']:.2f}",
          each("kube_per_request", "{:.2f}"), f"≤ {KUBE_PER_REQUEST_TARGET:.0f}"],
         ["Kubernetes TLS connections", f"{r['kube_connections']:.0f}",
          each("kube_connections", "{}"), ""],
         ["IAM calls / request", f"{r['iam_per_request']:.2f}", each("iam_per_request", "{:.2f}"),
          ""],
         ["Domino calls / request", f"{r['domino_per_request']:.2f}",
          each("domino_per_request", "{:.2f}"), ""],
         ["trust-policy writes", f"{r['trust_policy_writes']:.0f}",
          each("trust_policy_writes", "{}"), ""],
         ["peak RSS of a replica MiB", f"{r['peak_rss_mib']:.1f}",
          each("peak_rss_kb", "{:.1f}", rss_mib), "≤ 30.5 (32 MB)"],
         ["service CPU ms / request", f"{r['service_cpu_ms_per_request']:.1f}",
          each("service_cpu_ms_per_request", "{:.1f}"), ""],
         ["stand-ins CPU ms / request", f"{r['stand_ins_cpu_ms_per_request']:.1f}",
          each("stand_ins_cpu_ms_per_request", "{:.1f}"), ""],
         ["subjects missing at the end (most)", r["subjects_missing_max"],
          each("subjects_missing", "{}"), "0"]]))
    last = rounds[-1]
    print(f"last round, Kubernetes calls by kind: {json.dumps(last['kube_calls'], sort_keys=True)}")
    print(f"last round, IAM calls by action: {json.dumps(last['iam_calls'], sort_keys=True)}")
    print("last round, mean time of the service's calls to each dependency: " + ", ".join(
        f"{dep} {s * 1000:.1f} ms" for dep, s in sorted(last["dependency_mean_s"].items())))
    for x in rounds:
        for status, body in sorted(x["first_error_bodies"].items()):
            print(f"first {status} answer: {body}")
    met = (r["ok_min"] == r["requests"] and r["p99_s"] <= P99_TARGET_S
           and r["kube_per_request"] <= KUBE_PER_REQUEST_TARGET
           and r["peak_rss_mib"] * 1024 <= RSS_TARGET_KB and r["subjects_missing_max"] == 0
           and r["all_alive"])
    print(f"targets {'met' if met else 'NOT met'} (on the medians)")
    benchlib.emit_json("mapping_service", {**r, "rounds": rounds, "loadavg_at_start": loads,
                                           "targets_met": met, "runs": args.runs,
                                           "users": args.users, "roles": args.roles,
                                           "replicas": args.replicas, "spread_s": args.spread})


if __name__ == "__main__":
    main()

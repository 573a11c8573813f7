#!/usr/bin/env python3
"""One `irsa-agent reap --once` round over 10,000 pods and 2,000 Pod
Identity associations, on loopback.

Goal (issue 12): under 10 s and 32 MB peak RSS per round.

The stand-in Kubernetes API (HTTPS, test CA, bearer token; pages of at most
500 pods, each pod about 3 KB of JSON as real pods are) and the stand-in EKS
API (every request's SigV4 signature verified with botocore; pages of 100)
come from tests/integration/reap_stand_ins.py. Every pod uses Pod Identity,
spread over 2,000 service accounts, so every association is described (the
worst case: DescribePodIdentityAssociation is one request each); 50
associations changed after their pods started, so 250 pods are stale and
`max-evictions` (10) are evicted.

Figures: wall time of the round (the agent's process, start-up included),
its peak RSS (ru_maxrss, through bench/spawn_measure.c), and the requests it
made to each API (counted by the stand-ins). The last stdout line is JSON.

With --fat, every pod also carries managed fields (about 23 KB of JSON a
pod, as in a busy cluster; issue 17): the reaper's memory must follow what
it judges, not the page's size (reaper.yaml limits it to 64 MiB).

Usage: reap_round.py [BIN] [--rounds 3] [--fat]   (BIN defaults to $IRSA_AGENT_BIN)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time

import benchlib
from harness import make_pki
from reap_stand_ins import StandInEks, StandInKube, association, pod

PODS, ACCOUNTS, CHANGED = 10_000, 2_000, 50
TIME_TARGET_S, RSS_TARGET_KB = 10.0, 32 * 1024
NS = "domino-compute"


def one_round(binary: str, launcher: str, work: str, fat: bool = False) -> dict:
    now = time.time()
    pki = make_pki(os.path.join(work, "pki"), "kube")
    token = "bench-" + os.urandom(16).hex()
    akid, secret, session = "AKIABENCH0000001", os.urandom(20).hex(), os.urandom(60).hex()
    kube = StandInKube(pki, token, page_size=500).start()
    eks = StandInEks({akid: (secret, session)}, page_size=100).start()
    try:
        started = now - 3600
        kube.pods[NS] = [pod(NS, f"run-{i:05d}", f"sa-{i % ACCOUNTS:04d}", started,
                             "volume" if i % 2 else "env", padding=1500, fat=fat)
                         for i in range(PODS)]
        eks.associations = [
            association(NS, f"sa-{a:04d}", f"a-{a:08d}", now - 86400,
                        now - 60 if a < CHANGED else None)
            for a in range(ACCOUNTS)]
        token_file = os.path.join(work, "token")
        with open(token_file, "w") as f:
            f.write(token)
        env = benchlib.clean_env()
        env.update({"AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret,
                    "AWS_SESSION_TOKEN": session})
        argv = [binary, "reap", "--once", "--cluster", "test-cluster", "--region", "us-east-1",
                "--eks-endpoint", eks.url, "--kube-api", kube.url, "--kube-token-file",
                token_file, "--kube-ca-file", pki.ca_cert, "--timeout", "120"]
        # Through spawn_measure (C): a child forked from Python would report
        # Python's RSS as its own (see spawn_measure.c). Its stderr is dropped,
        # so the stand-ins count the requests and the evictions.
        out = subprocess.run([launcher, *argv], env=env, capture_output=True, text=True,
                             timeout=300).stdout.split()
        wall_ns, rss_kb, _, _, _, code = (int(x) for x in out)
        if code != 0:
            benchlib.fail(f"reap --once exited {code}")
        kube_requests = len(kube.requests)
        eks_requests = len(eks.requests)
        evicted = len(kube.evictions)
        if eks.refused:
            benchlib.fail(f"EKS stand-in refused signatures: {eks.refused[:3]}")
        if evicted != 10 or eks.describes != ACCOUNTS:
            benchlib.fail(f"expected 10 evictions and {ACCOUNTS} describes, got {evicted} "
                          f"and {eks.describes}")
        return {"seconds": wall_ns / 1e9, "peak_rss_kb": rss_kb, "kube_requests": kube_requests,
                "eks_requests": eks_requests, "pods": PODS, "associations": ACCOUNTS,
                "stale": CHANGED * PODS // ACCOUNTS, "evicted": evicted}
    finally:
        kube.stop()
        eks.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fat", action="store_true", help="pods with managed fields")
    args = parser.parse_args()
    binary = benchlib.agent_binary(args.binary)
    rows, results = [], []
    launcher_dir = tempfile.mkdtemp(prefix="reap-bench-launcher-")
    launcher = benchlib.spawn_measure(launcher_dir)
    for i in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="reap-bench-") as work:
            r = one_round(binary, launcher, work, args.fat)
        results.append(r)
        rows.append([i + 1, f"{r['seconds']:.2f}", f"{r['peak_rss_kb'] / 1024:.1f}",
                     r["kube_requests"], r["eks_requests"], r["pods"], r["associations"],
                     r["stale"], r["evicted"]])
    print(f"binary: {benchlib.describe_binary(binary)}" + (", pods with managed fields"
                                                           if args.fat else ""))
    print(benchlib.table(["round", "seconds", "peak RSS MiB", "kube requests", "eks requests",
                          "pods", "associations", "stale", "evicted"], rows))
    seconds = benchlib.median([r["seconds"] for r in results])
    rss = max(r["peak_rss_kb"] for r in results)
    print(f"median round {seconds:.2f} s (goal < {TIME_TARGET_S:.0f} s), peak RSS "
          f"{rss / 1024:.1f} MiB (goal < 32 MB = {RSS_TARGET_KB / 1024:.1f} MiB), "
          f"{results[0]['kube_requests'] + results[0]['eks_requests']} requests per round")
    benchlib.emit_json("reap_round_fat" if args.fat else "reap_round", {"median_seconds": seconds, "peak_rss_kb": rss,
                                      "rounds": results})


if __name__ == "__main__":
    main()

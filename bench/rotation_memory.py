#!/usr/bin/env python3
"""Memory under token rotation: `run`'s RSS before and after 1,000 rotations.

Target (issue 9, defect 2): growth at most 2 MiB. Before the fix every token
ever read stayed in the log redaction list: 250 rewrites of a large token took
RSS from 12 to 139 MiB, past the sidecar's 64 MiB limit.

`irsa-agent run` (on a mapping file, so a sync costs no HTTP) watches a
projected token folder laid out as the kubelet lays it out. The script waits
for the first config, reads VmRSS from /proc, then rotates the web identity
token `--rotations` times by the kubelet's `..data` swap, each time a new large
token (a JWT padded with a random claim to `--token-kib` KiB), and waits after
each swap until the agent logged that it read it ("web identity token
changed", or "... is malformed" for a token over the JWT limit of 64 KiB),
so that no rotation is skipped by the debounce. Then it reads VmRSS again.

Usage: rotation_memory.py [BIN] [--rotations 1000] [--token-kib 512]
                          [--max-growth-mib 2]
Exits 1 when the growth is above --max-growth-mib. The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import subprocess
import tempfile
import time

import benchlib
from benchlib import harness

# One of these per token read: a JWT over 64 KiB is reported malformed, a
# smaller one changed.
READ_MARKS = (b"web identity token changed", b"web identity token is malformed")
WAIT_SECONDS = 10  # for one rotation to be read; loops are bounded by it


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    benchlib.fail(f"no VmRSS for pid {pid}")
    return 0


def large_token(kib: int) -> str:
    """A JWT whose payload carries `kib` KiB of random padding."""
    pad = base64.urlsafe_b64encode(os.urandom(kib * 768)).decode("ascii")[:kib * 1024]
    return harness.make_jwt(extra={"pad": pad})


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        if time.monotonic() > deadline:
            benchlib.fail(f"timed out waiting for {what}")
        time.sleep(0.002)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", nargs="?", help="irsa-agent binary (default $IRSA_AGENT_BIN)")
    parser.add_argument("--rotations", type=int, default=1000)
    parser.add_argument("--token-kib", type=int, default=512)
    parser.add_argument("--max-growth-mib", type=float, default=2.0)
    args = parser.parse_args()
    if not 1 <= args.rotations <= 5000 or not 1 <= args.token_kib <= 1000:
        benchlib.fail("--rotations must be 1..5000 and --token-kib 1..1000")
    binary = benchlib.agent_binary(args.binary)
    work = tempfile.mkdtemp(prefix="irsa-bench-memory-")
    proc = None
    try:
        pod = benchlib.Pod(os.path.join(work, "pod"), os.urandom(12).hex())
        pod.token_dir.rotate({"token": large_token(args.token_kib)})
        mapping = os.path.join(work, "mapping.conf")
        with open(mapping, "w") as f:
            f.write(harness.REFERENCE_ANSWER)
        log_path = os.path.join(work, "agent.log")
        args_run = [binary, "run", "--mapping-file", mapping, "--aws-config-file", pod.config,
                    "--web-identity-token-file", pod.token_dir.file("token"),
                    "--domino-token-file", pod.domino_token, "--pod-info-path", pod.labels]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(args_run, env=benchlib.clean_env(), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT)

        def seen() -> int:
            with open(log_path, "rb") as f:
                text = f.read()
            return sum(text.count(mark) for mark in READ_MARKS)

        wait_for(lambda: os.path.exists(pod.config) and seen() >= 1, "the first config")
        time.sleep(0.2)
        before = rss_kib(proc.pid)
        started = time.monotonic()
        for i in range(args.rotations):
            pod.token_dir.rotate({"token": large_token(args.token_kib)})
            wait_for(lambda: seen() >= i + 2, f"rotation {i + 1} to be read")
            if proc.poll() is not None:
                benchlib.fail(f"the agent exited ({proc.returncode}) at rotation {i + 1}")
        seconds = time.monotonic() - started
        time.sleep(0.2)
        after = rss_kib(proc.pid)
    finally:
        if proc is not None:
            benchlib.stop(proc)
        shutil.rmtree(work, ignore_errors=True)

    growth_mib = (after - before) / 1024
    print(benchlib.table(["rotations", "token", "RSS before", "RSS after", "growth", "limit"],
                         [[args.rotations, f"{args.token_kib} KiB", f"{before / 1024:.1f} MiB",
                           f"{after / 1024:.1f} MiB", f"{growth_mib:+.2f} MiB",
                           f"{args.max_growth_mib} MiB"]]))
    print(f"{args.rotations} rotations in {seconds:.1f} s")
    benchlib.emit_json("rotation_memory", {
        "rotations": args.rotations, "token_kib": args.token_kib, "rss_before_kib": before,
        "rss_after_kib": after, "growth_mib": round(growth_mib, 3),
        "max_growth_mib": args.max_growth_mib, "binary": benchlib.describe_binary(binary),
        "machine": benchlib.machine()})
    return 0 if growth_mib <= args.max_growth_mib else 1


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Time to judge a mapping answer as large as the service cap allows (1 MiB).

Target (this project): the largest answer the agent reads (1 MiB) is judged
and rendered within 100 ms of wall time, start-up included, so a hostile or
bloated answer costs a sync nothing noticeable. Answers run through
`irsa-agent once --mapping-file FILE --print` (no network, no publish):

  empty        a comment only: the cost of starting the binary
  pairs-1m     target/source pairs, 1 MiB (about 4,900 pairs)
  orphans-1m   1 MiB of targets without a source (about 9,800): every pair
               is judged and left out, and the answer is refused (exit 5;
               builds before that rule published an empty config, exit 0)

Runs are interleaved (one of each, repeated); figures are medians, and "net"
is a median minus the empty answer's (the cost of the answer itself).
Several binaries are measured side by side.

Usage: answer_worst_case.py [BIN ...] [--runs 15]   (BIN defaults to $IRSA_AGENT_BIN)
The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time

import benchlib

CAP = 1024 * 1024
TARGET_MS = 100.0


def target(name: str) -> str:
    return (f"[profile {name}]\nsource_profile = src_{name}\n"
            f"role_arn = arn:aws:iam::524112250363:role/{name}\n")


def source(name: str) -> str:
    return (f"[profile src_{name}]\nweb_identity_token_file = /t\n"
            f"role_arn = arn:aws:iam::946429944765:role/{name}\n")


def fill(size: int, unit) -> str:
    """As many `unit(name)` sections as fit in `size` bytes."""
    count = size // len(unit("r000000"))
    return "".join(unit(f"r{i:06d}") for i in range(count))


def answers() -> dict:
    pair = lambda name: target(name) + source(name)  # noqa: E731
    return {
        "empty": "# nothing mapped\n",
        "pairs-1m": fill(CAP, pair),
        "orphans-1m": fill(CAP, target),
    }


EXPECTED_EXIT = {"empty": 0, "pairs-1m": 0}


def run_once(binary: str, path: str) -> tuple[float, int]:
    env = benchlib.clean_env()
    env["IRSA_AGENT_MAPPING_FILE"] = path
    env["IRSA_AGENT_TIMEOUT"] = "1"  # one attempt: the first retry would wait past it
    env["IRSA_AGENT_LOG_LEVEL"] = "error"
    start = time.perf_counter()
    done = subprocess.run([binary, "once", "--print"], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=120, check=False)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="*")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if not 1 <= args.runs <= 200:
        benchlib.fail("--runs must be between 1 and 200")
    binaries = [benchlib.agent_binary(b) for b in (args.binaries or [None])]

    with tempfile.TemporaryDirectory(prefix="irsa-bench-answer-") as work:
        files = {}
        for shape, text in answers().items():
            files[shape] = os.path.join(work, shape + ".conf")
            with open(files[shape], "w") as f:
                f.write(text)
        sizes = {shape: os.path.getsize(path) for shape, path in files.items()}
        times = {(b, s): [] for b in binaries for s in files}
        codes = {}
        for _ in range(args.runs):
            for b in binaries:
                for shape, path in files.items():
                    seconds, code = run_once(b, path)
                    times[(b, shape)].append(seconds)
                    codes[(b, shape)] = code
                    if code != EXPECTED_EXIT.get(shape, code):
                        benchlib.fail(f"{b} exited {code} on the {shape} answer")

    rows, figures = [], {"runs": args.runs, "bytes": sizes, "binaries": []}
    for b in binaries:
        medians = {s: benchlib.median(times[(b, s)]) for s in files}
        for shape in files:
            net = medians[shape] - medians["empty"]
            rows.append([f"{os.path.basename(os.path.dirname(b))}/{os.path.basename(b)} {shape}",
                         f"{medians[shape] * 1000:.1f}", f"{net * 1000:.1f}", codes[(b, shape)]])
        figures["binaries"].append({
            "binary": b, "exit": {s: codes[(b, s)] for s in files},
            "median_ms": {s: round(m * 1000, 2) for s, m in medians.items()}})
    print(f"answer sizes (bytes): {sizes}; {args.runs} interleaved runs, medians")
    print(benchlib.table(["binary / answer", "median ms", "net ms", "exit"], rows))
    for entry in figures["binaries"]:
        worst = max(entry["median_ms"]["pairs-1m"], entry["median_ms"]["orphans-1m"])
        verdict = "met" if worst <= TARGET_MS else "MISSED"
        print(f"{entry['binary']}: slowest 1 MiB answer {worst:.1f} ms (target <= {TARGET_MS:.0f}):"
              f" {verdict}; orphans-1m exit {entry['exit']['orphans-1m']}")
    benchlib.emit_json("answer_worst_case", figures)


if __name__ == "__main__":
    main()

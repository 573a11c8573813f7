#!/usr/bin/env python3
"""A fresh Python process's time to its first credentials: chain style
against process style, side by side in one run (issue 10, bench (a)).

moto plays STS behind a delaying proxy (tests/integration/sts_delay_proxy.py)
that adds `--delays` ms (default 0 and 50) to every STS exchange. Variants:

* chain: `once` wrote X -> src_X (web identity, then AssumeRole); botocore
  does both STS calls itself, through AWS_ENDPOINT_URL_STS = the proxy;
* process: `run --profile-style process` serves the socket; botocore runs the
  credential_process, which the agent answers from its cache (warm after the
  first call, made before the rounds and reported as `process, cold`);
* standalone: the same process-style profiles with nobody on the socket:
  the command runs the chain itself (the fallback when the agent is down).

Each round runs every (delay, variant) once, in an order rotated every round.
Measured per fresh process: `creds` = ms from after `import boto3` until
`Session(profile_name=X).get_credentials().get_frozen_credentials()` returns
(the figure judged), and the whole process's wall time (the import of boto3,
about the same for every variant, included). Goal: process style at least
5x faster than chain style at 50 ms.

Usage: broker_first_credentials.py [BIN] [--rounds 15] [--delays 0,50]
                                   [--without-agent] [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402
import brokerlib  # noqa: E402

TIME_LIMIT = 900  # seconds for all the rounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--delays", default="0,50", help="ms added to each STS exchange")
    parser.add_argument("--without-agent", action="store_true",
                        help="skip the served variant (an agent without the broker)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()
    agent = benchlib.agent_binary(args.binary)
    delays = [float(d) / 1000 for d in args.delays.split(",")]
    rounds = max(1, min(args.rounds, 200))

    lab = brokerlib.BrokerLab(agent, roles=2, keep=args.keep)
    try:
        profile = lab.names[0]
        lab.write_once("chain", "chain")
        lab.write_once("standalone", "process")  # nobody serves its socket
        variants = ["chain", "standalone"]
        cold = {}
        if not args.without_agent:
            lab.start_run("process")
            variants.insert(1, "process")
            # The cache's first fill, at the longest delay, not in the rounds.
            lab.proxy.delay = max(delays)
            before = lab.proxy.count()
            wall, creds = lab.fresh_process("process", profile)
            cold[max(delays)] = (creds, lab.proxy.count() - before)
        for variant in variants:  # warm the page cache and Python's bytecode
            lab.fresh_process(variant, profile)

        samples = {(d, v): [] for d in delays for v in variants}
        sts_calls = {(d, v): 0 for d in delays for v in variants}
        order = [(d, v) for d in delays for v in variants]
        deadline = time.monotonic() + TIME_LIMIT
        done = 0
        for r in range(rounds):
            if time.monotonic() > deadline:
                break
            shift = r % len(order)
            for delay, variant in order[shift:] + order[:shift]:
                lab.proxy.delay = delay
                before = lab.proxy.count()
                samples[(delay, variant)].append(lab.fresh_process(variant, profile))
                sts_calls[(delay, variant)] += lab.proxy.count() - before
            done += 1

        rows, figures = [], {"rounds": done, "variants": {}}
        for delay in delays:
            chain_creds = benchlib.median([c for _, c in samples[(delay, "chain")]])
            for variant in variants:
                s = samples[(delay, variant)]
                creds = [c for _, c in s]
                walls = [w for w, _ in s]
                med = benchlib.median(creds)
                key = f"{variant}@{int(delay * 1000)}ms"
                figures["variants"][key] = {
                    "creds_median_ms": round(med, 2),
                    "creds_p90_ms": round(benchlib.percentile(creds, 90), 2),
                    "wall_median_ms": round(benchlib.median(walls), 1),
                    "sts_calls_per_process": round(sts_calls[(delay, variant)] / len(s), 2),
                    "chain_over_this": round(chain_creds / med, 2)}
                rows.append([f"{int(delay * 1000)} ms, {variant}", f"{med:.1f}",
                             f"{benchlib.percentile(creds, 90):.1f}",
                             f"{benchlib.median(walls):.0f}",
                             f"{sts_calls[(delay, variant)] / len(s):.2f}",
                             f"{chain_creds / med:.1f}x"])
            if delay in cold:
                creds, calls = cold[delay]
                rows.append([f"{int(delay * 1000)} ms, process, first call", f"{creds:.1f}",
                             "", "", f"{calls}", ""])
                figures["variants"][f"process-first@{int(delay * 1000)}ms"] = {
                    "creds_ms": round(creds, 2), "sts_calls": calls}

        print(f"fresh process to first credentials, {done} interleaved rounds, profile {profile}")
        print(benchlib.table(["STS delay, variant", "creds median ms", "p90 ms",
                              "process wall ms", "STS calls/process", "chain / this"], rows))
        verdict = {}
        for delay in delays:
            if (delay, "process") in samples and delay >= 0.05:
                ratio = figures["variants"][f"process@{int(delay * 1000)}ms"]["chain_over_this"]
                verdict[f"{int(delay * 1000)}ms"] = ratio
                print(f"at {int(delay * 1000)} ms: process style {ratio}x faster than chain "
                      f"style (goal >= 5x): {'met' if ratio >= 5 else 'MISSED'}")
        figures.update({"binary": benchlib.describe_binary(agent), "machine": benchlib.machine(),
                        "process_speedup": verdict})
        benchlib.emit_json("broker_first_credentials", figures)
        return 0
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())

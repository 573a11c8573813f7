#!/usr/bin/env python3
"""Memory of `run --profile-style process` holding 50 cached profiles
(issue 10, bench (e)).

A mapping of 25 pairs (50 profiles: every X and src_X) from a file; moto is
STS (through the proxy of tests/integration/sts_delay_proxy.py). After the
first config, /proc/PID/status is read (VmRSS, VmHWM, RssAnon, RssFile);
then each of the 50 profiles is asked for once (`credentials P`, which the
agent fetches and caches), the cache is checked warm by asking all 50 again
with no STS call, and /proc is read again. Goal: VmHWM <= 8 MB (8,192 KiB:
the README's MB figures are KiB/1024 elsewhere too; both are printed).

Usage: broker_rss.py [BIN] [--pairs 25] [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402
import brokerlib  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--pairs", type=int, default=25)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    agent = benchlib.agent_binary(args.binary)
    pairs = max(1, min(args.pairs, 500))
    lab = brokerlib.BrokerLab(agent, roles=pairs, keep=args.keep)
    try:
        proc = lab.start_run("process")
        time.sleep(0.5)
        before = brokerlib.rss_kib(proc.pid)
        profiles = [p for n in lab.names for p in (n, "src_" + n)]
        failed = 0
        for p in profiles:
            if lab.credentials(p).returncode != 0:
                failed += 1
        calls_fill = lab.proxy.count()
        for p in profiles:
            if lab.credentials(p).returncode != 0:
                failed += 1
        calls_again = lab.proxy.count() - calls_fill
        time.sleep(0.5)
        after = brokerlib.rss_kib(proc.pid)
        rows = [["after the first config", *(before.get(k) for k in
                                              ("VmRSS", "VmHWM", "RssAnon", "RssFile"))],
                [f"{len(profiles)} profiles cached", *(after.get(k) for k in
                                                       ("VmRSS", "VmHWM", "RssAnon", "RssFile"))]]
        describe = benchlib.describe_binary(agent)
        print(f"run --profile-style process, {describe['linking']} binary {agent}")
        print(benchlib.table(["moment", "VmRSS KiB", "VmHWM KiB", "RssAnon KiB", "RssFile KiB"],
                             rows))
        print(f"STS calls: {calls_fill} to fill {len(profiles)} profiles, {calls_again} when "
              f"all were asked again; failed asks: {failed}")
        met = after["VmHWM"] <= 8192 and failed == 0 and calls_again == 0
        print(f"peak RSS {after['VmHWM'] / 1024:.2f} MiB with {len(profiles)} cached profiles "
              f"(goal <= 8 MB): {'met' if met else 'MISSED'}")
        benchlib.emit_json("broker_rss", {"profiles": len(profiles), "before": before,
                                          "after": after, "sts_calls_fill": calls_fill,
                                          "sts_calls_again": calls_again, "failed": failed,
                                          "met": met, "binary": describe,
                                          "machine": benchlib.machine()})
        return 0
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""STS calls when N processes ask the running agent for one uncached profile
at once while STS is slow (issue 17, item 2).

A fresh `run --profile-style process` (cold cache) behind the delaying proxy
of tests/integration/sts_delay_proxy.py (`--delay` s per exchange, so the
two-hop chain takes twice that, more than `credentials`' 2 s wait); N
threads each start the profile's `credential_process` command, copied from
the config the agent wrote (so a process that gives up on the agent runs the
chain itself, as an SDK's would). Counted: the AssumeRole* calls the proxy
saw, the processes that failed, and each process's wall time.

Usage: broker_slow_sts.py [BIN] [--processes 20] [--delay 1.5]
"""

from __future__ import annotations

import argparse
import configparser
import concurrent.futures
import os
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402
import brokerlib  # noqa: E402


def measure(agent: str, processes: int, delay: float) -> dict:
    lab = brokerlib.BrokerLab(agent, roles=2, delay=delay)
    try:
        profile = lab.names[0]
        lab.start_run("process")
        config = configparser.ConfigParser()
        config.read(lab.config_path("process"))
        argv = shlex.split(config[f"profile {profile}"]["credential_process"])

        def one(_):
            start = time.monotonic()
            proc = subprocess.run(argv, env=benchlib.clean_env(), capture_output=True,
                                  timeout=120, stdin=subprocess.DEVNULL)
            return proc.returncode, time.monotonic() - start

        with concurrent.futures.ThreadPoolExecutor(processes) as pool:
            results = list(pool.map(one, range(processes)))
        walls = sorted(w for _, w in results)
        return {"processes": processes, "delay_s": delay, "sts_calls": len(lab.proxy.calls()),
                "failed": sum(1 for code, _ in results if code != 0),
                "median_wall_s": round(benchlib.median(walls), 2),
                "max_wall_s": round(walls[-1], 2)}
    finally:
        lab.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--processes", type=int, default=20)
    parser.add_argument("--delay", type=float, default=1.5)
    args = parser.parse_args()
    agent = benchlib.agent_binary(args.binary)
    r = measure(agent, max(1, min(args.processes, 200)), max(0.0, min(args.delay, 20.0)))
    print(f"binary: {benchlib.describe_binary(agent)}")
    print(benchlib.table(["processes", "STS delay s", "AssumeRole* calls", "failed",
                          "median wall s", "max wall s"],
                         [[r["processes"], r["delay_s"], r["sts_calls"], r["failed"],
                           r["median_wall_s"], r["max_wall_s"]]]))
    benchlib.emit_json("broker_slow_sts", r)
    return 0 if r["failed"] == 0 and r["sts_calls"] <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())

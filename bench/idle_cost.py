#!/usr/bin/env python3
"""Idle cost of `irsa-agent run`: CPU time over 60 s of idle running, and peak RSS.

Target (issue): idle CPU at most 5 ms per minute, RSS at most 8 MB.

Starts `irsa-agent run` (default settings: refresh-interval 900 s, so no sync
happens in the window; poll-interval 60 s, so about one re-read of the inputs)
against the stand-in mapping service on 127.0.0.1, waits for its first config
and a settle of 0.5 s, then reads /proc/PID at the start and end of the window:

  CPU     utime+stime from /proc/PID/stat (clock ticks: 10 ms resolution, the
          kernel's tick sampling) and the exact on-CPU time from
          /proc/PID/task/*/schedstat (ns), both normalised to ms per minute;
  wake-ups  voluntary + involuntary context switches in the window;
  memory  VmHWM (peak RSS, the target), VmRSS, RssAnon and RssFile from
          /proc/PID/status, Pss from smaps_rollup (shared pages divided among
          the processes sharing them), and the largest mappings by RSS.

Several binaries are measured side by side in the same window (one agent
each, own pod layout). `--seconds` shortens the window for a quick check.

Usage: idle_cost.py [BIN ...] [--seconds 60]   (BIN defaults to $IRSA_AGENT_BIN)
The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import stand_in_service

CPU_TARGET_MS_PER_MIN, RSS_TARGET_KB = 5.0, 8 * 1024
TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


def sample(pid: int) -> dict:
    """CPU, context switches and memory of `pid` from /proc, right now."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    run_ns = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat") as f:
            run_ns += int(f.read().split()[0])
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.split()[0] if value.split() else ""
    pss = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    return {"ticks": ticks, "run_ns": run_ns, "threads": int(status["Threads"]),
            "switches": int(status["voluntary_ctxt_switches"]) +
            int(status["nonvoluntary_ctxt_switches"]),
            "hwm_kb": int(status["VmHWM"]), "rss_kb": int(status["VmRSS"]),
            "anon_kb": int(status["RssAnon"]), "file_kb": int(status["RssFile"]), "pss_kb": pss}


def top_mappings(pid: int, count: int = 6) -> list:
    """[(name, Rss KiB)] of the largest mappings, grouped by path."""
    totals, name = {}, "[anon]"
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
                name = os.path.basename(parts[5]) if len(parts) > 5 else "[anon]"
            elif parts[0] == "Rss:":
                totals[name] = totals.get(name, 0) + int(parts[1])
    return sorted(totals.items(), key=lambda kv: -kv[1])[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binaries", nargs="*", help="irsa-agent binaries (default $IRSA_AGENT_BIN)")
    parser.add_argument("--seconds", type=float, default=60.0, help="idle window (default 60)")
    args = parser.parse_args()
    if not 1 <= args.seconds <= 3600:
        benchlib.fail("--seconds must be 1..3600")
    binaries = [benchlib.agent_binary(b) for b in args.binaries] or [benchlib.agent_binary(None)]
    work = tempfile.mkdtemp(prefix="irsa-bench-idle-")
    service = stand_in_service.StandInService(benchlib.harness.REFERENCE_ANSWER).start()
    agents = []
    try:
        for index, binary in enumerate(binaries):
            pod = benchlib.Pod(os.path.join(work, f"pod{index}"), os.urandom(12).hex())
            log = open(os.path.join(work, f"agent{index}.log"), "wb")
            proc = subprocess.Popen([binary, "run", *pod.agent_args(service.url())],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=log, env=benchlib.clean_env())
            log.close()
            agents.append((binary, pod, proc))
        deadline = time.monotonic() + 15
        while not all(os.path.exists(pod.config) for _, pod, _ in agents):
            if time.monotonic() > deadline or any(p.poll() is not None for _, _, p in agents):
                benchlib.fail("an agent wrote no config within 15 s (see its log in " + work + ")")
            time.sleep(0.01)
        time.sleep(0.5)  # let the post-sync state write and token log finish
        calls_before = len(service.mapping_requests())
        start = [sample(proc.pid) for _, _, proc in agents]
        started = time.monotonic()
        time.sleep(args.seconds)
        window = time.monotonic() - started
        end = [sample(proc.pid) for _, _, proc in agents]
        calls = len(service.mapping_requests()) - calls_before
        mappings = [top_mappings(proc.pid) for _, _, proc in agents]
        if any(p.poll() is not None for _, _, p in agents):
            benchlib.fail("an agent exited during the idle window")

        per_min = 60.0 / window
        rows, results = [], []
        for (binary, _, _), a, b, top in zip(agents, start, end, mappings):
            r = {"binary": benchlib.describe_binary(binary),
                 "stat_cpu_ms_per_min": round((b["ticks"] - a["ticks"]) * TICK_MS * per_min, 2),
                 "sched_cpu_ms_per_min": round((b["run_ns"] - a["run_ns"]) / 1e6 * per_min, 3),
                 "wakeups": b["switches"] - a["switches"], "threads": b["threads"],
                 "vmhwm_kb": b["hwm_kb"], "vmrss_kb": b["rss_kb"], "rss_anon_kb": b["anon_kb"],
                 "rss_file_kb": b["file_kb"], "pss_kb": b["pss_kb"], "top_mappings_kb": top}
            results.append(r)
            rows.append([f"{r['binary']['linking']} {os.path.basename(binary)}",
                         r["stat_cpu_ms_per_min"], r["sched_cpu_ms_per_min"], r["wakeups"],
                         r["threads"], r["vmhwm_kb"], r["vmrss_kb"], r["rss_anon_kb"],
                         r["rss_file_kb"], r["pss_kb"]])
        print(f"irsa-agent run, idle for {window:.1f} s after the first config "
              f"({calls} mapping calls in the window)")
        for i, (binary, _, _) in enumerate(agents):
            print(f"  binary[{i}]: {binary}")
        print(benchlib.table(["binary", "stat ms/min", "sched ms/min", "wakeups", "threads",
                              "VmHWM KiB", "VmRSS", "RssAnon", "RssFile", "Pss"], rows))
        for (binary, _, _), r in zip(agents, results):
            print(f"largest mappings ({r['binary']['linking']}): " +
                  ", ".join(f"{name} {kb}" for name, kb in r["top_mappings_kb"]))
        for i, r in enumerate(results):
            r["cpu_target_met"] = r["sched_cpu_ms_per_min"] <= CPU_TARGET_MS_PER_MIN
            r["rss_target_met"] = r["vmhwm_kb"] <= RSS_TARGET_KB
            print(f"binary[{i}] targets: CPU {r['sched_cpu_ms_per_min']} ms/min <= "
                  f"{CPU_TARGET_MS_PER_MIN} {'met' if r['cpu_target_met'] else 'MISSED'}; "
                  f"VmHWM {r['vmhwm_kb']} KiB <= {RSS_TARGET_KB} "
                  f"{'met' if r['rss_target_met'] else 'MISSED'}")
        benchlib.emit_json("idle_cost", {
            "seconds": round(window, 2), "mapping_calls_in_window": calls,
            "machine": benchlib.machine(), "results": results})
        return 0
    finally:
        for _, _, proc in agents:
            benchlib.stop(proc)
        service.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

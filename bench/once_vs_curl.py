#!/usr/bin/env python3
"""`irsa-agent once` against `curl` doing the same POST, side by side.

Target (issue): median wall-time ratio agent/curl at most 1.3, agent peak RSS
at most 8 MB.

One stand-in mapping service (tests/integration/stand_in_service.py, its own
process on 127.0.0.1) answers the reference answer. Each round runs, in a
rotating order so no variant always goes first:

  curl              curl -sS -X POST -H 'Content-Type: application/json'
                    -H 'Authorization: Bearer …' --data '{"run_id":"…"}' -o FILE URL
  agent publish     irsa-agent once, config file absent: validate, render, then
                    publish atomically (temp file, write, fsync, rename, folder fsync)
  agent unchanged   irsa-agent once, config already holds the same bytes: the
                    agent compares and writes nothing (no fsync). The difference
                    to "publish" is the price of durability, which curl does not pay.

Each child is started by spawn_measure (C, compiled at start) which reports
its wall time (fork to wait4), CPU time, minor page faults and its own
ru_maxrss. Figures: median, p90 and min wall time, the ratio of medians to
curl and the median of paired ratios (agent_i / curl_i of the same round),
the CPU-time ratio (less sensitive to other load on a shared machine), page
faults and peak RSS. `--investigate` (automatic when a target is missed) adds
the start-up cost alone (`BIN version` vs `curl --version`, 20 runs each), an
strace phase breakdown (start-up until connect(), request, after the answer)
with fsync durations, and `perf` shares per shared object when perf works.

Usage: once_vs_curl.py [BIN ...] [--runs 50] [--dir D] [--investigate]
       (BIN defaults to $IRSA_AGENT_BIN; several binaries are interleaved)
The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import benchlib
from benchlib import median, percentile

RATIO_TARGET, RSS_TARGET_KB = 1.3, 8 * 1024


def start_service(work: str) -> tuple[subprocess.Popen, str]:
    """The stand-in service process answering the reference answer; its URL."""
    answer = os.path.join(work, "answer.txt")
    with open(answer, "w") as f:
        f.write(benchlib.harness.REFERENCE_ANSWER)
    script = os.path.join(benchlib.REPO_DIR, "tests", "integration", "stand_in_service.py")
    proc = subprocess.Popen([sys.executable, script, "--port", "0", "--answer-file", answer],
                            stdout=subprocess.PIPE, text=True)
    port = proc.stdout.readline().strip()
    if not port.isdigit():
        proc.kill()
        benchlib.fail("the stand-in service did not print its port")
    return proc, f"http://127.0.0.1:{port}/map_iam_roles_to_pod_sa"


def variants(binaries: list, pod: benchlib.Pod, url: str, work: str) -> list:
    """(name, argv, file to remove before each run or None)."""
    curl_out = os.path.join(work, "curl-out", "config")
    os.makedirs(os.path.dirname(curl_out))
    body = json.dumps({"run_id": pod.run_id}, separators=(",", ":"))
    result = [("curl", ["curl", "-sS", "-X", "POST", "-H", "Content-Type: application/json",
                        "-H", f"Authorization: Bearer {pod.bearer}", "--data", body,
                        "-o", curl_out, url], None)]
    for index, binary in enumerate(binaries):
        tag = "" if len(binaries) == 1 else f"[{index}]"
        for mode in ("publish", "unchanged"):
            config = os.path.join(work, f"aws-{index}-{mode}", "config")
            os.makedirs(os.path.dirname(config))
            argv = [binary, "once", *pod.agent_args(url, config=config)]
            result.append((f"agent{tag} {mode}", argv, config if mode == "publish" else None))
    return result


def measure(launcher: str, argv: list, remove: str | None) -> dict:
    """One run through spawn_measure: wall ms, peak RSS KiB, CPU ms, minor
    page faults, exit status."""
    if remove and os.path.exists(remove):
        os.unlink(remove)
    out = subprocess.run([launcher, *argv], capture_output=True, text=True, timeout=60,
                         env=benchlib.clean_env()).stdout.split()
    wall_ns, rss_kb, user_us, sys_us, faults, code = (int(x) for x in out)
    return {"ms": wall_ns / 1e6, "rss_kb": rss_kb, "cpu_ms": (user_us + sys_us) / 1e3,
            "faults": faults, "code": code}


def strace_phases(argv: list, work: str) -> dict:
    """One traced run: ms from execve to connect(), connect() to the first
    'HTTP/1.' read, that read to exit; syscalls, shared objects opened,
    mmaps and fsync durations."""
    log = os.path.join(work, "strace.log")
    subprocess.run(["strace", "-f", "-ttt", "-T", "-o", log, *argv], capture_output=True,
                   timeout=60, env=benchlib.clean_env())
    marks, fsync_ms, syscalls, libs, mmaps = {}, [], 0, 0, 0
    with open(log) as f:
        for line in f:
            m = re.match(r"\d+\s+(\d+\.\d+) (\w+)\(", line)
            if not m:
                continue
            stamp, name = float(m.group(1)), m.group(2)
            syscalls += 1
            marks.setdefault("start", stamp)
            libs += name == "openat" and bool(re.search(r'\.so[.0-9]*"', line)) and \
                "= -1" not in line
            mmaps += name == "mmap"
            if name == "connect":
                marks.setdefault("connect", stamp)
            if '"HTTP/1.' in line and name in ("read", "recvfrom", "recvmsg"):
                marks.setdefault("answer", stamp)
            if name in ("fsync", "fdatasync"):
                fsync_ms.append(float(re.search(r"<(\d+\.\d+)>", line).group(1)) * 1e3)
            if name == "exit_group":
                marks["exit"] = stamp
    ms = lambda a, b: round((marks[b] - marks[a]) * 1e3, 2) if a in marks and b in marks else None
    return {"startup_ms": ms("start", "connect"), "request_ms": ms("connect", "answer"),
            "after_answer_ms": ms("answer", "exit"), "syscalls": syscalls, "libs": libs,
            "mmaps": mmaps, "fsync_ms": [round(x, 2) for x in fsync_ms]}


def perf_dsos(launcher: str, argv: list, remove: str | None, work: str) -> list:
    """The top shared objects by CPU samples over 30 runs, or [] without perf."""
    if not shutil.which("perf"):
        return []
    script = os.path.join(work, "loop.sh")
    with open(script, "w") as f:
        f.write("for i in $(seq 30); do rm -f %s; \"$@\" >/dev/null 2>&1; done\n"
                % (remove or "/nonexistent"))
    data = os.path.join(work, "perf.data")
    rec = subprocess.run(["perf", "record", "-q", "-F", "20000", "-e", "cpu-clock", "-o", data,
                          "--", "sh", script, *argv], capture_output=True, timeout=120)
    if rec.returncode != 0:
        return []
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--sort", "comm,dso",
                          "--percent-limit", "3"], capture_output=True, text=True, timeout=120)
    comm = os.path.basename(argv[0])[:15]
    return [" ".join(line.split()) for line in rep.stdout.splitlines()
            if line.strip() and not line.startswith("#") and comm in line][:8]


def run_rounds(plan: list, launcher: str, runs: int) -> dict:
    """{variant: [measure() result per round]}, variants interleaved with a
    rotating start so none always runs first; three warm-up runs each."""
    for name, argv, remove in plan:  # warm-up; also proves every variant works
        for _ in range(3):
            if measure(launcher, argv, remove)["code"] != 0:
                benchlib.fail(f"{name} failed in the warm-up")
    results = {name: [] for name, _, _ in plan}
    for round_index in range(runs):
        shift = round_index % len(plan)
        for name, argv, remove in plan[shift:] + plan[:shift]:
            run = measure(launcher, argv, remove)
            if run["code"] != 0:
                benchlib.fail(f"{name} exited {run['code']} in round {round_index}")
            results[name].append(run)
    return results


def summarize(results: dict) -> dict:
    """Per variant: median/p90/min wall ms, ratios to curl, CPU, peak RSS."""
    curl_ms = [r["ms"] for r in results["curl"]]
    summary = {}
    for name, runs in results.items():
        ms = [r["ms"] for r in runs]
        summary[name] = {
            "median_ms": round(median(ms), 3), "p90_ms": round(percentile(ms, 90), 3),
            "min_ms": round(min(ms), 3),
            "ratio_of_medians": round(median(ms) / median(curl_ms), 3),
            "paired_ratio_median": round(median([a / c for a, c in zip(ms, curl_ms)]), 3),
            "cpu_ms_median": round(median([r["cpu_ms"] for r in runs]), 3),
            "cpu_ratio": round(median([r["cpu_ms"] for r in runs]) /
                               median([r["cpu_ms"] for r in results["curl"]]), 3),
            "faults_median": median([r["faults"] for r in runs]),
            "rss_kb_max": max(r["rss_kb"] for r in runs),
            "rss_kb_median": median([r["rss_kb"] for r in runs])}
    return summary


def verdict(results: dict, summary: dict, tag: str) -> dict:
    """The targets for one binary, and what publishing costs it (median of
    the paired differences publish - unchanged)."""
    publish, same = f"agent{tag} publish", f"agent{tag} unchanged"
    ratio = summary[publish]["ratio_of_medians"]
    rss = max(summary[publish]["rss_kb_max"], summary[same]["rss_kb_max"])
    cost = median([a["ms"] - b["ms"] for a, b in zip(results[publish], results[same])])
    return {"ratio": ratio, "rss_kb": rss, "publish_cost_ms": round(cost, 3),
            "ratio_target_met": ratio <= RATIO_TARGET, "rss_target_met": rss <= RSS_TARGET_KB}


def investigate(plan: list, launcher: str, work: str) -> dict:
    """strace phases and perf shares of every variant; prints them."""
    benchlib.require_tool("strace", "strace")
    startup = {}
    for argv in [["curl", "--version"]] + [[a[0], "version"] for n, a, r in plan if r]:
        runs = [measure(launcher, argv, None) for _ in range(20)]
        startup[" ".join(argv)] = {k: round(median([r[k] for r in runs]), 3)
                                   for k in ("ms", "cpu_ms", "faults", "rss_kb")}
    print("start-up alone (median of 20):")
    print(benchlib.table(["command", "wall ms", "cpu ms", "faults", "RSS KiB"],
                         [[c, v["ms"], v["cpu_ms"], v["faults"], v["rss_kb"]]
                          for c, v in startup.items()]))
    found = {"startup_only": startup}
    for name, argv, remove in plan:
        if remove and os.path.exists(remove):
            os.unlink(remove)
        found[name] = strace_phases(argv, work)
        found[name]["perf_top"] = perf_dsos(launcher, argv, remove, work)
    print("strace (inflates syscall-heavy phases; compare the columns, not the totals):")
    print(benchlib.table(
        ["variant", "startup ms", "request ms", "after answer ms", "syscalls", "libs", "mmaps",
         "fsync ms"],
        [[n, v["startup_ms"], v["request_ms"], v["after_answer_ms"], v["syscalls"], v["libs"],
          v["mmaps"], v["fsync_ms"]] for n, v in found.items() if n != "startup_only"]))
    for n, v in found.items():
        if v.get("perf_top"):
            print(f"perf, {n} (comm dso share):\n    " + "\n    ".join(v["perf_top"]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binaries", nargs="*", help="irsa-agent binaries (default $IRSA_AGENT_BIN)")
    parser.add_argument("--runs", type=int, default=50, help="rounds (each variant once per round)")
    parser.add_argument("--dir", help="parent of the work folder (its file system pays the fsyncs)")
    parser.add_argument("--investigate", action="store_true", help="strace/perf breakdown")
    args = parser.parse_args()
    if not 1 <= args.runs <= 1000:
        benchlib.fail("--runs must be 1..1000")
    binaries = [benchlib.agent_binary(b) for b in args.binaries] or [benchlib.agent_binary(None)]
    benchlib.require_tool("curl", "curl")
    work = tempfile.mkdtemp(prefix="irsa-bench-once-", dir=args.dir)
    service = None
    try:
        launcher = benchlib.spawn_measure(work)
        pod = benchlib.Pod(os.path.join(work, "pod"), os.urandom(12).hex())
        service, url = start_service(work)
        plan = variants(binaries, pod, url, work)
        results = run_rounds(plan, launcher, args.runs)
        with open(os.path.join(work, "aws-0-unchanged", "config")) as f:
            if "[profile acme-list-bucket-role]" not in f.read():
                benchlib.fail("the agent's config lacks the reference profiles")
        summary = summarize(results)
        described = [benchlib.describe_binary(b) for b in binaries]
        print(f"irsa-agent once vs curl, {args.runs} interleaved rounds, loopback, "
              f"work folder on {benchlib.fs_type(work)}, load {os.getloadavg()[0]:.1f}")
        for i, d in enumerate(described):
            print(f"  binary[{i}]: {d['path']} ({d['linking']}, {d['bytes']} bytes)")
        print(benchlib.table(
            ["variant", "median ms", "p90 ms", "min ms", "ratio", "paired", "cpu ms",
             "cpu ratio", "faults", "peak RSS KiB"],
            [[n, s["median_ms"], s["p90_ms"], s["min_ms"], s["ratio_of_medians"],
              s["paired_ratio_median"], s["cpu_ms_median"], s["cpu_ratio"], s["faults_median"],
              s["rss_kb_max"]]
             for n, s in summary.items()]))
        verdicts = []
        for i in range(len(binaries)):
            v = verdict(results, summary, "" if len(binaries) == 1 else f"[{i}]")
            verdicts.append(v)
            print(f"binary[{i}]: publishing (temp file, fsync, rename, folder fsync) costs "
                  f"{v['publish_cost_ms']} ms (median of paired publish - unchanged); targets: "
                  f"ratio {v['ratio']} <= {RATIO_TARGET} "
                  f"{'met' if v['ratio_target_met'] else 'MISSED'}, peak RSS {v['rss_kb']} KiB "
                  f"<= {RSS_TARGET_KB} {'met' if v['rss_target_met'] else 'MISSED'}")
        missed = not all(v["ratio_target_met"] and v["rss_target_met"] for v in verdicts)
        found = investigate(plan, launcher, work) if args.investigate or missed else {}
        benchlib.emit_json("once_vs_curl", {
            "runs": args.runs, "machine": benchlib.machine(), "fs": benchlib.fs_type(work),
            "binaries": described, "results": summary, "verdicts": verdicts,
            "investigation": found})
        return 0
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(5)
            except subprocess.TimeoutExpired:
                service.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

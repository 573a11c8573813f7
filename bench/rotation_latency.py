#!/usr/bin/env python3
"""Rotation latency: the kubelet's rename of `..data` to the new config on disk.

Target (issue): median over at least 20 rotations, minus the stand-in
service's answer time, at most 20 ms.

`irsa-agent run` (default settings unless --fast) watches a projected token
folder laid out as the kubelet lays it out. For each rotation the script:

 1. sets the stand-in service's answer to a mapping with a new role name
    (`rotation-NNN`), so the config bytes change;
 2. does the kubelet's AtomicWriter steps itself: new timestamped folder with
    a new token, `..data_tmp` symlink, then timestamps and performs
    rename(`..data_tmp`, `..data`), then removes the old folder;
 3. blocks in poll() on an inotify watch of the config folder (ctypes) until
    IN_MOVED_TO `config` (the agent publishes by rename) holding the new role.

The service runs in this process; its request handler is wrapped to record
when handling started (headers parsed) and ended (answer written). Figures per
rotation: `to request` (rename until the request is read: inotify wake-up,
the agent's 10 ms debounce, input reads, connect), `service` (handling time,
subtracted), `after answer` (reading the answer, validation, rendering,
publish with fsyncs), `total` and `net` = total - service.

The agent spaces requested syncs min(1 s, min-backoff) apart, so rotations
are 1.2 s apart; `--fast` passes `--min-backoff 0.1` (its floor) and spaces them 0.3 s.

`--dir /dev/shm` puts the folders on tmpfs, where fsync costs nothing: the
difference in `after answer` is the price of durability on the default disk.

Usage: rotation_latency.py [BIN] [--rotations 30] [--fast] [--dir D]
The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import harness, median, percentile, stand_in_service

TARGET_MS = 20.0
IN_MOVED_TO = 0x80

# (start, end) of every request the stand-in service handled, time.monotonic().
HANDLED = benchlib.time_service_handlers()


class ConfigWatch:
    """An inotify watch (IN_MOVED_TO) on the config's folder."""

    def __init__(self, config: str):
        self.name = os.path.basename(config).encode()
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(
                self.fd, os.path.dirname(config).encode(), IN_MOVED_TO) < 0:
            benchlib.fail(f"inotify: {os.strerror(ctypes.get_errno())}")
        self.poller = select.poll()
        self.poller.register(self.fd, select.POLLIN)

    def wait_renamed(self, deadline: float) -> float | None:
        """time.monotonic() when a rename onto the config was seen, or None
        at `deadline`."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.poller.poll(left * 1000):
                return None
            seen = time.monotonic()
            data, offset = os.read(self.fd, 65536), 0
            found = False
            while offset < len(data):
                _, mask, _, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16:offset + 16 + length].rstrip(b"\0")
                found |= bool(mask & IN_MOVED_TO) and name == self.name
                offset += 16 + length
            if found:
                return seen


def rotate_token(folder: harness.AtomicDir) -> float:
    """The kubelet's AtomicWriter update of `token`; returns time.monotonic()
    just before rename(..data_tmp, ..data)."""
    old = folder.current_dir()
    new = folder._new_timestamp_dir()
    target = os.path.join(new, "token")
    with open(target, "w") as f:
        f.write(harness.make_jwt())
    os.chmod(target, folder.mode)
    tmp_link = os.path.join(folder.path, "..data_tmp")
    os.symlink(os.path.basename(new), tmp_link)
    renamed_at = time.monotonic()
    os.rename(tmp_link, os.path.join(folder.path, "..data"))
    if old:
        shutil.rmtree(old)
    return renamed_at


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def answer(name: str) -> str:
    return harness.answer_for([(name, f"arn:aws:iam::524112250363:role/{name}",
                                f"arn:aws:iam::946429944765:role/{name}")])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", nargs="?", help="irsa-agent binary (default $IRSA_AGENT_BIN)")
    parser.add_argument("--rotations", type=int, default=30, help="at least 20 for the target")
    parser.add_argument("--fast", action="store_true", help="--min-backoff 0.1 (the floor), 0.3 s apart")
    parser.add_argument("--dir", help="parent of the work folder (its file system pays the fsyncs)")
    args = parser.parse_args()
    if not 1 <= args.rotations <= 500:
        benchlib.fail("--rotations must be 1..500")
    binary = benchlib.agent_binary(args.binary)
    spacing, extra = (0.3, ["--min-backoff", "0.1"]) if args.fast else (1.2, [])
    work = tempfile.mkdtemp(prefix="irsa-bench-rotation-", dir=args.dir)
    service = stand_in_service.StandInService(answer("rotation-start")).start()
    proc = None
    try:
        pod = benchlib.Pod(os.path.join(work, "pod"), os.urandom(12).hex())
        state_dir = os.path.join(work, "state")
        os.mkdir(state_dir)
        watch = ConfigWatch(pod.config)
        with open(os.path.join(work, "agent.log"), "wb") as log:
            proc = subprocess.Popen(
                [binary, "run", *pod.agent_args(service.url(), "--state-dir", state_dir, *extra)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                env=benchlib.clean_env())
        if watch.wait_renamed(time.monotonic() + 15) is None:
            benchlib.fail("no first config within 15 s")
        rows = []
        for i in range(args.rotations):
            time.sleep(spacing)
            role = f"rotation-{i:03d}"
            service.set_answer(answer(role))
            handled_before, calls_before = len(HANDLED), len(service.mapping_requests())
            renamed_at = rotate_token(pod.token_dir)
            seen_at = None
            deadline = time.monotonic() + 5
            while seen_at is None or role.encode() not in read(pod.config):
                seen_at = watch.wait_renamed(deadline)
                if seen_at is None:
                    benchlib.fail(f"rotation {i}: no new config within 5 s")
            request = service.mapping_requests()[calls_before]
            # The handler thread records its end after the last send; the
            # agent can publish before that thread runs again.
            while len(HANDLED) <= handled_before and time.monotonic() < deadline:
                time.sleep(0.001)
            start, end = HANDLED[handled_before]
            rows.append({"total": seen_at - renamed_at, "to_request": request.time - renamed_at,
                         "service": end - start, "after_answer": seen_at - end})
        time.sleep(spacing)
        extra_calls = len(service.mapping_requests()) - 1 - args.rotations

        series = {key: [r[key] * 1e3 for r in rows]
                  for key in ("to_request", "service", "after_answer", "total")}
        series["net"] = [(r["total"] - r["service"]) * 1e3 for r in rows]
        figures = {key: {"median": round(median(v), 2), "p90": round(percentile(v, 90), 2),
                         "min": round(min(v), 2), "max": round(max(v), 2)}
                   for key, v in series.items()}
        described = benchlib.describe_binary(binary)
        print(f"rotation to config on disk, {args.rotations} rotations {spacing} s apart"
              f"{' (--min-backoff 0.01)' if args.fast else ''}, config folder on "
              f"{benchlib.fs_type(work)}\n  binary: {binary} ({described['linking']})")
        print(benchlib.table(["phase (ms)", "median", "p90", "min", "max"],
                             [[k, v["median"], v["p90"], v["min"], v["max"]]
                              for k, v in figures.items()]))
        print(f"mapping calls beyond one per rotation: {extra_calls}")
        met = figures["net"]["median"] <= TARGET_MS and args.rotations >= 20
        verdict = ("met" if met else "MISSED") if args.rotations >= 20 else \
            "not judged (fewer than 20 rotations)"
        print(f"target: net median {figures['net']['median']} ms <= {TARGET_MS} over >= 20 "
              f"rotations: {verdict}")
        benchlib.emit_json("rotation_latency", {
            "rotations": args.rotations, "spacing_s": spacing, "fast": args.fast,
            "machine": benchlib.machine(), "binary": described, "fs": benchlib.fs_type(work),
            "ms": figures, "extra_calls": extra_calls, "target_met": met})
        return 0
    finally:
        if proc is not None:
            benchlib.stop(proc)
        service.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Shared helpers of the irsa-agent benchmarks (bench/*.py).

* `agent_binary()`: the binary from the command line or $IRSA_AGENT_BIN (fails loudly).
* `describe_binary()`, `machine()`: what was measured, where and when.
* `Pod`: a pod-like layout on disk (projected token folder, labels, Domino
  token, config folder), written exactly as the kubelet writes it.
* `median()`, `percentile()`, `table()`, `emit_json()`: the figures.
* `require_tool()`: finds a Debian tool, installing its package when missing.
* `spawn_measure()`: the tiny C launcher that measures a child's wall time and
  its own peak RSS (see spawn_measure.c for why Python cannot do that).

The stand-in mapping service and the kubelet folder writer are imported from
tests/integration (harness.py, stand_in_service.py), never copied.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import time
from typing import Optional, Sequence

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(REPO_DIR, "tests", "integration"))

import harness  # noqa: E402  (tests/integration)
import stand_in_service  # noqa: E402,F401  (re-exported for the scripts)


def fail(message: str) -> None:
    """Ends the benchmark with one line on stderr and exit status 2."""
    print(f"bench: error: {message}", file=sys.stderr)
    sys.exit(2)


def agent_binary(path: Optional[str]) -> str:
    """`path`, else $IRSA_AGENT_BIN, as an absolute path to an executable."""
    path = path or os.environ.get("IRSA_AGENT_BIN", "")
    if not path:
        fail("give the irsa-agent binary as an argument or in IRSA_AGENT_BIN")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        fail(f"{path} is not an executable file")
    return os.path.abspath(path)


def _is_static(path: str) -> bool:
    """True when the ELF file has no PT_INTERP program header (no dynamic loader)."""
    with open(path, "rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:  # 64-bit ELF only
            return False
        phoff, = struct.unpack_from("<Q", header, 32)
        phentsize, phnum = struct.unpack_from("<HH", header, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            if struct.unpack("<I", f.read(4))[0] == 3:  # PT_INTERP
                return False
    return True


def describe_binary(path: str) -> dict:
    """Path, size, linking and a short content hash of the binary measured."""
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    version = subprocess.run([path, "version"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
    return {"path": path, "bytes": os.path.getsize(path), "sha256_12": digest,
            "linking": "static" if _is_static(path) else "dynamic", "version": version}


def machine() -> dict:
    """Date, kernel, CPU model and count, Python, and the load average (the
    machine is shared: a high load explains wide spreads)."""
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "kernel": platform.release(), "cpu": model, "cores": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()]}


def fs_type(path: str) -> str:
    """The file system type of the mount holding `path` (from /proc/mounts)."""
    path = os.path.realpath(path)
    best, kind = "", "?"
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            mount = fields[1]
            if (path == mount or path.startswith(mount.rstrip("/") + "/")) and \
                    len(mount) >= len(best):
                best, kind = mount, fields[2]
    return kind


# --- the pod layout -------------------------------------------------------------

class Pod:
    """The files one agent reads and writes, under `root`:

        root/podinfo/labels          downward-API labels (run id `run_id`)
        root/domino-token            the user's Domino JWT, trailing newline
        <token_dir>/token            projected web identity token (kubelet layout)
        root/aws/config              the config the agent writes

    `token_dir` (an AtomicDir) may be shared between pods, as the herd does.
    """

    def __init__(self, root: str, run_id: str, token_dir: Optional[harness.AtomicDir] = None):
        self.root = root
        self.run_id = run_id
        os.makedirs(root, exist_ok=True)
        self.labels_dir = harness.AtomicDir(os.path.join(root, "podinfo"))
        self.labels = harness.write_labels(self.labels_dir, harness.domino_labels(run_id))
        self.domino_token = os.path.join(root, "domino-token")
        self.bearer = harness.make_jwt(sub="domino-bench-user")  # never printed
        with open(self.domino_token, "w") as f:
            f.write(self.bearer + "\n")
        if token_dir is None:
            token_dir = harness.AtomicDir(os.path.join(root, "serviceaccount"))
            token_dir.write({"token": harness.make_jwt()})
        self.token_dir = token_dir
        self.config_dir = os.path.join(root, "aws")
        os.makedirs(self.config_dir, exist_ok=True)
        self.config = os.path.join(self.config_dir, "config")

    def agent_args(self, endpoint: str, *extra: str, config: Optional[str] = None) -> list:
        """Flags of an agent for this pod (every path explicit, nothing from
        env); `config` replaces the pod's config path."""
        return ["--endpoint", endpoint, "--aws-config-file", config or self.config,
                "--web-identity-token-file", self.token_dir.file("token"),
                "--domino-token-file", self.domino_token,
                "--pod-info-path", self.labels, *extra]


def time_service_handlers() -> list:
    """Wraps the stand-in service's request handler (in this process only) so
    each handled request appends (start, end) in time.monotonic() to the
    returned list: from the parsed headers to the answer written."""
    handled: list = []
    original = stand_in_service._Handler._dispatch

    def dispatch(self):
        start = time.monotonic()
        original(self)
        handled.append((start, time.monotonic()))

    stand_in_service._Handler._dispatch = dispatch
    return handled


def clean_env() -> dict:
    """The environment without anything the agent or libcurl would read."""
    return harness.clean_environment()


def stop(proc: subprocess.Popen) -> None:
    """Ends `proc` if it still runs: SIGTERM, then SIGKILL after 5 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# --- statistics and output ------------------------------------------------------

def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return float("nan")
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def percentile(values: Sequence[float], p: float) -> float:
    """The `p`-th percentile (0-100), linear between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A plain-text table, columns right-aligned except the first."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def emit_json(name: str, figures: dict) -> None:
    """The final machine-readable line: {"bench": name, ...figures}."""
    print(json.dumps({"bench": name, **figures}, sort_keys=True))


# --- tools ----------------------------------------------------------------------

def require_tool(name: str, package: str) -> str:
    """The path of `name`; installs Debian `package` with apt-get when it is
    missing (as root), else fails loudly."""
    found = shutil.which(name)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"bench: installing {package} for {name}", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", package],
                       stdout=subprocess.DEVNULL, check=False, timeout=600)
        found = shutil.which(name)
    if not found:
        fail(f"{name} is missing: apt-get install {package}")
    return found


def spawn_measure(work_dir: str) -> str:
    """Compiles spawn_measure.c into `work_dir`; returns the launcher's path."""
    compiler = shutil.which("cc") or shutil.which("gcc") or require_tool("gcc", "gcc")
    out = os.path.join(work_dir, "spawn_measure")
    result = subprocess.run([compiler, "-O2", "-o", out,
                             os.path.join(BENCH_DIR, "spawn_measure.c")],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        fail(f"cannot compile spawn_measure.c: {result.stderr.strip()}")
    return out

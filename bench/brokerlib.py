"""Shared set-up of the credential broker's benchmarks (bench/broker_*.py).

`BrokerLab` holds, under one temp folder: moto as STS (with the roles of
tests/integration/test_e2e_sdk.py), the delaying proxy in front of it
(tests/integration/sts_delay_proxy.py: every AssumeRole* call counted there),
a pod (benchlib.Pod: labels, Domino token, projected token), a saved mapping
answer of N role pairs, and the config files: chain style (`once`) and
process style (`run`, serving the socket, or `once` with no agent: the
standalone fallback).

Everything listens on 127.0.0.1; every wait is bounded; `close()` stops
every process it started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Optional

import benchlib
import harness  # noqa: F401  (tests/integration, on sys.path through benchlib)
from sts_delay_proxy import StsDelayProxy
from test_e2e_sdk import (ASSET_ACCOUNT, EKS_ACCOUNT, OIDC_ISSUER, REGION, ROLES,  # noqa: F401
                          SERVICE_ACCOUNT, MotoServer, create_aws_resources, proxy_arn,
                          target_arn)

AGENT_START_SECONDS = 15

# A fresh Python process: the time from after `import boto3` until botocore
# holds credentials (Session, credential resolution, the provider's work),
# printed in ms on stdout. The import itself is the same for both styles.
FRESH_PROCESS = r"""
import sys, time
import boto3
t0 = time.perf_counter()
creds = boto3.Session(profile_name=sys.argv[1]).get_credentials().get_frozen_credentials()
t1 = time.perf_counter()
assert creds.access_key and creds.secret_key and creds.token
print(f"{(t1 - t0) * 1000:.3f}")
"""


def pairs(count: int) -> list:
    """`count` role names; the first ones are the roles moto was given."""
    names = list(ROLES) + [f"bench-role-{i:03d}" for i in range(len(ROLES), count)]
    return names[:count]


class BrokerLab:
    def __init__(self, agent: str, roles: int = 2, delay: float = 0.0, keep: bool = False):
        self.agent = agent
        self.root = tempfile.mkdtemp(prefix="irsa-broker-bench-")
        self.keep = keep
        self.procs: list = []
        self.moto = MotoServer(os.path.join(self.root, "moto"))
        os.makedirs(self.moto.folder)
        self.moto.start()
        create_aws_resources(self.moto)
        self.proxy = StsDelayProxy(self.moto.url, delay=delay).start()
        self.run_id = os.urandom(8).hex()
        self.pod = benchlib.Pod(os.path.join(self.root, "pod"), self.run_id)
        # The projected token moto is given: its issuer and subject as EKS's.
        self.pod.token_dir.write({"token": harness.make_jwt(iss=f"https://{OIDC_ISSUER}",
                                                            sub=SERVICE_ACCOUNT)})
        self.names = pairs(roles)
        self.mapping = os.path.join(self.root, "mapping")
        with open(self.mapping, "w") as f:
            f.write(harness.answer_for([(n, target_arn(n), proxy_arn(n)) for n in self.names]))
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home)
        self.agent_proc: Optional[subprocess.Popen] = None

    # --- config files ---------------------------------------------------------
    def config_path(self, style: str) -> str:
        return os.path.join(self.root, f"config-{style}", "config")

    def socket_path(self, style: str) -> str:
        return os.path.join(self.root, f"config-{style}", "agent.sock")

    def common_args(self, style: str) -> list:
        return ["--mapping-file", self.mapping, "--aws-config-file", self.config_path(style),
                "--web-identity-token-file", self.pod.token_dir.file("token"),
                "--domino-token-file", self.pod.domino_token,
                "--pod-info-path", self.pod.labels, "--region", REGION,
                "--sts-endpoint", self.proxy.url, "--socket", self.socket_path(style)]

    def write_once(self, style: str, profile_style: str) -> str:
        """`once` writes config-<style>/config in `profile_style`; returns its path."""
        os.makedirs(os.path.dirname(self.config_path(style)), exist_ok=True)
        result = subprocess.run([self.agent, "once", *self.common_args(style),
                                 "--profile-style", profile_style, "--timeout", "10"],
                                env=benchlib.clean_env(), capture_output=True, text=True,
                                timeout=30, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            benchlib.fail(f"once --profile-style {profile_style}: {result.stderr.strip()}")
        return self.config_path(style)

    def start_run(self, style: str = "process", *extra: str,
                  binary: Optional[str] = None) -> subprocess.Popen:
        """`run --profile-style process` serving config-<style>/agent.sock;
        returns once the config and the socket exist."""
        os.makedirs(os.path.dirname(self.config_path(style)), exist_ok=True)
        log = open(os.path.join(self.root, f"agent-{style}.log"), "wb")
        proc = subprocess.Popen([binary or self.agent, "run", *self.common_args(style),
                                 "--profile-style", "process", "--log-level", "warning", *extra],
                                env=benchlib.clean_env(), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        log.close()
        self.procs.append(proc)
        deadline = time.monotonic() + AGENT_START_SECONDS
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                benchlib.fail(f"irsa-agent run exited with {proc.returncode}: "
                              + self.agent_log(style)[-500:])
            if os.path.exists(self.config_path(style)) and os.path.exists(self.socket_path(style)):
                return proc
            time.sleep(0.02)
        benchlib.fail(f"irsa-agent run: no config and socket within {AGENT_START_SECONDS}s")
        return proc

    def agent_log(self, style: str = "process") -> str:
        with open(os.path.join(self.root, f"agent-{style}.log"), "rb") as f:
            return f.read().decode(errors="replace")

    # --- clients --------------------------------------------------------------
    def sdk_env(self, style: str) -> dict:
        return benchlib.clean_env() | {
            "AWS_CONFIG_FILE": self.config_path(style),
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_ENDPOINT_URL_STS": self.proxy.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": self.home,
        }

    def fresh_process(self, style: str, profile: str, timeout: float = 60) -> tuple:
        """(wall ms of the whole process, ms from after `import boto3` to
        credentials in hand) of one fresh Python process."""
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", FRESH_PROCESS, profile],
                                env=self.sdk_env(style), capture_output=True, text=True,
                                timeout=timeout, stdin=subprocess.DEVNULL)
        wall = (time.perf_counter() - start) * 1000
        if result.returncode != 0:
            # botocore's message names the profile and provider, never a secret.
            benchlib.fail(f"fresh process ({style}, {profile}): "
                          + result.stderr.strip().splitlines()[-1][:300])
        return wall, float(result.stdout.strip())

    def credentials(self, profile: str, style: str = "process",
                    binary: Optional[str] = None) -> subprocess.CompletedProcess:
        return subprocess.run([binary or self.agent, "credentials", profile,
                               "--socket", self.socket_path(style)],
                              env=benchlib.clean_env(), capture_output=True, timeout=30,
                              stdin=subprocess.DEVNULL)

    def close(self) -> None:
        for proc in self.procs:
            benchlib.stop(proc)
        self.proxy.stop()
        self.moto.stop()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


class HangingSts:
    """A phase in which STS hangs while a background loop keeps asking the
    agent for a cold profile (`ask_cold()`: one bounded request), so a fetch
    is always held in the agent. `held_before`/`held_after`: the requests the
    proxy held when the phase began and when it ended."""

    def __init__(self, lab: BrokerLab, ask_cold, time_limit: float = 300):
        self.lab = lab
        self.ask_cold = ask_cold
        self.time_limit = time_limit
        self.started = 0
        self.held_before = self.held_after = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self) -> None:
        end = time.monotonic() + self.time_limit
        while not self.stop.is_set() and time.monotonic() < end:
            self.started += 1
            try:
                self.ask_cold()
            except (OSError, subprocess.TimeoutExpired):
                pass

    def __enter__(self) -> "HangingSts":
        self.lab.proxy.hang()
        self.thread.start()
        wait_end = time.monotonic() + 10
        while self.lab.proxy.held == 0 and time.monotonic() < wait_end:
            time.sleep(0.01)
        self.held_before = self.lab.proxy.held
        return self

    def __exit__(self, *exc) -> None:
        self.held_after = self.lab.proxy.held
        self.stop.set()
        self.lab.proxy.release()
        self.thread.join(timeout=30)


def rss_kib(pid: int) -> dict:
    """VmRSS and VmHWM (KiB) of a running process, from /proc."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(line.split()[1])
    return out

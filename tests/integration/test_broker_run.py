#!/usr/bin/env python3
"""The credential broker served by `irsa-agent run --profile-style process`,
against moto as STS.

moto plays STS behind the counting proxy of sts_delay_proxy.py (no delay):
the agent's `--sts-endpoint` is the proxy, so every AssumeRole* call the agent
or a fallback makes is counted there, and moto's own recording agrees. The
mapping comes from a file, rewritten (rename) to revoke a role. Shown:

* boto3 and the AWS CLI get the right identity through every X and src_X,
  served by the running agent: each profile is filled once, repeated use
  makes no STS call;
* 50 fresh Python processes using one profile (ten at a time, cold cache)
  cause at most 2 AssumeRole* calls in all;
* the agent stopped (SIGTERM): the credential_process command copied from the
  config file still returns valid credentials (the standalone chain);
* revocation: once the mapping no longer lists a role, `credentials` for it
  fails with exit 3 and the agent's 404 message, while another role works;
* the credentials moto issued (access key, secret key, session token) and the
  tokens never appear in the agent's stderr (at debug), the state file, the
  config, any other file of the test, or /metrics.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_broker_run.py
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import unittest
import urllib.request
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (AtomicDir, answer_for, clean_environment, domino_labels,  # noqa: E402
                     free_port, make_jwt, parse_aws_config, profiles_of, write_labels)
from sts_delay_proxy import StsDelayProxy  # noqa: E402
from test_e2e_sdk import (ASSET_ACCOUNT, EKS_ACCOUNT, OIDC_ISSUER, REGION, ROLES,  # noqa: E402
                          SERVICE_ACCOUNT, MotoTestCase, create_aws_resources, proxy_arn,
                          target_arn)

USER = "bob.jones"
EXIT_REFUSED = 3
EXIT_UNAVAILABLE = 1
START_SECONDS = 15
FRESH_PROCESSES = 50
AT_ONCE = 10
SLOW_STS_PROCESSES = 20
HANGING_UP = 128  # the broker's cap of requests waiting for one profile

FRESH_PROCESS = r"""
import sys, boto3
c = boto3.Session(profile_name=sys.argv[1]).get_credentials().get_frozen_credentials()
print("ok" if c.access_key and c.secret_key and c.token else "missing")
"""


def wait_until(predicate, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def own_tests(loader, *classes) -> unittest.TestSuite:
    """The tests each of `classes` defines itself, not those it inherits (a
    subclass of BrokerRunTest reuses its set-up, not its tests)."""
    suite = unittest.TestSuite()
    for cls in classes:
        for name in loader.getTestCaseNames(cls):
            if name in vars(cls):
                suite.addTest(cls(name))
    return suite


class BrokerRunTest(MotoTestCase):
    # False: each test starts `run` itself (start_agent), after its own set-up.
    start_in_set_up = True

    @classmethod
    def prepare_moto(cls):
        create_aws_resources(cls.moto)

    def setUp(self):
        super().setUp()
        self.run_id = os.urandom(12).hex()
        self.session_name = f"{USER}@{self.run_id}"
        labels = domino_labels(self.run_id)
        labels["dominodatalab.com/starting-user-username"] = USER
        self.labels = write_labels(AtomicDir(self.path("podinfo")), labels)
        self.domino_token_file = self.write_domino_token(
            make_jwt(iss="https://domino.example/auth/realms/DominoRealm",
                     sub=os.urandom(16).hex(), aud="domino-play"), "domino-token")
        self.serviceaccount = AtomicDir(self.path("serviceaccount"))
        self.web_identity_token = make_jwt(iss=f"https://{OIDC_ISSUER}", sub=SERVICE_ACCOUNT)
        self.write_web_identity_token(self.serviceaccount, self.web_identity_token)
        self.mapping = self.path("mapping")
        self.write_mapping(ROLES)
        self.config = self.path("aws", "config")
        os.makedirs(os.path.dirname(self.config))
        self.socket = self.path("aws", "irsa-agent.sock")
        self.home = self.path("home")
        os.makedirs(self.home)
        self.proxy = StsDelayProxy(self.moto.url).start()
        self.addCleanup(self.proxy.stop)
        self.port = free_port()
        self.log_path = self.path("agent.log")
        self.recording_start = len(self.moto.recorded())
        self.agent_proc = None
        if self.start_in_set_up:
            self.start_agent()

    def write_mapping(self, names) -> None:
        tmp = self.mapping + ".tmp"
        with open(tmp, "w") as f:
            f.write(answer_for([(n, target_arn(n), proxy_arn(n)) for n in names]))
        os.rename(tmp, self.mapping)

    def run_arguments(self) -> list:
        """What this test's `run` is given besides the inputs every broker test
        shares; a subclass overrides it."""
        return ["--profile-style", "process"]

    def start_agent(self, *extra: str) -> float:
        """Starts `run` with run_arguments() and `extra`; returns the monotonic
        time its config and socket were there (the broker had just seen the
        profiles)."""
        log = open(self.log_path, "ab")
        self.agent_proc = subprocess.Popen(
            [self.agent, "run", "--mapping-file", self.mapping, "--aws-config-file", self.config,
             "--web-identity-token-file", self.serviceaccount.file("token"),
             "--domino-token-file", self.domino_token_file, "--pod-info-path", self.labels,
             "--region", REGION, "--socket", self.socket,
             "--sts-endpoint", self.proxy.url, "--listen", f"127.0.0.1:{self.port}",
             *self.run_arguments(), *extra, "--log-level", "debug"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=clean_environment())
        log.close()
        self.addCleanup(self.kill_agent)
        ready = wait_until(lambda: self.agent_proc.poll() is not None or
                           (os.path.exists(self.config) and os.path.exists(self.socket)),
                           START_SECONDS)
        self.assertIsNone(self.agent_proc.poll(), "run exited:\n" + self.agent_log())
        self.assertTrue(ready, "no config and socket:\n" + self.agent_log())
        return time.monotonic()

    def kill_agent(self) -> None:
        if self.agent_proc and self.agent_proc.poll() is None:
            self.agent_proc.kill()
            self.agent_proc.wait(5)

    def agent_log(self) -> str:
        with open(self.log_path, "rb") as f:
            data = f.read()
        self.assert_no_issued_secret(data, "the agent's stderr")
        return data.decode(errors="replace")

    # --- helpers ----------------------------------------------------------------
    def sdk_environment(self) -> dict:
        return clean_environment({
            "AWS_CONFIG_FILE": self.config, "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_ENDPOINT_URL_STS": self.moto.url, "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": self.home})

    def issued_secrets(self) -> list:
        values = []
        for role in self.moto.assumed_roles():
            for key in ("access_key_id", "secret_access_key", "session_token"):
                if role.get(key):
                    values.append(role[key])
        return values

    def assert_no_issued_secret(self, data: bytes | str, where: str) -> None:
        data = data.encode() if isinstance(data, str) else data
        self.assert_no_secrets(data, where)  # the tokens
        for i, value in enumerate(self.issued_secrets()):
            self.assertNotIn(value.encode(), data,
                             f"an issued credential (#{i}, {len(value)} bytes) appears in {where}")

    def assert_no_issued_secret_anywhere(self) -> None:
        """The agent's stderr, every file of the test (state file, config,
        mapping; the token files excepted) and /metrics."""
        self.assertGreaterEqual(len(self.issued_secrets()), 3, "moto issued nothing to look for")
        self.agent_log()
        holders = {os.path.realpath(h) for h in self.secret_holders}
        checked = 0
        for folder, _, names in os.walk(self.tmp):
            for name in names:
                path = os.path.join(folder, name)
                if os.path.islink(path) or os.path.realpath(path) in holders or \
                        not os.path.isfile(path):
                    continue
                with open(path, "rb") as f:
                    self.assert_no_issued_secret(f.read(), path)
                checked += 1
        self.assertGreaterEqual(checked, 3)  # at least the config, the state file, the log
        if self.agent_proc.poll() is None:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
                metrics = r.read()
            self.assertIn(b"irsa_agent_", metrics)
            self.assert_no_issued_secret(metrics, "/metrics")

    def caller_arn(self, profile: str) -> str:
        with mock.patch.dict(os.environ, self.sdk_environment(), clear=True):
            import boto3
            return boto3.session.Session(profile_name=profile).client(
                "sts").get_caller_identity()["Arn"]

    def expected_arn(self, account: str, role: str) -> str:
        return f"arn:aws:sts::{account}:assumed-role/{role}/{self.session_name}"

    def credential_process(self, profile: str) -> list:
        return shlex.split(profiles_of(parse_aws_config(self.config))[profile]
                           ["credential_process"])

    def recorded_assume_calls(self) -> list:
        return [c for c in self.moto.recorded()[self.recording_start:]
                if c["params"].get("Action", "").startswith("AssumeRole")]

    def ask(self, profile: str, argv: list | None = None) -> subprocess.CompletedProcess:
        argv = argv or [self.agent, "credentials", profile, "--socket", self.socket]
        proc = subprocess.run(argv, env=clean_environment(), capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        self.assert_no_issued_secret(proc.stderr, "credentials stderr")
        return proc

    # --- tests ------------------------------------------------------------------
    def test_boto3_and_aws_cli_through_every_profile_served_by_the_agent(self):
        profiles = [(n, ASSET_ACCOUNT, n) for n in ROLES] + \
                   [("src_" + n, EKS_ACCOUNT, n) for n in ROLES]
        for profile, account, role in profiles:
            with self.subTest(sdk="boto3", profile=profile):
                self.assertEqual(self.caller_arn(profile), self.expected_arn(account, role))
        filled = self.proxy.count()
        # Each X is one chain (2 calls), each src_X one call: filled once each.
        self.assertEqual(filled, 3 * len(ROLES))
        for profile, account, role in profiles:
            with self.subTest(sdk="aws cli", profile=profile):
                proc = subprocess.run(
                    [sys.executable, "-m", "awscli", "sts", "get-caller-identity",
                     "--profile", profile, "--output", "json"],
                    env=self.sdk_environment(), capture_output=True, timeout=60,
                    stdin=subprocess.DEVNULL)
                self.assert_no_issued_secret(proc.stderr, "aws cli stderr")
                self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
                self.assertEqual(json.loads(proc.stdout)["Arn"], self.expected_arn(account, role))
        self.assertEqual(self.proxy.count(), filled, "the CLI was not served from the cache")
        self.assertEqual(len(self.recorded_assume_calls()), filled)
        self.assert_no_issued_secret_anywhere()

    def test_metrics_count_the_broker(self):
        """The broker's families on /metrics, read with a real Prometheus
        parser: requests by result, STS calls by action and outcome, and the
        cached credentials' expiry per profile."""
        from test_metrics import Scrape  # python3-prometheus-client's parser
        for name in ROLES:
            self.assertEqual(self.ask(name).returncode, 0)
            self.assertEqual(self.ask(name).returncode, 0)
        self.assertNotEqual(self.ask("not-in-the-mapping").returncode, 0)
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            text = r.read().decode()
        m = Scrape(text)
        n = len(ROLES)
        self.assertEqual(m.get("irsa_agent_credential_requests_total", result="miss"), n)
        self.assertEqual(m.get("irsa_agent_credential_requests_total", result="hit"), n)
        self.assertEqual(m.get("irsa_agent_credential_requests_total", result="error"), 1)
        self.assertEqual(m.get("irsa_agent_sts_requests_total",
                               action="AssumeRoleWithWebIdentity", outcome="success"), n)
        self.assertEqual(m.get("irsa_agent_sts_requests_total",
                               action="AssumeRole", outcome="success"), n)
        now = time.time()
        for name in ROLES:
            expiry = m.get("irsa_agent_credential_expiry_timestamp_seconds", profile=name)
            self.assertGreater(expiry, now + 300, name)
            self.assertLessEqual(expiry, now + 3600 + 60, name)
        self.assert_no_issued_secret(text, "/metrics")

    def test_fifty_fresh_processes_cause_at_most_two_sts_calls(self):
        profile = ROLES[0]

        def fresh(_):
            return subprocess.run([sys.executable, "-c", FRESH_PROCESS, profile],
                                  env=self.sdk_environment(), capture_output=True, timeout=120,
                                  stdin=subprocess.DEVNULL)

        with concurrent.futures.ThreadPoolExecutor(AT_ONCE) as pool:
            results = list(pool.map(fresh, range(FRESH_PROCESSES)))
        for proc in results:
            self.assert_no_issued_secret(proc.stderr, "python stderr")
            self.assertEqual((proc.returncode, proc.stdout.strip()), (0, b"ok"),
                             proc.stderr.decode(errors="replace")[-1000:])
        calls = self.recorded_assume_calls()
        self.assertEqual([c["params"]["Action"] for c in calls],
                         ["AssumeRoleWithWebIdentity", "AssumeRole"])
        self.assertEqual(self.proxy.count(), 2)
        self.assert_no_issued_secret_anywhere()

    def test_agent_stopped_the_same_command_still_works(self):
        argv = self.credential_process(ROLES[1])
        served = self.ask(ROLES[1], argv)
        self.assertEqual(served.returncode, 0, served.stderr)
        self.assertEqual(self.proxy.count(), 2)
        self.assert_no_issued_secret_anywhere()

        self.agent_proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.agent_proc.wait(10), 0, self.agent_log())
        alone = self.ask(ROLES[1], argv)
        self.assertEqual(alone.returncode, 0, alone.stderr)
        self.assertEqual(alone.stderr, b"")
        out = json.loads(alone.stdout)
        self.assertIn(out["AccessKeyId"], self.issued_secrets())
        self.assertIn(out["SessionToken"], self.issued_secrets())
        self.assertNotEqual(out["AccessKeyId"], json.loads(served.stdout)["AccessKeyId"])
        self.assertEqual(self.proxy.count(), 4, "the command ran the chain itself")
        self.assertEqual(self.recorded_assume_calls()[-1]["params"]["RoleArn"],
                         target_arn(ROLES[1]))
        self.assert_no_issued_secret_anywhere()

    # --- under load and faults (issue 17) ----------------------------------------
    def raw_ask(self, profile: str) -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(self.socket)
        s.sendall(f"GET /credentials/{profile} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        return s

    @staticmethod
    def read_all(s: socket.socket) -> bytes:
        data = b""
        while len(data) < (1 << 20):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return data

    def test_slow_sts_twenty_processes_wait_for_the_one_fetch(self):
        """STS takes 3 s, longer than credentials' 2 s wait for an answer:
        the broker acknowledges (102) and each process waits for its fetch
        instead of running its own chain."""
        self.proxy.delay = 1.5  # per exchange: the chain takes 3 s
        argv = self.credential_process(ROLES[0])
        with concurrent.futures.ThreadPoolExecutor(SLOW_STS_PROCESSES) as pool:
            results = list(pool.map(lambda _: self.ask(ROLES[0], argv),
                                    range(SLOW_STS_PROCESSES)))
        for proc in results:
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn(json.loads(proc.stdout)["AccessKeyId"], self.issued_secrets())
        self.assertEqual(self.proxy.count(), 2, "one chain in all")
        self.assert_no_issued_secret_anywhere()

    def test_clients_that_hang_up_free_their_waiting_slots(self):
        """128 clients ask while STS is slow and hang up: the next one waits
        for the fetch (102, then 200), not a 503 "busy" (the cap is 128)."""
        self.proxy.delay = 2
        leaving = [self.raw_ask(ROLES[0]) for _ in range(HANGING_UP)]
        for s in leaving:  # each has its 102: its request waits in the broker
            self.assertTrue(s.recv(64).startswith(b"HTTP/1.1 102 Processing\r\n"))
        for s in leaving:
            s.close()
        time.sleep(0.5)
        answer = self.read_all(self.raw_ask(ROLES[0]))
        self.assertTrue(answer.startswith(b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\n"),
                        answer[:200])
        self.assertEqual(self.proxy.count(), 2)

    def test_a_second_agent_on_the_same_socket_is_refused(self):
        proc = subprocess.run(
            [self.agent, "run", "--mapping-file", self.mapping,
             "--aws-config-file", self.path("other-config"),
             "--web-identity-token-file", self.serviceaccount.file("token"),
             "--domino-token-file", self.domino_token_file, "--pod-info-path", self.labels,
             "--region", REGION, "--profile-style", "process", "--socket", self.socket,
             "--sts-endpoint", self.proxy.url, "--state-dir", self.path("other-state")],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=30, env=clean_environment())
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertIn(b"another agent is listening on it; refusing to take it over", proc.stderr)
        self.assertTrue(os.path.exists(self.socket), "the first agent's socket was removed")
        served = self.ask(ROLES[0])
        self.assertEqual(served.returncode, 0, served.stderr)
        self.assertEqual(self.proxy.count(), 2, "served by the first agent")

    def test_restart_during_a_mapping_outage_keeps_the_roles_usable(self):
        argv = self.credential_process(ROLES[0])
        self.assertEqual(self.ask(ROLES[0], argv).returncode, 0)
        self.kill_agent()
        os.remove(self.mapping)  # the mapping service is out
        self.start_agent()
        proc = self.ask(ROLES[0], argv)
        self.assertEqual(proc.returncode, 0, proc.stderr + self.agent_log().encode())
        self.assertIn(json.loads(proc.stdout)["AccessKeyId"], self.issued_secrets())
        self.assertIn(ROLES[0], profiles_of(parse_aws_config(self.config)), "the config stays")
        # Without the role in its arguments the command cannot go alone: the
        # agent's reason, one line, exit 1 (unavailable).
        plain = self.ask(ROLES[0])
        self.assertEqual(plain.returncode, EXIT_UNAVAILABLE, plain.stderr)
        self.assertEqual(len(plain.stderr.splitlines()), 1, plain.stderr)
        self.assertIn(b"the agent has not read the mapping yet", plain.stderr)
        self.assert_no_issued_secret_anywhere()

    def test_revoked_role_fails_clearly_while_others_work(self):
        revoked, kept = ROLES
        argv = self.credential_process(revoked)
        for name in (revoked, kept):
            self.assertEqual(self.ask(name).returncode, 0)
        self.write_mapping([kept])
        self.assertTrue(wait_until(
            lambda: revoked not in profiles_of(parse_aws_config(self.config)), 10),
            "the config still lists the revoked role:\n" + self.agent_log())
        for command in (argv, None):  # the copied command and a plain one
            proc = self.ask(revoked, command)
            self.assertEqual(proc.returncode, EXIT_REFUSED, proc.stderr)
            self.assertEqual(proc.stdout, b"")
            self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
            self.assertIn(f"the agent has no profile {revoked}".encode(), proc.stderr)
            self.assertIn(b"no longer in the mapping", proc.stderr)
        proc = self.ask("src_" + revoked)
        self.assertEqual(proc.returncode, EXIT_REFUSED, proc.stderr)
        calls = self.proxy.count()
        proc = self.ask(kept)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(json.loads(proc.stdout)["AccessKeyId"], self.issued_secrets())
        self.assertEqual(self.proxy.count(), calls, "the kept role is still cached")
        self.assertEqual(self.caller_arn(kept), self.expected_arn(ASSET_ACCOUNT, kept))
        self.assert_no_issued_secret_anywhere()


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""The broker's grace for a freshly admitted pod: `run --profile-style
process` retries a first-hop AccessDenied during a profile's first
`refusal-retry-window` seconds (default 30) before reporting it.

moto plays STS behind sts_delay_proxy.py, which answers the first K
AssumeRoleWithWebIdentity calls itself with STS's AccessDenied (403, the
ErrorResponse XML) and forwards the rest, as STS behaves while IAM propagates
a trust-policy change. Shown:

* a refusal that clears: boto3 through src_X and X gets the right identity,
  five concurrent clients share the one retrying fetch (K refused calls, then
  exactly one that reaches moto), one warning line per retried refusal, the
  counter on /metrics, no secret in any output;
* a refusal that lasts beyond the window: `credentials` fails with exit 1
  and the usual one line naming AccessDenied and the retries, after the window;
* a profile older than the window is refused at once (one STS call);
* SIGTERM during the retries: the agent exits at once, not after the window.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_broker_refusal.py
"""

from __future__ import annotations

import concurrent.futures
import os
import shlex
import signal
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import clean_environment, parse_aws_config, profiles_of  # noqa: E402
from test_broker_run import BrokerRunTest, own_tests, wait_until  # noqa: E402
from test_e2e_sdk import ASSET_ACCOUNT, EKS_ACCOUNT, ROLES, proxy_arn  # noqa: E402

EXIT_UNAVAILABLE = 1
WEB_IDENTITY = "AssumeRoleWithWebIdentity"
RETRY_LINE = "STS refused the first hop; retrying while the trust policy propagates"


class BrokerRefusalTest(BrokerRunTest):
    start_in_set_up = False  # each test arms the STS front first

    def web_identity_calls(self, role_arn: str) -> int:
        return len([c for c in self.proxy.calls() if c[1] == WEB_IDENTITY and c[2] == role_arn])

    def moto_web_identity(self) -> list:
        return [c for c in self.moto.recorded()[self.recording_start:]
                if c["params"].get("Action") == WEB_IDENTITY]

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            return r.read().decode()

    # --- tests ------------------------------------------------------------------
    def test_a_refusal_that_clears_is_retried_in_one_shared_fetch(self):
        refused = 3
        self.proxy.refuse_web_identity(refused)
        self.start_agent()
        role = ROLES[0]
        profile = "src_" + role
        with concurrent.futures.ThreadPoolExecutor(5) as pool:
            results = list(pool.map(lambda _: self.ask(profile), range(5)))
        for proc in results:
            self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
            self.assertIn(b'"AccessKeyId"', proc.stdout)
        # One flight: the refused calls, then one that reached moto.
        self.assertEqual(self.proxy.refused, refused)
        self.assertEqual(self.web_identity_calls(proxy_arn(role)), refused + 1)
        recorded = self.moto_web_identity()
        self.assertEqual(len(recorded), 1)
        self.assertEqual(recorded[0]["params"].get("RoleArn"), proxy_arn(role))
        self.assertEqual(recorded[0]["params"].get("RoleSessionName"), self.session_name)
        # boto3 through the process-style profiles: the cached src_X, and X
        # (its first hop refused twice more).
        self.assertEqual(self.caller_arn(profile),
                         f"arn:aws:sts::{EKS_ACCOUNT}:assumed-role/{role}/{self.session_name}")
        self.proxy.refuse_web_identity(2)
        self.assertEqual(self.caller_arn(role),
                         f"arn:aws:sts::{ASSET_ACCOUNT}:assumed-role/{role}/{self.session_name}")
        log = self.agent_log()
        self.assertEqual(log.count(RETRY_LINE), refused + 2, log)
        self.assertIn(f"profile={profile}", log)
        self.assertIn("AccessDenied", log)
        self.assertIn(f"irsa_agent_sts_refusals_retried_total {refused + 2}\n", self.metrics())

    def test_a_refusal_beyond_the_window_is_reported_with_the_usual_line(self):
        window = 3
        self.proxy.refuse_web_identity(1000)
        seen = self.start_agent("--refusal-retry-window", str(window))
        profile = "src_" + ROLES[0]
        proc = self.ask(profile)
        elapsed = time.monotonic() - seen
        stderr = proc.stderr.decode(errors="replace")
        self.assertEqual(proc.returncode, EXIT_UNAVAILABLE, stderr)
        self.assertEqual(proc.stdout, b"")
        self.assertEqual(stderr.count("\n"), 1, stderr)
        self.assertRegex(
            stderr,
            r"^irsa-agent: error: the agent cannot give credentials for src_[\w-]+ \(HTTP 503\): "
            r"cannot get credentials for profile \"src_[\w-]+\": src_[\w-]+: "
            r"AssumeRoleWithWebIdentity into arn:aws:iam::\d+:role/\S+ failed: AccessDenied: "
            r"Not authorized to perform "
            r"sts:AssumeRoleWithWebIdentity \(.*\) \(still refused after \d+ retries in the "
            r"profile's first 3 s\)\n$")
        self.assertGreaterEqual(elapsed, window - 0.5)
        self.assertLess(elapsed, window + 5)
        calls = self.web_identity_calls(proxy_arn(ROLES[0]))
        self.assertGreaterEqual(calls, 3)  # 0.5 + 1 + 2 s fill 3 s
        self.assertLessEqual(calls, 6)
        self.assertEqual(self.moto_web_identity(), [])

    def test_a_profile_older_than_the_window_is_refused_at_once(self):
        window = 1
        seen = self.start_agent("--refusal-retry-window", str(window))
        time.sleep(max(0.0, seen + window + 0.5 - time.monotonic()))
        self.proxy.refuse_web_identity(1)
        profile = "src_" + ROLES[1]
        started = time.monotonic()
        proc = self.ask(profile)
        took = time.monotonic() - started
        stderr = proc.stderr.decode(errors="replace")
        self.assertEqual(proc.returncode, EXIT_UNAVAILABLE, stderr)
        self.assertIn("AccessDenied", stderr)
        self.assertNotIn("still refused", stderr)
        self.assertLess(took, 2)
        self.assertEqual(self.web_identity_calls(proxy_arn(ROLES[1])), 1)
        self.assertNotIn(RETRY_LINE, self.agent_log())

    def test_sigterm_during_the_retries_does_not_wait_for_the_window(self):
        self.proxy.refuse_web_identity(1000)
        self.start_agent()
        profile = "src_" + ROLES[0]
        # The line the SDK runs: with the recipe, so the client can go alone.
        line = profiles_of(parse_aws_config(self.config))[profile]["credential_process"]
        client = subprocess.Popen(shlex.split(line),
                                  env=clean_environment(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: client.poll() is None and client.kill())
        self.assertTrue(wait_until(lambda: self.proxy.refused >= 2, 10), self.agent_log())
        stopped = time.monotonic()
        self.agent_proc.send_signal(signal.SIGTERM)
        self.agent_proc.wait(10)
        self.assertLess(time.monotonic() - stopped, 3, "the agent waited for the window")
        _, stderr = client.communicate(timeout=30)
        self.assertNotEqual(client.returncode, 0)
        self.assertIn(b"AccessDenied", stderr)  # the agent stopped; the client's own try refused
        self.assertIn(RETRY_LINE, self.agent_log())


def load_tests(loader, tests, pattern):
    """Only this file's tests, not the inherited BrokerRunTest ones."""
    return own_tests(loader, BrokerRefusalTest)


if __name__ == "__main__":
    unittest.main()

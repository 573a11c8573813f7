#!/usr/bin/env python3
"""Debian's GDAL 3.6 and AWS CLI v2 reading the config file's profiles (no
`exec`), against moto, beside `irsa-agent run` in chain style.

Each client reads s3://acme-data/reports/2026/q4.csv; moto's recording then
shows the GET signed with credentials moto issued for the profile's target
role, with the session name the test expects:
* GDAL 3.6 (`ogrinfo /vsis3/...`, AWS_PROFILE=X, chain style): it follows
  `source_profile` to src_X, calls AssumeRoleWithWebIdentity itself (an
  unsigned GET named "gdal" whatever src_X's `role_session_name` says), then
  AssumeRole for X signed with those credentials and X's `role_session_name`.
  Its STS calls go through sts_front_proxy.py (moto routes an unsigned GET to
  S3); the final credentials carry the run's session name;
* GDAL 3.6 with a process-style config: it has no `credential_process`, and
  fails to read the object (no request signed by any key);
* Debian's AWS CLI v2 in chain style (its STS calls through the front as an
  HTTPS proxy: it has no STS endpoint setting) and in process style.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_profile_clients.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import clean_environment, free_port  # noqa: E402
from sts_front_proxy import StsFrontProxy  # noqa: E402
from test_broker_run import own_tests  # noqa: E402
from test_e2e_sdk import BUCKET, OBJECT_KEY, REGION, proxy_arn, target_arn  # noqa: E402
from test_exec_clients import PROFILE, ExecClientsTest, tool  # noqa: E402

GDAL_SESSION = "gdal"  # GDAL 3.6's fixed RoleSessionName for web identity


class ProfileClientsTest(ExecClientsTest):

    def setUp(self):
        super().setUp()
        self.front = StsFrontProxy(self.moto.url, self.path("sts-front"), REGION).start()
        self.addCleanup(self.front.stop)

    # --- helpers ----------------------------------------------------------------
    def profile_environment(self, config: str, extra: dict | None = None) -> dict:
        """A user's shell that names profile X of `config`: no static keys."""
        env = self.user_environment({**(extra or {}), "AWS_PROFILE": PROFILE,
                                     "AWS_CONFIG_FILE": config})
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        return env

    def query_calls(self, action: str) -> list:
        """Access keys that signed the STS calls moto recorded with `action`
        in the query string (GDAL's signed GETs), since the test began."""
        keys = []
        with open(self.moto.recording, encoding="utf-8") as f:
            entries = [json.loads(line) for line in f][self.recording_start:]
        for entry in entries:
            query = urllib.parse.parse_qs(urllib.parse.urlparse(entry["url"]).query)
            if query.get("Action") == [action]:
                auth = {k.lower(): v for k, v in entry["headers"].items()}.get("authorization", "")
                match = re.search(r"Credential=([^/]+)/", auth)
                keys.append(match.group(1) if match else None)
        return keys

    def assert_signed_by(self, action: str, role_arn: str, session: str) -> None:
        """moto's recorded `action` calls were signed with keys it issued for
        `role_arn` with `session`."""
        issued = {r["access_key_id"]: r for r in self.moto.assumed_roles()}
        keys = self.query_calls(action)
        self.assertTrue(keys, f"moto recorded no {action} in a query string")
        for key in keys:
            role = issued.get(key)
            self.assertIsNotNone(role, f"{action} signed with a key moto never issued")
            self.assertEqual((role["role_arn"], role["session_name"]), (role_arn, session))

    # --- GDAL 3.6 -----------------------------------------------------------------
    def gdal_argv(self) -> list:
        return [tool("/usr/bin/ogrinfo", "gdal-bin"), "-ro", "-al",
                f"/vsis3/{BUCKET}/{OBJECT_KEY}"]

    def gdal_profile_environment(self, config: str) -> dict:
        """GDAL's STS calls to the front; its last resort, IMDS, to a closed
        loopback port (by default it would try 169.254.169.254)."""
        return self.profile_environment(config, self.gdal_environment({
            "CPL_AWS_STS_ROOT_URL": self.front.url,
            "AWS_STS_ENDPOINT": self.front.url.split("//", 1)[1],
            "CPL_AWS_EC2_API_ROOT_URL": f"http://127.0.0.1:{free_port()}",
            "CPL_AWS_AUTODETECT_EC2": "NO"}))

    def test_gdal_chain_style(self):
        env = self.gdal_profile_environment(self.config)
        self.read_through(self.gdal_argv(), env, "GDAL 3.6, chain style X")
        self.assertEqual(self.front.calls(), [
            ("query", "GET", "AssumeRoleWithWebIdentity", proxy_arn(PROFILE), GDAL_SESSION),
            ("plain", "GET", "AssumeRole", target_arn(PROFILE), self.session_name)])
        self.assert_signed_by("AssumeRole", proxy_arn(PROFILE), GDAL_SESSION)

    def test_gdal_process_style_is_not_read(self):
        env = self.gdal_profile_environment(self.process_config())
        since = len(self.moto.recorded())
        proc = self.run_client(self.gdal_argv(), env)
        self.assertNotEqual(proc.returncode, 0)
        self.assertNotIn(b"emea", proc.stdout)
        self.assertEqual(self.front.calls(), [])
        signed = [c for c in self.moto.recorded()[since:] if c["access_key"]]
        self.assertEqual(signed, [], "GDAL signed a request without credential_process")

    # --- Debian's AWS CLI v2 --------------------------------------------------------
    def cli_v2_argv(self) -> list:
        aws = tool("/usr/bin/aws", "awscli")
        return [aws, "--endpoint-url", self.moto.url, "s3", "cp", f"s3://{BUCKET}/{OBJECT_KEY}",
                "-"]

    def test_aws_cli_v2_chain_style(self):
        env = self.profile_environment(self.config, {
            "HTTPS_PROXY": self.front.url, "NO_PROXY": "127.0.0.1,localhost",
            "AWS_CA_BUNDLE": self.front.pki.ca_cert})
        self.read_through(self.cli_v2_argv(), env, "AWS CLI v2, chain style X")
        calls = self.front.calls()
        self.assertEqual([c[:4] for c in calls], [
            ("tls", "POST", "AssumeRoleWithWebIdentity", proxy_arn(PROFILE)),
            ("tls", "POST", "AssumeRole", target_arn(PROFILE))])
        self.assertEqual(calls[1][4], self.session_name)
        self.assertEqual(self.front.refused, [])

    def test_aws_cli_v2_process_style(self):
        env = self.profile_environment(self.process_config())
        before = self.proxy.count()
        self.read_through(self.cli_v2_argv(), env, "AWS CLI v2, process style X")
        self.assertLessEqual(self.proxy.count() - before, 2)  # at most one fill of X's chain


def load_tests(loader, tests, pattern):
    """Only this file's tests, not the inherited ones."""
    return own_tests(loader, ProfileClientsTest)


if __name__ == "__main__":
    unittest.main()

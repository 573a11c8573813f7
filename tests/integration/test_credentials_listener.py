#!/usr/bin/env python3
"""The credentials listener of `irsa-agent run` (`--credentials-listen`, and
IMDS with `--imds true`), against moto as STS, with the agent in chain style
(the listener serves the broker's cache whatever the profile style).

Shown:
* boto3 through container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI +
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) and through IMDSv2
  (AWS_EC2_METADATA_SERVICE_ENDPOINT with the /imds/<profile>/ prefix): the
  identity moto reports is the profile's role with the run's session name;
  both protocols and the Unix socket share one cache (one chain per profile);
* the token file: created 0640 with 64 hex characters, recorded in the state
  file with the listener's address, never in the agent's log;
* the refusals, with curl: token missing 401, wrong 403, unknown profile 404,
  IMDS GET without or with a bad session token 401, X-Forwarded-For 403,
  a bad TTL 400;
* a non-loopback --credentials-listen is exit 2 with one line, even with
  --listen-any;
* a role unmapped mid-flight is refused on every protocol at once (container,
  IMDS, the socket).

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_credentials_listener.py
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import clean_environment, free_port  # noqa: E402
from test_broker_run import BrokerRunTest, own_tests, wait_until  # noqa: E402
from test_e2e_sdk import ASSET_ACCOUNT, EKS_ACCOUNT, REGION, ROLES  # noqa: E402

EXIT_USAGE = 2


class CredentialsListenerTest(BrokerRunTest):

    def run_arguments(self) -> list:
        """Chain style (the default): the listener serves whatever the style."""
        self.cred_port = free_port()
        self.token_file = os.path.join(os.path.dirname(self.config), "credentials-token")
        return ["--credentials-listen", f"127.0.0.1:{self.cred_port}", "--imds", "true"]

    def start_agent(self, *extra: str) -> float:
        seen = super().start_agent(*extra)
        self.add_secret("credentials token", self.token(), self.token_file)
        return seen

    # --- helpers ----------------------------------------------------------------
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.cred_port}"

    def bare_environment(self, extra: dict) -> dict:
        """No profile, no config, no keys: only what `extra` points at."""
        empty = self.path("empty-config")
        open(empty, "w").close()
        return clean_environment({
            "AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty,
            "AWS_ENDPOINT_URL_STS": self.moto.url, "AWS_DEFAULT_REGION": REGION,
            "HOME": self.home, **extra})

    def boto3_arn(self, env: dict) -> str:
        code = ("import boto3; s = boto3.session.Session(); "
                "print(s.get_credentials().method); "
                "print(s.client('sts').get_caller_identity()['Arn'])")
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        self.assert_no_issued_secret(proc.stderr, "boto3 stderr")
        self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
        method, arn = proc.stdout.decode().split()
        return method, arn

    def container_env(self, profile: str) -> dict:
        return self.bare_environment({
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{self.base_url()}/v1/credentials/{profile}",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": self.token_file})

    def imds_env(self, profile: str) -> dict:
        return self.bare_environment({
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"{self.base_url()}/imds/{profile}/"})

    def curl(self, method: str, path: str, headers: dict | None = None) -> tuple[int, str]:
        argv = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", method,
                "--max-time", "30", self.base_url() + path]
        for k, v in (headers or {}).items():
            argv += ["-H", f"{k}: {v}"]
        proc = subprocess.run(argv, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                              env=clean_environment())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        body, _, code = proc.stdout.decode().rpartition("\n")
        return int(code), body

    def token(self) -> str:
        with open(self.token_file) as f:
            return f.read().strip()

    def imds_session(self, profile: str) -> str:
        code, body = self.curl("PUT", f"/imds/{profile}/latest/api/token",
                               {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        self.assertEqual(code, 200, body)
        return body

    # --- tests ------------------------------------------------------------------
    def test_boto3_through_container_credentials_and_imds_share_the_cache(self):
        profiles = [(n, ASSET_ACCOUNT, n) for n in ROLES] + \
                   [("src_" + n, EKS_ACCOUNT, n) for n in ROLES]
        for profile, account, role in profiles:
            with self.subTest(protocol="container", profile=profile):
                method, arn = self.boto3_arn(self.container_env(profile))
                self.assertEqual(method, "container-role")
                self.assertEqual(arn, self.expected_arn(account, role))
        filled = self.proxy.count()
        self.assertEqual(filled, 3 * len(ROLES))  # each X two calls, each src_X one
        for profile, account, role in profiles:
            with self.subTest(protocol="imds", profile=profile):
                method, arn = self.boto3_arn(self.imds_env(profile))
                self.assertEqual(method, "iam-role")
                self.assertEqual(arn, self.expected_arn(account, role))
            with self.subTest(protocol="socket", profile=profile):
                proc = self.ask(profile)
                self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.proxy.count(), filled, "IMDS or the socket was not served from the cache")
        self.assert_no_issued_secret_anywhere()

    def test_token_file_and_state_file(self):
        st = os.stat(self.token_file)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        token = self.token()
        self.assertRegex(token, r"^[0-9a-f]{64}$")
        with open(os.path.join(os.path.dirname(self.config), "irsa-agent-state.json")) as f:
            state = json.load(f)
        self.assertEqual(state["credentials_listen"], f"127.0.0.1:{self.cred_port}")
        self.assertEqual(state["credentials_token_file"], self.token_file)
        self.assertIs(state["imds"], True)
        self.assertEqual(state["socket"], self.socket)
        self.assertEqual(state["profile_style"], "chain")
        self.assertNotIn(token, json.dumps(state))
        self.assertNotIn(token, self.agent_log())

    def test_refusals(self):
        role = ROLES[0]
        path = f"/v1/credentials/{role}"
        self.assertEqual(self.curl("GET", path)[0], 401)
        self.assertEqual(self.curl("GET", path, {"Authorization": "0" * 64})[0], 403)
        self.assertEqual(self.curl("GET", path, {"Authorization": self.token()[:-1]})[0], 403)
        self.assertEqual(self.curl("GET", "/v1/credentials/not-mapped",
                                   {"Authorization": self.token()})[0], 404)
        self.assertEqual(self.curl("GET", path, {"Authorization": self.token(),
                                                 "X-Forwarded-For": "10.1.2.3"})[0], 403)
        code, body = self.curl("GET", path, {"Authorization": self.token()})
        self.assertEqual(code, 200)
        answer = json.loads(body)
        self.assertEqual(sorted(answer), ["AccessKeyId", "Expiration", "RoleArn",
                                          "SecretAccessKey", "Token"])
        self.assertTrue(answer["RoleArn"].endswith(f":role/{role}"), answer["RoleArn"])

        creds = f"/imds/{role}/latest/meta-data/iam/security-credentials/"
        self.assertEqual(self.curl("GET", creds)[0], 401)
        self.assertEqual(self.curl("GET", creds, {"X-aws-ec2-metadata-token": "1.abc"})[0], 401)
        self.assertEqual(self.curl("PUT", f"/imds/{role}/latest/api/token")[0], 400)
        self.assertEqual(self.curl("PUT", f"/imds/{role}/latest/api/token",
                                   {"X-aws-ec2-metadata-token-ttl-seconds": "21601"})[0], 400)
        self.assertEqual(self.curl("PUT", f"/imds/{role}/latest/api/token",
                                   {"X-aws-ec2-metadata-token-ttl-seconds": "60",
                                    "X-Forwarded-For": "10.1.2.3"})[0], 403)
        session = self.imds_session(role)
        self.assertEqual(self.curl("GET", creds, {"X-aws-ec2-metadata-token": session,
                                                  "X-Forwarded-For": "10.1.2.3"})[0], 403)
        self.assertEqual(self.curl("GET", creds, {"X-aws-ec2-metadata-token": session}),
                         (200, role))
        code, body = self.curl("GET", creds + role, {"X-aws-ec2-metadata-token": session})
        self.assertEqual(code, 200)
        answer = json.loads(body)
        self.assertEqual(answer["Code"], "Success")
        self.assertEqual(answer["Type"], "AWS-HMAC")
        self.assertEqual(sorted(answer), ["AccessKeyId", "Code", "Expiration", "LastUpdated",
                                          "SecretAccessKey", "Token", "Type"])
        other = self.imds_session(ROLES[1])
        self.assertEqual(self.curl("GET", creds, {"X-aws-ec2-metadata-token": other})[0], 401)
        self.assert_no_issued_secret(self.agent_log(), "the agent's stderr")

    def test_unmapped_role_refused_on_every_protocol_at_once(self):
        gone, kept = ROLES[0], ROLES[1]
        for role in (gone, kept):
            self.assertEqual(self.curl("GET", f"/v1/credentials/{role}",
                                       {"Authorization": self.token()})[0], 200)
        session = self.imds_session(gone)
        self.write_mapping([n for n in ROLES if n != gone])
        imds_path = f"/imds/{gone}/latest/meta-data/iam/security-credentials/{gone}"
        revoked = wait_until(lambda: self.curl("GET", f"/v1/credentials/{gone}",
                                               {"Authorization": self.token()})[0] == 404,
                             30, 0.2)
        self.assertTrue(revoked, self.agent_log())
        # Once the container endpoint refuses, every other protocol refuses too.
        self.assertEqual(self.curl("GET", imds_path, {"X-aws-ec2-metadata-token": session})[0],
                         404)
        self.assertEqual(self.curl("GET", f"/v1/credentials/src_{gone}",
                                   {"Authorization": self.token()})[0], 404)
        proc = self.ask(gone)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertEqual(self.curl("GET", f"/v1/credentials/{kept}",
                                   {"Authorization": self.token()})[0], 200)


class NonLoopbackTest(unittest.TestCase):

    def test_non_loopback_credentials_listen_is_exit_2_even_with_listen_any(self):
        agent = os.environ["IRSA_AGENT_BIN"]
        for address in ("0.0.0.0:9911", "10.0.0.1:9911", "[::]:9911", "example.com:9911"):
            with self.subTest(address=address):
                proc = subprocess.run(
                    [agent, "run", "--credentials-listen", address, "--listen-any", "true",
                     "--mapping-file", "/nonexistent", "--aws-config-file", "/nonexistent/c"],
                    capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
                    env=clean_environment())
                self.assertEqual(proc.returncode, EXIT_USAGE, proc.stderr)
                lines = proc.stderr.decode().strip().splitlines()
                self.assertEqual(len(lines), 1, lines)
                self.assertIn("credentials-listen", lines[0])



def load_tests(loader, tests, pattern):
    """Only this file's tests, not the inherited BrokerRunTest ones."""
    return own_tests(loader, CredentialsListenerTest, NonLoopbackTest)


if __name__ == "__main__":
    unittest.main()

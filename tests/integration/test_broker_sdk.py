#!/usr/bin/env python3
"""The credential broker's STS side with real SDKs, against moto as STS.

`once --profile-style process` writes every X and src_X as a
`credential_process` of this binary; with no agent on the socket the command
runs the chain itself (the standalone fallback). Shown here:

* boto3 and the AWS CLI get credentials through every X and src_X, and
  GetCallerIdentity's ARN names the session: the Domino user and the run id;
* `credentials PROFILE` prints exactly the credential_process JSON;
* moto's request recording: both hops' RoleSessionName name the user and the
  run id, both ask for 3600 s, and with source-identity and session-tags the
  AssumeRole hop carries SourceIdentity and the tags;
* the AWS SDK for JavaScript v2 (npm) cannot chain a web-identity
  source_profile (chain style fails) and works in process style;
* a stand-in agent on the Unix socket: its answer is served as is, 404 and
  503 are clear errors, credentials with under 5 minutes left are refetched;
* no credential moto issued, and no token, ever appears on stderr.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_broker_sdk.py
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shlex
import shutil
import socketserver
import subprocess
import sys
import threading
import time
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (AtomicDir, answer_for, clean_environment, domino_labels,  # noqa: E402
                     make_jwt, parse_aws_config, profiles_of, write_labels)
from test_e2e_sdk import (ASSET_ACCOUNT, EKS_ACCOUNT, OIDC_ISSUER, REGION, ROLES,  # noqa: E402
                          SERVICE_ACCOUNT, MotoTestCase, create_aws_resources, proxy_arn,
                          target_arn)

USER = "alice.smith"
PROJECT = "churn-model"
NPM_TIMEOUT = 300
EXIT_REFUSED = 3
EXIT_UNAVAILABLE = 1
EXIT_INPUT = 4

JS_V2_SCRIPT = r"""
const AWS = require('aws-sdk');
AWS.config.update({region: process.env.AWS_REGION,
                   httpOptions: {timeout: 5000, connectTimeout: 2000}});
const chain = new AWS.CredentialProviderChain();
chain.resolve((err, creds) => {
  if (err) {
    // What the profile's own provider says, for the test to check the reason.
    new AWS.SharedIniFileCredentials({profile: process.env.AWS_PROFILE}).get((why) => {
      console.error('NO-CREDENTIALS ' + err.code + ': ' + err.message +
                    ' | PROFILE: ' + (why ? why.message : 'no error'));
      process.exit(3);
    });
    return;
  }
  const sts = new AWS.STS({credentials: creds, endpoint: process.env.STS_URL});
  sts.getCallerIdentity({}, (e, data) => {
    if (e) { console.error('CALL-FAILED ' + e.code + ': ' + e.message); process.exit(4); }
    console.log(JSON.stringify({Arn: data.Arn}));
  });
});
"""


def npm_folder() -> str:
    """Where aws-sdk@2 is installed: beside the binary under test (the build dir)."""
    binary = os.environ.get("IRSA_AGENT_BIN", "")
    base = os.path.dirname(os.path.abspath(binary)) if binary else "/tmp"
    return os.path.join(base, "npm-aws-sdk-v2")


class UnixAgent:
    """A stand-in agent: HTTP/1.1 on a Unix socket, answering GET
    /credentials/<profile> from `answers` (profile -> (status, body))."""

    def __init__(self, path: str, answers: dict):
        self.path = path
        self.requests = []
        agent = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def address_string(self):
                return "unix"

            def log_message(self, *args):
                pass

            def do_GET(self):
                agent.requests.append(self.path)
                profile = self.path.removeprefix("/credentials/")
                status, body = answers.get(profile, (404, json.dumps({"error": "no such profile"})))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = socketserver.UnixStreamServer(path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class BrokerSdkTest(MotoTestCase):

    @classmethod
    def prepare_moto(cls):
        create_aws_resources(cls.moto)

    def setUp(self):
        super().setUp()
        self.run_id = os.urandom(12).hex()
        self.session_name = f"{USER}@{self.run_id}"
        podinfo = AtomicDir(self.path("podinfo"))
        labels = domino_labels(self.run_id, workload_type="edge-workload")
        labels["dominodatalab.com/starting-user-username"] = USER
        labels["dominodatalab.com/project-name"] = PROJECT
        self.labels = write_labels(podinfo, labels)
        domino_token = make_jwt(iss="https://domino.example/auth/realms/DominoRealm",
                                sub=os.urandom(16).hex(), aud="domino-play")
        self.domino_token_file = self.write_domino_token(domino_token, "domino-token")
        self.serviceaccount = AtomicDir(self.path("serviceaccount"))
        self.web_identity_token = make_jwt(iss=f"https://{OIDC_ISSUER}", sub=SERVICE_ACCOUNT)
        self.write_web_identity_token(self.serviceaccount, self.web_identity_token)
        self.service = self.start_service(answer_for([(n, target_arn(n), proxy_arn(n))
                                                      for n in ROLES]))
        self.config = self.path("aws", "config")
        os.makedirs(os.path.dirname(self.config))
        self.socket = self.path("aws", "irsa-agent.sock")  # nobody listens: standalone
        self.home = self.path("home")
        os.makedirs(self.home)

    def write_config(self, *extra: str) -> None:
        result = self.run_agent([
            "once", "--endpoint", self.service.url("/map_iam_roles_to_pod_sa"),
            "--aws-config-file", self.config,
            "--web-identity-token-file", self.serviceaccount.file("token"),
            "--domino-token-file", self.domino_token_file, "--pod-info-path", self.labels,
            "--region", REGION, "--timeout", "10", "--socket", self.socket, *extra])
        self.assert_success_line(result, "wrote 2 profiles", self.config)

    def sdk_environment(self, **extra) -> dict:
        env = clean_environment({
            "AWS_CONFIG_FILE": self.config,
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_ENDPOINT_URL_STS": self.moto.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": self.home,
        })
        env.update(extra)
        return env

    def issued_secrets(self) -> list:
        """Every credential moto issued so far (access key, secret, session token)."""
        import urllib.request
        with urllib.request.urlopen(self.moto.url + "/moto-api/data.json", timeout=10) as r:
            data = json.load(r)
        values = []
        for role in data.get("sts", {}).get("AssumedRole", []):
            for key in ("access_key_id", "secret_access_key", "session_token"):
                if role.get(key):
                    values.append(role[key])
        return values

    def assert_no_issued_secret(self, text: bytes | str, where: str) -> None:
        data = text.encode() if isinstance(text, str) else text
        self.assert_no_secrets(data, where)  # the tokens
        for i, value in enumerate(self.issued_secrets()):
            self.assertNotIn(value.encode(), data,
                             f"an issued credential (#{i}, {len(value)} bytes) appears in {where}")

    def caller_arn(self, profile: str) -> str:
        with mock.patch.dict(os.environ, self.sdk_environment(), clear=True):
            import boto3
            sts = boto3.session.Session(profile_name=profile).client("sts")
            return sts.get_caller_identity()["Arn"]

    def expected_arn(self, account: str, role: str) -> str:
        return f"arn:aws:sts::{account}:assumed-role/{role}/{self.session_name}"

    def credential_process(self, profile: str) -> list:
        value = profiles_of(parse_aws_config(self.config))[profile]["credential_process"]
        return shlex.split(value)

    def run_credentials(self, argv: list, env: dict) -> subprocess.CompletedProcess:
        proc = subprocess.run(argv, env=env, capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        self.assert_no_issued_secret(proc.stderr, "credentials stderr")
        return proc

    def token_calls(self) -> list:
        """The STS calls of this test: from the AssumeRoleWithWebIdentity
        carrying this test's token on."""
        calls = self.moto.sts_calls()
        mine = [i for i, c in enumerate(calls)
                if c["params"].get("WebIdentityToken") == self.web_identity_token]
        self.assertTrue(mine, "no AssumeRoleWithWebIdentity with this test's token")
        return calls[mine[0]:]

    # --- tests ------------------------------------------------------------------
    def test_process_style_profiles(self):
        self.write_config("--profile-style", "process")
        sections = profiles_of(parse_aws_config(self.config))
        self.assertEqual(set(sections), set(ROLES) | {"src_" + n for n in ROLES})
        for name, keys in sections.items():
            self.assertEqual(sorted(keys), ["credential_process", "region"], name)
            argv = self.credential_process(name)
            self.assertEqual(argv[0], os.path.realpath(self.agent))
            self.assertEqual(argv[1:3], ["credentials", name])
            self.assertIn(self.session_name, argv)
        # status and profiles read the process-style file back.
        result = self.run_agent(["profiles", "--aws-config-file", self.config, "--json"])
        self.assertEqual(result.returncode, 0, result.describe())
        roles = {r["profile"]: r["role_arn"] for r in json.loads(result.stdout)["roles"]}
        self.assertEqual(roles, {n: target_arn(n) for n in ROLES})

    def test_boto3_every_profile_standalone(self):
        self.write_config("--profile-style", "process")
        self.assertFalse(os.path.exists(self.socket))
        with open(self.config, "rb") as f:
            config = f.read()
        for name in ROLES:
            with self.subTest(name):
                self.assertEqual(self.caller_arn(name), self.expected_arn(ASSET_ACCOUNT, name))
                self.assertEqual(self.caller_arn("src_" + name),
                                 self.expected_arn(EKS_ACCOUNT, name))
        self.assert_no_issued_secret(config, "the config file")
        self.assertGreaterEqual(len(self.issued_secrets()), 3 * 2 * len(ROLES))

    def test_aws_cli_every_profile_standalone(self):
        self.write_config("--profile-style", "process")
        for profile, account, role in [(n, ASSET_ACCOUNT, n) for n in ROLES] + \
                                      [("src_" + n, EKS_ACCOUNT, n) for n in ROLES]:
            with self.subTest(profile):
                proc = subprocess.run(
                    [sys.executable, "-m", "awscli", "sts", "get-caller-identity",
                     "--profile", profile, "--output", "json"],
                    env=self.sdk_environment(), capture_output=True, timeout=60,
                    stdin=subprocess.DEVNULL)
                self.assert_no_issued_secret(proc.stderr, "aws cli stderr")
                self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
                self.assertEqual(json.loads(proc.stdout)["Arn"], self.expected_arn(account, role))

    def test_credentials_prints_exactly_the_json(self):
        self.write_config("--profile-style", "process")
        proc = self.run_credentials(self.credential_process(ROLES[0]), self.sdk_environment())
        self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
        self.assertEqual(proc.stderr, b"")
        out = json.loads(proc.stdout)
        self.assertEqual(list(out), ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken",
                                     "Expiration"])
        self.assertEqual(out["Version"], 1)
        self.assertIn(out["AccessKeyId"], self.issued_secrets())
        self.assertIn(out["SecretAccessKey"], self.issued_secrets())
        self.assertRegex(out["Expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        left = time.mktime(time.strptime(out["Expiration"], "%Y-%m-%dT%H:%M:%SZ")) - \
            time.mktime(time.gmtime())
        self.assertGreater(left, 3000, "both hops ask for an hour")
        self.assertLessEqual(left, 3600 + 5)

    def test_recording_names_user_and_run(self):
        self.write_config("--profile-style", "process")
        self.caller_arn(ROLES[0])
        web, assume = self.token_calls()[:2]
        self.assertEqual(web["params"]["Action"], "AssumeRoleWithWebIdentity")
        self.assertEqual(assume["params"]["Action"], "AssumeRole")
        for call in (web, assume):
            self.assertEqual(call["params"]["RoleSessionName"], self.session_name)
            self.assertEqual(call["params"]["DurationSeconds"], "3600")
        self.assertIsNone(web["access_key"])
        self.assertNotIn("SourceIdentity", assume["params"])
        self.assertFalse([k for k in assume["params"] if k.startswith("Tags.")])

    def test_source_identity_and_session_tags(self):
        self.write_config("--profile-style", "process", "--source-identity", "true",
                          "--session-tags", "true")
        self.caller_arn(ROLES[1])
        web, assume = self.token_calls()[:2]
        self.assertNotIn("SourceIdentity", web["params"])
        self.assertEqual(assume["params"]["SourceIdentity"], USER)
        tags = {}
        for key, value in assume["params"].items():
            match = re.fullmatch(r"Tags\.member\.(\d+)\.Key", key)
            if match:
                tags[value] = assume["params"][f"Tags.member.{match.group(1)}.Value"]
        self.assertEqual(tags, {"domino-user": USER, "domino-run-id": self.run_id,
                                "domino-project": PROJECT})

    def test_chain_style_carries_the_session_name(self):
        self.write_config()
        sections = profiles_of(parse_aws_config(self.config))
        for name in ROLES:
            self.assertEqual(sections[name]["role_session_name"], self.session_name)
            self.assertEqual(sections["src_" + name]["role_session_name"], self.session_name)
        self.assertEqual(self.caller_arn(ROLES[0]), self.expected_arn(ASSET_ACCOUNT, ROLES[0]))

    def test_chain_style_refuses_source_identity(self):
        result = self.run_agent([
            "once", "--mapping-file", "/nonexistent", "--aws-config-file", self.config,
            "--source-identity", "true"])
        self.assert_error(result, 2, "source-identity needs profile-style process")

    def test_js_sdk_v2_fails_in_chain_style_and_works_in_process_style(self):
        folder = npm_folder()
        if not os.path.exists(os.path.join(folder, "node_modules", "aws-sdk", "package.json")):
            os.makedirs(folder, exist_ok=True)
            proc = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--prefix", folder,
                 "--cache", os.path.join(folder, ".npm-cache"), "aws-sdk@2"],
                capture_output=True, timeout=NPM_TIMEOUT, stdin=subprocess.DEVNULL)
            self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace")[-2000:])
        script = self.path("whoami.js")
        with open(script, "w") as f:
            f.write(JS_V2_SCRIPT)
        env = self.sdk_environment(AWS_SDK_LOAD_CONFIG="1", AWS_PROFILE=ROLES[0],
                                   AWS_REGION=REGION, STS_URL=self.moto.url,
                                   NODE_PATH=os.path.join(folder, "node_modules"))

        self.write_config()
        chain = subprocess.run(["node", script], env=env, capture_output=True, timeout=60,
                               stdin=subprocess.DEVNULL)
        self.assert_no_issued_secret(chain.stderr, "node stderr")
        self.assertNotEqual(chain.returncode, 0, chain.stdout)
        self.assertIn(b"NO-CREDENTIALS", chain.stderr)
        # The profile itself is the problem: JS v2 wants keys in the source profile.
        self.assertIn(b"PROFILE: Missing credentials in config", chain.stderr)

        self.write_config("--profile-style", "process")
        proc = subprocess.run(["node", script], env=env, capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        self.assert_no_issued_secret(proc.stderr, "node stderr")
        self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
        self.assertEqual(json.loads(proc.stdout)["Arn"],
                         self.expected_arn(ASSET_ACCOUNT, ROLES[0]))

    def test_agent_on_the_socket(self):
        self.write_config("--profile-style", "process")
        argv = self.credential_process(ROLES[0])
        fresh = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1800))
        stale = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 120))
        key, secret, token = "ASIAAGENTSERVED00001", os.urandom(20).hex(), os.urandom(40).hex()
        self.add_secret("served secret key", secret)
        self.add_secret("served session token", token)

        def body(expiration):
            return json.dumps({"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret,
                               "SessionToken": token, "Expiration": expiration})
        answers = {ROLES[0]: (200, body(fresh)),
                   "src_" + ROLES[0]: (200, body(stale)),
                   ROLES[1]: (503, json.dumps({"error": "STS throttled; retrying"}))}
        with UnixAgent(self.socket, answers) as agent:
            served = self.run_credentials(argv, self.sdk_environment())
            self.assertEqual(served.returncode, 0, served.stderr)
            self.assertEqual(json.loads(served.stdout),
                             {"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret,
                              "SessionToken": token, "Expiration": fresh})
            self.assertEqual(agent.requests, [f"/credentials/{ROLES[0]}"])

            # Under 5 minutes left: fetched afresh, here from moto.
            refetched = self.run_credentials(self.credential_process("src_" + ROLES[0]),
                                             self.sdk_environment())
            self.assertEqual(refetched.returncode, 0, refetched.stderr)
            self.assertIn(json.loads(refetched.stdout)["AccessKeyId"], self.issued_secrets())

            unavailable = self.run_credentials(self.credential_process(ROLES[1]),
                                               self.sdk_environment())
            self.assertEqual(unavailable.returncode, EXIT_UNAVAILABLE)
            self.assertEqual(unavailable.stdout, b"")
            self.assertIn(b"STS throttled; retrying", unavailable.stderr)

            unknown = self.run_credentials(
                [argv[0], "credentials", "revoked-role", "--socket", self.socket],
                self.sdk_environment())
            self.assertEqual(unknown.returncode, EXIT_REFUSED)
            self.assertEqual(unknown.stdout, b"")
            self.assertEqual(len(unknown.stderr.splitlines()), 1)
            self.assertIn(b"the agent has no profile revoked-role: no such profile",
                          unknown.stderr)

    def test_no_agent_and_no_recipe(self):
        result = self.run_agent(["credentials", "x", "--socket", self.path("none.sock")])
        self.assert_error(result, EXIT_INPUT, "no agent answers", "no --role-arn")
        result = self.run_agent(["credentials", "a/b", "--socket", self.path("none.sock")])
        self.assert_error(result, 2, "credentials: 'a/b' is not a profile name")

    def test_standalone_sts_refusal_is_one_line(self):
        bad_token = make_jwt(iss="https://elsewhere.example", sub="nobody")
        self.write_web_identity_token(self.serviceaccount, bad_token)
        result = self.run_agent(
            ["credentials", "x", "--socket", self.path("none.sock"),
             "--role-arn", proxy_arn(ROLES[0]),
             "--web-identity-token-file", self.serviceaccount.file("token"),
             "--sts-endpoint", "http://127.0.0.1:9", "--request-timeout", "2"])
        self.assert_error(result, EXIT_UNAVAILABLE, "x: AssumeRoleWithWebIdentity into",
                          "127.0.0.1:9")


if __name__ == "__main__":
    unittest.main(verbosity=2)

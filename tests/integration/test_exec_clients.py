#!/usr/bin/env python3
"""`irsa-agent exec PROFILE -- COMMAND` with real clients, against moto, beside
`irsa-agent run --credentials-listen ... --imds true` (chain style).

Every client reads the object s3://acme-data/reports/2026/q4.csv from moto;
moto's request recording then shows that the GET was signed with credentials
that moto issued for the profile's target role with the run's session name
(`<user>@<run id>`), not only that the command exited 0:
* boto3, the AWS CLI v1 (pip) and Debian's AWS CLI v2 (`awscli`, /usr/bin/aws)
  through exec (container credentials; the user's AWS_PROFILE and stale keys
  removed), and both CLIs through IMDS alone;
* GDAL 3.6 from Debian (`ogrinfo /vsis3/...`) through exec (IMDS: its
  CPL_AWS_EC2_API_ROOT_URL keeps the /imds/<profile> prefix);
* a Go program (tests/clients/go) built offline from Debian's AWS SDK for Go
  v1 and v2, in chain style, process style and through exec.
And exec itself: the environment it gives, its exit statuses (COMMAND's, 127,
126), an unknown profile (exit 2 listing the profiles), the no-agent fallback
(static keys and one warning), and no issued secret on its stderr.

Run: IRSA_AGENT_BIN=build/irsa-agent IRSA_GO_BUILD_DIR=build/go-clients \
     python3 tests/integration/test_exec_clients.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_credentials_listener  # noqa: E402
from harness import clean_environment  # noqa: E402
from test_broker_run import own_tests  # noqa: E402
from test_e2e_sdk import (ASSET_ACCOUNT, BUCKET, OBJECT_BODY, OBJECT_KEY, REGION,  # noqa: E402
                          ROLES, target_arn)

HERE = os.path.dirname(os.path.abspath(__file__))
GO_BUILD = os.path.join(HERE, "..", "clients", "go", "build.sh")
PROFILE = ROLES[0]
CLIENT_SECONDS = 120


def tool(path: str, package: str) -> str:
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is missing: packaging/install-deps.sh installs {package}")
    return path


def pip_aws_cli() -> str:
    """The AWS CLI v1 from pip (the first `aws` on PATH that is not Debian's)."""
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder, "aws")
        if folder not in ("/usr/bin", "/bin") and os.access(candidate, os.X_OK):
            return candidate
    raise AssertionError("no AWS CLI v1 on PATH: packaging/install-deps.sh installs it with pip")


class ExecClientsTest(test_credentials_listener.CredentialsListenerTest):

    # --- helpers ----------------------------------------------------------------
    def user_environment(self, extra: dict | None = None) -> dict:
        """A user's shell in the pod: the agent's config, a profile and stale
        keys exec must take away, the region."""
        return clean_environment({
            "AWS_CONFIG_FILE": self.config, "HOME": self.home, "AWS_PROFILE": "not-a-profile",
            "AWS_ACCESS_KEY_ID": "AKIASTALESTALESTALE", "AWS_SECRET_ACCESS_KEY": "stale",
            "AWS_ENDPOINT_URL_STS": self.proxy.url, "AWS_REGION": REGION, **(extra or {})})

    def run_client(self, argv: list, env: dict) -> subprocess.CompletedProcess:
        proc = subprocess.run(argv, env=env, capture_output=True, timeout=CLIENT_SECONDS,
                              stdin=subprocess.DEVNULL)
        self.assert_no_issued_secret(proc.stderr, f"{argv[0]} stderr")
        return proc

    def exec_argv(self, profile: str, command: list) -> list:
        return [self.agent, "exec", profile, "--", *command]

    def assert_read_as_profile(self, since: int, profile: str, what: str,
                               session: str | None = None) -> None:
        """moto recorded a GET of the object since `since`, each signed with
        credentials issued for `profile`'s target role and this run's session."""
        gets = [c for c in self.moto.recorded()[since:]
                if c["method"] == "GET" and c["path"].startswith(f"/{BUCKET}/{OBJECT_KEY}")]
        self.assertTrue(gets, f"{what}: moto recorded no GET of the object")
        issued = {r["access_key_id"]: r for r in self.moto.assumed_roles()}
        for call in gets:
            role = issued.get(call["access_key"])
            self.assertIsNotNone(role, f"{what}: the GET was signed with a key moto never issued")
            self.assertEqual(role["role_arn"], target_arn(profile), what)
            self.assertEqual(role["session_name"], session or self.session_name, what)

    def read_through(self, argv: list, env: dict, what: str, profile: str = PROFILE,
                     session: str | None = None) -> None:
        since = len(self.moto.recorded())
        proc = self.run_client(argv, env)
        self.assertEqual(proc.returncode, 0, f"{what}: {proc.stderr.decode(errors='replace')}")
        self.assertIn(b"emea", proc.stdout, what)  # the object's one row
        self.assert_read_as_profile(since, profile, what, session)

    def gdal_environment(self, extra: dict | None = None) -> dict:
        port = self.moto.url.rsplit(":", 1)[1]
        return self.user_environment({
            "AWS_S3_ENDPOINT": f"127.0.0.1:{port}", "AWS_HTTPS": "NO",
            "AWS_VIRTUAL_HOSTING": "FALSE", "CPL_AWS_STS_ROOT_URL": self.moto.url,
            "GDAL_HTTP_MAX_RETRY": "0", "CPL_VSIL_CURL_USE_HEAD": "NO", **(extra or {})})

    def go_client(self) -> str:
        out = os.environ.get("IRSA_GO_BUILD_DIR") or self.path("go-build")
        proc = subprocess.run([GO_BUILD, out], capture_output=True, timeout=960,
                              stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, "Go build: " + proc.stderr.decode(errors="replace"))
        return os.path.join(out, "s3get")

    # --- exec itself ------------------------------------------------------------
    def test_environment_exit_statuses_and_unknown_profile(self):
        proc = self.run_client(self.exec_argv(PROFILE, ["env"]), self.user_environment())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        env = dict(line.split("=", 1) for line in proc.stdout.decode().splitlines() if "=" in line)
        base = f"http://127.0.0.1:{self.cred_port}"
        self.assertEqual(env["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                         f"{base}/v1/credentials/{PROFILE}")
        self.assertEqual(env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], self.token_file)
        self.assertEqual(env["AWS_CONTAINER_AUTHORIZATION_TOKEN"], self.token())
        self.assertEqual(env["AWS_EC2_METADATA_SERVICE_ENDPOINT"], f"{base}/imds/{PROFILE}/")
        self.assertEqual(env["CPL_AWS_EC2_API_ROOT_URL"], f"{base}/imds/{PROFILE}")
        self.assertEqual(env["CPL_AWS_AUTODETECT_EC2"], "NO")
        for gone in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            self.assertNotIn(gone, env)
        self.assertEqual(env["AWS_REGION"], REGION)
        self.assertEqual(proc.stderr, b"")

        env = self.user_environment()
        proc = self.run_client(self.exec_argv(PROFILE, ["sh", "-c", "exit 7"]), env)
        self.assertEqual(proc.returncode, 7)
        proc = self.run_client(self.exec_argv(PROFILE, ["no-such-command-here"]), env)
        self.assertEqual(proc.returncode, 127)
        self.assertEqual(proc.stderr.decode(),
                         "irsa-agent: error: exec: no-such-command-here: No such file or directory\n")
        not_executable = self.path("not-executable")
        open(not_executable, "w").close()
        proc = self.run_client(self.exec_argv(PROFILE, [not_executable]), env)
        self.assertEqual(proc.returncode, 126)
        proc = self.run_client(self.exec_argv("acme-unknown-role", ["env"]), env)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stderr.decode(),
                         "irsa-agent: error: exec: the agent has no profile acme-unknown-role "
                         f"(profiles: {', '.join(ROLES)})\n")
        self.assertEqual(proc.stdout, b"")

    def test_no_agent_static_credentials_with_one_warning(self):
        self.kill_agent()
        code = ("import boto3; s = boto3.session.Session(); print(s.get_credentials().method); "
                f"print(s.client('s3', endpoint_url='{self.moto.url}').get_object("
                f"Bucket='{BUCKET}', Key='{OBJECT_KEY}')['Body'].read().decode())")
        since = len(self.moto.recorded())
        # The pod's token variable: exec reads it, and removes it from COMMAND's environment.
        env = self.user_environment(
            {"AWS_WEB_IDENTITY_TOKEN_FILE": self.serviceaccount.file("token")})
        proc = self.run_client(self.exec_argv(PROFILE, [sys.executable, "-c", code]), env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.decode().splitlines()[0], "env")
        warning = proc.stderr.decode().splitlines()
        self.assertEqual(len(warning), 1, warning)
        self.assertRegex(warning[0], rf"^irsa-agent: warning: exec: no agent to serve {PROFILE} "
                                     r"\(.*\): static credentials that will not refresh")
        self.assert_read_as_profile(since, PROFILE, "boto3, no agent")

    # --- Python and the AWS CLIs: container credentials ---------------------------
    def test_boto3_and_aws_cli_v1_and_v2_through_exec(self):
        code = ("import boto3; s = boto3.session.Session(); "
                "assert s.get_credentials().method == 'container-role', s.get_credentials().method; "
                f"print(s.client('s3', endpoint_url='{self.moto.url}').get_object("
                f"Bucket='{BUCKET}', Key='{OBJECT_KEY}')['Body'].read().decode())")
        self.read_through(self.exec_argv(PROFILE, [sys.executable, "-c", code]),
                          self.user_environment(), "boto3 through exec")
        cp = ["--endpoint-url", self.moto.url, "s3", "cp", f"s3://{BUCKET}/{OBJECT_KEY}", "-"]
        self.read_through(self.exec_argv(PROFILE, [pip_aws_cli(), *cp]), self.user_environment(),
                          "AWS CLI v1 through exec")
        debian_aws = tool("/usr/bin/aws", "awscli")
        version = subprocess.run([debian_aws, "--version"], capture_output=True, timeout=60,
                                 env=clean_environment()).stdout.decode()
        self.assertTrue(version.startswith("aws-cli/2."), version)
        self.read_through(self.exec_argv(PROFILE, [debian_aws, *cp]), self.user_environment(),
                          "Debian's AWS CLI v2 through exec")

    def test_aws_clis_through_imds_alone(self):
        """exec's IMDS variable without the container ones (which win in both
        CLIs' chains): both keep the /imds/<profile>/ prefix."""
        cp = ["--endpoint-url", self.moto.url, "s3", "cp", f"s3://{BUCKET}/{OBJECT_KEY}", "-"]
        clis = (("AWS CLI v1", pip_aws_cli()), ("AWS CLI v2", tool("/usr/bin/aws", "awscli")))
        for what, aws in clis:
            self.read_through([aws, *cp], self.imds_env(PROFILE), f"{what} through IMDS alone")

    # --- GDAL 3.6: IMDS through exec ---------------------------------------------
    def test_gdal_through_exec_imds(self):
        ogrinfo = tool("/usr/bin/ogrinfo", "gdal-bin")
        argv = [ogrinfo, "-ro", "-al", f"/vsis3/{BUCKET}/{OBJECT_KEY}"]
        self.read_through(self.exec_argv(PROFILE, argv), self.gdal_environment(),
                          "GDAL through exec (IMDS)")
        # GDAL with the config file's profiles (chain style X, and process
        # style, which it does not read): test_profile_clients.py.

    def process_config(self) -> str:
        """The same profiles in process style, served by the running agent."""
        path = self.path("process-config")
        proc = subprocess.run(
            [self.agent, "once", "--print", "--profile-style", "process", "--mapping-file",
             self.mapping, "--web-identity-token-file", self.serviceaccount.file("token"),
             "--domino-token-file", self.domino_token_file, "--pod-info-path", self.labels,
             "--region", REGION, "--socket", self.socket, "--sts-endpoint", self.proxy.url],
            capture_output=True, timeout=60, env=clean_environment())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(b"credential_process", proc.stdout)
        with open(path, "wb") as f:
            f.write(proc.stdout)
        return path

    # --- Go: Debian's AWS SDK for Go v1 and v2 ------------------------------------
    def test_go_sdks_in_chain_process_and_exec(self):
        s3get = self.go_client()
        process_config = self.process_config()
        for sdk in ("v1", "v2"):
            argv = [s3get, "-sdk", sdk, "-endpoint", self.moto.url, "-region", REGION,
                    "-bucket", BUCKET, "-key", OBJECT_KEY]
            chain = self.user_environment({"AWS_PROFILE": PROFILE, "AWS_SDK_LOAD_CONFIG": "1"})
            del chain["AWS_ACCESS_KEY_ID"], chain["AWS_SECRET_ACCESS_KEY"]
            self.read_through(argv, chain, f"Go {sdk}, chain style")
            process = dict(chain, AWS_CONFIG_FILE=process_config)
            self.read_through(argv, process, f"Go {sdk}, process style")
            self.read_through(self.exec_argv(PROFILE, argv), self.user_environment(),
                              f"Go {sdk} through exec (container credentials)")


def load_tests(loader, tests, pattern):
    """Only this file's tests, not the inherited ones."""
    return own_tests(loader, ExecClientsTest)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""End to end: the config `irsa-agent once` writes works with real AWS clients.

A moto server on 127.0.0.1 plays STS, IAM and S3 in two accounts, as in
docs/WIRE.md (the mapping call): the EKS account 946429944765 holds the cluster's OIDC
provider and the proxy roles (trusting the pod's service account), the asset
account 524112250363 holds the target roles (trusting the proxy roles) and an
S3 bucket. The stand-in mapping service answers two role pairs; the agent
writes the config; then boto3 and the AWS CLI use it with
AWS_CONFIG_FILE=<written file> and nothing else:

* available_profiles lists every X and src_X;
* profile X resolves to the assumed-role ARN of the target role in the asset
  account, src_X to the proxy role in the EKS account;
* moto's request recording shows the chain really happened: an unsigned
  AssumeRoleWithWebIdentity of the proxy role carrying the pod's token, then
  an AssumeRole of the target role signed with the credentials the first call
  returned, then the call itself signed with the second call's credentials;
* the AWS CLI resolves the same identity; an S3 object is listed and read,
  and the recording shows those S3 calls were signed with the target role's
  credentials (moto's S3 itself ignores the caller's account).

moto accepts any role ARN for AssumeRole* and does not check trust policies
(its IAM enforcement cannot be enabled here: it rejects the unsigned
AssumeRoleWithWebIdentity call), so the roles and policies are created as a
real deployment has them, and the chain is verified from the recording.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_e2e_sdk.py
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (AgentTestCase, AtomicDir, answer_for, clean_environment,  # noqa: E402
                     domino_labels, free_port, make_jwt, profiles_of, parse_aws_config,
                     write_labels)

EKS_ACCOUNT = "946429944765"
ASSET_ACCOUNT = "524112250363"
REGION = "us-east-1"
OIDC_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B7"
OIDC_PROVIDER_ARN = f"arn:aws:iam::{EKS_ACCOUNT}:oidc-provider/{OIDC_ISSUER}"
SERVICE_ACCOUNT = "system:serviceaccount:domino-compute:run-sa"
ROLES = ("acme-list-bucket-role", "acme-update-bucket-role")
BUCKET = "acme-data"
OBJECT_KEY = "reports/2026/q4.csv"
OBJECT_BODY = b"region,total\nemea,42\n"
MOTO_START_SECONDS = 60


def proxy_arn(name: str) -> str:
    return f"arn:aws:iam::{EKS_ACCOUNT}:role/{name}"


def target_arn(name: str) -> str:
    return f"arn:aws:iam::{ASSET_ACCOUNT}:role/{name}"


class MotoServer:
    """`python3 -m moto.server` on 127.0.0.1 with request recording on.
    `extra_env`: more variables for moto (e.g. INITIAL_NO_AUTH_ACTION_COUNT)."""

    def __init__(self, folder: str, extra_env: dict | None = None):
        self.folder = folder
        self.extra_env = dict(extra_env or {})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.recording = os.path.join(folder, "moto-recording.jsonl")
        self.log_path = os.path.join(folder, "moto.log")
        self.proc = None

    def start(self) -> None:
        env = clean_environment({"MOTO_ENABLE_RECORDING": "True",
                                 "MOTO_RECORDER_FILEPATH": self.recording, **self.extra_env})
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                cwd=self.folder)
        deadline = time.monotonic() + MOTO_START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"moto.server exited with {self.proc.returncode}:\n"
                                     + self._log_tail())
            try:
                with urllib.request.urlopen(self.url + "/moto-api/", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"moto.server not ready within {MOTO_START_SECONDS}s:\n"
                             + self._log_tail())

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def _log_tail(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read()[-2000:].decode(errors="replace")

    def client(self, service: str, account: str):
        """A boto3 client acting in `account` (moto's x-moto-account-id)."""
        import boto3
        client = boto3.session.Session().client(
            service, endpoint_url=self.url, region_name=REGION,
            aws_access_key_id="testing", aws_secret_access_key="testing")

        def add_account(request, **_):
            request.headers["x-moto-account-id"] = account
        client.meta.events.register("before-sign", add_account)
        return client

    def recorded(self) -> list:
        """Every request moto recorded, oldest first: dicts with `method`,
        `path`, `params` (the form body), `access_key` (from the signature,
        None when unsigned) and `security_token`."""
        calls = []
        with open(self.recording, encoding="utf-8") as f:
            for line in f:
                entry = json.loads(line)
                body = entry.get("body") or ""
                if entry.get("body_encoded"):
                    body = base64.b64decode(body).decode("utf-8", errors="replace")
                headers = {k.lower(): v for k, v in entry["headers"].items()}
                match = re.search(r"Credential=([^/]+)/", headers.get("authorization", ""))
                calls.append({
                    "method": entry["method"], "path": urllib.parse.urlparse(entry["url"]).path,
                    "params": {k: v[0] for k, v in urllib.parse.parse_qs(body).items()},
                    "access_key": match.group(1) if match else None,
                    "security_token": headers.get("x-amz-security-token")})
        return calls

    def sts_calls(self) -> list:
        """The recorded Query-API calls (STS, IAM), oldest first."""
        return [c for c in self.recorded() if "Action" in c["params"]]

    def issuers(self) -> dict:
        """access key id -> (account, role ARN) of the AssumeRole* call that issued it."""
        return {role["access_key_id"]: (role["account_id"], role["role_arn"])
                for role in self.assumed_roles()}

    def assumed_roles(self) -> list:
        """moto's record of every AssumeRole* result (account, role_arn, access key)."""
        with urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=10) as r:
            data = json.load(r)
        return data.get("sts", {}).get("AssumedRole", [])


def create_aws_resources(moto: MotoServer) -> None:
    """What a real deployment has: the OIDC provider and proxy roles in the
    EKS account, target roles and the bucket in the asset account."""
    eks_iam = moto.client("iam", EKS_ACCOUNT)
    eks_iam.create_open_id_connect_provider(
        Url=f"https://{OIDC_ISSUER}", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])
    asset_iam = moto.client("iam", ASSET_ACCOUNT)
    for name in ROLES:
        eks_iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": OIDC_PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{OIDC_ISSUER}:sub": SERVICE_ACCOUNT,
                                               f"{OIDC_ISSUER}:aud": "sts.amazonaws.com"}}}]}))
        eks_iam.put_role_policy(RoleName=name, PolicyName="assume-target",
                                PolicyDocument=json.dumps({
                                    "Version": "2012-10-17",
                                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Resource": target_arn(name)}]}))
        asset_iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": proxy_arn(name)},
                           "Action": "sts:AssumeRole"}]}))
        asset_iam.put_role_policy(RoleName=name, PolicyName="bucket", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
                           "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}]}))
    s3 = moto.client("s3", ASSET_ACCOUNT)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=OBJECT_KEY, Body=OBJECT_BODY)


class MotoTestCase(AgentTestCase):
    """An AgentTestCase with one moto server for the whole class (`cls.moto`)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.moto_dir = tempfile.mkdtemp(prefix="irsa-moto-")
        cls.moto = MotoServer(cls.moto_dir)
        cls.moto.start()
        try:
            cls.prepare_moto()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def prepare_moto(cls):
        """Creates what the class's tests need in moto; nothing by default."""

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        shutil.rmtree(cls.moto_dir, ignore_errors=True)
        super().tearDownClass()


class EndToEndSdkTest(MotoTestCase):

    @classmethod
    def prepare_moto(cls):
        create_aws_resources(cls.moto)

    def setUp(self):
        super().setUp()
        run_id = os.urandom(12).hex()
        podinfo = AtomicDir(self.path("podinfo"))
        labels = write_labels(podinfo, domino_labels(run_id, workload_type="edge-workload"))
        domino_token = make_jwt(iss="https://domino.example/auth/realms/DominoRealm",
                                sub=os.urandom(16).hex(), aud="domino-play")
        token_file = self.write_domino_token(domino_token, "domino-token")

        self.serviceaccount = AtomicDir(self.path("serviceaccount"))
        self.web_identity_token = make_jwt(iss=f"https://{OIDC_ISSUER}", sub=SERVICE_ACCOUNT)
        self.write_web_identity_token(self.serviceaccount, self.web_identity_token)

        service = self.start_service(answer_for([(n, target_arn(n), proxy_arn(n))
                                                 for n in ROLES]))
        self.config = self.path("aws", "config")
        os.makedirs(os.path.dirname(self.config))
        result = self.run_agent([
            "once", "--endpoint", service.url("/map_iam_roles_to_pod_sa"),
            "--aws-config-file", self.config,
            "--web-identity-token-file", self.serviceaccount.file("token"),
            "--domino-token-file", token_file, "--pod-info-path", labels,
            "--region", REGION, "--timeout", "10"])
        self.assert_success_line(result, "wrote 2 profiles", self.config)
        self.assertEqual(len(service.mapping_requests()), 1)
        self.home = self.path("home")
        os.makedirs(self.home)

    def sdk_environment(self) -> dict:
        """What a user's process has: the written config and the endpoints of
        the local AWS, no credentials."""
        return clean_environment({
            "AWS_CONFIG_FILE": self.config,
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_ENDPOINT_URL_STS": self.moto.url,
            "AWS_ENDPOINT_URL_S3": self.moto.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": self.home,  # the AWS CLI caches credentials under ~/.aws/cli
        })

    def caller_arn(self, profile: str) -> str:
        with mock.patch.dict(os.environ, self.sdk_environment(), clear=True):
            import boto3
            sts = boto3.session.Session(profile_name=profile).client("sts")
            return sts.get_caller_identity()["Arn"]

    def assert_assumed_role_arn(self, arn: str, account: str, role: str) -> None:
        pattern = rf"arn:aws:sts::{account}:assumed-role/{re.escape(role)}/[\w+=,.@-]{{2,64}}"
        self.assertRegex(arn, f"^{pattern}$")

    # --- tests ------------------------------------------------------------------
    def test_available_profiles(self):
        with mock.patch.dict(os.environ, self.sdk_environment(), clear=True):
            import boto3
            profiles = set(boto3.session.Session().available_profiles)
        self.assertEqual(profiles, set(ROLES) | {"src_" + n for n in ROLES})
        sections = profiles_of(parse_aws_config(self.config))
        for name in ROLES:
            self.assertEqual(sections["src_" + name]["web_identity_token_file"],
                             self.serviceaccount.file("token"))

    def test_boto3_profiles_assume_the_chain(self):
        for name in ROLES:
            with self.subTest(name):
                self.assert_assumed_role_arn(self.caller_arn(name), ASSET_ACCOUNT, name)
                self.assert_assumed_role_arn(self.caller_arn("src_" + name), EKS_ACCOUNT, name)

    def test_sts_calls_form_the_chain(self):
        name = ROLES[0]
        arn = self.caller_arn(name)
        self.assert_assumed_role_arn(arn, ASSET_ACCOUNT, name)
        # The first call of this test carries this test's (unique) token.
        calls = self.moto.sts_calls()
        first = [i for i, c in enumerate(calls)
                 if c["params"].get("WebIdentityToken") == self.web_identity_token]
        self.assertEqual(len(first), 1, "exactly one AssumeRoleWithWebIdentity with the pod token")
        web, assume, identity = calls[first[0]:first[0] + 3]
        self.assertEqual(web["params"]["Action"], "AssumeRoleWithWebIdentity")
        self.assertEqual(web["params"]["RoleArn"], proxy_arn(name))
        self.assertIsNone(web["access_key"], "AssumeRoleWithWebIdentity must be unsigned")
        self.assertEqual(assume["params"]["Action"], "AssumeRole")
        self.assertEqual(assume["params"]["RoleArn"], target_arn(name))
        self.assertEqual(identity["params"]["Action"], "GetCallerIdentity")
        issued = self.moto.issuers()
        self.assertEqual(issued.get(assume["access_key"]), (EKS_ACCOUNT, proxy_arn(name)),
                         "AssumeRole must be signed with the web identity credentials")
        self.assertIsNotNone(assume["security_token"])
        self.assertEqual(issued.get(identity["access_key"]), (ASSET_ACCOUNT, target_arn(name)),
                         "the call must be signed with the target role's credentials")

    def test_aws_cli_profiles(self):
        for name in ROLES:
            with self.subTest(name):
                proc = subprocess.run(
                    [sys.executable, "-m", "awscli", "sts", "get-caller-identity",
                     "--profile", name, "--output", "json"],
                    env=self.sdk_environment(), capture_output=True, timeout=60,
                    stdin=subprocess.DEVNULL)
                self.assert_no_secrets(proc.stdout, "aws cli stdout")
                self.assert_no_secrets(proc.stderr, "aws cli stderr")
                self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
                identity = json.loads(proc.stdout)
                self.assertEqual(identity["Account"], ASSET_ACCOUNT)
                self.assert_assumed_role_arn(identity["Arn"], ASSET_ACCOUNT, name)

    def test_s3_through_a_profile(self):
        name = "acme-list-bucket-role"
        already = len(self.moto.recorded())
        with mock.patch.dict(os.environ, self.sdk_environment(), clear=True):
            import boto3
            s3 = boto3.session.Session(profile_name=name).client("s3")
            listing = s3.list_objects_v2(Bucket=BUCKET)
            body = s3.get_object(Bucket=BUCKET, Key=OBJECT_KEY)["Body"].read()
        self.assertEqual([o["Key"] for o in listing.get("Contents", [])], [OBJECT_KEY])
        self.assertEqual(body, OBJECT_BODY)
        # moto's S3 ignores the caller's account, so check who signed the calls.
        s3_calls = [c for c in self.moto.recorded()[already:]
                    if c["path"].startswith(f"/{BUCKET}")]
        self.assertEqual(len(s3_calls), 2, s3_calls)
        issued = self.moto.issuers()
        for call in s3_calls:
            self.assertEqual(issued.get(call["access_key"]), (ASSET_ACCOUNT, target_arn(name)),
                             "S3 must be called with the target role's credentials")


if __name__ == "__main__":
    unittest.main(verbosity=2)

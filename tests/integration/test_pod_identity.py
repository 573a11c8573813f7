#!/usr/bin/env python3
"""EKS Pod Identity (issue 11): chain style from the pod's own role, and doctor.

A stand-in Pod Identity agent (stand_in_pod_identity.py) on 127.0.0.1 hands
out credentials that moto issued for the pod's role (an AssumeRole of
`domino-job-runner` in the EKS account, as EKS Auth does), and accepts only
the pod's current projected token. The stand-in mapping service answers two
role pairs, as it does for IRSA. In the pod there is no web identity token,
only AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE:

* `once` writes each target as `role_arn` + `credential_source = EcsContainer`
  + `role_session_name` + `region`, no `src_` profile, and says so in one line;
* boto3 and the AWS CLI reach every target role through it, and moto's
  recording shows the AssumeRole hop signed with the Pod Identity credentials;
* a token rotation between two fetches is followed (only the new token works);
* doctor says which base it chose and why, fetches once and reports the
  account, with --sts the pod's role ARN and every target's AssumeRole, and
  prints the trust policy statement the targets need;
* bad input (unreachable agent, 4xx/5xx, malformed or oversized answers, a
  hang, http to a host that is not allowed, a missing or empty token file)
  is one clear line in doctor naming the variable, and never costs the config.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_pod_identity.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (AtomicDir, FileState, answer_for, clean_environment,  # noqa: E402
                     domino_labels, free_port, make_jwt, parse_aws_config, profiles_of,
                     write_labels)
from stand_in_pod_identity import Reply, StandInPodIdentity  # noqa: E402
from test_run import RunningAgent  # noqa: E402
from test_e2e_sdk import (ASSET_ACCOUNT, EKS_ACCOUNT, REGION, ROLES, MotoTestCase,  # noqa: E402
                          proxy_arn, target_arn)

POD_ROLE = "domino-job-runner"
POD_ROLE_ARN = f"arn:aws:iam::{EKS_ACCOUNT}:role/{POD_ROLE}"
ENDPOINT_PATH = "/map_iam_roles_to_pod_sa"
STATUS_LINE = re.compile(r"^(pass|warn|fail)  (\S+)\s+(.*)$")
TOKEN_NAME = "eks-pod-identity-token"


def create_pod_identity_resources(moto) -> None:
    """The pod's role (trusting EKS Pod Identity) and the target roles
    trusting it, as DEPLOYMENT.md describes them."""
    eks_iam = moto.client("iam", EKS_ACCOUNT)
    eks_iam.create_role(RoleName=POD_ROLE, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
                       "Action": ["sts:AssumeRole", "sts:TagSession"]}]}))
    eks_iam.put_role_policy(RoleName=POD_ROLE, PolicyName="assume-targets",
                            PolicyDocument=json.dumps({
                                "Version": "2012-10-17",
                                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                               "Resource": [target_arn(n) for n in ROLES]}]}))
    asset_iam = moto.client("iam", ASSET_ACCOUNT)
    for name in ROLES:
        asset_iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": POD_ROLE_ARN},
                           "Action": ["sts:AssumeRole", "sts:TagSession"]}]}))


class PodIdentityTest(MotoTestCase):

    @classmethod
    def prepare_moto(cls):
        create_pod_identity_resources(cls.moto)

    def setUp(self):
        super().setUp()
        self.run_id = os.urandom(12).hex()
        labels = domino_labels(self.run_id)
        self.labels_file = write_labels(AtomicDir(self.path("podinfo")), labels)
        # Who did it, in CloudTrail: the starting user's label and the run id.
        self.session_name = (labels["dominodatalab.com/starting-user-username"] + "@" +
                             self.run_id)
        domino_token = make_jwt(iss="https://domino.example/auth", sub=os.urandom(8).hex(),
                                aud="domino-play")
        self.domino_token_file = self.write_domino_token(domino_token, "home", ".api", "token")
        self.token_dir = AtomicDir(self.path("pods.eks.amazonaws.com", "serviceaccount"))
        self.token = self.rotate_token()
        self.agent_sts = self.moto.client("sts", EKS_ACCOUNT)
        self.pod_identity = StandInPodIdentity(self.token, credentials=self.pod_credentials,
                                               account_id=EKS_ACCOUNT).start()
        self.addCleanup(self.pod_identity.stop)
        self.service = self.start_service(answer_for([(n, target_arn(n), proxy_arn(n))
                                                      for n in ROLES]))
        self.config = self.path("aws", "config")
        os.makedirs(os.path.dirname(self.config))
        self.home = self.path("home-user")
        os.makedirs(self.home)

    # --- helpers ----------------------------------------------------------------
    def pod_credentials(self) -> dict:
        """What EKS Auth gives the agent: an AssumeRole of the pod's role."""
        creds = self.agent_sts.assume_role(RoleArn=POD_ROLE_ARN,
                                           RoleSessionName="eks-cluster-pod-uid")["Credentials"]
        for field in ("SecretAccessKey", "SessionToken"):
            self.add_secret("Pod Identity " + field, creds[field])
        return creds

    def rotate_token(self) -> str:
        """Writes a new projected token as the kubelet does, registers it."""
        token = make_jwt(iss="https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE",
                         sub="system:serviceaccount:domino-compute:job-sa",
                         aud="pods.eks.amazonaws.com")
        self.token_dir.write({TOKEN_NAME: token})
        self.add_secret("Pod Identity token", token, holder=self.token_dir.file(TOKEN_NAME))
        return token

    def pod_environment(self, **extra) -> dict:
        """A Pod Identity pod: the two container variables, no web identity."""
        return {"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.pod_identity.url,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": self.token_dir.file(TOKEN_NAME),
                "AWS_CONFIG_FILE": self.config, **extra}

    def flags(self, **overrides) -> list:
        flags = {"endpoint": self.service.url(ENDPOINT_PATH), "aws-config-file": self.config,
                 "web-identity-token-file": self.path("no-web-identity", "token"),
                 "domino-token-file": self.domino_token_file, "pod-info-path": self.labels_file,
                 "request-timeout": "5", "region": REGION, "timeout": "10",
                 "sts-endpoint": self.moto.url}
        flags.update({k.replace("_", "-"): v for k, v in overrides.items()})
        return [arg for name, value in flags.items() if value is not None
                for arg in (f"--{name}", value)]

    def once(self, env=None):
        return self.run_agent(["once", *self.flags()], env=env or self.pod_environment())

    def doctor(self, *extra, env=None, **overrides):
        return self.run_agent(["doctor", *self.flags(**overrides), *extra],
                              env=env if env is not None else self.pod_environment(), timeout=60)

    def checks(self, result) -> dict:
        found = {}
        for line in result.stdout_lines:
            match = STATUS_LINE.match(line)
            if match:
                found.setdefault(match.group(2), []).append((match.group(1), match.group(3)))
        return found

    def assert_check(self, result, name, status, *fragments) -> str:
        entries = self.checks(result).get(name, [])
        matching = [fact for s, fact in entries if s == status and all(f in fact for f in fragments)]
        self.assertTrue(matching, f"no '{status}  {name}' line with {fragments}\n"
                        + result.describe())
        return matching[0]

    def sdk_environment(self) -> dict:
        return clean_environment({
            "AWS_CONFIG_FILE": self.config,
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.pod_identity.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": self.token_dir.file(TOKEN_NAME),
            "AWS_ENDPOINT_URL_STS": self.moto.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": self.home,
        })

    def caller_arn(self, profile: str) -> str:
        with mock.patch.dict(os.environ, self.sdk_environment(), clear=True):
            import boto3
            sts = boto3.session.Session(profile_name=profile).client("sts")
            return sts.get_caller_identity()["Arn"]

    def assert_assumed(self, arn: str, account: str, role: str, session: str = None) -> None:
        session_re = re.escape(session) if session else r"[\w+=,.@-]{2,64}"
        self.assertRegex(arn, rf"^arn:aws:sts::{account}:assumed-role/{re.escape(role)}/"
                              rf"{session_re}$")

    def publish(self) -> None:
        result = self.once()
        self.assert_success_line(result, "wrote 2 profiles", self.config)
        self.assertIn("src_ profiles left out", result.stderr, result.describe())

    # --- chain style --------------------------------------------------------------
    def test_once_writes_ecs_container_profiles(self):
        self.publish()
        sections = profiles_of(parse_aws_config(self.config))
        self.assertEqual(set(sections), set(ROLES))
        for name in ROLES:
            self.assertEqual(sections[name], {
                "role_arn": target_arn(name), "credential_source": "EcsContainer",
                "role_session_name": self.session_name, "region": REGION})
        with open(self.config) as f:
            text = f.read()
        self.assertNotIn("src_", text)
        self.assertNotIn("web_identity_token_file", text)
        # The agent itself made no call to the Pod Identity agent in chain style.
        self.assertEqual(self.pod_identity.requests(), [])

    def test_web_identity_token_wins_in_auto(self):
        token_dir = AtomicDir(self.path("serviceaccount"))
        self.write_web_identity_token(token_dir, make_jwt())
        result = self.run_agent(["once", *self.flags(web_identity_token_file=token_dir.file("token"))],
                                env=self.pod_environment())
        self.assert_success_line(result, "wrote 2 profiles")
        sections = profiles_of(parse_aws_config(self.config))
        self.assertEqual(set(sections), set(ROLES) | {"src_" + n for n in ROLES})

    def test_boto3_reaches_every_target_from_the_pod_role(self):
        self.publish()
        for name in ROLES:
            with self.subTest(name):
                self.assert_assumed(self.caller_arn(name), ASSET_ACCOUNT, name,
                                    self.session_name)
        calls = self.moto.sts_calls()
        issued = self.moto.issuers()
        for name in ROLES:
            assume = [c for c in calls if c["params"].get("Action") == "AssumeRole"
                      and c["params"].get("RoleArn") == target_arn(name)]
            self.assertTrue(assume, f"no AssumeRole of {name} recorded")
            self.assertEqual(issued.get(assume[-1]["access_key"]), (EKS_ACCOUNT, POD_ROLE_ARN),
                             "the AssumeRole hop must be signed with the Pod Identity credentials")
            self.assertIn(assume[-1]["access_key"], self.pod_identity.issued)
            self.assertEqual(assume[-1]["params"]["RoleSessionName"], self.session_name)
        for request in self.pod_identity.requests():
            self.assertEqual(request.authorization, self.token)
            self.assertEqual(request.status, 200)

    def test_aws_cli_reaches_every_target(self):
        self.publish()
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
                self.assert_assumed(identity["Arn"], ASSET_ACCOUNT, name)

    def test_token_rotation_is_followed(self):
        self.publish()
        first = self.doctor()
        self.assert_check(first, "pod-identity.fetch", "pass", EKS_ACCOUNT)
        old = self.token
        self.token = self.rotate_token()
        self.pod_identity.set_token(self.token)
        # The stand-in now refuses the old token, as the real agent would.
        request = urllib.request.Request(self.pod_identity.url, headers={"Authorization": old})
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        self.assertEqual(refused.exception.code, 400)
        second = self.doctor()
        self.assert_check(second, "pod-identity.fetch", "pass", EKS_ACCOUNT)
        self.assert_assumed(self.caller_arn(ROLES[0]), ASSET_ACCOUNT, ROLES[0])
        sent = [(r.authorization, r.status) for r in self.pod_identity.requests()]
        self.assertEqual(sent[0], (old, 200))
        self.assertEqual(sent[1], (old, 400))
        self.assertTrue(sent[2:], "no fetch after the rotation")
        for authorization, status in sent[2:]:
            self.assertEqual((authorization == self.token, status), (True, 200))

    def test_run_publishes_and_is_ready_without_a_web_identity_token(self):
        agent = RunningAgent(self, self.flags(sts_endpoint=None, log_level="debug"),
                             env=self.pod_environment())
        deadline = time.monotonic() + 10
        while not os.path.exists(self.config) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(self.config), agent.log())
        status = self.run_agent(["status", "--aws-config-file", self.config])
        self.assertEqual(status.returncode, 0, status.describe())
        self.assertIn("ready: 2 profiles", status.stdout)
        code, _ = agent.stop()
        self.assertEqual(code, 0)
        log = agent.log()
        self.assert_no_secrets(log, "agent log")
        self.assertIn("src_ profiles left out", log)
        self.assertNotIn("web identity token file is missing", log)
        self.assertEqual(profiles_of(parse_aws_config(self.config))[ROLES[0]]["credential_source"],
                         "EcsContainer")

    def test_sigterm_cancels_a_hung_pod_identity_fetch(self):
        """The broker's Pod Identity fetch hangs (request-timeout 10 s): SIGTERM
        stops the agent at once, not when the fetch times out."""
        sock = self.path("aws", "irsa-agent.sock")
        agent = RunningAgent(self, self.flags(profile_style="process", socket=sock,
                                              request_timeout="10"),
                             env=self.pod_environment())
        deadline = time.monotonic() + 10
        while not (os.path.exists(self.config) and os.path.exists(sock)) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(sock), agent.log())
        self.pod_identity.push(Reply.hang_for(30))
        client = subprocess.Popen([self.agent, "credentials", ROLES[0], "--socket", sock],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=clean_environment())
        self.addCleanup(client.kill)
        deadline = time.monotonic() + 10
        while not self.pod_identity.requests() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(self.pod_identity.requests(), "the broker's fetch never started")
        code, took = agent.stop(timeout=15)
        self.assertEqual(code, 0, agent.log())
        self.assertLess(took, 2.0, "SIGTERM waited for the hung fetch")

    # --- doctor ---------------------------------------------------------------------
    def test_doctor_reports_base_account_role_and_trust(self):
        self.publish()
        result = self.doctor("--sts", log_level="debug")
        self.assert_check(result, "base.credentials", "pass", "pod-identity",
                          "AWS_CONTAINER_CREDENTIALS_FULL_URI")
        self.assert_check(result, "pod-identity.fetch", "pass", "account " + EKS_ACCOUNT)
        self.assert_check(result, "pod-identity.role", "pass",
                          f"arn:aws:sts::{EKS_ACCOUNT}:assumed-role/{POD_ROLE}/")
        self.assert_check(result, "pod-identity.trust", "pass", "must trust " + POD_ROLE_ARN)
        self.assert_check(result, "config.file", "pass", "2 profiles")
        for name in ROLES:
            self.assert_check(result, "sts.assume-role", "pass", name + ": assumed",
                              f"arn:aws:sts::{ASSET_ACCOUNT}:assumed-role/{name}/")
        self.assertNotIn("token.claims", self.checks(result))
        self.assertIn('"AWS": "' + POD_ROLE_ARN + '"', result.stdout)
        self.assertIn('"sts:TagSession"', result.stdout)
        self.assertEqual(result.returncode, 0, result.describe())
        json_result = self.doctor("--json")
        report = json.loads(json_result.stdout)
        fetch = [c for c in report["checks"] if c["name"] == "pod-identity.fetch"][0]
        self.assertEqual(fetch["status"], "pass")
        self.assertEqual(fetch["facts"]["account"], EKS_ACCOUNT)

    def test_doctor_bad_inputs_are_one_clear_line(self):
        self.publish()
        before = FileState.of(self.config)
        uri_var = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
        token_var = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
        empty_token = self.path("empty-token")
        with open(empty_token, "w") as f:
            f.write("\n")
        closed = f"http://127.0.0.1:{free_port()}/v1/credentials"
        cases = [
            ("unreachable", [], {uri_var: closed}, [uri_var, "127.0.0.1"]),
            ("403", [Reply.error(403, "Access Denied. Called agent through invalid address")],
             {}, [uri_var, "HTTP 403", "Called agent through invalid address"]),
            ("500", [Reply.json_error(500, "Internal error")], {},
             [uri_var, "HTTP 500: Internal error"]),
            ("malformed", [Reply.malformed()], {}, [uri_var, "answer malformed JSON"]),
            ("oversized", [Reply.huge()], {}, [uri_var, "larger than 65536 bytes"]),
            ("hang", [Reply.hang_for(10)], {}, [uri_var]),
            ("plain http elsewhere", [], {uri_var: "http://example.com/v1/credentials"},
             [uri_var, "plain http is allowed only", "example.com"]),
            ("missing token", [], {token_var: self.path("nowhere", "token")},
             [token_var, "does not exist"]),
            ("empty token", [], {token_var: empty_token}, [token_var, "is empty"]),
        ]
        for name, replies, env, fragments in cases:
            with self.subTest(name):
                self.pod_identity.push(*replies)
                result = self.doctor(env=self.pod_environment(**env), request_timeout="2")
                fact = self.assert_check(result, "pod-identity.fetch", "fail", *fragments)
                self.assertNotIn("\n", fact)
                self.assertEqual(result.returncode, 1, result.describe())
                self.assert_check(result, "base.credentials", "pass", "pod-identity")
        # A failing Pod Identity agent never costs the config, and chain style never asks it.
        self.assert_unchanged(self.config, before)

    def test_forced_base_names_the_unset_variable(self):
        env = {"AWS_CONFIG_FILE": self.config}
        result = self.doctor(env=env, base_credentials="pod-identity")
        self.assert_check(result, "base.credentials", "pass", "base-credentials is pod-identity")
        self.assert_check(result, "pod-identity.fetch", "fail", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                          "is empty")


    # --- process style ------------------------------------------------------------
    def publish_process_style(self) -> None:
        """`once` in process style; no agent answers on the socket afterwards,
        so every credential_process runs the chain itself (standalone)."""
        self.socket = self.path("no-agent", "irsa-agent.sock")
        result = self.run_agent(["once", *self.flags(profile_style="process",
                                                     socket=self.socket)],
                                env=self.pod_environment())
        self.assert_success_line(result, "wrote 2 profiles", self.config)
        self.assertIn("src_ profiles left out", result.stderr, result.describe())
        self.assertEqual(self.pod_identity.requests(), [], "once itself fetches nothing")

    def test_process_style_writes_targets_only(self):
        self.publish_process_style()
        sections = profiles_of(parse_aws_config(self.config))
        self.assertEqual(set(sections), set(ROLES))
        for name in ROLES:
            self.assertEqual(set(sections[name]), {"credential_process", "region"})
            command = sections[name]["credential_process"]
            self.assertIn(f" credentials {name} ", command)
            self.assertIn(f"--role-arn {target_arn(name)}", command)
            self.assertIn("--base-credentials pod-identity", command)
            self.assertIn(f"--session-name {self.session_name}", command)
            self.assertNotIn("--source-role-arn", command)
        # status reads it back as a Pod Identity config.
        status = self.run_agent(["status", "--aws-config-file", self.config,
                                 "--state-dir", self.path("state")], env=self.pod_environment())
        self.assertNotIn("invalid profile", status.stdout + status.stderr, status.describe())

    def assert_assume_role_signed_by_pod_identity(self, name: str) -> None:
        calls = self.moto.sts_calls()
        issued = self.moto.issuers()
        assume = [c for c in calls if c["params"].get("Action") == "AssumeRole"
                  and c["params"].get("RoleArn") == target_arn(name)]
        self.assertTrue(assume, f"no AssumeRole of {name} recorded")
        self.assertEqual(issued.get(assume[-1]["access_key"]), (EKS_ACCOUNT, POD_ROLE_ARN),
                         "the AssumeRole hop must be signed with the Pod Identity credentials")
        self.assertIn(assume[-1]["access_key"], self.pod_identity.issued)
        session = assume[-1]["params"]["RoleSessionName"]
        self.assertEqual(session, self.session_name)
        self.assertIn(self.run_id, session)
        self.assertTrue(session.startswith(self.session_name.split("@")[0] + "@"))
        self.assertFalse([c for c in calls
                          if c["params"].get("Action") == "AssumeRoleWithWebIdentity"],
                         "no web identity hop in a Pod Identity pod")

    def test_process_style_boto3_standalone_reaches_every_target(self):
        self.publish_process_style()
        for name in ROLES:
            with self.subTest(name):
                self.assert_assumed(self.caller_arn(name), ASSET_ACCOUNT, name,
                                    self.session_name)
                self.assert_assume_role_signed_by_pod_identity(name)
        requests = self.pod_identity.requests()
        self.assertTrue(requests)
        for request in requests:
            self.assertEqual((request.authorization == self.token, request.status), (True, 200))

    def test_process_style_aws_cli_standalone_reaches_every_target(self):
        self.publish_process_style()
        for name in ROLES:
            with self.subTest(name):
                proc = subprocess.run(
                    [sys.executable, "-m", "awscli", "sts", "get-caller-identity",
                     "--profile", name, "--output", "json"],
                    env=self.sdk_environment(), capture_output=True, timeout=60,
                    stdin=subprocess.DEVNULL)
                self.assert_no_secrets(proc.stderr, "aws cli stderr")
                self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
                identity = json.loads(proc.stdout)
                self.assert_assumed(identity["Arn"], ASSET_ACCOUNT, name, self.session_name)
                self.assert_assume_role_signed_by_pod_identity(name)

    def test_process_style_credentials_command_alone(self):
        self.publish_process_style()
        sections = profiles_of(parse_aws_config(self.config))
        import shlex
        words = shlex.split(sections[ROLES[0]]["credential_process"])
        proc = subprocess.run(words, env=self.sdk_environment(), capture_output=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
        self.assertEqual(proc.stderr, b"")
        answer = json.loads(proc.stdout)
        self.assertEqual(answer["Version"], 1)
        self.add_secret("served secret", answer["SecretAccessKey"])
        self.add_secret("served token", answer["SessionToken"])
        # A refused Pod Identity token: one line naming the variable, no secret.
        self.pod_identity.set_token("some-other-token")
        proc = subprocess.run(words, env=self.sdk_environment(), capture_output=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(proc.stdout, b"")
        err = proc.stderr.decode()
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn("AWS_CONTAINER_CREDENTIALS_FULL_URI", err)
        self.assertIn("400", err)
        self.assert_no_secrets(err, "credentials stderr")

    # --- a malformed container variable -------------------------------------------
    def test_malformed_container_uri_breaks_only_pod_identity(self):
        bad = "169.254.170.23/v1/credentials"  # no scheme: not a URL
        token_dir = AtomicDir(self.path("serviceaccount"))
        self.write_web_identity_token(token_dir, make_jwt())
        # A web identity pod with a broken platform variable it does not use.
        env = self.pod_environment(AWS_CONTAINER_CREDENTIALS_FULL_URI=bad)
        result = self.run_agent(
            ["once", *self.flags(web_identity_token_file=token_dir.file("token"))], env=env)
        self.assert_success_line(result, "wrote 2 profiles")
        # In a Pod Identity pod it is the one error, naming the variable.
        self.publish_process_style()
        sections = profiles_of(parse_aws_config(self.config))
        import shlex
        words = shlex.split(sections[ROLES[0]]["credential_process"])
        sdk_env = self.sdk_environment()
        sdk_env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = bad
        proc = subprocess.run(words, env=sdk_env, capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 4, proc.stderr)
        err = proc.stderr.decode()
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn("AWS_CONTAINER_CREDENTIALS_FULL_URI", err)
        self.assertEqual(self.pod_identity.requests(), [])

if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""Integration tests of `irsa-agent doctor` and `irsa-agent profiles`.

Each test builds a pod's world in a temp dir (projected token folder, labels
file, Domino token, the config `irsa-agent once` wrote), breaks one thing,
runs the built binary ($IRSA_AGENT_BIN) and checks the one line that names
the problem and the exit code. Every run also checks that no secret (web
identity token, Domino token, API key, temporary credential) appears in any
output, text or JSON, at --log-level debug.

STS is played by two servers on 127.0.0.1:

* moto (`python3 -m moto.server`), for the healthy chain: it answers
  AssumeRoleWithWebIdentity and AssumeRole for any role, and its
  /moto-api/data.json lists every credential it issued, so the tests can
  prove none of them leaked. moto never denies a web identity (it does not
  evaluate trust policies, and its IAM enforcement rejects the unsigned
  call), so
* FakeSts, below, answers AccessDenied for chosen roles, issues credentials
  the test knows, and recomputes every AssumeRole signature with botocore's
  SigV4Auth from the credentials it issued.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_doctor.py
"""

from __future__ import annotations

import datetime
import http.server
import json
import os
import re
import sys
import shutil
import ssl
import threading
import time
import unittest
import urllib.parse
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (REFERENCE_ANSWER, REFERENCE_PROFILES, AtomicDir,  # noqa: E402
                     answer_for, domino_labels, free_port, make_api_key, make_jwt,
                     make_pki, write_labels)
from stand_in_service import Reply  # noqa: E402
from test_e2e_sdk import MotoTestCase  # noqa: E402

ENDPOINT_PATH = "/map_iam_roles_to_pod_sa"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B7"
SUBJECT = "system:serviceaccount:domino-compute:run-sa"
STATUS_LINE = re.compile(r"^(pass|warn|fail)  (\S+)\s+(.*)$")


class FakeSts:
    """An STS on 127.0.0.1 that denies the roles in `deny`, issues known
    credentials, and checks AssumeRole signatures with botocore."""

    def __init__(self, deny=(), pki=None):
        """`pki` (harness.Pki): serve HTTPS with its server certificate."""
        self.deny = set(deny)
        self.issued = []        # (access key, secret, session token) in issue order
        self.signatures = []    # for each AssumeRole: (expected, received) Authorization
        self.actions = []
        self._lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                status, xml = fake.answer(dict(self.headers.items()), body)
                data = xml.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if pki is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(pki.server_cert, pki.server_key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _issue(self):
        creds = ("ASIA" + os.urandom(8).hex().upper(), os.urandom(30).hex(),
                 "IQoJb3JpZ2luX2Vj" + os.urandom(60).hex())
        with self._lock:
            self.issued.append(creds)
        return creds

    def answer(self, headers, body):
        params = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
        action, role = params.get("Action"), params.get("RoleArn", "")
        with self._lock:
            self.actions.append((action, role))
        if action == "AssumeRole":
            self.signatures.append(self._check_signature(headers, body))
        if role in self.deny:
            return 403, ("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                         f"<Message>Not authorized to perform sts:{action}</Message></Error>"
                         "<RequestId>1</RequestId></ErrorResponse>")
        key, secret, token = self._issue()
        name = role.split("/")[-1]
        account = role.split(":")[4]
        return 200, (f"<{action}Response><{action}Result><Credentials>"
                     f"<AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
                     f"<SessionToken>{token}</SessionToken>"
                     "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
                     f"<AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/{name}/"
                     f"{params.get('RoleSessionName')}</Arn></AssumedRoleUser>"
                     f"</{action}Result></{action}Response>")

    def _check_signature(self, headers, body):
        """(what botocore computes from the issued credentials, what came)."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        lower = {k.lower(): v for k, v in headers.items()}
        received = lower.get("authorization", "")
        key = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/sts/", received)
        creds = [c for c in self.issued if key and c[0] == key.group(1)]
        if not creds:
            return ("(no issued credential matches)", received)
        access, secret, token = creds[0]
        when = datetime.datetime.strptime(lower["x-amz-date"], "%Y%m%dT%H%M%SZ")
        request = AWSRequest(method="POST", url=f"http://{lower['host']}/", data=body.encode(),
                             headers={"Content-Type": lower["content-type"]})
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            SigV4Auth(Credentials(access, secret, token), "sts", key.group(2)).add_auth(request)
        if lower.get("x-amz-security-token") != token:
            return ("(X-Amz-Security-Token is not the issued session token)", received)
        return (request.headers["Authorization"], received)


class DoctorTest(MotoTestCase):

    def setUp(self):
        super().setUp()
        self.run_id = os.urandom(12).hex()
        self.labels_file = write_labels(AtomicDir(self.path("podinfo")),
                                        domino_labels(self.run_id))
        self.domino_token = make_jwt(iss="https://domino.example/auth", sub=os.urandom(8).hex(),
                                     aud="domino-play")
        self.domino_token_file = self.write_domino_token(self.domino_token, "home", ".api", "token")
        self.serviceaccount = AtomicDir(self.path("serviceaccount"))
        self.set_token(make_jwt(iss=ISSUER, sub=SUBJECT))
        self.config = self.path("aws", "config")
        os.makedirs(os.path.dirname(self.config))
        self.service = self.start_service(REFERENCE_ANSWER)
        self.sts_endpoint = self.moto.url

    # --- helpers ----------------------------------------------------------------
    def set_token(self, token: str) -> None:
        """Writes the web identity token like the kubelet and registers it."""
        self.token = token
        self.write_web_identity_token(self.serviceaccount, token)

    def flags(self, **overrides) -> list:
        flags = {"endpoint": self.service.url(ENDPOINT_PATH), "aws-config-file": self.config,
                 "web-identity-token-file": self.serviceaccount.file("token"),
                 "domino-token-file": self.domino_token_file, "pod-info-path": self.labels_file,
                 "request-timeout": "5", "region": "us-east-1",
                 "sts-endpoint": self.sts_endpoint}
        flags.update({k.replace("_", "-"): v for k, v in overrides.items()})
        return [arg for name, value in flags.items() if value is not None
                for arg in (f"--{name}", value)]

    def environment(self, **extra) -> dict:
        """The run container's environment: AWS_CONFIG_FILE names the agent's file,
        and KUBERNETES_SERVICE_HOST, which every pod has (the doctor's fixes then
        speak of pods)."""
        return {"AWS_CONFIG_FILE": self.config, "KUBERNETES_SERVICE_HOST": "10.100.0.1", **extra}

    def publish(self) -> None:
        result = self.run_agent(["once", *self.flags()], env=self.environment())
        self.assertEqual(result.returncode, 0, result.describe())

    def doctor(self, *extra, env=None, **overrides):
        return self.run_agent(["doctor", *self.flags(**overrides), *extra],
                              env=env if env is not None else self.environment(), timeout=60)

    def lines(self, result) -> dict:
        """{check name: [(status, fact), ...]} from doctor's text output."""
        found = {}
        for line in result.stdout_lines:
            match = STATUS_LINE.match(line)
            if match:
                found.setdefault(match.group(2), []).append((match.group(1), match.group(3)))
        return found

    def assert_check(self, result, name, status, *fragments):
        entries = self.lines(result).get(name, [])
        self.assertTrue(entries, f"no {name} line\n" + result.describe())
        matching = [fact for s, fact in entries if s == status and
                    all(f in fact for f in fragments)]
        self.assertTrue(matching, f"no '{status}  {name}' line with {fragments}\n"
                        + result.describe())

    def assert_only_failures(self, result, *names):
        failed = sorted({n for n, entries in self.lines(result).items()
                         for s, _ in entries if s == "fail"})
        self.assertEqual(failed, sorted(set(names)), result.describe())
        self.assertEqual(result.returncode, 1 if names else 0, result.describe())

    def session_name(self) -> str:
        """The role_session_name the agent wrote: the broker's, hence the doctor's."""
        with open(self.config) as f:
            names = {line.split("=", 1)[1].strip() for line in f
                     if line.startswith("role_session_name")}
        self.assertEqual(len(names), 1, names)
        return names.pop()

    def assert_no_moto_credentials(self, *outputs) -> None:
        """None of the credentials moto ever issued appears in `outputs`."""
        issued = self.moto.assumed_roles()
        self.assertTrue(issued, "moto issued no credentials")
        for text in outputs:
            for role in issued:
                for field in ("access_key_id", "secret_access_key", "session_token"):
                    if role[field] in text:
                        self.fail(f"a temporary credential ({field}) appears in the output")

    # --- a healthy setup --------------------------------------------------------
    def test_healthy_setup_passes_every_check(self):
        self.publish()
        result = self.doctor("--sts")
        self.assertEqual(result.returncode, 0, result.describe())
        statuses = {s for entries in self.lines(result).values() for s, _ in entries}
        self.assertEqual(statuses, {"pass"}, result.describe())
        count = sum(len(entries) for entries in self.lines(result).values())
        self.assertEqual(result.stdout_lines[-1], f"summary: {count} pass, 0 warn, 0 fail",
                         result.describe())
        for name in ("settings", "run-id", "domino-credential", "token.file", "token.claims",
                     "mapping.service", "mapping.answer", "config.file", "config.names",
                     "config.token-path", "env.web-identity", "env.profile", "env.config-file",
                     "env.static-keys", "sdk.chaining", "sts.web-identity", "sts.assume-role"):
            self.assertIn(name, self.lines(result), result.describe())
        self.assert_check(result, "token.file", "pass", "projected volume (kubelet AtomicWriter)")
        self.assert_check(result, "run-id", "pass", self.run_id)
        self.assert_check(result, "mapping.answer", "pass", "HTTP 200: 2 roles")
        for name in REFERENCE_PROFILES:
            # The chain `credentials` runs, with the session name the agent wrote.
            self.assert_check(result, "sts.web-identity", "pass", f"src_{name}: assumed "
                              f"arn:aws:sts::946429944765:assumed-role/{name}/"
                              + self.session_name())
            self.assert_check(result, "sts.assume-role", "pass", f"{name}: assumed "
                              f"arn:aws:sts::524112250363:assumed-role/{name}/")
        self.assertIn("api-key: absent", result.stdout)
        self.assert_no_moto_credentials(result.stdout, result.stderr)

    def test_sts_chain_is_the_one_sdks_make(self):
        # moto's record: the AssumeRole of X was signed with the credentials
        # that the AssumeRoleWithWebIdentity of src_X returned.
        self.publish()
        self.assertEqual(self.doctor("--sts").returncode, 0)
        roles = {r["role_arn"]: r for r in self.moto.assumed_roles()
                 if r["session_name"] == self.session_name()}
        for name in REFERENCE_PROFILES:
            proxy = roles[f"arn:aws:iam::946429944765:role/{name}"]
            self.assertIn(f"arn:aws:iam::524112250363:role/{name}", roles)
            self.assertTrue(proxy["access_key_id"].startswith("ASIA"))

    def test_json_healthy(self):
        self.publish()
        result = self.doctor("--json", "--sts")
        self.assertEqual(result.returncode, 0, result.describe())
        report = json.loads(result.stdout)
        self.assertTrue(report["ok"])
        self.assertEqual(report["summary"]["fail"], 0)
        self.assertEqual(report["summary"]["warn"], 0)
        self.assertEqual({c["status"] for c in report["checks"]}, {"pass"})
        claims = next(c for c in report["checks"] if c["name"] == "token.claims")
        self.assertEqual(claims["facts"]["iss"], ISSUER)
        self.assertEqual(claims["facts"]["sub"], SUBJECT)
        self.assertEqual(claims["facts"]["aud"], "sts.amazonaws.com")
        settings = next(c for c in report["checks"] if c["name"] == "settings")
        self.assertEqual(settings["facts"]["region"], "us-east-1  [flag --region]")
        self.assert_no_moto_credentials(result.stdout, result.stderr)

    # --- the token ----------------------------------------------------------------
    def test_expired_token(self):
        self.publish()
        now = int(time.time())
        self.set_token(make_jwt(iss=ISSUER, sub=SUBJECT, iat=now - 90000, exp=now - 3600))
        result = self.doctor()
        self.assert_check(result, "token.claims", "fail", "the token expired 1h 0m ago")
        self.assertIn("restart the pod", result.stdout)
        self.assert_only_failures(result, "token.claims")

    def test_malformed_token(self):
        self.publish()
        self.set_token("this-is-not-a-jwt-at-all")
        result = self.doctor()
        self.assert_check(result, "token.claims", "fail",
                          "malformed: token: not three dot-separated parts")
        self.assert_only_failures(result, "token.claims")

    def test_wrong_audience(self):
        self.publish()
        self.set_token(make_jwt(iss=ISSUER, sub=SUBJECT, aud=["vault"]))
        result = self.doctor()
        self.assert_check(result, "token.claims", "fail",
                          "aud is [vault], not sts.amazonaws.com")
        self.assertIn("fix: set audience: sts.amazonaws.com", result.stdout)
        self.assert_only_failures(result, "token.claims")

    def test_missing_token_fails_sts_without_asking(self):
        self.publish()
        shutil.rmtree(self.serviceaccount.path)
        result = self.doctor("--sts")
        self.assert_check(result, "token.file", "fail", "no web identity token at")
        self.assert_check(result, "sts.web-identity", "fail", "not asked")
        self.assert_only_failures(result, "token.file", "token.claims", "config.token-path",
                                  "sts.web-identity")

    # --- the config ---------------------------------------------------------------
    def test_broken_pair(self):
        self.publish()
        with open(self.config, "a") as f:
            f.write("[profile half-done]\nsource_profile = src_half-done\n"
                    "role_arn = arn:aws:iam::524112250363:role/half-done\n")
        result = self.doctor()
        self.assert_check(result, "config.file", "fail", "1 profile broken",
                          "half-done: no [profile src_half-done]")
        self.assert_only_failures(result, "config.file")

    def test_sdk_hostile_name(self):
        pairs = [("acme.role+x", "arn:aws:iam::524112250363:role/acme.role+x",
                  "arn:aws:iam::946429944765:role/acme.role+x")]
        self.service.set_answer(answer_for(pairs))
        self.publish()
        result = self.doctor()
        self.assert_check(result, "config.names", "warn", "not every SDK accepts acme.role+x")
        self.assertIn("rejected by Java v2 (+ = ,), older JS v3 (. @ + /)", result.stdout)
        self.assert_only_failures(result)

    def test_missing_config(self):
        result = self.doctor()
        self.assert_check(result, "config.file", "fail", "no config file", "has not written it")
        self.assert_only_failures(result, "config.file")

    # --- the environment ------------------------------------------------------------
    def test_aws_role_arn_in_the_environment(self):
        self.publish()
        env = self.environment(AWS_ROLE_ARN="arn:aws:iam::946429944765:role/eks-default",
                               AWS_WEB_IDENTITY_TOKEN_FILE=self.serviceaccount.file("token"))
        result = self.doctor(env=env)
        self.assert_check(result, "env.web-identity", "fail",
                          "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set",
                          "assume arn:aws:iam::946429944765:role/eks-default")
        self.assert_only_failures(result, "env.web-identity")
        alone = self.doctor(env=self.environment(AWS_ROLE_ARN="arn:aws:iam::1:role/x"))
        self.assert_check(alone, "env.web-identity", "warn", "AWS_ROLE_ARN is set")
        self.assert_only_failures(alone)

    def test_aws_profile_traps(self):
        self.publish()
        result = self.doctor(env=self.environment(AWS_PROFILE="src_acme-list-bucket-role"))
        self.assert_check(result, "env.profile", "warn", "selects the proxy role")
        result = self.doctor(env=self.environment(AWS_PROFILE="nope"))
        self.assert_check(result, "env.profile", "fail", "AWS_PROFILE=nope is not a profile")
        self.assert_only_failures(result, "env.profile")
        result = self.doctor(env={})
        self.assert_check(result, "env.config-file", "warn", "but the agent writes " + self.config)

    # --- the mapping service ----------------------------------------------------------
    def test_mapping_service_down(self):
        self.publish()
        port = free_port()
        result = self.doctor(endpoint=f"http://127.0.0.1:{port}{ENDPOINT_PATH}")
        self.assert_check(result, "mapping.service", "fail",
                          f"the mapping call failed: POST http://127.0.0.1:{port}{ENDPOINT_PATH}")
        self.assertIn("fix: the service is down or unreachable", result.stdout)
        self.assert_only_failures(result, "mapping.service", "mapping.answer")

    def test_mapping_service_does_not_know_the_run(self):
        self.publish()
        self.service.push(Reply.not_found())
        result = self.doctor()
        # Sync retries a 404 (the pod may not run yet): the doctor warns, it does not fail.
        self.assert_check(result, "mapping.answer", "warn", "HTTP 404: no pod found for run id "
                          + self.run_id)
        self.assertIn("the agent retries this with back-off", result.stdout)
        self.assert_only_failures(result)

    def test_mapping_service_throttling_gets_throttling_advice(self):
        self.publish()
        self.service.push(Reply(429, b"slow down", (("Retry-After", "1"),)))
        result = self.doctor()
        self.assert_check(result, "mapping.answer", "warn",
                          "HTTP 429: the service is throttling this client")
        self.assertIn("fix: the service is overloaded", result.stdout)
        self.assertNotIn("answers 200 with the AWS config", result.stdout)

    # --- the doctor points the right way (issue 17, item 15) ----------------------------
    def test_https_on_a_plain_http_port_says_no_tls(self):
        self.publish()
        url = self.service.url(ENDPOINT_PATH).replace("http://", "https://")
        result = self.doctor(endpoint=url)
        self.assert_check(result, "mapping.service", "fail", "the mapping call failed")
        self.assertIn("fix: the server does not speak TLS on this port (it answered plain "
                      "HTTP)", result.stdout)
        self.assertNotIn("set ca-file", result.stdout)
        # The probe sent no credential over plain HTTP: only the bare GET of "/".
        plain = [r for r in self.service.requests if r.method == "GET"]
        self.assertEqual([r.path for r in plain], ["/"], result.describe())
        self.assertTrue(all(r.header("Authorization") is None and r.header("X-Domino-Api-Key")
                            is None for r in plain))

    def test_missing_ca_file_is_named(self):
        self.publish()
        missing = self.path("no", "ca.pem")
        url = self.service.url(ENDPOINT_PATH).replace("http://", "https://")
        result = self.doctor(endpoint=url, ca_file=missing)
        self.assert_check(result, "mapping.service", "fail", "the mapping call failed")
        self.assertIn(f"fix: ca-file {missing} does not exist", result.stdout)
        self.assertNotIn("cannot be sent as HTTP", result.stdout)

    def process_style_config(self, install_to: str) -> None:
        result = self.run_agent(["once", *self.flags(profile_style="process",
                                                      install_to=install_to)],
                                env=self.environment())
        self.assertEqual(result.returncode, 0, result.describe())

    def test_process_style_program_must_exist_and_run(self):
        bin_dir = self.path("shared-bin")
        os.makedirs(bin_dir)
        program = os.path.join(bin_dir, "irsa-agent")
        self.process_style_config(bin_dir)
        with open(self.config) as f:
            self.assertIn(f"credential_process = {program} credentials ", f.read())

        missing = self.doctor(profile_style="process")
        self.assert_check(missing, "config.style", "fail",
                          f"credential_process program {program} does not exist")
        self.assert_only_failures(missing, "config.style")

        shutil.copyfile(os.environ.get("IRSA_AGENT_BIN", "build/irsa-agent"), program)
        os.chmod(program, 0o644)
        not_executable = self.doctor(profile_style="process")
        self.assert_check(not_executable, "config.style", "fail",
                          f"credential_process program {program} is not executable here")
        self.assertIn(f"fix: chmod 0755 {program}", not_executable.stdout)

        os.chmod(program, 0o755)
        healthy = self.doctor(profile_style="process")
        self.assert_check(healthy, "config.style", "pass",
                          f"process style: each profile runs {program} credentials")
        self.assert_only_failures(healthy)

    def test_style_other_than_the_setting_warns(self):
        self.publish()  # chain style
        result = self.doctor(profile_style="process")
        self.assert_check(result, "config.style", "warn",
                          "the file is in chain style but profile-style is process")
        self.assert_check(self.doctor(), "config.style", "pass", "chain style")

    def test_systemd_host_fixes_do_not_talk_about_pods(self):
        self.publish()
        shutil.rmtree(self.serviceaccount.path)
        host = self.doctor(env=self.environment(KUBERNETES_SERVICE_HOST=""))
        self.assert_check(host, "token.file", "fail", "no web identity token at")
        self.assertIn("fix: write the web identity token (a JWT with audience "
                      "sts.amazonaws.com) to this path", host.stdout)
        for pod_word in ("projected", "container", "kubelet", "mount"):
            self.assertNotIn(pod_word, host.stdout, host.describe())
        pod = self.doctor(env=self.environment(KUBERNETES_SERVICE_HOST="10.0.0.1"))
        self.assertIn("fix: mount the projected service-account token", pod.stdout)

    def test_sts_answer_that_is_not_sts_xml_shows_status_and_excerpt(self):
        self.publish()
        proxy = self.start_service(REFERENCE_ANSWER)  # any HTTP server that is not STS
        proxy.push(Reply(503, b"<html><body><h1>Service Unavailable</h1>proxy says no</body>"
                              b"</html>", (("Content-Type", "text/html"),)))
        self.sts_endpoint = proxy.url("/")
        result = self.doctor("--sts")
        self.assert_check(result, "sts.web-identity", "fail", "answered HTTP 503, not an STS "
                          "answer: \"Service Unavailable proxy says no\"")
        self.assertIn("fix: the answer is not from STS", result.stdout)
        self.assertNotIn("xml:", result.stdout)

    # --- STS refusals (FakeSts) ---------------------------------------------------------
    def test_access_denied_prints_the_trust_policy(self):
        self.publish()
        denied = "arn:aws:iam::946429944765:role/acme-list-bucket-role"
        with FakeSts(deny={denied}) as sts:
            self.sts_endpoint = sts.url
            result = self.doctor("--sts")
            as_json = self.doctor("--sts", "--json")
            secrets = [value for creds in sts.issued for value in creds]
        self.assert_check(result, "sts.web-identity", "fail", "src_acme-list-bucket-role: "
                          "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity")
        self.assert_check(result, "sts.web-identity", "pass", "src_acme-update-bucket-role")
        self.assert_only_failures(result, "sts.web-identity")
        report = json.loads(as_json.stdout)
        check = next(c for c in report["checks"]
                     if c["name"] == "sts.web-identity" and c["status"] == "fail")
        statement = json.loads(check["facts"]["trust_policy_statement"])
        issuer = ISSUER[len("https://"):]
        self.assertEqual(statement, {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::946429944765:oidc-provider/{issuer}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{issuer}:sub": SUBJECT,
                                           f"{issuer}:aud": "sts.amazonaws.com"}}})
        self.assertIn('"Federated": "arn:aws:iam::946429944765:oidc-provider/', result.stdout)
        for secret in secrets:
            for output in (result.stdout, result.stderr, as_json.stdout, as_json.stderr):
                self.assertNotIn(secret, output, "a temporary credential leaked")

    def test_sts_over_https_trusts_ca_file(self):
        """`doctor --sts` trusts ca-file for the STS endpoint, as the mapping
        call does (issue 9, defect 10): a self-signed STS answers."""
        self.publish()
        pki = make_pki(self.path("pki"), "sts")
        # ca-file with the plain-http stand-in service is refused (the token
        # would go in clear): the mapping comes from a file here.
        mapping = self.path("mapping.conf")
        with open(mapping, "w") as f:
            f.write(REFERENCE_ANSWER)
        with FakeSts(pki=pki) as sts:
            self.sts_endpoint = sts.url
            self.assertTrue(sts.url.startswith("https://127.0.0.1:"))
            result = self.doctor("--sts", ca_file=pki.ca_cert, endpoint=None,
                                 mapping_file=mapping)
            self.assertEqual(len(sts.actions), 4, result.describe())
            self.assert_check(result, "sts.web-identity", "pass", "src_acme-update-bucket-role")
            self.assert_check(result, "sts.assume-role", "pass", "acme-update-bucket-role")
            self.assert_only_failures(result)
            # Without ca-file the same STS is refused: the trust came from it.
            untrusted = self.doctor("--sts")
            self.assert_check(untrusted, "sts.web-identity", "fail", "SSL certificate problem")
            self.assertEqual(len(sts.actions), 4)

    def test_sts_unreachable_is_reported_once(self):
        self.publish()
        self.sts_endpoint = f"http://127.0.0.1:{free_port()}"
        result = self.doctor("--sts")
        facts = [fact for status, fact in self.lines(result)["sts.web-identity"]]
        self.assertEqual(len(facts), 2, result.describe())
        self.assertIn(f"src_{REFERENCE_PROFILES[0]}: STS 127.0.0.1:", facts[0])
        self.assertIn(f"src_{REFERENCE_PROFILES[1]}: not asked: STS 127.0.0.1:", facts[1])
        self.assertIn("failed for an earlier profile (see above)", facts[1])
        self.assertNotIn("sts.assume-role", self.lines(result))
        self.assert_only_failures(result, "sts.web-identity")

    def test_assume_role_is_signed_as_botocore_signs_it(self):
        self.publish()
        target = "arn:aws:iam::524112250363:role/acme-update-bucket-role"
        with FakeSts(deny={target}) as sts:
            self.sts_endpoint = sts.url
            result = self.doctor("--sts")
        self.assertEqual(len(sts.signatures), 2, result.describe())
        for expected, received in sts.signatures:
            self.assertTrue(received.startswith("AWS4-HMAC-SHA256 Credential=ASIA"))
            self.assertEqual(received, expected)
        self.assert_check(result, "sts.assume-role", "pass", "acme-list-bucket-role: assumed")
        self.assert_check(result, "sts.assume-role", "fail",
                          "acme-update-bucket-role: AccessDenied")
        self.assertIn("(Principal AWS) to sts:AssumeRole", result.stdout)
        self.assert_only_failures(result, "sts.assume-role")

    # --- URLs with credentials in them (issue 9, defect 1) ------------------------------
    def url_secrets(self):
        """A URL password and a signed query, registered as secrets."""
        password = self.add_secret("URL password", "pw-" + os.urandom(12).hex())
        signature = self.add_secret("signed query", os.urandom(16).hex())
        return password, f"X-Amz-Signature={signature}&X-Amz-Credential=AKIAEXAMPLE"

    def assert_urls_clean(self, result, password):
        for output in (result.stdout, result.stderr):
            self.assertNotIn(password, output, result.describe())
            self.assertNotIn("X-Amz-Signature", output, result.describe())
            self.assertNotIn("X-Amz-Credential", output, result.describe())
            self.assertNotIn("//access-token", output, result.describe())

    def test_urls_are_shown_without_userinfo_or_query(self):
        password, query = self.url_secrets()
        port = self.service.port
        endpoint = f"http://user:{password}@127.0.0.1:{port}{ENDPOINT_PATH}?{query}"
        proxy = f"http://proxy:{password}@127.0.0.1:{port}/?{query}"
        os.unlink(self.domino_token_file)  # the API proxy is the credential
        for extra in ((), ("--json",)):
            result = self.doctor(*extra, endpoint=endpoint, api_proxy=proxy)
            self.assert_urls_clean(result, password)
            self.assertIn(f"http://127.0.0.1:{port}{ENDPOINT_PATH}", result.stdout)
        # This service hands out no token (GET /access-token answers 404): the
        # credential check fails instead of passing without asking.
        self.assert_check(result_text := self.doctor(endpoint=endpoint, api_proxy=proxy),
                          "domino-credential", "fail",
                          f"api proxy: GET http://127.0.0.1:{port}/access-token answered HTTP 404")
        self.assert_urls_clean(result_text, password)

    def test_api_proxy_token_is_fetched_once_and_used(self):
        password, query = self.url_secrets()
        proxy_token = self.add_secret("proxy token", make_jwt(sub=os.urandom(8).hex()))
        self.service.set_access_token(proxy_token + "\n")
        os.unlink(self.domino_token_file)
        proxy = f"http://proxy:{password}@127.0.0.1:{self.service.port}/?{query}"
        result = self.doctor(api_proxy=proxy)
        self.assert_urls_clean(result, password)
        self.assert_check(result, "domino-credential", "pass",
                          f"token fetched from the api proxy http://127.0.0.1:{self.service.port}/",
                          f"({len(proxy_token)} bytes)")
        self.assert_check(result, "mapping.service", "pass", "HTTP 200")
        self.assertEqual(len(self.service.token_requests()), 1)
        mapping = [r for r in self.service.requests if r.method == "POST"]
        self.assertEqual(len(mapping), 1)
        self.assertEqual(mapping[0].header_values("Authorization"), ["Bearer " + proxy_token])

    # --- secrets ----------------------------------------------------------------------
    def test_no_secret_in_any_output(self):
        self.publish()
        api_key = self.add_secret("API key", make_api_key())
        with FakeSts() as sts:
            self.sts_endpoint = sts.url
            outputs = []
            for extra in ((), ("--json",)):
                for level in ("debug", "info"):
                    for fmt in ("text", "json"):
                        result = self.doctor("--sts", *extra, log_level=level, log_format=fmt,
                                             api_key=api_key)
                        self.assertEqual(result.returncode, 0, result.describe())
                        outputs += [result.stdout, result.stderr]
            issued = [value for creds in sts.issued for value in creds]
        # 8 runs x 2 pairs x (AssumeRoleWithWebIdentity + AssumeRole) x 3 values.
        self.assertEqual(len(issued), 8 * 2 * 2 * 3)
        self.assertTrue(any("requester resolved" in o for o in outputs))  # debug logs ran
        for output in outputs:
            for secret in issued:
                self.assertNotIn(secret, output, "a temporary credential leaked")
            self.assertIsNone(re.search(r"ASIA[0-9A-F]{16}", output))
        # The API key is only shown as present and its length.
        self.assertIn("api-key: present (64 bytes)", outputs[0])

    # --- profiles ---------------------------------------------------------------------
    def test_profiles_lists_every_profile(self):
        self.publish()
        result = self.run_agent(["profiles", "--aws-config-file", self.config])
        self.assertEqual(result.returncode, 0, result.describe())
        names = [line.split()[0] for line in result.stdout_lines[1:]]
        from botocore.session import Session
        with mock.patch.dict(os.environ, {"AWS_CONFIG_FILE": self.config}):
            self.assertEqual(sorted(names), sorted(Session().available_profiles))
        row = next(l for l in result.stdout_lines if l.startswith("acme-list-bucket-role "))
        self.assertEqual(row.split(), ["acme-list-bucket-role", "524112250363",
                                       "arn:aws:iam::524112250363:role/acme-list-bucket-role",
                                       "arn:aws:iam::946429944765:role/acme-list-bucket-role"])
        as_json = json.loads(self.run_agent(["profiles", "--json", "--aws-config-file",
                                             self.config]).stdout)
        self.assertEqual(as_json["profiles"], names)
        self.assertEqual([r["profile"] for r in as_json["roles"]], list(REFERENCE_PROFILES))
        self.assertEqual(as_json["roles"][0]["proxy_account"], "946429944765")

    def test_profiles_without_a_config(self):
        result = self.run_agent(["profiles", "--aws-config-file", self.config])
        self.assert_error(result, 1, "no config file " + self.config)

    def test_usage_errors_exit_2(self):
        result = self.run_agent(["doctor", "--print", *self.flags()])
        self.assertEqual(result.returncode, 2, result.describe())
        result = self.run_agent(["profiles", "--sts"])
        self.assertEqual(result.returncode, 2, result.describe())


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""`irsa-agent mapping-service` against moto's IAM and the Kubernetes and
Domino stand-ins (mapping_stand_ins.py): the reference's answer, bad input
refused before any call, trust policies edited without touching an
administrator's entries, the length limit (503, document unchanged), GC
before giving up and on the timer, two replicas under 200 concurrent
requests, and the end to end: service -> `irsa-agent once` -> boto3.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_mapping_service.py
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import agent_binary, free_port, make_jwt, make_pki  # noqa: E402
from mapping_stand_ins import (ACCOUNT, ASSET_ACCOUNT, COMPUTE_NS, ISSUER,  # noqa: E402
                               MappingWorld, policy_length, proxy_role_policy, run_id, user_id)

ADMIN_STATEMENT = {"Sid": "BreakGlass", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                   "Action": "sts:AssumeRole"}
ADMIN_ENTRIES = ["system:serviceaccount:other-ns:run-abc",
                 f"system:serviceaccount:{COMPUTE_NS}:admin-*"]
TOKEN_PATH = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"


def post(url, body, headers=None, ctx=None, raw=None, method="POST"):
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def get(url, headers=None, ctx=None):
    return post(url, None, headers=headers, ctx=ctx, raw=b"", method="GET") if False else \
        _get(url, headers, ctx)


def _get(url, headers, ctx):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


class Service:
    """One service process; stopped with SIGTERM."""

    def __init__(self, world, extra=(), tls=None):
        self.port = free_port()
        args = world.service_args(self.port, extra)
        if tls:
            args += ["--tls-cert-file", tls.server_cert, "--tls-key-file", tls.server_key]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([agent_binary(), "mapping-service", *args],
                                     env=world.service_env(), stdout=self.log,
                                     stderr=subprocess.STDOUT)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.ctx = ssl.create_default_context(cafile=tls.ca_cert) if tls else None
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if _get(self.url + "/healthz", None, self.ctx)[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("mapping-service did not come up: " + self.output())

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def map(self, run, credential, header="Authorization"):
        value = f"Bearer {credential}" if header == "Authorization" else credential
        return post(self.url + "/map_iam_role_to_pod_sa", {"run_id": run},
                    headers={header: value}, ctx=self.ctx)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.log.close()
        return rc


class MappingServiceTest(unittest.TestCase):
    max_length = 2048
    enforce_auth = True  # moto checks the service's signatures and IAM policy

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mapsvc-")
        self.world = MappingWorld(self.dir, max_length=self.max_length,
                                  enforce_auth=self.enforce_auth).start()
        self.services = []

    def tearDown(self):
        for s in self.services:
            s.stop()
        self.world.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def service(self, extra=(), tls=None) -> Service:
        s = Service(self.world, extra, tls)
        self.services.append(s)
        return s

    def two_org_user(self, subjects=(), extra=()):
        self.world.add_proxy_roles(["acme-update-bucket-role", "acme-list-bucket-role"],
                                   subjects=subjects, extra=extra)
        self.world.set_org_mapping({
            "acme-update": f"arn:aws:iam::{ASSET_ACCOUNT}:role/acme-update-bucket-role",
            "acme-list": f"arn:aws:iam::{ASSET_ACCOUNT}:role/acme-list-bucket-role"})
        cred = "tok-" + "a" * 40
        self.world.add_user(cred, user_id(1), orgs=["acme-update", "acme-list"])
        return cred

    def assert_no_secret(self, text, *secrets):
        for s in secrets:
            self.assertNotIn(s, text)


class AnswerAndInput(MappingServiceTest):
    def test_reference_answer_and_trust_edit(self):
        cred = self.two_org_user(subjects=ADMIN_ENTRIES + [f"*{run_id(99)}"],
                                 extra=[ADMIN_STATEMENT])
        self.world.kube.add_pod(run_id(1), user_id(1), sa="user-one")
        svc = self.service()
        status, body, headers = svc.map(run_id(1), cred)
        self.assertEqual(status, 200, body)
        expected = "\n".join(
            f"[profile {r}]\nsource_profile = src_{r}\n"
            f"role_arn=arn:aws:iam::{ASSET_ACCOUNT}:role/{r}\n[profile src_{r}]\n"
            f"web_identity_token_file = {TOKEN_PATH}\n"
            f"role_arn=arn:aws:iam::{ACCOUNT}:role/{r}"
            for r in ("acme-update-bucket-role", "acme-list-bucket-role"))
        self.assertEqual(body, expected)
        subject = f"system:serviceaccount:{COMPUTE_NS}:user-one"
        for role in ("acme-update-bucket-role", "acme-list-bucket-role"):
            subs = self.world.moto.subjects(role)
            self.assertIn(subject, subs)
            for admin in ADMIN_ENTRIES:
                self.assertIn(admin, subs)
            self.assertIn(ADMIN_STATEMENT, self.world.moto.trust_policy(role)["Statement"])
        writes = self.world.iam.writes()
        self.assertEqual(writes, 2)
        # Again (a retry, another run of the same account): no write at all.
        status, body2, _ = svc.map(run_id(1), cred, header="X-Domino-Api-Key")
        self.assertEqual((status, body2), (200, expected))
        self.assertEqual(self.world.iam.writes(), writes)
        self.assert_no_secret(svc.output(), cred, self.world.kube_token)
        status, metrics, _ = _get(svc.url + "/metrics", None, None)
        self.assertEqual(status, 200)
        self.assertIn('irsa_mapping_requests_total{route="map_iam_role_to_pod_sa",status="200"} 2',
                      metrics)
        self.assertIn('irsa_mapping_trust_policy_limit 2048', metrics)
        self.assertIn('irsa_mapping_dependency_calls_total{dependency="iam",outcome="success"}',
                      metrics)
        self.assertIn('irsa_mapping_dependency_calls_total{dependency="domino",outcome="success"}',
                      metrics)
        self.assertIn('irsa_mapping_trust_policy_writes_total{role="acme-list-bucket-role"} 1',
                      metrics)
        self.assert_no_secret(metrics, cred)

    def test_bad_input_answered_before_any_call(self):
        cred = self.two_org_user()
        self.world.kube.add_pod(run_id(1), user_id(1))
        svc = self.service()
        before = (dict(self.world.domino.stats()), self.world.kube.calls("pods"))
        url = svc.url + "/map_iam_role_to_pod_sa"
        auth = {"Authorization": f"Bearer {cred}"}
        cases = [
            (post(url, None, auth, raw=b"{not json"), 400, "request body is not a JSON object"),
            (post(url, {"irsa_workload_type": "edge-workload"}, auth), 400, "run_id is missing"),
            (post(url, {"run_id": "a,b=c"}, auth), 400, "run_id must match"),
            (post(url, {"run_id": "x" * 65}, auth), 400, "run_id must match"),
            (post(url, None, auth, raw=b"{" + b" " * 20000 + b"}"), 413, "request body"),
            (post(svc.url + "/nope", {"run_id": "x"}, auth), 404, "no such route"),
            (_get(url, auth, None), 405, "method not allowed"),
        ]
        for (status, body, _), want_status, want_text in cases:
            self.assertEqual(status, want_status, body)
            self.assertIn(want_text, body)
            self.assertEqual(body.count("\n"), 0)
        self.assertEqual((dict(self.world.domino.stats()), self.world.kube.calls("pods")), before)
        # Another user's run: the reference's 404; an unknown credential: 401.
        self.world.add_user("tok-other-" + "b" * 30, user_id(2), orgs=["acme-list"])
        status, body, _ = svc.map(run_id(1), "tok-other-" + "b" * 30)
        self.assertEqual((status, body),
                         (404, f"No Pod Found with the run id {run_id(1)} for the user"))
        status, _, _ = svc.map(run_id(1), "tok-unknown-" + "c" * 30)
        self.assertEqual(status, 401)
        self.assertEqual(self.world.iam.writes(), 0)

    def test_user_without_roles_gets_empty_answer(self):
        self.two_org_user()
        self.world.add_user("tok-none-" + "d" * 30, user_id(3), orgs=[])
        self.world.kube.add_pod(run_id(3), user_id(3))
        svc = self.service()
        self.assertEqual(svc.map(run_id(3), "tok-none-" + "d" * 30)[:2], (200, ""))

    def test_my_roles_and_map_org(self):
        cred = self.two_org_user()
        self.world.add_user("tok-admin-" + "e" * 30, user_id(9), orgs=[], is_admin=True)
        svc = self.service()
        status, body, _ = _get(svc.url + "/get_my_roles", {"Authorization": f"Bearer {cred}"},
                               None)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["result"]["acme-list"],
                         f"arn:aws:iam::{ASSET_ACCOUNT}:role/acme-list-bucket-role")
        req = {"domino_org": "neworg",
               "iam_role": f"arn:aws:iam::{ASSET_ACCOUNT}:role/acme-list-bucket-role"}
        status, body, _ = post(svc.url + "/map_org_to_iam_role", req,
                               {"Authorization": f"Bearer {cred}"})
        self.assertEqual((status, body),
                         (403, "Not Authorized. Only a Domino Admin can map domino orgs to "
                               "iam roles"))
        status, body, _ = post(svc.url + "/map_org_to_iam_role", req,
                               {"X-Domino-Api-Key": "tok-admin-" + "e" * 30})
        self.assertEqual(status, 200, body)
        cm = self.world.kube.configmap("domino-platform", "domino-org-iamrole-mapping")
        self.assertEqual(cm["data"]["neworg"], req["iam_role"])
        self.assertEqual(cm["data"]["acme-list"],
                         f"arn:aws:iam::{ASSET_ACCOUNT}:role/acme-list-bucket-role")


class Limit(MappingServiceTest):
    max_length = 1024

    def fill(self, live: bool, first: int):
        """Subjects of `live` (or ended) pods, of names as long as the new
        one's, until one more would not fit."""
        subjects = []
        for i in range(first, first + 200):
            sa = f"filler{i:04d}"
            subject = f"system:serviceaccount:{COMPUTE_NS}:{sa}"
            doc = proxy_role_policy(subjects + [subject, "system:serviceaccount:other-ns:x",
                                                f"*{run_id(777)}"], [ADMIN_STATEMENT])
            if policy_length(json.dumps(doc)) > self.max_length:
                break
            subjects.append(subject)
            self.world.kube.add_pod(run_id(1000 + i), user_id(50), sa=sa,
                                    phase="Running" if live else "Succeeded")
        return subjects + ["system:serviceaccount:other-ns:x"]

    def test_full_of_live_subjects_is_503_and_unchanged(self):
        cred = self.two_org_user()
        subjects = self.fill(True, 0)
        for role in ("acme-update-bucket-role", "acme-list-bucket-role"):
            self.world.moto.put_trust_policy(role, proxy_role_policy(subjects, [ADMIN_STATEMENT]))
        before = self.world.moto.trust_policy("acme-update-bucket-role")
        self.world.kube.add_pod(run_id(1), user_id(1), sa="newuser01")
        svc = self.service()
        status, body, headers = svc.map(run_id(1), cred)
        self.assertEqual(status, 503, body)
        self.assertIn("Retry-After", headers)
        self.assertIn("acme-update-bucket-role", body)
        self.assertIn("limit" if "limit" in body else "of 1024", body)
        self.assertEqual(body.count("\n"), 0)
        self.assertEqual(self.world.moto.trust_policy("acme-update-bucket-role"), before)
        self.assertEqual(self.world.iam.writes(), 0)
        status, metrics, _ = _get(svc.url + "/metrics", None, None)
        self.assertIn('irsa_mapping_trust_policy_full_total{role="acme-update-bucket-role"} 1',
                      metrics)

    def test_gc_makes_room_at_the_limit(self):
        cred = self.two_org_user()
        subjects = self.fill(False, 0)   # every filler pod has ended
        legacy = f"*{run_id(777)}"
        for role in ("acme-update-bucket-role", "acme-list-bucket-role"):
            self.world.moto.put_trust_policy(role, proxy_role_policy(subjects[:-2] + [legacy] +
                                                                     subjects[-2:],
                                                                     [ADMIN_STATEMENT]))
        self.world.kube.add_pod(run_id(1), user_id(1), sa="newuser01")
        svc = self.service()
        status, body, _ = svc.map(run_id(1), cred)
        self.assertEqual(status, 200, body)
        for role in ("acme-update-bucket-role", "acme-list-bucket-role"):
            subs = self.world.moto.subjects(role)
            self.assertIn(f"system:serviceaccount:{COMPUTE_NS}:newuser01", subs)
            self.assertIn("system:serviceaccount:other-ns:x", subs)
            self.assertNotIn(legacy, subs)
            self.assertLess(len(subs), len(subjects))
            doc = json.dumps(self.world.moto.trust_policy(role))
            self.assertLessEqual(policy_length(doc), self.max_length)
            self.assertIn(ADMIN_STATEMENT, self.world.moto.trust_policy(role)["Statement"])


class Timer(MappingServiceTest):
    def test_dead_runs_subject_removed_by_the_timer(self):
        cred = self.two_org_user(subjects=ADMIN_ENTRIES)
        self.world.kube.add_pod(run_id(1), user_id(1), sa="run-one")
        self.world.kube.add_pod(run_id(2), user_id(1), sa="run-two")
        svc = self.service(["--trust-gc-interval", "5"])
        self.assertEqual(svc.map(run_id(1), cred)[0], 200)
        self.assertEqual(svc.map(run_id(2), cred)[0], 200)
        one = f"system:serviceaccount:{COMPUTE_NS}:run-one"
        two = f"system:serviceaccount:{COMPUTE_NS}:run-two"
        self.world.kube.set_phase(run_id(1), "Succeeded")
        deadline = time.time() + 30
        while time.time() < deadline and any(
                one in self.world.moto.subjects(r)
                for r in ("acme-update-bucket-role", "acme-list-bucket-role")):
            time.sleep(0.5)
        for role in ("acme-update-bucket-role", "acme-list-bucket-role"):
            subs = self.world.moto.subjects(role)
            self.assertNotIn(one, subs, svc.output())
            self.assertIn(two, subs)
            for admin in ADMIN_ENTRIES:
                self.assertIn(admin, subs)


class Concurrency(MappingServiceTest):
    def test_two_replicas_200_requests(self):
        runs = self.world.populate(users=20, runs=200, roles=3, per_user_sa=True)
        pki = make_pki(os.path.join(self.dir, "svc-pki"), "svc")
        a = self.service(tls=pki)
        b = self.service(tls=pki)

        def one(i):
            r = runs[i]
            return (a if i % 2 else b).map(r["run_id"], r["credential"])

        with concurrent.futures.ThreadPoolExecutor(200) as pool:
            answers = list(pool.map(one, range(200)))
        statuses = [s for s, _, _ in answers]
        self.assertEqual(statuses.count(200), 200,
                         str([b for s, b, _ in answers if s != 200][:3]) + a.output()[-3000:])
        for role in self.world.proxy_arns:
            subs = self.world.moto.subjects(role)
            for u in range(20):
                self.assertIn(f"system:serviceaccount:{COMPUTE_NS}:user-{user_id(u)}", subs)
            self.assertEqual(len(subs), len(set(subs)))
            doc = json.dumps(self.world.moto.trust_policy(role))
            self.assertLessEqual(policy_length(doc), 2048)
        # Group commit: far fewer writes than requests x roles.
        self.assertLessEqual(self.world.iam.writes(), 3 * 20)
        # The issue's budget: at most 2 Kubernetes calls per request on
        # average, Lease calls included; and connections are kept open: each
        # replica has at most 8 calls in flight, so a few TLS connections
        # carry every call instead of one per call.
        kube = self.world.kube.stats()
        self.assertLessEqual(self.world.kube.calls(), 2 * 200, kube)
        self.assertLessEqual(kube["connections"], 2 * 12, kube)
        self.assertEqual(a.stop(), 0)
        self.assertEqual(b.stop(), 0)


class EndToEnd(MappingServiceTest):
    # moto's STS answers the SDK's unsigned AssumeRoleWithWebIdentity only
    # without its IAM policy enforcement.
    enforce_auth = False

    def test_service_then_once_then_boto3(self):
        import boto3
        cred = self.two_org_user()
        self.world.kube.add_pod(run_id(1), user_id(1), sa="user-one")
        pki = make_pki(os.path.join(self.dir, "svc-pki"), "svc")
        svc = self.service(tls=pki)
        token_file = os.path.join(self.dir, "domino-token")
        with open(token_file, "w") as f:
            f.write(cred + "\n")
        wi_token = os.path.join(self.dir, "wi-token")
        with open(wi_token, "w") as f:
            f.write(make_jwt(iss=f"https://{ISSUER}",
                             sub=f"system:serviceaccount:{COMPUTE_NS}:user-one"))
        config = os.path.join(self.dir, "aws-config")
        env = {"PATH": "/usr/bin:/bin"}
        result = subprocess.run(
            [agent_binary(), "once", "--endpoint", svc.url + "/map_iam_role_to_pod_sa",
             "--ca-file", pki.ca_cert, "--domino-token-file", token_file, "--run-id", run_id(1),
             "--aws-config-file", config, "--web-identity-token-file", wi_token,
             "--region", "us-east-1"],
            env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(cred, result.stderr + result.stdout)
        for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.pop(name, None)
        os.environ["AWS_CONFIG_FILE"] = config
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
        os.environ["AWS_ENDPOINT_URL_STS"] = self.world.moto.url
        session = boto3.session.Session(profile_name="acme-list-bucket-role",
                                        region_name="us-east-1")
        self.assertIn("src_acme-list-bucket-role", session.available_profiles)
        sts = session.client("sts", endpoint_url=self.world.moto.url)
        arn = sts.get_caller_identity()["Arn"]
        self.assertIn("acme-list-bucket-role", arn)


if __name__ == "__main__":
    unittest.main()

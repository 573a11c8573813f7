#!/usr/bin/env python3
"""The mapping service's stand-ins behave like the real APIs they replace
(mapping_stand_ins.py): the Kubernetes API (selectors, pagination,
optimistic concurrency on ConfigMaps and Leases, bearer token), the Domino
API (both credential headers, 401/403, failure modes), moto's IAM behind the
counting proxy (signatures and the service's policy enforced, the length
quota refused), and the `serve` process form.

Run: python3 tests/integration/test_mapping_stand_ins.py
"""

from __future__ import annotations

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
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mapping_stand_ins import (ACCOUNT, COMPUTE_NS, ISSUER, ORG_MAPPING, PLATFORM_NS,  # noqa: E402
                               ROLE_MAPPING, MappingWorld, policy_length, proxy_role_policy,
                               run_id, user_id)

LEASES = f"/apis/coordination.k8s.io/v1/namespaces/{PLATFORM_NS}/leases"
ADMIN_STATEMENT = {"Sid": "BreakGlass", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                   "Action": "sts:AssumeRole"}


def call(url: str, method: str = "GET", body=None, headers=None, ctx=None) -> tuple:
    """(status, parsed JSON or raw bytes) of one request."""
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


class WorldTestCase(unittest.TestCase):
    with_iam = False

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="irsa-mapstand-")
        cls.world = MappingWorld(cls.folder, with_iam=cls.with_iam, max_page=None).start()
        cls.ctx = ssl.create_default_context(cafile=cls.world.pki.ca_cert)

    @classmethod
    def tearDownClass(cls):
        cls.world.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def kube(self, path: str, method: str = "GET", body=None, token=None, ctype=None):
        headers = {"Authorization": f"Bearer {token or self.world.kube_token}"}
        if body is not None:
            headers["Content-Type"] = ctype or "application/json"
        return call(self.world.kube.url + path, method, body, headers, self.ctx)


class KubeApiTest(WorldTestCase):
    def setUp(self):
        self.world.kube.pods.clear()
        k = self.world.kube
        k.add_pod(run_id(1), user_id(1))
        k.add_pod(run_id(2), user_id(1), sa="user-a", phase="Pending")
        k.add_pod(run_id(3), user_id(2), phase="Succeeded")
        for i in range(10, 17):
            k.add_pod(run_id(i), user_id(3))

    def pods(self, query: str) -> list:
        status, body = self.kube(f"/api/v1/namespaces/{COMPUTE_NS}/pods?{query}")
        self.assertEqual(status, 200, body)
        return [p["metadata"]["labels"]["dominodatalab.com/execution-id"] for p in body["items"]]

    def test_bearer_token_checked(self):
        status, body = self.kube(f"/api/v1/namespaces/{COMPUTE_NS}/pods", token="wrong")
        self.assertEqual(status, 401)
        self.assertEqual(body["reason"], "Unauthorized")
        self.assertGreaterEqual(self.world.kube.counts()["unauthorized"], 1)

    def test_label_selectors(self):
        q = urllib.parse.urlencode({"labelSelector": f"dominodatalab.com/execution-id={run_id(2)}"})
        self.assertEqual(self.pods(q), [run_id(2)])
        q = urllib.parse.urlencode({"labelSelector": "dominodatalab.com/starting-user-id=="
                                    f"{user_id(1)},dominodatalab.com/execution-id!={run_id(1)}"})
        self.assertEqual(self.pods(q), [run_id(2)])
        q = urllib.parse.urlencode({"labelSelector": "dominodatalab.com/execution-id in "
                                    f"({run_id(1)},{run_id(3)})"})
        self.assertEqual(self.pods(q), [run_id(1), run_id(3)])
        no_name = urllib.parse.urlencode({"labelSelector": "!app.kubernetes.io/name"})
        self.assertEqual(self.pods(no_name), [])
        status, _ = self.kube(f"/api/v1/namespaces/{COMPUTE_NS}/pods?labelSelector=a%3D%3Db%3Dc")
        self.assertEqual(status, 400)

    def test_field_selectors(self):
        q = urllib.parse.urlencode({"fieldSelector": "status.phase!=Succeeded,"
                                    "spec.serviceAccountName=user-a"})
        self.assertEqual(self.pods(q), [run_id(2)])
        status, body = self.kube(f"/api/v1/namespaces/{COMPUTE_NS}/pods?"
                                 "fieldSelector=spec.nodeName%3Dx")
        self.assertEqual(status, 400)
        self.assertIn("field label not supported", body["message"])

    def test_pagination_covers_every_pod_once(self):
        seen, token, pages = [], None, 0
        while pages < 20:
            q = {"limit": "3"}
            if token:
                q["continue"] = token
            status, body = self.kube(f"/api/v1/namespaces/{COMPUTE_NS}/pods?"
                                     + urllib.parse.urlencode(q))
            self.assertEqual(status, 200, body)
            self.assertLessEqual(len(body["items"]), 3)
            seen += [p["metadata"]["name"] for p in body["items"]]
            pages += 1
            token = body["metadata"].get("continue")
            if not token:
                break
        self.assertEqual(pages, 4)
        self.assertEqual(sorted(seen), sorted(p["metadata"]["name"]
                                              for p in self.world.kube.pods[COMPUTE_NS]))
        status, _ = self.kube(f"/api/v1/namespaces/{COMPUTE_NS}/pods?limit=3&continue=Z2FyYmFnZQ==")
        self.assertEqual(status, 410)

    def test_remove_and_phase_helpers(self):
        self.assertEqual(self.world.kube.remove_pods(run_id(1)), 1)
        self.world.kube.set_phase(run_id(2), "Failed")
        q = urllib.parse.urlencode({"fieldSelector": "status.phase=Failed"})
        self.assertEqual(self.pods(q), [run_id(2)])
        self.assertNotIn(run_id(1), self.pods(""))

    def test_configmap_optimistic_concurrency(self):
        path = f"/api/v1/namespaces/{PLATFORM_NS}/configmaps/{ORG_MAPPING}"
        self.world.set_org_mapping({"acme": "arn:aws:iam::524112250363:role/a"})
        status, cm = self.kube(path)
        self.assertEqual(status, 200)
        stale = json.loads(json.dumps(cm))
        cm["data"]["beta"] = "arn:aws:iam::524112250363:role/b"
        status, new = self.kube(path, "PUT", cm)
        self.assertEqual(status, 200, new)
        self.assertNotEqual(new["metadata"]["resourceVersion"],
                            stale["metadata"]["resourceVersion"])
        stale["data"]["gamma"] = "x"
        status, body = self.kube(path, "PUT", stale)
        self.assertEqual((status, body["reason"]), (409, "Conflict"))
        self.assertNotIn("gamma", self.world.kube.configmap(PLATFORM_NS, ORG_MAPPING)["data"])
        # A merge patch carrying the current version applies; a stale one is refused.
        rv = new["metadata"]["resourceVersion"]
        patch = {"metadata": {"resourceVersion": rv}, "data": {"delta": "d", "acme": None}}
        status, body = self.kube(path, "PATCH", patch, ctype="application/merge-patch+json")
        self.assertEqual(status, 200, body)
        self.assertEqual(sorted(body["data"]), ["beta", "delta"])
        status, _ = self.kube(path, "PATCH", patch, ctype="application/merge-patch+json")
        self.assertEqual(status, 409)
        status, _ = self.kube(path, "PATCH", {"data": {}}, ctype="application/json-patch+json")
        self.assertEqual(status, 415)
        # Someone else writes between our read and our write.
        status, cm = self.kube(path)
        self.world.kube.writers_between = 1
        status, _ = self.kube(path, "PUT", cm)
        self.assertEqual(status, 409)
        status, _ = self.kube(f"/api/v1/namespaces/{PLATFORM_NS}/configmaps/absent")
        self.assertEqual(status, 404)
        counts = self.world.kube.counts()
        self.assertGreaterEqual(counts["configmaps:put"], 3)
        self.assertGreaterEqual(counts["configmaps:patch"], 3)

    def test_lease_create_take_over_conflict(self):
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": "irsa-role-a", "namespace": PLATFORM_NS},
                 "spec": {"holderIdentity": "replica-1", "leaseDurationSeconds": 10}}
        status, created = self.kube(LEASES, "POST", lease)
        self.assertEqual(status, 201, created)
        status, body = self.kube(LEASES, "POST", lease)
        self.assertEqual((status, body["reason"]), (409, "AlreadyExists"))
        status, got = self.kube(f"{LEASES}/irsa-role-a")
        self.assertEqual(got["spec"]["holderIdentity"], "replica-1")
        got["spec"]["holderIdentity"] = "replica-2"
        status, taken = self.kube(f"{LEASES}/irsa-role-a", "PUT", got)
        self.assertEqual(status, 200, taken)
        got["spec"]["holderIdentity"] = "replica-3"     # stale resourceVersion now
        status, _ = self.kube(f"{LEASES}/irsa-role-a", "PUT", got)
        self.assertEqual(status, 409)
        del got["metadata"]["resourceVersion"]
        status, _ = self.kube(f"{LEASES}/irsa-role-a", "PUT", got)
        self.assertEqual(status, 422)
        stored = self.world.kube.lease(PLATFORM_NS, "irsa-role-a")
        self.assertEqual(stored["spec"]["holderIdentity"], "replica-2")
        status, _ = self.kube(f"{LEASES}/absent")
        self.assertEqual(status, 404)
        log = [(op, holder, code) for op, name, holder, code in self.world.kube.lease_log
               if name == "irsa-role-a"]
        self.assertEqual(log, [("create", "replica-1", 201), ("create", "replica-1", 409),
                               ("update", "replica-2", 200), ("update", "replica-3", 409)])

    def test_injected_failures_and_counts(self):
        before = self.world.kube.counts()
        self.world.kube.fail["pods:select"] = [500, 1]
        q = urllib.parse.urlencode({"labelSelector": f"dominodatalab.com/execution-id={run_id(1)}"})
        status, _ = self.kube(f"/api/v1/namespaces/{COMPUTE_NS}/pods?{q}")
        self.assertEqual(status, 500)
        self.assertEqual(self.pods(q), [run_id(1)])
        after = self.world.kube.counts()
        self.assertEqual(after["pods:select"] - before["pods:select"], 2)


class DominoTest(WorldTestCase):
    def setUp(self):
        self.world.domino.mode = "ok"
        self.world.add_user("jwt-one", user_id(1), orgs=["acme", "beta"], is_admin=True)
        self.world.add_user("key-two", user_id(2), orgs=[])
        self.world.domino.add_user("key-three", user_id(3), forbidden=True)

    def domino(self, path: str, headers: dict):
        return call(self.world.domino.url + path, headers=headers)

    def test_both_credential_headers(self):
        status, body = self.domino("/v4/auth/principal", {"Authorization": "Bearer jwt-one"})
        self.assertEqual((status, body["canonicalId"], body["isAdmin"]), (200, user_id(1), True))
        status, body = self.domino("/v4/organizations/self", {"Authorization": "Bearer jwt-one"})
        self.assertEqual([o["name"] for o in body], ["acme", "beta"])
        status, body = self.domino("/v4/organizations/self", {"X-Domino-Api-Key": "key-two"})
        self.assertEqual((status, body), (200, []))
        status, body = self.domino("/v4/auth/principal", {"X-Domino-Api-Key": "key-two"})
        self.assertFalse(body["isAdmin"])
        last = self.world.domino.requests[-1]
        self.assertEqual((last["via"], last["user"], last["status"]), ("api-key", user_id(2), 200))
        self.assertNotIn("key-two", json.dumps(self.world.domino.requests))

    def test_unknown_forbidden_and_failure_modes(self):
        self.assertEqual(self.domino("/v4/auth/principal",
                                     {"Authorization": "Bearer nope"})[0], 401)
        self.assertEqual(self.domino("/v4/auth/principal", {})[0], 401)
        self.assertEqual(self.domino("/v4/auth/principal", {"X-Domino-Api-Key": "key-three"})[0],
                         403)
        self.world.domino.mode = "error"
        self.assertEqual(self.domino("/v4/auth/principal", {"Authorization": "Bearer jwt-one"})[0],
                         500)
        self.world.domino.mode = "hang"
        self.world.domino.hang_seconds = 1.0
        started = time.monotonic()
        status, _ = self.domino("/v4/auth/principal", {"Authorization": "Bearer jwt-one"})
        self.assertEqual(status, 500)
        self.assertGreaterEqual(time.monotonic() - started, 0.9)


class MotoIamTest(WorldTestCase):
    with_iam = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.subject = f"system:serviceaccount:{COMPUTE_NS}:run-{run_id(1)}"
        cls.world.add_proxy_roles(["proxy-a", "proxy-b"], subjects=[cls.subject, "*admin-entry"],
                                  extra=[ADMIN_STATEMENT])
        cls.world.moto.create_proxy_role("not-a-proxy", proxy_role_policy([]))

    def signed(self, form: dict, keys=None, tamper=False):
        """A SigV4-signed IAM query-API call through the counting proxy."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        body = urllib.parse.urlencode(dict(form, Version="2010-05-08"))
        url = self.world.iam.url + "/"
        req = AWSRequest(method="POST", url=url, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(Credentials(*(keys or self.world.service_keys)), "iam", "us-east-1").add_auth(req)
        headers = dict(req.headers)
        if tamper:
            headers["Authorization"] = headers["Authorization"][:-8] + "00000000"
        return call(url, "POST", body.encode(), headers)

    def test_service_policy_allows_only_proxy_roles(self):
        status, body = self.signed({"Action": "GetRole", "RoleName": "proxy-a"})
        self.assertEqual(status, 200, body)
        doc = body.decode().split("<AssumeRolePolicyDocument>")[1].split("<")[0]
        self.assertIn(self.subject, urllib.parse.unquote(doc))
        status, body = self.signed({"Action": "GetRole", "RoleName": "not-a-proxy"})
        self.assertEqual(status, 403)
        self.assertIn(b"AccessDenied", body)
        status, body = self.signed({"Action": "ListRoles"})
        self.assertEqual(status, 403)

    def test_signatures_are_checked(self):
        status, body = self.signed({"Action": "GetRole", "RoleName": "proxy-a"}, tamper=True)
        self.assertEqual(status, 403)
        self.assertIn(b"SignatureDoesNotMatch", body)
        status, body = self.signed({"Action": "GetRole", "RoleName": "proxy-a"},
                                   keys=("AKIAUNKNOWN000000000", "x"))
        self.assertIn(b"InvalidClientTokenId", body)

    def test_update_through_proxy_and_length_quota(self):
        new = f"system:serviceaccount:{COMPUTE_NS}:user-{user_id(9)}"
        policy = self.world.moto.trust_policy("proxy-b")
        self.assertEqual(policy["Statement"][1], ADMIN_STATEMENT)
        policy["Statement"][0]["Condition"]["StringLike"][f"{ISSUER}:sub"].append(new)
        writes = self.world.iam.writes("proxy-b")
        status, body = self.signed({"Action": "UpdateAssumeRolePolicy", "RoleName": "proxy-b",
                                    "PolicyDocument": json.dumps(policy)})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.world.moto.subjects("proxy-b"), [self.subject, "*admin-entry", new])
        self.assertEqual(self.world.iam.writes("proxy-b"), writes + 1)
        # Over the quota (whitespace not counted): 409 LimitExceeded, nothing changed.
        subs = policy["Statement"][0]["Condition"]["StringLike"][f"{ISSUER}:sub"]
        while policy_length(json.dumps(policy)) <= self.world.max_length:
            subs.append(f"system:serviceaccount:{COMPUTE_NS}:run-{run_id(len(subs))}")
        status, body = self.signed({"Action": "UpdateAssumeRolePolicy", "RoleName": "proxy-b",
                                    "PolicyDocument": json.dumps(policy, indent=4)})
        self.assertEqual(status, 409)
        self.assertIn(b"LimitExceeded", body)
        self.assertEqual(len(self.world.moto.subjects("proxy-b")), 3)
        subs.pop()
        self.assertLessEqual(policy_length(json.dumps(policy, indent=4)), self.world.max_length)
        status, _ = self.signed({"Action": "UpdateAssumeRolePolicy", "RoleName": "proxy-b",
                                 "PolicyDocument": json.dumps(policy, indent=4)})
        self.assertEqual(status, 200)
        counts = self.world.iam.counts()
        self.assertGreaterEqual(counts["UpdateAssumeRolePolicy"], 3)
        self.assertGreaterEqual(counts["GetRole"], 1)

    def test_injected_throttling(self):
        self.world.iam.fail["GetRole"] = [400, "Throttling", 1]
        status, body = self.signed({"Action": "GetRole", "RoleName": "proxy-a"})
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>Throttling</Code>", body)
        self.assertEqual(self.signed({"Action": "GetRole", "RoleName": "proxy-a"})[0], 200)

    def test_config_maps_name_the_proxy_roles(self):
        data = self.world.kube.configmap(PLATFORM_NS, ROLE_MAPPING)["data"]
        self.assertEqual(data, {"proxy-a": f"arn:aws:iam::{ACCOUNT}:role/proxy-a",
                                "proxy-b": f"arn:aws:iam::{ACCOUNT}:role/proxy-b"})


class ServeProcessTest(unittest.TestCase):
    def test_serve_prints_world_and_answers_control(self):
        folder = tempfile.mkdtemp(prefix="irsa-mapstand-serve-")
        self.addCleanup(shutil.rmtree, folder, True)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mapping_stand_ins.py")
        proc = subprocess.Popen([sys.executable, script, "serve", "--dir", folder, "--runs", "4",
                                 "--users", "2", "--roles", "2", "--per-user-sa"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.communicate()))
        line = proc.stdout.readline()
        self.assertTrue(line, proc.stderr.read() if proc.poll() is not None else "no output")
        world = json.loads(line)
        self.assertIn("--iam-endpoint", world["service_args"])
        with open(world["credentials"]) as f:
            runs = json.load(f)
        self.assertEqual(len(runs), 4)
        self.assertEqual(os.stat(world["credentials"]).st_mode & 0o777, 0o600)
        status, body = call(world["control"] + "/pods", "POST",
                            {"run_id": run_id(99), "user_id": user_id(0)})
        self.assertEqual(status, 201)
        status, body = call(world["domino"] + "/v4/auth/principal",
                            headers={"X-Domino-Api-Key": runs[1]["credential"]})
        self.assertEqual(body["canonicalId"], user_id(1))
        status, roles = call(world["control"] + "/roles")
        self.assertEqual(sorted(roles), ["acme-role-0", "acme-role-1"])
        self.assertEqual(call(world["control"] + "/subjects/acme-role-1"), (200, []))
        status, stats = call(world["control"] + "/stats")
        self.assertEqual(stats["domino"]["counts"], {"/v4/auth/principal": 1})
        self.assertEqual(stats["domino"]["connections"], 1)
        self.assertEqual(call(world["control"] + f"/pods/{run_id(99)}", "DELETE")[1],
                         {"removed": 1})
        proc.terminate()
        proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""`irsa-agent doctor --mapping-service` against the mapping service's
stand-ins (mapping_stand_ins.py: Kubernetes over HTTPS with a bearer token,
Domino, moto's IAM checking signatures): all green, a broken ConfigMap entry
skipped and named, a proxy role missing in IAM, a trust policy near and over
the limit, a wrong Kubernetes token, Domino down, and never a token or key
in the output.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_doctor_mapping_service.py
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import free_port, run_agent  # noqa: E402
from mapping_stand_ins import (ACCOUNT, ASSET_ACCOUNT, PLATFORM_NS, ROLE_MAPPING,  # noqa: E402
                               MappingWorld, policy_length, proxy_role_policy)

ROLES = ["acme-list-bucket-role", "acme-update-bucket-role"]
SUBJECTS = [f"system:serviceaccount:domino-compute:run-{i:024x}" for i in range(3)]


class DoctorMappingServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="doctor-mapsvc-")
        cls.world = MappingWorld(cls.dir).start()
        cls.arns = cls.world.add_proxy_roles(ROLES, subjects=SUBJECTS)
        cls.orgs = {"acme-list": f"arn:aws:iam::{ASSET_ACCOUNT}:role/acme-list-bucket-role",
                    "acme-update": f"arn:aws:iam::{ASSET_ACCOUNT}:role/acme-update-bucket-role"}
        cls.world.set_org_mapping(cls.orgs)
        # What IAM counts for each role's document: no whitespace.
        cls.length = policy_length(json.dumps(proxy_role_policy(SUBJECTS)))
        cls.secrets = [cls.world.kube_token, *cls.world.service_keys]

    @classmethod
    def tearDownClass(cls):
        cls.world.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):  # every test starts from the good world
        self.world.kube.set_configmap(PLATFORM_NS, ROLE_MAPPING, dict(self.arns))
        self.world.set_org_mapping(self.orgs)

    def doctor(self, extra=(), env=None):
        """Runs the doctor with the service's own arguments and environment,
        in JSON and in text; checks neither holds a secret; returns the exit
        code, the checks by name (lists) and the text."""
        args = ["doctor", "--mapping-service", *self.world.service_args(free_port())]
        for flag, value in zip(extra[::2], extra[1::2]):  # the service's value, replaced
            if flag in args:
                args[args.index(flag) + 1] = value
            else:
                args += [flag, value]
        environment = {**self.world.service_env(), **(env or {})}
        as_json = run_agent([*args, "--json"], env=environment, timeout=120)
        as_text = run_agent(args, env=environment, timeout=120)
        for result in (as_json, as_text):
            for secret in self.secrets:
                self.assertNotIn(secret, result.stdout + result.stderr,
                                 "a token or key reached the doctor's output")
        self.assertEqual(as_json.returncode, as_text.returncode, as_text.describe())
        report = json.loads(as_json.stdout)
        checks = {}
        for check in report["checks"]:
            checks.setdefault(check["name"], []).append(check)
        return as_json.returncode, checks, as_text.stdout

    def statuses(self, checks, name):
        return [c["status"] for c in checks[name]]

    def test_all_green(self):
        code, checks, text = self.doctor()
        self.assertEqual(code, 0, text)
        for name in ("service.domino", "service.kubernetes", "service.org-mapping",
                     "service.role-mapping"):
            self.assertEqual(self.statuses(checks, name), ["pass"], text)
        trust = checks["service.trust-policy"]
        self.assertEqual([c["status"] for c in trust], ["pass", "pass"], text)
        self.assertEqual(sorted(c["facts"]["role"] for c in trust), sorted(self.arns.values()))
        for c in trust:
            self.assertEqual(c["facts"]["length"], str(self.length))
            self.assertEqual(c["facts"]["managed_entries"], str(len(SUBJECTS)))
            self.assertEqual(c["facts"]["irsa_statements"], "1")
        self.assertIn("2 of 2 entries valid", checks["service.org-mapping"][0]["fact"])
        self.assertIn("summary: 7 pass, 0 warn, 0 fail", text)
        # Domino was asked without a credential (the service has none of its own).
        asked = [r for r in self.world.domino.requests if r["path"] == "/v4/auth/principal"]
        self.assertTrue(asked)
        self.assertEqual({r["via"] for r in asked}, {None})

    def test_broken_entries_are_skipped_and_named(self):
        self.world.set_org_mapping({**self.orgs, "bad-org": "not-an-arn",
                                    "orphan-org": f"arn:aws:iam::{ASSET_ACCOUNT}:role/nowhere"})
        self.world.kube.set_configmap(PLATFORM_NS, ROLE_MAPPING,
                                      {**self.arns, "broken-asset": "arn:aws:iam::12:role/x"})
        code, checks, text = self.doctor()
        self.assertEqual(code, 0, text)  # warnings only: the service still serves the rest
        org = checks["service.org-mapping"][0]
        self.assertEqual(org["status"], "warn", text)
        self.assertIn("2 of 4 entries valid", org["fact"])
        skipped = " | ".join(v for k, v in org["facts"].items() if k.startswith("skipped_"))
        self.assertIn("bad-org", skipped)
        self.assertIn("orphan-org", skipped)
        self.assertIn("no proxy role for nowhere", skipped)
        role = checks["service.role-mapping"][0]
        self.assertEqual(role["status"], "warn", text)
        self.assertIn("broken-asset", role["facts"]["skipped_1"])
        self.assertIn("account", role["facts"]["skipped_1"])
        self.assertEqual(self.statuses(checks, "service.trust-policy"), ["pass", "pass"])

    def test_role_missing_in_iam_fails(self):
        ghost = f"arn:aws:iam::{ACCOUNT}:role/ghost-proxy-role"
        self.world.kube.set_configmap(PLATFORM_NS, ROLE_MAPPING,
                                      {**self.arns, "ghost-asset": ghost})
        code, checks, text = self.doctor()
        self.assertEqual(code, 1, text)
        failed = [c for c in checks["service.trust-policy"] if c["status"] == "fail"]
        self.assertEqual(len(failed), 1, text)
        self.assertIn("ghost-proxy-role", failed[0]["fact"])
        self.assertIn("GetRole", failed[0]["fact"])
        self.assertIn("fail  service.trust-policy", text)

    def test_policy_near_the_limit_warns(self):
        near = math.ceil(self.length / 0.95)  # over 90 %, under 100 %
        code, checks, text = self.doctor(["--trust-policy-max-length", str(near)])
        self.assertEqual(code, 0, text)
        for c in checks["service.trust-policy"]:
            self.assertEqual(c["status"], "warn", text)
            self.assertIn("over 90 %", c["fact"])
            self.assertEqual(c["facts"]["limit"], str(near))

    def test_policy_over_the_limit_fails(self):
        code, checks, text = self.doctor(["--trust-policy-max-length", str(self.length - 1)])
        self.assertEqual(code, 1, text)
        for c in checks["service.trust-policy"]:
            self.assertEqual(c["status"], "fail", text)
            self.assertIn("over trust-policy-max-length", c["fact"])

    def test_wrong_kubernetes_token_fails_naming_kubernetes(self):
        wrong = os.path.join(self.dir, "wrong-token")
        with open(wrong, "w") as f:
            f.write("not-the-token\n")
        code, checks, text = self.doctor(["--kube-token-file", wrong])
        self.assertEqual(code, 1, text)
        kube = checks["service.kubernetes"][0]
        self.assertEqual(kube["status"], "fail", text)
        self.assertIn("Kubernetes API", kube["fact"])
        self.assertIn("401", kube["fact"])
        self.assertIn("kube-token-file", kube["fix"])
        self.assertEqual(checks["service.org-mapping"][0]["status"], "fail")
        self.assertEqual(checks["service.domino"][0]["status"], "pass")
        self.assertNotIn("not-the-token", text)

    def test_domino_down_fails_naming_domino(self):
        down = f"http://127.0.0.1:{free_port()}"
        code, checks, text = self.doctor(["--domino-api", down])
        self.assertEqual(code, 1, text)
        domino = checks["service.domino"][0]
        self.assertEqual(domino["status"], "fail", text)
        self.assertIn("Domino API", domino["fact"])
        self.assertIn("domino-api", domino["fix"])
        self.assertEqual(self.statuses(checks, "service.kubernetes"), ["pass"])

    def test_domino_error_or_hanging_fails_within_request_timeout(self):
        self.world.domino.mode = "error"
        try:
            code, checks, text = self.doctor()
            self.assertEqual(code, 1, text)
            self.assertIn("answered HTTP 500", checks["service.domino"][0]["fact"])
            self.world.domino.mode = "hang"
            start = time.monotonic()
            code, checks, text = self.doctor(["--request-timeout", "2"])
            self.assertLess(time.monotonic() - start, 20)  # two runs, each bounded
            self.assertEqual(code, 1, text)
            self.assertEqual(checks["service.domino"][0]["status"], "fail", text)
            self.assertEqual(self.statuses(checks, "service.kubernetes"), ["pass"])
        finally:
            self.world.domino.mode = "ok"

    def test_no_aws_credentials_fails_naming_iam(self):
        no_keys = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
        code, checks, text = self.doctor(env=no_keys)
        self.assertEqual(code, 1, text)
        trust = checks["service.trust-policy"]
        self.assertEqual([c["status"] for c in trust], ["fail"], text)
        self.assertIn("no AWS credentials", trust[0]["fact"])


if __name__ == "__main__":
    unittest.main()

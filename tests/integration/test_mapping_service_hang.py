#!/usr/bin/env python3
"""`irsa-agent mapping-service` with a hanging dependency: a Domino API or a
Kubernetes API that stops answering costs only the requests waiting on it.
They end with a 503 naming the dependency once `request-timeout` is spent
(not when the dependency wakes up), nothing is sent further down the chain,
`/healthz` keeps answering all the while, and the next request after the
dependency recovers is a 200.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_mapping_service_hang.py
"""

from __future__ import annotations

import concurrent.futures
import os
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mapping_stand_ins import run_id, user_id  # noqa: E402
from test_mapping_service import MappingServiceTest  # noqa: E402

HANG_SECONDS = 20      # how long the stand-ins would hold a request
REQUEST_TIMEOUT = 2    # the service's limit per outbound call
WAITING = 6            # requests held by the hanging dependency at once


class HangingDependencyTest(MappingServiceTest):

    def iam_calls(self) -> int:
        return sum(self.world.iam.stats()["counts"].values())

    def healthz_while(self, futures, svc) -> list:
        """/healthz, asked until every future is done (at most HANG_SECONDS):
        each answer's status, with a client timeout far below the hang."""
        answers = []
        end = time.monotonic() + HANG_SECONDS
        while time.monotonic() < end and not all(f.done() for f in futures):
            with urllib.request.urlopen(svc.url + "/healthz", timeout=5) as r:
                answers.append(r.status)
            time.sleep(0.2)
        return answers

    def map_while_hanging(self, svc, cred) -> tuple[list, list, float]:
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(WAITING) as pool:
            futures = [pool.submit(svc.map, run_id(1), cred) for _ in range(WAITING)]
            healthz = self.healthz_while(futures, svc)
            answers = [f.result(timeout=HANG_SECONDS + 30) for f in futures]
        return answers, healthz, time.monotonic() - start

    def assert_held_only_its_own(self, answers, healthz, elapsed, dependency: str):
        for status, body, headers in answers:
            self.assertEqual(status, 503, body)
            self.assertIn(dependency, body)
            self.assertIn("Retry-After", headers)
            self.assertEqual(body.count("\n"), 1 if body.endswith("\n") else 0, body)
        # /healthz answered while the requests were held, at least once.
        self.assertGreaterEqual(len(healthz), 1)
        self.assertEqual(set(healthz), {200})
        # Ended by the service's own limit, not by the dependency waking up.
        self.assertLess(elapsed, HANG_SECONDS - 2)

    def test_hanging_domino(self):
        cred = self.two_org_user()
        self.world.kube.add_pod(run_id(1), user_id(1))
        svc = self.service(["--request-timeout", str(REQUEST_TIMEOUT)])
        self.world.domino.hang_seconds = HANG_SECONDS
        self.world.domino.mode = "hang"
        answers, healthz, elapsed = self.map_while_hanging(svc, cred)
        self.assert_held_only_its_own(answers, healthz, elapsed, "Domino")
        self.assertEqual(self.world.kube.calls("pods:select", "pods:list"), 0)
        self.assertEqual(self.iam_calls(), 0)

        self.world.domino.mode = "ok"
        self.world.domino.released.set()
        status, body, _ = svc.map(run_id(1), cred)
        self.assertEqual(status, 200, body)
        self.assertIn("[profile acme-list-bucket-role]", body)

    def test_hanging_kubernetes(self):
        cred = self.two_org_user()
        self.world.kube.add_pod(run_id(1), user_id(1))
        svc = self.service(["--request-timeout", str(REQUEST_TIMEOUT)])
        self.world.kube.hang["pods:select"] = HANG_SECONDS
        answers, healthz, elapsed = self.map_while_hanging(svc, cred)
        self.assert_held_only_its_own(answers, healthz, elapsed, "Kubernetes")
        self.assertEqual(self.iam_calls(), 0)

        self.world.kube.hang.clear()
        status, body, _ = svc.map(run_id(1), cred)
        self.assertEqual(status, 200, body)
        self.assertIn("[profile acme-update-bucket-role]", body)


def load_tests(loader, standard_tests, pattern):
    """Only this file's tests, not the inherited MappingServiceTest ones."""
    return loader.loadTestsFromTestCase(HangingDependencyTest)


if __name__ == "__main__":
    unittest.main()

"""GET /metrics during `irsa-agent run`, read with the parser of a real
Prometheus client library (Debian's python3-prometheus-client): every family
and its values after a success, failures of each kind the service can cause,
and token rotations; no token byte in any scrape."""

from __future__ import annotations

import os
import sys
import time
import unittest
import urllib.error
import urllib.request

# Debian installs the client for its own python3; the tests may run on another
# interpreter of the same version (the CI's pyenv 3.11). Appended, so the
# interpreter's own packages win.
DEBIAN_PACKAGES = "/usr/lib/python3/dist-packages"
if DEBIAN_PACKAGES not in sys.path:
    sys.path.append(DEBIAN_PACKAGES)
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError as e:  # never skip: the test must run
    raise AssertionError("the Prometheus client library is missing: apt-get install "
                         f"python3-prometheus-client (packaging/install-deps.sh): {e}") from None

import harness
from harness import make_jwt
from stand_in_service import Reply
from test_run import RunTestCase, answer_for, pairs, wait_until

SYNCS = "irsa_agent_syncs_total"
OUTCOMES = ("success", "transient", "refused", "input", "answer", "publish")
HISTOGRAM = "irsa_agent_mapping_request_duration_seconds"


class Scrape:
    """One scrape: {(sample name, sorted labels): value} and {family: type}."""

    def __init__(self, text: str):
        self.text = text
        self.samples = {}
        self.types = {}
        for family in text_string_to_metric_families(text):
            self.types[family.name] = family.type
            for sample in family.samples:
                self.samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value

    def get(self, name: str, **labels):
        return self.samples.get((name, tuple(sorted(labels.items()))))

    def syncs(self) -> dict:
        return {outcome: self.get(SYNCS, outcome=outcome) for outcome in OUTCOMES}


class MetricsTest(RunTestCase):
    def setUp(self):
        super().setUp()
        self.port = harness.free_port()

    def write_token(self, token: str, label: str = "web identity token") -> None:
        self.add_secret(label, token, self.token_dir.file("token"))
        self.token_dir.rotate({"token": token})

    def scrape(self) -> Scrape:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            self.assertEqual(r.status, 200)
            content_type = r.headers["Content-Type"]
            text = r.read().decode("utf-8")
        self.assertTrue(content_type.startswith("text/plain; version=0.0.4"), content_type)
        self.assert_no_secrets(text, "/metrics")
        return Scrape(text)

    def scrape_until(self, predicate, timeout: float = 5) -> Scrape:
        last = [None]

        def check():
            last[0] = self.scrape()
            return predicate(last[0])

        self.assertTrue(wait_until(check, timeout, interval=0.05),
                        f"metrics never matched; last scrape:\n{last[0].text}")
        return last[0]

    def refresh(self) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/refresh", timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def test_every_family_after_a_success_failures_and_token_rotations(self):
        now = int(time.time())
        first_exp = now + 3600
        self.write_token(make_jwt(iat=now, exp=first_exp))
        started = time.time()
        agent = self.start_agent("--listen", f"127.0.0.1:{self.port}")
        self.wait_for_config()

        # After the first success.
        m = self.scrape_until(lambda m: m.get(SYNCS, outcome="success") == 1)
        self.assertEqual(m.syncs(), {"success": 1, "transient": 0, "refused": 0, "input": 0,
                                     "answer": 0, "publish": 0})
        self.assertEqual(m.types, {
            "irsa_agent_syncs": "counter",
            "irsa_agent_last_sync_success_timestamp_seconds": "gauge",
            "irsa_agent_profiles": "gauge",
            "irsa_agent_web_identity_token_expiry_timestamp_seconds": "gauge",
            HISTOGRAM: "histogram",
            "irsa_agent_credential_requests": "counter",
        })
        success_at = m.get("irsa_agent_last_sync_success_timestamp_seconds")
        self.assertGreaterEqual(success_at, started - 1)
        self.assertLessEqual(success_at, time.time() + 1)
        self.assertEqual(m.get("irsa_agent_profiles"), 1)
        self.assertEqual(m.get("irsa_agent_web_identity_token_expiry_timestamp_seconds"),
                         first_exp)
        self.assertEqual(m.get(HISTOGRAM + "_count"), 1)
        self.assertEqual(m.get(HISTOGRAM + "_bucket", le="+Inf"), 1)
        self.assertGreater(m.get(HISTOGRAM + "_sum"), 0)
        self.assertLess(m.get(HISTOGRAM + "_sum"), 5)
        buckets = sorted((float(labels[0][1]), value) for (name, labels), value
                         in m.samples.items() if name == HISTOGRAM + "_bucket")
        self.assertGreaterEqual(len(buckets), 8)
        self.assertEqual([v for _, v in buckets], sorted(v for _, v in buckets), "cumulative")
        for result in ("hit", "miss", "error"):
            self.assertEqual(m.get("irsa_agent_credential_requests_total", result=result), 0)

        # Failures of each kind the mapping service can cause; the last
        # success and the published profile count stay as they were.
        for reply, outcome in ((Reply.server_error(), "transient"),
                               (Reply.unauthorized(), "refused"),
                               (Reply.garbage(), "answer")):
            self.service.set_answer(reply)
            self.assertEqual(self.refresh(), 503, outcome)
            m = self.scrape_until(lambda m: m.get(SYNCS, outcome=outcome) == 1)
        self.assertEqual(m.syncs(), {"success": 1, "transient": 1, "refused": 1, "input": 0,
                                     "answer": 1, "publish": 0})
        self.assertEqual(m.get("irsa_agent_last_sync_success_timestamp_seconds"), success_at)
        self.assertEqual(m.get("irsa_agent_profiles"), 1)
        self.assertEqual(m.get(HISTOGRAM + "_count"), 4)  # each got an answer

        # A kubelet-style rotation: the new token's exp, a sync, two profiles.
        self.service.set_answer(answer_for(pairs("role-a", "role-b")))
        second_exp = now + 7200
        self.write_token(make_jwt(iat=now, exp=second_exp))
        m = self.scrape_until(lambda m: m.get(SYNCS, outcome="success") == 2)
        self.assertEqual(m.get("irsa_agent_web_identity_token_expiry_timestamp_seconds"),
                         second_exp)
        self.assertEqual(m.get("irsa_agent_profiles"), 2)
        self.assertGreater(m.get("irsa_agent_last_sync_success_timestamp_seconds"), success_at)

        # A token without a readable exp: the expiry is unknown, so absent.
        self.write_token("x" * 40 + "-not-a-jwt", label="malformed token")
        m = self.scrape_until(lambda m: "irsa_agent_web_identity_token_expiry_timestamp_seconds"
                              not in m.types)
        self.assertNotIn("irsa_agent_web_identity_token_expiry_timestamp_seconds", m.text)
        self.assertEqual(agent.stop()[0], 0)

    def test_metrics_obey_the_listener_address_rule(self):
        result = self.run_agent(["run", *self.agent_args("--listen", "0.0.0.0:9464")])
        self.assertEqual(result.returncode, 2, result.describe())
        self.assertIn("listen", result.stderr)

    def test_a_scrape_is_cheap(self):
        agent = self.start_agent("--listen", f"127.0.0.1:{self.port}")
        self.wait_for_config()
        start = time.monotonic()
        for _ in range(50):
            self.scrape()
        per_scrape = (time.monotonic() - start) / 50
        print(f"\n/metrics: {per_scrape * 1000:.2f} ms per scrape (client included)")
        self.assertLess(per_scrape, 0.05)
        self.assertEqual(agent.stop()[0], 0)


if __name__ == "__main__":
    unittest.main()

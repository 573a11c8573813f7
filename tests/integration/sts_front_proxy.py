"""A loopback front for moto's STS, for clients that cannot be pointed at
moto's one-port server as they are.

* GDAL 3.6 sends AssumeRoleWithWebIdentity as an unsigned GET with the
  parameters in the query string (`CPL_AWS_STS_ROOT_URL/?Action=...`). moto's
  one-port server picks the service of an unsigned request from its body, so
  such a GET lands in S3 (ListBuckets). The front sends it on as the same
  call in a form POST, which moto routes to STS; the client's answer is
  moto's, unchanged.
* Debian's AWS CLI v2 (2.9.19) has no setting for its STS endpoint (no
  AWS_ENDPOINT_URL_STS before 2.13): it always calls
  https://sts[.REGION].amazonaws.com. With HTTPS_PROXY pointing here and
  AWS_CA_BUNDLE naming `pki.ca_cert`, the front answers CONNECT for those
  names only (403 for any other host, nothing ever leaves loopback),
  terminates TLS with a certificate for them, and forwards the requests to
  moto.

Every forwarded call is recorded as (how, method, Action, RoleArn,
RoleSessionName), `how` being "query" (a GET turned into a POST), "tls"
(through CONNECT) or "plain". Bodies, tokens and answers are never recorded
or logged.
"""

from __future__ import annotations

import http.client
import http.server
import ssl
import threading
import urllib.parse

from harness import make_pki

MAX_BODY = 1 << 20
UPSTREAM_SECONDS = 30


def sts_host_names(region: str) -> list:
    return ["sts.amazonaws.com", f"sts.{region}.amazonaws.com"]


class StsFrontProxy:
    def __init__(self, upstream: str, folder: str, region: str):
        parsed = urllib.parse.urlparse(upstream)
        self.upstream = (parsed.hostname, parsed.port)
        self.names = sts_host_names(region)
        self.pki = make_pki(folder, "sts-front", dns_names=self.names)
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(self.pki.server_cert, self.pki.server_key)
        self._lock = threading.Lock()
        self._calls: list = []
        self.refused: list = []  # CONNECT targets refused
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            how = "plain"

            def log_message(self, *args):
                pass

            def do_CONNECT(self):
                host, _, port = self.path.rpartition(":")
                if host not in front.names or port != "443":
                    with front._lock:
                        front.refused.append(self.path)
                    self.send_error(403, "only STS host names")
                    self.close_connection = True
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                self.connection = front.tls.wrap_socket(self.connection, server_side=True)
                self.rfile = self.connection.makefile("rb")
                self.wfile = self.connection.makefile("wb")
                self.how = "tls"
                self.close_connection = False  # Python's clients send CONNECT as HTTP/1.0

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, MAX_BODY)) if length else b""
                url = urllib.parse.urlsplit(self.path)
                method, path = self.command, url.path or "/"
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "keep-alive", "proxy-connection",
                                                "content-length")}
                how = self.how
                if method == "GET" and "Action=" in url.query and \
                        "authorization" not in (k.lower() for k in headers):
                    method, body, how = "POST", url.query.encode(), "query"
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                elif url.query:
                    path += "?" + url.query
                params = urllib.parse.parse_qs(body.decode("utf-8", errors="replace"))
                params.update(urllib.parse.parse_qs(url.query))
                with front._lock:
                    front._calls.append((how, self.command, *(params.get(k, [""])[0] for k in (
                        "Action", "RoleArn", "RoleSessionName"))))
                headers["Content-Length"] = str(len(body))
                upstream = http.client.HTTPConnection(*front.upstream, timeout=UPSTREAM_SECONDS)
                try:
                    upstream.request(method, path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                finally:
                    upstream.close()
                self.send_response(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() in ("content-type", "x-amzn-requestid"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()

            do_GET = _forward
            do_POST = _forward

            def finish(self):
                super().finish()
                if isinstance(self.connection, ssl.SSLSocket):  # the server closes only the
                    self.connection.close()                     # plain socket it accepted

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "StsFrontProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def calls(self) -> list:
        """(how, method, Action, RoleArn, RoleSessionName) of every forwarded call."""
        with self._lock:
            return list(self._calls)

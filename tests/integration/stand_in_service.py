#!/usr/bin/env python3
"""A stand-in for the Domino IAM-role mapping service (docs/WIRE.md).

It listens on 127.0.0.1 (an ephemeral port by default), speaks the wire format
of both generations and records every request it receives, so tests can assert
on exactly what the agent sent. One instance can also play the Domino API
proxy (``GET /access-token`` answers the raw JWT).

The mapping call, as the real service implements it:

* ``POST <any path>`` with a JSON body ``{"run_id": ...}`` (first generation)
  or ``{"run_id": ..., "irsa_workload_type": ...}`` (later generation);
* ``Content-Type: application/json`` is required (else a 500 HTML page);
* the Domino credential is ``Authorization: Bearer <jwt>`` or
  ``X-Domino-Api-Key: <key>``;
* the answer is the AWS config as ``text/html``, or an error (404 "No Pod
  Found with the run id <id> for the user", 400/401/403/500 HTML pages).

What the service answers is, highest first: the next reply queued with
``push()``, the reply given to ``fail_for()`` while its window lasts, then the
default reply set with ``set_answer()``. A default 200 answer is only given to
a well-formed request (JSON content type and body with a run id, a credential
header, the expected credential and run id when configured); otherwise the
service answers what the real one would (500, 400, 401 or 404). Scripted
replies (queued, fail_for, error or misbehaving defaults) answer every call.

A ``Reply`` is a status, a body and headers, or one of the misbehaviours
(``Reply.huge()``, ``Reply.hang()``, ``Reply.trickle()``,
``Reply.close_mid_answer()``, ``Reply.redirect()``); ``reply.delayed(s)``
sends any of them `s` seconds late. Each request is recorded with what was
answered and how far the answer got (``bytes_sent``, ``client_hung_up``).

Library use::

    with StandInService(answer=REFERENCE_ANSWER, access_token=jwt) as service:
        service.push(Reply.not_found(), Reply.not_found())
        ... run the agent against service.url("/map_iam_roles_to_pod_sa") ...
        assert service.mapping_requests()[0].header("Content-Type") == ...

Command line (benchmarks)::

    python3 stand_in_service.py --port 0 --answer-file F [--cert C --key K]
        [--access-token-file T]

prints the port on the first line of stdout, then serves until SIGTERM/SIGINT.

Only the Python standard library is used. Every wait inside the service is
bounded (``MAX_HANG_SECONDS``) and ends early when the service stops.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import http.server
import json
import signal
import socket
import ssl
import sys
import threading
import time
from typing import Callable, Iterable, Optional

# Upper bound on any wait inside a handler (hang, trickle), so a forgotten
# service never keeps a process alive for long.
MAX_HANG_SECONDS = 300.0

# Werkzeug's error pages, as the Flask-based reference service sends them.
_HTML_PAGES = {
    400: ("Bad Request", "The browser (or proxy) sent a request that this server could not "
                         "understand."),
    401: ("Unauthorized", "The server could not verify that you are authorized to access the "
                          "URL requested. You either supplied the wrong credentials (e.g. a bad "
                          "password), or your browser doesn't understand how to supply the "
                          "credentials required."),
    403: ("Forbidden", "You don't have the permission to access the requested resource. It is "
                       "either read-protected or not readable by the server."),
    404: ("Not Found", "The requested URL was not found on the server. If you entered the URL "
                       "manually please check your spelling and try again."),
    500: ("Internal Server Error", "The server encountered an internal error and was unable to "
                                   "complete your request. Either the server is overloaded or "
                                   "there is an error in the application."),
}


def html_error_page(status: int) -> bytes:
    """The HTML page Werkzeug sends for `status` (400, 401, 403, 404 or 500)."""
    title, text = _HTML_PAGES[status]
    return (f"<!doctype html>\n<html lang=en>\n<title>{status} {title}</title>\n"
            f"<h1>{title}</h1>\n<p>{text}</p>\n").encode()


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


@dataclasses.dataclass(frozen=True)
class Reply:
    """One answer of the service.

    `mode` selects a behaviour; "normal" sends `status`, `headers` and `body`
    with a correct Content-Length. The other modes are built by the class
    methods below, which document them. `body` may hold the placeholder
    "{run_id}", replaced by the run id of the request (for 404 pages).
    """

    status: int = 200
    body: bytes = b""
    headers: tuple = (("Content-Type", "text/html; charset=utf-8"),)
    mode: str = "normal"
    size: int = 0            # huge: bytes offered
    chunk: int = 64 * 1024   # huge: bytes per write
    framing: str = "length"  # huge: "length", "chunked" or "close" (see huge())
    sent_fraction: float = 0.5  # close_mid_answer: part of the body sent
    delay: float = 0.0       # seconds to wait before answering (a slow service)

    def delayed(self, seconds: float) -> "Reply":
        """This reply, sent `seconds` after the request was read."""
        return dataclasses.replace(self, delay=seconds)

    # --- answers the real service gives -------------------------------------
    @classmethod
    def ok(cls, body: bytes | str, extra_headers: Iterable[tuple] = ()) -> "Reply":
        """200 text/html with `body` (the AWS config text)."""
        return cls(200, _as_bytes(body), (("Content-Type", "text/html; charset=utf-8"),
                                          *extra_headers))

    @classmethod
    def status_page(cls, status: int, extra_headers: Iterable[tuple] = ()) -> "Reply":
        """`status` with Werkzeug's HTML page (400, 401, 403, 404 or 500)."""
        return cls(status, html_error_page(status),
                   (("Content-Type", "text/html; charset=utf-8"), *extra_headers))

    @classmethod
    def not_found(cls, extra_headers: Iterable[tuple] = ()) -> "Reply":
        """404 "No Pod Found with the run id <id> for the user" (pod not running yet)."""
        return cls(404, b"No Pod Found with the run id {run_id} for the user",
                   (("Content-Type", "text/html; charset=utf-8"), *extra_headers))

    @classmethod
    def unauthorized(cls) -> "Reply":
        return cls.status_page(401)

    @classmethod
    def forbidden(cls) -> "Reply":
        return cls.status_page(403)

    @classmethod
    def server_error(cls, extra_headers: Iterable[tuple] = ()) -> "Reply":
        """500 with the HTML error page (service misconfigured, IAM AccessDenied)."""
        return cls.status_page(500, extra_headers)

    @classmethod
    def garbage(cls, body: bytes | str = b"<html>oops</html>") -> "Reply":
        """200 whose body is not an AWS config."""
        return cls.ok(body)

    # --- misbehaviours ------------------------------------------------------
    @classmethod
    def huge(cls, size: int = 64 << 20, chunk: int = 64 * 1024,
             framing: str = "length") -> "Reply":
        """200 streaming `size` bytes in `chunk`-byte writes until done or the
        client hangs up; the request record's `bytes_sent` tells how far it
        got. `framing`: "length" announces Content-Length: size; "chunked"
        uses Transfer-Encoding: chunked; "close" sends neither and ends the
        body by closing the connection (so the client learns the size only
        by reading)."""
        if framing not in ("length", "chunked", "close"):
            raise ValueError(f"unknown framing {framing!r}")
        return cls(200, b"", (("Content-Type", "text/html; charset=utf-8"),), "huge",
                   size=size, chunk=chunk, framing=framing)

    @classmethod
    def hang(cls) -> "Reply":
        """Reads the request, then never answers (until the service stops)."""
        return cls(mode="hang")

    @classmethod
    def trickle(cls, body: bytes | str) -> "Reply":
        """200 with a correct Content-Length, then `body` one byte per second."""
        return cls(200, _as_bytes(body), (("Content-Type", "text/html; charset=utf-8"),),
                   "trickle")

    @classmethod
    def close_mid_answer(cls, body: bytes | str, sent_fraction: float = 0.5) -> "Reply":
        """200 announcing len(body) bytes, sending only `sent_fraction` of them,
        then closing the connection."""
        return cls(200, _as_bytes(body), (("Content-Type", "text/html; charset=utf-8"),),
                   "close", sent_fraction=sent_fraction)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> "Reply":
        """A redirect to `location` (another host or port)."""
        return cls(status, b"<p>Redirecting...</p>",
                   (("Content-Type", "text/html; charset=utf-8"), ("Location", location)))


@dataclasses.dataclass
class RecordedRequest:
    """One request as the service received it, and how the answer went.

    `headers` keeps every header line in order as (name, value); use
    `header()` for a case-insensitive lookup. Fields after `wall_time` are
    filled in while the answer is sent.
    """

    method: str
    path: str
    headers: list
    body: bytes
    time: float        # time.monotonic() when the request was read
    wall_time: float   # time.time() at the same moment
    status: int = 0    # status answered (0: none, e.g. hang)
    mode: str = ""
    bytes_sent: int = 0          # body bytes written before the end or the hang-up
    client_hung_up: bool = False  # the client closed before the whole answer

    def header(self, name: str) -> Optional[str]:
        """The value of the first header `name` (case-insensitive), or None."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def header_values(self, name: str) -> list:
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]

    def json(self):
        """The body parsed as JSON (raises ValueError when it is not)."""
        return json.loads(self.body.decode("utf-8"))

    @property
    def has_credential(self) -> bool:
        """True when the request carried a Domino credential header."""
        return bool(self.header_values("Authorization") or
                    self.header_values("X-Domino-Api-Key"))


class _Server(http.server.ThreadingHTTPServer):
    """Threaded HTTP/1.1 server; TLS handshakes happen in the request thread
    so a stalled client never blocks accept()."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, service: "StandInService",
                 tls_context: Optional[ssl.SSLContext]):
        self.service = service
        self.tls_context = tls_context
        super().__init__(address, handler)

    def finish_request(self, request, client_address):
        if self.tls_context is None:
            super().finish_request(request, client_address)
            return
        try:
            request.settimeout(10)
            tls = self.tls_context.wrap_socket(request, server_side=True)
            tls.settimeout(None)
        except (ssl.SSLError, OSError):
            self.service._count_tls_failure()
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            # shutdown_request() closes the plain socket; the TLS wrapper is ours.
            tls.close()

    def handle_error(self, request, client_address):
        # Clients hanging up mid-answer are part of the tests; stay quiet.
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def version_string(self):
        return "stand-in-mapping-service/1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_POST(self):
        self._dispatch()

    def do_GET(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _dispatch(self):
        service: StandInService = self.server.service
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 16 << 20)) if length > 0 else b""
        record = RecordedRequest(
            method=self.command, path=self.path, headers=list(self.headers.items()),
            body=body, time=time.monotonic(), wall_time=time.time())
        service._record(record)
        reply = service._choose_reply(self.command, self.path, record)
        self._send(reply, record)

    # --- sending ------------------------------------------------------------
    def _start(self, reply: Reply, record: RecordedRequest, content_length: Optional[int],
               framing_headers: Iterable[tuple] = ()):
        """Sends the status line and headers; Content-Length unless it is None."""
        record.status = reply.status
        record.mode = reply.mode
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if content_length is not None:
            self.send_header("Content-Length", str(content_length))
        for name, value in framing_headers:
            self.send_header(name, value)
        self.end_headers()

    def _write(self, data: bytes, record: RecordedRequest) -> bool:
        """Writes `data`; False (and `client_hung_up`) when the client is gone."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            record.client_hung_up = True
            self.close_connection = True
            return False
        record.bytes_sent += len(data)
        return True

    def _send(self, reply: Reply, record: RecordedRequest):
        service: StandInService = self.server.service
        if reply.delay > 0 and service._stopping.wait(min(reply.delay, MAX_HANG_SECONDS)):
            self.close_connection = True
            return
        if reply.mode == "hang":
            record.mode = "hang"
            service._stopping.wait(MAX_HANG_SECONDS)
            self.close_connection = True
            return
        body = reply.body.replace(b"{run_id}", _run_id_of(record).encode())
        if reply.mode == "normal":
            self._start(reply, record, len(body))
            if self.command != "HEAD":
                self._write(body, record)
            return
        if reply.mode == "huge":
            self._send_huge(reply, record)
            return
        if reply.mode == "trickle":
            self._start(reply, record, len(body))
            deadline = time.monotonic() + MAX_HANG_SECONDS
            for i in range(len(body)):
                if not self._write(body[i:i + 1], record):
                    return
                if service._stopping.wait(1.0) or time.monotonic() > deadline:
                    self.close_connection = True
                    return
            return
        if reply.mode == "close":
            self._start(reply, record, len(body))
            self._write(body[:int(len(body) * reply.sent_fraction)], record)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        raise ValueError(f"unknown reply mode {reply.mode!r}")


    def _send_huge(self, reply: Reply, record: RecordedRequest):
        service: StandInService = self.server.service
        if reply.framing == "length":
            self._start(reply, record, reply.size)
        elif reply.framing == "chunked":
            self._start(reply, record, None, (("Transfer-Encoding", "chunked"),))
        else:
            self._start(reply, record, None, (("Connection", "close"),))
            self.close_connection = True
        # Lines of a valid-looking config, so only the size can make it fail.
        pattern = b"# padding padding padding padding padding padding\n"
        block = pattern * (reply.chunk // len(pattern) + 1)
        remaining = reply.size
        while remaining > 0 and not service._stopping.is_set():
            piece = block[:min(reply.chunk, remaining)]
            if reply.framing == "chunked":
                framed = b"%x\r\n" % len(piece) + piece + b"\r\n"
                if not self._write(framed, record):
                    return
                record.bytes_sent -= len(framed) - len(piece)  # count body bytes only
            elif not self._write(piece, record):
                return
            remaining -= len(piece)
        if reply.framing == "chunked" and remaining == 0:
            self._write(b"0\r\n\r\n", record)
            record.bytes_sent -= 5


def _run_id_of(record: RecordedRequest) -> str:
    try:
        value = record.json().get("run_id", "")
        return value if isinstance(value, str) else ""
    except (ValueError, AttributeError, UnicodeDecodeError):
        return ""


class StandInService:
    """The mapping service (and optionally the API proxy) on 127.0.0.1.

    Thread-safe: tests change answers and read records while the agent talks
    to it. Use as a context manager, or call start() and stop().
    """

    def __init__(self, answer: bytes | str | Reply = b"", *, access_token: Optional[str] = None,
                 serve_mapping: bool = True, expected_bearer: Optional[str] = None,
                 expected_api_key: Optional[str] = None, expected_run_id: Optional[str] = None,
                 tls_cert: Optional[str] = None, tls_key: Optional[str] = None,
                 host: str = "127.0.0.1", port: int = 0):
        """`answer`: the default reply (a body for 200, or a Reply).
        `access_token`: when set, `GET /access-token` answers it (API proxy role).
        `serve_mapping`: False makes every POST a 404 page (a pure API proxy).
        `expected_bearer` / `expected_api_key`: when set, a mapping call with
        another credential gets 401. `expected_run_id`: when set, another run
        id gets the 404 "No Pod Found" answer. `tls_cert`/`tls_key`: PEM files;
        serve HTTPS."""
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._queue: collections.deque[Reply] = collections.deque()
        self._default = answer if isinstance(answer, Reply) else Reply.ok(answer)
        self._failure: Optional[Reply] = None
        self._failure_until = 0.0
        self._access_token = access_token
        self._access_token_reply: Optional[Reply] = None
        self._serve_mapping = serve_mapping
        self._expected_bearer = expected_bearer
        self._expected_api_key = expected_api_key
        self._expected_run_id = expected_run_id
        self._tls_failures = 0
        self._stopping = threading.Event()
        self._request_seen = threading.Condition(self._lock)
        self._tls_context = None
        if tls_cert:
            self._tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls_context.load_cert_chain(tls_cert, tls_key)
        self._host = host
        self._port = port
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    # --- life cycle ---------------------------------------------------------
    def start(self) -> "StandInService":
        self._stopping.clear()
        self._server = _Server((self._host, self._port), _Handler, self, self._tls_context)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"stand-in:{self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving; hanging and trickling answers end at once."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "StandInService":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def scheme(self) -> str:
        return "https" if self._tls_context else "http"

    def url(self, path: str = "/map_iam_roles_to_pod_sa") -> str:
        """The URL of `path` on this service (`path` starts with "/")."""
        return f"{self.scheme}://127.0.0.1:{self._port}{path}"

    # --- answers ------------------------------------------------------------
    def set_answer(self, answer: bytes | str | Reply) -> None:
        """The default reply: a 200 body, or any Reply."""
        with self._lock:
            self._default = answer if isinstance(answer, Reply) else Reply.ok(answer)

    def push(self, *replies: Reply) -> None:
        """Queues replies; each mapping call takes the next one."""
        with self._lock:
            self._queue.extend(replies)

    def fail_for(self, seconds: float, reply: Optional[Reply] = None) -> None:
        """Answers `reply` (default: the 500 page) to mapping calls for `seconds`."""
        with self._lock:
            self._failure = reply or Reply.server_error()
            self._failure_until = time.monotonic() + seconds

    def set_access_token(self, token: Optional[str]) -> None:
        with self._lock:
            self._access_token = token

    def set_access_token_reply(self, reply: Optional[Reply]) -> None:
        """Overrides the answer of `GET /access-token` (None: the token)."""
        with self._lock:
            self._access_token_reply = reply

    def _choose_reply(self, method: str, path: str, record: RecordedRequest) -> Reply:
        with self._lock:
            if method == "GET" and path.split("?")[0].rstrip("/") == "/access-token":
                if self._access_token_reply is not None:
                    return self._access_token_reply
                if self._access_token is not None:
                    return Reply(200, self._access_token.encode(),
                                 (("Content-Type", "text/plain; charset=utf-8"),))
                return Reply.status_page(404)
            if method != "POST" or not self._serve_mapping:
                return Reply.status_page(404)
            if self._queue:
                return self._queue.popleft()
            if self._failure is not None and time.monotonic() < self._failure_until:
                return self._failure
            default = self._default
        if default.status == 200 and default.mode == "normal":
            return self._validate(record) or default
        return default

    def _validate(self, record: RecordedRequest) -> Optional[Reply]:
        """What the real service answers to a malformed or unauthenticated
        request, or None when the request is fine."""
        content_type = (record.header("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return Reply.server_error()  # request.json is None -> exception in the service
        try:
            data = record.json()
        except (ValueError, UnicodeDecodeError):
            return Reply.status_page(400)
        if not isinstance(data, dict) or not isinstance(data.get("run_id"), str):
            return Reply.server_error()
        authorization = record.header("Authorization")
        api_key = record.header("X-Domino-Api-Key")
        if authorization is None and api_key is None:
            return Reply.unauthorized()
        if authorization is not None and not authorization.startswith("Bearer "):
            return Reply.unauthorized()
        if self._expected_bearer is not None or self._expected_api_key is not None:
            bearer_ok = (self._expected_bearer is not None and
                         authorization == "Bearer " + self._expected_bearer)
            key_ok = self._expected_api_key is not None and api_key == self._expected_api_key
            if not (bearer_ok or key_ok):
                return Reply.unauthorized()
        if self._expected_run_id is not None and data["run_id"] != self._expected_run_id:
            return Reply.not_found()
        return None

    # --- records ------------------------------------------------------------
    def _record(self, record: RecordedRequest) -> None:
        with self._request_seen:
            self._requests.append(record)
            self._request_seen.notify_all()

    def _count_tls_failure(self) -> None:
        with self._lock:
            self._tls_failures += 1

    @property
    def requests(self) -> list:
        """Every request received so far, oldest first (a copy of the list)."""
        with self._lock:
            return list(self._requests)

    def mapping_requests(self) -> list:
        """The POST requests received so far."""
        return [r for r in self.requests if r.method == "POST"]

    def token_requests(self) -> list:
        """The GET /access-token requests received so far."""
        return [r for r in self.requests
                if r.method == "GET" and r.path.split("?")[0].rstrip("/") == "/access-token"]

    def credentialed_requests(self) -> list:
        """Requests that carried Authorization or X-Domino-Api-Key."""
        return [r for r in self.requests if r.has_credential]

    @property
    def tls_failures(self) -> int:
        """TLS handshakes that failed (e.g. the client refused the certificate)."""
        with self._lock:
            return self._tls_failures

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def wait_for_requests(self, count: int, timeout: float,
                          predicate: Callable[[RecordedRequest], bool] = lambda r: True) -> bool:
        """Waits until `count` requests matching `predicate` were received, at
        most `timeout` seconds. Returns whether they were."""
        deadline = time.monotonic() + timeout
        with self._request_seen:
            while sum(1 for r in self._requests if predicate(r)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._request_seen.wait(left)
            return True


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0 for an ephemeral port")
    parser.add_argument("--answer-file", help="body of every 200 answer (default: empty)")
    parser.add_argument("--access-token-file",
                        help="serve GET /access-token with this file's content")
    parser.add_argument("--cert", help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--key", help="PEM private key of --cert")
    args = parser.parse_args(argv)
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together")
    answer = b""
    if args.answer_file:
        with open(args.answer_file, "rb") as f:
            answer = f.read()
    token = None
    if args.access_token_file:
        with open(args.access_token_file, encoding="utf-8") as f:
            token = f.read().strip()
    service = StandInService(answer, access_token=token, tls_cert=args.cert,
                             tls_key=args.key, port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with service:
        print(service.port, flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""A stand-in for the EKS Pod Identity agent (docs/WIRE.md).

It listens on 127.0.0.1 (an ephemeral port) and answers
``GET /v1/credentials`` as the real agent (aws/eks-pod-identity-agent) does:

* the ``Authorization`` header must be the pod's current projected token:
  absent or empty -> 400 ``Service account token cannot be empty``; any other
  token (an old one after a rotation included) -> 400 with the EKS Auth
  error ``(InvalidTokenException): ...``;
* success: 200 ``application/json`` with ``AccessKeyId``, ``SecretAccessKey``,
  ``Token``, ``AccountId`` and ``Expiration`` (RFC 3339, UTC);
* errors are written with Go's ``http.Error``: ``text/plain`` with a final
  newline (the platform documents a JSON ``{"Message": ...}``; the client reads
  both, so ``Reply.json_error()`` sends that form);
* any other path: 404 ``404 page not found``.

The credentials come from ``credentials()`` (a callable returning a dict
with AccessKeyId, SecretAccessKey, SessionToken and Expiration, e.g. a moto
AssumeRole of the pod's role), or are made up. ``set_token()`` rotates the
token: from then on only the new one is accepted. ``push()`` queues scripted
replies (an error status, malformed or oversized JSON, a hang). Every request
is recorded (path, the Authorization header, what was answered).

Only the Python standard library is used; every wait is bounded.
"""

from __future__ import annotations

import dataclasses
import datetime
import http.server
import json
import os
import threading
import time
from typing import Callable, Optional

MAX_HANG_SECONDS = 30
ACCOUNT_ID = "111122223333"


@dataclasses.dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    hang: float = 0.0

    @staticmethod
    def error(status: int, message: str) -> "Reply":
        """What Go's http.Error sends."""
        return Reply(status, (message + "\n").encode())

    @staticmethod
    def json_error(status: int, message: str) -> "Reply":
        return Reply(status, json.dumps({"Message": message}).encode(), "application/json")

    @staticmethod
    def malformed() -> "Reply":
        return Reply(200, b'{"AccessKeyId": "ASIA', "application/json")

    @staticmethod
    def huge(size: int = 200 * 1024) -> "Reply":
        padding = "x" * size
        return Reply(200, json.dumps({"AccessKeyId": "A", "Padding": padding}).encode(),
                     "application/json")

    @staticmethod
    def hang_for(seconds: float) -> "Reply":
        return Reply(200, b"", "application/json", min(seconds, MAX_HANG_SECONDS))


@dataclasses.dataclass
class Request:
    path: str
    authorization: Optional[str]
    status: int


def _made_up_credentials() -> dict:
    expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=6)
    return {"AccessKeyId": "ASIA" + os.urandom(8).hex().upper(),
            "SecretAccessKey": os.urandom(20).hex(),
            "SessionToken": os.urandom(48).hex(),
            "Expiration": expiration}


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that hangs up early (a size limit, a time-out) is expected."""


class StandInPodIdentity:
    def __init__(self, token: str, credentials: Optional[Callable[[], dict]] = None,
                 account_id: str = ACCOUNT_ID):
        self._lock = threading.Lock()
        self._token = token
        self._credentials = credentials or _made_up_credentials
        self._account_id = account_id
        self._queue: list = []
        self._requests: list = []
        self._stopping = threading.Event()
        self.issued: list = []  # access key ids handed out, oldest first
        handler = self._handler_class()
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- control -----------------------------------------------------------------
    def __enter__(self) -> "StandInPodIdentity":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "StandInPodIdentity":
        return self.__enter__()

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/credentials"

    def set_token(self, token: str) -> None:
        with self._lock:
            self._token = token

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def requests(self) -> list:
        with self._lock:
            return list(self._requests)

    # --- serving -----------------------------------------------------------------
    def _answer(self, path: str, authorization: Optional[str]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
            token = self._token
        if path.split("?")[0] != "/v1/credentials":
            return Reply.error(404, "404 page not found")
        if not authorization:
            return Reply.error(400, "Service account token cannot be empty")
        if authorization != token:
            return Reply.error(400, "[a1b2c3d4-0000-4000-8000-EXAMPLE]: (InvalidTokenException): "
                                    "Service account token is not valid, fault: client")
        creds = self._credentials()
        expiration = creds["Expiration"]
        if isinstance(expiration, datetime.datetime):
            expiration = expiration.astimezone(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            self.issued.append(creds["AccessKeyId"])
        body = {"AccessKeyId": creds["AccessKeyId"], "SecretAccessKey": creds["SecretAccessKey"],
                "Token": creds["SessionToken"], "AccountId": self._account_id,
                "Expiration": expiration}
        return Reply(200, json.dumps(body).encode(), "application/json")

    def _handler_class(self):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                auth = self.headers.get("Authorization")
                reply = outer._answer(self.path, auth)
                with outer._lock:
                    outer._requests.append(Request(self.path, auth, reply.status))
                if reply.hang:
                    outer._stopping.wait(reply.hang)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        return Handler


if __name__ == "__main__":
    import sys
    with StandInPodIdentity(sys.argv[1] if len(sys.argv) > 1 else "token") as agent:
        print(agent.port, flush=True)
        while True:
            time.sleep(3600)

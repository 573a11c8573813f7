"""A Domino API stand-in for the mapping service (HTTP, optionally HTTPS).

Answers the two routes the service asks about its caller:

* `GET /v4/auth/principal` -> `{"canonicalId", "canonicalName", "isAdmin",
  "isAnonymous"}` of the user the credential belongs to;
* `GET /v4/organizations/self` -> `[{"id", "name"}, ...]`, the user's orgs.

The credential is `Authorization: Bearer <token>` or `X-Domino-Api-Key:
<key>`; an unknown one gets 401, a user marked `forbidden` 403. `mode`
switches every answer: "ok", "error" (500) or "hang" (waits `hang_seconds`,
bounded, then answers 500). Each request is recorded as a dict: method,
path, `via` ("bearer", "api-key" or None), `user` (canonicalId or None),
status. Credentials themselves are never recorded.
"""

from __future__ import annotations

import collections
import hmac
import json
import ssl
import threading
import time
from typing import Optional

from reap_stand_ins import _Base, _Handler


class StandInDomino(_Base):
    def __init__(self, pki=None):
        super().__init__()
        self.pki = pki
        self.users: dict = {}     # credential -> user dict
        self.mode = "ok"
        self.hang_seconds = 30.0
        self.released = threading.Event()   # set() ends every hang at once
        self.delay = 0.0

    def start(self) -> "StandInDomino":
        ctx = None
        if self.pki is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.pki.server_cert, self.pki.server_key)
        return self._start(_DominoHandler, ctx)

    def stop(self):
        self.released.set()
        super().stop()

    @property
    def url(self) -> str:
        scheme = "https" if self.pki is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def add_user(self, credential: str, canonical_id: str, name: str = "",
                 orgs: tuple = (), is_admin: bool = False, forbidden: bool = False) -> dict:
        """Registers a credential (a JWT or an API key: both headers work)."""
        user = {"canonicalId": canonical_id, "canonicalName": name or f"user-{canonical_id[:6]}",
                "isAdmin": is_admin, "isAnonymous": False, "orgs": list(orgs),
                "forbidden": forbidden}
        with self.lock:
            self.users[credential] = user
        return user

    def set_orgs(self, canonical_id: str, orgs: tuple) -> None:
        with self.lock:
            for user in self.users.values():
                if user["canonicalId"] == canonical_id:
                    user["orgs"] = list(orgs)

    def counts(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(r["path"] for r in self.requests)

    def stats(self) -> dict:
        return {"counts": dict(self.counts()), "connections": self.connections}


def _find(users: dict, given: str) -> Optional[dict]:
    """Constant-time comparison against each known credential."""
    found = None
    for credential, user in users.items():
        if hmac.compare_digest(credential.encode(), given.encode()):
            found = user
    return found


class _DominoHandler(_Handler):
    def do_GET(self):
        domino: StandInDomino = self.server.owner
        path = self.path.split("?")[0]
        via, given = None, None
        auth = self.headers.get("Authorization")
        if auth and auth.startswith("Bearer "):
            via, given = "bearer", auth[len("Bearer "):]
        elif self.headers.get("X-Domino-Api-Key") is not None:
            via, given = "api-key", self.headers["X-Domino-Api-Key"]
        with domino.lock:
            user = _find(domino.users, given) if given is not None else None
            mode = domino.mode
        record = {"method": "GET", "path": path, "via": via,
                  "user": user["canonicalId"] if user else None, "status": None}

        def answer(code: int, body):
            record["status"] = code
            with domino.lock:
                domino.requests.append(record)
            self.reply(code, body if isinstance(body, bytes) else json.dumps(body).encode())

        if domino.delay:
            time.sleep(domino.delay)
        if mode == "hang":
            domino.released.wait(domino.hang_seconds)
            return answer(500, {"message": "stand-in hung"})
        if mode == "error":
            return answer(500, b"<html><body>Internal Server Error</body></html>")
        if path not in ("/v4/auth/principal", "/v4/organizations/self"):
            return answer(404, {"message": "no such route"})
        if user is None:
            return answer(401, {"message": "Unauthorized"})
        if user["forbidden"]:
            return answer(403, {"message": "Forbidden"})
        if path == "/v4/auth/principal":
            return answer(200, {k: user[k] for k in ("canonicalId", "canonicalName", "isAdmin",
                                                     "isAnonymous")})
        answer(200, [{"id": f"org-{i}", "name": name} for i, name in enumerate(user["orgs"])])

"""moto's real IAM for the mapping service, and a counting proxy in front of it.

* `MotoIam`: `python3 -m moto.server` (MotoServer of test_e2e_sdk.py) in
  moto's default account 123456789012. With `enforce_auth` (the default)
  moto checks every request's SigV4 signature against the access keys of its
  IAM users (403 `SignatureDoesNotMatch` / `InvalidClientTokenId`) and
  evaluates the caller's IAM policies (403 `AccessDenied`): the first three
  actions, unauthenticated, create an `admin` user with `*` rights whose keys
  do all the set-up. `service_user()` makes the mapping service's own user
  with packaging/mapping-service-iam-policy.json, limited to the proxy roles.
  moto cannot enforce auth and answer the unsigned AssumeRoleWithWebIdentity
  of an end-to-end run: use `enforce_auth=False` for that.
* `proxy_role_policy()`: a trust policy as administrators write them: the
  IRSA statement (Federated = the OIDC provider, StringLike `<issuer>:sub`
  list, StringEquals `:aud`), plus any extra statements.
* `IamProxy`: plain HTTP on 127.0.0.1 forwarding to moto with the Host header
  unchanged (the signature stays valid). Records `(Action, RoleName, status)`
  of every call, and does what moto does not (checked: moto 5.x accepts any
  length): refuses an UpdateAssumeRolePolicy whose document is longer than
  `max_length` characters without whitespace with 409 `LimitExceeded`, as
  IAM's "Role trust policy length" quota does. `fail[action] = [status,
  code, count]` injects errors (e.g. 400 Throttling), `delay` slows each call.
"""

from __future__ import annotations

import collections
import http.client
import http.server
import json
import os
import re
import threading
import time
import urllib.parse
from typing import Iterable, Optional

from test_e2e_sdk import MotoServer

ACCOUNT = "123456789012"   # moto's default account
REGION = "us-east-1"
ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B7"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVICE_POLICY = os.path.join(REPO_DIR, "packaging", "mapping-service-iam-policy.json")


def policy_length(document: str) -> int:
    """IAM's count: characters without whitespace."""
    return len(re.sub(r"\s", "", document))


def irsa_statement(subjects: Iterable[str], issuer: str = ISSUER,
                   provider_arn: str = PROVIDER_ARN) -> dict:
    return {"Effect": "Allow", "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {f"{issuer}:sub": list(subjects)},
                          "StringEquals": {f"{issuer}:aud": "sts.amazonaws.com"}}}


def proxy_role_policy(subjects: Iterable[str] = (), extra: Iterable[dict] = (),
                      issuer: str = ISSUER) -> dict:
    return {"Version": "2012-10-17",
            "Statement": [irsa_statement(subjects, issuer,
                                         f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"),
                          *extra]}


class MotoIam:
    def __init__(self, folder: str, enforce_auth: bool = True):
        env = {"INITIAL_NO_AUTH_ACTION_COUNT": "3"} if enforce_auth else {}
        self.server = MotoServer(folder, extra_env=env)
        self.enforce_auth = enforce_auth
        self.admin_keys = ("AKIAIOSFODNN7EXAMPLE", "testing")
        self._iam = None

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> "MotoIam":
        self.server.start()
        if self.enforce_auth:
            iam = self.client(*self.admin_keys)
            iam.create_user(UserName="admin")
            key = iam.create_access_key(UserName="admin")["AccessKey"]
            iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            self.admin_keys = (key["AccessKeyId"], key["SecretAccessKey"])
        self._iam = self.client(*self.admin_keys)
        return self

    def stop(self) -> None:
        self.server.stop()

    def client(self, akid: str, secret: str, endpoint: Optional[str] = None):
        import boto3
        return boto3.session.Session().client(
            "iam", endpoint_url=endpoint or self.url, region_name=REGION,
            aws_access_key_id=akid, aws_secret_access_key=secret)

    # -- set-up
    def create_oidc_provider(self, issuer: str = ISSUER) -> str:
        return self._iam.create_open_id_connect_provider(
            Url=f"https://{issuer}", ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])[
                "OpenIDConnectProviderArn"]

    def create_proxy_role(self, name: str, policy: dict) -> str:
        return self._iam.create_role(RoleName=name,
                                     AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]

    def service_user(self, role_arns: Iterable[str], name: str = "mapping-service") -> tuple:
        """(access key id, secret) of a user holding the shipped policy, its
        Resource narrowed to `role_arns`."""
        with open(SERVICE_POLICY, encoding="utf-8") as f:
            policy = json.load(f)
        for statement in policy["Statement"]:
            statement["Resource"] = list(role_arns)
        self._iam.create_user(UserName=name)
        self._iam.put_user_policy(UserName=name, PolicyName="mapping-service",
                                  PolicyDocument=json.dumps(policy))
        key = self._iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    # -- state
    def trust_policy(self, role: str) -> dict:
        doc = self._iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        return doc if isinstance(doc, dict) else json.loads(urllib.parse.unquote(doc))

    def put_trust_policy(self, role: str, policy: dict) -> None:
        self._iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(policy))

    def subjects(self, role: str, issuer: str = ISSUER) -> list:
        """Every `<issuer>:sub` value under StringLike of the IRSA statements."""
        found = []
        for st in self.trust_policy(role)["Statement"]:
            if not str(st.get("Principal", {}).get("Federated", "")).endswith(
                    f":oidc-provider/{issuer}"):
                continue
            values = st.get("Condition", {}).get("StringLike", {}).get(f"{issuer}:sub", [])
            found += [values] if isinstance(values, str) else list(values)
        return found


class _ProxyServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class IamProxy:
    def __init__(self, upstream: str, max_length: int = 2048):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.max_length = max_length
        self.lock = threading.Lock()
        self.calls: list = []      # (Action, RoleName, status)
        self.fail: dict = {}       # Action -> [status, error code, remaining count]
        self.delay = 0.0
        self.server: Optional[_ProxyServer] = None

    def start(self) -> "IamProxy":
        self.server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.owner = self
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def counts(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(c[0] for c in self.calls)

    def writes(self, role: Optional[str] = None) -> int:
        with self.lock:
            return sum(1 for a, r, s in self.calls
                       if a == "UpdateAssumeRolePolicy" and s == 200 and role in (None, r))

    def stats(self) -> dict:
        return {"counts": dict(self.counts()), "writes": self.writes()}


def _error(code: str, message: str) -> bytes:
    return (f'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
            f"<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>stand-in</RequestId></ErrorResponse>").encode()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/xml"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, method: str):
        proxy: IamProxy = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(errors="replace")).items()}
        action, role = form.get("Action", ""), form.get("RoleName")
        if proxy.delay:
            time.sleep(proxy.delay)
        status, answer, ctype = None, b"", "text/xml"
        with proxy.lock:
            failing = proxy.fail.get(action)
            if failing and failing[2] > 0:
                failing[2] -= 1
                status, answer = failing[0], _error(failing[1], "stand-in failure")
        if status is None and action == "UpdateAssumeRolePolicy":
            if policy_length(form.get("PolicyDocument", "")) > proxy.max_length:
                status = 409
                answer = _error("LimitExceeded",
                                f"Cannot exceed quota for ACLSizePerRole: {proxy.max_length}")
        if status is None:
            conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port,
                                              timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "keep-alive")}
                conn.request(method, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                status, answer = resp.status, resp.read()
                ctype = resp.getheader("Content-Type", "text/xml")
            finally:
                conn.close()
        with proxy.lock:
            proxy.calls.append((action, role, status))
        self._send(status, answer, ctype)

    def do_POST(self):
        self._forward("POST")

    def do_GET(self):
        self._forward("GET")

"""Stand-ins for the reaper's two APIs, on loopback (docs/WIRE.md).

* `StandInKube`: the Kubernetes API over HTTPS with a test CA. Checks the
  bearer token on every request, paginates pod lists (`limit`/`continue`,
  at most `page_size` items a page whatever the limit), and answers the
  Eviction API: 201, 429 for pods a PodDisruptionBudget protects, 404 for
  pods that are gone. `fail_page` makes one page answer 500.
* `StandInEks`: the EKS API over HTTP. Verifies each request's SigV4
  signature with botocore (service `eks`) against the credentials it knows;
  unsigned or wrongly signed requests get 403. Paginates
  ListPodIdentityAssociations (`maxResults`/`nextToken`, at most `page_size`
  a page) and answers DescribePodIdentityAssociation.
* `pod()`, `association()`: the JSON objects as the real APIs send them.
"""

from __future__ import annotations

import base64
import datetime
import hmac
import http.server
import json
import re
import ssl
import sys
import threading
import time
import urllib.parse
from typing import Optional

PI_AUDIENCE = "pods.eks.amazonaws.com"


def rfc3339(t: float) -> str:
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def _managed_fields() -> list:
    """Server-side apply's bookkeeping as the API lists it with every pod:
    many small nested objects, about 20 KB of JSON (the fat pods of a busy
    cluster). One structure, shared by every fat pod."""
    fields = {f"f:field-{i:03d}": {".": {}, "f:value": {}, "f:name": {}} for i in range(400)}
    return [{"manager": "kubelet", "operation": "Update", "apiVersion": "v1",
             "time": "2026-12-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": fields}]


MANAGED_FIELDS = _managed_fields()


def pod(ns: str, name: str, sa: str, started: Optional[float], identity: Optional[str] = "volume",
        phase: str = "Running", padding: int = 0, fat: bool = False) -> dict:
    """A pod as the API lists it. `identity`: "volume" (a projected token
    with the Pod Identity audience), "env" (the container variables), or
    None. `padding`: bytes of annotations, to make pods realistically large.
    `fat`: with managed fields (about 20 KB more)."""
    volumes = [{"name": "kube-api-access-x", "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
    ]}}]
    env = [{"name": "DOMINO_RUN_ID", "value": name}]
    if identity == "volume":
        volumes.append({"name": "eks-pod-identity-token", "projected": {"sources": [
            {"serviceAccountToken": {"audience": PI_AUDIENCE, "expirationSeconds": 86400,
                                     "path": "eks-pod-identity-token"}}]}})
    if identity == "env":
        env += [{"name": "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "value": "http://169.254.170.23/v1/credentials"},
                {"name": "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                 "value": "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/"
                          "eks-pod-identity-token"}]
    status = {"phase": phase}
    if started is not None:
        status["startTime"] = rfc3339(started)
    metadata = {"name": name, "namespace": ns, "uid": f"uid-{name}", "labels": {"app": name},
                "annotations": {"pad": "x" * padding} if padding else {}}
    if fat:
        metadata["managedFields"] = MANAGED_FIELDS
    return {
        "metadata": metadata,
        "spec": {"serviceAccountName": sa, "volumes": volumes,
                 "containers": [{"name": "run", "image": "busybox", "env": env}]},
        "status": status,
    }


def association(ns: str, sa: str, assoc_id: str, created: float,
                modified: Optional[float] = None, cluster: str = "test-cluster") -> dict:
    return {"clusterName": cluster, "namespace": ns, "serviceAccount": sa,
            "associationArn": f"arn:aws:eks:us-east-1:111122223333:podidentityassociation/"
                              f"{cluster}/{assoc_id}",
            "associationId": assoc_id, "ownerArn": None,
            "roleArn": f"arn:aws:iam::111122223333:role/{sa}",
            "createdAt": created, "modifiedAt": modified if modified is not None else created,
            "tags": {}}


def _encode_offset(n: int) -> str:
    # Like real continue tokens: base64 with '=' and possibly '/' or '+'.
    return base64.b64encode(json.dumps({"offset": n, "pad": "?/+"}).encode()).decode()


def _decode_offset(token: str) -> int:
    return json.loads(base64.b64decode(token))["offset"]


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256   # bursts of connections (the mapping bench) are not dropped

    def process_request(self, request, client_address):
        owner = getattr(self, "owner", None)
        if owner is not None:
            with owner.lock:
                owner.connections += 1
        super().process_request(request, client_address)

    def handle_error(self, request, client_address):
        # A refused handshake (a test's wrong CA) or a client gone is no stand-in bug.
        if not isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            super().handle_error(request, client_address)


class _Base:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list = []   # (method, path) of every request
        self.connections = 0       # TCP connections accepted
        self.server: Optional[_Server] = None

    def _start(self, handler_cls, context: Optional[ssl.SSLContext]):
        self.server = _Server(("127.0.0.1", 0), handler_cls)
        self.server.owner = self
        if context is not None:
            # The handshake in the handler's thread, not in accept(): a burst of
            # connections is not served one handshake at a time.
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True,
                                                     do_handshake_on_connect=False)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status: int, body: dict | bytes, headers: dict | None = None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""


class StandInKube(_Base):
    def __init__(self, pki, token: str, page_size: int = 2):
        super().__init__()
        self.pki = pki
        self.token = token
        self.page_size = page_size
        self.pods: dict = {}          # namespace -> [pod]
        self.pdb_protected: set = set()  # (ns, name): eviction answers 429
        self.evictions: list = []     # (ns, name, status) of every eviction request
        self.eviction_bodies: list = []
        self.fail_page: Optional[tuple] = None  # (ns, page index from 0): answers 500
        self.bad_token_requests = 0
        self.pages_served = 0

    def start(self) -> "StandInKube":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.pki.server_cert, self.pki.server_key)
        return self._start(_KubeHandler, ctx)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def evicted(self) -> list:
        return sorted(f"{ns}/{name}" for ns, name, status in self.evictions if status == 201)


class _KubeHandler(_Handler):
    def _authorized(self) -> bool:
        kube: StandInKube = self.server.owner
        ok = hmac.compare_digest(self.headers.get("Authorization", ""), f"Bearer {kube.token}")
        if not ok:
            with kube.lock:
                kube.bad_token_requests += 1
            self.reply(401, {"kind": "Status", "status": "Failure", "reason": "Unauthorized",
                             "code": 401})
        return ok

    def do_GET(self):
        kube: StandInKube = self.server.owner
        url = urllib.parse.urlsplit(self.path)
        with kube.lock:
            kube.requests.append(("GET", url.path))
        if not self._authorized():
            return
        m = re.fullmatch(r"/api/v1/namespaces/([^/]+)/pods", url.path)
        if not m:
            return self.reply(404, {"kind": "Status", "code": 404})
        ns = m.group(1)
        q = urllib.parse.parse_qs(url.query)
        limit = int(q.get("limit", ["0"])[0]) or 10**9
        start = _decode_offset(q["continue"][0]) if "continue" in q else 0
        size = min(limit, kube.page_size)
        with kube.lock:
            page_index = start // size if size else 0
            if kube.fail_page == (ns, page_index):
                return self.reply(500, {"kind": "Status", "code": 500, "message": "etcd"})
            items = kube.pods.get(ns, [])
            page = items[start:start + size]
            kube.pages_served += 1
        meta = {"resourceVersion": "12345"}
        if start + size < len(items):
            meta["continue"] = _encode_offset(start + size)
        self.reply(200, {"kind": "PodList", "apiVersion": "v1", "metadata": meta, "items": page})

    def do_POST(self):
        kube: StandInKube = self.server.owner
        body = self.read_body()
        with kube.lock:
            kube.requests.append(("POST", self.path))
        if not self._authorized():
            return
        m = re.fullmatch(r"/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction", self.path)
        if not m:
            return self.reply(404, {"kind": "Status", "code": 404})
        ns, name = m.group(1), m.group(2)
        with kube.lock:
            kube.eviction_bodies.append(json.loads(body))
            if (ns, name) in kube.pdb_protected:
                kube.evictions.append((ns, name, 429))
                return self.reply(429, {"kind": "Status", "code": 429, "reason": "TooManyRequests",
                                        "message": "Cannot evict pod as it would violate the "
                                                   "pod's disruption budget."})
            pods = kube.pods.get(ns, [])
            found = [p for p in pods if p["metadata"]["name"] == name]
            if not found:
                kube.evictions.append((ns, name, 404))
                return self.reply(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
            pods.remove(found[0])
            kube.evictions.append((ns, name, 201))
        self.reply(201, {"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201})


class StandInEks(_Base):
    def __init__(self, credentials: dict, region: str = "us-east-1",
                 cluster: str = "test-cluster", page_size: int = 2):
        """`credentials`: access key id -> (secret, session token or None)."""
        super().__init__()
        self.credentials = credentials
        self.region = region
        self.cluster = cluster
        self.page_size = page_size
        self.associations: list = []
        self.fail_list_page: Optional[int] = None  # 0-based list page answering 429 Throttling
        self.garbage_describe = False
        self.hang_describe = 0.0        # seconds to wait before answering a describe
        self.vanished: set = set()      # ids listed but answering 404 to describe
        self.verified = 0
        self.refused: list = []  # reasons of refused requests
        self.list_pages = 0
        self.describes = 0

    def start(self) -> "StandInEks":
        return self._start(_EksHandler, None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def verify(self, handler) -> Optional[str]:
        """None when the request is signed right, else why not."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        auth = handler.headers.get("Authorization")
        if not auth:
            return "unsigned"
        m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/"
                         r"aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})",
                         auth)
        if not m:
            return "malformed Authorization"
        akid, day, region, service, signed, signature = m.groups()
        if service != "eks" or region != self.region:
            return f"wrong scope {region}/{service}"
        if akid not in self.credentials:
            return "unknown access key"
        secret, token = self.credentials[akid]
        names = signed.split(";")
        if "host" not in names or "x-amz-date" not in names:
            return "host or x-amz-date not signed"
        if token is not None and ("x-amz-security-token" not in names or
                                  handler.headers.get("X-Amz-Security-Token") != token):
            return "session token missing"
        amz_date = handler.headers.get("X-Amz-Date", "")
        if amz_date[:8] != day:
            return "date mismatch"
        headers = {n: handler.headers.get(n, "") for n in names}
        request = AWSRequest(method=handler.command,
                             url=f"http://{handler.headers['Host']}{handler.path}",
                             headers=headers, data=b"")
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(akid, secret, token), "eks", self.region)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, signature):
            return "signature mismatch"
        return None


class _EksHandler(_Handler):
    def do_GET(self):
        eks: StandInEks = self.server.owner
        url = urllib.parse.urlsplit(self.path)
        with eks.lock:
            eks.requests.append(("GET", url.path))
        why = eks.verify(self)
        with eks.lock:
            if why:
                eks.refused.append(why)
            else:
                eks.verified += 1
        if why:
            return self.reply(403, {"message": "The request signature we calculated does not "
                                               "match the signature you provided."},
                              {"x-amzn-ErrorType": "InvalidSignatureException"})
        base = f"/clusters/{eks.cluster}/pod-identity-associations"
        if url.path == base:
            q = urllib.parse.parse_qs(url.query)
            size = min(int(q.get("maxResults", ["100"])[0]), eks.page_size)
            start = _decode_offset(q["nextToken"][0]) if "nextToken" in q else 0
            with eks.lock:
                page_index = start // size
                if eks.fail_list_page == page_index:
                    return self.reply(429, {"message": "Rate exceeded"},
                                      {"x-amzn-ErrorType": "ThrottlingException"})
                eks.list_pages += 1
                items = eks.associations[start:start + size]
                more = start + size < len(eks.associations)
            summary = [{k: a[k] for k in ("clusterName", "namespace", "serviceAccount",
                                          "associationArn", "associationId", "ownerArn")}
                       for a in items]
            body = {"associations": summary}
            body["nextToken"] = _encode_offset(start + size) if more else None
            return self.reply(200, body)
        if url.path.startswith(base + "/"):
            assoc_id = url.path[len(base) + 1:]
            with eks.lock:
                eks.describes += 1
                found = [a for a in eks.associations if a["associationId"] == assoc_id]
            if eks.hang_describe:
                time.sleep(eks.hang_describe)
            if eks.garbage_describe:
                return self.reply(200, b"<html>not json</html>")
            if not found or assoc_id in eks.vanished:
                return self.reply(404, {"message": "association not found"},
                                  {"x-amzn-ErrorType": "ResourceNotFoundException"})
            return self.reply(200, {"association": found[0]})
        self.reply(404, {"message": "no such route"})


class StandInSts(_Base):
    """AssumeRoleWithWebIdentity only: issues the credentials it was given,
    valid for 15 minutes, and records each form."""

    def __init__(self, akid: str, secret: str, session: str):
        super().__init__()
        self.issued = (akid, secret, session)
        self.forms: list = []

    def start(self) -> "StandInSts":
        return self._start(_StsHandler, None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


class _StsHandler(_Handler):
    def do_POST(self):
        sts: StandInSts = self.server.owner
        form = urllib.parse.parse_qs(self.read_body().decode())
        with sts.lock:
            sts.forms.append(form)
        akid, secret, session = sts.issued
        expiration = rfc3339(datetime.datetime.now(datetime.timezone.utc).timestamp() + 900)
        body = (
            "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
            f"<Credentials><AccessKeyId>{akid}</AccessKeyId>"
            f"<SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{session}</SessionToken>"
            f"<Expiration>{expiration}</Expiration></Credentials>"
            "<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/reaper/"
            "irsa-agent-reap</Arn></AssumedRoleUser>"
            "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

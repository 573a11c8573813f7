"""A Kubernetes API stand-in for the mapping service, on loopback over HTTPS.

What it serves (docs/DEPLOYMENT.md lists the RBAC the real service needs):

* `GET /api/v1/namespaces/<ns>/pods` with `labelSelector` (`k=v`, `k==v`,
  `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, comma = and),
  `fieldSelector` (`metadata.name`, `metadata.namespace`, `status.phase`,
  `spec.serviceAccountName`, `=`/`==`/`!=`; other fields: 400 as the real
  server), `limit`/`continue` pagination (a stale continue token: 410), and
  `GET .../pods/<name>`.
* ConfigMaps: `GET`, `PUT` (409 when `metadata.resourceVersion` is stale;
  without one an unconditional update, counted in `unconditional_puts`),
  `PATCH` with `application/merge-patch+json` or
  `application/strategic-merge-patch+json` (409 when the patch carries a stale
  `metadata.resourceVersion`), others 415.
* `coordination.k8s.io/v1` Leases: `GET`, `POST` to the collection (409
  AlreadyExists), `PUT` (409 when stale, 422 without a resourceVersion, as
  the real server refuses unconditional lease updates).

Every request needs `Authorization: Bearer <token>` (401 otherwise). Every
request is recorded as `(kind, method, path, query)`; `counts()` tallies the
kinds: `pods:select` (a list with a labelSelector), `pods:list` (without),
`pods:get`, `configmaps:get|put|patch`, `leases:get|create|update`,
`unauthorized`, `other`. Switches: `delay` (seconds before each answer),
`fail[kind] = (status, count)` (the next `count` requests of a kind answer
`status`), `hang[kind] = seconds`, `writers_between = n` (the next `n` writes
to a ConfigMap or Lease find that someone else wrote first: 409).
"""

from __future__ import annotations

import base64
import collections
import copy
import datetime
import hmac
import json
import re
import ssl
import time
import urllib.parse
import uuid
from typing import Optional

from reap_stand_ins import _Base, _Handler

EXECUTION_ID = "dominodatalab.com/execution-id"
STARTING_USER = "dominodatalab.com/starting-user-id"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/"


def now_micro() -> str:
    """RFC 3339 with microseconds, as Lease times are written."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def domino_pod(ns: str, run_id: str, user_id: str, sa: Optional[str] = None,
               phase: str = "Running", name: Optional[str] = None,
               labels: Optional[dict] = None) -> dict:
    """A Domino run's pod: execution-id and starting-user-id labels, service
    account `run-<run id>` unless given (per-user accounts: pass `sa`)."""
    all_labels = {EXECUTION_ID: run_id, STARTING_USER: user_id,
                  "dominodatalab.com/workload-type": "Workspace",
                  "app.kubernetes.io/name": f"run-{run_id}"}
    all_labels.update(labels or {})
    name = name or f"run-{run_id}-{uuid.uuid4().hex[:5]}"
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
                         "labels": all_labels},
            "spec": {"serviceAccountName": sa or f"run-{run_id}",
                     "containers": [{"name": "run", "image": "domino/run"}]},
            "status": {"phase": phase}}


# --- selectors ------------------------------------------------------------------

_SET_TERM = re.compile(r"^\s*(!?)([A-Za-z0-9./_-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_TERM = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*$")


def _split_terms(selector: str) -> list:
    """Splits on commas outside parentheses."""
    terms, depth, cur = [], 0, ""
    for ch in selector:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    terms.append(cur)
    return [t for t in terms if t.strip()]


def label_matcher(selector: str):
    """A predicate on a label dict; raises ValueError on a bad selector."""
    tests = []
    for term in _split_terms(selector):
        m = _EQ_TERM.match(term)
        if m:
            key, op, value = m.groups()
            tests.append(lambda labels, k=key, o=op, v=value:
                         (labels.get(k) == v) if o != "!=" else (labels.get(k) != v))
            continue
        m = _SET_TERM.match(term)
        if not m:
            raise ValueError(f"unable to parse requirement: {term!r}")
        neg, key, op, values = m.groups()
        if op:
            allowed = {v.strip() for v in values.split(",")}
            tests.append(lambda labels, k=key, o=op, a=allowed:
                         (labels.get(k) in a) if o == "in" else (labels.get(k) not in a))
        else:
            tests.append(lambda labels, k=key, n=bool(neg): (k in labels) != n)
    return lambda labels: all(t(labels) for t in tests)


_FIELDS = {"metadata.name": lambda p: p["metadata"]["name"],
           "metadata.namespace": lambda p: p["metadata"]["namespace"],
           "status.phase": lambda p: p["status"].get("phase", ""),
           "spec.serviceAccountName": lambda p: p["spec"].get("serviceAccountName", "")}


def field_matcher(selector: str):
    tests = []
    for term in _split_terms(selector):
        m = _EQ_TERM.match(term)
        if not m or m.group(1) not in _FIELDS:
            raise ValueError(f'field label not supported: "{term.split("=")[0].strip("!")}"')
        get, op, value = _FIELDS[m.group(1)], m.group(2), m.group(3)
        tests.append(lambda p, g=get, o=op, v=value: (g(p) == v) if o != "!=" else (g(p) != v))
    return lambda pod: all(t(pod) for t in tests)


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch (also what a strategic merge does to maps)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- the server -----------------------------------------------------------------

class StandInKubeApi(_Base):
    def __init__(self, pki, token: str, max_page: Optional[int] = None):
        """`max_page`: at most this many pods a page whatever the `limit`."""
        super().__init__()
        self.pki = pki
        self.token = token
        self.max_page = max_page
        self.pods: dict = collections.defaultdict(list)   # ns -> [pod]
        self.configmaps: dict = {}                         # (ns, name) -> object
        self.leases: dict = {}                             # (ns, name) -> object
        self.lease_log: list = []      # (op, name, holderIdentity, status) of lease writes
        self.rv = 1000                 # the cluster-wide resourceVersion counter
        self.delay = 0.0
        self.fail: dict = {}           # kind -> [status, remaining count]
        self.hang: dict = {}           # kind -> seconds
        self.writers_between = 0
        self.unconditional_puts = 0
        self.list_versions: dict = {}  # continue token -> rv it belongs to (410 when gone)

    def start(self) -> "StandInKubeApi":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.pki.server_cert, self.pki.server_key)
        return self._start(_KubeApiHandler, ctx)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def next_rv(self) -> str:
        self.rv += 1
        return str(self.rv)

    # -- pods
    def add_pod(self, run_id: str, user_id: str, sa: Optional[str] = None,
                phase: str = "Running", ns: str = "domino-compute", **kwargs) -> dict:
        pod = domino_pod(ns, run_id, user_id, sa, phase, **kwargs)
        with self.lock:
            pod["metadata"]["resourceVersion"] = self.next_rv()
            self.pods[ns].append(pod)
        return pod

    def remove_pods(self, run_id: str, ns: str = "domino-compute") -> int:
        with self.lock:
            before = len(self.pods[ns])
            self.pods[ns] = [p for p in self.pods[ns]
                             if p["metadata"]["labels"].get(EXECUTION_ID) != run_id]
            return before - len(self.pods[ns])

    def set_phase(self, run_id: str, phase: str, ns: str = "domino-compute") -> None:
        with self.lock:
            for p in self.pods[ns]:
                if p["metadata"]["labels"].get(EXECUTION_ID) == run_id:
                    p["status"]["phase"] = phase
                    p["metadata"]["resourceVersion"] = self.next_rv()

    # -- configmaps and leases
    def set_configmap(self, ns: str, name: str, data: dict) -> dict:
        with self.lock:
            old = self.configmaps.get((ns, name))
            obj = {"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": name, "namespace": ns,
                                "uid": old["metadata"]["uid"] if old else str(uuid.uuid4()),
                                "resourceVersion": self.next_rv()},
                   "data": dict(data)}
            self.configmaps[(ns, name)] = obj
            return copy.deepcopy(obj)

    def configmap(self, ns: str, name: str) -> Optional[dict]:
        with self.lock:
            return copy.deepcopy(self.configmaps.get((ns, name)))

    def lease(self, ns: str, name: str) -> Optional[dict]:
        with self.lock:
            return copy.deepcopy(self.leases.get((ns, name)))

    # -- records
    def counts(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(r[0] for r in self.requests)

    def calls(self, *kinds: str) -> int:
        c = self.counts()
        return sum(c[k] for k in kinds) if kinds else sum(
            v for k, v in c.items() if k != "unauthorized")

    def stats(self) -> dict:
        return {"counts": dict(self.counts()), "unconditional_puts": self.unconditional_puts,
                "lease_writes": len(self.lease_log), "connections": self.connections}


def _classify(method: str, path: str, query: dict) -> tuple:
    """(kind, namespace, resource name or None)."""
    m = re.fullmatch(r"/api/v1/namespaces/([^/]+)/pods(?:/([^/]+))?", path)
    if m and method == "GET":
        if m.group(2):
            return "pods:get", m.group(1), m.group(2)
        return ("pods:select" if "labelSelector" in query else "pods:list"), m.group(1), None
    m = re.fullmatch(r"/api/v1/namespaces/([^/]+)/configmaps/([^/]+)", path)
    if m and method in ("GET", "PUT", "PATCH"):
        return f"configmaps:{method.lower()}", m.group(1), m.group(2)
    m = re.fullmatch(re.escape(LEASES) + r"([^/]+)/leases(?:/([^/]+))?", path)
    if m:
        kind = {("POST", False): "leases:create", ("GET", True): "leases:get",
                ("PUT", True): "leases:update"}.get((method, m.group(2) is not None))
        if kind:
            return kind, m.group(1), m.group(2)
    return "other", None, None


class _KubeApiHandler(_Handler):
    def _serve(self, method: str):
        api: StandInKubeApi = self.server.owner
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        body = self.read_body()
        kind, ns, name = _classify(method, url.path, query)
        authorized = hmac.compare_digest(self.headers.get("Authorization", ""),
                                         f"Bearer {api.token}")
        with api.lock:
            api.requests.append((kind if authorized else "unauthorized", method, url.path,
                                 url.query))
            failing = api.fail.get(kind)
            if authorized and failing and failing[1] > 0:
                failing[1] -= 1
            else:
                failing = None
            hang = api.hang.get(kind, 0.0)
        if not authorized:
            return self.reply(401, status(401, "Unauthorized", "Unauthorized"))
        if api.delay:
            time.sleep(api.delay)
        if hang:
            time.sleep(hang)
        if failing:
            return self.reply(failing[0], status(failing[0], "InternalError", "stand-in failure"))
        if kind == "other":
            return self.reply(404, status(404, "NotFound", "the server could not find the "
                                          "requested resource"))
        try:
            doc = json.loads(body) if body else None
        except ValueError:
            return self.reply(400, status(400, "BadRequest", "invalid JSON body"))
        getattr(self, "_" + kind.replace(":", "_"))(api, ns, name, query, doc)

    def do_GET(self):
        self._serve("GET")

    def do_PUT(self):
        self._serve("PUT")

    def do_POST(self):
        self._serve("POST")

    def do_PATCH(self):
        self._serve("PATCH")

    # -- pods
    def _pods_list(self, api, ns, _name, query, _doc):
        if query.get("watch") in ("1", "true"):
            return self.reply(400, status(400, "BadRequest", "the stand-in does not serve "
                                          "watches (list with limit/continue instead)"))
        try:
            by_label = label_matcher(query.get("labelSelector", ""))
            by_field = field_matcher(query.get("fieldSelector", ""))
        except ValueError as e:
            return self.reply(400, status(400, "BadRequest", str(e)))
        limit = int(query.get("limit", "0") or 0)
        with api.lock:
            items = [p for p in api.pods[ns] if by_label(p["metadata"].get("labels", {}))
                     and by_field(p)]
            start = 0
            if "continue" in query:
                token = query["continue"]
                if token not in api.list_versions:
                    return self.reply(410, status(410, "Expired", "The provided continue "
                                                  "parameter is too old"))
                start = json.loads(base64.b64decode(token))["start"]
            size = limit or len(items) or 1
            if api.max_page:
                size = min(size, api.max_page)
            page = copy.deepcopy(items[start:start + size])
            meta = {"resourceVersion": str(api.rv)}
            if limit and start + size < len(items):
                token = base64.b64encode(json.dumps({"start": start + size, "rv": api.rv,
                                                     "pad": "?/+"}).encode()).decode()
                api.list_versions[token] = api.rv
                meta["continue"] = token
                meta["remainingItemCount"] = len(items) - start - size
        self.reply(200, {"kind": "PodList", "apiVersion": "v1", "metadata": meta,
                         "items": page})

    _pods_select = _pods_list

    def _pods_get(self, api, ns, name, _query, _doc):
        with api.lock:
            found = [copy.deepcopy(p) for p in api.pods[ns] if p["metadata"]["name"] == name]
        if not found:
            return self.reply(404, status(404, "NotFound", f'pods "{name}" not found'))
        self.reply(200, found[0])

    # -- configmaps
    def _conflict(self, resource: str, name: str):
        self.reply(409, status(409, "Conflict", f'Operation cannot be fulfilled on {resource} '
                               f'"{name}": the object has been modified; please apply your '
                               'changes to the latest version and try again'))

    def _someone_else_wrote(self, api, obj) -> None:
        """Called under the lock before a write: simulates a concurrent writer."""
        if api.writers_between > 0:
            api.writers_between -= 1
            obj["metadata"]["resourceVersion"] = api.next_rv()

    def _configmaps_get(self, api, ns, name, _query, _doc):
        obj = api.configmap(ns, name)
        if obj is None:
            return self.reply(404, status(404, "NotFound", f'configmaps "{name}" not found'))
        self.reply(200, obj)

    def _configmaps_put(self, api, ns, name, _query, doc):
        if not isinstance(doc, dict) or doc.get("metadata", {}).get("name") != name:
            return self.reply(400, status(400, "BadRequest", "the name of the object does not "
                                          "match the name on the URL"))
        with api.lock:
            obj = api.configmaps.get((ns, name))
            if obj is None:
                return self.reply(404, status(404, "NotFound", f'configmaps "{name}" not found'))
            self._someone_else_wrote(api, obj)
            rv = doc["metadata"].get("resourceVersion")
            if rv is None:
                api.unconditional_puts += 1
            elif rv != obj["metadata"]["resourceVersion"]:
                return self._conflict("configmaps", name)
            new = {"apiVersion": "v1", "kind": "ConfigMap", "data": doc.get("data") or {},
                   "metadata": dict(obj["metadata"], resourceVersion=api.next_rv())}
            api.configmaps[(ns, name)] = new
            answer = copy.deepcopy(new)
        self.reply(200, answer)

    def _configmaps_patch(self, api, ns, name, _query, doc):
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype not in ("application/merge-patch+json",
                         "application/strategic-merge-patch+json"):
            return self.reply(415, status(415, "UnsupportedMediaType",
                                          f"the body of the request was in an unknown format "
                                          f"- accepted media types include: "
                                          f"application/merge-patch+json, "
                                          f"application/strategic-merge-patch+json ({ctype})"))
        if not isinstance(doc, dict):
            return self.reply(400, status(400, "BadRequest", "patch is not an object"))
        with api.lock:
            obj = api.configmaps.get((ns, name))
            if obj is None:
                return self.reply(404, status(404, "NotFound", f'configmaps "{name}" not found'))
            self._someone_else_wrote(api, obj)
            rv = (doc.get("metadata") or {}).get("resourceVersion")
            if rv is not None and rv != obj["metadata"]["resourceVersion"]:
                return self._conflict("configmaps", name)
            new = merge_patch(obj, doc)
            new["metadata"] = dict(obj["metadata"], resourceVersion=api.next_rv())
            api.configmaps[(ns, name)] = new
            answer = copy.deepcopy(new)
        self.reply(200, answer)

    # -- leases
    def _leases_get(self, api, ns, name, _query, _doc):
        obj = api.lease(ns, name)
        if obj is None:
            return self.reply(404, status(404, "NotFound",
                                          f'leases.coordination.k8s.io "{name}" not found'))
        self.reply(200, obj)

    def _leases_create(self, api, ns, _name, _query, doc):
        name = (doc or {}).get("metadata", {}).get("name") if isinstance(doc, dict) else None
        if not name:
            return self.reply(422, status(422, "Invalid", "metadata.name: Required value"))
        with api.lock:
            holder = (doc.get("spec") or {}).get("holderIdentity")
            if (ns, name) in api.leases:
                api.lease_log.append(("create", name, holder, 409))
                return self.reply(409, status(409, "AlreadyExists",
                                              f'leases.coordination.k8s.io "{name}" already '
                                              'exists'))
            obj = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                   "metadata": {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
                                "resourceVersion": api.next_rv(),
                                "creationTimestamp": now_micro()[:19] + "Z"},
                   "spec": doc.get("spec") or {}}
            api.leases[(ns, name)] = obj
            api.lease_log.append(("create", name, holder, 201))
            answer = copy.deepcopy(obj)
        self.reply(201, answer)

    def _leases_update(self, api, ns, name, _query, doc):
        if not isinstance(doc, dict):
            return self.reply(400, status(400, "BadRequest", "body is not an object"))
        with api.lock:
            obj = api.leases.get((ns, name))
            holder = (doc.get("spec") or {}).get("holderIdentity")
            if obj is None:
                return self.reply(404, status(404, "NotFound",
                                              f'leases.coordination.k8s.io "{name}" not found'))
            self._someone_else_wrote(api, obj)
            rv = (doc.get("metadata") or {}).get("resourceVersion")
            if not rv:
                return self.reply(422, status(422, "Invalid", "metadata.resourceVersion: "
                                              "Invalid value: 0x0: must be specified for an "
                                              "update"))
            if rv != obj["metadata"]["resourceVersion"]:
                api.lease_log.append(("update", name, holder, 409))
                return self._conflict("leases.coordination.k8s.io", name)
            new = dict(obj, spec=doc.get("spec") or {})
            new["metadata"] = dict(obj["metadata"], resourceVersion=api.next_rv())
            api.leases[(ns, name)] = new
            api.lease_log.append(("update", name, holder, 200))
            answer = copy.deepcopy(new)
        self.reply(200, answer)

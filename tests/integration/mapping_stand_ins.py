#!/usr/bin/env python3
"""Everything `irsa-agent mapping-service` talks to, on loopback.

Usage from a Python test (tests/integration, `from mapping_stand_ins import ...`):

    world = MappingWorld(tmpdir).start()          # Kubernetes (HTTPS), Domino, moto IAM
    roles = world.add_proxy_roles(["acme-list", "acme-update"], extra=[admin_statement])
    world.set_org_mapping({"acme": "arn:aws:iam::524112250363:role/acme-list"})
    world.add_user("jwt-or-key", "5f1e...", orgs=["acme"])
    world.kube.add_pod(run_id, "5f1e...", sa="user-5f1e")
    proc = subprocess.Popen([bin, "mapping-service", *world.service_args(port)],
                            env=world.service_env())
    ... world.kube.counts(), world.iam.counts(), world.moto.subjects("acme-list") ...
    world.stop()

Usage as a process (for manual runs and bench/mapping_service.py):

    python3 mapping_stand_ins.py serve --dir D [--users 20] [--runs 200] [--roles 3]
        [--per-user-sa] [--max-length 2048] [--no-auth] [--kube-delay S]

prints one JSON line (`world.describe()`: URLs, the CA, the token file, the
credentials file D/credentials.json, the service's argv and environment,
the control URL) and serves until SIGTERM/SIGINT. The control server
(plain HTTP, loopback, no auth) answers `GET /stats` (calls counted by the
stand-ins), `GET /roles` (proxy role name -> ARN), `GET /subjects/<role>`
(the `sub` values of its IRSA statements, read from moto), `POST /pods`
`{"run_id", "user_id", "sa", "phase"}`, `DELETE /pods/<run id>`, and
`POST /domino-mode` `{"mode": "ok"|"error"|"hang"}`.

The parts: stand_in_kube_api.py (pods, ConfigMaps, Leases), stand_in_domino.py
(principal and organisations), moto_iam.py (moto with signature and policy
checks, the counting IamProxy that also enforces the trust-policy length).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import secrets
import signal
import sys
import threading
from typing import Iterable, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import make_pki  # noqa: E402
from moto_iam import (ACCOUNT, ISSUER, IamProxy, MotoIam, policy_length,  # noqa: E402,F401
                      proxy_role_policy)
from stand_in_domino import StandInDomino  # noqa: E402
from stand_in_kube_api import (EXECUTION_ID, STARTING_USER, StandInKubeApi,  # noqa: E402,F401
                               domino_pod)

COMPUTE_NS = "domino-compute"
PLATFORM_NS = "domino-platform"
ORG_MAPPING = "domino-org-iamrole-mapping"
ROLE_MAPPING = "resource-role-to-eks-role-mapping"
ASSET_ACCOUNT = "524112250363"


def run_id(i: int) -> str:
    """A Domino run id: 24 lowercase hex digits."""
    return f"{0x6527182438a6346046000000 + i:024x}"


def user_id(i: int) -> str:
    return f"{0x5f1e00000000000000000000 + i:024x}"


class MappingWorld:
    def __init__(self, folder: str, with_iam: bool = True, enforce_auth: bool = True,
                 max_length: int = 2048, max_page: Optional[int] = None):
        self.folder = folder
        self.with_iam = with_iam
        self.kube_token = "kube-" + secrets.token_hex(24)
        self.pki = make_pki(os.path.join(folder, "pki"), "kube")
        self.kube = StandInKubeApi(self.pki, self.kube_token, max_page=max_page)
        self.domino = StandInDomino()
        self.moto = MotoIam(os.path.join(folder, "moto"), enforce_auth) if with_iam else None
        self.max_length = max_length
        self.iam: Optional[IamProxy] = None
        self.service_keys: Optional[tuple] = None
        self.proxy_arns: dict = {}   # role name -> ARN
        self.kube_token_file = os.path.join(folder, "kube-token")

    def start(self) -> "MappingWorld":
        os.makedirs(os.path.join(self.folder, "moto"), exist_ok=True)
        with open(self.kube_token_file, "w") as f:
            f.write(self.kube_token + "\n")
        os.chmod(self.kube_token_file, 0o600)
        self.kube.start()
        self.domino.start()
        if self.moto:
            self.moto.start()
            self.moto.create_oidc_provider()
            self.iam = IamProxy(self.moto.url, self.max_length).start()
        self.kube.set_configmap(PLATFORM_NS, ORG_MAPPING, {})
        self.kube.set_configmap(PLATFORM_NS, ROLE_MAPPING, {})
        return self

    def stop(self) -> None:
        for part in (self.iam, self.moto, self.domino, self.kube):
            if part is not None:
                part.stop()

    # -- the world's contents
    def add_proxy_roles(self, names: Iterable[str], subjects: Iterable[str] = (),
                        extra: Iterable[dict] = ()) -> dict:
        """Creates the proxy roles in IAM (trust policy: the IRSA statement
        with `subjects`, then `extra` statements), maps asset role name ->
        proxy ARN in the role ConfigMap, and (re)creates the service's IAM
        user limited to all proxy roles so far."""
        for name in names:
            self.proxy_arns[name] = self.moto.create_proxy_role(
                name, proxy_role_policy(list(subjects), list(extra)))
        self.kube.set_configmap(PLATFORM_NS, ROLE_MAPPING, dict(self.proxy_arns))
        user = f"mapping-service-{len(self.proxy_arns)}"
        self.service_keys = self.moto.service_user(self.proxy_arns.values(), user)
        return dict(self.proxy_arns)

    def set_org_mapping(self, mapping: dict) -> None:
        self.kube.set_configmap(PLATFORM_NS, ORG_MAPPING, mapping)

    def add_user(self, credential: str, canonical_id: str, orgs: Iterable[str] = (),
                 is_admin: bool = False) -> None:
        self.domino.add_user(credential, canonical_id, orgs=tuple(orgs), is_admin=is_admin)

    def populate(self, users: int, runs: int, roles: int, per_user_sa: bool) -> list:
        """`roles` proxy roles, one org per role (every user in all of them),
        `users` users, `runs` Running pods spread over them. Returns
        [{"run_id", "user_id", "credential"}]."""
        names = [f"acme-role-{i}" for i in range(roles)]
        self.add_proxy_roles(names)
        self.set_org_mapping({f"org-{i}": f"arn:aws:iam::{ASSET_ACCOUNT}:role/{n}"
                              for i, n in enumerate(names)})
        creds = []
        for u in range(users):
            cred = secrets.token_hex(32)
            self.add_user(cred, user_id(u), orgs=[f"org-{i}" for i in range(roles)])
            creds.append(cred)
        out = []
        for r in range(runs):
            u = r % max(users, 1)
            sa = f"user-{user_id(u)}" if per_user_sa else None
            self.kube.add_pod(run_id(r), user_id(u), sa=sa)
            out.append({"run_id": run_id(r), "user_id": user_id(u), "credential": creds[u]})
        return out

    # -- how to run the service against it
    def service_args(self, port: int, extra: Iterable[str] = ()) -> list:
        args = ["--listen", f"127.0.0.1:{port}", "--domino-api", self.domino.url,
                "--oidc-provider", ISSUER, "--compute-namespace", COMPUTE_NS,
                "--platform-namespace", PLATFORM_NS, "--kube-api", self.kube.url,
                "--kube-token-file", self.kube_token_file, "--kube-ca-file", self.pki.ca_cert,
                "--trust-policy-max-length", str(self.max_length)]
        if self.iam:
            args += ["--iam-endpoint", self.iam.url]
        return args + list(extra)

    def service_env(self) -> dict:
        env = {"PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1"}
        if self.service_keys:
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = self.service_keys
        return env

    def stats(self) -> dict:
        return {"kube": self.kube.stats(), "domino": self.domino.stats(),
                "iam": self.iam.stats() if self.iam else None}

    def describe(self, port: int, control_url: str = "") -> dict:
        return {"kube": self.kube.url, "domino": self.domino.url,
                "iam": self.iam.url if self.iam else None,
                "moto": self.moto.url if self.moto else None, "ca": self.pki.ca_cert,
                "kube_token_file": self.kube_token_file, "control": control_url,
                "credentials": os.path.join(self.folder, "credentials.json"),
                "service_args": self.service_args(port),
                "service_env_file": os.path.join(self.folder, "service-env.json")}


# --- the process form -------------------------------------------------------------

class _ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, code: int, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def do_GET(self):
        world: MappingWorld = self.server.world
        if self.path == "/stats":
            return self._reply(200, world.stats())
        if self.path == "/roles":
            return self._reply(200, world.proxy_arns)
        if self.path.startswith("/subjects/") and world.moto:
            return self._reply(200, world.moto.subjects(self.path[len("/subjects/"):]))
        self._reply(404, {"error": "no such route"})

    def do_POST(self):
        world: MappingWorld = self.server.world
        body = self._body()
        if self.path == "/pods":
            pod = world.kube.add_pod(body["run_id"], body["user_id"], sa=body.get("sa"),
                                     phase=body.get("phase", "Running"))
            return self._reply(201, {"name": pod["metadata"]["name"]})
        if self.path == "/domino-mode" and body.get("mode") in ("ok", "error", "hang"):
            world.domino.mode = body["mode"]
            return self._reply(200, {"mode": world.domino.mode})
        self._reply(404, {"error": "no such route"})

    def do_DELETE(self):
        world: MappingWorld = self.server.world
        if self.path.startswith("/pods/"):
            return self._reply(200, {"removed": world.kube.remove_pods(self.path[len("/pods/"):])})
        self._reply(404, {"error": "no such route"})


def serve(argv: list) -> int:
    parser = argparse.ArgumentParser(prog="mapping_stand_ins.py serve")
    parser.add_argument("--dir", required=True)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--roles", type=int, default=3)
    parser.add_argument("--per-user-sa", action="store_true")
    parser.add_argument("--max-length", type=int, default=2048)
    parser.add_argument("--no-auth", action="store_true", help="moto without signature checks")
    parser.add_argument("--kube-delay", type=float, default=0.0)
    parser.add_argument("--service-port", type=int, default=6000)
    args = parser.parse_args(argv)
    os.makedirs(args.dir, exist_ok=True)
    world = MappingWorld(args.dir, enforce_auth=not args.no_auth,
                         max_length=args.max_length).start()
    world.kube.delay = args.kube_delay
    runs = world.populate(args.users, args.runs, args.roles, args.per_user_sa)
    secret_files = {"credentials.json": runs,
                    "service-env.json": world.service_env()}
    for name, content in secret_files.items():
        path = os.path.join(args.dir, name)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(content, f)
    control = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ControlHandler)
    control.daemon_threads = True
    control.world = world
    threading.Thread(target=control.serve_forever, daemon=True).start()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    print(json.dumps(world.describe(args.service_port,
                                    f"http://127.0.0.1:{control.server_address[1]}")),
          flush=True)
    done.wait()
    control.shutdown()
    world.stop()
    return 0


def main(argv: list) -> int:
    if len(argv) < 2 or argv[1] != "serve":
        print("usage: mapping_stand_ins.py serve --dir D [options] (see --help)",
              file=sys.stderr)
        return 2
    return serve(argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))

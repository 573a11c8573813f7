#!/usr/bin/env python3
"""The static irsa-agent in an empty root, as in the scratch image.

The root folder holds only the binary, /etc/hosts, a test CA file and what
`once` reads and writes: no shared libraries, no loader, no /etc/resolv.conf,
/etc/nsswitch.conf or /etc/services, no /dev. The agent runs there through
chroot(8) as user 65532:65532 (the image's USER) when the test runs as root,
or through `unshare --user --map-root-user --root` otherwise. It must:

* print its version (nothing to load at start-up);
* resolve a host name that only the root's /etc/hosts defines (c-ares, not
  glibc's NSS modules, which a static binary would try to dlopen);
* fetch the mapping over HTTPS from a loopback stand-in whose certificate is
  signed by a test CA: trusted from libcurl's built-in CA file
  /etc/ssl/certs/ca-certificates.crt (where the image puts Debian's bundle),
  or from SSL_CERT_FILE, which replaces it; refused when neither holds it;
* write the AWS config.

Stdlib only, plus the `openssl` command for the test PKI.
Run (as root, or where unprivileged user namespaces are allowed):
    IRSA_AGENT_STATIC_BIN=build-static/irsa-agent python3 tests/integration/test_static_chroot.py
"""

from __future__ import annotations

import configparser
import http.server
import json
import os
import shutil
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REFERENCE_ANSWER as ANSWER  # noqa: E402  (docs/WIRE.md)
from harness import binary_from_env  # noqa: E402
# profile -> (role_arn, source_profile) the written config must hold.
EXPECTED_PROFILES = {
    "profile acme-update-bucket-role":
        ("arn:aws:iam::524112250363:role/acme-update-bucket-role", "src_acme-update-bucket-role"),
    "profile src_acme-update-bucket-role":
        ("arn:aws:iam::946429944765:role/acme-update-bucket-role", None),
    "profile acme-list-bucket-role":
        ("arn:aws:iam::524112250363:role/acme-list-bucket-role", "src_acme-list-bucket-role"),
    "profile src_acme-list-bucket-role":
        ("arn:aws:iam::946429944765:role/acme-list-bucket-role", None),
}
ENDPOINT_PATH = "/map_iam_role_to_pod_sa"
RUN_ID = "6527182438a6346046006654"
API_KEY = "static-test-" + uuid.uuid4().hex  # a placeholder, but still never to be printed
AGENT_UID = 65532  # the image's USER
# In the root: libcurl's built-in CA file (build-static.sh's --with-ca-bundle)
# and the file a test names in SSL_CERT_FILE.
ROOT_DEFAULT_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
ROOT_CA_FILE = "/etc/ssl/test-ca.pem"
ROOT_TOKEN_FILE = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
ROOT_AWS_DIR = "/var/run/.aws"
# Short retries: a failing run gives up after about `timeout` seconds.
FAST = ["--timeout", "4", "--request-timeout", "2", "--min-backoff", "0.1",
        "--max-backoff", "0.2"]
RUN_LIMIT_SECONDS = 30


def static_binary() -> str:
    """The static binary, from $IRSA_AGENT_STATIC_BIN."""
    return binary_from_env("IRSA_AGENT_STATIC_BIN", "point it at the static binary "
                           "(packaging/build-static.sh builds build-static/irsa-agent)")


def elf_segment_types(path: str) -> set:
    """The p_type of every program header of a 64-bit little-endian ELF file."""
    with open(path, "rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
            raise AssertionError(f"{path} is not a 64-bit little-endian ELF file")
        phoff, = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        types = set()
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            types.add(struct.unpack("<I", f.read(4))[0])
        return types


def openssl(*args: str, cwd: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def make_ca(folder: str, name: str) -> str:
    """A self-signed CA as `name`.pem and `name`.key in `folder`; returns the .pem path."""
    openssl("req", "-x509", *EC_KEY, "-keyout", f"{name}.key", "-out", f"{name}.pem",
            "-days", "2", "-subj", f"/CN=irsa-agent static test {name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    return os.path.join(folder, f"{name}.pem")


def make_pki(folder: str, host: str) -> tuple:
    """A CA and a server certificate for `host` signed by it, with the openssl
    command. Returns the paths (ca_pem, server_pem, server_key)."""
    make_ca(folder, "ca")
    openssl("req", *EC_KEY, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={host}",
            cwd=folder)
    with open(os.path.join(folder, "server.ext"), "w") as f:
        f.write(f"subjectAltName=DNS:{host}\nbasicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
            "-extfile", "server.ext", "-out", "server.pem", cwd=folder)
    return tuple(os.path.join(folder, name) for name in ("ca.pem", "server.pem", "server.key"))


class StandIn:
    """The mapping service on 127.0.0.1: answers every POST with 200 and the
    reference answer, and records what it received. With `tls` (a server
    SSLContext) it speaks HTTPS. Connections that end in an error (a refused
    TLS handshake, say) are counted, not printed."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.requests = []  # (method, path, headers dict, body bytes)
        self.failed_connections = 0
        self._lock = threading.Lock()
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(min(length, 1 << 16))
                with stand_in._lock:
                    stand_in.requests.append(
                        ("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                data = ANSWER.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                sock, addr = self.socket.accept()
                sock.settimeout(10)
                if tls is not None:  # handshake in the handler's thread
                    sock = tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                return sock, addr

            def handle_error(self, request, client_address):
                with stand_in._lock:
                    stand_in.failed_connections += 1

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class StaticChrootTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.binary = static_binary()
        pt_interp = 3  # names the dynamic loader, which the empty root does not have
        if pt_interp in elf_segment_types(cls.binary):
            raise AssertionError(f"{cls.binary} is dynamically linked (it has an ELF "
                                 "interpreter); build it with packaging/build-static.sh")
        if shutil.which("openssl") is None:
            raise AssertionError("the openssl command is needed for the test CA")
        # Full paths: the agent's environment (and so the lookup's PATH) is empty.
        cls.as_root = os.geteuid() == 0
        tool = "chroot" if cls.as_root else "unshare"
        cls.enter_tool = shutil.which(tool)
        if cls.enter_tool is None:
            raise AssertionError(f"{tool}(8) is needed to enter the empty root")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="irsa-static-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        os.chmod(self.tmp, 0o755)  # the agent's user walks through it to the root
        # A name no resolver outside this root knows (.test is reserved, RFC 6761).
        self.host = f"mapping-{uuid.uuid4().hex[:12]}.irsa.test"
        self.root = os.path.join(self.tmp, "root")
        self.put("/irsa-agent", self.read(self.binary), 0o755)
        self.put("/etc/hosts", f"127.0.0.1\tlocalhost\n127.0.0.1\t{self.host}\n".encode())
        self.put(ROOT_TOKEN_FILE, b"eyJhbGciOiJSUzI1NiJ9.e30.c2ln")  # only its path is used
        os.makedirs(self.inside(ROOT_AWS_DIR))
        if self.as_root:
            os.chown(self.inside(ROOT_AWS_DIR), AGENT_UID, AGENT_UID)
        pki = os.path.join(self.tmp, "pki")
        os.makedirs(pki)
        self.ca_pem, self.server_pem, self.server_key = make_pki(pki, self.host)
        self.other_ca_pem = make_ca(pki, "other-ca")  # never signs anything here

    # --- helpers ----------------------------------------------------------------

    def inside(self, path: str) -> str:
        return os.path.join(self.root, path.lstrip("/"))

    def put(self, path: str, data: bytes, mode: int = 0o644) -> None:
        """Writes `data` at `path` inside the root, folders 0755."""
        full = self.inside(path)
        os.makedirs(os.path.dirname(full), mode=0o755, exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        os.chmod(full, mode)

    @staticmethod
    def read(path: str) -> bytes:
        with open(path, "rb") as f:
            return f.read()

    def run_in_root(self, args: list, env: dict | None = None) -> subprocess.CompletedProcess:
        """Runs /irsa-agent `args` inside the root with exactly `env`."""
        if self.as_root:
            enter = [self.enter_tool, f"--userspec={AGENT_UID}:{AGENT_UID}", self.root]
        else:
            enter = [self.enter_tool, "--user", "--map-root-user", f"--root={self.root}"]
        try:
            return subprocess.run([*enter, "/irsa-agent", *args], env=env or {},
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=RUN_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"irsa-agent {args[:1]} did not finish within "
                                 f"{RUN_LIMIT_SECONDS}s") from None

    def once(self, scheme: str, port: int, env: dict | None = None):
        result = self.run_in_root(
            ["once", "--endpoint", f"{scheme}://{self.host}:{port}{ENDPOINT_PATH}",
             "--run-id", RUN_ID, "--api-key", API_KEY,
             "--aws-config-file", f"{ROOT_AWS_DIR}/config",
             "--web-identity-token-file", ROOT_TOKEN_FILE,
             "--pod-info-path", "/nonexistent", "--domino-token-file", "/nonexistent", *FAST],
            env)
        for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            self.assertNotIn(API_KEY, text, f"the API key appears on {name}")
        return result

    def describe(self, result: subprocess.CompletedProcess) -> str:
        return (f"exit {result.returncode}\n--- stdout ---\n{result.stdout}"
                f"--- stderr ---\n{result.stderr}")

    def server_tls(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.server_pem, self.server_key)
        return context

    def assert_mapping_call(self, service: StandIn) -> None:
        """Exactly one mapping call, addressed to the name from /etc/hosts."""
        self.assertEqual(len(service.requests), 1, service.requests)
        method, path, headers, body = service.requests[0]
        self.assertEqual((method, path), ("POST", ENDPOINT_PATH))
        self.assertEqual(headers.get("host"), f"{self.host}:{service.port}")
        self.assertEqual(headers.get("content-type", "").split(";")[0], "application/json")
        self.assertEqual(headers.get("x-domino-api-key"), API_KEY, "wrong API key header")
        self.assertEqual(json.loads(body), {"run_id": RUN_ID})

    def assert_config_written(self) -> None:
        path = self.inside(f"{ROOT_AWS_DIR}/config")
        self.assertTrue(os.path.isfile(path), "no config file was written")
        self.assertEqual(sorted(os.listdir(self.inside(ROOT_AWS_DIR))), ["config"],
                         "a temp file was left behind")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertNotIn(API_KEY, text)
        config = configparser.ConfigParser(interpolation=None)
        config.read_string(text)  # raises on duplicate sections or keys, like botocore
        self.assertEqual(sorted(config.sections()), sorted(EXPECTED_PROFILES))
        for section, (role_arn, source) in EXPECTED_PROFILES.items():
            self.assertEqual(config[section].get("role_arn"), role_arn, section)
            if source is None:
                self.assertEqual(config[section].get("web_identity_token_file"),
                                 ROOT_TOKEN_FILE, section)
            else:
                self.assertEqual(config[section].get("source_profile"), source, section)

    # --- tests ------------------------------------------------------------------

    def test_version_runs_with_nothing_to_load(self):
        result = self.run_in_root(["--version"])
        self.assertEqual(result.returncode, 0, self.describe(result))
        self.assertRegex(result.stdout, r"^irsa-agent \d+\.\d+\.\d+")

    def test_once_over_http_resolves_the_name_from_etc_hosts(self):
        with StandIn() as service:
            result = self.once("http", service.port)
        self.assertEqual(result.returncode, 0, self.describe(result))
        self.assert_mapping_call(service)
        self.assert_config_written()

    def test_once_over_https_trusts_the_built_in_ca_file(self):
        self.put(ROOT_DEFAULT_CA_FILE, self.read(self.ca_pem))  # the image's layout
        with StandIn(self.server_tls()) as service:
            result = self.once("https", service.port)
        self.assertEqual(result.returncode, 0, self.describe(result))
        self.assertEqual(service.failed_connections, 0)
        self.assert_mapping_call(service)
        self.assert_config_written()

    def test_once_over_https_trusts_the_ca_from_ssl_cert_file(self):
        self.put(ROOT_DEFAULT_CA_FILE, self.read(self.other_ca_pem))
        self.put(ROOT_CA_FILE, self.read(self.ca_pem))
        with StandIn(self.server_tls()) as service:
            result = self.once("https", service.port, {"SSL_CERT_FILE": ROOT_CA_FILE})
        self.assertEqual(result.returncode, 0, self.describe(result))
        self.assertEqual(service.failed_connections, 0)
        self.assert_mapping_call(service)
        self.assert_config_written()

    def test_once_over_https_refuses_an_unknown_ca(self):
        self.put(ROOT_DEFAULT_CA_FILE, self.read(self.other_ca_pem))
        self.put(ROOT_CA_FILE, self.read(self.ca_pem))  # present, but not named
        with StandIn(self.server_tls()) as service:
            result = self.once("https", service.port)
        self.assertNotIn(result.returncode, (0, 2, 70), self.describe(result))  # ok, usage, bug
        self.assertIn("certificate", result.stderr.lower(), self.describe(result))
        self.assertEqual(service.requests, [], "a request got through an untrusted TLS session")
        self.assertGreater(service.failed_connections, 0, "the agent never tried to connect")
        self.assertEqual(os.listdir(self.inside(ROOT_AWS_DIR)), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Shared helpers for the integration tests of irsa-agent.

* `agent_binary()`: the binary under test, from $IRSA_AGENT_BIN (fails loudly).
* `run_agent()`: runs it with a clean environment and a time limit.
* `AgentTestCase`: a unittest.TestCase with a temp dir per test and the
  assertions every test needs (`assert_no_secrets`, `assert_error`, ...).
* `go_quote()`, `format_labels()`: the downward-API labels file, byte for byte
  as the kubelet writes it.
* `AtomicDir`: a kubelet AtomicWriter folder (`..data` symlink swaps), with
  `rotate()` doing exactly what the kubelet does, for inotify tests.
* `make_jwt()`: a fake JWT (unsigned: random signature bytes).
* `make_ca()`, `make_server_cert()`: PKI for the HTTPS tests.
* `parse_aws_config()`: a config file as botocore reads it.

Only the standard library and `cryptography` (for certificates) are used.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import unicodedata
import unittest
from typing import Iterable, Mapping, Optional, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))

# The reference service's answer for a user in two organisations (docs/WIRE.md,
# The mapping call), byte for byte: no blank lines, mixed spacing, no trailing newline.
REFERENCE_ANSWER = (
    "[profile acme-update-bucket-role]\n"
    "source_profile = src_acme-update-bucket-role\n"
    "role_arn=arn:aws:iam::524112250363:role/acme-update-bucket-role\n"
    "[profile src_acme-update-bucket-role]\n"
    "web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n"
    "role_arn=arn:aws:iam::946429944765:role/acme-update-bucket-role\n"
    "[profile acme-list-bucket-role]\n"
    "source_profile = src_acme-list-bucket-role\n"
    "role_arn=arn:aws:iam::524112250363:role/acme-list-bucket-role\n"
    "[profile src_acme-list-bucket-role]\n"
    "web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n"
    "role_arn=arn:aws:iam::946429944765:role/acme-list-bucket-role"
)
REFERENCE_PROFILES = ("acme-update-bucket-role", "acme-list-bucket-role")

# The path of the later generation's mapping call.
ENDPOINT_PATH = "/map_iam_roles_to_pod_sa"

# A config an earlier run wrote: a failing run must leave it exactly as it is.
PREVIOUS_CONFIG = (
    b"# Written by irsa-agent. Do not edit.\n"
    b"[profile old-role]\n"
    b"source_profile = src_old-role\n"
    b"role_arn = arn:aws:iam::524112250363:role/old-role\n"
    b"\n"
    b"[profile src_old-role]\n"
    b"web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n"
    b"role_arn = arn:aws:iam::946429944765:role/old-role\n")
SERVICE_TOKEN_PATH = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"


def answer_for(pairs: Sequence[tuple], token_path: str = SERVICE_TOKEN_PATH) -> str:
    """A mapping answer in the reference service's format for (name,
    target_arn, proxy_arn) tuples."""
    lines = []
    for name, target_arn, proxy_arn in pairs:
        lines += [f"[profile {name}]", f"source_profile = src_{name}", f"role_arn={target_arn}",
                  f"[profile src_{name}]", f"web_identity_token_file = {token_path}",
                  f"role_arn={proxy_arn}"]
    return "\n".join(lines)


# --- the binary -----------------------------------------------------------------

def binary_from_env(variable: str, hint: str) -> str:
    """The absolute path in $`variable`; raises AssertionError (saying `hint`
    when it is unset) when it is unset or not an executable file, so the
    whole test file fails, never skips."""
    path = os.environ.get(variable, "")
    if not path:
        raise AssertionError(f"{variable} is not set: {hint}")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AssertionError(f"{variable}={path} is not an executable file")
    return os.path.abspath(path)


def agent_binary() -> str:
    """The binary under test, from $IRSA_AGENT_BIN."""
    return binary_from_env("IRSA_AGENT_BIN", "point it at the built irsa-agent "
                           "(e.g. IRSA_AGENT_BIN=build/irsa-agent)")


# Variables the agent reads (its own, the reference deployment's, the AWS
# SDK's) and the proxy variables libcurl honours: never inherited by a test.
_STRIPPED_PREFIXES = ("AWS_", "IRSA_AGENT_", "DOMINO_")
_STRIPPED_NAMES = {
    "IAM_SA_MAPPING_ENDPOINT", "POD_INFO_PATH", "ROOT_PATH", "LOG_LEVEL",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR",
}


def clean_environment(extra: Optional[Mapping[str, str]] = None) -> dict:
    """os.environ without AWS_*, IRSA_AGENT_*, DOMINO_*, the reference
    deployment's variables and proxy settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(_STRIPPED_PREFIXES) and k.upper() not in _STRIPPED_NAMES}
    env.update(extra or {})
    return env


@dataclasses.dataclass
class AgentResult:
    args: list
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def stdout_lines(self) -> list:
        return self.stdout.splitlines()

    @property
    def stderr_lines(self) -> list:
        return self.stderr.splitlines()

    def describe(self) -> str:
        """For failure messages. The output is checked for secrets before any
        assertion that prints it (see AgentTestCase.run_agent)."""
        return (f"exit {self.returncode} after {self.seconds:.2f}s\n"
                f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}")


def run_agent(args: Sequence[str], env: Optional[Mapping[str, str]] = None,
              timeout: float = 30, umask: Optional[int] = None,
              cwd: Optional[str] = None) -> AgentResult:
    """Runs the agent with `args` (without the program name) in a clean
    environment plus `env`. Kills it and raises AssertionError after
    `timeout` seconds. `umask`, when given, is set in the child."""
    argv = [agent_binary(), *args]
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, env=clean_environment(env), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout, preexec_fn=preexec,
                              cwd=cwd)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"irsa-agent {args[:1]} did not finish within {timeout}s") from None
    return AgentResult(list(args), proc.returncode,
                       proc.stdout.decode("utf-8", errors="replace"),
                       proc.stderr.decode("utf-8", errors="replace"),
                       time.monotonic() - start)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the labels file ------------------------------------------------------------

def _go_is_print(ch: str) -> bool:
    """Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and
    the ASCII space."""
    return ch == " " or unicodedata.category(ch)[0] in "LMNPS"


_GO_SIMPLE_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r",
                      "\t": r"\t", "\v": r"\v"}


def go_quote(value: str | bytes) -> str:
    """strconv.Quote (fmt's %q) of `value`: bytes that are not valid UTF-8
    become \\xNN, as in Go."""
    data = value.encode("utf-8", errors="surrogateescape") if isinstance(value, str) else value
    out = ['"']
    i = 0
    while i < len(data):
        ch, width = _decode_one(data, i)
        if ch is None:
            out.append(f"\\x{data[i]:02x}")
        elif ch in ('"', "\\"):
            out.append("\\" + ch)
        elif _go_is_print(ch):
            out.append(ch)
        elif ch in _GO_SIMPLE_ESCAPES:
            out.append(_GO_SIMPLE_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
        i += width
    out.append('"')
    return "".join(out)


def _decode_one(data: bytes, i: int) -> tuple:
    """The UTF-8 character at data[i:] and its width, or (None, 1) for a byte
    that does not start a valid sequence."""
    for width in (1, 2, 3, 4):
        try:
            return data[i:i + width].decode("utf-8"), width
        except UnicodeDecodeError:
            continue
    return None, 1


def format_labels(labels: Mapping[str, str]) -> bytes:
    """The downward-API labels file as the kubelet writes it
    (fieldpath.FormatMap): `key=%q` lines, keys sorted, no trailing newline."""
    lines = [f"{key}={go_quote(labels[key])}" for key in sorted(labels)]
    return "\n".join(lines).encode("utf-8", errors="surrogateescape")


def domino_labels(run_id: str, workload_type: Optional[str] = None,
                  workload: str = "Workspace") -> dict:
    """The labels of a Domino run's pod; `workload_type` adds the later
    generation's irsa-workload-type label."""
    labels = {
        "app.kubernetes.io/name": f"run-{run_id}",
        "app.kubernetes.io/component": "run",
        "dominodatalab.com/execution-id": run_id,
        "dominodatalab.com/workload-type": workload,
        "dominodatalab.com/project-name": "quick-start",
        "dominodatalab.com/starting-user-username": "integration-test",
    }
    if workload_type is not None:
        labels["dominodatalab.com/irsa-workload-type"] = workload_type
    return labels


# --- kubelet AtomicWriter folders -----------------------------------------------

class AtomicDir:
    """A folder written like the kubelet's AtomicWriter:

        NAME -> ..data/NAME          user-visible symlink, created once
        ..data -> ..<timestamp>      symlink, swapped atomically by rotate()
        ..<timestamp>/NAME           the real file

    `write()` creates or updates it; each call is one kubelet update.
    """

    def __init__(self, path: str, mode: int = 0o644):
        self.path = path
        self.mode = mode
        os.makedirs(path, exist_ok=True)

    def file(self, name: str) -> str:
        """The user-visible path of `name` (the stable path SDKs are given)."""
        return os.path.join(self.path, name)

    def current_dir(self) -> Optional[str]:
        """The timestamped folder `..data` points at, or None."""
        data = os.path.join(self.path, "..data")
        if not os.path.islink(data):
            return None
        return os.path.join(self.path, os.readlink(data))

    def write(self, files: Mapping[str, bytes | str]) -> str:
        """One kubelet update with exactly `files`: a new timestamped folder,
        `..data_tmp` -> it, rename over `..data`, user-visible symlinks for new
        names, removal of symlinks no longer in the payload, then removal of
        the old folder. Returns the new timestamped folder's path."""
        old = self.current_dir()
        old_names = set(os.listdir(old)) if old else set()
        new = self._new_timestamp_dir()
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            target = os.path.join(new, name)
            with open(target, "wb") as f:
                f.write(data)
            os.chmod(target, self.mode)
        tmp_link = os.path.join(self.path, "..data_tmp")
        os.symlink(os.path.basename(new), tmp_link)
        os.rename(tmp_link, os.path.join(self.path, "..data"))
        for name in files:
            link = os.path.join(self.path, name)
            if not os.path.lexists(link):
                os.symlink(os.path.join("..data", name), link)
        for name in old_names - set(files):
            os.unlink(os.path.join(self.path, name))
        if old:
            shutil.rmtree(old)
        return new

    rotate = write  # the kubelet does the same thing for the first write and for updates

    def _new_timestamp_dir(self) -> str:
        # os.MkdirTemp(dir, "..2006_01_02_15_04_05.") adds a random number.
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("..%Y_%m_%d_%H_%M_%S.")
        for _ in range(100):
            candidate = os.path.join(self.path, stamp + str(random.randrange(10**9)))
            try:
                os.mkdir(candidate, 0o755)
                return candidate
            except FileExistsError:
                continue
        raise RuntimeError(f"cannot create a timestamped folder in {self.path}")


def write_labels(folder: AtomicDir, labels: Mapping[str, str]) -> str:
    """Writes `labels` as the downward-API `labels` file; returns its path."""
    folder.write({"labels": format_labels(labels)})
    return folder.file("labels")


# --- tokens ---------------------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(iss: str = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B7",
             sub: str = "system:serviceaccount:domino-compute:run-sa",
             aud: str | list = "sts.amazonaws.com", iat: Optional[int] = None,
             exp: Optional[int] = None, extra: Optional[Mapping] = None) -> str:
    """A JWT-shaped token `header.payload.signature` (base64url, no padding)
    with the given claims; the signature is random bytes (nobody verifies it
    here). `iat` defaults to now, `exp` to iat + 24 h."""
    now = int(time.time())
    iat = now if iat is None else iat
    exp = iat + 86400 if exp is None else exp
    header = {"alg": "RS256", "kid": _b64url(os.urandom(12)), "typ": "JWT"}
    claims = {"iss": iss, "sub": sub, "aud": aud, "iat": iat, "nbf": iat, "exp": exp}
    claims.update(extra or {})
    return ".".join([_b64url(json.dumps(header, separators=(",", ":")).encode()),
                     _b64url(json.dumps(claims, separators=(",", ":")).encode()),
                     _b64url(os.urandom(256))])


def make_api_key() -> str:
    """A Domino user API key: 64 hex digits."""
    return os.urandom(32).hex()


# --- PKI ------------------------------------------------------------------------

@dataclasses.dataclass
class Pki:
    ca_cert: str      # PEM path of the CA certificate
    server_cert: str  # PEM path of the server certificate (leaf only)
    server_key: str   # PEM path of the server's private key


def make_pki(folder: str, name: str = "test", dns_names: Sequence[str] = ()) -> Pki:
    """A fresh CA and a server certificate for 127.0.0.1 / localhost (and
    `dns_names`) signed by it, written as PEM files into `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import ipaddress

    os.makedirs(folder, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"irsa-agent {name} CA")])
    ca = (x509.CertificateBuilder()
          .subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("localhost"), *(x509.DNSName(n) for n in dns_names)]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pki = Pki(os.path.join(folder, f"{name}-ca.pem"), os.path.join(folder, f"{name}-server.pem"),
              os.path.join(folder, f"{name}-server.key"))
    with open(pki.ca_cert, "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(pki.server_cert, "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(pki.server_key, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(pki.server_key, 0o600)
    return pki


# --- AWS config -----------------------------------------------------------------

def parse_aws_config(path_or_text: str, is_text: bool = False) -> dict:
    """The config as botocore reads it: {"profile NAME": {key: value}}.
    Raises botocore's ConfigParseError when botocore rejects it."""
    from botocore import configloader
    if not is_text:
        return configloader.raw_config_parse(path_or_text)
    with tempfile.NamedTemporaryFile("w", suffix=".config", delete=False) as f:
        f.write(path_or_text)
    try:
        return configloader.raw_config_parse(f.name)
    finally:
        os.unlink(f.name)


def profiles_of(sections: Mapping[str, dict]) -> dict:
    """{"NAME": {...}} for every `[profile NAME]` section."""
    return {name[len("profile "):]: values for name, values in sections.items()
            if name.startswith("profile ")}


@dataclasses.dataclass
class FileState:
    """What a file is, to prove it was not touched."""
    content: bytes
    inode: int
    mtime_ns: int
    mode: int

    @classmethod
    def of(cls, path: str) -> "FileState":
        st = os.stat(path)
        with open(path, "rb") as f:
            return cls(f.read(), st.st_ino, st.st_mtime_ns, st.st_mode & 0o7777)


# --- the test case --------------------------------------------------------------

@dataclasses.dataclass
class Secret:
    label: str  # how failure messages name it, e.g. "Domino token"
    value: str


class AgentTestCase(unittest.TestCase):
    """A temp dir per test (removed afterwards) and the assertions shared by
    every integration test. Subclasses call `self.add_secret()` for each
    secret they create; `self.run_agent()` checks every output for them."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = agent_binary()

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="irsa-it-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.secrets: list[Secret] = []
        # Files that legitimately hold a secret (the token files themselves),
        # by user-visible path: resolved at each check, as rotations move them.
        self.secret_holders: set[str] = set()

    def path(self, *parts: str) -> str:
        return os.path.join(self.tmp, *parts)

    def add_secret(self, label: str, value: str, holder: Optional[str] = None) -> str:
        """Registers `value` as a secret; `holder` is a file allowed to hold it."""
        self.secrets.append(Secret(label, value))
        if holder:
            self.secret_holders.add(holder)
        return value

    def write_domino_token(self, token: str, *parts: str) -> str:
        """Writes the Domino token file at path(*parts), ending in the newline
        users' files have (it must never reach a header), registers the token
        as a secret held by that file, and returns the file's path."""
        path = self.path(*parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(token + "\n")
        self.add_secret("Domino token", token, holder=path)
        return path

    def write_web_identity_token(self, folder: AtomicDir, token: str) -> str:
        """Writes `token` into `folder` as the kubelet does, registers it as a
        secret held by the token file, and returns that file's path."""
        folder.write({"token": token})
        self.add_secret("web identity token", token, holder=folder.file("token"))
        return folder.file("token")

    def start_service(self, *args, **kwargs):
        """A StandInService started for this test and stopped after it."""
        from stand_in_service import StandInService
        service = StandInService(*args, **kwargs).start()
        self.addCleanup(service.stop)
        return service

    def run_agent(self, args: Sequence[str], env: Optional[Mapping[str, str]] = None,
                  timeout: float = 30, umask: Optional[int] = None,
                  check_files: bool = True) -> AgentResult:
        """Runs the agent and asserts that no registered secret appears in its
        stdout, its stderr or (with `check_files`) any file under the temp dir
        other than the registered holders."""
        result = run_agent(args, env=env, timeout=timeout, umask=umask)
        self.assert_no_secrets(result.stdout, "stdout")
        self.assert_no_secrets(result.stderr, "stderr")
        if check_files:
            self.assert_no_secrets_in_tree(self.tmp)
        return result

    # --- secrets ----------------------------------------------------------------
    def _fragments(self, secret: Secret) -> list:
        """The secret and, for a JWT, its payload and signature segments:
        none may appear anywhere."""
        fragments = [("whole", secret.value)]
        parts = secret.value.split(".")
        if len(parts) == 3:
            fragments += [("payload segment", parts[1]), ("signature segment", parts[2])]
        return [(kind, value) for kind, value in fragments if len(value) >= 8]

    def assert_no_secrets(self, text: str | bytes, where: str) -> None:
        """Fails, naming the secret by label and length only, when any
        registered secret (or a JWT segment of one) occurs in `text`."""
        data = text.encode("utf-8", errors="replace") if isinstance(text, str) else text
        for secret in self.secrets:
            for kind, value in self._fragments(secret):
                offset = data.find(value.encode())
                if offset >= 0:
                    self.fail(f"{secret.label} ({kind}, {len(value)} bytes) appears in {where} "
                              f"at byte {offset}")

    def assert_no_secrets_in_tree(self, root: str) -> None:
        """No registered secret in any regular file under `root` except the holders."""
        holders = {os.path.realpath(h) for h in self.secret_holders}
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                if os.path.islink(path) or os.path.realpath(path) in holders:
                    continue
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                self.assert_no_secrets(data, path)

    # --- outcomes ---------------------------------------------------------------
    def assert_success_line(self, result: AgentResult, *fragments: str) -> str:
        """Exit 0 and exactly one stdout line containing every fragment."""
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(len(result.stdout_lines), 1, result.describe())
        self.assertTrue(result.stdout.endswith("\n"), result.describe())
        line = result.stdout_lines[0]
        for fragment in fragments:
            self.assertIn(fragment, line, result.describe())
        return line

    def assert_error(self, result: AgentResult, exit_code: int,
                     *fragments: str) -> str:
        """Exit `exit_code`, nothing on stdout, and stderr ending with exactly
        one "irsa-agent: error: " line that contains every fragment. Under
        --log-format json that line is a JSON object with level "error": its
        "msg" is checked, returned as the text line would be."""
        self.assertEqual(result.returncode, exit_code, result.describe())
        self.assertEqual(result.stdout, "", result.describe())
        error_lines = [l for l in result.stderr_lines if l.startswith("irsa-agent: error: ")]
        if not error_lines and result.stderr_lines and result.stderr_lines[-1].startswith("{"):
            try:
                last = json.loads(result.stderr_lines[-1])
            except ValueError:
                last = {}
            if isinstance(last, dict) and last.get("level") == "error":
                for fragment in fragments:
                    self.assertIn(fragment, last.get("msg", ""), result.describe())
                return "irsa-agent: error: " + last.get("msg", "")
        self.assertEqual(len(error_lines), 1, result.describe())
        self.assertTrue(result.stderr_lines and result.stderr_lines[-1] == error_lines[0],
                        "the error line must be the last line of stderr\n" + result.describe())
        for fragment in fragments:
            self.assertIn(fragment, error_lines[0], result.describe())
        return error_lines[0]

    def assert_unchanged(self, path: str, before: FileState) -> None:
        """`path` is byte-identical to `before`, same inode and mtime."""
        after = FileState.of(path)
        self.assertEqual(after.content, before.content, f"{path} was modified")
        self.assertEqual(after.inode, before.inode, f"{path} was replaced")
        self.assertEqual(after.mtime_ns, before.mtime_ns, f"{path} was rewritten")

    def assert_only_files(self, folder: str, names: Iterable[str]) -> None:
        """`folder` holds exactly `names` (no temp file left behind)."""
        self.assertEqual(sorted(os.listdir(folder)), sorted(names),
                         f"unexpected files in {folder}")

"""The catalogue of hostile inputs and faults for `irsa-agent once`.

Each `Case` in `CASES` is one bad input (or one fault of the machine) and what
the agent must do about it: its exit code, a substring of the one message that
explains it, and the effect on the config file an earlier run wrote. The table
is data; tests/integration/test_catalogue.py runs every case against the real
binary and docs/CATALOGUE.md is generated from it (catalogue_table.py).

The scene of every case (see `Scene`) starts as a healthy pod: a labels file
written like the kubelet's, a Domino token file, a web identity token, a
previous good config at `<tmp>/aws/config`, and a stand-in mapping service that
answers the reference answer. A case's `setup` spoils one thing; its `flags`,
`extra` arguments and `env` are added to the default command line
(`DEFAULT_FLAGS`), with `{name}` placeholders filled from `Scene.vars()`.

Expected values are the CORRECT behaviour. A case whose `known_bug` is set
describes an agent bug: its test fails until the agent is fixed (and then
fails again, asking for the note to be removed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import ssl
import stat
import subprocess
import threading
import warnings
from typing import Callable, Mapping, Optional

from harness import (REFERENCE_ANSWER, REFERENCE_PROFILES, AtomicDir, answer_for,
                     domino_labels, format_labels, make_jwt, make_pki)
from stand_in_service import Reply

from harness import ENDPOINT_PATH, PREVIOUS_CONFIG  # noqa: E402

# Accounts of every valid pair in this file (the reference answer's too):
# profile X assumes TARGET_ACCOUNT's role X from src_X, which assumes
# PROXY_ACCOUNT's role X with the web identity token.
TARGET_ACCOUNT = "524112250363"
PROXY_ACCOUNT = "946429944765"

# Every case's command line: `once` plus these flags (None: left out) plus the
# case's own. Short limits keep the retried cases near one second each.
DEFAULT_FLAGS = {
    "endpoint": "{endpoint}",
    "aws-config-file": "{config}",
    "web-identity-token-file": "{sa_token}",
    "domino-token-file": "{token}",
    "pod-info-path": "{labels}",
    "timeout": "1",
    "request-timeout": "1",
    "min-backoff": "0.1",
    "max-backoff": "0.2",
    "log-format": "json",
}

# Categories, in the order of the table.
LABELS = "labels"
TOKENS = "tokens"
ANSWERS = "answers"
FILESYSTEM = "filesystem"
SETTINGS = "settings"
CATEGORIES = (LABELS, TOKENS, ANSWERS, FILESYSTEM, SETTINGS)

# What the mapping service must have received (POST requests only).
NONE = "none"        # nothing reached the service, and no credential was sent
ONCE = "once"        # exactly one call: an answer that is not retried
RETRIED = "retried"  # two calls or more: retried until --timeout
ANY = "any"          # not checked


def arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def pair(name: str) -> tuple:
    """A valid (name, target ARN, proxy ARN) for harness.answer_for()."""
    return (name, arn(TARGET_ACCOUNT, name), arn(PROXY_ACCOUNT, name))


GOOD_PAIR = answer_for([pair("good-role")])


# --- effects on the previous config ---------------------------------------------

@dataclasses.dataclass(frozen=True)
class Effect:
    """What happens to the file at the config path.

    * "unchanged": byte-identical, same inode and mtime (same link target for
      a symlink, same entries for a folder);
    * "pairs": replaced by a regular file holding exactly the valid pairs
      `names` (each `X` with its `src_X`), re-rendered by the agent;
    * "absent": nothing was created at the config path.
    """

    kind: str
    names: tuple = ()

    def describe(self) -> str:
        if self.kind == "pairs":
            return ("only the valid pairs: " + ", ".join(self.names)) if self.names \
                else "replaced: no profiles"
        return {"unchanged": "byte-identical", "absent": "not created"}[self.kind]


UNCHANGED = Effect("unchanged")
ABSENT = Effect("absent")
REFERENCE = Effect("pairs", REFERENCE_PROFILES)
GOOD_ONLY = Effect("pairs", ("good-role",))


def pairs(*names: str) -> Effect:
    return Effect("pairs", names)


# --- the scene --------------------------------------------------------------------

class Scene:
    """The world of one case, rooted at a fresh folder `root`.

    `service` is the stand-in mapping service (started by the caller);
    `start_service(**kwargs)` starts another one (stopped by the caller);
    `run_agent(args)` runs the agent (used by setups that need a first run).
    Mounts made through `mount()` and callables given to `on_close()` are
    undone by `close()`.
    """

    def __init__(self, root: str, service, start_service: Callable, run_agent: Callable):
        self.root = root
        self.service = service
        self.start_service = start_service
        self.run_agent = run_agent
        self.secrets: list = []   # (label, value): must never appear in any output
        self.holders: set = set()  # files allowed to hold a secret
        self.mounts: list = []    # mount points, in mount order
        self.cleanups: list = []  # callables run by close(), newest first
        self.flags: dict = {}     # per-scene flag overrides set by a setup
        self.env: dict = {}       # per-scene environment set by a setup
        self.run_id = os.urandom(12).hex()

        self.podinfo = AtomicDir(self.path("podinfo"))
        self.podinfo.write({"labels": format_labels(domino_labels(self.run_id))})
        self.labels = self.podinfo.file("labels")

        self.token = self.path("home", ".api", "token")
        os.makedirs(os.path.dirname(self.token))
        # What the mapping call must carry, when it is made at all.
        self.credential = make_jwt(iss="https://domino.example/auth/realms/DominoRealm",
                                   sub=os.urandom(16).hex(), aud="domino-play")
        self.add_secret("Domino token", self.credential, holder=self.token)
        self.write_token(self.credential + "\n")

        serviceaccount = AtomicDir(self.path("serviceaccount"))
        web_identity_token = make_jwt()
        serviceaccount.write({"token": web_identity_token})
        self.sa_token = serviceaccount.file("token")
        self.add_secret("web identity token", web_identity_token, holder=self.sa_token)

        self.aws_dir = self.path("aws")
        os.makedirs(self.aws_dir)
        self.config = os.path.join(self.aws_dir, "config")
        self.write_previous(self.config)

    # --- paths and placeholders ---------------------------------------------------
    def path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    def vars(self) -> dict:
        """The `{name}` placeholders of flags, extra arguments and env values."""
        return {"tmp": self.root, "config": self.config, "aws_dir": self.aws_dir,
                "labels": self.labels, "token": self.token, "sa_token": self.sa_token,
                "endpoint": self.service.url(ENDPOINT_PATH), "port": str(self.service.port)}

    # --- secrets --------------------------------------------------------------------
    def add_secret(self, label: str, value: str, holder: Optional[str] = None) -> str:
        self.secrets.append((label, value))
        if holder:
            self.holders.add(holder)
        return value

    def new_secret(self, label: str, holder: Optional[str] = None) -> str:
        """A fresh random secret of 24 hex digits, registered."""
        return self.add_secret(label, os.urandom(12).hex(), holder)

    # --- inputs ---------------------------------------------------------------------
    def write_labels(self, raw: bytes) -> None:
        """One kubelet update of the labels file with exactly `raw`."""
        self.podinfo.write({"labels": raw})

    def write_token(self, raw: bytes | str) -> None:
        with open(self.token, "wb") as f:
            f.write(raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else raw)

    def answer(self, reply: bytes | str | Reply) -> None:
        """The stand-in's answer to every mapping call of this case."""
        self.service.set_answer(reply)

    def write_previous(self, path: str) -> None:
        with open(path, "wb") as f:
            f.write(PREVIOUS_CONFIG)
        os.chmod(path, 0o644)

    # --- mounts ---------------------------------------------------------------------
    def mount(self, *args: str, new: bool = True) -> None:
        """Runs mount(8) with `args` (the mount point last). Fails loudly: the
        cases that need a mount must never be skipped."""
        done = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise AssertionError(f"mount {' '.join(args)} failed (exit {done.returncode}): "
                                 f"{done.stderr.strip()}. The filesystem cases need root "
                                 "and mount(8); they are never skipped.")
        if new:
            self.mounts.append(args[-1])

    def on_close(self, cleanup: Callable[[], None]) -> None:
        self.cleanups.append(cleanup)

    def close(self) -> None:
        """Runs the cleanups, then undoes the mounts. Safe to call twice."""
        while self.cleanups:
            self.cleanups.pop()()
        self.unmount_all()

    def unmount_all(self) -> None:
        """Undoes every mount, newest first; raises AssertionError if one stays."""
        problems = []
        while self.mounts:
            target = self.mounts.pop()
            for argv in (["umount", target], ["umount", "-l", target]):
                if subprocess.run(argv, capture_output=True, timeout=10).returncode == 0:
                    break
            else:
                problems.append(target)
        if problems:
            raise AssertionError(f"could not unmount {problems}")


# --- the case ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Case:
    """One row of the catalogue.

    `message` is a substring of: the final "irsa-agent: error: " line when
    `exit` is not 0; else the `why` of a dropped-profile warning when
    `dropped` is true; else the stdout success line.
    `check(scene, result)`, when set, makes the case's own extra assertions
    (raising AssertionError). `forbidden` lists byte strings of the answer
    that must not reach the new config.
    """

    id: str
    category: str
    summary: str
    setup: Optional[Callable[[Scene], None]]
    exit: int
    message: str
    effect: Effect = UNCHANGED
    reach: str = ANY
    flags: Mapping[str, Optional[str]] = dataclasses.field(default_factory=dict)
    extra: tuple = ()
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    dropped: bool = False
    forbidden: tuple = ()  # byte strings the new config must not contain
    check: Optional[Callable] = None
    stdout_to: str = ""  # a path to send the agent's stdout to (e.g. /dev/full)
    known_bug: str = ""


# --- setup helpers --------------------------------------------------------------

def labels_raw(raw: bytes) -> Callable[[Scene], None]:
    return lambda s: s.write_labels(raw)


def labels_map(change: Callable[[dict, str], None]) -> Callable[[Scene], None]:
    """The pod's labels, changed in place by `change(labels, run_id)`, written
    exactly as the kubelet would (Go %q quoting)."""
    def setup(s: Scene) -> None:
        labels = domino_labels(s.run_id)
        change(labels, s.run_id)
        s.write_labels(format_labels(labels))
    return setup


def labels_lines(*lines: str) -> Callable[[Scene], None]:
    """A labels file of the pod's own lines followed by `lines` (raw text,
    `{run_id}` replaced)."""
    def setup(s: Scene) -> None:
        extra = "\n".join(line.replace("{run_id}", s.run_id) for line in lines)
        s.write_labels(format_labels({"app.kubernetes.io/component": "run"}) + b"\n" +
                       extra.encode("utf-8", errors="surrogateescape"))
    return setup


def token_raw(raw: bytes | str) -> Callable[[Scene], None]:
    return lambda s: s.write_token(raw)


def token_split_by(separator: str) -> Callable[[Scene], None]:
    """A token file holding two secret halves joined by `separator`."""
    def setup(s: Scene) -> None:
        first = s.new_secret("token first half", holder=s.token)
        second = s.new_secret("token second half", holder=s.token)
        s.write_token(first + separator + second + "\n")
    return setup


def token_sent_as_is(make: Callable[[], str]) -> Callable[[Scene], None]:
    """A token the agent must send unchanged (it does not judge the token)."""
    def setup(s: Scene) -> None:
        s.credential = s.add_secret("Domino token", make(), holder=s.token)
        s.write_token(s.credential + "\n")
    return setup


def answer(body: bytes | str | Reply) -> Callable[[Scene], None]:
    return lambda s: s.answer(body)


def with_good_pair(bad: str) -> Callable[[Scene], None]:
    """The answer: a valid pair `good-role`, then `bad` (raw text)."""
    return answer(GOOD_PAIR + "\n" + bad)


def bad_pair(name: str, target_arn: Optional[str] = None, proxy_arn: Optional[str] = None,
             target_extra: str = "", source_extra: str = "") -> str:
    """A pair in the reference format with the given parts spoiled."""
    return "\n".join(filter(None, [
        f"[profile {name}]", f"source_profile = src_{name}",
        f"role_arn={target_arn or arn(TARGET_ACCOUNT, name)}", target_extra,
        f"[profile src_{name}]",
        "web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token",
        f"role_arn={proxy_arn or arn(PROXY_ACCOUNT, name)}", source_extra]))


def write_file(relative: str, raw: bytes | str) -> Callable[[Scene], None]:
    def setup(s: Scene) -> None:
        path = s.path(relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(raw.encode() if isinstance(raw, str) else raw)
    return setup


def remove(attribute: str) -> Callable[[Scene], None]:
    return lambda s: os.unlink(getattr(s, attribute))


def steps(*setups: Callable[[Scene], None]) -> Callable[[Scene], None]:
    def setup(s: Scene) -> None:
        for one in setups:
            one(s)
    return setup


# --- filesystem setups and checks -------------------------------------------------

def mkfifo_at(attribute: str) -> Callable[[Scene], None]:
    """Replaces the file named by `attribute` with a FIFO (a reader that
    opens it naively blocks forever)."""
    def setup(s: Scene) -> None:
        path = getattr(s, attribute)
        target = os.path.realpath(path)
        os.unlink(target)
        os.mkfifo(target)
    return setup


def dir_at(attribute: str) -> Callable[[Scene], None]:
    def setup(s: Scene) -> None:
        target = os.path.realpath(getattr(s, attribute))
        os.unlink(target)
        os.mkdir(target)
    return setup


def symlink_at(attribute: str, target: str) -> Callable[[Scene], None]:
    def setup(s: Scene) -> None:
        path = os.path.realpath(getattr(s, attribute))
        os.unlink(path)
        os.symlink(target, path)
    return setup


def victim(s: Scene) -> str:
    """A file outside the config folder that a careless writer would hit."""
    path = s.path("victim", "precious")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"precious bytes that are not an AWS config\n")
        os.chmod(path, 0o600)
        s.victim_state = snapshot(path)
        s.victim_listing = sorted(os.listdir(os.path.dirname(path)))
    return path


def inputs_snapshot(s: Scene) -> None:
    """Remembers the inputs (the links and the files they lead to), for
    check_inputs_untouched."""
    s.inputs_state = {p: (snapshot(p), snapshot(os.path.realpath(p)))
                      for p in (s.sa_token, s.token, s.labels)}


def check_inputs_untouched(s: Scene, result) -> None:
    for path, before in s.inputs_state.items():
        after = (snapshot(path), snapshot(os.path.realpath(path)))
        if after != before:
            raise AssertionError(f"the input {path} was touched: {before} -> {after}")


def config_hardlink_to_labels(s: Scene) -> None:
    """The config path is a hard link to the labels file (another name, the
    same inode)."""
    os.unlink(s.config)
    os.link(os.path.realpath(s.labels), s.config)
    inputs_snapshot(s)


NULL_PROVIDER_CONF = """openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
null = null_sect
[null_sect]
activate = 1
"""


def openssl_without_sha256(s: Scene) -> None:
    """An OpenSSL config that loads only the null provider: no SHA-256."""
    with open(s.path("openssl.cnf"), "w") as f:
        f.write(NULL_PROVIDER_CONF)


def check_message_lacks(result, text: str) -> None:
    if text in result.stderr:
        raise AssertionError(f"the message says {text!r}: {result.stderr}")


def check_victim_untouched(s: Scene, result) -> None:
    after = snapshot(s.path("victim", "precious"))
    if after != s.victim_state:
        raise AssertionError(f"the victim file outside the config folder was touched: "
                             f"{s.victim_state} -> {after}")
    listing = sorted(os.listdir(s.path("victim")))
    if listing != s.victim_listing:
        raise AssertionError(f"files appeared next to the victim: {listing}")


def config_symlink_to_victim(s: Scene) -> None:
    os.unlink(s.config)
    os.symlink(victim(s), s.config)


def config_hardlink_to_victim(s: Scene) -> None:
    os.unlink(s.config)
    os.link(victim(s), s.config)


def config_symlink_dangling(s: Scene) -> None:
    os.unlink(s.config)
    os.makedirs(s.path("victim"), exist_ok=True)
    os.symlink(s.path("victim", "created-through-link"), s.config)


def check_dangling_target_not_created(s: Scene, result) -> None:
    if os.path.lexists(s.path("victim", "created-through-link")):
        raise AssertionError("the agent wrote through a dangling symlink at the config path")


def config_symlink_to_folder(s: Scene) -> None:
    os.unlink(s.config)
    os.makedirs(s.path("victim"), exist_ok=True)
    victim(s)
    os.symlink(s.path("victim"), s.config)


STALE_TEMP = ".config.tmp-12345-0123456789abcdef"


def stale_temp_file(s: Scene) -> None:
    path = os.path.join(s.aws_dir, STALE_TEMP)
    with open(path, "wb") as f:
        f.write(b"half a config from a crashed writer\n[profile half")
    s.stale_state = snapshot(path)


def check_stale_temp_untouched(s: Scene, result) -> None:
    after = snapshot(os.path.join(s.aws_dir, STALE_TEMP))
    if after != s.stale_state:
        raise AssertionError("a temp file the agent did not create was modified")


def temp_symlinks_to_victim(s: Scene) -> None:
    """Symlinks at temp-like names, pointing outside: an attacker guessing
    the agent's temp name. O_EXCL|O_NOFOLLOW makes a hit an error, never a
    write through the link."""
    target = victim(s)
    names = [f".config.tmp-{pid}-{os.urandom(8).hex()}" for pid in (1, 2, 7, 100, 4242)]
    names += [".config.tmp", ".config.tmp-", ".config.tmp-0-0000000000000000"]
    for name in names:
        os.symlink(target, os.path.join(s.aws_dir, name))
    s.planted_links = names


def check_planted_links_intact(s: Scene, result) -> None:
    check_victim_untouched(s, result)
    for name in s.planted_links:
        path = os.path.join(s.aws_dir, name)
        if not os.path.islink(path):
            raise AssertionError(f"the planted link {name} was replaced or removed")


def read_only_bind(s: Scene) -> None:
    s.mount("--bind", s.aws_dir, s.aws_dir)
    s.mount("-o", "remount,ro,bind", s.aws_dir, new=False)


def read_only_tmpfs(s: Scene) -> None:
    s.mount("-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", s.aws_dir)
    s.write_previous(s.config)
    s.mount("-o", "remount,ro", s.aws_dir, new=False)


def read_only_same_content(s: Scene) -> None:
    """A first, successful run writes the config; then the folder becomes
    read-only. The same answer again needs no write."""
    first = s.run_agent()
    if first.returncode != 0:
        raise AssertionError("the priming run failed:\n" + first.describe())
    read_only_bind(s)


def full_tmpfs(s: Scene) -> None:
    s.mount("-t", "tmpfs", "-o", "size=16k,mode=0755", "tmpfs", s.aws_dir)
    s.write_previous(s.config)
    fd = os.open(os.path.join(s.aws_dir, "filler"), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for _ in range(64):  # 16 KiB fill up in at most 16 writes of 1 KiB
            os.write(fd, b"\0" * 1024)
        raise AssertionError("the 16 KiB tmpfs took 64 KiB: it is not full")
    except OSError:
        pass  # ENOSPC: full
    finally:
        os.close(fd)


def no_inodes_tmpfs(s: Scene) -> None:
    # The root folder and the config take the only two inodes.
    s.mount("-t", "tmpfs", "-o", "size=64k,nr_inodes=2,mode=0755", "tmpfs", s.aws_dir)
    s.write_previous(s.config)


def bind_mount_over_config(s: Scene) -> None:
    source = s.path("outside", "config")
    os.makedirs(os.path.dirname(source))
    s.write_previous(source)
    s.mount("--bind", source, s.config)


def config_is_null_device(s: Scene) -> None:
    """The config path is a copy of /dev/null (mknod as root: the real one
    must never be at risk in a test)."""
    os.unlink(s.config)
    os.mknod(s.config, 0o666 | stat.S_IFCHR, os.makedev(1, 3))


def config_is_folder(s: Scene) -> None:
    os.unlink(s.config)
    os.mkdir(s.config)
    with open(os.path.join(s.config, "inside"), "wb") as f:
        f.write(b"left alone\n")


# --- answer-specific checks -------------------------------------------------------

def check_redirect_target_untouched(s: Scene, result) -> None:
    if s.other.requests:
        raise AssertionError(f"the redirect target received {len(s.other.requests)} "
                             "request(s); redirects must never be followed")


def redirect_to_other_host(status: int) -> Callable[[Scene], None]:
    def setup(s: Scene) -> None:
        s.other = s.start_service(REFERENCE_ANSWER, host="127.0.0.2")
        s.answer(Reply.redirect(f"http://127.0.0.2:{s.other.port}{ENDPOINT_PATH}", status))
    return setup


def check_token_was_requested(s: Scene, result) -> None:
    """The api-proxy case: the token was asked for (the mapping call never is)."""
    if not s.service.token_requests():
        raise AssertionError("the api proxy was never asked for a token")


def huge_labels(s: Scene) -> None:
    labels = domino_labels(s.run_id)
    labels["dominodatalab.com/padding"] = "p" * (256 * 1024)
    s.write_labels(format_labels(labels))


class RawServer:
    """A TCP server on 127.0.0.1 that answers every connection with `payload`
    (anything, not necessarily HTTP) after reading what the client sends
    first, then closes. At most `MAX_CONNECTIONS` connections; every wait is
    bounded."""

    MAX_CONNECTIONS = 100

    def __init__(self, payload: bytes):
        self.payload = payload
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def _serve(self) -> None:
        while not self._stop.is_set() and self.connections < self.MAX_CONNECTIONS:
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(self.payload)
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


def raw_endpoint(payload: bytes) -> Callable[[Scene], None]:
    """The endpoint is a RawServer answering `payload`."""
    def setup(s: Scene) -> None:
        server = RawServer(payload)
        s.on_close(server.stop)
        s.raw = server
        s.flags["endpoint"] = f"http://127.0.0.1:{server.port}{ENDPOINT_PATH}"
    return setup


def check_raw_server_reached(s: Scene, result) -> None:
    if s.raw.connections < 1:
        raise AssertionError("the agent never connected to the raw server")


def tls_endpoint(host: str = "127.0.0.1", trust: Optional[str] = "good",
                 ca_file: Optional[str] = None) -> Callable[[Scene], None]:
    """The mapping service over HTTPS with a certificate for 127.0.0.1 and
    localhost, listening on `host`. --ca-file: the CA that signed it
    (`trust` "good"), another CA ("other"), none (None), or `ca_file`
    (relative to the scene) when given."""
    def setup(s: Scene) -> None:
        good = make_pki(s.path("pki"), "good")
        s.service = s.start_service(REFERENCE_ANSWER, tls_cert=good.server_cert,
                                    tls_key=good.server_key, host=host)
        s.flags["endpoint"] = f"https://{host}:{s.service.port}{ENDPOINT_PATH}"
        if ca_file is not None:
            s.flags["ca-file"] = s.path(ca_file)
        elif trust == "good":
            s.flags["ca-file"] = good.ca_cert
        elif trust == "other":
            s.flags["ca-file"] = make_pki(s.path("pki"), "other").ca_cert
    return setup


def tls_1_1_only(s: Scene) -> None:
    """The HTTPS service, trusted, but speaking TLS 1.1 at most. A Python
    client first proves that the service really negotiates TLS 1.1, so the
    agent's refusal cannot come from a broken server."""
    tls_endpoint()(s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # The stand-in wraps each connection with this context when it is
        # accepted, so narrowing it now applies to every later connection.
        server_context = s.service._tls_context  # noqa: SLF001 - a test-only narrowing
        server_context.set_ciphers("DEFAULT:@SECLEVEL=0")
        server_context.minimum_version = ssl.TLSVersion.TLSv1_1
        server_context.maximum_version = ssl.TLSVersion.TLSv1_1
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.load_verify_locations(s.flags["ca-file"])
        client.set_ciphers("DEFAULT:@SECLEVEL=0")
        client.minimum_version = ssl.TLSVersion.TLSv1_1
        with socket.create_connection(("127.0.0.1", s.service.port), timeout=5) as raw:
            with client.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                if tls.version() != "TLSv1.1":
                    raise AssertionError(f"the service negotiated {tls.version()}, not TLSv1.1")
    s.service.clear_requests()


def check_handshake_refused(s: Scene, result) -> None:
    if s.service.tls_failures < 1:
        raise AssertionError("no TLS handshake failed on the service side")


def retry_after(seconds: str) -> Callable[[Scene], None]:
    return answer(Reply(503, b"busy", (("Content-Type", "text/plain"),
                                       ("Retry-After", seconds))))


def check_quick(limit: float) -> Callable:
    def check(s: Scene, result) -> None:
        if result.seconds > limit:
            raise AssertionError(f"took {result.seconds:.2f}s, over {limit}s")
    return check


def redirect_reflecting_token(s: Scene) -> None:
    """A 302 whose Location carries the token the agent just sent, as user
    info: the message names the target, never the token."""
    s.answer(Reply.redirect(f"http://{s.credential}@127.0.0.2:1{ENDPOINT_PATH}"))


def huge_sparse_previous(s: Scene) -> None:
    with open(s.config, "r+b") as f:
        f.truncate(1 << 30)  # 1 GiB, sparse: a reader that reads it all is slow


def folder_symlink_loop(s: Scene) -> None:
    os.symlink("loop", s.path("loop"))


def endpoint_with_password(s: Scene) -> None:
    password = s.new_secret("endpoint URL password")
    s.flags["endpoint"] = f"htp://irsa:{password}@127.0.0.1:{s.service.port}{ENDPOINT_PATH}"


def labels_path_is_token(s: Scene) -> None:
    s.flags["pod-info-path"] = s.token


def token_path_is_labels(s: Scene) -> None:
    s.flags["domino-token-file"] = s.labels


# --- settings setups ----------------------------------------------------------------

def ini(text: str) -> Callable[[Scene], None]:
    return write_file("agent.ini", text)


CONFIG_ARGS = ("--config", "{tmp}/agent.ini")


def case(id: str, category: str, summary: str, setup, exit: int, message: str,  # noqa: A002
         **kwargs) -> Case:
    """A Case; one that succeeds made exactly one mapping call unless it says
    otherwise."""
    if exit == 0:
        kwargs.setdefault("reach", ONCE)
    return Case(id, category, summary, setup, exit, message, **kwargs)


NO_MAPPING = {"reach": NONE}

CASES: tuple = (
    # --- labels: semi-trusted input from the kubelet ---------------------------------
    case("labels-missing", LABELS, "labels file absent and no run-id set",
         None, 4, "does not exist and run-id is not set",
         flags={"pod-info-path": "{tmp}/absent/labels"}, **NO_MAPPING),
    case("labels-empty", LABELS, "labels file of 0 bytes",
         labels_raw(b""), 4, "no run id: neither app.kubernetes.io/name", **NO_MAPPING),
    case("labels-binary", LABELS, "an ELF header instead of labels",
         labels_raw(b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe\x03\x00"), 4,
         ":1: invalid UTF-8", **NO_MAPPING),
    case("labels-raw-nul", LABELS, "a raw NUL byte inside a quoted value",
         labels_lines('app.kubernetes.io/name="run-{run_id}\x00"'), 4,
         ":2: control character in quoted value", **NO_MAPPING),
    case("labels-unterminated-quote", LABELS, "a value without its closing quote",
         labels_lines('app.kubernetes.io/name="run-{run_id}'), 4,
         ":2: unterminated quoted value", **NO_MAPPING),
    case("labels-bad-escape", LABELS, "an escape Go's %q never writes (\\q)",
         labels_lines('app.kubernetes.io/name="run-\\q{run_id}"'), 4,
         ":2: bad escape '\\q'", **NO_MAPPING),
    case("labels-surrogate-escape", LABELS, "\\ud800: not a Unicode scalar value",
         labels_lines('app.kubernetes.io/name="run-\\ud800"'), 4,
         "is not a Unicode scalar value", **NO_MAPPING),
    case("labels-unquoted", LABELS, "a value without quotes",
         labels_lines("app.kubernetes.io/name=run-{run_id}"), 4,
         ":2: value must be quoted", **NO_MAPPING),
    case("labels-carriage-return", LABELS, "CRLF line ends",
         labels_lines('app.kubernetes.io/name="run-{run_id}"\r'), 4,
         ":2: carriage return in line", **NO_MAPPING),
    case("labels-duplicate-key", LABELS, "the run-id label twice",
         labels_lines('app.kubernetes.io/name="run-{run_id}"',
                      'app.kubernetes.io/name="run-0123456789abcdef01234567"'), 4,
         ":3: duplicate key 'app.kubernetes.io/name'", **NO_MAPPING),
    case("labels-no-run-id", LABELS, "neither run-id label",
         labels_raw(format_labels({"app.kubernetes.io/component": "run",
                                   "dominodatalab.com/workload-type": "Workspace"})), 4,
         "no run id: neither app.kubernetes.io/name", **NO_MAPPING),
    case("labels-run-id-json-injection", LABELS,
         'run id `x","run_id":"victim` (escaped by the kubelet)',
         labels_map(lambda labels, _: labels.update(
             {"app.kubernetes.io/name": 'run-x","run_id":"victim'})), 4,
         "from app.kubernetes.io/name is not valid", **NO_MAPPING),
    case("labels-run-id-escaped-nul", LABELS, "run id with an escaped NUL (\\x00)",
         labels_map(lambda labels, run_id: labels.update(
             {"app.kubernetes.io/name": f"run-{run_id}\x00../x"})), 4,
         "\\x00../x' from app.kubernetes.io/name is not valid", **NO_MAPPING),
    case("labels-run-id-too-long", LABELS, "run id of 129 characters",
         labels_map(lambda labels, _: labels.update(
             {"app.kubernetes.io/name": "run-" + "a" * 129})),
         4, "from app.kubernetes.io/name is not valid", **NO_MAPPING),
    case("labels-bad-workload-type", LABELS, "irsa-workload-type `Edge Workload`",
         labels_map(lambda labels, _: labels.update(
             {"dominodatalab.com/irsa-workload-type": "Edge Workload"})), 4,
         "dominodatalab.com/irsa-workload-type 'Edge Workload' is not valid", **NO_MAPPING),
    case("labels-huge", LABELS, "labels file over 256 KiB",
         huge_labels, 4, "is larger than 262144 bytes", **NO_MAPPING),
    case("labels-fifo", LABELS, "a FIFO at the labels path (a blocking read would hang)",
         mkfifo_at("labels"), 4, "not a regular file", **NO_MAPPING),

    case("labels-path-is-token-file", LABELS, "pod-info-path names the Domino token file",
         labels_path_is_token, 4, ":1: missing '=' after key", **NO_MAPPING),

    # --- tokens: the Domino credential ----------------------------------------------
    case("token-missing", TOKENS, "token file absent, no api-proxy or api-key",
         remove("token"), 4, "no Domino credential: token file", **NO_MAPPING),
    case("token-empty", TOKENS, "token file of 0 bytes",
         token_raw(b""), 4, "is empty", **NO_MAPPING),
    case("token-blank", TOKENS, "token file of blanks and newlines",
         token_raw(" \n\t\r\n"), 4, "is empty", **NO_MAPPING),
    case("token-lf-inside", TOKENS, "LF inside the token (header injection)",
         token_split_by("\n"), 4, "holds a space or control character inside the token",
         **NO_MAPPING),
    case("token-cr-inside", TOKENS, "CR inside the token (header injection)",
         token_split_by("\r"), 4, "holds a space or control character inside the token",
         **NO_MAPPING),
    case("token-crlf-header-inside", TOKENS, "CRLF + `X-Injected: 1` inside the token",
         token_split_by("\r\nX-Injected: 1\r\n"), 4,
         "holds a space or control character inside the token", **NO_MAPPING),
    case("token-nul-inside", TOKENS, "NUL inside the token",
         token_split_by("\0"), 4, "holds a space or control character inside the token",
         **NO_MAPPING),
    case("token-space-inside", TOKENS, "a space inside the token",
         token_split_by(" "), 4, "holds a space or control character inside the token",
         **NO_MAPPING),
    case("token-non-ascii", TOKENS, "UTF-8 letters inside the token",
         token_split_by("\u00e9t\u00e9"), 4, "non-ASCII", **NO_MAPPING),
    case("token-opaque", TOKENS, "not a JWT: 64 hex digits (the agent treats it as opaque)",
         token_sent_as_is(lambda: os.urandom(32).hex()), 0, "wrote 2 profiles",
         effect=REFERENCE, reach=ONCE),
    case("token-expired-jwt", TOKENS, "a JWT that expired a day ago (the service judges it)",
         token_sent_as_is(lambda: make_jwt(iat=0, exp=1)), 0, "wrote 2 profiles",
         effect=REFERENCE, reach=ONCE),
    case("token-huge", TOKENS, "token file over 64 KiB",
         token_raw("a" * (64 * 1024 + 1)), 4, "is larger than 65536 bytes", **NO_MAPPING),
    case("token-directory", TOKENS, "a folder at the token path",
         dir_at("token"), 4, "not a regular file", **NO_MAPPING),
    case("token-device", TOKENS, "the token path links to /dev/zero (endless)",
         symlink_at("token", "/dev/zero"), 4, "not a regular file", **NO_MAPPING),
    case("token-path-is-labels-file", TOKENS, "domino-token-file names the labels file",
         token_path_is_labels, 4, "holds a space or control character inside the token",
         **NO_MAPPING),
    case("token-proxy-lf-inside", TOKENS, "the api proxy answers a token with CRLF inside",
         steps(remove("token"),
               lambda s: s.service.set_access_token_reply(Reply(
                   200, (s.new_secret("proxy token half") + "\r\n" +
                         s.new_secret("proxy token half")).encode(),
                   (("Content-Type", "text/plain"),)))),
         4, "did not answer a token", flags={"api-proxy": "http://127.0.0.1:{port}"},
         check=check_token_was_requested, **NO_MAPPING),
    case("token-api-key-lf-inside", TOKENS, "DOMINO_USER_API_KEY with LF inside",
         lambda s: s.env.update(DOMINO_USER_API_KEY=s.new_secret("API key half") + "\n" +
                                s.new_secret("API key half")),
         2, "DOMINO_USER_API_KEY: contains a control character", **NO_MAPPING),
    case("token-api-key-space-inside", TOKENS, "DOMINO_USER_API_KEY with a space inside",
         steps(remove("token"),
               lambda s: s.env.update(DOMINO_USER_API_KEY=s.new_secret("API key half") + " " +
                                      s.new_secret("API key half"))),
         4, "api-key holds a space or control character", **NO_MAPPING),

    # --- answers: untrusted input from the mapping service --------------------------
    case("answer-key-injection-credential-process", ANSWERS,
         "extra `credential_process = /bin/sh ...` in a profile",
         with_good_pair(bad_pair("evil-role", target_extra="credential_process = /bin/sh -c id")),
         0, "evil-role: unknown key credential_process", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"credential_process", b"evil-role", b"/bin/sh")),
    case("answer-key-injection-continuation", ANSWERS,
         "an indented line (a botocore continuation of role_arn)",
         answer(GOOD_PAIR + "\n  credential_process = /bin/sh -c id"), 5,
         "indented line", reach=RETRIED),
    case("answer-section-injection-in-name", ANSWERS,
         "`[profile a] [profile default]` on one line",
         with_good_pair(bad_pair("a] [profile default")), 0,
         "not a valid IAM role name", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"default",)),
    case("answer-section-injection-in-value", ANSWERS,
         "`role_arn = arn:...:role/x [default]`",
         with_good_pair(bad_pair("x-role", target_arn=arn(TARGET_ACCOUNT, "x-role [default]"))),
         0, "x-role: role_arn: role name must be", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"default", b"x-role")),
    case("answer-control-char-in-value", ANSWERS, "a vertical tab inside role_arn",
         with_good_pair(bad_pair("vt-role", target_arn=arn(TARGET_ACCOUNT, "vt\x0b-role"))),
         0, "vt-role: role_arn: control character in value", effect=GOOD_ONLY, dropped=True),
    case("answer-token-path-ignored", ANSWERS,
         "web_identity_token_file = /etc/shadow (the agent writes its own path)",
         answer(answer_for([pair("good-role")], token_path="/etc/shadow")), 0,
         "wrote 1 profile ", effect=GOOD_ONLY, forbidden=(b"/etc/shadow",)),
    case("answer-default-section", ANSWERS, "a [default] section with access keys",
         with_good_pair("[default]\naws_access_key_id = AKIAEXAMPLE\n"
                        "aws_secret_access_key = wJalrEXAMPLEKEY"),
         0, "[default]: not a profile section", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"AKIAEXAMPLE", b"[default]")),
    case("answer-profile-default", ANSWERS, "[profile default] chaining from src_default",
         with_good_pair(bad_pair("default")), 0, "default: reserved profile name",
         effect=GOOD_ONLY, dropped=True, forbidden=(b"profile default", b"src_default")),
    case("answer-non-profile-sections", ANSWERS, "[sso-session x] and [services x]",
         with_good_pair("[sso-session corp]\nsso_start_url = https://evil.example\n"
                        "[services x]\ns3 =\n"),
         0, "[sso-session corp]: not a profile section", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"evil.example", b"sso")),
    case("answer-duplicate-profile", ANSWERS, "the same pair twice (every copy dropped)",
         with_good_pair(bad_pair("twin-role") + "\n" + bad_pair("twin-role")), 0,
         "twin-role: duplicate profile", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"twin-role",)),
    case("answer-duplicate-key", ANSWERS, "role_arn twice in one profile",
         with_good_pair(bad_pair("rep-role", target_extra="role_arn=" +
                                 arn(TARGET_ACCOUNT, "other-role"))),
         0, "rep-role: repeated key role_arn", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"rep-role", b"other-role")),
    case("answer-self-reference", ANSWERS, "[profile loop] source_profile = loop",
         with_good_pair(bad_pair("loop").replace("source_profile = src_loop",
                                                 "source_profile = loop")),
         0, "loop: source_profile must be src_loop", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"loop",)),
    case("answer-self-reference-alone", ANSWERS, "the same, without a [profile src_loop]",
         with_good_pair("[profile loop]\nsource_profile = loop\nrole_arn=" +
                        arn(TARGET_ACCOUNT, "loop")),
         0, "loop: no [profile src_loop]", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"loop",)),
    case("answer-source-cycle", ANSWERS, "src_a chains back to a",
         with_good_pair("[profile a]\nsource_profile = src_a\nrole_arn=" +
                        arn(TARGET_ACCOUNT, "a") + "\n[profile src_a]\nsource_profile = a\n"
                        "role_arn=" + arn(PROXY_ACCOUNT, "a")),
         0, "a: no [profile src_a]", effect=GOOD_ONLY, dropped=True,
         forbidden=(b"src_a",)),
    case("answer-missing-source", ANSWERS, "a target without its src_ profile",
         with_good_pair("[profile lonely-role]\nsource_profile = src_lonely-role\nrole_arn=" +
                        arn(TARGET_ACCOUNT, "lonely-role")),
         0, "lonely-role: no [profile src_lonely-role]", effect=GOOD_ONLY, dropped=True),
    case("answer-orphan-source", ANSWERS, "a src_ profile no target uses",
         with_good_pair("[profile src_orphan-role]\nweb_identity_token_file = /t\nrole_arn=" +
                        arn(PROXY_ACCOUNT, "orphan-role")),
         0, "src_orphan-role: no [profile orphan-role] uses it", effect=GOOD_ONLY,
         dropped=True),
    case("answer-arn-other-service", ANSWERS, "role_arn of an S3 bucket",
         with_good_pair(bad_pair("s3-role", target_arn="arn:aws:s3:::my-bucket")),
         0, "s3-role: role_arn: service must be iam, not 's3'", effect=GOOD_ONLY,
         dropped=True),
    case("answer-arn-assumed-role", ANSWERS, "an sts assumed-role ARN",
         with_good_pair(bad_pair("sts-role", proxy_arn="arn:aws:sts::946429944765:"
                                 "assumed-role/sts-role/session")),
         0, "src_sts-role: role_arn: service must be iam, not 'sts'", effect=GOOD_ONLY,
         dropped=True),
    case("answer-arn-user", ANSWERS, "an IAM user ARN",
         with_good_pair(bad_pair("user-role", target_arn="arn:aws:iam::524112250363:user/bob")),
         0, "user-role: role_arn: resource must start with role/", effect=GOOD_ONLY,
         dropped=True),
    case("answer-account-11-digits", ANSWERS, "account of 11 digits",
         with_good_pair(bad_pair("short-role", target_arn=arn("52411225036", "short-role"))),
         0, "short-role: role_arn: account must be 12 digits", effect=GOOD_ONLY, dropped=True),
    case("answer-account-letters", ANSWERS, "account `52411225036x`",
         with_good_pair(bad_pair("alpha-role", proxy_arn=arn("52411225036x", "alpha-role"))),
         0, "src_alpha-role: role_arn: account must be 12 digits", effect=GOOD_ONLY,
         dropped=True),
    case("answer-unknown-partition", ANSWERS, "partition `evil`",
         with_good_pair(bad_pair("part-role", target_arn="arn:evil:iam::524112250363:"
                                 "role/part-role")),
         0, "part-role: role_arn: unknown partition 'evil'", effect=GOOD_ONLY, dropped=True),
    case("answer-arn-with-region", ANSWERS, "an IAM ARN with a region",
         with_good_pair(bad_pair("reg-role", target_arn="arn:aws:iam:us-east-1:524112250363:"
                                 "role/reg-role")),
         0, "reg-role: role_arn: region must be empty", effect=GOOD_ONLY, dropped=True),
    case("answer-name-too-long", ANSWERS, "a role name of 65 characters",
         with_good_pair(bad_pair("r" * 65)), 0, "not a valid IAM role name",
         effect=GOOD_ONLY, dropped=True),
    case("answer-name-path-traversal", ANSWERS, "[profile ../../etc/passwd]",
         with_good_pair(bad_pair("../../etc/passwd")), 0, "not a valid IAM role name",
         effect=GOOD_ONLY, dropped=True, forbidden=(b"passwd",)),
    case("answer-name-unicode", ANSWERS, "[profile r\u00f4le] (valid UTF-8, not an IAM name)",
         with_good_pair(bad_pair("r\u00f4le")), 0, "r\\xc3\\xb4le: not a valid IAM role name",
         effect=GOOD_ONLY, dropped=True),
    case("answer-empty-value", ANSWERS, "`role_arn =` with nothing after it",
         with_good_pair("[profile empty-role]\nsource_profile = src_empty-role\nrole_arn =\n" +
                        "[profile src_empty-role]\nweb_identity_token_file = /t\nrole_arn=" +
                        arn(PROXY_ACCOUNT, "empty-role")),
         0, "empty-role: role_arn: empty value", effect=GOOD_ONLY, dropped=True),
    case("answer-only-bad-pairs", ANSWERS, "every pair invalid (a 200 with no usable role)",
         answer(bad_pair("bad-role", target_arn="arn:aws:s3:::b")), 5,
         "mapping answer rejected: no valid profile pair (1 profile left out, the first: "
         "bad-role: role_arn: service must be iam, not 's3')", reach=RETRIED),
    case("answer-no-profile-at-all", ANSWERS, "a 200 with comments only (no role mapped)",
         answer("# no role is mapped to this user\n"), 0, "wrote 0 profiles",
         effect=pairs()),
    case("answer-nul-byte", ANSWERS, "a NUL byte in the answer",
         answer(GOOD_PAIR + "\n# \0"), 5, "mapping answer rejected: answer:7: NUL byte",
         reach=RETRIED),
    case("answer-invalid-utf8", ANSWERS, "a Latin-1 byte in the answer",
         answer(GOOD_PAIR.encode() + b"\n# caf\xe9"), 5,
         "mapping answer rejected: answer:7: invalid UTF-8", reach=RETRIED),
    case("answer-carriage-return", ANSWERS, "CRLF line ends",
         answer(GOOD_PAIR.replace("\n", "\r\n")), 5,
         "mapping answer rejected: answer:1: carriage return", reach=RETRIED),
    case("answer-html", ANSWERS, "an HTML page with status 200",
         answer(Reply.garbage("<!doctype html>\n<html><body>Oops</body></html>")), 5,
         "mapping answer rejected: answer:1: not a section header, entry or comment",
         reach=RETRIED),
    case("answer-entry-before-section", ANSWERS, "a key before the first section",
         answer("aws_access_key_id = AKIAEXAMPLE\n" + GOOD_PAIR), 5,
         "answer:1: entry before the first section", reach=RETRIED),
    case("answer-10-mib-length", ANSWERS, "10 MiB announced by Content-Length",
         answer(Reply.huge(10 << 20)), 5,
         "mapping service: answer larger than 1048576 bytes refused", reach=RETRIED),
    case("answer-10-mib-chunked", ANSWERS, "10 MiB chunked (size known only by reading)",
         answer(Reply.huge(10 << 20, framing="chunked")), 5,
         "mapping service: answer larger than 1048576 bytes refused", reach=RETRIED),
    case("answer-trickle", ANSWERS, "one byte a second (cut by --request-timeout 1)",
         answer(Reply.trickle(REFERENCE_ANSWER)), 1, "timed out", reach=ONCE),
    case("answer-hang", ANSWERS, "headers never come",
         answer(Reply.hang()), 1, "timed out", reach=ONCE),
    case("answer-close-mid-answer", ANSWERS, "connection closed halfway through the body",
         answer(Reply.close_mid_answer(REFERENCE_ANSWER)), 1, "transfer closed",
         reach=RETRIED),
    case("answer-redirect-302", ANSWERS, "302 to another host (127.0.0.2)",
         redirect_to_other_host(302), 3,
         "redirect to 127.0.0.2:", reach=ONCE, check=check_redirect_target_untouched),
    case("answer-redirect-307", ANSWERS, "307 (method and body kept) to another host",
         redirect_to_other_host(307), 3,
         "not followed (the credential is never sent across a redirect)", reach=ONCE,
         check=check_redirect_target_untouched),

    case("answer-304-no-location", ANSWERS, "304 Not Modified (a 3xx without Location)",
         answer(Reply(304, b"", ())), 3,
         "HTTP 304: a 3xx answer without a Location header, not a mapping", reach=ONCE),

    case("answer-redirect-reflects-token", ANSWERS,
         "302 whose Location holds the agent's own token as user info",
         redirect_reflecting_token, 3, "redirect to 127.0.0.2:1 not followed", reach=ONCE),
    case("answer-redirect-control-chars", ANSWERS,
         "302 whose Location holds terminal escapes (ESC ] 0; ... BEL, ESC [2J)",
         answer(Reply.redirect("http://\x1b]0;pwned\x07\x1b[2Jevil.example/x")), 3,
         "not followed", reach=ONCE),
    case("answer-retry-after-absurd", ANSWERS, "503 with Retry-After: 999999999",
         retry_after("999999999"), 1, "HTTP 503", reach=RETRIED, check=check_quick(4)),
    case("answer-huge-header", ANSWERS, "a 1 MiB response header",
         answer(Reply.ok(REFERENCE_ANSWER, extra_headers=(("X-Padding", "a" * (1 << 20)),))),
         1, "header", reach=RETRIED),
    case("answer-not-http", ANSWERS, "an SSH banner instead of HTTP",
         raw_endpoint(b"SSH-2.0-OpenSSH_9.6\r\n"), 1, "mapping service: POST",
         check=check_raw_server_reached),
    case("tls-unknown-ca", ANSWERS, "HTTPS signed by a CA other than --ca-file",
         tls_endpoint(trust="other"), 1, "SSL certificate problem", reach=NONE,
         check=check_handshake_refused),
    case("tls-no-ca-file", ANSWERS, "HTTPS with a private CA and no --ca-file",
         tls_endpoint(trust=None), 1, "SSL certificate problem", reach=NONE,
         check=check_handshake_refused),
    case("tls-1.1-only", ANSWERS, "a trusted HTTPS service that speaks TLS 1.1 at most",
         tls_1_1_only, 1, "alert protocol version", reach=NONE,
         check=check_handshake_refused),
    case("tls-wrong-host", ANSWERS, "HTTPS certificate for 127.0.0.1 served on 127.0.0.2",
         tls_endpoint(host="127.0.0.2"), 1, "127.0.0.2", reach=NONE),
    case("tls-ca-file-not-pem", ANSWERS, "--ca-file holding no PEM certificate",
         steps(write_file("pki/bad.pem", "not a certificate\n"),
               tls_endpoint(ca_file="pki/bad.pem")),
         4, "holds no PEM certificate", reach=NONE),
    case("tls-ca-file-missing", ANSWERS, "--ca-file naming no file",
         tls_endpoint(ca_file="pki/absent.pem"), 4, "absent.pem", reach=NONE),

    # --- the filesystem: the config folder is shared with the user's container -------
    case("fs-folder-missing", FILESYSTEM, "the config folder does not exist",
         None, 6, "does not exist", effect=ABSENT,
         flags={"aws-config-file": "{tmp}/no-such-folder/config"}),
    case("fs-folder-is-a-file", FILESYSTEM, "the config folder is a regular file",
         None, 6, "is not a folder", effect=ABSENT,
         flags={"aws-config-file": "{config}/config"}),
    case("fs-read-only-bind", FILESYSTEM, "the folder is a read-only bind mount",
         read_only_bind, 6, "is on a read-only file system", reach=ONCE),
    case("fs-read-only-tmpfs", FILESYSTEM, "the folder is a read-only tmpfs",
         read_only_tmpfs, 6, "is on a read-only file system", reach=ONCE),
    case("fs-read-only-same-content", FILESYSTEM,
         "read-only folder, config already current (nothing to write)",
         read_only_same_content, 0, "unchanged (2 profiles)", reach=ONCE),
    case("fs-full", FILESYSTEM, "a full 16 KiB tmpfs",
         full_tmpfs, 6, "no space left on device writing", reach=ONCE),
    case("fs-no-inodes", FILESYSTEM, "a tmpfs without a free inode",
         no_inodes_tmpfs, 6, "no space left on device writing", reach=ONCE),
    case("fs-bind-mounted-file", FILESYSTEM, "a single-file bind mount over the config (EBUSY)",
         bind_mount_over_config, 6,
         "it is a single-file bind mount (mount its folder instead)", reach=ONCE),
    case("fs-config-is-folder", FILESYSTEM, "a folder at the config path",
         config_is_folder, 6, "it is a folder", reach=ONCE),
    case("fs-symlink-elsewhere", FILESYSTEM, "the config is a symlink to a file elsewhere",
         config_symlink_to_victim, 0, "wrote 2 profiles", effect=REFERENCE,
         check=check_victim_untouched),
    case("fs-symlink-dangling", FILESYSTEM, "the config is a dangling symlink",
         config_symlink_dangling, 0, "wrote 2 profiles", effect=REFERENCE,
         check=check_dangling_target_not_created),
    case("fs-symlink-to-folder", FILESYSTEM, "the config is a symlink to another folder",
         config_symlink_to_folder, 0, "wrote 2 profiles", effect=REFERENCE,
         check=check_victim_untouched),
    case("fs-hardlink-elsewhere", FILESYSTEM, "the config is a hard link to a file elsewhere",
         config_hardlink_to_victim, 0, "wrote 2 profiles", effect=REFERENCE,
         check=check_victim_untouched),
    case("fs-config-fifo", FILESYSTEM, "a FIFO at the config path",
         mkfifo_at("config"), 6, "it is a FIFO, not a regular file", reach=ONCE),
    case("fs-config-char-device", FILESYSTEM,
         "a character device at the config path (AWS_CONFIG_FILE=/dev/null, as root)",
         config_is_null_device, 6, "it is a character device, not a regular file",
         reach=ONCE),
    case("fs-config-is-token", FILESYSTEM, "--aws-config-file naming the web identity token",
         inputs_snapshot, 2,
         "is the same file as web-identity-token-file: writing it would destroy that input",
         flags={"aws-config-file": "{sa_token}"}, check=check_inputs_untouched, **NO_MAPPING),
    case("fs-config-is-labels-hardlink", FILESYSTEM,
         "the config is a hard link to the labels file",
         config_hardlink_to_labels, 2, "is the same file as pod-info-path",
         check=check_inputs_untouched, **NO_MAPPING),
    case("fs-config-is-state-file", FILESYSTEM,
         "`run` with --aws-config-file naming its own state file",
         None, 2, "is the same file as state file: writing it would destroy the other",
         flags={"aws-config-file": "{aws_dir}/irsa-agent-state.json"},
         extra=("@command", "run"), effect=ABSENT, **NO_MAPPING),
    case("fs-stale-temp-file", FILESYSTEM, "a crashed writer's temp file (.config.tmp-*)",
         stale_temp_file, 0, "wrote 2 profiles", effect=REFERENCE,
         check=check_stale_temp_untouched),
    case("fs-temp-name-symlinks", FILESYSTEM, "symlinks planted at temp-like names",
         temp_symlinks_to_victim, 0, "wrote 2 profiles", effect=REFERENCE,
         check=check_planted_links_intact),

    case("install-folder-missing", FILESYSTEM, "`install DIR` into a folder that does not exist",
         None, 6, "/irsa-agent: folder ", extra=("@command", "install", "{tmp}/no-such/bin"),
         check=lambda s, r: check_message_lacks(r, "config folder"), **NO_MAPPING),
    case("fs-config-path-ends-in-slash", FILESYSTEM, "--aws-config-file ending in /",
         None, 6, "not a file name", flags={"aws-config-file": "{aws_dir}/"}),
    case("fs-folder-symlink-loop", FILESYSTEM, "the config folder is a symlink loop",
         folder_symlink_loop, 6, "Too many levels of symbolic links", effect=ABSENT,
         flags={"aws-config-file": "{tmp}/loop/config"}),
    case("fs-huge-sparse-previous", FILESYSTEM, "the previous config is a 1 GiB sparse file",
         huge_sparse_previous, 0, "wrote 2 profiles", effect=REFERENCE, check=check_quick(5)),
    case("fs-stdout-full", FILESYSTEM, "once --print with stdout on a full device (/dev/full)",
         None, 6, "cannot write to standard output", extra=("--print",), stdout_to="/dev/full"),

    case("openssl-no-sha256", FILESYSTEM,
         "OPENSSL_CONF loading no provider with SHA-256 (the config hash cannot be computed)",
         openssl_without_sha256, 4, "OpenSSL cannot compute SHA-256 (check OPENSSL_CONF",
         env={"OPENSSL_CONF": "{tmp}/openssl.cnf"}, reach=ONCE),

    # --- settings and flags: the user's own environment -----------------------------
    case("flag-unknown", SETTINGS, "--no-such-flag",
         None, 2, "unknown flag --no-such-flag", extra=("--no-such-flag", "1"), **NO_MAPPING),
    case("flag-missing-value", SETTINGS, "--region as the last argument",
         None, 2, "--region needs a value", extra=("--region",), **NO_MAPPING),
    case("flag-twice", SETTINGS, "--region given twice",
         None, 2, "--region given twice", extra=("--region", "us-east-1", "--region",
                                                 "eu-west-1"), **NO_MAPPING),
    case("flag-positional", SETTINGS, "a stray positional argument",
         None, 2, "unexpected argument 'extra'", extra=("extra",), **NO_MAPPING),
    case("command-unknown", SETTINGS, "`irsa-agent onse`",
         None, 2, "unknown command 'onse'", extra=("@command", "onse"), **NO_MAPPING),
    case("flag-wrong-type", SETTINGS, "--timeout soon",
         None, 2, "--timeout: 'soon' is not a number of seconds",
         flags={"timeout": "soon"}, **NO_MAPPING),
    case("flag-negative-duration", SETTINGS, "--request-timeout -1",
         None, 2, "--request-timeout: '-1' is not a number of seconds",
         flags={"request-timeout": "-1"}, **NO_MAPPING),
    case("flag-zero-duration", SETTINGS, "--min-backoff 0",
         None, 2, "--min-backoff: '0' is out of range",
         flags={"min-backoff": "0"}, **NO_MAPPING),
    case("flag-microsecond-refresh", SETTINGS, "--refresh-interval 0.000001 (a hot loop)",
         None, 2, "--refresh-interval: '0.000001' is out of range (at least 10,",
         flags={"refresh-interval": "0.000001"}, **NO_MAPPING),
    case("flag-microsecond-poll", SETTINGS, "--poll-interval 0.000001 (100 % CPU)",
         None, 2, "--poll-interval: '0.000001' is out of range (at least 1,",
         flags={"poll-interval": "0.000001"}, **NO_MAPPING),
    case("flag-microsecond-backoff", SETTINGS, "--min-backoff 0.000001 (a hot retry loop)",
         None, 2, "--min-backoff: '0.000001' is out of range (at least 0.1,",
         flags={"min-backoff": "0.000001"}, **NO_MAPPING),
    case("flag-tiny-request-timeout", SETTINGS, "--request-timeout 0.001",
         None, 2, "--request-timeout: '0.001' is out of range (at least 1,",
         flags={"request-timeout": "0.001"}, **NO_MAPPING),
    case("flag-absurd-duration", SETTINGS, "--timeout 86401 (over a day)",
         None, 2, "--timeout: '86401' is out of range", flags={"timeout": "86401"},
         **NO_MAPPING),
    case("flag-exponent-duration", SETTINGS, "--timeout 1e9",
         None, 2, "--timeout: '1e9' is not a number of seconds", flags={"timeout": "1e9"},
         **NO_MAPPING),
    case("flag-nan-duration", SETTINGS, "--max-backoff nan",
         None, 2, "--max-backoff: 'nan' is not a number of seconds",
         flags={"max-backoff": "nan"}, **NO_MAPPING),
    case("flag-backoff-inverted", SETTINGS, "--min-backoff above --max-backoff",
         None, 2, "is below min-backoff", flags={"min-backoff": "5", "max-backoff": "1"},
         **NO_MAPPING),
    case("flag-endpoint-not-http", SETTINGS, "--endpoint file:///etc/passwd",
         None, 2, "is not an http:// or https:// URL with a host",
         flags={"endpoint": "file:///etc/passwd"}, **NO_MAPPING),
    case("flag-endpoint-bad-port", SETTINGS, "--endpoint http://127.0.0.1:99999/x",
         None, 2, "endpoint (flag --endpoint): 'http://127.0.0.1:99999/x' is not a URL libcurl "
         "accepts: Port number", flags={"endpoint": "http://127.0.0.1:99999/x"}, **NO_MAPPING),
    case("flag-endpoint-bad-ipv6", SETTINGS, "--endpoint http://[::1/x (no closing bracket)",
         None, 2, "'http://[::1/x' is not a URL libcurl accepts: Bad IPv6 address",
         flags={"endpoint": "http://[::1/x"}, **NO_MAPPING),
    case("env-api-proxy-bad-port", SETTINGS, "DOMINO_API_PROXY=http://127.0.0.1:70000",
         None, 2, "api-proxy (env DOMINO_API_PROXY): 'http://127.0.0.1:70000' is not a URL",
         env={"DOMINO_API_PROXY": "http://127.0.0.1:70000"}, **NO_MAPPING),
    case("flag-http-endpoint-with-ca-file", SETTINGS,
         "an http:// endpoint with --ca-file (TLS was meant; the token would go in clear)",
         None, 2, "is plain http:// but ca-file (flag --ca-file) is set",
         flags={"ca-file": "{tmp}/ca.pem"}, **NO_MAPPING),
    case("flag-path-control-char", SETTINGS, "a newline inside --aws-config-file",
         None, 2, "--aws-config-file: contains a control character",
         flags={"aws-config-file": "{config}\nx"}, effect=UNCHANGED, **NO_MAPPING),
    case("flag-run-id-bad", SETTINGS, "--run-id ../x",
         None, 2, "--run-id: '../x' is not a run id", flags={"run-id": "../x"},
         **NO_MAPPING),
    case("sources-conflict", SETTINGS, "--endpoint and --mapping-file together",
         None, 2, "are both set; use one", flags={"mapping-file": "{tmp}/answer.conf"},
         **NO_MAPPING),
    case("sources-none", SETTINGS, "no endpoint and no mapping file",
         None, 2, "no mapping source", flags={"endpoint": None}, **NO_MAPPING),
    case("env-unknown-agent-variable", SETTINGS, "IRSA_AGENT_TIMEOT=5 (a typo)",
         None, 2, "unknown environment variable IRSA_AGENT_TIMEOT",
         env={"IRSA_AGENT_TIMEOT": "5"}, **NO_MAPPING),
    case("env-bad-agent-variable", SETTINGS, "IRSA_AGENT_FILE_MODE=0777",
         None, 2, "IRSA_AGENT_FILE_MODE: '0777' has bits outside 0666",
         env={"IRSA_AGENT_FILE_MODE": "0777"}, **NO_MAPPING),
    case("env-bad-reference-variable", SETTINGS, "AWS_REGION='US East'",
         None, 2, "AWS_REGION: 'US East' is not a region", env={"AWS_REGION": "US East"},
         **NO_MAPPING),
    case("file-mode-executable", SETTINGS, "--file-mode 0755",
         None, 2, "--file-mode: '0755' has bits outside 0666", flags={"file-mode": "0755"},
         **NO_MAPPING),
    case("file-mode-setuid", SETTINGS, "--file-mode 4644",
         None, 2, "--file-mode: '4644' has bits outside 0666", flags={"file-mode": "4644"},
         **NO_MAPPING),
    case("file-mode-no-owner-read", SETTINGS, "--file-mode 0044",
         None, 2, "--file-mode: '0044' lacks owner read", flags={"file-mode": "0044"},
         **NO_MAPPING),
    case("file-mode-not-octal", SETTINGS, "--file-mode 0648",
         None, 2, "--file-mode: '0648' is not an octal file mode", flags={"file-mode": "0648"},
         **NO_MAPPING),
    case("ini-missing", SETTINGS, "--config naming a file that does not exist",
         None, 2, "agent.ini does not exist", extra=CONFIG_ARGS, **NO_MAPPING),
    case("ini-unknown-key", SETTINGS, "INI key `timeot`",
         ini("[agent]\ntimeot = 5\n"), 2, "agent.ini:2: unknown key 'timeot' in [agent]",
         extra=CONFIG_ARGS, **NO_MAPPING),
    case("ini-unknown-section", SETTINGS, "INI section [agnet]",
         ini("[agnet]\ntimeout = 5\n"), 2, "agent.ini:1: unknown section [agnet]",
         extra=CONFIG_ARGS, **NO_MAPPING),
    case("ini-key-outside-section", SETTINGS, "an INI key before [agent]",
         ini("timeout = 5\n[agent]\n"), 2, "agent.ini:1: key 'timeout' is outside [agent]",
         extra=CONFIG_ARGS, **NO_MAPPING),
    case("ini-inline-comment", SETTINGS, "`timeout = 5 ; seconds`",
         ini("[agent]\ntimeout = 5 ; seconds\n"), 2, "agent.ini:2: inline comment",
         extra=CONFIG_ARGS, **NO_MAPPING),
    case("ini-bad-value", SETTINGS, "INI `file-mode = 0777`",
         ini("[agent]\nfile-mode = 0777\n"), 2, "agent.ini:2: file-mode: '0777' has bits",
         extra=CONFIG_ARGS, **NO_MAPPING),
    case("ini-nul-byte", SETTINGS, "a NUL byte in the INI file",
         ini("[agent]\nregion = us-east-1\0\n"), 2, "agent.ini:2: NUL byte",
         extra=CONFIG_ARGS, **NO_MAPPING),
    case("ini-huge", SETTINGS, "an INI file over 64 KiB",
         ini("[agent]\n" + "# padding\n" * 7000), 2, "agent.ini is larger than 65536 bytes",
         extra=CONFIG_ARGS, **NO_MAPPING),
    case("ini-fifo", SETTINGS, "--config naming a FIFO",
         lambda s: os.mkfifo(s.path("agent.ini")), 2, "agent.ini: not a regular file",
         extra=CONFIG_ARGS, **NO_MAPPING),
    case("flag-endpoint-typo-with-password", SETTINGS,
         "--endpoint htp://user:PASSWORD@host (a typo in the scheme)",
         endpoint_with_password, 2, "--endpoint: ", **NO_MAPPING),
)


def cases_by_category() -> list:
    """[(category, [cases])] in table order."""
    return [(c, [case_ for case_ in CASES if case_.category == c]) for c in CATEGORIES]


def command_line(case_: Case, scene_vars: Mapping[str, str],
                 scene_flags: Mapping[str, Optional[str]]) -> list:
    """The agent's arguments for `case_`: the command (`once`, or the value
    after "@command" in `extra`), DEFAULT_FLAGS overridden by the case's and
    the scene's flags, then the case's other extra arguments."""
    extra = list(case_.extra)
    command = "once"
    if "@command" in extra:
        at = extra.index("@command")
        command = extra[at + 1]
        del extra[at:at + 2]
    flags = {**DEFAULT_FLAGS, **case_.flags, **scene_flags}
    args = [command]
    for name, value in flags.items():
        if value is not None:
            args += [f"--{name}", value.format_map(scene_vars)]
    return args + [a.format_map(scene_vars) for a in extra]


# --- snapshots ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Snapshot:
    """What is at a path, without following a final symlink: enough to prove
    it was not touched. `content` is the target of a link, the entries of a
    folder, or for a file its size and the SHA-256 of its first 4 MiB (a
    case may plant a huge sparse file; inode and mtime cover the rest)."""

    kind: str
    inode: int = 0
    mtime_ns: int = 0
    mode: int = 0
    content: bytes = b""


SNAPSHOT_BYTES = 4 << 20


def snapshot(path: str) -> Snapshot:
    try:
        st = os.lstat(path)
    except OSError:  # absent, a file as a folder, a symlink loop
        return Snapshot("absent")
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        return Snapshot("link", st.st_ino, st.st_mtime_ns, mode, os.readlink(path).encode())
    if stat.S_ISDIR(st.st_mode):
        entries = "\n".join(sorted(os.listdir(path))).encode()
        return Snapshot("folder", st.st_ino, st.st_mtime_ns, mode, entries)
    if stat.S_ISREG(st.st_mode):
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read(SNAPSHOT_BYTES)).hexdigest()
        return Snapshot("file", st.st_ino, st.st_mtime_ns, mode,
                        f"{st.st_size} {digest}".encode())
    return Snapshot("other", st.st_ino, st.st_mtime_ns, mode)

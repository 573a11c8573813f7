#!/usr/bin/env python3
"""The container image, built from the repository's Dockerfile and run.

buildah builds and runs OCI images without a Docker engine (`--storage-driver
vfs --isolation chroot`, in a private storage folder per run, removed at the
end). The Dockerfile's build stage (`FROM debian:bookworm AS build`, which runs
packaging/build-static.sh) needs a registry this machine cannot reach, so the
test replaces that stage with a build context of the same name (`buildah build
--build-context build=DIR`): DIR holds, at the paths the final stage copies
from, what the stage would have produced: the static binary built by
packaging/build-static.sh ($IRSA_AGENT_STATIC_BIN) and the host's Debian CA
bundle. Every line of the final stage is the shipped Dockerfile's; the file
users build with `docker build .` is this same file.

The image must:
* hold only the binary (byte for byte) and the CA bundle, run as 65532:65532
  with the entrypoint the manifests rely on, and weigh at most 7.5 MB (printed,
  with the gzip-compressed size a registry transfers);
* print its version;
* run `once` on packaging/examples/mapping.conf as its own non-root user,
  writing the AWS config into a bind-mounted folder (the file is owned by
  65532);
* answer `status` "not ready" before `run` has synced, and "ready" (exit 0,
  valid JSON with --json) from a second container sharing the folder while
  `run` serves it; `run` exits 0 on SIGTERM.

Needs root, buildah (packaging/install-deps.sh installs it) and the static
binary; fails, never skips, without them.
Run: IRSA_AGENT_STATIC_BIN=build-static/irsa-agent python3 tests/integration/test_image.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import binary_from_env, parse_aws_config, profiles_of  # noqa: E402

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCKERFILE = os.path.join(SOURCE_DIR, "Dockerfile")
MAPPING_FILE = os.path.join(SOURCE_DIR, "packaging", "examples", "mapping.conf")
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
BUILD_STAGE = "build"  # the Dockerfile's stage the test replaces
IMAGE_USER = "65532:65532"
IMAGE_UID = 65532
ENTRYPOINT = ["/irsa-agent", "run"]
SIZE_LIMIT = 7_500_000  # bytes (7.5 MB): the ceiling with the mapping service (issue 18)
# Inside the containers: the default aws-config-file's folder and the mapping.
AWS_DIR = "/var/run/.aws"
MAPPING_PATH = "/etc/irsa-agent/mapping.conf"
STATE_FILE = "irsa-agent-state.json"
REGION = "us-west-2"
COMMAND_SECONDS = 120  # one buildah command (a build copies 6 MB with vfs)
READY_SECONDS = 30  # `run` publishing its first config
STOP_SECONDS = 10  # `run` exiting after SIGTERM


def static_binary() -> str:
    return binary_from_env("IRSA_AGENT_STATIC_BIN", "point it at the static binary "
                           "(packaging/build-static.sh builds build-static/irsa-agent)")


def final_stage_copies() -> list:
    """(source, destination) of each `COPY --from=build` of the Dockerfile's
    final stage."""
    with open(DOCKERFILE) as f:
        final = re.split(r"(?im)^FROM\s", f.read())[-1]
    copies = re.findall(r"(?im)^COPY\s+--from=(\S+)\s+(\S+)\s+(\S+)\s*$", final)
    others = [c for c in copies if c[0] != BUILD_STAGE]
    if others or not copies:
        raise AssertionError(f"the Dockerfile's final stage must copy only from stage "
                             f"'{BUILD_STAGE}': {copies}")
    return [(source, destination) for _, source, destination in copies]


def describe(result: subprocess.CompletedProcess) -> str:
    return (f"{' '.join(result.args)}\nexit {result.returncode}\n--- stdout ---\n"
            f"{result.stdout}--- stderr ---\n{result.stderr}")


class Buildah:
    """buildah with a private vfs store under `folder`; every call bounded."""

    def __init__(self, tool: str, folder: str):
        self.base = [tool, "--root", os.path.join(folder, "root"), "--runroot",
                     os.path.join(folder, "runroot"), "--storage-driver", "vfs"]

    def argv(self, *args: str) -> list:
        return [*self.base, *args]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        try:
            result = subprocess.run(self.argv(*args), stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True, timeout=COMMAND_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"buildah {args[0]} did not finish within "
                                 f"{COMMAND_SECONDS}s") from None
        if check and result.returncode != 0:
            raise AssertionError(describe(result))
        return result


def descendant_running(pid: int, argv0: str) -> int | None:
    """The pid of the first process below `pid` whose argv[0] is `argv0`."""
    children: dict = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                first = f.read().split(b"\0")[0].decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        children.setdefault(parent, []).append((int(entry), first))
    todo = [pid]
    while todo:
        for child, first in children.get(todo.pop(), []):
            if first == argv0:
                return child
            todo.append(child)
    return None


class ImageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise AssertionError("the image test runs buildah as root (vfs storage, chroot "
                                 "isolation); run it as root")
        tool = shutil.which("buildah")
        if tool is None:
            raise AssertionError("buildah is missing: packaging/install-deps.sh installs it "
                                 "(apt-get install buildah)")
        cls.binary = static_binary()
        if not os.path.isfile(HOST_CA_BUNDLE):
            raise AssertionError(f"{HOST_CA_BUNDLE} is missing (apt-get install ca-certificates)")
        cls.tmp = tempfile.mkdtemp(prefix="irsa-image-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.buildah = Buildah(tool, os.path.join(cls.tmp, "storage"))
        cls.image = f"localhost/irsa-agent-test:{uuid.uuid4().hex[:12]}"
        cls.containers = []
        cls.addClassCleanup(cls.remove_everything)
        cls.build_image()

    @classmethod
    def build_image(cls):
        """Builds the Dockerfile with its build stage replaced by a folder
        holding the static binary and the host's CA bundle at the stage's paths."""
        stage = os.path.join(cls.tmp, "build-stage")
        for source, _ in final_stage_copies():
            name = os.path.basename(source)
            if name == "irsa-agent":
                origin = cls.binary
            elif name == "ca-certificates.crt":
                origin = HOST_CA_BUNDLE
            else:
                raise AssertionError(f"the final stage copies {source}, which the test cannot "
                                     "provide: teach test_image.py where it comes from")
            target = os.path.join(stage, source.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(origin, target)  # the mode too, as the stage would have it
        context = os.path.join(cls.tmp, "context")  # .dockerignore'd anyway: nothing to send
        os.makedirs(context)
        started = time.monotonic()
        cls.buildah.run("build", "--isolation", "chroot", "--pull=never",
                        "--build-context", f"{BUILD_STAGE}={stage}", "-f", DOCKERFILE,
                        "-t", cls.image, context)
        print(f"\nimage built in {time.monotonic() - started:.1f}s", file=sys.stderr)

    @classmethod
    def remove_everything(cls):
        for container in cls.containers:
            cls.buildah.run("rm", container, check=False)
        cls.buildah.run("rmi", "--force", cls.image, check=False)
        left = cls.buildah.run("containers", "--quiet", check=False).stdout.split()
        images = cls.buildah.run("images", "--quiet", check=False).stdout.split()
        if left or images:
            raise AssertionError(f"buildah left containers {left} and images {images}")

    # --- helpers ----------------------------------------------------------------

    def container(self) -> str:
        """A new working container from the image."""
        name = f"irsa-test-{uuid.uuid4().hex[:12]}"
        self.buildah.run("from", "--pull=never", "--name", name, self.image)
        self.containers.append(name)
        return name

    def shared_folder(self) -> str:
        """A host folder for AWS_DIR, owned by the image's user like a pod's
        emptyDir with fsGroup."""
        folder = tempfile.mkdtemp(prefix="aws-", dir=self.tmp)
        os.chown(folder, IMAGE_UID, IMAGE_UID)
        os.chmod(folder, 0o755)
        return folder

    def run_argv(self, container: str, folder: str, args: list) -> list:
        """`buildah run` of the image's binary with `args`, as the image's
        user, with `folder` at AWS_DIR and the example mapping read-only."""
        return self.buildah.argv(
            "run", "--isolation", "chroot", "--volume", f"{folder}:{AWS_DIR}:rw",
            "--volume", f"{MAPPING_FILE}:{MAPPING_PATH}:ro", container, "--",
            ENTRYPOINT[0], *args)

    def agent(self, container: str, folder: str, *args: str) -> subprocess.CompletedProcess:
        argv = self.run_argv(container, folder, list(args))
        try:
            return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=COMMAND_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"irsa-agent {args[0]} in the image did not finish within "
                                 f"{COMMAND_SECONDS}s") from None

    def image_config(self) -> dict:
        inspected = json.loads(self.buildah.run("inspect", "--type", "image", self.image).stdout)
        return inspected

    def assert_reference_config(self, folder: str) -> None:
        """The config the example mapping gives, written by the image's user."""
        path = os.path.join(folder, "config")
        self.assertTrue(os.path.isfile(path), f"no config in the bind-mounted folder: "
                        f"{os.listdir(folder)}")
        info = os.stat(path)
        self.assertEqual((info.st_uid, info.st_gid), (IMAGE_UID, IMAGE_UID),
                         "the config was not written by the image's user")
        self.assertEqual(info.st_mode & 0o777, 0o644)
        expected = profiles_of(parse_aws_config(MAPPING_FILE))
        written = profiles_of(parse_aws_config(path))
        self.assertEqual(sorted(written), sorted(expected))
        # Chain style: every profile names the session (who did it, in CloudTrail), all alike.
        sessions = {name: written[name].pop("role_session_name", None) for name in written}
        self.assertEqual(len(set(sessions.values())), 1, sessions)
        self.assertRegex(next(iter(sessions.values())) or "", r"^[\w+=,.@-]{2,64}$")
        for name, values in expected.items():
            self.assertEqual(written[name], dict(values, region=REGION), name)

    # --- tests ------------------------------------------------------------------

    def test_image_holds_the_binary_and_ca_bundle_and_is_small(self):
        inspected = self.image_config()
        config = inspected["OCIv1"]["config"]
        self.assertEqual(config.get("User"), IMAGE_USER)
        self.assertEqual(config.get("Entrypoint"), ENTRYPOINT)
        manifest = json.loads(inspected["Manifest"])
        size = sum(layer["size"] for layer in manifest["layers"])  # uncompressed tar bytes

        # Exactly the two files, the binary byte for byte.
        container = self.container()
        root = self.buildah.run("mount", container).stdout.strip()
        try:
            found = {}
            for folder, _, files in os.walk(root):
                for name in files:
                    full = os.path.join(folder, name)
                    found["/" + os.path.relpath(full, root)] = os.stat(full)
            self.assertEqual(sorted(found), sorted(d for _, d in final_stage_copies()))
            agent = found[ENTRYPOINT[0]]
            self.assertEqual(agent.st_mode & 0o777, 0o755)
            with open(os.path.join(root, ENTRYPOINT[0].lstrip("/")), "rb") as f, \
                    open(self.binary, "rb") as g:
                self.assertTrue(f.read() == g.read(), "the image's binary is not the static one")
            files_size = sum(info.st_size for info in found.values())
        finally:
            self.buildah.run("umount", container)

        # What a registry transfers: the layers gzip-compressed, as `push` makes them.
        layout = os.path.join(self.tmp, "oci-layout")
        self.buildah.run("push", "--quiet", self.image, f"oci:{layout}:test")
        with open(os.path.join(layout, "index.json")) as f:
            digest = json.load(f)["manifests"][0]["digest"].split(":")[1]
        with open(os.path.join(layout, "blobs", "sha256", digest)) as f:
            pushed = json.load(f)
        compressed = sum(layer["size"] for layer in pushed["layers"])
        listed = self.buildah.run("images", "--format", "{{.Size}}", self.image).stdout.strip()
        print(f"\nimage size: {size:,} bytes ({size / 1e6:.2f} MB; buildah images: {listed}), "
              f"{compressed:,} bytes gzip-compressed ({compressed / 1e6:.2f} MB); files "
              f"{files_size:,} bytes (binary {agent.st_size:,}); limit {SIZE_LIMIT:,}",
              file=sys.stderr)
        self.assertLessEqual(size, SIZE_LIMIT)

    def test_version(self):
        result = self.agent(self.container(), self.shared_folder(), "--version")
        self.assertEqual(result.returncode, 0, describe(result))
        self.assertRegex(result.stdout, r"^irsa-agent \d+\.\d+\.\d+")

    def test_once_on_a_mapping_file_writes_into_the_bind_mount(self):
        folder = self.shared_folder()
        result = self.agent(self.container(), folder, "once", "--mapping-file", MAPPING_PATH,
                            "--region", REGION)
        self.assertEqual(result.returncode, 0, describe(result))
        self.assert_reference_config(folder)
        self.assertEqual(os.listdir(folder), ["config"], "a temp file was left behind")

    def test_status_follows_run(self):
        folder = self.shared_folder()
        probe = self.container()
        result = self.agent(probe, folder, "status")
        self.assertEqual(result.returncode, 1, "status before any sync: " + describe(result))
        self.assertRegex(result.stdout, rf"^not ready: .*{AWS_DIR}/{STATE_FILE}", describe(result))

        sidecar = self.container()
        argv = self.run_argv(sidecar, folder, ["run", "--mapping-file", MAPPING_PATH,
                                               "--region", REGION])
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            deadline = time.monotonic() + READY_SECONDS
            while not os.path.exists(os.path.join(folder, STATE_FILE)):
                if process.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            self.assertTrue(os.path.exists(os.path.join(folder, STATE_FILE)),
                            f"run wrote no state within {READY_SECONDS}s (exit "
                            f"{process.poll()})")
            self.assert_reference_config(folder)

            result = self.agent(probe, folder, "status")
            self.assertEqual(result.returncode, 0, describe(result))
            self.assertRegex(result.stdout, r"^ready: [^\n]*\n$", describe(result))
            result = self.agent(probe, folder, "status", "--json")
            self.assertEqual(result.returncode, 0, describe(result))
            self.assertIs(json.loads(result.stdout).get("ready"), True, describe(result))
        finally:
            # SIGTERM to the agent itself, as a container runtime stops PID 1
            # (buildah kills its child when it is signalled). With chroot
            # isolation the agent is in this PID namespace, below buildah.
            agent = descendant_running(process.pid, ENTRYPOINT[0])
            if process.poll() is None:
                if agent is None:
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    os.kill(agent, signal.SIGTERM)
            try:
                out, err = process.communicate(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                out, err = process.communicate(timeout=STOP_SECONDS)
                raise AssertionError(f"run did not exit within {STOP_SECONDS}s of SIGTERM")
        self.assertIsNotNone(agent, "no /irsa-agent process below buildah run")
        self.assertEqual(process.returncode, 0, f"run: exit {process.returncode}\n{out}{err}")


if __name__ == "__main__":
    unittest.main(verbosity=2)

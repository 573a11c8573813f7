#!/usr/bin/env python3
"""s3fs 1.90 (Debian `s3fs`), a client that reads none of the agent's
protocols, beside `irsa-agent run --credentials-listen ... --imds true`.

s3fs reads static keys (variables, passwd files, ~/.aws/credentials) once at
mount, IMDS only at the fixed 169.254.169.254 (`-o iam_role`) and container
credentials only through AWS_CONTAINER_CREDENTIALS_RELATIVE_URI at the fixed
169.254.170.2 (`-o ecs`): neither can reach a loopback listener, and neither
is tried here (no traffic leaves loopback). Shown, with a real FUSE mount of
moto's bucket:
* under `exec` with a listener, s3fs finds no credentials and mounts nothing;
* the README's recipe: the keys `irsa-agent credentials X` prints (the
  agent's cache), exported, mount the bucket and read the object as X's role
  with the run's session name;
* `exec` with no agent (its static keys and one warning) mounts it too.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_s3fs_client.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_broker_run import own_tests  # noqa: E402
from test_e2e_sdk import BUCKET, OBJECT_KEY  # noqa: E402
from test_exec_clients import PROFILE, ExecClientsTest, tool  # noqa: E402

MOUNT_SECONDS = 60
# The README's recipe (Clients): the profile's keys from the agent's cache,
# exported for a program that reads only static keys.
RECIPE = """eval "$("$AGENT" credentials "$PROFILE" | python3 -c '
import json, shlex, sys
c = json.load(sys.stdin)
for k, v in (("AWS_ACCESS_KEY_ID", "AccessKeyId"), ("AWS_SECRET_ACCESS_KEY", "SecretAccessKey"),
             ("AWS_SESSION_TOKEN", "SessionToken")):
    print("export %s=%s" % (k, shlex.quote(c[v])))')" && exec "$@"
"""


class S3fsClientTest(ExecClientsTest):

    def setUp(self):
        super().setUp()
        self.mount_point = self.path("mnt")
        os.makedirs(self.mount_point)
        self.addCleanup(self.unmount)

    def mounted(self) -> bool:
        with open("/proc/self/mounts") as f:
            return any(line.split()[1] == self.mount_point for line in f)

    def unmount(self) -> None:
        if self.mounted():
            subprocess.run(["fusermount", "-u", "-z", self.mount_point], timeout=30,
                           stdin=subprocess.DEVNULL, capture_output=True)

    def s3fs_argv(self) -> list:
        return [tool("/usr/bin/s3fs", "s3fs"), BUCKET, self.mount_point, "-o",
                f"url={self.moto.url}", "-o", "use_path_request_style", "-o", "dbglevel=warn"]

    def mount_and_read(self, argv: list, env: dict, what: str) -> bytes:
        """Mounts (s3fs forks once mounted), reads the object, unmounts."""
        proc = self.run_client(argv, env)
        self.assertEqual(proc.returncode, 0, f"{what}: {proc.stderr.decode(errors='replace')}")
        self.assertTrue(self.mounted(), f"{what}: nothing mounted")
        reader = subprocess.run(["cat", os.path.join(self.mount_point, OBJECT_KEY)],
                                capture_output=True, timeout=MOUNT_SECONDS,
                                stdin=subprocess.DEVNULL)
        self.unmount()
        self.assertEqual(reader.returncode, 0, f"{what}: {reader.stderr!r}")
        return proc.stderr

    def test_under_exec_with_a_listener_s3fs_finds_no_credentials(self):
        since = len(self.moto.recorded())
        proc = self.run_client(self.exec_argv(PROFILE, self.s3fs_argv()), self.user_environment())
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(b"could not determine how to establish security credentials", proc.stderr)
        self.assertFalse(self.mounted())
        self.assertEqual([c for c in self.moto.recorded()[since:] if c["access_key"]], [])

    def test_keys_from_credentials_mount_the_bucket(self):
        since = len(self.moto.recorded())
        env = self.user_environment({"AGENT": self.agent, "PROFILE": PROFILE})
        argv = ["sh", "-c", RECIPE, "recipe", *self.s3fs_argv()]
        before = self.proxy.count()
        self.mount_and_read(argv, env, "s3fs with the recipe's keys")
        self.assertLessEqual(self.proxy.count() - before, 2)  # at most the agent's one fill
        self.assert_read_as_profile(since, PROFILE, "s3fs with the recipe's keys")

    def test_exec_without_an_agent_mounts_the_bucket(self):
        self.kill_agent()
        since = len(self.moto.recorded())
        env = self.user_environment(
            {"AWS_WEB_IDENTITY_TOKEN_FILE": self.serviceaccount.file("token")})
        stderr = self.mount_and_read(self.exec_argv(PROFILE, self.s3fs_argv()), env,
                                     "s3fs under exec, no agent")
        self.assertIn(b"static credentials that will not refresh", stderr)
        self.assert_read_as_profile(since, PROFILE, "s3fs under exec, no agent")


def load_tests(loader, tests, pattern):
    """Only this file's tests, not the inherited ones."""
    return own_tests(loader, S3fsClientTest)


if __name__ == "__main__":
    unittest.main()

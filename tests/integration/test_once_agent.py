#!/usr/bin/env python3
"""Manual re-runs keep the sidecar's choices (issue 19), with `run
--profile-style process` against moto:

* `run` answers GET /refresh on its Unix socket (curl --unix-socket);
* `once` run by hand while the agent owns the config (without
  --profile-style, so its own default would be chain) asks the agent to sync
  over that socket: exit 0, and the config stays in process style; when the
  agent's sync fails, once exits with its code (5 for an unusable mapping)
  and the last good config stays;
* `status` is not fooled by a config someone else rewrote (exit 1, the
  reason), and is ready again once `once` had the agent rewrite it;
* with no agent, `once` refuses (exit 2, one line) to switch the style of the
  config the agent wrote, and switches it when --profile-style is given.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_once_agent.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import clean_environment  # noqa: E402
from test_broker_run import BrokerRunTest, own_tests, wait_until  # noqa: E402
from test_e2e_sdk import REGION, ROLES  # noqa: E402

EXIT_USAGE = 2
EXIT_ANSWER = 5


class OnceWithAgentTest(BrokerRunTest):

    def once(self, *extra: str) -> subprocess.CompletedProcess:
        """`once` as a user runs it by hand: the pod's inputs, no style."""
        proc = subprocess.run(
            [self.agent, "once", "--mapping-file", self.mapping, "--aws-config-file", self.config,
             "--web-identity-token-file", self.serviceaccount.file("token"),
             "--domino-token-file", self.domino_token_file, "--pod-info-path", self.labels,
             "--region", REGION, "--timeout", "20", *extra],
            capture_output=True, timeout=60, stdin=subprocess.DEVNULL, env=clean_environment())
        self.assert_no_issued_secret(proc.stderr, "once stderr")
        return proc

    def status(self) -> subprocess.CompletedProcess:
        return subprocess.run([self.agent, "status", "--aws-config-file", self.config],
                              capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
                              env=clean_environment())

    def config_text(self) -> str:
        with open(self.config) as f:
            return f.read()

    def wait_ready(self) -> None:
        self.assertTrue(wait_until(lambda: self.status().returncode == 0, 20, 0.1),
                        self.status().stdout.decode() + self.agent_log())

    def test_socket_answers_refresh(self):
        proc = subprocess.run(["curl", "-s", "--max-time", "30", "--unix-socket", self.socket,
                               "http://agent/refresh"], capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        answer = json.loads(proc.stdout)
        self.assertEqual(answer["status"], "ok")
        self.assertEqual(sorted(answer["profiles"]), sorted(ROLES))

    def test_manual_once_in_a_process_style_pod_leaves_process_style(self):
        self.wait_ready()
        before = self.config_text()
        self.assertIn("credential_process", before)
        proc = self.once()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(b"the running agent synced", proc.stdout)
        self.assertEqual(self.config_text(), before)
        self.assertEqual(self.status().returncode, 0)

    def test_status_not_fooled_by_a_rewritten_config(self):
        self.wait_ready()
        before = self.config_text()
        with open(self.config + ".tmp", "w") as f:
            f.write(before + "# edited by hand\n")
        os.rename(self.config + ".tmp", self.config)
        status = self.status()
        self.assertEqual(status.returncode, 1, status.stdout)
        self.assertIn(b"rewritten by someone else", status.stdout + status.stderr)
        proc = self.once()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.config_text(), before)
        self.assertEqual(self.status().returncode, 0)

    def test_the_agents_failed_sync_is_onces_exit_code(self):
        self.wait_ready()
        before = self.config_text()
        with open(self.mapping + ".tmp", "w") as f:
            f.write("{ not json")
        os.rename(self.mapping + ".tmp", self.mapping)
        proc = self.once()
        self.assertEqual(proc.returncode, EXIT_ANSWER, proc.stderr)
        lines = proc.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("the running agent's sync failed", lines[0])
        self.assertEqual(self.config_text(), before)  # the last good config stays

    def test_without_an_agent_once_refuses_to_switch_the_style(self):
        self.wait_ready()
        self.agent_proc.terminate()
        self.agent_proc.wait(10)
        before = self.config_text()
        proc = self.once()
        self.assertEqual(proc.returncode, EXIT_USAGE, proc.stderr)
        lines = proc.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("--profile-style", lines[0])
        self.assertEqual(self.config_text(), before)
        proc = self.once("--profile-style", "process")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("credential_process", self.config_text())
        proc = self.once("--profile-style", "chain")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("credential_process", self.config_text())
        self.assertIn("source_profile", self.config_text())


def load_tests(loader, tests, pattern):
    """Only this file's tests, not the inherited BrokerRunTest ones."""
    return own_tests(loader, OnceWithAgentTest)


if __name__ == "__main__":
    unittest.main()

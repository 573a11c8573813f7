"""Integration tests of `irsa-agent run`: the real binary, real inotify on
folders laid out as the kubelet lays them out, and the stand-in mapping
service on loopback."""

from __future__ import annotations

import configparser
import json
import os
import signal
import socket
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

import harness
from harness import AgentTestCase, AtomicDir, FileState, answer_for, make_jwt
from stand_in_service import Reply

RUN_ID = "6527182438a6346046006654"


def wait_until(predicate, timeout: float, interval: float = 0.01) -> bool:
    """Polls `predicate` until it is true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def pairs(*names: str) -> list:
    return [(name, f"arn:aws:iam::524112250363:role/{name}",
             f"arn:aws:iam::946429944765:role/{name}") for name in names]


class RunningAgent:
    """`irsa-agent run` in the background; stderr goes to a file."""

    def __init__(self, case: AgentTestCase, args: list, env: dict | None = None):
        self.log_path = case.path("agent.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([case.agent, "run", *args], stdout=subprocess.DEVNULL,
                                     stderr=self._log, env=harness.clean_environment(env))
        case.addCleanup(self.kill)

    def log(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def signal(self, signo: int) -> None:
        self.proc.send_signal(signo)

    def stop(self, timeout: float = 5) -> tuple[int, float]:
        """SIGTERM; returns (exit code, seconds until exit)."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - start

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self._log.close()


class RunTestCase(AgentTestCase):
    """A pod-like layout: projected token folder, labels folder, token file."""

    def setUp(self):
        super().setUp()
        self.token_dir = AtomicDir(self.path("serviceaccount"))
        self.labels_dir = AtomicDir(self.path("podinfo"))
        self.config_dir = self.path("aws")
        os.mkdir(self.config_dir)
        self.config = os.path.join(self.config_dir, "config")
        self.web_token = self.rotate_token()
        harness.write_labels(self.labels_dir, harness.domino_labels(RUN_ID))
        self.domino_token = make_jwt(sub="domino-user")
        self.write_domino_token(self.domino_token, "domino-token")
        self.service = self.start_service()
        self.service.set_answer(answer_for(pairs("role-a")))

    def rotate_token(self) -> str:
        token = make_jwt()
        self.add_secret("web identity token", token, self.token_dir.file("token"))
        self.token_dir.rotate({"token": token})
        return token

    def agent_args(self, *extra: str) -> list:
        """The flags of a pod-like agent; `extra` flags replace same-named defaults."""
        defaults = {"--endpoint": self.service.url(), "--aws-config-file": self.config,
                    "--web-identity-token-file": self.token_dir.file("token"),
                    "--domino-token-file": self.path("domino-token"),
                    "--pod-info-path": self.labels_dir.file("labels"),
                    "--min-backoff": "0.2", "--max-backoff": "2", "--log-level": "debug"}
        given = set(extra[0::2])
        args = [item for flag, value in defaults.items() if flag not in given
                for item in (flag, value)]
        return args + list(extra)

    def start_agent(self, *extra: str) -> RunningAgent:
        agent = RunningAgent(self, self.agent_args(*extra))
        self.addCleanup(lambda: self.assert_no_secrets(agent.log(), "agent log"))
        return agent

    def wait_for_config(self, timeout: float = 5) -> None:
        self.assertTrue(wait_until(lambda: os.path.exists(self.config), timeout),
                        "no config file written")

    def wait_for_calls(self, count: int, timeout: float) -> float:
        """Waits for `count` mapping calls in total; returns when the last one came."""
        self.assertTrue(wait_until(lambda: len(self.service.mapping_requests()) >= count,
                                   timeout),
                        f"expected {count} mapping calls, got "
                        f"{len(self.service.mapping_requests())}")
        return self.service.mapping_requests()[count - 1].time

    def status(self, *extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([self.agent, "status", "--aws-config-file", self.config, *extra],
                              capture_output=True, text=True, timeout=10,
                              env=harness.clean_environment())

    def read_config(self) -> bytes:
        with open(self.config, "rb") as f:
            return f.read()


class TokenRotationTest(RunTestCase):
    def test_three_kubelet_rotations_each_cause_a_mapping_call_within_a_second(self):
        agent = self.start_agent()
        self.wait_for_config()
        calls = len(self.service.mapping_requests())
        for _ in range(3):
            time.sleep(1.1)  # beyond the request spacing: each rotation is its own sync
            rotated_at = time.monotonic()
            self.rotate_token()
            calls += 1
            call_time = self.wait_for_calls(calls, 2)
            self.assertLess(call_time - rotated_at, 1.0)
        time.sleep(0.3)
        self.assertEqual(len(self.service.mapping_requests()), calls,
                         "a rotation must be one sync, not several")
        self.assertIn("web identity token changed", agent.log())
        code, _ = agent.stop()
        self.assertEqual(code, 0)

    def test_plain_token_file_rename_over_and_in_place_rewrite(self):
        plain = self.path("plain-token")
        token = self.add_secret("plain token", make_jwt(), plain)
        with open(plain, "w") as f:
            f.write(token)
        agent = RunningAgent(self, self.agent_args("--web-identity-token-file", plain))
        self.wait_for_config()
        self.wait_for_calls(1, 5)

        time.sleep(1.1)
        replacement = self.add_secret("plain token 2", make_jwt(), plain)
        with open(plain + ".tmp", "w") as f:
            f.write(replacement)
        os.rename(plain + ".tmp", plain)
        self.wait_for_calls(2, 2)

        time.sleep(1.1)
        rewritten = self.add_secret("plain token 3", make_jwt(), plain)
        with open(plain, "w") as f:  # in place: truncate and write, same inode
            f.write(rewritten)
        self.wait_for_calls(3, 2)
        self.assertEqual(agent.stop()[0], 0)

    def test_labels_change_sends_the_new_run_id(self):
        agent = self.start_agent()
        self.wait_for_calls(1, 5)
        time.sleep(1.1)
        harness.write_labels(self.labels_dir, harness.domino_labels("newrun0000000000000000ab"))
        self.wait_for_calls(2, 2)
        self.assertEqual(self.service.mapping_requests()[-1].json()["run_id"],
                         "newrun0000000000000000ab")
        self.assertEqual(agent.stop()[0], 0)

    def test_mapping_change_is_picked_up_by_the_refresh_interval(self):
        # 10 s is the floor of refresh-interval; the jitter is at most 10 %.
        agent = self.start_agent("--refresh-interval", "10")
        self.wait_for_config()
        self.service.set_answer(answer_for(pairs("role-a", "role-b")))
        self.assertTrue(wait_until(lambda: b"[profile role-b]" in self.read_config(), 13))
        self.assertEqual(agent.stop()[0], 0)


class FailureTest(RunTestCase):
    def test_outage_keeps_the_config_and_status_reports_both(self):
        agent = self.start_agent()
        self.wait_for_config()
        self.assertTrue(wait_until(lambda: self.status().returncode == 0, 2), self.status().stdout)
        before = FileState.of(self.config)

        self.service.set_answer(Reply.server_error())
        outage_start = time.monotonic()
        calls = len(self.service.mapping_requests())
        agent.signal(signal.SIGHUP)  # the outage is noticed at the next sync
        self.wait_for_calls(calls + 2, 6)
        while time.monotonic() - outage_start < 3:
            self.assert_unchanged(self.config, before)
            time.sleep(0.05)
        status = json.loads(self.status("--json").stdout)
        self.assertTrue(status["ready"], status)
        self.assertIn("last_success_at", status)
        self.assertIn("HTTP 500", status["last_error"])
        self.assertGreaterEqual(status["consecutive_failures"], 2)
        still = self.status()
        self.assertEqual(still.returncode, 0, still.stdout)

        self.service.set_answer(answer_for(pairs("role-a", "role-c")))
        recovered_at = time.monotonic()
        self.assertTrue(wait_until(lambda: b"role-c" in self.read_config(), 2 + 1))
        self.assertLess(time.monotonic() - recovered_at, 2 + 1)  # max-backoff + 1 s
        # The state file is written right after the config.
        self.assertTrue(wait_until(
            lambda: json.loads(self.status("--json").stdout)["last_error"] == "", 1))
        self.assertEqual(agent.stop()[0], 0)

    def test_refused_credential_is_retried_slowly(self):
        self.service.set_answer(Reply.unauthorized())
        agent = self.start_agent("--max-backoff", "3")
        self.wait_for_calls(1, 5)
        time.sleep(2)
        self.assertEqual(len(self.service.mapping_requests()), 1,
                         "a 401 must wait about max-backoff, not retry hot")
        self.wait_for_calls(2, 3)
        self.assertNotEqual(self.status().returncode, 0)
        self.assertEqual(agent.stop()[0], 0)


class ControlTest(RunTestCase):
    def test_status_before_and_after_the_first_sync(self):
        self.service.set_answer(Reply.server_error())
        agent = self.start_agent()
        self.wait_for_calls(1, 5)
        time.sleep(0.2)
        before = self.status()
        self.assertEqual(before.returncode, 1, before.stdout)
        self.assertRegex(before.stdout, r"^not ready: no successful sync yet: "
                                        r"mapping service: HTTP 500\n$")
        self.service.set_answer(answer_for(pairs("role-a")))
        self.wait_for_config(5)
        self.assertTrue(wait_until(lambda: self.status().returncode == 0, 2))
        after = self.status()
        self.assertRegex(after.stdout, r"^ready: 1 profile in .*/aws/config")
        doc = json.loads(self.status("--json").stdout)
        for key in ("last_success_at", "last_error", "profile_count", "token_expires_at",
                    "config_hash"):
            self.assertIn(key, doc)
        self.assertEqual(doc["profile_count"], 1)
        self.assertEqual(agent.stop()[0], 0)

    def test_status_is_not_ready_once_the_agent_is_gone(self):
        # Issue 17: status read the state file only and said ready after the
        # agent had exited. A clean exit says so; a killed agent's heartbeat
        # goes stale (here aged by hand: the real limit is over a minute).
        state_path = os.path.join(self.config_dir, "irsa-agent-state.json")
        for how in ("sigterm", "sigkill"):
            agent = self.start_agent()
            self.wait_for_config(5)
            self.assertTrue(wait_until(lambda: self.status().returncode == 0, 5), how)
            doc = json.loads(self.status("--json").stdout)
            self.assertLessEqual(abs(doc["heartbeat_at"] - time.time()), 15)
            self.assertGreater(doc["heartbeat_max_age"], 30)
            if how == "sigterm":
                self.assertEqual(agent.stop()[0], 0)
                after = self.status()
                self.assertEqual(after.returncode, 1, after.stdout)
                self.assertRegex(after.stdout, r"^not ready: the agent stopped at \S+Z\n$")
            else:
                agent.proc.kill()
                agent.proc.wait(5)
                with open(state_path) as f:
                    doc = json.load(f)
                doc["heartbeat_at"] -= 3600
                with open(state_path, "w") as f:
                    json.dump(doc, f)
                after = self.status()
                self.assertEqual(after.returncode, 1, after.stdout)
                self.assertRegex(after.stdout, r"^not ready: no heartbeat for 36\d\d s")
            os.unlink(state_path)

    def test_status_without_an_agent(self):
        result = self.status()
        self.assertEqual(result.returncode, 1)
        self.assertIn("not ready: no state file", result.stdout)

    def test_status_escapes_the_state_files_strings(self):
        # The state file's folder is writable by the user's container: its
        # strings must not drive the terminal of whoever runs `status`.
        hostile = "\x1b]0;pwned\x07\x1b[2J\r\x9b31m"
        state = {"version": "x", "pid": 1, "started_at": 1, "last_error": "boom " + hostile,
                 "heartbeat_at": time.time(), "heartbeat_max_age": 600,
                 "last_error_kind": "transient", "consecutive_failures": 1,
                 "config_file": self.config + hostile, "config_hash": "", "profiles": [hostile]}
        for success in (False, True):
            if success:
                state["last_success_at"] = 1
            with open(os.path.join(self.config_dir, "irsa-agent-state.json"), "w") as f:
                json.dump(state, f)
            for extra in ((), ("--json",)):
                result = subprocess.run(
                    [self.agent, "status", "--aws-config-file", self.config, *extra],
                    capture_output=True, timeout=10, env=harness.clean_environment())
                self.assertEqual(result.returncode, 1, result)
                for raw in (b"\x1b", b"\x07", b"\r", b"\xc2\x9b", b"\x9b"):
                    self.assertNotIn(raw, result.stdout, (success, extra, result.stdout))
                if not extra:
                    self.assertIn(b"\\x1b]0;pwned\\x07", result.stdout)
                else:
                    doc = json.loads(result.stdout)
                    self.assertIn(hostile, doc.get("last_error", doc["reason"]))

    def test_sighup_syncs_at_once(self):
        agent = self.start_agent()
        self.wait_for_calls(1, 5)
        time.sleep(1.1)
        sent = time.monotonic()
        agent.signal(signal.SIGHUP)
        self.assertLess(self.wait_for_calls(2, 2) - sent, 0.5)
        self.assertEqual(agent.stop()[0], 0)

    def test_sigterm_and_sigint_end_within_a_second_without_temp_files(self):
        for signo in (signal.SIGTERM, signal.SIGINT):
            calls = len(self.service.mapping_requests())
            agent = self.start_agent()
            self.wait_for_calls(calls + 1, 5)
            start = time.monotonic()
            agent.signal(signo)
            code = agent.proc.wait(5)
            self.assertEqual(code, 0)
            self.assertLess(time.monotonic() - start, 1.0)
            leftovers = [n for n in os.listdir(self.config_dir) if ".tmp" in n]
            self.assertEqual(leftovers, [])

    def test_sigterm_during_a_hanging_request(self):
        self.service.set_answer(Reply.hang())
        agent = self.start_agent("--request-timeout", "30")
        self.wait_for_calls(1, 5)
        code, seconds = agent.stop()
        self.assertEqual(code, 0)
        self.assertLess(seconds, 1.5)

    def test_listener_healthz_and_refresh(self):
        port = harness.free_port()
        agent = self.start_agent("--listen", f"127.0.0.1:{port}")
        self.wait_for_config()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            self.assertEqual(json.loads(r.read()), {"status": "Healthy"})
        self.service.set_answer(answer_for(pairs("role-a", "role-z")))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/refresh", timeout=5) as r:
            body = json.loads(r.read())
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["profiles"], ["role-a", "role-z"])
        self.assertIn(b"role-z", self.read_config())
        self.assertEqual(agent.stop()[0], 0)

    def test_idle_connections_delay_neither_healthz_nor_sigterm(self):
        port = harness.free_port()
        agent = self.start_agent("--listen", f"127.0.0.1:{port}")
        self.wait_for_config()
        idle = []
        self.addCleanup(lambda: [s.close() for s in idle])

        def hold_eight_open():
            for s in idle:
                s.close()
            idle[:] = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(8)]
            idle[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: loc")  # and one half-sent request

        hold_eight_open()
        slowest = 0.0
        for _ in range(5):
            start = time.monotonic()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                self.assertEqual(json.loads(r.read()), {"status": "Healthy"})
            slowest = max(slowest, time.monotonic() - start)
        print(f"\n/healthz with 8 idle connections open: slowest of 5 {slowest * 1000:.1f} ms")
        self.assertLess(slowest, 0.1)

        # Each idle connection is answered 408 and closed after its 2 s.
        start = time.monotonic()
        answer = idle[1].recv(4096)
        self.assertTrue(answer.startswith(b"HTTP/1.1 408 "), answer)
        self.assertLess(time.monotonic() - start, 2.5)

        hold_eight_open()
        time.sleep(0.05)
        code, seconds = agent.stop()
        print(f"exit after SIGTERM with 8 idle connections open: {seconds * 1000:.0f} ms")
        self.assertEqual(code, 0)
        self.assertLess(seconds, 1.0)

    def test_healthz_answers_during_a_hanging_sync_and_refresh_waits_for_the_next(self):
        port = harness.free_port()
        self.service.set_answer(Reply.hang())
        agent = self.start_agent("--listen", f"127.0.0.1:{port}", "--request-timeout", "30")
        self.wait_for_calls(1, 5)
        start = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            self.assertEqual(r.status, 200)
        self.assertLess(time.monotonic() - start, 1.5)  # libcurl's progress calls: >= 1/s
        # A refresh asked during the hanging sync is answered by the one after it.
        result = {}

        def refresh():
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/refresh", timeout=10)
            except urllib.error.HTTPError as e:
                result["status"], result["body"] = e.code, json.loads(e.read())
            except OSError as e:
                result["error"] = repr(e)

        thread = threading.Thread(target=refresh)
        thread.start()
        time.sleep(1.5)  # served at libcurl's next progress call
        code, seconds = agent.stop()
        thread.join(5)
        self.assertEqual(code, 0)
        self.assertLess(seconds, 1.5)
        self.assertEqual(result.get("status"), 503, result)
        self.assertEqual(result["body"]["error"], "shutting down")

    def test_listener_refuses_non_loopback_addresses(self):
        result = self.run_agent(["run", *self.agent_args("--listen", "0.0.0.0:6003")])
        self.assertEqual(result.returncode, 2)
        self.assertIn("listen", result.stderr)


class ConcurrentReaderTest(RunTestCase):
    def test_strict_reader_always_sees_a_complete_file(self):
        names = [f"role-{i:03d}" for i in range(40)]
        # min-backoff's floor (0.1 s) spaces the SIGHUP syncs: 200 take 20 s or more.
        agent = self.start_agent("--min-backoff", "0.1", "--max-backoff", "0.1")
        self.wait_for_config()
        stop = threading.Event()
        reads = {"ok": 0, "bad": []}

        def reader():
            while not stop.is_set():
                parser = configparser.ConfigParser(strict=True, interpolation=None)
                with open(self.config, encoding="utf-8") as f:
                    text = f.read()
                try:
                    parser.read_string(text)
                    sections = parser.sections()
                    if not sections or len(sections) % 2:
                        raise ValueError(f"{len(sections)} sections")
                    reads["ok"] += 1
                except (configparser.Error, ValueError) as e:
                    reads["bad"].append(str(e))

        thread = threading.Thread(target=reader)
        thread.start()
        rewrites = 0
        deadline = time.monotonic() + 120
        while rewrites < 200 and time.monotonic() < deadline:
            count = 1 + rewrites % len(names)
            self.service.set_answer(answer_for(pairs(*names[:count])))
            before = self.read_config()
            agent.signal(signal.SIGHUP)
            if wait_until(lambda: self.read_config() != before, 2, interval=0.001):
                rewrites += 1
        stop.set()
        thread.join(10)
        self.assertGreaterEqual(rewrites, 200)
        self.assertEqual(reads["bad"], [])
        self.assertGreater(reads["ok"], 200)
        self.assertEqual(agent.stop()[0], 0)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""The command line as a new user meets it (issue 17, items 12, 14 and 17).

* boolean flags alone mean true (DEPLOYMENT's `--listen-any` example);
* `once --timeout T` keeps retrying until T is spent;
* per-command help (`help run`, `run --help`), `version` and `version --json`,
  a warning for a flag the command ignores, "did you mean" for a misspelt
  flag, JSON error lines under `--log-format json` (numbers as numbers),
  and `completion bash` working in bash;
* sts-endpoint refused at start where it is used (items 10 and 11), never
  written into the config, ignored where it is not used.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_cli.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import AgentTestCase, answer_for, clean_environment, free_port  # noqa: E402

RUN_ID = "6527182438a6346046006654"
PAIRS = [("role-a", "arn:aws:iam::524112250363:role/role-a",
          "arn:aws:iam::946429944765:role/role-a")]


class CliTest(AgentTestCase):

    def setUp(self):
        super().setUp()
        self.mapping = self.path("mapping.conf")
        with open(self.mapping, "w") as f:
            f.write(answer_for(PAIRS))
        self.config = self.path("aws", "config")
        os.makedirs(os.path.dirname(self.config))

    def once_args(self, *extra: str) -> list:
        return ["once", "--mapping-file", self.mapping, "--run-id", RUN_ID,
                "--aws-config-file", self.config, "--web-identity-token-file",
                self.path("token"), *extra]

    # --- item 12 --------------------------------------------------------------------
    def test_a_boolean_flag_alone_does_not_swallow_the_next_word(self):
        # once ignores --listen-any (a warning), and the path after it is still
        # --aws-config-file's value: the config is written where it says.
        result = self.run_agent(["once", "--listen-any", "--aws-config-file", self.config,
                                 "--mapping-file", self.mapping, "--run-id", RUN_ID])
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertTrue(os.path.exists(self.config))
        self.assertIn("irsa-agent: warning: --listen-any is not used by once (ignored)",
                      result.stderr_lines)
        result = self.run_agent(["reap", "--once", "--dry-run", "--cluster", "x", "--kube-api",
                                 "https://127.0.0.1:9", "--region", "us-east-1",
                                 "--request-timeout", "1"], timeout=60)
        self.assertNotIn("unexpected argument", result.stderr)
        self.assertNotEqual(result.returncode, 2, result.describe())

    # --- item 14 --------------------------------------------------------------------
    def test_once_retries_until_the_timeout_is_spent(self):
        port = free_port()  # nothing listens: every attempt fails at once
        result = self.run_agent(["once", "--endpoint", f"http://127.0.0.1:{port}/map",
                                 "--run-id", RUN_ID, "--api-key", "k" * 40,
                                 "--aws-config-file", self.config, "--timeout", "10",
                                 "--min-backoff", "1", "--max-backoff", "30"], timeout=30)
        self.assertEqual(result.returncode, 1, result.describe())
        # The last attempt keeps 1 s of the budget (request-timeout is 10):
        # about 9 s. Before the fix it stopped near 4 s.
        self.assertGreaterEqual(result.seconds, 8.5, result.describe())
        self.assertLess(result.seconds, 15, result.describe())
        self.assertIn("giving up: timeout reached", result.stderr)

    # --- item 17 --------------------------------------------------------------------
    def test_run_failure_lines_give_the_next_retry(self):
        port = free_port()
        log_path = self.path("run.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [self.agent, "run", "--endpoint", f"http://127.0.0.1:{port}/map",
                 "--run-id", RUN_ID, "--api-key", "k" * 40, "--aws-config-file", self.config,
                 "--web-identity-token-file", self.path("token"), "--min-backoff", "0.2",
                 "--max-backoff", "0.5", "--log-format", "json"],
                stdout=subprocess.DEVNULL, stderr=log, env=clean_environment())
            try:
                failed = []
                deadline = time.monotonic() + 10
                while len(failed) < 2 and time.monotonic() < deadline:
                    time.sleep(0.1)
                    with open(log_path) as f:
                        lines = [json.loads(line) for line in f if line.strip()]
                    failed = [line for line in lines if line["msg"] == "sync failed"]
            finally:
                proc.terminate()
                proc.wait(10)
        self.assertGreaterEqual(len(failed), 2, lines)
        for line in failed:
            self.assertIsInstance(line["retry_in"], float)
            self.assertLessEqual(line["retry_in"], 0.5)
            self.assertIsInstance(line["consecutive_failures"], int)

    def test_per_command_help(self):
        for args in (["help", "run"], ["run", "--help"]):
            result = self.run_agent(args)
            self.assertEqual(result.returncode, 0, result.describe())
            self.assertTrue(result.stdout.startswith("Usage: irsa-agent run [OPTIONS]\n"),
                            result.stdout)
            self.assertIn("--refresh-interval SECONDS", result.stdout)
            self.assertNotIn("--cluster", result.stdout)
        general = self.run_agent(["--help"])
        self.assertIn("completion", general.stdout)
        self.assertIn("--cluster", general.stdout)
        man = self.run_agent(["help", "--man"])
        self.assertTrue(man.stdout.startswith(".TH IRSA\\-AGENT 1"), man.stdout[:80])

    def test_version_text_and_json(self):
        text = self.run_agent(["--version"])
        self.assertEqual(text.returncode, 0, text.describe())
        first = text.stdout_lines[0]
        self.assertRegex(first, r"^irsa-agent \d+\.\d+\.\d+ \(commit \S+, \S+, (static|dynamic)\)$")
        self.assertRegex(text.stdout_lines[1], r"^libcurl \d+\.\d+")
        self.assertIn("OpenSSL", text.stdout)
        doc = json.loads(self.run_agent(["version", "--json"]).stdout)
        self.assertEqual(set(doc), {"version", "commit", "build_type", "linkage", "libcurl",
                                    "libcurl_tls", "openssl"})
        self.assertIn(doc["linkage"], ("static", "dynamic"))
        self.assertRegex(doc["libcurl"], r"^\d+\.\d+")
        self.assertEqual(json.loads(self.run_agent(["--version", "--json"]).stdout), doc)

    def test_did_you_mean(self):
        result = self.run_agent(["once", "--tiemout", "5"])
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr,
                         "irsa-agent: error: unknown flag --tiemout (did you mean --timeout?)\n")

    def test_json_log_format_numbers_and_the_final_error_line(self):
        port = free_port()
        result = self.run_agent(["once", "--endpoint", f"http://127.0.0.1:{port}/map",
                                 "--run-id", RUN_ID, "--api-key", "k" * 40,
                                 "--aws-config-file", self.config, "--timeout", "2",
                                 "--min-backoff", "0.5", "--max-backoff", "0.5",
                                 "--log-format", "json"], timeout=30)
        self.assertEqual(result.returncode, 1, result.describe())
        lines = [json.loads(line) for line in result.stderr_lines]  # every line is JSON
        retries = [line for line in lines if line["msg"] == "sync failed, retrying"]
        self.assertTrue(retries, result.stderr)
        self.assertIsInstance(retries[0]["retry_in"], float)
        gave_up = [line for line in lines if line["msg"] == "giving up: timeout reached"]
        self.assertIsInstance(gave_up[0]["attempts"], int)
        self.assertEqual(lines[-1]["level"], "error")
        self.assertIn("127.0.0.1", lines[-1]["msg"])
        # A settings error is a JSON line too.
        bad = self.run_agent(["once", "--log-format", "json", "--timeout", "x"])
        self.assertEqual(bad.returncode, 2)
        error = json.loads(bad.stderr)
        self.assertEqual(error["level"], "error")
        self.assertTrue(error["msg"].startswith("--timeout: "), error)

    def test_bash_completion(self):
        bash = shutil.which("bash")
        if bash is None:
            self.fail("bash is needed for this test")
        script = self.path("completion.bash")
        with open(script, "w") as f:
            f.write(self.run_agent(["completion", "bash"]).stdout)

        def complete(*words: str) -> list:
            line = " ".join(f"'{w}'" for w in words)
            program = (f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                       "_irsa_agent; printf '%s\\n' \"${COMPREPLY[@]}\"")
            out = subprocess.run([bash, "-c", program], capture_output=True, text=True,
                                 timeout=10, env=clean_environment())
            self.assertEqual(out.returncode, 0, out.stderr)
            return out.stdout.split()

        self.assertIn("reap", complete("irsa-agent", "re"))
        self.assertEqual(complete("irsa-agent", "run", "--refresh-i"), ["--refresh-interval"])
        self.assertEqual(complete("irsa-agent", "reap", "--dry"), ["--dry-run"])
        self.assertEqual(complete("irsa-agent", "once", "--dry"), [])
        self.assertIn("run", complete("irsa-agent", "help", ""))

    def test_an_error_naming_a_default_path_names_its_setting(self):
        result = self.run_agent(["once", "--endpoint", "http://127.0.0.1:9/map",
                                 "--aws-config-file", self.config,
                                 "--pod-info-path", self.path("no-labels")])
        self.assertEqual(result.returncode, 4, result.describe())
        self.assertIn("labels file (pod-info-path) ", result.stderr)
        result = self.run_agent(["once", "--endpoint", "http://127.0.0.1:9/map",
                                 "--aws-config-file", self.config, "--run-id", RUN_ID,
                                 "--domino-token-file", self.path("no-token")])
        self.assertEqual(result.returncode, 4, result.describe())
        self.assertIn("token file (domino-token-file) ", result.stderr)

    # --- items 10 and 11 ---------------------------------------------------------
    def test_sts_endpoint_refused_where_used_and_never_written(self):
        password = self.add_secret("sts-endpoint password", "hunter2-" + "p" * 12)
        bad = [f"https://user:{password}@sts.example.com/",
               "https://sts.example.com/?X-Amz-Security-Token=abc",
               "https://sts.example.com/a/../b",
               "http://sts.example.com/"]
        for url in bad:
            for how in ("flag", "env"):
                args = self.once_args("--profile-style", "process")
                env = {}
                if how == "flag":
                    args += ["--sts-endpoint", url]
                else:
                    env["AWS_ENDPOINT_URL_STS"] = url
                result = self.run_agent(args, env=env)
                self.assertEqual(result.returncode, 2, (url, how, result.describe()))
                self.assertTrue(result.stderr.startswith("irsa-agent: error: sts-endpoint ("),
                                result.stderr)
                self.assertFalse(os.path.exists(self.config), (url, how))
                # credentials, reap and doctor --sts refuse it too.
                for other in (["credentials", "x", "--socket", self.path("none.sock")],
                              ["reap", "--once", "--cluster", "c"],
                              ["doctor", "--sts", "--mapping-file", self.mapping]):
                    result = self.run_agent(other, env={"AWS_ENDPOINT_URL_STS": url})
                    self.assertEqual(result.returncode, 2, (other, url, result.describe()))
                    self.assertIn("sts-endpoint (env AWS_ENDPOINT_URL_STS)", result.stderr)
            # Commands that never call STS ignore it (chain style writes no
            # sts-endpoint: the SDKs read AWS_ENDPOINT_URL_STS themselves).
            result = self.run_agent(self.once_args(), env={"AWS_ENDPOINT_URL_STS": url})
            self.assertEqual(result.returncode, 0, (url, result.describe()))
            with open(self.config) as f:
                self.assertNotIn("sts.example.com", f.read())
            status = self.run_agent(["status", "--aws-config-file", self.config],
                                    env={"AWS_ENDPOINT_URL_STS": url})
            self.assertNotEqual(status.returncode, 2, status.describe())
            os.unlink(self.config)


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""Integration tests of `irsa-agent once` against the stand-in mapping service.

Every test runs the built binary ($IRSA_AGENT_BIN) as a user would and checks
the exit code, the one-line message, what the service received, and that no
secret (Domino JWT, API key, web identity token) appears in any output or
written file. Every failing run must leave the PREVIOUS config file
byte-identical and no temp file behind.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_once.py
"""

from __future__ import annotations

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (REFERENCE_ANSWER, REFERENCE_PROFILES, SERVICE_TOKEN_PATH,  # noqa: E402
                     AgentTestCase, AtomicDir, FileState, answer_for, domino_labels,
                     format_labels, make_api_key, make_jwt, make_pki, parse_aws_config,
                     profiles_of, write_labels)
from stand_in_service import Reply  # noqa: E402

from harness import ENDPOINT_PATH, PREVIOUS_CONFIG  # noqa: E402

# Fast retries so time-out tests stay short.
FAST = {"min-backoff": "0.1", "max-backoff": "0.2", "timeout": "10", "request-timeout": "5"}


class OnceTest(AgentTestCase):

    def setUp(self):
        super().setUp()
        self.run_id = os.urandom(12).hex()  # 24 hex digits, like Domino's ids
        self.podinfo = AtomicDir(self.path("podinfo"))
        self.labels_file = write_labels(self.podinfo, domino_labels(self.run_id))

        self.domino_token = make_jwt(iss="https://domino.example/auth/realms/DominoRealm",
                                     sub=os.urandom(16).hex(), aud="domino-play")
        self.token_file = self.write_domino_token(self.domino_token, "home", ".api", "token")

        self.serviceaccount = AtomicDir(self.path("serviceaccount"))
        self.web_identity_token = make_jwt()
        self.write_web_identity_token(self.serviceaccount, self.web_identity_token)

        self.aws_dir = self.path("aws")
        os.makedirs(self.aws_dir)
        self.config = os.path.join(self.aws_dir, "config")
        with open(self.config, "wb") as f:
            f.write(PREVIOUS_CONFIG)
        os.chmod(self.config, 0o644)
        self.previous = FileState.of(self.config)

    # --- helpers ----------------------------------------------------------------
    def once(self, service=None, *extra: str, endpoint: str | None = None,
             env=None, limit: float = 30, umask=None, **settings):
        """Runs `irsa-agent once` with this test's paths, FAST retries, the
        service's endpoint, `settings` (flag name with '_' for '-'; None drops
        the flag) and `extra` arguments; kills it after `limit` seconds."""
        flags = {
            "endpoint": endpoint or (service.url(ENDPOINT_PATH) if service else None),
            "aws-config-file": self.config,
            "web-identity-token-file": self.serviceaccount.file("token"),
            "domino-token-file": self.token_file,
            "pod-info-path": self.labels_file,
            **FAST,
        }
        flags.update({k.replace("_", "-"): v for k, v in settings.items()})
        args = ["once"]
        for name, value in flags.items():
            if value is not None:
                args += [f"--{name}", str(value)]
        return self.run_agent(args + list(extra), env=env, timeout=limit, umask=umask)

    def assert_failed_cleanly(self, result, exit_code, *fragments):
        """The error contract of a failure, plus the previous config intact
        and nothing left in its folder."""
        line = self.assert_error(result, exit_code, *fragments)
        self.assert_unchanged(self.config, self.previous)
        self.assert_only_files(self.aws_dir, ["config"])
        return line

    def assert_mapping_request(self, request, run_id=None, workload_type=None,
                               bearer=None, api_key=None):
        """The request is the mapping call of docs/WIRE.md."""
        self.assertEqual(request.method, "POST")
        self.assertEqual(request.path, ENDPOINT_PATH)
        content_type = request.header("Content-Type") or ""
        self.assertEqual(content_type.split(";")[0].strip().lower(), "application/json")
        expected = {"run_id": run_id or self.run_id}
        if workload_type is not None:
            expected["irsa_workload_type"] = workload_type
        self.assertEqual(request.json(), expected)
        if api_key is None:
            self.assertEqual(request.header_values("Authorization"),
                             ["Bearer " + (bearer or self.domino_token)],
                             "Authorization must be exactly 'Bearer <token>'")
            self.assertEqual(request.header_values("X-Domino-Api-Key"), [])
        else:
            self.assertEqual(request.header_values("X-Domino-Api-Key"), [api_key],
                             "X-Domino-Api-Key must be exactly the key")
            self.assertEqual(request.header_values("Authorization"), [])

    def assert_reference_config(self, sections, token_path=None, region=None):
        """`sections` (botocore's view) hold the reference answer's 4 profiles,
        chained, with the agent's web identity token path."""
        token_path = token_path or self.serviceaccount.file("token")
        profiles = profiles_of(sections)
        names = set(REFERENCE_PROFILES) | {"src_" + n for n in REFERENCE_PROFILES}
        self.assertEqual(set(profiles), names)
        for name in REFERENCE_PROFILES:
            target, source = profiles[name], profiles["src_" + name]
            self.assertEqual(target["source_profile"], "src_" + name)
            self.assertEqual(target["role_arn"], f"arn:aws:iam::524112250363:role/{name}")
            self.assertNotIn("web_identity_token_file", target)
            self.assertEqual(source["web_identity_token_file"], token_path)
            self.assertEqual(source["role_arn"], f"arn:aws:iam::946429944765:role/{name}")
            self.assertNotIn("source_profile", source)
            if region is not None:
                self.assertEqual(target.get("region"), region)
                self.assertEqual(source.get("region"), region)

    def wait_until(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not predicate() and time.monotonic() < deadline:
            time.sleep(0.02)
        return predicate()

    # --- who is asking ----------------------------------------------------------
    def test_token_file_first_generation(self):
        service = self.start_service(REFERENCE_ANSWER)
        result = self.once(service)
        line = self.assert_success_line(result, "wrote 2 profiles", self.config)
        self.assertIn("acme-update-bucket-role", line)
        requests = service.requests
        self.assertEqual(len(requests), 1, [r.path for r in requests])
        self.assert_mapping_request(requests[0])
        self.assert_reference_config(parse_aws_config(self.config))
        self.assert_only_files(self.aws_dir, ["config"])

    def test_token_file_later_generation_sends_workload_type(self):
        write_labels(self.podinfo, domino_labels(self.run_id, workload_type="cluster-worker"))
        service = self.start_service(REFERENCE_ANSWER)
        result = self.once(service)
        self.assert_success_line(result, "wrote 2 profiles")
        self.assertEqual(len(service.requests), 1)
        self.assert_mapping_request(service.requests[0], workload_type="cluster-worker")

    def test_labels_with_escaped_values_are_parsed(self):
        # Users control some label values; the kubelet escapes them like %q.
        labels = domino_labels(self.run_id, workload_type="edge-workload")
        labels["dominodatalab.com/project-name"] = 'a "quoted"\tname \\ é ☃ \x7f\u200b'
        labels["dominodatalab.com/hardware-tier"] = "small\nlarge"
        write_labels(self.podinfo, labels)
        with open(self.labels_file, "rb") as f:
            text = f.read()
        self.assertFalse(text.endswith(b"\n"))
        self.assertIn(rb'\"quoted\"\tname \\ ', text)
        self.assertIn(rb"\x7f\u200b", text)
        service = self.start_service(REFERENCE_ANSWER)
        self.assert_success_line(self.once(service), "wrote 2 profiles")
        self.assert_mapping_request(service.requests[0], workload_type="edge-workload")

    def test_token_from_api_proxy(self):
        os.unlink(self.token_file)
        proxy_token = make_jwt(iss="https://domino.example/auth/realms/DominoRealm",
                               sub=os.urandom(16).hex(), aud="domino-play")
        self.add_secret("proxy token", proxy_token)
        service = self.start_service(REFERENCE_ANSWER, access_token=proxy_token + "\n")
        result = self.once(service, api_proxy=f"http://127.0.0.1:{service.port}")
        self.assert_success_line(result, "wrote 2 profiles")
        requests = service.requests
        self.assertEqual([(r.method, r.path) for r in requests],
                         [("GET", "/access-token"), ("POST", ENDPOINT_PATH)])
        self.assert_mapping_request(requests[1], bearer=proxy_token)
        self.assert_reference_config(parse_aws_config(self.config))

    def test_api_key_with_run_id(self):
        os.unlink(self.token_file)
        api_key = self.add_secret("API key", make_api_key())
        run_id = os.urandom(12).hex()
        service = self.start_service(REFERENCE_ANSWER)
        result = self.once(service, pod_info_path=self.path("no-podinfo", "labels"),
                           run_id=run_id, api_key=api_key)
        self.assert_success_line(result, "wrote 2 profiles")
        self.assertEqual(len(service.requests), 1)
        self.assert_mapping_request(service.requests[0], run_id=run_id, api_key=api_key)

    def test_token_file_whitespace_is_trimmed(self):
        with open(self.token_file, "w") as f:
            f.write("  " + self.domino_token + "\r\n\n")
        service = self.start_service(REFERENCE_ANSWER)
        self.assert_success_line(self.once(service), "wrote 2 profiles")
        self.assert_mapping_request(service.requests[0])

    def test_reference_deployment_environment(self):
        """The variables of docs/FORMATS.md, no flags: the sidecar (token
        file, later-generation endpoint) and a manual re-run in a workspace
        (no labels, no token file: DOMINO_RUN_ID and DOMINO_USER_API_KEY)."""
        service = self.start_service(REFERENCE_ANSWER)
        base = {"AWS_CONFIG_FILE": self.config,
                "AWS_WEB_IDENTITY_TOKEN_FILE": self.serviceaccount.file("token")}
        fast = [arg for name, value in FAST.items() for arg in (f"--{name}", value)]
        with self.subTest("sidecar"):
            env = dict(base, DOMINO_IRSA_ENDPOINT=service.url(ENDPOINT_PATH),
                       DOMINO_TOKEN_FILE=self.token_file, POD_INFO_PATH=self.labels_file)
            result = self.run_agent(["once", *fast], env=env)
            self.assert_success_line(result, "wrote 2 profiles", self.config)
            self.assert_mapping_request(service.requests[-1])
        with self.subTest("workspace re-run"):
            os.unlink(self.config)
            api_key = self.add_secret("API key", make_api_key())
            run_id = os.urandom(12).hex()
            env = dict(base, IAM_SA_MAPPING_ENDPOINT=service.url(ENDPOINT_PATH),
                       DOMINO_TOKEN_FILE=self.path("absent-token"),
                       POD_INFO_PATH=self.path("absent-labels"),
                       DOMINO_RUN_ID=run_id, DOMINO_USER_API_KEY=api_key)
            result = self.run_agent(["once", *fast], env=env)
            self.assert_success_line(result, "wrote 2 profiles", self.config)
            self.assert_mapping_request(service.requests[-1], run_id=run_id, api_key=api_key)
        self.assert_reference_config(parse_aws_config(self.config))

    # --- HTTPS --------------------------------------------------------------------
    def test_https_with_ca_file(self):
        pki = make_pki(self.path("pki"), "good")
        service = self.start_service(REFERENCE_ANSWER, tls_cert=pki.server_cert,
                                     tls_key=pki.server_key)
        self.assertTrue(service.url().startswith("https://127.0.0.1:"))
        result = self.once(service, ca_file=pki.ca_cert)
        self.assert_success_line(result, "wrote 2 profiles")
        self.assertEqual(len(service.requests), 1)
        self.assert_mapping_request(service.requests[0])

    def test_https_refuses_an_unknown_ca(self):
        good = make_pki(self.path("pki"), "good")
        other = make_pki(self.path("pki"), "other")
        service = self.start_service(REFERENCE_ANSWER, tls_cert=good.server_cert,
                                     tls_key=good.server_key)
        for label, ca_file in (("another CA", other.ca_cert), ("system CAs only", None)):
            with self.subTest(label):
                result = self.once(service, ca_file=ca_file, timeout="1.5")
                self.assert_failed_cleanly(result, 1, "127.0.0.1")
                self.assertEqual(service.requests, [], "no request may pass a failed handshake")
                self.assertGreaterEqual(service.tls_failures, 1)

    # --- retries and refusals -------------------------------------------------------
    def test_404_then_success(self):
        service = self.start_service(REFERENCE_ANSWER)
        service.push(Reply.not_found(), Reply.not_found())
        result = self.once(service)
        self.assert_success_line(result, "wrote 2 profiles")
        requests = service.mapping_requests()
        self.assertEqual(len(requests), 3)
        for request in requests:
            self.assert_mapping_request(request)
        self.assertLess(result.seconds, 5)
        self.assert_reference_config(parse_aws_config(self.config))

    def test_retry_after_is_honoured(self):
        service = self.start_service(REFERENCE_ANSWER)
        service.push(Reply.server_error(extra_headers=(("Retry-After", "1"),)))
        result = self.once(service, max_backoff="5")
        self.assert_success_line(result, "wrote 2 profiles")
        requests = service.mapping_requests()
        self.assertEqual(len(requests), 2)
        gap = requests[1].time - requests[0].time
        self.assertGreaterEqual(gap, 0.9, "Retry-After: 1 was not honoured")
        self.assertLess(gap, 5)

    def test_refusals_exit_3_at_once(self):
        service = self.start_service()
        for reply, status in ((Reply.unauthorized(), "401"), (Reply.forbidden(), "403"),
                              (Reply.status_page(400), "400")):
            with self.subTest(status):
                service.clear_requests()
                service.set_answer(reply)
                result = self.once(service)  # timeout 10: a retry would show
                self.assert_failed_cleanly(result, 3, status)
                self.assertEqual(len(service.mapping_requests()), 1, "a refusal is not retried")
                self.assertLess(result.seconds, 3)

    def test_500_until_timeout_exits_1(self):
        service = self.start_service(Reply.server_error())
        result = self.once(service, timeout="1.5")
        self.assert_failed_cleanly(result, 1, "500")
        self.assertGreaterEqual(len(service.mapping_requests()), 3, "500 must be retried")
        self.assertGreater(result.seconds, 0.9)
        self.assertLess(result.seconds, 4)

    def test_garbage_answer_exits_5_after_timeout(self):
        service = self.start_service(Reply.garbage("<html>oops</html>"))
        result = self.once(service, timeout="1.5")
        self.assert_failed_cleanly(result, 5)
        self.assertGreaterEqual(len(service.mapping_requests()), 2, "retried until the timeout")
        self.assertGreater(result.seconds, 0.9)
        self.assertLess(result.seconds, 4)

    def test_slow_unusable_answer_exits_5(self):
        # Every answer is unusable and takes 0.3 s; the wait is exactly 0.1 s.
        # Attempts start at about 0, 0.4 and 0.8 s, so the third has only
        # 0.2 s left before the 1 s timeout. Running out of time on that last
        # attempt must not turn "unusable answer" (5) into "unavailable" (1).
        service = self.start_service(Reply.garbage().delayed(0.3))
        result = self.once(service, timeout="1", min_backoff="0.1", max_backoff="0.1")
        self.assert_failed_cleanly(result, 5, "mapping answer")
        self.assertGreaterEqual(len(service.mapping_requests()), 2)

    def test_garbage_then_good_answer(self):
        service = self.start_service(REFERENCE_ANSWER)
        service.push(Reply.garbage())
        self.assert_success_line(self.once(service), "wrote 2 profiles")
        self.assertEqual(len(service.mapping_requests()), 2)

    def test_api_proxy_failures(self):
        os.unlink(self.token_file)
        service = self.start_service(REFERENCE_ANSWER)
        proxy = f"http://127.0.0.1:{service.port}"
        cases = (("401", Reply.unauthorized(), 3, {}),
                 ("302", Reply.redirect("http://127.0.0.1:1/access-token"), 3, {}),
                 ("500", Reply.server_error(), 1, {"timeout": "1.5"}),
                 ("never answers", Reply.hang(), 1, {"request_timeout": "1", "timeout": "2"}),
                 ("empty token", Reply(200, b"\n", (("Content-Type", "text/plain"),)), 4, {}))
        for label, reply, exit_code, settings in cases:
            with self.subTest(label):
                service.clear_requests()
                service.set_access_token_reply(reply)
                result = self.once(service, api_proxy=proxy, **settings)
                self.assert_failed_cleanly(result, exit_code, "api proxy")
                self.assertLess(result.seconds, 4.5)
                self.assertGreaterEqual(len(service.token_requests()), 1)
                self.assertEqual(service.mapping_requests(), [], "no mapping call without a token")

    def test_answer_over_1_mib_is_refused(self):
        # The body is comment lines: only its size can make the agent refuse it.
        size = 64 << 20
        service = self.start_service()
        for framing in ("length", "chunked", "close"):
            with self.subTest(framing):
                service.clear_requests()
                service.set_answer(Reply.huge(size, framing=framing))
                result = self.once(service, timeout="1.5")
                self.assert_failed_cleanly(result, 5, "1048576")
                self.assertLess(result.seconds, 5)
                requests = service.mapping_requests()
                self.assertGreaterEqual(len(requests), 1)
                self.assertTrue(self.wait_until(lambda: all(r.client_hung_up for r in requests)),
                                "the agent must hang up instead of reading the whole body")
                for request in requests:
                    self.assertLess(request.bytes_sent, size)

    def test_answer_of_exactly_1_mib_is_accepted(self):
        limit = 1 << 20
        padding_line = "# " + "p" * 61 + "\n"

        def padded(size):
            pad = size - len(REFERENCE_ANSWER) - 1
            body = REFERENCE_ANSWER + "\n" + padding_line * (pad // len(padding_line))
            return body + "#" * (size - len(body) - 1) + "\n"

        service = self.start_service(padded(limit))
        self.assertEqual(len(padded(limit)), limit)
        self.assert_success_line(self.once(service), "wrote 2 profiles")
        self.assert_reference_config(parse_aws_config(self.config))
        with self.subTest("one byte more"):
            os.unlink(self.config)
            with open(self.config, "wb") as f:
                f.write(PREVIOUS_CONFIG)
            self.previous = FileState.of(self.config)
            service.set_answer(padded(limit + 1))
            self.assert_failed_cleanly(self.once(service, timeout="1"), 5, "1048576")

    def test_empty_answer_removes_every_profile(self):
        # 200 with an empty body: the user has no roles (any more).
        service = self.start_service("")
        self.assert_success_line(self.once(service), "wrote 0 profiles")
        self.assertEqual(profiles_of(parse_aws_config(self.config)), {})

    def test_server_that_never_answers(self):
        service = self.start_service(Reply.hang())
        result = self.once(service, request_timeout="1", timeout="2")
        self.assert_failed_cleanly(result, 1)
        self.assertLess(result.seconds, 4.5)
        self.assertGreaterEqual(len(service.mapping_requests()), 1)

    def test_trickling_answer_is_cut_by_request_timeout(self):
        service = self.start_service(Reply.trickle(REFERENCE_ANSWER))
        result = self.once(service, request_timeout="1", timeout="2")
        self.assert_failed_cleanly(result, 1)
        self.assertLess(result.seconds, 4.5)

    def test_connection_closed_mid_answer(self):
        service = self.start_service(Reply.close_mid_answer(REFERENCE_ANSWER))
        result = self.once(service, timeout="1.5")
        self.assert_failed_cleanly(result, 1)
        self.assertGreaterEqual(len(service.mapping_requests()), 2, "retried until the timeout")

    def test_connection_refused_exits_1(self):
        service = self.start_service(REFERENCE_ANSWER)
        endpoint = service.url(ENDPOINT_PATH)
        service.stop()
        result = self.once(endpoint=endpoint, timeout="1.5")
        self.assert_failed_cleanly(result, 1, "127.0.0.1")

    def test_redirect_is_not_followed(self):
        target = self.start_service(REFERENCE_ANSWER)
        service = self.start_service()
        for status in (302, 301, 303, 307, 308):
            with self.subTest(status):
                service.clear_requests()
                service.set_answer(Reply.redirect(target.url(ENDPOINT_PATH), status))
                result = self.once(service)
                self.assert_failed_cleanly(result, 3, str(status))
                self.assertEqual(len(service.mapping_requests()), 1)
                self.assertEqual(target.requests, [], "the redirect target was contacted")
                self.assertEqual(target.credentialed_requests(), [])

    # --- output -----------------------------------------------------------------
    def test_print_writes_stdout_and_touches_no_file(self):
        service = self.start_service(REFERENCE_ANSWER)
        result = self.once(service, "--print", region="us-east-1")
        self.assertEqual(result.returncode, 0, result.describe())
        self.assert_reference_config(parse_aws_config(result.stdout, is_text=True),
                                     region="us-east-1")
        self.assert_unchanged(self.config, self.previous)
        self.assert_only_files(self.aws_dir, ["config"])
        # Without a previous file, none is created.
        missing = os.path.join(self.aws_dir, "new", "config")
        result = self.once(service, "--print", aws_config_file=missing)
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertFalse(os.path.lexists(missing))
        self.assertFalse(os.path.exists(os.path.dirname(missing)))

    def test_second_run_reports_unchanged(self):
        service = self.start_service(REFERENCE_ANSWER)
        self.assert_success_line(self.once(service), "wrote 2 profiles")
        first = FileState.of(self.config)
        time.sleep(0.05)  # so a rewrite would show in the mtime
        line = self.assert_success_line(self.once(service), "unchanged", "2 profiles")
        self.assertIn(self.config, line)
        self.assert_unchanged(self.config, first)
        self.assert_only_files(self.aws_dir, ["config"])

    def test_file_mode(self):
        service = self.start_service(REFERENCE_ANSWER)
        cases = (("default", {}, None, 0o644),
                 ("default under umask 077", {}, 0o077, 0o644),
                 ("0600", {"file_mode": "0600"}, None, 0o600),
                 ("0640 under umask 022", {"file_mode": "0640"}, 0o022, 0o640))
        for label, settings, umask, mode in cases:
            with self.subTest(label):
                os.unlink(self.config)
                result = self.once(service, umask=umask, **settings)
                self.assert_success_line(result, "wrote 2 profiles")
                self.assertEqual(os.stat(self.config).st_mode & 0o7777, mode,
                                 f"mode {oct(os.stat(self.config).st_mode & 0o7777)}")
        with self.subTest("same content, wrong mode: repaired"):
            os.chmod(self.config, 0o600)
            self.assertEqual(self.once(service).returncode, 0)
            self.assertEqual(os.stat(self.config).st_mode & 0o7777, 0o644)

    def test_reference_answer_uses_the_agents_token_path(self):
        service = self.start_service(REFERENCE_ANSWER)
        result = self.once(service, region="us-east-1")
        self.assert_success_line(result, "wrote 2 profiles")
        with open(self.config, encoding="utf-8") as f:
            text = f.read()
        self.assertNotIn(SERVICE_TOKEN_PATH, text)
        self.assertNotIn(os.path.basename(self.serviceaccount.current_dir()), text,
                         "the config must name the stable path, not the ..<timestamp> folder")
        self.assert_reference_config(parse_aws_config(self.config), region="us-east-1")

    def test_partially_bad_answer_keeps_the_good_pair(self):
        answer = answer_for([
            ("good-role", "arn:aws:iam::524112250363:role/good-role",
             "arn:aws:iam::946429944765:role/good-role"),
            ("broken-role", "arn:aws:iam::52411225036:role/broken-role",  # 11 digits
             "arn:aws:iam::946429944765:role/broken-role"),
        ])
        service = self.start_service(answer)
        result = self.once(service)
        line = self.assert_success_line(result, "wrote 1 profile")
        self.assertIn("good-role", line)
        self.assertNotIn("broken-role", line)
        self.assertIn("broken-role", result.stderr, "the dropped profile must be named")
        profiles = profiles_of(parse_aws_config(self.config))
        self.assertEqual(set(profiles), {"good-role", "src_good-role"})

    # --- local inputs -----------------------------------------------------------
    def test_labels_without_run_id_exit_4(self):
        write_labels(self.podinfo, {"app.kubernetes.io/component": "run",
                                    "dominodatalab.com/workload-type": "Workspace"})
        service = self.start_service(REFERENCE_ANSWER)
        result = self.once(service)
        self.assert_failed_cleanly(result, 4, self.labels_file)
        self.assertEqual(service.requests, [])

    def test_malformed_labels_exit_4(self):
        self.podinfo.write({"labels": format_labels(domino_labels(self.run_id)) +
                            b"\nbroken-line-without-equals"})
        service = self.start_service(REFERENCE_ANSWER)
        result = self.once(service)
        self.assert_failed_cleanly(result, 4, self.labels_file)
        self.assertEqual(service.requests, [])

    def test_missing_token_file_without_proxy_or_key_exits_4(self):
        os.unlink(self.token_file)
        service = self.start_service(REFERENCE_ANSWER)
        result = self.once(service)
        self.assert_failed_cleanly(result, 4, self.token_file)
        self.assertEqual(service.requests, [])

    def test_bad_flags_exit_2(self):
        service = self.start_service(REFERENCE_ANSWER)
        cases = (("unknown flag", ["--no-such-flag", "1"], {}),
                 ("bad number", [], {"timeout": "soon"}),
                 ("bad mode", [], {"file_mode": "rwx"}))
        for label, extra, settings in cases:
            with self.subTest(label):
                result = self.once(service, *extra, **settings)
                self.assert_failed_cleanly(result, 2)
        self.assertEqual(service.requests, [])

    def test_cannot_write_config_exits_6(self):
        blocker = self.path("not-a-folder")
        with open(blocker, "w") as f:
            f.write("x")
        service = self.start_service(REFERENCE_ANSWER)
        result = self.once(service, aws_config_file=os.path.join(blocker, "config"))
        self.assert_error(result, 6, blocker)
        self.assert_unchanged(self.config, self.previous)

    # --- secrets ----------------------------------------------------------------
    def test_endpoint_url_credentials_never_printed(self):
        password = self.add_secret("URL password", os.urandom(12).hex())
        query_key = self.add_secret("URL query key", os.urandom(12).hex())
        service = self.start_service(Reply.server_error())
        closed = self.start_service()
        closed.stop()  # nothing listens there: connection errors name the URL
        for port in (service.port, closed.port):
            for endpoint in (f"http://user:{password}@127.0.0.1:{port}{ENDPOINT_PATH}",
                             f"http://127.0.0.1:{port}{ENDPOINT_PATH}?key={query_key}"):
                for level in ("info", "debug"):
                    result = self.once(endpoint=endpoint, timeout="1", log_level=level)
                    self.assert_failed_cleanly(result, 1)

    def test_api_proxy_url_credentials_never_printed(self):
        os.unlink(self.token_file)
        password = self.add_secret("proxy URL password", os.urandom(12).hex())
        query_key = self.add_secret("proxy URL query key", os.urandom(12).hex())
        proxy_token = self.add_secret("proxy token", make_jwt(sub=os.urandom(8).hex()))
        service = self.start_service(Reply.unauthorized(), access_token=proxy_token)
        closed = self.start_service()
        closed.stop()
        cases = (("userinfo, mapping refused", f"http://u:{password}@127.0.0.1:{service.port}", 3),
                 ("userinfo, proxy down", f"http://u:{password}@127.0.0.1:{closed.port}", 1),
                 ("query, proxy 404", f"http://127.0.0.1:{service.port}/?key={query_key}", 3))
        for label, proxy, exit_code in cases:
            for level in ("info", "debug"):
                with self.subTest(label, log_level=level):
                    result = self.once(service, api_proxy=proxy, timeout="1", log_level=level)
                    self.assert_failed_cleanly(result, exit_code)

    def test_secrets_never_logged_in_debug_json(self):
        api_key = self.add_secret("API key", make_api_key())
        proxy_token = self.add_secret("proxy token", make_jwt(sub=os.urandom(8).hex()))
        debug = {"log_level": "debug", "log_format": "json"}

        def check_json_lines(result):
            for line in result.stderr_lines:
                if line.startswith("irsa-agent: error: "):
                    continue
                try:
                    self.assertIsInstance(json.loads(line), dict)
                except ValueError:
                    self.fail(f"stderr line is not JSON: {line!r}")

        service = self.start_service(REFERENCE_ANSWER, access_token=proxy_token)
        with self.subTest("token file"):
            result = self.once(service, **debug)
            self.assert_success_line(result, "wrote 2 profiles")
            self.assertTrue(result.stderr_lines, "debug logging printed nothing")
            check_json_lines(result)
        with self.subTest("refused token"):
            service.set_answer(Reply.unauthorized())
            result = self.once(service, **debug)
            self.assertEqual(result.returncode, 3, result.describe())
            check_json_lines(result)
        with self.subTest("redirect"):
            service.set_answer(Reply.redirect(f"http://127.0.0.1:1/?token={self.domino_token}"))
            result = self.once(service, **debug)
            self.assertEqual(result.returncode, 3, result.describe())
            check_json_lines(result)
        os.unlink(self.token_file)
        service.set_answer(REFERENCE_ANSWER)
        with self.subTest("api proxy"):
            result = self.once(service, api_proxy=f"http://127.0.0.1:{service.port}", **debug)
            self.assert_success_line(result, "2 profiles")
            check_json_lines(result)
        with self.subTest("api key, text format"):
            result = self.once(service, pod_info_path=self.path("none"), run_id=self.run_id,
                               api_key=api_key, log_level="debug")
            self.assert_success_line(result, "2 profiles")
        with self.subTest("api key refused"):
            service.set_answer(Reply.forbidden())
            result = self.once(service, pod_info_path=self.path("none"), run_id=self.run_id,
                               api_key=api_key, **debug)
            self.assertEqual(result.returncode, 3, result.describe())
            check_json_lines(result)
        with self.subTest("api key after a mistyped flag"):
            result = self.once(service, "--api-kee", api_key)
            self.assertEqual(result.returncode, 2, result.describe())


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""Runs the catalogue of hostile inputs and faults (catalogue.py) against the
real binary, one subtest per case.

For every case: a fresh scene with a PREVIOUS good config in place, the case's
setup, one `irsa-agent once`, then the checks every case shares:

* the exit code, and the message: the final "irsa-agent: error: " line, the
  `why` of a dropped-profile warning, or the stdout success line;
* every other stderr line is one JSON log object (no input split a line),
  and no output holds a control character (untrusted text never reaches a
  terminal raw);
* the effect on the config path: byte-identical (content, inode, mtime),
  only the valid pairs (re-rendered, nothing forbidden in it), or not created;
  the original config too when the case points the agent elsewhere;
* the config folder holds exactly what it held (plus the config when one was
  written): no temp file left behind;
* what the stand-in service received: nothing, one call or retries, and every
  call carried exactly the expected credential and run id;
* no secret (token, API key, their halves) in stdout, stderr or any file
  other than its own;
* the case's own check, if any.

A case marked `known_bug` fails with the note until the agent is fixed, then
fails again until the note is removed.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_catalogue.py
(IRSA_CATALOGUE_ONLY=id1,id2 runs only those cases). Needs root: the
filesystem cases mount tmpfs and bind mounts, and fail when they cannot.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import catalogue  # noqa: E402
import catalogue_table  # noqa: E402
from catalogue import (ANY, NONE, ONCE, PROXY_ACCOUNT, RETRIED, TARGET_ACCOUNT,  # noqa: E402
                       Case, Scene, command_line, snapshot)
from harness import (AgentResult, AgentTestCase, Secret, agent_binary,  # noqa: E402
                     clean_environment, parse_aws_config, profiles_of, run_agent)
from stand_in_service import StandInService  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLE_PATH = os.path.join(REPO, "docs", "CATALOGUE.md")
ERROR_PREFIX = "irsa-agent: error: "


class CatalogueTest(AgentTestCase):

    def setUp(self):
        super().setUp()
        self.scenes: list = []
        self.services: list = []

    def tearDown(self):
        # The safety net: each case cleans up after itself, but a failing
        # setup must not leave a mount behind for the next test run.
        problems = []
        for scene in self.scenes:
            try:
                scene.close()
            except AssertionError as e:
                problems.append(str(e))
        for service in self.services:
            service.stop()
        super().tearDown()
        if problems:
            self.fail("; ".join(problems))

    # --- the table itself -----------------------------------------------------------
    def test_table_is_well_formed(self):
        ids = [c.id for c in catalogue.CASES]
        self.assertEqual(len(ids), len(set(ids)), "case ids must be unique")
        self.assertGreaterEqual(len(ids), 60)
        for category, cases in catalogue.cases_by_category():
            self.assertTrue(cases, f"no case in category {category}")
        for c in catalogue.CASES:
            self.assertIn(c.category, catalogue.CATEGORIES, c.id)
            self.assertTrue(c.message, f"{c.id}: an expected message is required")
            self.assertIn(c.reach, (NONE, ONCE, RETRIED, ANY), c.id)
            if c.exit != 0:
                self.assertNotEqual(c.effect.kind, "pairs",
                                    f"{c.id}: a failure must not change the config")
            if c.dropped:
                self.assertEqual(c.exit, 0, f"{c.id}: dropped pairs are reported on success")

    def test_committed_table_is_current(self):
        with open(TABLE_PATH, encoding="utf-8") as f:
            committed = f.read()
        self.assertEqual(committed, catalogue_table.render(),
                         "docs/CATALOGUE.md is out of date: run "
                         "python3 tests/integration/catalogue_table.py > docs/CATALOGUE.md")

    # --- every case -------------------------------------------------------------------
    def test_catalogue(self):
        only = {i for i in os.environ.get("IRSA_CATALOGUE_ONLY", "").split(",") if i}
        cases = [c for c in catalogue.CASES if not only or c.id in only]
        self.assertTrue(cases, f"IRSA_CATALOGUE_ONLY={sorted(only)} matches no case")
        for case in cases:
            with self.subTest(case.id):
                self.run_case(case)

    def run_case(self, case: Case) -> None:
        # No case id in the path: the config names the token path, and the
        # forbidden strings of a case must not match its own folder name.
        root = tempfile.mkdtemp(prefix="irsa-cat-")
        service = self.start(catalogue.REFERENCE_ANSWER)
        scene = None
        try:
            scene = Scene(root, service, self.start,
                          lambda: run_agent(command_line(case, scene.vars(), scene.flags),
                                            env=self.env_of(case, scene), timeout=20))
            self.scenes.append(scene)
            self.tmp = root
            self.secrets = []
            self.secret_holders = set()
            if case.setup is not None:
                case.setup(scene)
            self.secrets = [Secret(label, value) for label, value in scene.secrets]
            self.secret_holders = set(scene.holders)
            try:
                self.check_case(case, scene)
            except AssertionError as e:
                if case.known_bug:
                    raise AssertionError(f"KNOWN BUG ({case.known_bug}): {e}") from None
                raise
            if case.known_bug:
                self.fail(f"{case.id} behaves correctly although marked known_bug "
                          f"({case.known_bug}): remove the note from catalogue.py")
        finally:
            if scene is not None:
                scene.close()
            for other in self.services:
                other.stop()
            self.services.clear()
            shutil.rmtree(root, ignore_errors=True)

    def start(self, answer=b"", **kwargs) -> StandInService:
        service = StandInService(answer, **kwargs).start()
        self.services.append(service)
        return service

    @staticmethod
    def env_of(case: Case, scene: Scene) -> dict:
        values = scene.vars()
        return {k: v.format_map(values) for k, v in {**case.env, **scene.env}.items()}

    def check_case(self, case: Case, scene: Scene) -> None:
        args = command_line(case, scene.vars(), scene.flags)
        config = args[args.index("--aws-config-file") + 1] if "--aws-config-file" in args \
            else scene.config
        folder = os.path.dirname(config)
        before = snapshot(config)
        original = snapshot(scene.config)
        listing = sorted(os.listdir(folder)) if os.path.isdir(folder) else None
        scene.service.clear_requests()  # a priming run in the setup does not count

        result = self.launch(case, args, self.env_of(case, scene))
        self.assert_no_secrets(result.stdout, "stdout")
        self.assert_no_secrets(result.stderr, "stderr")
        self.assert_no_secrets_in_files(scene.root)

        self.assert_outcome(case, result)
        self.assert_log_lines_are_json(result)
        self.assert_no_control_characters(result)
        self.assert_effect(case, scene, config, before, result)
        if config != scene.config:
            self.assertEqual(snapshot(scene.config), original,
                             f"the original config {scene.config} was touched")
        if listing is not None:
            expected = set(listing) | ({os.path.basename(config)}
                                       if case.effect.kind == "pairs" else set())
            self.assertEqual(sorted(os.listdir(folder)), sorted(expected),
                             f"the config folder changed (a temp file left?)\n"
                             + result.describe())
        self.assert_reach(case, scene, result)
        if case.check is not None:
            case.check(scene, result)

    @staticmethod
    def launch(case: Case, args: list, env: dict) -> AgentResult:
        """Runs the agent; with `case.stdout_to`, its stdout goes to that
        file (the result's stdout is then empty)."""
        if not case.stdout_to:
            return run_agent(args, env=env, timeout=20)
        start = time.monotonic()
        with open(case.stdout_to, "wb") as out:
            proc = subprocess.run([agent_binary(), *args], env=clean_environment(env),
                                  stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.PIPE, timeout=20)
        return AgentResult(list(args), proc.returncode, "",
                           proc.stderr.decode("utf-8", errors="replace"),
                           time.monotonic() - start)

    # --- shared checks ------------------------------------------------------------------
    def assert_outcome(self, case: Case, result) -> None:
        if case.exit != 0:
            self.assert_error(result, case.exit, case.message)
            return
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(len(result.stdout_lines), 1, result.describe())
        whys = [entry.get("why", "") for entry in self.log_entries(result)
                if entry.get("msg") == "profile left out"]
        if case.dropped:
            self.assertTrue(any(case.message in why for why in whys),
                            f"no dropped-profile warning with {case.message!r}\n"
                            + result.describe())
        else:
            self.assertEqual(whys, [], result.describe())
            self.assertIn(case.message, result.stdout_lines[0], result.describe())

    @staticmethod
    def log_entries(result) -> list:
        entries = []
        for line in result.stderr_lines:
            if not line.startswith(ERROR_PREFIX):
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    entries.append({"unparsed": line})
        return entries

    def assert_log_lines_are_json(self, result) -> None:
        for line in result.stderr_lines:
            if line.startswith(ERROR_PREFIX):
                continue
            try:
                self.assertIsInstance(json.loads(line), dict, line)
            except ValueError:
                self.fail(f"stderr line is not one JSON object: {line!r}")

    def assert_no_control_characters(self, result) -> None:
        """Output is lines of text: no byte below 0x20 but the line ends, no
        DEL. Untrusted input must never reach a terminal raw."""
        for where, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            bad = sorted({f"\\x{ord(c):02x}" for c in text
                          if (ord(c) < 0x20 and c != "\n") or ord(c) == 0x7F})
            self.assertEqual(bad, [], f"control characters in {where}\n" + result.describe())

    def assert_effect(self, case: Case, scene: Scene, config: str, before, result) -> None:
        after = snapshot(config)
        if case.effect.kind == "unchanged":
            self.assertEqual(after, before, f"{config} was touched\n" + result.describe())
            return
        if case.effect.kind == "absent":
            self.assertEqual(after.kind, "absent", f"{config} was created")
            return
        self.assertEqual(after.kind, "file", f"{config} is not a regular file: {after.kind}")
        self.assertEqual(after.mode, 0o644, oct(after.mode))
        with open(config, "rb") as f:
            content = f.read()
        for forbidden in case.forbidden:
            self.assertNotIn(forbidden, content,
                             f"{forbidden!r} from the answer reached the config")
        profiles = profiles_of(parse_aws_config(config))
        names = set(case.effect.names)
        self.assertEqual(set(profiles), names | {"src_" + n for n in names})
        for name in names:
            target, source = dict(profiles[name]), dict(profiles["src_" + name])
            # Both hops name the session (who did it, in CloudTrail), the same way.
            session = target.pop("role_session_name", None)
            self.assertRegex(session or "", r"^[\w+=,.@-]{2,64}$")
            self.assertEqual(source.pop("role_session_name", None), session)
            self.assertEqual(target, {"source_profile": "src_" + name,
                                      "role_arn": catalogue.arn(TARGET_ACCOUNT, name)})
            self.assertEqual(source, {"web_identity_token_file": scene.sa_token,
                                      "role_arn": catalogue.arn(PROXY_ACCOUNT, name)})

    def assert_reach(self, case: Case, scene: Scene, result) -> None:
        posts = scene.service.mapping_requests()
        if case.reach == NONE:
            self.assertEqual(len(posts), 0, "the input should have been refused before "
                             "any mapping call\n" + result.describe())
            self.assertEqual(scene.service.credentialed_requests(), [],
                             "a credential was sent")
        elif case.reach == ONCE:
            self.assertEqual(len(posts), 1, result.describe())
        elif case.reach == RETRIED:
            self.assertGreaterEqual(len(posts), 2, "retried until --timeout\n"
                                    + result.describe())
        for request in posts:
            self.assertEqual(request.header_values("Authorization"),
                             ["Bearer " + scene.credential],
                             "the mapping call must carry exactly the token")
            self.assertEqual(request.json(), {"run_id": scene.run_id})

    def assert_no_secrets_in_files(self, root: str) -> None:
        """No secret in any regular file under `root` but its holders. Only
        regular files are opened: a case may plant a FIFO."""
        holders = {os.path.realpath(h) for h in self.secret_holders}
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                st = os.lstat(path)
                if not stat.S_ISREG(st.st_mode) or os.path.realpath(path) in holders:
                    continue
                with open(path, "rb") as f:
                    self.assert_no_secrets(f.read(), path)


if __name__ == "__main__":
    unittest.main(verbosity=2)

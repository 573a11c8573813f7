"""`irsa-agent reap` against a stand-in Kubernetes API (HTTPS, test CA,
bearer token, pagination, Eviction with PDB refusals) and a stand-in EKS API
that verifies every request's SigV4 signature with botocore and paginates
(reap_stand_ins.py)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from harness import AgentTestCase, clean_environment, make_jwt, make_pki
from reap_stand_ins import StandInEks, StandInKube, StandInSts, association, pod
from stand_in_pod_identity import StandInPodIdentity

NS = "domino-compute"
OTHER = "other-ns"
HOUR = 3600
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# A third of what reaper.yaml allows (64 MiB): the page is parsed, not kept.
FAT_PAGE_RSS_LIMIT_KB = 40 * 1024


class ReapTest(AgentTestCase):
    def setUp(self):
        super().setUp()
        now = time.time()
        self.kube_token = self.add_secret("Kubernetes token", "kube-" + secrets.token_hex(24))
        self.akid = "AKIA" + secrets.token_hex(8).upper()
        self.secret_key = self.add_secret("AWS secret key", secrets.token_urlsafe(30))
        self.session_token = self.add_secret("AWS session token", secrets.token_urlsafe(120))
        pki = make_pki(self.path("pki"), "kube")
        self.ca = pki.ca_cert
        self.kube = StandInKube(pki, self.kube_token).start()
        self.addCleanup(self.kube.stop)
        self.eks = StandInEks({self.akid: (self.secret_key, self.session_token)}).start()
        self.addCleanup(self.eks.stop)
        started = now - HOUR
        self.kube.pods[NS] = [
            pod(NS, "p-deleted", "sa-deleted", started, "volume"),
            pod(NS, "p-changed", "sa-changed", started, "env"),
            pod(NS, "p-unchanged", "sa-ok", started, "volume"),
            pod(NS, "p-no-identity", "sa-deleted", started, None),
            pod(NS, "p-pdb", "sa-gone-too", started, "volume"),
            pod(NS, "p-pending", "sa-deleted", None, "volume", phase="Pending"),
            pod(NS, "p-done", "sa-deleted", started, "volume", phase="Succeeded"),
        ]
        self.kube.pods[OTHER] = [pod(OTHER, "p-other", "sa-deleted", started, "volume")]
        self.kube.pdb_protected.add((NS, "p-pdb"))
        self.eks.associations = [
            association(NS, "sa-changed", "a-changed", now - 2 * 86400, now - 600),
            association(NS, "sa-ok", "a-ok", now - 2 * 86400),
            association(OTHER, "sa-x", "a-other1", now - 86400),
            association(OTHER, "sa-y", "a-other2", now - 86400),
            association("kube-system", "sa-z", "a-other3", now - 86400),
        ]
        with open(self.path("kube-token"), "w") as f:
            f.write(self.kube_token + "\n")
        self.secret_holders.add(self.path("kube-token"))

    def env(self, **extra) -> dict:
        env = {"AWS_ACCESS_KEY_ID": self.akid, "AWS_SECRET_ACCESS_KEY": self.secret_key,
               "AWS_SESSION_TOKEN": self.session_token}
        env.update(extra)
        return env

    def reap(self, *args, env=None, ca=None):
        argv = ["reap", "--once", "--cluster", "test-cluster", "--region", "us-east-1",
                "--eks-endpoint", self.eks.url, "--kube-api", self.kube.url,
                "--kube-token-file", self.path("kube-token"), "--kube-ca-file", ca or self.ca,
                *args]
        return self.run_agent(argv, env=self.env() if env is None else env)

    def assert_nothing_evicted(self, result):
        posts = [r for r in self.kube.requests if r[0] == "POST"]
        self.assertEqual(posts, [], result.describe())

    # --- a complete round -----------------------------------------------------------
    def test_round_evicts_deleted_and_changed_only(self):
        result = self.reap()
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(self.kube.evicted(), [f"{NS}/p-changed", f"{NS}/p-deleted"],
                         result.describe())
        # The PDB refusal was tried, logged as retried next round, and is not fatal.
        self.assertIn((NS, "p-pdb", 429), self.kube.evictions)
        self.assertIn("PodDisruptionBudget", result.stderr)
        # Never outside the selected namespace, never a pod without Pod Identity.
        self.assertFalse(any(OTHER in path for _, path in self.kube.requests), result.describe())
        evicted_names = {name for _, name, _ in self.kube.evictions}
        self.assertEqual(evicted_names, {"p-deleted", "p-changed", "p-pdb"})
        # Each eviction line names pod, service account, association and reason.
        line = next(l for l in result.stderr_lines if "p-changed" in l and "evicted pod" in l)
        for fragment in ("service_account=sa-changed", "association=a-changed", "modified at"):
            self.assertIn(fragment, line)
        line = next(l for l in result.stderr_lines if "p-deleted" in l and "evicted pod" in l)
        self.assertIn("association=none", line)
        self.assertIn("pod_identity=\"projected token audience pods.eks.amazonaws.com\"", line)
        self.assertIn("no Pod Identity association", line)
        # policy/v1 Eviction bodies.
        self.assertIn({"apiVersion": "policy/v1", "kind": "Eviction",
                       "metadata": {"name": "p-deleted", "namespace": NS}},
                      self.kube.eviction_bodies)
        # Pagination on both APIs, every EKS request signed right.
        self.assertGreater(self.kube.pages_served, 2)
        self.assertEqual(self.eks.list_pages, 3)
        self.assertEqual(self.eks.refused, [])
        self.assertGreater(self.eks.verified, 3)
        # Only the associations running Pod Identity pods use are described.
        self.assertEqual(self.eks.describes, 2)
        self.assertEqual(self.kube.bad_token_requests, 0)

    def test_second_round_is_quiet(self):
        self.assertEqual(self.reap().returncode, 0)
        first = list(self.kube.evictions)
        result = self.reap()
        self.assertEqual(result.returncode, 0, result.describe())
        new = self.kube.evictions[len(first):]
        self.assertEqual(new, [(NS, "p-pdb", 429)], "only the PDB-refused pod is tried again")

    def test_dry_run_names_pods_and_evicts_nothing(self):
        result = self.reap("--dry-run", "true")
        self.assertEqual(result.returncode, 0, result.describe())
        self.assert_nothing_evicted(result)
        would = [l for l in result.stderr_lines if "would evict" in l]
        self.assertEqual(len(would), 3, result.describe())
        self.assertTrue(any("p-changed" in l and "modified at" in l for l in would))
        self.assertTrue(any("p-deleted" in l and "no Pod Identity association" in l
                            for l in would))

    def test_max_evictions_defers_the_rest(self):
        result = self.reap("--max-evictions", "1")
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(len(self.kube.evictions), 1, result.describe())
        self.assertIn("deferred=2", result.stderr)

    # --- incomplete listings evict nothing ------------------------------------------
    def test_failing_second_pod_page_evicts_nothing(self):
        self.kube.fail_page = (NS, 1)
        result = self.reap()
        self.assertEqual(result.returncode, 1, result.describe())
        self.assert_nothing_evicted(result)
        self.assertIn("listing pods failed (page 2)", result.stderr)

    def test_throttled_second_association_page_evicts_nothing(self):
        self.eks.fail_list_page = 1
        result = self.reap()
        self.assertEqual(result.returncode, 1, result.describe())
        self.assert_nothing_evicted(result)
        self.assertIn("HTTP 429", result.stderr)
        self.assertIn("Rate exceeded", result.stderr)

    def test_malformed_describe_evicts_nothing(self):
        self.eks.garbage_describe = True
        result = self.reap()
        self.assertEqual(result.returncode, 5, result.describe())
        self.assert_nothing_evicted(result)

    def test_timed_out_describe_evicts_nothing(self):
        self.eks.hang_describe = 3
        result = self.reap("--request-timeout", "1")
        self.assertEqual(result.returncode, 1, result.describe())
        self.assertIn("describing association", result.stderr)
        self.assert_nothing_evicted(result)

    def test_association_gone_between_list_and_describe(self):
        # Listed, then 404 on describe: it no longer exists, so its pod is stale.
        self.eks.vanished.add("a-ok")
        result = self.reap()
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertIn(f"{NS}/p-unchanged", self.kube.evicted())

    def test_unreachable_eks_evicts_nothing(self):
        self.eks.stop()
        result = self.reap("--request-timeout", "2")
        self.assertEqual(result.returncode, 1, result.describe())
        self.assert_nothing_evicted(result)

    # --- signatures and tokens --------------------------------------------------------
    def test_wrong_secret_key_is_refused(self):
        result = self.reap(env=self.env(AWS_SECRET_ACCESS_KEY=self.add_secret(
            "wrong secret", secrets.token_urlsafe(30))))
        self.assertEqual(result.returncode, 3, result.describe())
        self.assertEqual(self.eks.refused, ["signature mismatch"])
        self.assert_nothing_evicted(result)

    def test_stand_in_refuses_unsigned_and_tampered_requests(self):
        url = f"{self.eks.url}/clusters/test-cluster/pod-identity-associations?maxResults=5"
        with self.assertRaises(urllib.error.HTTPError) as unsigned:
            urllib.request.urlopen(url, timeout=5)
        self.assertEqual(unsigned.exception.code, 403)
        # A real signature for other query parameters does not fit this request.
        self.assertEqual(self.reap("--dry-run", "true").returncode, 0)
        self.assertEqual(self.eks.refused, ["unsigned"])

    def test_wrong_kube_token_is_refused(self):
        with open(self.path("kube-token"), "w") as f:
            f.write("not-the-token\n")
        result = self.reap()
        self.assertEqual(result.returncode, 3, result.describe())
        self.assertIn("HTTP 401", result.stderr)
        self.assert_nothing_evicted(result)

    def test_kube_token_is_read_each_round(self):
        self.kube.token = self.add_secret("rotated Kubernetes token", "kube-" + secrets.token_hex(24))
        with open(self.path("kube-token"), "w") as f:
            f.write(self.kube.token)
        result = self.reap()
        self.assertEqual(result.returncode, 0, result.describe())

    def test_untrusted_kube_ca_fails(self):
        other = make_pki(self.path("other-pki"), "other")
        result = self.reap(ca=other.ca_cert)
        self.assertEqual(result.returncode, 1, result.describe())
        self.assert_nothing_evicted(result)

    # --- settings and credentials -----------------------------------------------------
    def test_sigterm_stops_the_reaper_between_rounds(self):
        """`reap` runs as PID 1 in its container, where a signal without a
        handler is ignored: it must handle SIGTERM itself, within a second."""
        log_path = self.path("reap.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [self.agent, "reap", "--cluster", "test-cluster", "--region", "us-east-1",
                 "--eks-endpoint", self.eks.url, "--kube-api", self.kube.url,
                 "--kube-token-file", self.path("kube-token"), "--kube-ca-file", self.ca,
                 "--dry-run", "true", "--reap-interval", "3600"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                env=clean_environment(self.env()))
        self.addCleanup(lambda: proc.poll() is None and proc.kill())

        def text():
            with open(log_path, "rb") as f:
                return f.read().decode(errors="replace")

        deadline = time.monotonic() + 20
        while "reap round done" not in text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("reap round done", text())
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
        took = time.monotonic() - start
        self.assertEqual(code, 0, text())
        self.assertLess(took, 1.5)
        self.assertIn("reaper stopped (signal)", text())
        self.assert_no_secrets(text(), "reap log")

    def test_a_page_of_fat_pods_stays_under_the_memory_limit(self):
        """250 pods with managed fields (about 5.6 MiB of JSON when listed on
        one page) once peaked near 90 MiB, over reaper.yaml's 64 MiB limit.
        Measured through bench/spawn_measure.c (a child forked from Python
        would report Python's RSS as its own)."""
        if "ASAN_OPTIONS" in os.environ:
            # As rotation_memory (tests/CMakeLists.txt): the normal build checks
            # the figure; ASan's shadow memory and quarantine triple it.
            self.skipTest("peak RSS is checked in the normal build, not under ASan")
        compiler = shutil.which("cc") or shutil.which("gcc")
        self.assertIsNotNone(compiler, "a C compiler is needed to build bench/spawn_measure.c")
        launcher = self.path("spawn_measure")
        subprocess.run([compiler, "-O2", "-o", launcher,
                        os.path.join(REPO, "bench", "spawn_measure.c")], check=True, timeout=120)
        started = time.time() - HOUR
        self.kube.page_size = 250
        self.kube.pods = {NS: [pod(NS, f"fat-{i:03d}", "sa-ok", started, "volume", fat=True)
                               for i in range(250)]}
        argv = [self.agent, "reap", "--once", "--cluster", "test-cluster", "--region",
                "us-east-1", "--eks-endpoint", self.eks.url, "--kube-api", self.kube.url,
                "--kube-token-file", self.path("kube-token"), "--kube-ca-file", self.ca,
                "--namespaces", NS]
        out = subprocess.run([launcher, *argv], env=clean_environment(self.env()),
                             capture_output=True, text=True, timeout=120).stdout.split()
        _, rss_kb, _, _, _, code = (int(x) for x in out)
        self.assertEqual(code, 0)
        self.assertLess(rss_kb, FAT_PAGE_RSS_LIMIT_KB, f"peak RSS {rss_kb} KiB")

    def test_needs_cluster(self):
        result = self.run_agent(["reap", "--once"], env=self.env())
        self.assert_error(result, 2, "reap needs --cluster")

    def test_no_credentials(self):
        result = self.reap(env={})
        self.assert_error(result, 4, "no AWS credentials")
        self.assertEqual(self.kube.requests, [])

    def test_web_identity_credentials(self):
        """AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE: AssumeRoleWithWebIdentity at a
        stand-in STS, and the EKS calls signed with the session it gave."""
        akid = "ASIA" + secrets.token_hex(8).upper()
        secret = self.add_secret("STS secret key", secrets.token_urlsafe(30))
        session = self.add_secret("STS session token", secrets.token_urlsafe(150))
        jwt = self.add_secret("web identity token", make_jwt(), holder=self.path("wi-token"))
        with open(self.path("wi-token"), "w") as f:
            f.write(jwt)
        self.eks.credentials = {akid: (secret, session)}
        sts = StandInSts(akid, secret, session).start()
        self.addCleanup(sts.stop)
        result = self.reap("--sts-endpoint", sts.url, env={
            "AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/reaper",
            "AWS_WEB_IDENTITY_TOKEN_FILE": self.path("wi-token")})
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(self.kube.evicted(), [f"{NS}/p-changed", f"{NS}/p-deleted"])
        self.assertEqual(len(sts.forms), 1)
        form = sts.forms[0]
        self.assertEqual(form["Action"], ["AssumeRoleWithWebIdentity"])
        self.assertEqual(form["RoleArn"], ["arn:aws:iam::111122223333:role/reaper"])
        self.assertEqual(form["WebIdentityToken"], [jwt])
        self.assertEqual(self.eks.refused, [])
        self.assertIn("AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE", result.stderr)

    def test_pod_identity_credentials(self):
        """AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: the
        broker's Pod Identity client at a stand-in agent, and the EKS calls signed
        with the credentials it gave; fetched once for the round."""
        akid = "ASIA" + secrets.token_hex(8).upper()
        secret = self.add_secret("Pod Identity secret key", secrets.token_urlsafe(30))
        session = self.add_secret("Pod Identity session token", secrets.token_urlsafe(150))
        token = self.add_secret("Pod Identity token", make_jwt(aud="pods.eks.amazonaws.com"),
                                holder=self.path("pi-token"))
        with open(self.path("pi-token"), "w") as f:
            f.write(token)
        self.eks.credentials = {akid: (secret, session)}
        expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        agent = StandInPodIdentity(token, credentials=lambda: {
            "AccessKeyId": akid, "SecretAccessKey": secret, "SessionToken": session,
            "Expiration": expiration}).start()
        self.addCleanup(agent.stop)
        result = self.reap(env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.url,
                                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": self.path("pi-token")})
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(self.kube.evicted(), [f"{NS}/p-changed", f"{NS}/p-deleted"])
        self.assertEqual(self.eks.refused, [])
        requests = agent.requests()
        self.assertEqual(len(requests), 1, "one fetch, reused for the round")
        self.assertEqual(requests[0].authorization, token)
        self.assertIn("AWS_CONTAINER_CREDENTIALS_FULL_URI is set", result.stderr)

    def test_pod_identity_refused_token_is_one_line(self):
        with open(self.path("pi-token"), "w") as f:
            f.write("stale-token")
        agent = StandInPodIdentity("current-token").start()
        self.addCleanup(agent.stop)
        result = self.reap(env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.url,
                                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": self.path("pi-token")})
        self.assertNotEqual(result.returncode, 0, result.describe())
        self.assertIn("AWS_CONTAINER_CREDENTIALS_FULL_URI", result.stderr)
        self.assertIn("400", result.stderr)
        self.assertEqual(self.kube.evicted(), [])

    def test_plain_http_kube_api_refused_off_loopback(self):
        result = self.run_agent(["reap", "--once", "--cluster", "c", "--region", "us-east-1",
                                 "--kube-api", "http://10.0.0.1:8080"], env=self.env())
        self.assert_error(result, 2, "kube-api", "plain http only to loopback")

    def test_bad_namespace_list(self):
        result = self.reap("--namespaces", "ok,Bad_Name")
        self.assert_error(result, 2, "namespaces", "Bad_Name")

    def test_once_only_for_reap(self):
        result = self.run_agent(["once", "--once"])
        self.assert_error(result, 2, "--once is only for reap")


class ReaperManifestTest(AgentTestCase):
    """packaging/kubernetes/reaper.yaml: least-privilege RBAC, one hardened
    replica, and arguments the binary accepts."""

    def setUp(self):
        super().setUp()
        import yaml
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                            "packaging", "kubernetes", "reaper.yaml")
        with open(path) as f:
            self.docs = {d["kind"]: d for d in yaml.safe_load_all(f)}

    def test_kinds_and_rbac(self):
        self.assertEqual(sorted(self.docs),
                         ["Deployment", "Role", "RoleBinding", "ServiceAccount"])
        rules = self.docs["Role"]["rules"]
        self.assertEqual(sorted((r["resources"][0], tuple(r["verbs"])) for r in rules),
                         [("pods", ("list",)), ("pods/eviction", ("create",))])
        binding = self.docs["RoleBinding"]
        self.assertEqual(binding["metadata"]["namespace"], self.docs["Role"]["metadata"]["namespace"])
        self.assertEqual(binding["subjects"][0]["name"],
                         self.docs["ServiceAccount"]["metadata"]["name"])

    def test_deployment_is_one_hardened_replica_running_reap(self):
        deployment = self.docs["Deployment"]
        self.assertEqual(deployment["spec"]["replicas"], 1)
        pod_spec = deployment["spec"]["template"]["spec"]
        self.assertEqual(pod_spec["serviceAccountName"],
                         self.docs["ServiceAccount"]["metadata"]["name"])
        (container,) = pod_spec["containers"]
        security = container["securityContext"]
        self.assertTrue(security["runAsNonRoot"])
        self.assertNotEqual(security["runAsUser"], 0)
        self.assertTrue(security["readOnlyRootFilesystem"])
        self.assertFalse(security["allowPrivilegeEscalation"])
        self.assertEqual(security["capabilities"]["drop"], ["ALL"])
        self.assertEqual(container["command"], ["/irsa-agent"])
        self.assertEqual(container["args"][0], "reap")
        # The binary accepts the arguments: it gets as far as looking for AWS credentials.
        env = {e["name"]: e["value"] for e in container.get("env", [])}
        env.update({"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "1"})
        result = self.run_agent([*container["args"], "--once"], env=env)
        self.assert_error(result, 4, "no AWS credentials")


if __name__ == "__main__":
    unittest.main()

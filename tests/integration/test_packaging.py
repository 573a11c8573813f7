#!/usr/bin/env python3
"""Integration tests of how irsa-agent ships (docs/DEPLOYMENT.md).

* The Kubernetes manifests (packaging/kubernetes/): the domsed Mutation is a
  drop-in for the reference one (same selectors, fsGroup, volumes, mounts,
  environment, container name) plus the binary volume; the native sidecar
  example starts the user's container only after `irsa-agent status` passes;
  both run the image's binary (path from the Dockerfile) hardened and small.
  The mapping service's manifests: two hardened replicas on TLS port 6000,
  RBAC limited to pods (compute namespace), the two ConfigMaps and Leases
  (platform namespace), and an IAM policy of GetRole/UpdateAssumeRolePolicy
  on named roles.
* The systemd unit (packaging/systemd/): `systemd-analyze verify` passes, the
  hardening directives are there, the exposure score stays low, and the
  example INI is accepted by the agent and drives a real sync.
* The sd_notify protocol of `irsa-agent run`, on a filesystem socket and on an
  abstract one: READY=1 once the config exists, WATCHDOG=1 every
  WATCHDOG_USEC/2, RELOADING=1 then READY=1 around a SIGHUP sync, STOPPING=1
  and exit 0 within 1 s of SIGTERM.
* `irsa-agent install DIR` and `run --install-to DIR`.
* The Debian package: built with cpack, installed with dpkg, checked, removed.

Tools the tests need (systemd-analyze, cpack, dpkg-shlibdeps) are installed
with apt-get when missing; a test fails, never skips, when that is impossible.

Run: IRSA_AGENT_BIN=build/irsa-agent python3 tests/integration/test_packaging.py
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (REFERENCE_ANSWER, REFERENCE_PROFILES, AgentTestCase, AtomicDir,  # noqa: E402
                     agent_binary, clean_environment, domino_labels, free_port, make_jwt,
                     make_pki, parse_aws_config, profiles_of, write_labels)
from stand_in_service import Reply  # noqa: E402

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KUBERNETES_DIR = os.path.join(SOURCE_DIR, "packaging", "kubernetes")
SYSTEMD_DIR = os.path.join(SOURCE_DIR, "packaging", "systemd")
UNIT_FILE = os.path.join(SYSTEMD_DIR, "irsa-agent.service")
INI_EXAMPLE = os.path.join(SYSTEMD_DIR, "agent.ini.example")

SIDECAR = "aws-config-file-generator"
BIN_FOLDER = "/opt/irsa-agent/bin"
SELECTOR = "dominodatalab.com/workload-type in (Workspace,Job)"
TOKEN_FOLDER = "/var/run/secrets/eks.amazonaws.com/serviceaccount/"

# The reference mutation's volumes, mounts and environment (docs/FORMATS.md,
# Where it runs, and the reference deploy script), exactly.
REFERENCE_VOLUMES = {
    "aws-config-file": {"emptyDir": {"sizeLimit": "500Mi"}},
    "podinfo": {"downwardAPI": {"items": [
        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
    "aws-user-token": {"projected": {"defaultMode": 422, "sources": [{"serviceAccountToken": {
        "path": "token", "expirationSeconds": 86400, "audience": "sts.amazonaws.com"}}]}},
}
REFERENCE_SIDECAR_MOUNTS = {
    ("jwt-secret-vol", "/var/lib/domino/home/.api", True),
    ("podinfo", "/var/run/podinfo", True),
    ("aws-config-file", "/var/run/.aws", False),
    ("aws-user-token", TOKEN_FOLDER, True),
}
REFERENCE_RUN_MOUNTS = {
    ("aws-config-file", "/var/run/.aws", False),
    ("aws-user-token", TOKEN_FOLDER, True),
}
REFERENCE_BOTH_ENV = {
    "AWS_WEB_IDENTITY_TOKEN_FILE": TOKEN_FOLDER + "token",
    "AWS_CONFIG_FILE": "/var/run/.aws/config",
    "IAM_SA_MAPPING_ENDPOINT": "http://iam-sa-mapping-svc.domino-platform/map_iam_role_to_pod_sa",
}
REFERENCE_SIDECAR_ENV = {
    "POD_INFO_PATH": "/var/run/podinfo/labels",
    "DOMINO_TOKEN_FILE": "/var/lib/domino/home/.api/token",
    **REFERENCE_BOTH_ENV,
}
DOMINO_PROVIDED_VOLUMES = {"jwt-secret-vol"}

ENDPOINT_PATH = "/map_iam_roles_to_pod_sa"
WATCHDOG_USEC = 400000  # WATCHDOG=1 expected every 0.2 s


# --- tools ------------------------------------------------------------------------

def apt_install(package: str) -> None:
    """`apt-get install -y package`, after `apt-get update` if the first try
    fails. Errors are left to the caller's check of what it needed."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    for argv in (install, ["apt-get", "update"], install):
        try:
            done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=300)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if argv is install and done.returncode == 0:
            return


def require_tool(tool: str, package: str) -> str:
    """The path of `tool`, installing Debian package `package` when it is
    missing. Raises AssertionError when that is impossible."""
    if not shutil.which(tool):
        apt_install(package)
    path = shutil.which(tool)
    if not path:
        raise AssertionError(f"{tool} is missing and apt-get could not install {package}: "
                             f"install it (apt-get install {package}) and re-run")
    return path


def require_yaml():
    """PyYAML, installing Debian's python3-yaml when it is missing."""
    try:
        import yaml
    except ImportError:
        apt_install("python3-yaml")
        try:
            import yaml
        except ImportError:
            raise AssertionError("PyYAML is missing and apt-get could not install "
                                 "python3-yaml: install it and re-run") from None
    return yaml


def image_binary_path() -> str:
    """Where the Dockerfile's final (scratch) stage puts the binary."""
    with open(os.path.join(SOURCE_DIR, "Dockerfile")) as f:
        stages = re.split(r"(?im)^FROM\s", f.read())
    final = stages[-1]
    copies = re.findall(r"(?im)^COPY\s+--from=\S+\s+\S*irsa-agent\s+(\S+)\s*$", final)
    if len(copies) != 1:
        raise AssertionError("cannot find the one COPY of irsa-agent in the Dockerfile's final "
                             f"stage: {copies}")
    return copies[0]


def read_unit(path: str) -> dict:
    """{section: [(key, value), ...]} of a systemd unit; keys may repeat."""
    sections: dict = {}
    current = None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                current = sections.setdefault(line[1:-1], [])
                continue
            key, sep, value = line.partition("=")
            if not sep or current is None:
                raise AssertionError(f"{path}: cannot read line {raw!r}")
            current.append((key.strip(), value.strip()))
    return sections


def unit_values(unit: dict, section: str, key: str) -> list:
    return [v for k, v in unit.get(section, []) if k == key]


def unit_for_built_binary(folder: str) -> str:
    """A copy of the unit in `folder` whose ExecStart runs the binary under
    test instead of /usr/bin/irsa-agent (which this machine need not have);
    every other line is the shipped unit's."""
    with open(UNIT_FILE) as f:
        text = f.read()
    replaced = text.replace("ExecStart=/usr/bin/irsa-agent ", f"ExecStart={agent_binary()} ")
    if replaced == text:
        raise AssertionError("the unit's ExecStart does not run /usr/bin/irsa-agent")
    path = os.path.join(folder, "irsa-agent.service")
    with open(path, "w") as f:
        f.write(replaced)
    return path


# --- Kubernetes manifests ---------------------------------------------------------

def load_yaml(name: str):
    with open(os.path.join(KUBERNETES_DIR, name)) as f:
        return require_yaml().safe_load(f)


def mounts_of(container_mounts) -> set:
    return {(m["name"], m["mountPath"], bool(m.get("readOnly", False))) for m in container_mounts}


def env_of(entries) -> dict:
    env = {}
    for entry in entries:
        if entry["name"] in env:
            raise AssertionError(f"environment variable {entry['name']} given twice")
        env[entry["name"]] = entry["value"]
    return env


class HardenedContainerChecks:
    """Assertions shared by the mutation's and the native sidecar's container."""

    def assert_agent_container(self, spec: dict) -> None:
        binary = image_binary_path()
        self.assertEqual(spec["name"], SIDECAR)
        # `command` overrides the image's ENTRYPOINT, so `args` is the whole command line.
        self.assertEqual(spec["command"], [binary])
        # Process style, so every SDK gets credentials through the installed copy.
        self.assertEqual(spec["args"],
                         ["run", "--install-to", BIN_FOLDER, "--profile-style", "process"])
        sc = spec["securityContext"]
        self.assertIs(sc["readOnlyRootFilesystem"], True)
        self.assertIs(sc["allowPrivilegeEscalation"], False)
        self.assertIs(sc["runAsNonRoot"], True)
        self.assertEqual(sc["runAsUser"], 65532)
        self.assertEqual(sc["capabilities"], {"drop": ["ALL"]})
        self.assertNotIn("privileged", sc)
        requests = spec["resources"]["requests"]
        self.assertEqual(set(requests), {"cpu", "memory"})
        self.assertLessEqual(int(requests["cpu"].rstrip("m")), 50, "cpu request is not small")
        self.assertTrue(requests["memory"].endswith("Mi"))
        self.assertLessEqual(int(requests["memory"][:-2]), 64, "memory request is not small")
        self.assertIn("memory", spec["resources"]["limits"])


class MutationTest(HardenedContainerChecks, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.doc = load_yaml("mutation.yaml")
        cls.rules = cls.doc["rules"]

    def rules_with(self, key: str) -> list:
        return [rule[key] for rule in self.rules if key in rule]

    def for_container(self, key: str, name: str) -> list:
        """The `key` entries (insertVolumeMounts, modifyEnv) selecting `name`."""
        return [r for r in self.rules_with(key) if name in r["containerSelector"]]

    def test_identity_and_selectors(self):
        self.assertEqual(self.doc["apiVersion"], "apps.dominodatalab.com/v1alpha1")
        self.assertEqual(self.doc["kind"], "Mutation")
        self.assertEqual(self.doc["metadata"]["name"], "aws-iam-to-sa-mapping")
        self.assertEqual(self.doc["metadata"]["namespace"], "domino-platform")
        for rule in self.rules:
            self.assertEqual(rule["labelSelectors"], [SELECTOR], rule)
        self.assertEqual(self.rules_with("modifySecurityContext"),
                         [{"context": {"fsGroup": 12574}}])

    def test_one_hardened_sidecar_without_probes(self):
        inserted = self.rules_with("insertContainer")
        self.assertEqual(len(inserted), 1)
        self.assertEqual(inserted[0]["containerType"], "app")
        spec = inserted[0]["spec"]
        self.assert_agent_container(spec)
        self.assertEqual(spec["securityContext"]["seccompProfile"], {"type": "RuntimeDefault"})
        # A probe would hold the whole workspace NotReady while the mapping
        # service is down; the reference sidecar has none.
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            self.assertNotIn(probe, spec)
        # Mounts and environment come from their own rules, as in the reference.
        self.assertNotIn("volumeMounts", spec)
        self.assertNotIn("env", spec)

    def test_volumes_are_the_reference_ones_plus_the_binary_folder(self):
        volumes = {}
        for rule in self.rules_with("insertVolumes"):
            for volume in rule:
                name = volume.pop("name")
                self.assertNotIn(name, volumes)
                volumes[name] = volume
        self.assertEqual(volumes, {**REFERENCE_VOLUMES,
                                   "irsa-agent-bin": {"emptyDir": {"sizeLimit": "64Mi"}}})

    def test_mounts(self):
        sidecar = set()
        for rule in self.for_container("insertVolumeMounts", SIDECAR):
            sidecar |= mounts_of(rule["volumeMounts"])
        self.assertEqual(sidecar,
                         REFERENCE_SIDECAR_MOUNTS | {("irsa-agent-bin", BIN_FOLDER, False)})
        run = set()
        for rule in self.for_container("insertVolumeMounts", "run"):
            run |= mounts_of(rule["volumeMounts"])
        self.assertEqual(run, REFERENCE_RUN_MOUNTS | {("irsa-agent-bin", BIN_FOLDER, True)})
        inserted = {v["name"] for rule in self.rules_with("insertVolumes") for v in rule}
        for name, _, _ in sidecar | run:
            self.assertIn(name, inserted | DOMINO_PROVIDED_VOLUMES)

    def test_environment(self):
        sidecar = {}
        for rule in self.for_container("modifyEnv", SIDECAR):
            sidecar.update(env_of(rule["env"]))
        self.assertEqual(sidecar, REFERENCE_SIDECAR_ENV)
        run = {}
        for rule in self.for_container("modifyEnv", "run"):
            run.update(env_of(rule["env"]))
        self.assertEqual(run, REFERENCE_BOTH_ENV)


class NativeSidecarTest(HardenedContainerChecks, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pod = load_yaml("native-sidecar-pod.yaml")
        cls.spec = cls.pod["spec"]

    def test_sidecar_is_an_always_restarting_init_container(self):
        self.assertEqual(self.pod["kind"], "Pod")
        init = self.spec["initContainers"]
        self.assertEqual(len(init), 1)
        self.assertEqual(init[0]["restartPolicy"], "Always")
        self.assert_agent_container(init[0])

    def test_startup_probe_runs_status_with_the_agents_environment(self):
        sidecar = self.spec["initContainers"][0]
        probe = sidecar["startupProbe"]
        self.assertEqual(probe["exec"]["command"], [image_binary_path(), "status"])
        self.assertGreaterEqual(probe["periodSeconds"] * probe["failureThreshold"], 60)
        # `status` finds the state file next to the config named by this variable.
        env = env_of(sidecar["env"])
        self.assertEqual(env["AWS_CONFIG_FILE"], "/var/run/.aws/config")
        self.assertEqual(env["AWS_WEB_IDENTITY_TOKEN_FILE"], TOKEN_FOLDER + "token")

    def test_pod_security_and_volumes(self):
        self.assertEqual(self.spec["securityContext"]["fsGroup"], 12574)
        volumes = {v["name"]: v for v in self.spec["volumes"]}
        self.assertEqual(volumes["podinfo"], {"name": "podinfo", **REFERENCE_VOLUMES["podinfo"]})
        self.assertEqual(volumes["aws-user-token"]["projected"]["sources"],
                         REFERENCE_VOLUMES["aws-user-token"]["projected"]["sources"])
        self.assertIn("emptyDir", volumes["aws-config-file"])
        self.assertIn("emptyDir", volumes["irsa-agent-bin"])
        for container in self.spec["initContainers"] + self.spec["containers"]:
            sc = container["securityContext"]
            self.assertIs(sc["runAsNonRoot"], True, container["name"])
            self.assertGreater(sc["runAsUser"], 0, container["name"])
            self.assertIs(sc["allowPrivilegeEscalation"], False, container["name"])
            for mount in container["volumeMounts"]:
                self.assertIn(mount["name"], volumes, container["name"])

    def test_user_container_can_rerun_the_agent(self):
        run = [c for c in self.spec["containers"] if c["name"] == "run"]
        self.assertEqual(len(run), 1)
        mounts = mounts_of(run[0]["volumeMounts"])
        self.assertIn(("aws-config-file", "/var/run/.aws", False), mounts)  # `once` writes here
        self.assertIn(("irsa-agent-bin", BIN_FOLDER, True), mounts)
        self.assertIn(("aws-user-token", TOKEN_FOLDER, True), mounts)
        sidecar = mounts_of(self.spec["initContainers"][0]["volumeMounts"])
        self.assertIn(("irsa-agent-bin", BIN_FOLDER, False), sidecar)


class MappingServiceManifestTest(unittest.TestCase):
    """packaging/kubernetes/mapping-service.yaml and
    packaging/mapping-service-iam-policy.json: least-privilege RBAC and IAM,
    two hardened replicas, TLS on 6000, the reference's variable names."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(KUBERNETES_DIR, "mapping-service.yaml")) as f:
            cls.docs = list(require_yaml().safe_load_all(f))
        cls.by_kind = {}
        for doc in cls.docs:
            cls.by_kind.setdefault(doc["kind"], []).append(doc)
        (cls.deployment,) = cls.by_kind["Deployment"]
        cls.pod = cls.deployment["spec"]["template"]["spec"]
        (cls.container,) = cls.pod["containers"]
        cls.env = env_of(cls.container["env"])
        with open(os.path.join(SOURCE_DIR, "packaging", "mapping-service-iam-policy.json")) as f:
            cls.iam_policy = json.load(f)

    def flag(self, name: str) -> str:
        values = [a.split("=", 1)[1] for a in self.container["args"]
                  if a.startswith(f"--{name}=")]
        self.assertEqual(len(values), 1, f"--{name} given {len(values)} times")
        return values[0]

    def role_in(self, namespace: str) -> list:
        (role,) = [r for r in self.by_kind["Role"] if r["metadata"]["namespace"] == namespace]
        return sorted((tuple(rule["apiGroups"]), tuple(rule["resources"]),
                       tuple(sorted(rule.get("resourceNames", []))), tuple(sorted(rule["verbs"])))
                      for rule in role["rules"])

    def test_kinds(self):
        self.assertEqual(sorted(d["kind"] for d in self.docs),
                         ["Certificate", "Deployment", "PodDisruptionBudget", "Role", "Role",
                          "RoleBinding", "RoleBinding", "Service", "ServiceAccount"])

    def test_rbac_is_least_privilege(self):
        self.assertEqual(self.role_in(self.env["DEFAULT_COMPUTE_NS"]),
                         [(("",), ("pods",), (), ("get", "list", "watch"))])
        self.assertEqual(self.role_in(self.env["PLATFORM_NS"]), [
            (("",), ("configmaps",),
             ("domino-org-iamrole-mapping", "resource-role-to-eks-role-mapping"),
             ("get", "patch", "update")),
            (("coordination.k8s.io",), ("leases",), (), ("create", "get", "update"))])
        (account,) = self.by_kind["ServiceAccount"]
        roles = {(r["metadata"]["namespace"], r["metadata"]["name"]) for r in self.by_kind["Role"]}
        bound = set()
        for binding in self.by_kind["RoleBinding"]:
            ns = binding["metadata"]["namespace"]
            self.assertEqual(binding["roleRef"]["kind"], "Role")
            self.assertIn((ns, binding["roleRef"]["name"]), roles)
            self.assertEqual(binding["subjects"], [{
                "kind": "ServiceAccount", "name": account["metadata"]["name"],
                "namespace": account["metadata"]["namespace"]}])
            bound.add((ns, binding["roleRef"]["name"]))
        self.assertEqual(bound, roles)
        self.assertEqual(self.pod["serviceAccountName"], account["metadata"]["name"])
        self.assertIn("eks.amazonaws.com/role-arn", account["metadata"]["annotations"])

    def test_two_hardened_small_replicas(self):
        spec = self.deployment["spec"]
        self.assertEqual(spec["replicas"], 2)
        self.assertEqual(spec["strategy"]["rollingUpdate"]["maxUnavailable"], 0)
        self.assertIs(self.pod["securityContext"]["runAsNonRoot"], True)
        sc = self.container["securityContext"]
        self.assertIs(sc["runAsNonRoot"], True)
        self.assertGreater(sc["runAsUser"], 0)
        self.assertIs(sc["readOnlyRootFilesystem"], True)
        self.assertIs(sc["allowPrivilegeEscalation"], False)
        self.assertEqual(sc["capabilities"], {"drop": ["ALL"]})
        self.assertEqual(self.container["command"], [image_binary_path()])
        self.assertEqual(self.container["args"][0], "mapping-service")
        resources = self.container["resources"]
        mebibytes = {k: int(v[:-2]) for k, v in
                     (("request", resources["requests"]["memory"]),
                      ("limit", resources["limits"]["memory"])) if v.endswith("Mi")}
        self.assertEqual(set(mebibytes), {"request", "limit"})
        self.assertLessEqual(mebibytes["request"], 32)   # the issue's target RSS
        self.assertLessEqual(mebibytes["limit"], 64)
        self.assertLessEqual(int(resources["requests"]["cpu"].rstrip("m")), 250)
        (pdb,) = self.by_kind["PodDisruptionBudget"]
        labels = self.deployment["spec"]["template"]["metadata"]["labels"]
        self.assertEqual(pdb["spec"]["minAvailable"], 1)
        self.assertLessEqual(pdb["spec"]["selector"]["matchLabels"].items(), labels.items())

    def test_tls_port_probes_and_service(self):
        self.assertEqual(self.flag("listen").rsplit(":", 1)[1], "6000")
        (port,) = self.container["ports"]
        self.assertEqual(port["containerPort"], 6000)
        for probe in ("readinessProbe", "livenessProbe"):
            get = self.container[probe]["httpGet"]
            self.assertEqual((get["path"], get["port"], get["scheme"]), ("/healthz", 6000, "HTTPS"))
        (service,) = self.by_kind["Service"]
        labels = self.deployment["spec"]["template"]["metadata"]["labels"]
        self.assertLessEqual(service["spec"]["selector"].items(), labels.items())
        ports = {(p["port"], p["targetPort"]) for p in service["spec"]["ports"]}
        self.assertIn((6000, 6000), ports)
        self.assertEqual({p["targetPort"] for p in service["spec"]["ports"]}, {6000})
        # The key and certificate come from the Certificate's secret, mounted read-only.
        (cert,) = self.by_kind["Certificate"]
        mounts = {m["name"]: m for m in self.container["volumeMounts"]}
        volumes = {v["name"]: v for v in self.pod["volumes"]}
        for flag in ("tls-cert-file", "tls-key-file"):
            folder = os.path.dirname(self.flag(flag))
            (name,) = [n for n, m in mounts.items() if m["mountPath"].rstrip("/") == folder]
            self.assertIs(mounts[name]["readOnly"], True)
            self.assertEqual(volumes[name]["secret"]["secretName"], cert["spec"]["secretName"])
        self.assertIn(f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc",
                      cert["spec"]["dnsNames"])

    def test_reference_variable_names(self):
        self.assertEqual(set(self.env) - {"AWS_REGION"},
                         {"DOMINO_USER_HOST", "OIDC_PROVIDER", "DEFAULT_COMPUTE_NS", "PLATFORM_NS"})
        self.assertFalse(self.env["OIDC_PROVIDER"].startswith("https://"))

    def test_iam_policy_is_two_actions_on_named_roles(self):
        self.assertEqual(self.iam_policy["Version"], "2012-10-17")
        (statement,) = self.iam_policy["Statement"]
        self.assertEqual(statement["Effect"], "Allow")
        self.assertEqual(sorted(statement["Action"]), ["iam:GetRole", "iam:UpdateAssumeRolePolicy"])
        self.assertTrue(statement["Resource"])
        for arn in statement["Resource"]:
            self.assertRegex(arn, r"^arn:aws:iam::[A-Z0-9_]+:role/[A-Za-z0-9_+=,.@/-]+$")
        self.assertNotIn("NotResource", statement)
        self.assertNotIn("Condition", statement)


class MappingServiceManifestRunTest(AgentTestCase):
    """The binary accepts mapping-service.yaml's arguments and environment: with
    the TLS files and the listen address made local, it serves /healthz."""

    def test_manifest_command_line_serves_healthz(self):
        with open(os.path.join(KUBERNETES_DIR, "mapping-service.yaml")) as f:
            (deployment,) = [d for d in require_yaml().safe_load_all(f)
                             if d["kind"] == "Deployment"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        pki = make_pki(self.path("pki"), "service")
        port = free_port()
        local = {"/ssl/tls.crt": pki.server_cert, "/ssl/tls.key": pki.server_key,
                 "0.0.0.0:6000": f"127.0.0.1:{port}"}
        args = []
        for arg in container["args"]:
            name, _, value = arg.partition("=")
            args.append(f"{name}={local.get(value, value)}" if value else arg)
        self.assertNotEqual(args, container["args"], "nothing was made local")
        with open(self.path("kube-token"), "w") as f:
            f.write("kube-token\n")
        env = clean_environment(env_of(container["env"]))
        env.update({"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "1",
                    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                    "AWS_SECRET_ACCESS_KEY": self.add_secret("AWS secret key",
                                                             os.urandom(20).hex())})
        proc = subprocess.Popen([agent_binary(), *args, "--kube-token-file",
                                 self.path("kube-token"), "--kube-ca-file", pki.ca_cert],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        ctx = ssl.create_default_context(cafile=pki.ca_cert)
        deadline, status = time.monotonic() + 20, None
        while time.monotonic() < deadline and proc.poll() is None and status != 200:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", context=ctx,
                                            timeout=2) as r:
                    status = r.status
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        proc.terminate()
        out, err = proc.communicate(timeout=20)
        self.assertEqual(status, 200, err.decode(errors="replace"))
        self.assertEqual(proc.returncode, 0, err.decode(errors="replace"))
        self.assert_no_secrets(out + err, "mapping-service output")


# --- systemd ----------------------------------------------------------------------

class SystemdUnitTest(AgentTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.analyze = require_tool("systemd-analyze", "systemd")
        cls.unit = read_unit(UNIT_FILE)

    def service(self, key: str) -> list:
        return unit_values(self.unit, "Service", key)

    def test_verify_passes(self):
        unit = unit_for_built_binary(self.tmp)
        result = subprocess.run([self.analyze, "verify", unit], capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertNotIn("irsa-agent.service", result.stdout + result.stderr)

    def test_type_restart_and_hardening(self):
        expected = {
            "Type": ["notify"], "NotifyAccess": ["main"], "Restart": ["on-failure"],
            "ProtectSystem": ["strict"], "NoNewPrivileges": ["yes"], "PrivateTmp": ["yes"],
            "CapabilityBoundingSet": [""], "AmbientCapabilities": [""], "DynamicUser": ["yes"],
            "RuntimeDirectory": ["irsa-agent"], "ProtectHome": ["yes"],
            "PrivateDevices": ["yes"], "MemoryDenyWriteExecute": ["yes"],
        }
        for key, values in expected.items():
            self.assertEqual(self.service(key), values, key)
        self.assertEqual(self.service("RestrictAddressFamilies"), ["AF_UNIX AF_INET AF_INET6"])
        self.assertEqual(self.service("SystemCallFilter")[0], "@system-service")
        self.assertEqual(self.service("ExecStart"),
                         ["/usr/bin/irsa-agent run --config /etc/irsa-agent/agent.ini"])
        self.assertEqual(self.service("ExecReload"), ["/bin/kill -HUP $MAINPID"])
        self.assertEqual(len(self.service("WatchdogSec")), 1)
        # ProtectSystem=strict: the RuntimeDirectory is the only writable folder.
        for key in ("ReadWritePaths", "StateDirectory", "CacheDirectory", "LogsDirectory"):
            self.assertEqual(self.service(key), [], key)

    def test_exposure_score_is_low(self):
        """`systemd-analyze security` rates the shipped unit (1.1 "OK" when
        measured); above 1.5 fails, so a later change (a socket, a writable
        path, a capability) cannot weaken the sandbox quietly."""
        unit = unit_for_built_binary(self.tmp)
        result = subprocess.run([self.analyze, "security", "--offline=yes", "--no-pager", unit],
                                capture_output=True, text=True, timeout=60)
        output = result.stdout + result.stderr
        found = re.search(r"Overall exposure level for irsa-agent\.service: ([0-9.]+) (\w+)",
                          output)
        self.assertIsNotNone(found, output)
        score, rating = float(found.group(1)), found.group(2)
        print(f"\nsystemd-analyze security --offline=yes: irsa-agent.service exposure "
              f"{score} {rating} (limit 1.5)", file=sys.stderr)
        # The directives that cost points, to say what weakened it.
        exposed = [line.strip() for line in result.stdout.splitlines() if line.startswith("✗")]
        self.assertLessEqual(score, 1.5, "\n".join(exposed))

    def test_example_ini_drives_a_sync(self):
        """The example INI, with only the paths and endpoint a test can serve
        overridden by flags: every key is accepted, the run id comes from the
        INI (its pod-info-path does not exist), and its region and log format
        apply."""
        ini = {}
        with open(INI_EXAMPLE) as f:
            lines = f.read().splitlines()
        for line in lines:
            key, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith((";", "#")):
                ini[key.strip()] = value.strip()
        config_dir = os.path.dirname(ini["aws-config-file"])
        self.assertEqual(config_dir, "/run/" + self.service("RuntimeDirectory")[0],
                         "the INI's config must be in the unit's RuntimeDirectory")
        self.assertFalse(os.path.exists(ini["pod-info-path"]))

        domino_token = make_jwt(aud="domino-play")
        token_file = self.write_domino_token(domino_token, "domino-token")
        web_identity = self.path("web-identity-token")
        with open(web_identity, "w") as f:
            f.write(make_jwt())
        service = self.start_service(REFERENCE_ANSWER, expected_bearer=domino_token,
                                     expected_run_id=ini["run-id"])
        result = self.run_agent(["once", "--config", INI_EXAMPLE, "--print",
                                 "--endpoint", service.url(ENDPOINT_PATH), "--ca-file", "",
                                 "--domino-token-file", token_file,
                                 "--web-identity-token-file", web_identity])
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(len(service.mapping_requests()), 1)
        self.assertEqual(service.mapping_requests()[0].json(), {"run_id": ini["run-id"]})
        profiles = profiles_of(parse_aws_config(result.stdout, is_text=True))
        for name in REFERENCE_PROFILES:
            self.assertEqual(profiles[name]["region"], ini["region"])
            self.assertEqual(profiles["src_" + name]["web_identity_token_file"], web_identity)
        for line in result.stderr_lines:
            json.loads(line)  # log-format = json


# --- sd_notify --------------------------------------------------------------------

class NotifySocket:
    """A bound AF_UNIX datagram socket standing in for systemd's."""

    def __init__(self, folder: str, abstract: bool):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "irsa-it-" + os.urandom(8).hex()
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = os.path.join(folder, "notify.sock")
            self.sock.bind(self.address)
        self.log: list = []  # every (monotonic time, message) received

    def close(self):
        self.sock.close()

    def receive(self, timeout: float):
        """The next message and its arrival time, or (None, None) after `timeout`."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None, None
        now = time.monotonic()
        message = data.decode("utf-8", errors="replace")
        self.log.append((now, message))
        return message, now

    def wait_for(self, field: str, timeout: float, skip=("WATCHDOG=1",)):
        """Waits for a message holding the line `field`; messages that are
        exactly one of `skip` are passed over, any other one fails."""
        deadline = time.monotonic() + timeout
        while True:
            message, at = self.receive(deadline - time.monotonic())
            if message is None:
                raise AssertionError(f"no {field} within {timeout}s; received {self.log}")
            if field in message.split("\n"):
                return message, at
            if message not in skip:
                raise AssertionError(f"expected {field}, got {message!r}; received {self.log}")


class RunAgentCase(AgentTestCase):
    """A pod-like layout (labels, tokens, config folder) and a stand-in service
    for `irsa-agent run`."""

    def setUp(self):
        super().setUp()
        self.run_id = os.urandom(12).hex()
        self.labels_file = write_labels(AtomicDir(self.path("podinfo")),
                                        domino_labels(self.run_id))
        self.domino_token = make_jwt(aud="domino-play")
        self.token_file = self.write_domino_token(self.domino_token, "domino-token")
        self.web_identity_token = make_jwt()
        self.web_identity_file = self.write_web_identity_token(
            AtomicDir(self.path("serviceaccount")), self.web_identity_token)
        os.makedirs(self.path("aws"))
        self.config = self.path("aws", "config")
        self.service = self.start_service(REFERENCE_ANSWER, expected_bearer=self.domino_token,
                                          expected_run_id=self.run_id)
        self.log_file = self.path("agent.log")

    def agent_env(self, extra=None) -> dict:
        """The reference deployment's variables for this layout."""
        return {"AWS_CONFIG_FILE": self.config,
                "AWS_WEB_IDENTITY_TOKEN_FILE": self.web_identity_file,
                "DOMINO_TOKEN_FILE": self.token_file, "POD_INFO_PATH": self.labels_file,
                "IAM_SA_MAPPING_ENDPOINT": self.service.url(ENDPOINT_PATH), **(extra or {})}

    def start_run(self, *extra_args: str, env=None) -> subprocess.Popen:
        """Starts `irsa-agent run`; it is killed after the test if still running."""
        log = open(self.log_file, "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen([self.agent, "run", "--min-backoff", "0.1", "--max-backoff",
                                 "0.2", *extra_args],
                                env=clean_environment(self.agent_env(env)),
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

        def stop():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
        self.addCleanup(stop)
        return proc

    def agent_log(self) -> str:
        with open(self.log_file, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        self.assert_no_secrets(text, "the agent's log")
        return text

    def wait_for_file(self, path: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not os.path.exists(path):
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} did not appear within {timeout}s\n"
                                     + self.agent_log())
            time.sleep(0.02)


class NotifyTest(RunAgentCase):

    def check_protocol(self, abstract: bool) -> None:
        notify = NotifySocket(self.tmp, abstract)
        self.addCleanup(notify.close)
        proc = self.start_run(env={"NOTIFY_SOCKET": notify.address,
                                   "WATCHDOG_USEC": str(WATCHDOG_USEC)})

        ready, _ = notify.wait_for("READY=1", timeout=15, skip=())
        self.assertTrue(os.path.exists(self.config), "READY=1 before the config was written")
        self.assertEqual(len(self.service.mapping_requests()), 1)

        # WATCHDOG=1 every WATCHDOG_USEC / 2 and nothing else while idle.
        watchdog_times = []
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            message, at = notify.receive(deadline - time.monotonic())
            if message is None:
                break
            self.assertEqual(message, "WATCHDOG=1", notify.log)
            watchdog_times.append(at)
        gaps = [b - a for a, b in zip(watchdog_times, watchdog_times[1:])]
        self.assertGreaterEqual(len(gaps), 4, notify.log)
        self.assertTrue(all(0.15 <= gap <= 0.6 for gap in gaps), gaps)
        self.assertTrue(0.18 <= statistics.median(gaps) <= 0.3, gaps)

        proc.send_signal(signal.SIGHUP)
        notify.wait_for("RELOADING=1", timeout=5)
        notify.wait_for("READY=1", timeout=10)
        self.assertEqual(len(self.service.mapping_requests()), 2, "SIGHUP must sync")

        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        notify.wait_for("STOPPING=1", timeout=1)
        try:
            code = proc.wait(timeout=max(0.0, sent + 1.0 - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.fail("irsa-agent did not exit within 1 s of SIGTERM\n" + self.agent_log())
        self.assertEqual(code, 0, self.agent_log())
        self.assertIn("STATUS=", ready)  # systemctl status shows why it is ready
        self.assert_no_secrets("\n".join(m for _, m in notify.log), "notify messages")
        self.agent_log()

    def test_filesystem_socket(self):
        self.check_protocol(abstract=False)

    def test_abstract_socket(self):
        self.check_protocol(abstract=True)

    def test_no_ready_before_the_first_success_even_after_sighup(self):
        self.service.set_answer(Reply.server_error())
        notify = NotifySocket(self.tmp, abstract=False)
        self.addCleanup(notify.close)
        proc = self.start_run(env={"NOTIFY_SOCKET": notify.address})
        self.assertTrue(self.service.wait_for_requests(1, 10))
        proc.send_signal(signal.SIGHUP)
        self.assertTrue(self.service.wait_for_requests(2, 10))
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            notify.receive(deadline - time.monotonic())
        lines = [line for _, m in notify.log for line in m.split("\n")]
        self.assertNotIn("READY=1", lines, notify.log)
        self.assertNotIn("RELOADING=1", lines, notify.log)
        self.assertTrue(any(line.startswith("STATUS=sync failed: ") for line in lines), notify.log)
        self.assertFalse(os.path.exists(self.config))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(5), 0)


# --- install ------------------------------------------------------------------------

class InstallTest(RunAgentCase):

    def assert_installed_copy(self, folder: str) -> None:
        installed = os.path.join(folder, "irsa-agent")
        with open(installed, "rb") as a, open(self.agent, "rb") as b:
            self.assertTrue(a.read() == b.read(), f"{installed} differs from {self.agent}")
        self.assertEqual(os.stat(installed).st_mode & 0o7777, 0o755)
        result = subprocess.run([installed, "--version"], capture_output=True, text=True,
                                timeout=10, env=clean_environment())
        self.assertEqual(result.returncode, 0, result.stderr)
        expected = subprocess.run([self.agent, "--version"], capture_output=True, text=True,
                                  timeout=10, env=clean_environment())
        self.assertEqual(result.stdout, expected.stdout)
        self.assertRegex(result.stdout, r"^irsa-agent \S+ \(commit \S+, \S+, (static|dynamic)\)\n")
        self.assert_only_files(folder, ["irsa-agent"])

    def test_install_copies_an_identical_executable(self):
        folder = self.path("bin")
        os.makedirs(folder)
        result = self.run_agent(["install", folder], umask=0o077)
        self.assert_success_line(result, "installed", os.path.join(folder, "irsa-agent"))
        self.assert_installed_copy(folder)
        again = self.run_agent(["install", folder + "/"])
        self.assert_success_line(again, "unchanged")
        self.assert_installed_copy(folder)

    def test_install_replaces_an_old_binary_atomically(self):
        folder = self.path("bin")
        os.makedirs(folder)
        target = os.path.join(folder, "irsa-agent")
        with open(target, "wb") as f:
            f.write(b"#!/bin/sh\necho old\n")
        os.chmod(target, 0o700)
        before = os.stat(target).st_ino
        self.assert_success_line(self.run_agent(["install", folder]), "installed")
        self.assertNotEqual(os.stat(target).st_ino, before, "must be a new file, renamed in")
        self.assert_installed_copy(folder)

    def test_install_into_a_missing_folder_fails(self):
        folder = self.path("missing")
        result = self.run_agent(["install", folder])
        self.assert_error(result, 6, "cannot install " + os.path.join(folder, "irsa-agent"))
        self.assertFalse(os.path.exists(folder))

    def test_run_installs_at_start_and_status_sees_it_ready(self):
        folder = self.path("bin")
        os.makedirs(folder)
        # The probe's view: `status` with the container's environment only.
        before = self.run_agent(["status"], env=self.agent_env())
        self.assertEqual(before.returncode, 1, before.describe())
        proc = self.start_run("--install-to", folder)
        self.wait_for_file(self.config)
        self.wait_for_file(os.path.join(folder, "irsa-agent"))
        self.assert_installed_copy(folder)
        status = self.run_agent(["status"], env=self.agent_env())
        self.assertEqual(status.returncode, 0, status.describe())
        self.assertIn("installed this binary for manual re-runs", self.agent_log())
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=5), 0)

    def test_run_carries_on_when_install_fails(self):
        folder = self.path("missing")
        proc = self.start_run("--install-to", folder)
        self.wait_for_file(self.config)
        sections = parse_aws_config(self.config)
        self.assertEqual(set(profiles_of(sections)),
                         set(REFERENCE_PROFILES) | {"src_" + p for p in REFERENCE_PROFILES})
        self.assertIsNone(proc.poll(), "the agent must keep running")
        self.assertIn("cannot install this binary for manual re-runs; continuing",
                      self.agent_log())
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=5), 0)


# --- the Debian package -----------------------------------------------------------

class DebianPackageTest(AgentTestCase):
    """Builds the package of the build folder holding $IRSA_AGENT_BIN, installs
    it with dpkg, checks it and removes it again. Serialised with a lock file,
    as dpkg's database is machine-wide."""

    PACKAGE = "irsa-agent"
    LOCK = "/tmp/irsa-agent-dpkg-test.lock"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if os.geteuid() != 0:
            raise AssertionError("the Debian package test installs a package: run it as root")
        cls.cpack = require_tool("cpack", "cmake")
        require_tool("dpkg-shlibdeps", "dpkg-dev")
        cls.analyze = require_tool("systemd-analyze", "systemd")
        cls.build_dir = os.path.dirname(agent_binary())
        if not os.path.isfile(os.path.join(cls.build_dir, "CPackConfig.cmake")):
            raise AssertionError(f"{cls.build_dir} has no CPackConfig.cmake: IRSA_AGENT_BIN "
                                 "must be the irsa-agent of a CMake build folder")

    def setUp(self):
        super().setUp()
        lock = open(self.LOCK, "w")
        self.addCleanup(lock.close)
        deadline = time.monotonic() + 300
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.LOCK} stayed locked for 300 s") from None
                time.sleep(0.5)
        self.assertFalse(self.installed(), f"{self.PACKAGE} is already installed on this "
                         "machine; remove it (dpkg -r irsa-agent) before running this test")
        self.assertFalse(os.path.lexists("/usr/bin/irsa-agent"),
                         "/usr/bin/irsa-agent exists and is not from the package")

    def installed(self) -> bool:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", self.PACKAGE],
                                capture_output=True, text=True, timeout=60)
        return result.returncode == 0 and result.stdout.endswith(" installed")

    def dpkg(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["dpkg", *args], capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))

    def build_package(self) -> str:
        out = self.path("cpack")
        result = subprocess.run([self.cpack, "-G", "DEB", "--config",
                                 os.path.join(self.build_dir, "CPackConfig.cmake"), "-B", out],
                                capture_output=True, text=True, timeout=600,
                                cwd=self.build_dir)  # its preinstall step builds "."
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        debs = [name for name in os.listdir(out) if name.endswith(".deb")]
        self.assertEqual(len(debs), 1, os.listdir(out))
        return os.path.join(out, debs[0])

    def test_build_install_check_remove(self):
        deb = self.build_package()
        # "irsa-agent 0.1.0 (commit ..., RelWithDebInfo, dynamic)": the second word.
        version = subprocess.run([self.agent, "--version"], capture_output=True, text=True,
                                 timeout=10).stdout.split()[1]
        fields = {key: subprocess.run(["dpkg-deb", "-f", deb, key], capture_output=True,
                                      text=True, timeout=60).stdout.strip()
                  for key in ("Package", "Version", "Maintainer", "Description", "Depends")}
        self.assertEqual(fields["Package"], self.PACKAGE)
        self.assertEqual(fields["Version"], version)
        self.assertTrue(fields["Maintainer"])
        self.assertTrue(fields["Description"])
        self.assertIn("libcurl", fields["Depends"], "Depends must come from dpkg-shlibdeps")

        try:
            result = self.dpkg("-i", deb)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertTrue(self.installed())
            self.check_installed_files(version)
        finally:
            removed = self.dpkg("-r", self.PACKAGE)
            # The maintainer scripts keep dpkg's record ("config-files") until a purge.
            self.addCleanup(self.dpkg, "--purge", self.PACKAGE)
        self.assertEqual(removed.returncode, 0, removed.stdout + removed.stderr)
        self.assertFalse(self.installed())
        for path in ("/usr/bin/irsa-agent", "/lib/systemd/system/irsa-agent.service",
                     "/usr/share/doc/irsa-agent"):
            self.assertFalse(os.path.lexists(path), f"{path} is left after dpkg -r")
        purged = self.dpkg("--purge", self.PACKAGE)
        self.assertEqual(purged.returncode, 0, purged.stdout + purged.stderr)

    def check_installed_files(self, version: str) -> None:
        binary = "/usr/bin/irsa-agent"
        self.assertEqual(os.stat(binary).st_mode & 0o7777, 0o755)
        result = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                timeout=10, env=clean_environment())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith(f"irsa-agent {version} (commit "), result.stdout)
        self.assertIn("dynamic", result.stdout.splitlines()[0])
        # The man page and the bash completion, generated from the settings table.
        man = "/usr/share/man/man1/irsa-agent.1.gz"
        with gzip.open(man, "rt") as f:
            page = f.read()
        self.assertIn(".TH IRSA\\-AGENT 1", page)
        self.assertIn("\\-\\-sts\\-endpoint", page)
        completion = "/usr/share/bash-completion/completions/irsa-agent"
        with open(completion) as f:
            self.assertIn("complete -F _irsa_agent irsa-agent", f.read())

        unit = "/lib/systemd/system/irsa-agent.service"
        with open(unit) as installed, open(UNIT_FILE) as source:
            self.assertEqual(installed.read(), source.read())
        # The shipped unit itself, now that its ExecStart exists.
        verify = subprocess.run([self.analyze, "verify", unit], capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)

        doc = "/usr/share/doc/irsa-agent"
        expected_docs = sorted(name for name in os.listdir(os.path.join(SOURCE_DIR, "docs"))
                               if name.endswith(".md"))
        if os.path.exists(os.path.join(SOURCE_DIR, "README.md")):
            expected_docs.append("README.md")
        for name in expected_docs:
            self.assertTrue(os.path.isfile(os.path.join(doc, name)), name)
        self.assertIn("DEPLOYMENT.md", expected_docs)
        with open(os.path.join(doc, "examples", "agent.ini.example")) as installed, \
                open(INI_EXAMPLE) as source:
            self.assertEqual(installed.read(), source.read())
        for name in ("mutation.yaml", "native-sidecar-pod.yaml", "mapping.conf"):
            self.assertTrue(os.path.isfile(os.path.join(doc, "examples", name)), name)
        listed = self.dpkg("-L", self.PACKAGE).stdout.splitlines()
        self.assertIn(binary, listed)
        self.assertIn(unit, listed)
        self.assertIn(man, listed)
        self.assertIn(completion, listed)


if __name__ == "__main__":
    unittest.main()

"""A real Kubernetes API server for the e2e tier: KWOK here, any cluster through KUBECONFIG.

KWOK (`kwokctl --runtime binary`) runs etcd, kube-apiserver, kube-controller-manager and
kube-scheduler as processes, built by `make tools` from their Go modules, and simulates the
nodes: the API, admission, controllers and scheduling are real; no container ever runs.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from .paths import BIN_DIR, REPO_ROOT

KWOK_BINARIES = ("kwokctl", "kwok", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
WORK_DIR = REPO_ROOT / ".cache" / "kwok"


class CommandError(Exception):
    """A command failed; the message carries its stderr."""


def run(command: list[str], env: dict | None = None, timeout: int = 600) -> str:
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    if result.returncode != 0:
        raise CommandError(f"{' '.join(command)}\n{result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def missing_kwok_binaries() -> list[str]:
    return [name for name in KWOK_BINARIES if not (BIN_DIR / name).exists()]


def run_secret_generator(cluster, namespace: str, config_map: dict) -> str:
    """What the secret generator Job's pod does, when the cluster runs no container (KWOK): its
    ConfigMap's script run here with Node.js against the cluster's API server, as `make up` does
    (hack/run-secret-generator.py); on a cluster that does, the Job itself has run. Returns the
    script's output."""
    if cluster.runs_containers:
        return "ran in the cluster"
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: it runs the secret generator's script outside a pod")
    spec = importlib.util.spec_from_file_location("run_secret_generator", REPO_ROOT / "hack" / "run-secret-generator.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    result = script.run_generator(config_map, namespace, str(cluster.kubeconfig), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def add_static_volumes(cluster, owner: str, count: int = 8) -> None:
    """PersistentVolumes for one namespace's claims (the stores, Prometheus, and a queue claim
    for each of up to two collector replicas): KWOK has no provisioner to create them. Named
    after the namespace, so modules never share them."""
    if cluster.runs_containers:
        return
    from kubernetes import client

    core = client.CoreV1Api(cluster.api)
    for index in range(count):
        name = f"{owner}-volume-{index}"
        core.create_persistent_volume({
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": {"e2e": "static"}},
            "spec": {"capacity": {"storage": "500Gi"}, "accessModes": ["ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Retain", "hostPath": {"path": f"/tmp/{name}"}},
        })


@dataclass
class KwokCluster:
    """A throw-away KWOK cluster with simulated nodes; `make tools` provides the binaries."""

    name: str
    nodes: int = 2

    @property
    def kubeconfig(self) -> Path:
        return WORK_DIR / f"{self.name}.kubeconfig"

    def _env(self) -> dict:
        return {**os.environ, "KWOK_WORKDIR": str(WORK_DIR), "PATH": f"{BIN_DIR}:{os.environ['PATH']}"}

    def create(self) -> Path:
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        self.delete()
        run([str(BIN_DIR / "kwokctl"), "create", "cluster", "--name", self.name, "--runtime", "binary",
             "--etcd-binary", str(BIN_DIR / "etcd"),
             "--kube-apiserver-binary", str(BIN_DIR / "kube-apiserver"),
             "--kube-controller-manager-binary", str(BIN_DIR / "kube-controller-manager"),
             "--kube-scheduler-binary", str(BIN_DIR / "kube-scheduler"),
             "--kwok-controller-binary", str(BIN_DIR / "kwok"),
             "--kubeconfig", str(self.kubeconfig), "--wait", "120s"], env=self._env())
        run([str(BIN_DIR / "kwokctl"), "--name", self.name, "scale", "node", "--replicas", str(self.nodes)],
            env=self._env())
        return self.kubeconfig

    def delete(self) -> None:
        if (WORK_DIR / "clusters" / self.name).exists():
            subprocess.run([str(BIN_DIR / "kwokctl"), "delete", "cluster", "--name", self.name,
                            "--kubeconfig", str(self.kubeconfig)],
                           env=self._env(), capture_output=True, check=False)
        shutil.rmtree(WORK_DIR / "clusters" / self.name, ignore_errors=True)
        self.kubeconfig.unlink(missing_ok=True)


class PortForward:
    """`kubectl port-forward` to a Service, on a free local port, for as long as the block runs.

    Usage: with PortForward(kubeconfig, namespace, "svc/obs-langfuse-web", 3000) as url: ...
    """

    def __init__(self, kubeconfig: Path, namespace: str, target: str, port: int):
        self.command = [str(BIN_DIR / "kubectl"), "--kubeconfig", str(kubeconfig), "--namespace", namespace,
                        "port-forward", target, f":{port}"]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> str:
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()  # "Forwarding from 127.0.0.1:NNNNN -> PORT"
        if "Forwarding from 127.0.0.1:" not in line:
            self.process.kill()
            raise CommandError(f"{' '.join(self.command)}: {line}{self.process.stderr.read()}")
        local_port = line.split("127.0.0.1:", 1)[1].split(" ", 1)[0]
        return f"http://127.0.0.1:{local_port}"

    def __exit__(self, *exc) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)


def crd_files(api_versions) -> list[Path]:
    """The CRDs in bin/crds (`make tools`) that define the groups of "group/version/Kind" strings."""
    groups = sorted({api_version.split("/")[0] for api_version in api_versions if api_version.count("/") == 2})
    return [path for group in groups for path in sorted(BIN_DIR.glob(f"crds/{group}_*.yaml"))]


def apply_crds(cluster, paths: list[Path], timeout: float = 60) -> None:
    """Apply CRDs server-side (so a second apply is a no-op) and wait until the API server serves them."""
    import time

    import yaml
    from kubernetes import client

    names = {yaml.safe_load(path.read_text())["metadata"]["name"] for path in paths}
    for path in paths:
        run([str(BIN_DIR / "kubectl"), "--kubeconfig", str(cluster.kubeconfig), "apply", "--server-side", "-f", str(path)])
    extensions = client.ApiextensionsV1Api(cluster.api)
    deadline = time.monotonic() + timeout
    while (missing := names - {crd.metadata.name for crd in extensions.list_custom_resource_definition().items
                               if any(c.type == "Established" and c.status == "True"
                                      for c in crd.status.conditions or [])}):
        assert time.monotonic() < deadline, f"CRDs not established: {missing}"
        time.sleep(0.5)

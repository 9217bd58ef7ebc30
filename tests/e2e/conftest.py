"""The cluster of the e2e tier: KWOK on this machine, or any cluster named by E2E_KUBECONFIG.

With E2E_KUBECONFIG (CI's kind cluster) the suite runs against that cluster and its data
plane; otherwise it creates a KWOK cluster from the binaries `make tools` built. Without
either, every e2e test is skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from kubernetes import client, config

from harness import diagnostics
from harness.cluster import KwokCluster, add_static_volumes, missing_kwok_binaries

RESTRICTED = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")}


class Cluster:
    """A reachable cluster, whether it runs containers, and a client for it."""

    def __init__(self, kubeconfig: Path, runs_containers: bool, kind: str):
        self.kubeconfig = kubeconfig
        self.runs_containers = runs_containers
        self.kind = kind
        self.api = config.new_client_from_config(str(kubeconfig))

    def require_containers(self, what: str) -> None:
        if not self.runs_containers:
            pytest.skip(f"{what} needs running containers: this {self.kind} cluster simulates its nodes "
                        "and pulls no images (no container registry here); it runs on kind in CI")


@pytest.fixture(scope="session")
def cluster():
    external = os.environ.get("E2E_KUBECONFIG")
    if external:
        yield Cluster(Path(external), runs_containers=True, kind="external")
        return
    missing = missing_kwok_binaries()
    if missing:
        pytest.skip(f"no cluster: set E2E_KUBECONFIG, or run `make tools` to build {', '.join(missing)}")
    kwok = KwokCluster(name=f"e2e-{uuid.uuid4().hex[:6]}")
    kubeconfig = kwok.create()
    try:
        yield Cluster(kubeconfig, runs_containers=False, kind="KWOK")
    finally:
        kwok.delete()


@pytest.fixture(scope="module")
def restricted_namespace(cluster):
    """A fresh namespace that enforces Pod Security "restricted", with volumes for its claims."""
    name = f"obs-{uuid.uuid4().hex[:6]}"
    core = client.CoreV1Api(cluster.api)
    core.create_namespace({"metadata": {"name": name, "labels": RESTRICTED}})
    add_static_volumes(cluster, name)
    yield name
    core.delete_namespace(name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and call.when == "call" and "restricted_namespace" in item.funcargs:
        cluster = item.funcargs["cluster"]  # restricted_namespace depends on it
        release = item.funcargs.get("release")
        report.sections.append(("cluster diagnostics", diagnostics.report(
            cluster.api, item.funcargs["restricted_namespace"], release)))
    return report

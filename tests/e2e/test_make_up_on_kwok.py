"""`make up CLUSTER=kwok` (hack/up.sh) on a KWOK cluster of its own, as a person runs it: what
it prints works there, and a second release, with a values file of its own, fits beside the
first. The session's cluster is not used: make up creates and removes its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid

import pytest
import yaml

from harness.cluster import missing_kwok_binaries
from harness.paths import BIN_DIR, REPO_ROOT
from harness.render import render_chart

# A second release with one claim more than the first: the embedded Grafana keeps its database.
GRAFANA_CLAIM = {"monitoring": {"grafana": {"persistence": {"enabled": True}}}}


class LocalCluster:
    """hack/up.sh and hack/down.sh on one KWOK cluster named for this test run."""

    def __init__(self):
        self.env = {**os.environ, "CLUSTER": "kwok", "CLUSTER_NAME": f"e2e-up-{uuid.uuid4().hex[:6]}"}
        self.kubeconfig = REPO_ROOT / ".cache" / f"kwok-{self.env['CLUSTER_NAME']}.kubeconfig"

    def up(self, **env: str) -> str:
        result = subprocess.run([shutil.which("bash"), str(REPO_ROOT / "hack" / "up.sh")], cwd=REPO_ROOT,
                                env={**self.env, **env}, capture_output=True, text=True, timeout=600, check=False)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result.stdout

    def down(self) -> None:
        subprocess.run([shutil.which("bash"), str(REPO_ROOT / "hack" / "down.sh")], cwd=REPO_ROOT, env=self.env,
                       capture_output=True, check=False)

    def shell(self, command: str) -> str:
        """A command as make up prints it, in the shell its `export` line sets up."""
        result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, check=False,
                                env={**os.environ, "KUBECONFIG": str(self.kubeconfig),
                                     "PATH": f"{BIN_DIR}:{os.environ['PATH']}"})
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        return result.stdout

    def claims(self, namespace: str) -> dict[str, str]:
        found = yaml.safe_load(self.shell(f"kubectl -n {namespace} get pvc -o yaml"))["items"]
        return {claim["metadata"]["name"]: claim["status"]["phase"] for claim in found}


@pytest.fixture(scope="module")
def local_cluster():
    missing = missing_kwok_binaries()
    if missing:
        pytest.skip(f"make up CLUSTER=kwok needs {', '.join(missing)}: run `make tools`")
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: make up runs the secret generator's script with it on KWOK")
    cluster = LocalCluster()
    try:
        yield cluster
    finally:
        cluster.down()


@pytest.fixture(scope="module")
def first_release(local_cluster):
    return local_cluster.up(RELEASE="obs", NAMESPACE="first")


def printed_password_commands(output: str) -> list[str]:
    return re.findall(r"kubectl -n \S+ get secret \S+ -o jsonpath='\{\.data\.password\}' \| base64 -d", output)


def test_the_password_commands_it_prints_work_on_kwok(local_cluster, first_release):
    commands = printed_password_commands(first_release)
    assert len(commands) == 2, first_release  # LangFuse's admin, Grafana's admin
    for command in commands:
        assert local_cluster.shell(command).strip(), command


def test_it_says_what_kwok_simulates_and_that_helm_test_runs_nothing(first_release):
    summary = first_release.split("agent-observability is up", 1)[1]
    assert "What KWOK simulates: its nodes." in summary
    assert "helm test obs -n first: its Jobs' pods are marked Succeeded without running" in summary
    assert "port-forward svc/" not in summary  # the kind cluster's instructions only


def test_a_second_release_with_its_own_values_binds_every_claim(local_cluster, first_release, tmp_path):
    values = tmp_path / "grafana-claim.yaml"
    values.write_text(yaml.safe_dump(GRAFANA_CLAIM))
    local_cluster.up(RELEASE="obs2", NAMESPACE="second", VALUES=str(values))
    claims = local_cluster.claims("second")
    rendered = render_chart(values_files=(REPO_ROOT / "values" / "kind.yaml",), values=GRAFANA_CLAIM, release="obs2",
                            namespace="second")
    expected = len(rendered.of_kind("PersistentVolumeClaim")) + sum(
        len(workload["spec"].get("volumeClaimTemplates", [])) for workload in rendered.of_kind("StatefulSet"))
    assert "obs2-grafana" in claims and len(claims) == expected
    assert set(claims.values()) == {"Bound"}, claims
    assert set(local_cluster.claims("first").values()) == {"Bound"}
    applied = yaml.safe_load(local_cluster.shell("helm -n second get values obs2 -o yaml"))
    assert applied["monitoring"]["grafana"]["persistence"] == {"enabled": True}

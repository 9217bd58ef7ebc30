"""Every object of every shipped values file is accepted by the real API server, applied server-side."""

from __future__ import annotations

import subprocess

import pytest

from harness.cluster import apply_crds, crd_files
from harness.paths import UMBRELLA_CHART, declared_api_versions, shipped_values_params, tool
from harness.render import render_text

VALUES_FILES = shipped_values_params()


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_server_side_apply_dry_run_accepts_every_object(cluster, restricted_namespace, values_file):
    # The kinds a values file needs beyond Kubernetes' own are served as its cluster serves them.
    apply_crds(cluster, crd_files(declared_api_versions([values_file])))
    manifest = render_text(UMBRELLA_CHART, values_files=(values_file,), namespace=restricted_namespace)
    result = subprocess.run(
        [tool("kubectl"), "--kubeconfig", str(cluster.kubeconfig), "--namespace", restricted_namespace,
         "apply", "--server-side", "--dry-run=server", "--field-manager", "e2e", "-f", "-"],
        input=manifest, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    applied = [line for line in result.stdout.splitlines() if "serverside-applied" in line]
    assert len(applied) == manifest.count("\nkind: ")
    assert "Warning" not in result.stderr, result.stderr

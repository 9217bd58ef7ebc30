"""Every shipped values file renders a valid manifest on every supported Kubernetes version."""

import pytest
import yaml

from harness.paths import (KUBE_VERSION_NEWEST, KUBE_VERSION_OLDEST, REPO_ROOT,
                           SUPPORTED_KUBE_VERSIONS, UMBRELLA_CHART, shipped_values_files,
                           shipped_values_params)
from harness.render import RenderError, render_chart, render_text

VALUES_FILES = shipped_values_params()


def by_kind_and_name(manifest):
    """Objects keyed by (kind, name): the Helm versions may order documents differently."""
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in manifest}


def test_values_files_exist_for_each_audience():
    names = {path.name for path in shipped_values_files()}
    assert {"kind.yaml", "production.yaml", "gitops.yaml"} <= names


@pytest.mark.parametrize("kube_version", SUPPORTED_KUBE_VERSIONS)
@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_values_file_renders_objects_valid_for_kubernetes(values_file, kube_version):
    manifest = render_chart(values_files=(values_file,), kube_version=kube_version)
    assert len(manifest) > 0


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_helm_3_renders_the_same_objects_as_helm_4(values_file):
    helm4 = render_chart(values_files=(values_file,), helm="helm")
    helm3 = render_chart(values_files=(values_file,), helm="helm3")
    assert by_kind_and_name(helm3) == by_kind_and_name(helm4)


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_two_renders_of_the_same_inputs_are_byte_identical(values_file):
    # Argo CD compares renders: any difference is a perpetual OutOfSync (and a rotated secret).
    first = render_text(UMBRELLA_CHART, values_files=(values_file,))
    second = render_text(UMBRELLA_CHART, values_files=(values_file,))
    assert first == second


def test_kubernetes_older_than_the_oldest_supported_is_refused():
    major, minor, _ = KUBE_VERSION_OLDEST.split(".")
    too_old = f"{major}.{int(minor) - 1}.0"
    with pytest.raises(RenderError, match="kubeVersion"):
        render_chart(kube_version=too_old)


def test_chart_states_the_oldest_supported_kubernetes_version():
    chart = yaml.safe_load((UMBRELLA_CHART / "Chart.yaml").read_text())
    assert chart["kubeVersion"] == f">={KUBE_VERSION_OLDEST}-0"


def test_readme_states_the_supported_kubernetes_versions():
    readme = (REPO_ROOT / "README.md").read_text()
    oldest, newest = (v.rsplit(".", 1)[0] for v in (KUBE_VERSION_OLDEST, KUBE_VERSION_NEWEST))
    assert f"Kubernetes {oldest} to {newest}" in readme



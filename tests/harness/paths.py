"""Where things are in the repository, and which Kubernetes versions the chart supports."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = REPO_ROOT / "bin"
UMBRELLA_CHART = REPO_ROOT / "charts" / "agent-observability"
SUBCHARTS = sorted(path.parent for path in (UMBRELLA_CHART / "charts").glob("*/Chart.yaml"))



def _kube_version(path: Path, pattern: str) -> str:
    match = re.search(pattern, path.read_text(), re.MULTILINE)
    assert match, f"{path.relative_to(REPO_ROOT)} no longer states a Kubernetes version ({pattern})"
    return f"{match.group(1)}.0"


# The oldest and the newest Kubernetes release the chart supports, from where each is decided
# (the Makefile reads the same two files): the lower bound of Chart.yaml's kubeVersion, and the
# release of the control plane the e2e tier runs (hack/tools/kube/go.mod). The READMEs state them.
KUBE_VERSION_OLDEST = _kube_version(UMBRELLA_CHART / "Chart.yaml", r'^kubeVersion: ">=(\d+\.\d+)\.0-0"$')
KUBE_VERSION_NEWEST = _kube_version(REPO_ROOT / "hack" / "tools" / "kube" / "go.mod", r"^require k8s\.io/kubernetes v(\d+\.\d+)\.\d+$")
SUPPORTED_KUBE_VERSIONS = (KUBE_VERSION_OLDEST, KUBE_VERSION_NEWEST)


def shipped_values_files() -> list[Path]:
    """The values files users install with (values/) and chart-testing's (<chart>/ci/)."""
    return sorted((REPO_ROOT / "values").glob("*.yaml")) + sorted(
        (UMBRELLA_CHART / "ci").glob("*-values.yaml")
    )


def declared_api_versions(values_files) -> tuple[str, ...]:
    """The kinds values files declare they need their API server to serve: hack/api_versions.py,
    the one reader of that declaration, which the golden renders and checkov's lint use too."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("api_versions", REPO_ROOT / "hack" / "api_versions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.declared_api_versions(values_files)


def shipped_values_params() -> list:
    """shipped_values_files() as pytest parameters named by their repository path."""
    import pytest  # only the tests parametrise; the harness's other users need no pytest

    return [pytest.param(path, id=str(path.relative_to(REPO_ROOT))) for path in shipped_values_files()]


def tool(name: str) -> str:
    """Path of a tool built by `make tools`, falling back to PATH; raises when missing."""
    built = BIN_DIR / name
    if built.exists():
        return str(built)
    found = shutil.which(name, path=os.environ.get("PATH"))
    if not found:
        raise FileNotFoundError(f"{name} is not installed: run `make tools`")
    return found

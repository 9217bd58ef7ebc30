"""Upgrade safety across chart versions: the previous released chart, installed with the kind
values of its day, upgraded in place to this working tree's chart and values.

The previous release is the newest tag of the release workflow's pattern that is an ancestor of
HEAD and whose Chart.yaml version differs from the working tree's; its chart and values are read
from git (`git archive`, `git show`), no network. Until such a tag exists the tests skip.
After the upgrade and a second run of the secret generator, every Secret it made keeps its uid
and data (new Secrets and keys may appear) and the claims are the same ones.

UPGRADE_FROM_REPO names another clone to take the tags and the working tree from (default: this
repository), e.g. a throw-away clone with a temporary tag and a bumped Chart.yaml version, to see
the upgrade run before the first release.

The tests run in file order and share one release, as the upgrade does.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from harness.cluster import CommandError, run
from harness.helm import Release
from harness.paths import REPO_ROOT
from test_lifecycle import claims, generated_secrets, run_secret_generator_hook

# .github/workflows/release.yaml publishes the chart on every tag of this pattern.
RELEASE_TAG_PATTERN = "v*"
CHART_PATH = "charts/agent-observability"
KIND_VALUES_PATH = "values/kind.yaml"
REPO = Path(os.environ.get("UPGRADE_FROM_REPO", REPO_ROOT)).resolve()


def git(repo: Path, *args: str) -> str:
    return run(["git", "-C", str(repo), *args])


def chart_version(chart_yaml: str) -> str:
    return str(yaml.safe_load(chart_yaml)["version"])


def previous_release(repo: Path) -> tuple[str, str] | None:
    """(tag, chart version) of the newest release tag behind HEAD with another chart version than the working tree's."""
    current = chart_version((repo / CHART_PATH / "Chart.yaml").read_text())
    tags = git(repo, "tag", "--list", RELEASE_TAG_PATTERN, "--merged", "HEAD", "--sort=-v:refname").split()
    for tag in tags:
        try:
            version = chart_version(git(repo, "show", f"{tag}:{CHART_PATH}/Chart.yaml"))
        except CommandError:  # a tag from before the chart existed
            continue
        if version != current:
            return tag, version
    return None


PREVIOUS = previous_release(REPO)
# Decided at collection, so a skip creates no cluster.
pytestmark = pytest.mark.skipif(
    PREVIOUS is None, reason=f"no released chart version to upgrade from: tag a release ({RELEASE_TAG_PATTERN}) first")


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The previous release's chart directory and kind values file, extracted from git."""
    tag, _ = PREVIOUS
    scratch = tmp_path_factory.mktemp(f"release-{tag}")
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", tag, CHART_PATH],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(scratch, filter="data")
    values = scratch / "kind.yaml"
    values.write_text(git(REPO, "show", f"{tag}:{KIND_VALUES_PATH}"))
    return {"chart": scratch / CHART_PATH, "values": values}


@pytest.fixture(scope="module")
def release(cluster, restricted_namespace, released):
    return Release("obs", restricted_namespace, cluster.kubeconfig, chart=released["chart"])


@pytest.fixture(scope="module")
def api(cluster):
    return {"core": client.CoreV1Api(cluster.api)}


def kept(before: dict[str, dict], after: dict[str, dict]) -> dict[str, dict]:
    """`after` cut down to what `before` had: its Secrets, with only their keys (new ones may be added)."""
    return {name: {"uid": after[name]["uid"], "data": {key: after[name]["data"].get(key) for key in secret["data"]}}
            for name, secret in before.items() if name in after}


class TestUpgradeFromRelease:
    state: dict = {}

    def test_the_previous_release_installs_with_its_own_values(self, cluster, release, released, api):
        release.install(released["values"])
        assert release.status()["info"]["status"] == "deployed"
        run_secret_generator_hook(cluster, release)
        self.state["secrets"] = generated_secrets(api, release.namespace)
        self.state["claims"] = claims(api, release.namespace)
        assert self.state["secrets"] and self.state["claims"]

    def test_upgrade_to_this_chart_keeps_every_credential_and_volume(self, cluster, release, api):
        release.chart = REPO / CHART_PATH
        release.upgrade(REPO / KIND_VALUES_PATH)
        run_secret_generator_hook(cluster, release)
        status = release.status()
        assert (status["version"], status["info"]["status"]) == (2, "deployed")
        assert kept(self.state["secrets"], generated_secrets(api, release.namespace)) == self.state["secrets"]
        # Every claim is kept; this chart may add some (the collector's queue claim per replica).
        after = claims(api, release.namespace)
        assert {name: uid for name, uid in after.items() if name in self.state["claims"]} == self.state["claims"]

    def test_history_shows_the_release_superseded_by_this_chart(self, release):
        _, old_version = PREVIOUS
        new_version = chart_version((REPO / CHART_PATH / "Chart.yaml").read_text())
        history = json.loads(release.helm("history", release.name, "--output", "json"))
        assert [(h["revision"], h["status"], h["chart"]) for h in history] == [
            (1, "superseded", f"agent-observability-{old_version}"),
            (2, "deployed", f"agent-observability-{new_version}")]

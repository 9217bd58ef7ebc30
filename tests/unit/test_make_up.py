"""`make up`'s arguments, from its dry run (UP_DRY_RUN=1: what it would do, no cluster touched):
your values files after values/kind.yaml, and on KWOK, free volumes for a second release.
tests/e2e/test_make_up_on_kwok.py brings two releases up for real."""

from __future__ import annotations

import os
import shutil
import subprocess

import yaml

from harness.paths import REPO_ROOT
from harness.render import render_chart

UP = REPO_ROOT / "hack" / "up.sh"
KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"


def dry_run(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("bash"), str(UP)], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**os.environ, "UP_DRY_RUN": "1", **env}, check=False)


def values_files_of(helm_command: str) -> list[str]:
    words = helm_command.split()
    return [words[i + 1] for i, word in enumerate(words) if word == "--values"]


def claims_of_one_release(values_files) -> int:
    """The claims a release makes: its PersistentVolumeClaims and each StatefulSet's templates."""
    manifest = render_chart(values_files=values_files)
    return len(manifest.of_kind("PersistentVolumeClaim")) + sum(
        len(s["spec"].get("volumeClaimTemplates", [])) * s["spec"].get("replicas", 1)
        for s in manifest.of_kind("StatefulSet"))


def test_your_values_files_follow_kind_yaml_in_the_order_given(tmp_path):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    for path in (first, second):
        path.write_text("{}\n")
    for separated in (f"{first} {second}", f"{first},{second}"):
        result = dry_run(CLUSTER="kind", VALUES=separated)
        assert result.returncode == 0, result.stderr
        assert values_files_of(result.stdout.splitlines()[0]) == [str(KIND_VALUES), str(first), str(second)]


def test_a_relative_values_path_is_read_from_where_make_runs():
    result = dry_run(CLUSTER="kind", VALUES="values/production.yaml")
    assert result.returncode == 0, result.stderr
    assert values_files_of(result.stdout) == [str(KIND_VALUES), str(REPO_ROOT / "values" / "production.yaml")]


def test_without_values_make_up_installs_kind_yaml_alone():
    result = dry_run(CLUSTER="kind", VALUES="")
    assert result.returncode == 0, result.stderr
    assert values_files_of(result.stdout) == [str(KIND_VALUES)]


def test_a_values_file_that_is_not_there_is_named_before_anything_starts():
    result = dry_run(CLUSTER="kind", VALUES="my-values.yaml")
    assert result.returncode != 0
    assert f"make up: VALUES names my-values.yaml, which is not a file (paths are relative to {REPO_ROOT})" \
        in result.stderr


def test_an_unknown_cluster_is_refused():
    result = dry_run(CLUSTER="minikube")
    assert result.returncode != 0 and "unknown CLUSTER=minikube: use kind or kwok" in result.stderr


def test_on_kwok_there_are_free_volumes_for_this_release_and_a_second_one(tmp_path):
    """KWOK has no provisioner: with too few static volumes a second release's claims stay
    Pending until helm's deadline. A default release claims seven (five stores, the collector's
    queue, the Alertmanager's silences); values that claim more get more."""
    assert claims_of_one_release([KIND_VALUES]) == 7
    result = dry_run(CLUSTER="kwok")
    assert result.returncode == 0, result.stderr
    assert "free PersistentVolumes kept: 14" in result.stdout.splitlines()
    grafana_claim = tmp_path / "grafana-claim.yaml"
    grafana_claim.write_text(yaml.safe_dump({"monitoring": {"grafana": {"persistence": {"enabled": True}}}}))
    assert claims_of_one_release([KIND_VALUES, grafana_claim]) == 8
    result = dry_run(CLUSTER="kwok", VALUES=str(grafana_claim))
    assert "free PersistentVolumes kept: 16" in result.stdout.splitlines()


def test_make_help_names_the_values_argument_of_make_up():
    result = subprocess.run(["make", "--no-print-directory", "-s", "help"], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=True)
    [up] = [line for line in result.stdout.splitlines() if line.strip().startswith("up ")]
    assert 'VALUES="my.yaml ..."' in up and "values/kind.yaml" in up

"""Air-gapped installs: one setting, global.imageRegistry, moves every image of the release
(every container and init container of every Deployment, StatefulSet, Job, CronJob and Pod,
the secret generator hook's and the helm tests' included) to a private registry, and
global.imagePullSecrets reaches every pod."""

import re

import pytest
import yaml

from harness.charts import values_passed_to
from harness.paths import REPO_ROOT, SUBCHARTS, UMBRELLA_CHART
from harness.pod_security import pod_specs
from harness.render import RenderError, render_chart

AIRGAPPED = REPO_ROOT / "values" / "airgapped.yaml"
REGISTRY = "registry.example.com:5000/mirror"
# Every component and every optional pod on: the PostgreSQL backup CronJob, the embedded
# Grafana and Prometheus, the secret generator hook and the helm test Jobs (on by default).
EVERY_POD = {"postgres": {"backup": {"enabled": True}}}


def images(manifest) -> dict[str, str]:
    """{kind/name/container: image} of every container and init container of a render. The
    migration Job's name ends in a hash of its pod, which the image is part of: left off."""
    return {f"{re.sub(r'-migrate-[0-9a-f]+$', '-migrate', where)}/{container['name']}": container["image"]
            for where, spec in pod_specs(manifest)
            for container in spec.get("initContainers", []) + spec.get("containers", [])}


def image_path(reference: str) -> str:
    """The image's path and tag without its registry: docker.io/library/postgres:17 -> library/postgres:17."""
    first, _, rest = reference.partition("/")
    return rest if re.search(r"[.:]|^localhost$", first) else reference


def with_registry(values: dict, registry: str = REGISTRY, pull_secrets: list | None = None) -> dict:
    return {**values, "global": {"imageRegistry": registry, "imagePullSecrets": pull_secrets or []}}


def test_the_render_checked_has_every_kind_of_pod_the_chart_can_run():
    kinds = {where.split("/")[0] for where in images(render_chart(values=EVERY_POD))}
    assert kinds == {"Deployment", "StatefulSet", "Job", "CronJob"}
    hooks = {name for name in images(render_chart(values=EVERY_POD)) if name.startswith("Job/")}
    assert {"Job/obs-secret-generator/generate",
            "Job/obs-test-collector-otlp/test",
            "Job/obs-test-langfuse-api/test"} <= hooks


def test_global_image_registry_moves_every_image_and_keeps_its_path_and_tag():
    default = images(render_chart(values=EVERY_POD))
    moved = images(render_chart(values=with_registry(EVERY_POD)))
    assert moved.keys() == default.keys()
    wrong = {name: image for name, image in moved.items()
             if image != f"{REGISTRY}/{image_path(default[name])}"}
    assert wrong == {}, f"not pulled from {REGISTRY}: {wrong}"


def test_a_trailing_slash_on_the_registry_is_forgiven():
    moved = images(render_chart(values=with_registry(EVERY_POD, "registry.example.com/")))
    assert all(image.startswith("registry.example.com/") and "//" not in image for image in moved.values())


def test_global_image_pull_secrets_reach_every_pod_beside_each_components_own():
    secrets = [{"name": "registry-credentials"}]
    manifest = render_chart(values=with_registry({**EVERY_POD, "valkey": {"imagePullSecrets": [{"name": "own"}]}},
                                                 pull_secrets=secrets))
    pulls = {where: spec.get("imagePullSecrets") for where, spec in pod_specs(manifest)}
    assert {where: found for where, found in pulls.items() if where != "StatefulSet/obs-valkey"
            and found != secrets} == {}
    assert pulls["StatefulSet/obs-valkey"] == [{"name": "own"}, {"name": "registry-credentials"}]


@pytest.mark.parametrize("chart", [pytest.param(path, id=path.name) for path in SUBCHARTS])
def test_each_subchart_alone_follows_global_image_registry(chart):
    values = values_passed_to(chart)
    values["global"] = {**values["global"], "imageRegistry": REGISTRY,
                        "imagePullSecrets": [{"name": "registry-credentials"}]}
    if chart.name == "postgres":
        values.update(EVERY_POD["postgres"])
    if chart.name == "monitoring":
        values["prometheus"] = {**values.get("prometheus", {}), "enabled": True}
        values["grafana"] = {**values.get("grafana", {}), "enabled": True}
    manifest = render_chart(chart, values=values)
    found = images(manifest)
    assert found, f"{chart.name} rendered no pod"
    assert {name: image for name, image in found.items() if not image.startswith(f"{REGISTRY}/")} == {}
    assert all(spec.get("imagePullSecrets") == [{"name": "registry-credentials"}] for _, spec in pod_specs(manifest))


def test_the_airgapped_example_pulls_every_image_from_its_registry_with_its_secret():
    example = yaml.safe_load(AIRGAPPED.read_text())
    registry = example["global"]["imageRegistry"]
    manifest = render_chart(values_files=(AIRGAPPED,), values=EVERY_POD)
    assert {name: image for name, image in images(manifest).items() if not image.startswith(f"{registry}/")} == {}
    assert all(spec.get("imagePullSecrets") == example["global"]["imagePullSecrets"]
               for _, spec in pod_specs(manifest))


def test_the_readme_lists_every_image_to_copy_into_the_registry():
    readme = (UMBRELLA_CHART / "README.md").read_text()
    section = readme.split("## Air-gapped installs", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([^`]+)` \|", section, re.M))
    assert listed == set(images(render_chart(values=EVERY_POD)).values())


@pytest.mark.parametrize("registry", ["https://registry.example.com", "registry.example.com/Mirror", "registry example"])
def test_a_registry_that_is_not_a_registry_is_refused_by_name(registry):
    with pytest.raises(RenderError, match="imageRegistry"):
        render_chart(values={"global": {"imageRegistry": registry}})

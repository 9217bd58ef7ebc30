"""Each subchart is a chart of its own: it renders alone, inside the umbrella, and switches off."""

import pytest
import yaml

from harness.charts import values_passed_to
from harness.paths import SUBCHARTS, SUPPORTED_KUBE_VERSIONS, UMBRELLA_CHART
from harness.render import pod_template, render_chart

SUBCHART_PARAMS = [pytest.param(path, id=path.name) for path in SUBCHARTS]
RECOMMENDED_LABELS = {"app.kubernetes.io/name", "app.kubernetes.io/instance",
                      "app.kubernetes.io/version", "app.kubernetes.io/managed-by",
                      "app.kubernetes.io/part-of", "helm.sh/chart"}


def objects_of(manifest, chart_name):
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in manifest
            if obj["metadata"].get("labels", {}).get("app.kubernetes.io/name") == chart_name}


def test_the_umbrella_declares_every_subchart_with_an_enabled_condition():
    chart = yaml.safe_load((UMBRELLA_CHART / "Chart.yaml").read_text())
    declared = {dep["name"]: dep.get("condition") for dep in chart["dependencies"]}
    assert declared == {path.name: f"{path.name}.enabled" for path in SUBCHARTS}
    assert len(declared) == 7


@pytest.mark.parametrize("kube_version", SUPPORTED_KUBE_VERSIONS)
@pytest.mark.parametrize("chart", SUBCHART_PARAMS)
def test_subchart_renders_valid_objects_on_its_own(chart, kube_version):
    assert len(render_chart(chart, values=values_passed_to(chart), kube_version=kube_version)) > 0


@pytest.mark.parametrize("chart", SUBCHART_PARAMS)
def test_subchart_renders_the_same_objects_alone_and_inside_the_umbrella(chart):
    alone = objects_of(render_chart(chart, values=values_passed_to(chart)), chart.name)
    inside = objects_of(render_chart(), chart.name)
    assert alone and alone == inside


@pytest.mark.parametrize("chart", SUBCHART_PARAMS)
def test_a_disabled_subchart_renders_nothing(chart):
    # LangFuse and the collector are off too: a store switched off under LangFuse, or a
    # LangFuse under the collector, must be replaced (tested in test_bad_input).
    manifest = render_chart(values={chart.name: {"enabled": False}, "langfuse": {"enabled": False},
                                    "otel-collector": {"enabled": False}})
    assert objects_of(manifest, chart.name) == {}


def test_every_object_carries_the_recommended_labels():
    for obj in render_chart():
        missing = RECOMMENDED_LABELS - set(obj["metadata"].get("labels", {}))
        assert not missing, f"{obj['kind']}/{obj['metadata']['name']} lacks {sorted(missing)}"


def test_only_the_secret_generator_and_prometheus_mount_an_api_token():
    # The generator creates Secrets; Prometheus discovers the pods it scrapes.
    mounting = [sa["metadata"]["name"] for sa in render_chart().of_kind("ServiceAccount")
                if sa.get("automountServiceAccountToken") is not False]
    assert sorted(mounting) == ["obs-prometheus", "obs-secret-generator"]


@pytest.mark.parametrize("kube_version", SUPPORTED_KUBE_VERSIONS)
@pytest.mark.parametrize("chart", SUBCHART_PARAMS)
def test_subchart_installs_on_its_own_with_its_documented_values(chart, kube_version):
    standalone = chart / "ci" / "standalone-values.yaml"
    assert len(render_chart(chart, values_files=(standalone,), kube_version=kube_version)) > 0


NUMERIC_NAMED = ["langfuse", "postgres", "clickhouse", "valkey", "object-storage", "otel-collector"]


@pytest.mark.parametrize("subchart", NUMERIC_NAMED)
def test_a_service_account_name_yaml_reads_as_a_number_stays_a_string(subchart):
    """`serviceAccount.name: "0"` (a valid name) is written quoted: unquoted, YAML reads it as the
    integer 0, which the API server refuses (Hypothesis found it in the fuzzed values)."""
    from harness import kube_schema
    from harness.paths import KUBE_VERSION_NEWEST

    manifest = render_chart(values={subchart: {"serviceAccount": {"name": "0"}}})
    kube_schema.validate_all(list(manifest), KUBE_VERSION_NEWEST)
    names = {pod_template(workload)["spec"].get("serviceAccountName") for workload in manifest.workloads()}
    assert "0" in names

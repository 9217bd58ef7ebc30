"""The collector configuration the chart renders is one the real collector accepts.

bin/otelcol is built from the chart's image version with the components the chart
configures (hack/tools/otelcol/manifest.yaml); `otelcol validate` builds every component
from the rendered configuration, OTTL statements included, without starting it.
"""

from __future__ import annotations

import subprocess

import pytest
import yaml

from harness import collector
from harness.paths import REPO_ROOT, UMBRELLA_CHART, shipped_values_files
from harness.render import render_chart

SUBCHART = UMBRELLA_CHART / "charts" / "otel-collector"
EVERY_DESTINATION = {"otel-collector": {
    "destinations": {
        "langsmith": {"enabled": True, "existingSecret": "langsmith", "project": "agents"},
        "otlp": {"enabled": True, "endpoint": "tempo.tempo:4317", "insecure": True,
                 "headers": {"X-Scope-OrgID": "agents"}, "auth": {"existingSecret": "tempo-auth"}},
        "xray": {"enabled": True, "region": "eu-west-1", "existingSecret": "xray-keys"},
        "debug": {"enabled": True, "verbosity": "detailed"}},
    "metrics": {"tenants": ["acme", "globex"], "unpricedModels": "keep"},
    "prices": {"extraModels": [{"model": "in-house", "match": "^in-house-\\d+$", "input": 0.5, "output": 1}]},
    "persistence": {"enabled": True}}}
RENDERS = [pytest.param(UMBRELLA_CHART, (path,), {}, id=str(path.relative_to(REPO_ROOT)))
           for path in shipped_values_files()] + [
    pytest.param(SUBCHART, (SUBCHART / "ci" / "standalone-values.yaml",), {}, id="otel-collector standalone"),
    pytest.param(UMBRELLA_CHART, (), EVERY_DESTINATION, id="every destination and option on"),
    pytest.param(UMBRELLA_CHART, (), {"otel-collector": {"destinations": {"otlp": {
        "enabled": True, "protocol": "http", "endpoint": "http://jaeger:4318"}}, "queue": {"persistent": False}}},
                 id="OTLP/HTTP backend, queue in memory"),
    pytest.param(UMBRELLA_CHART, (), {"otel-collector": {"metrics": {"enabled": False}}}, id="traces only"),
    pytest.param(UMBRELLA_CHART, (), {"otel-collector": {"langfuse": {"enabled": False}}}, id="metrics only"),
    pytest.param(UMBRELLA_CHART, (), {"otel-collector": {"sampling": {"enabled": True, "keep": {"tenants": ["acme"]}}}},
                 id="sampling in process"),
    pytest.param(UMBRELLA_CHART, (), {"otel-collector": {
        **EVERY_DESTINATION["otel-collector"], "replicas": 3, "redaction": {"everywhere": True},
        "langfuse": {"sampled": False}, "sampling": {"enabled": True, "keep": {"tenants": ["acme"]}}}},
                 id="sampling routed by trace ID, every destination, LangFuse unsampled"),
]


def collector_configs(chart, values_files, values):
    manifest = render_chart(chart, values_files=values_files, values=values)
    for workload in manifest.of_kind("StatefulSet") + manifest.of_kind("Deployment"):
        if workload["metadata"]["labels"]["app.kubernetes.io/name"] == "otel-collector":
            name = workload["metadata"]["name"]
            yield name, collector.rendered_config(manifest, name), collector.rendered_container(manifest, name)


@pytest.mark.parametrize("chart, values_files, values", RENDERS)
def test_the_rendered_configuration_passes_otelcol_validate(otelcol, secrets, tmp_path, chart, values_files,
                                                           values):
    configs = list(collector_configs(chart, values_files, values))
    assert configs, "no collector rendered"
    for name, config, container in configs:
        # Secrets of other renders (standalone names) get any value: validate checks structure.
        refs = [var["valueFrom"]["secretKeyRef"] for var in container.get("env", []) if "valueFrom" in var]
        env = collector.environment(container, {**{(r["name"], r["key"]): "any" for r in refs}, **secrets})
        result = collector.validate(config, tmp_path, env)
        assert result.returncode == 0, f"{name}: {result.stderr}"


@pytest.mark.parametrize("chart, values_files, values", RENDERS)
def test_the_binary_has_every_component_the_chart_configures(otelcol, chart, values_files, values):
    available = collector.binary_components()
    for name, config, _ in collector_configs(chart, values_files, values):
        for kind, types in collector.component_types(config).items():
            assert types <= available[kind], f"{name}: bin/otelcol lacks the {kind} {types - available[kind]}"


def test_the_binary_is_the_version_of_the_charts_image(otelcol):
    chart = yaml.safe_load((SUBCHART / "Chart.yaml").read_text())
    version = subprocess.run([str(otelcol), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.split()[-1] == chart["appVersion"]

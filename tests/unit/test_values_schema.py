"""values.schema.json: generated from values.yaml, strict, and its errors reach the user."""

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml

from harness.charts import values_passed_to
from harness.paths import REPO_ROOT, SUBCHARTS, UMBRELLA_CHART
from harness.render import RenderError, render_chart

CHARTS = [pytest.param(UMBRELLA_CHART, id="umbrella")] + [
    pytest.param(path, id=path.name) for path in SUBCHARTS
]
SUBCHART_PARAMS = [pytest.param(path, id=path.name) for path in SUBCHARTS]


def load_schema(chart):
    return json.loads((chart / "values.schema.json").read_text())


@pytest.mark.parametrize("chart", CHARTS)
def test_values_yaml_validates_against_the_schema(chart):
    values = yaml.safe_load((chart / "values.yaml").read_text())
    jsonschema.Draft7Validator(load_schema(chart)).validate(values)


@pytest.mark.parametrize("chart", CHARTS)
def test_every_value_in_values_yaml_is_documented(chart):
    def undocumented(schema, path=""):
        for key, child in schema.get("properties", {}).items():
            where = f"{path}.{key}" if path else key
            if key != "global" and not child.get("description") and not child.get("properties"):
                yield where
            yield from undocumented(child, where)

    assert list(undocumented(load_schema(chart))) == []


def test_generated_schemas_and_tables_match_values_yaml():
    result = subprocess.run([sys.executable, str(REPO_ROOT / "hack" / "values_docs.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_an_unknown_top_level_key_is_rejected_by_name():
    with pytest.raises(RenderError, match="langfuze"):
        render_chart(values={"langfuze": {"enabled": True}})


def test_an_unknown_key_inside_a_subchart_is_rejected_by_name():
    with pytest.raises(RenderError, match="serviceAcount"):
        render_chart(values={"langfuse": {"serviceAcount": {"create": False}}})


def test_a_wrong_type_is_rejected_with_the_expected_type():
    with pytest.raises(RenderError) as failure:
        render_chart(values={"valkey": {"enabled": "yes"}})
    assert "enabled" in failure.value.stderr
    assert "boolean" in failure.value.stderr


def as_set_flags(values: dict, prefix: str = "") -> tuple[str, ...]:
    """values as the `--set` assignments a user would type: key.path[0].key=value."""
    flags = []
    for key, value in values.items() if isinstance(values, dict) else enumerate(values):
        where = f"{prefix}[{key}]" if isinstance(values, list) else f"{prefix}.{key}".lstrip(".")
        if isinstance(value, (dict, list)):
            flags += as_set_flags(value, where)
        else:
            flags.append(f"{where}={value}")
    return tuple(flags)


# Decimals, which `--set` hands the chart as strings (it parses integers only).
DECIMALS = [
    pytest.param({"objectives": [{"agent": "support-bot", "successRatio": 0.99}]}, id="success-objective"),
    pytest.param({"objectives": [{"agent": "support-bot", "latency": {"thresholdSeconds": 0.5, "ratio": 0.95}}]},
                 id="latency-objective"),
    pytest.param({"budgets": {"infrastructure": {"monthlyCostUsd": 99.5},
                              "alertAt": [{"ratio": 0.9, "severity": "warning"}]}}, id="budget"),
    pytest.param({"alerts": {"agentErrors": {"thresholdRatio": 0.1},
                             "pipeline": {"queueFillRatio": 0.9, "queueGrowingRatio": 0.25}}},
                 id="alert-thresholds"),
]


@pytest.mark.parametrize("values", DECIMALS)
def test_a_decimal_given_with_set_renders_as_from_a_values_file(values):
    values = {"monitoring": values}
    from_set = render_chart(set_values=as_set_flags(values))
    assert from_set.objects == render_chart(values=values).objects


def test_a_decimal_given_with_set_is_refused_as_from_a_values_file():
    values = {"monitoring": {"objectives": [{"agent": "support-bot", "successRatio": 99.9}]}}
    with pytest.raises(RenderError) as failure:
        render_chart(set_values=as_set_flags(values))
    assert "objectives[0].successRatio is a share of the agent's invocations, above 0 and below 1: " \
           "set 0.999 for 99.9% (got 99.9)" in failure.value.stderr


def test_a_number_that_is_no_number_is_refused_by_the_schema():
    with pytest.raises(RenderError) as failure:
        render_chart(values={"monitoring": {"alerts": {"pipeline": {"queueFillRatio": "most"}}}})
    assert "/alerts/pipeline/queueFillRatio" in failure.value.stderr
    assert "'most' does not match pattern" in failure.value.stderr


# URL-valued settings given without their scheme: (values, the chart's schema, the value's pointer).
URLS_WITHOUT_SCHEME = [
    pytest.param({"object-storage": {"enabled": False}, "langfuse": {"s3": {
                  "bucket": "events", "region": "eu-west-1", "endpoint": "s3.example.com"}}},
                 "langfuse", "/s3/endpoint", id="s3-endpoint"),
    pytest.param({"langfuse": {"enabled": False}, "otel-collector": {"langfuse": {
                  "endpoint": "langfuse.example.com/api/public/otel", "projectKeys": {"existingSecret": "keys"}}}},
                 "otel-collector", "/langfuse/endpoint", id="collector-langfuse-endpoint"),
    pytest.param({"otel-collector": {"destinations": {"langsmith": {"endpoint": "api.smith.langchain.com/otel"}}}},
                 "otel-collector", "/destinations/langsmith/endpoint", id="langsmith-endpoint"),
    pytest.param({"otel-collector": {"destinations": {"xray": {"endpoint": "xray.eu-west-1.amazonaws.com"}}}},
                 "otel-collector", "/destinations/xray/endpoint", id="xray-endpoint"),
    pytest.param({"monitoring": {"datasource": {"url": "prometheus.monitoring:9090"}}},
                 "monitoring", "/datasource/url", id="datasource-url"),
    pytest.param({"monitoring": {"grafana": {"rootUrl": "grafana.example.com"}}},
                 "monitoring", "/grafana/rootUrl", id="grafana-root-url"),
    pytest.param({"monitoring": {"alerts": {"runbookUrl": "wiki.example.com/runbooks"}}},
                 "monitoring", "/alerts/runbookUrl", id="runbook-url"),
]


@pytest.mark.parametrize("values, chart, pointer", URLS_WITHOUT_SCHEME)
def test_a_url_without_its_scheme_is_refused_by_name(values, chart, pointer):
    with pytest.raises(RenderError) as failure:
        render_chart(values=values)
    assert f"{chart}:\n- at '{pointer}': " in failure.value.stderr
    assert "does not match pattern '^(|https?://" in failure.value.stderr


@pytest.mark.parametrize("chart", SUBCHART_PARAMS)
def test_subchart_accepts_global_and_enabled_from_its_parent(chart):
    values = values_passed_to(chart)
    values |= {"global": {**values["global"], "anything": "x"}, "enabled": True}
    manifest = render_chart(chart, values=values)
    assert len(manifest) > 0


@pytest.mark.parametrize("chart", SUBCHART_PARAMS)
def test_subchart_rejects_an_unknown_key_on_its_own(chart):
    with pytest.raises(RenderError, match="notAValue"):
        render_chart(chart, values=values_passed_to(chart) | {"notAValue": 1})

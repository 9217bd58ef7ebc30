"""The Prometheus harness itself: promtool's verdicts reach the tests, a started Prometheus
scrapes and evaluates, and Prometheus Operator objects are checked against their CRDs.

The chart's own rules and monitors are tested elsewhere; these tests make sure that a failure
there means the chart is wrong, not the harness.
"""

from __future__ import annotations

import time

import pytest

from harness import kube_schema, prometheus
from harness.network import free_port
from harness.paths import SUPPORTED_KUBE_VERSIONS

RULES = {
    "groups": [{
        "name": "harness",
        "interval": "1s",
        "rules": [
            {"record": "job:up:sum", "expr": "sum by (job) (up)"},
            {"alert": "AlwaysFiring", "expr": "vector(1)", "labels": {"severity": "none"}},
        ],
    }],
}


@pytest.fixture(scope="module")
def binaries():
    reason = prometheus.missing_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def server(binaries, tmp_path_factory):
    """Prometheus scraping itself every second, with RULES evaluated every second."""
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "prometheus", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}],
    }
    workdir = tmp_path_factory.mktemp("prometheus")
    instance = prometheus.Prometheus(config, workdir, rule_files={"rules.yaml": RULES}, port=port).start()
    yield instance
    instance.stop()


def test_promtool_accepts_a_valid_rule_file(binaries, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n")
    result = prometheus.check_rules(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rejects_an_invalid_expression_with_the_parse_error(binaries, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: rate(up[5m]\n")
    result = prometheus.check_rules(path)
    assert result.returncode != 0
    assert "unclosed left parenthesis" in result.stdout + result.stderr


def test_prometheus_scrapes_itself(server):
    [target] = server.wait_for_targets_up(timeout=30)
    assert target["labels"]["job"] == "prometheus"
    [sample] = server.query('up{job="prometheus"}')
    assert sample["value"][1] == "1"


def test_a_bad_query_raises_with_prometheus_message(server):
    with pytest.raises(prometheus.PrometheusError, match="unclosed left parenthesis"):
        server.query("sum(up")


def test_rules_are_evaluated_and_alerts_fire(server):
    deadline = time.monotonic() + 30
    while not server.alerts() and time.monotonic() < deadline:
        time.sleep(0.2)
    [alert] = server.alerts()
    assert (alert["labels"]["alertname"], alert["state"]) == ("AlwaysFiring", "firing")
    [group] = server.rules()
    assert [(rule["name"], rule["health"]) for rule in group["rules"]] == [
        ("job:up:sum", "ok"), ("AlwaysFiring", "ok")]


SERVICE_MONITOR = {
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "ServiceMonitor",
    "metadata": {"name": "obs-otel-collector", "labels": {"release": "obs"}},
    "spec": {"selector": {"matchLabels": {"app": "otel-collector"}},
             "endpoints": [{"port": "metrics", "interval": "30s"}]},
}


@pytest.fixture
def crds():
    reason = kube_schema.crds_missing_reason()
    if reason:
        pytest.skip(reason)


@pytest.mark.parametrize("kube_version", SUPPORTED_KUBE_VERSIONS)
def test_crd_validation_accepts_a_valid_service_monitor(crds, kube_version):
    assert kube_schema.problems(SERVICE_MONITOR, kube_version) == []


@pytest.mark.parametrize(("spec", "metadata", "expected"), [
    ({"endpoints": "x"}, {}, "spec.endpoints: 'x' is not of type 'array', 'null'"),
    ({"endpoint": []}, {}, "spec: Additional properties are not allowed ('endpoint' was unexpected)"),
    ({}, {"labels": {"release": 1}}, "metadata.labels.release: 1 is not of type 'string', 'null'"),
], ids=["wrong type", "unknown field", "metadata"])
def test_crd_validation_rejects_a_broken_service_monitor(crds, spec, metadata, expected):
    broken = {**SERVICE_MONITOR, "metadata": {**SERVICE_MONITOR["metadata"], **metadata},
              "spec": {**SERVICE_MONITOR["spec"], **spec}}
    problems = kube_schema.problems(broken, SUPPORTED_KUBE_VERSIONS[-1])
    assert problems == [f"ServiceMonitor/obs-otel-collector: {expected}"]

"""For clusters that run the Prometheus Operator: the ServiceMonitor and the PrometheusRule
install and upgrade once its CRDs exist, and without them Helm says what is missing.

The CRDs are the Operator's own (bin/crds, from the pinned prometheus-operator module). Runs
before the CRDs exist (first test), then with them, in one namespace of its own.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from harness.cluster import CommandError, run
from harness.helm import Release
from harness.paths import BIN_DIR, REPO_ROOT, tool
from harness.render import render_chart

KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"
CRDS = BIN_DIR / "crds"
OPERATOR_OBJECTS = {"monitoring": {"prometheusOperator": {
    "serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}},
    "prometheusRule": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}}}}}
GROUP, VERSION = "monitoring.coreos.com", "v1"


@pytest.fixture(scope="module")
def release(cluster, restricted_namespace):
    return Release("obs", restricted_namespace, cluster.kubeconfig)


def values_file(values: dict) -> Path:
    handle = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    yaml.safe_dump(values, handle)
    handle.close()
    return Path(handle.name)


def custom_objects(cluster, namespace: str, plural: str) -> dict[str, dict]:
    found = client.CustomObjectsApi(cluster.api).list_namespaced_custom_object(GROUP, VERSION, namespace, plural)
    return {item["metadata"]["name"]: item for item in found["items"]}


class TestPrometheusOperatorObjects:
    def test_without_the_crds_helm_names_the_missing_kinds(self, release):
        with pytest.raises(CommandError) as refusal:
            release.install(KIND_VALUES, values_file(OPERATOR_OBJECTS))
        assert 'no matches for kind "PrometheusRule" in version "monitoring.coreos.com/v1"' in str(refusal.value) \
            or 'no matches for kind "ServiceMonitor" in version "monitoring.coreos.com/v1"' in str(refusal.value)
        release.helm("uninstall", release.name, "--ignore-not-found")

    def test_with_the_crds_they_install_as_rendered(self, cluster, release):
        if not CRDS.is_dir():
            pytest.skip("bin/crds is missing: `make tools` fetches the Prometheus Operator's CRDs")
        for crd in sorted(CRDS.glob("*.yaml")):
            run([tool("kubectl"), "--kubeconfig", str(cluster.kubeconfig), "apply", "--server-side", "-f", str(crd)])
        for name in ("servicemonitors", "prometheusrules"):
            run([tool("kubectl"), "--kubeconfig", str(cluster.kubeconfig), "wait", "--for=condition=Established",
                 f"crd/{name}.{GROUP}", "--timeout=60s"])
        release.install(KIND_VALUES, values_file(OPERATOR_OBJECTS))
        rendered = render_chart(values_files=(KIND_VALUES,), values=OPERATOR_OBJECTS, namespace=release.namespace)
        [rule] = rendered.of_kind("PrometheusRule")
        [monitor] = rendered.of_kind("ServiceMonitor")
        rules = custom_objects(cluster, release.namespace, "prometheusrules")
        monitors = custom_objects(cluster, release.namespace, "servicemonitors")
        assert rules["obs-monitoring"]["spec"] == rule["spec"]
        assert monitors["obs-monitoring-otel-collector"]["spec"] == monitor["spec"]
        assert rules["obs-monitoring"]["metadata"]["labels"]["release"] == "kube-prometheus-stack"

    def test_an_upgrade_carries_new_thresholds_into_the_prometheus_rule(self, cluster, release):
        if not CRDS.is_dir():
            pytest.skip("bin/crds is missing: `make tools` fetches the Prometheus Operator's CRDs")
        changed = {"monitoring": {**OPERATOR_OBJECTS["monitoring"],
                                            "alerts": {"agentLatency": {"thresholdSeconds": 30}}}}
        release.upgrade(KIND_VALUES, values_file(changed))
        [rule] = custom_objects(cluster, release.namespace, "prometheusrules").values()
        latency = next(r for group in rule["spec"]["groups"] for r in group["rules"]
                       if r.get("alert") == "AgentHighLatency")
        assert latency["expr"].endswith("> 30")
        release.helm("uninstall", release.name, "--wait", "--timeout", "5m")

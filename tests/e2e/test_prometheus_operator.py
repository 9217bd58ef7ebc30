"""For clusters that run the Prometheus Operator: the ServiceMonitor, the PrometheusRule and
the AlertmanagerConfig install and upgrade once its CRDs exist, and without them Helm says what
is missing. The release carries the guide's three tenants (examples/tenant-policies) and the
guide's alert channels, so the rules and the routing are the ones a user of both would apply.

The CRDs are the Operator's own (bin/crds, from the pinned prometheus-operator module). Runs
before the CRDs exist (first test), then with them, in one namespace of its own.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from harness.cluster import CommandError, run
from harness.helm import Release
from harness.paths import BIN_DIR, REPO_ROOT, tool
from harness.render import render_chart

KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"
TENANT_POLICIES = REPO_ROOT / "examples" / "tenant-policies" / "values.yaml"
CRDS = BIN_DIR / "crds"
KPS = {"release": "kube-prometheus-stack"}
CHANNELS = {
    "receivers": [
        {"name": "team-slack", "slack": {"apiUrlSecret": {"name": "alert-channels", "key": "slack-webhook-url"}}},
        {"name": "oncall-pagerduty", "pagerduty": {
            "routingKeySecret": {"name": "alert-channels", "key": "pagerduty-routing-key"}}}],
    "routes": [
        {"matchers": ['family="budget"', 'severity="warning"'], "receivers": ["team-slack"]},
        {"matchers": ['family="budget"', 'severity="critical"'], "receivers": ["team-slack", "oncall-pagerduty"]},
        {"matchers": ['family="rate-limit"', 'severity="warning"'], "receivers": ["team-slack"]}]}
OPERATOR_OBJECTS = {"monitoring": {"alertmanager": CHANNELS, "prometheusOperator": {
    "serviceMonitor": {"enabled": True, "labels": KPS},
    "prometheusRule": {"enabled": True, "labels": KPS},
    "alertmanagerConfig": {"enabled": True, "labels": KPS}}}}
GROUP, VERSION = "monitoring.coreos.com", "v1"
OPERATOR_KINDS = ("ServiceMonitor", "PrometheusRule", "AlertmanagerConfig")


@pytest.fixture(scope="module")
def release(cluster, restricted_namespace):
    return Release("obs", restricted_namespace, cluster.kubeconfig)


def values_file(values: dict) -> Path:
    handle = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    yaml.safe_dump(values, handle)
    handle.close()
    return Path(handle.name)


def wait_until_established(cluster, crd: str, timeout: float = 60) -> None:
    """Until the API server serves the CRD's kind. `kubectl wait --for=condition=Established`
    fails at once, not waits, while a CRD just applied has no status conditions yet."""
    api = client.ApiextensionsV1Api(cluster.api)
    deadline = time.monotonic() + timeout
    while True:
        conditions = api.read_custom_resource_definition(crd).status.conditions or []
        if any(c.type == "Established" and c.status == "True" for c in conditions):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"CRD {crd} not established after {timeout}s: {conditions}")
        time.sleep(0.5)


def custom_objects(cluster, namespace: str, plural: str, version: str = VERSION) -> dict[str, dict]:
    found = client.CustomObjectsApi(cluster.api).list_namespaced_custom_object(GROUP, version, namespace, plural)
    return {item["metadata"]["name"]: item for item in found["items"]}


class TestPrometheusOperatorObjects:
    def test_without_the_crds_helm_names_the_missing_kinds(self, release):
        with pytest.raises(CommandError) as refusal:
            release.install(KIND_VALUES, TENANT_POLICIES, values_file(OPERATOR_OBJECTS))
        assert any(f'no matches for kind "{kind}" in version "monitoring.coreos.com/v1' in str(refusal.value)
                   for kind in OPERATOR_KINDS), str(refusal.value)
        release.helm("uninstall", release.name, "--ignore-not-found")

    def test_with_the_crds_they_install_as_rendered(self, cluster, release):
        if not CRDS.is_dir():
            pytest.skip("bin/crds is missing: `make tools` fetches the Prometheus Operator's CRDs")
        for crd in sorted(CRDS.glob("*.yaml")):
            run([tool("kubectl"), "--kubeconfig", str(cluster.kubeconfig), "apply", "--server-side", "-f", str(crd)])
        for name in ("servicemonitors", "prometheusrules", "alertmanagerconfigs"):
            wait_until_established(cluster, f"{name}.{GROUP}")
        release.install(KIND_VALUES, TENANT_POLICIES, values_file(OPERATOR_OBJECTS))
        rendered = render_chart(values_files=(KIND_VALUES, TENANT_POLICIES), values=OPERATOR_OBJECTS,
                                namespace=release.namespace)
        [rule] = rendered.of_kind("PrometheusRule")
        [monitor] = rendered.of_kind("ServiceMonitor")
        [routing] = rendered.of_kind("AlertmanagerConfig")
        rules = custom_objects(cluster, release.namespace, "prometheusrules")
        monitors = custom_objects(cluster, release.namespace, "servicemonitors")
        routings = custom_objects(cluster, release.namespace, "alertmanagerconfigs", version="v1alpha1")
        assert rules["obs-monitoring"]["spec"] == rule["spec"]
        assert monitors["obs-monitoring-otel-collector"]["spec"] == monitor["spec"]
        # The API server kept every field: a field the CRD's schema does not know would be pruned.
        assert routings[routing["metadata"]["name"]]["spec"] == routing["spec"]
        for installed in (rules["obs-monitoring"], routings[routing["metadata"]["name"]]):
            assert installed["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        # The guide's tenants' policies are in the installed rules.
        alerts = {r["alert"] for group in rules["obs-monitoring"]["spec"]["groups"] for r in group["rules"]
                  if "alert" in r}
        assert {"TenantBudgetUtilisationHigh", "TenantBudgetExceeded", "TenantModelNotAllowed",
                "TenantRequestRateHigh", "TenantTokensPerDayExceeded"} <= alerts

    def test_an_upgrade_carries_new_thresholds_into_the_prometheus_rule(self, cluster, release):
        if not CRDS.is_dir():
            pytest.skip("bin/crds is missing: `make tools` fetches the Prometheus Operator's CRDs")
        changed = {"monitoring": {**OPERATOR_OBJECTS["monitoring"],
                                  "alerts": {"agentLatency": {"thresholdSeconds": 30}}}}
        release.upgrade(KIND_VALUES, TENANT_POLICIES, values_file(changed))
        [rule] = custom_objects(cluster, release.namespace, "prometheusrules").values()
        latency = next(r for group in rule["spec"]["groups"] for r in group["rules"]
                       if r.get("alert") == "AgentHighLatency")
        assert latency["expr"].endswith("> 30")
        release.helm("uninstall", release.name, "--wait", "--timeout", "5m")

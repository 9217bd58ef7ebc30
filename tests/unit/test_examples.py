"""The examples are what the chart's users copy: valid, secure, and run by the tests as shipped."""

from __future__ import annotations

import pytest
import yaml

from harness import kube_schema
from harness.paths import KUBE_VERSION_NEWEST, REPO_ROOT, shipped_values_params
from harness.pod_security import pod_specs, violations
from harness.render import render_chart

AGENT = REPO_ROOT / "examples" / "agent"


def pins(path) -> dict[str, str]:
    return dict(line.strip().split("==", 1) for line in path.read_text().splitlines()
                if "==" in line and not line.startswith("#"))


def test_the_tests_run_the_example_agent_with_its_own_pinned_versions():
    agent, harness = pins(AGENT / "requirements.txt"), pins(REPO_ROOT / "tests" / "requirements.txt")
    assert {name: (version, harness.get(name)) for name, version in agent.items() if harness.get(name) != version} == {}


def test_the_agent_deployment_is_valid_and_meets_pod_security_restricted():
    objects = [doc for doc in yaml.safe_load_all((AGENT / "deployment.yaml").read_text()) if doc]
    kube_schema.validate_all(objects, KUBE_VERSION_NEWEST)
    assert {where: violations(spec) for where, spec in pod_specs(objects)} == {"Deployment/support-agent": []}


def test_the_agent_deployment_uses_what_the_chart_renders():
    [deployment] = yaml.safe_load_all((AGENT / "deployment.yaml").read_text())
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    manifest = render_chart()
    [source] = container["envFrom"]
    manifest.get("ConfigMap", source["configMapRef"]["name"])
    refs = [v["valueFrom"]["secretKeyRef"] for v in container["env"] if "valueFrom" in v]
    assert {(r["name"], r["key"]) for r in refs if r["name"].startswith("obs-")} == {
        ("obs-langfuse-project-keys", "public-key"), ("obs-langfuse-project-keys", "secret-key")}


TENANT_POLICIES = REPO_ROOT / "examples" / "tenant-policies" / "values.yaml"


@pytest.mark.parametrize("values_file", shipped_values_params())
def test_the_guides_tenant_policies_render_with_every_shipped_values_file(values_file):
    manifest = render_chart(values_files=(values_file, TENANT_POLICIES))
    rules = [rule for kind in ("PrometheusRule", "ConfigMap") for item in manifest.of_kind(kind)
             for text in ([yaml.safe_dump(item["spec"])] if kind == "PrometheusRule" else
                          [v for k, v in item.get("data", {}).items() if k == "agent-observability.yaml"])
             for group in yaml.safe_load(text)["groups"] for rule in group["rules"]]
    budgets = {rule["labels"]["tenant_id"]: rule["expr"] for rule in rules if rule.get("record") == "tenant_monthly_budget_usd"}
    assert budgets == {"tenant-a": "vector(5000)", "tenant-b": "vector(2000)", "tenant-c": "vector(10000)"}
    # tenant-c alerts at 90 %, the others at 80 %.
    levels = {(rule["labels"]["tenant_id"], rule["labels"]["threshold"]) for rule in rules
              if rule.get("alert") == "TenantBudgetUtilisationHigh"}
    assert levels == {("tenant-a", "0.8"), ("tenant-b", "0.8"), ("tenant-c", "0.9")}


SAMPLING = REPO_ROOT / "examples" / "sampling" / "values.yaml"


@pytest.mark.parametrize("values_file", shipped_values_params())
def test_the_sampling_example_routes_by_trace_id_with_every_shipped_values_file(values_file):
    manifest = render_chart(values_files=(values_file, SAMPLING))
    config = yaml.safe_load(manifest.get("ConfigMap", "obs-otel-collector")["data"]["config.yaml"])
    resolver = config["exporters"]["loadbalancing/sampling"]["resolver"]["dns"]
    service = manifest.get("Service", resolver["hostname"])
    assert service["spec"]["clusterIP"] == "None"
    assert [(p["name"], str(p["port"])) for p in service["spec"]["ports"]] == [("sampling", resolver["port"])]
    policies = {p["name"] for p in config["processors"]["tail_sampling"]["policies"]}
    assert policies == {"errors", "rate-limited", "slow", "expensive", "tenants", "share"}
    # The metrics read every span, before the decisions.
    assert config["service"]["pipelines"]["traces/genai-metrics"]["receivers"] == ["forward/traces"]

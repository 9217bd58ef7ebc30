"""The examples are what the chart's users copy: valid, secure, and run by the tests as shipped."""

from __future__ import annotations

import yaml

from harness import kube_schema
from harness.paths import KUBE_VERSION_NEWEST, REPO_ROOT
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

"""An agent connects with one envFrom and two secretKeyRefs: the settings point at the Services
this release runs, and the README's example Deployment is valid and complete."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from harness import kube_schema
from harness.paths import KUBE_VERSION_NEWEST, REPO_ROOT
from harness.render import render_chart

EXAMPLE_MARKER = "<!-- agent-deployment-example"


def connection(manifest, namespace=None):
    [config_map] = [cm for cm in manifest.of_kind("ConfigMap") if cm["metadata"]["name"] == "obs-agent-connection"
                    and cm["metadata"]["namespace"] == (namespace or "observability")]
    return config_map["data"]


def service_port(manifest, service, port_name):
    [port] = [p["port"] for p in manifest.get("Service", service)["spec"]["ports"] if p["name"] == port_name]
    return port


@pytest.mark.parametrize("protocol, port_name", [("http/protobuf", "otlp-http"), ("grpc", "otlp-grpc")])
def test_agents_send_otlp_to_the_collector_service_of_this_release(protocol, port_name):
    manifest = render_chart(values={"agentConnection": {"protocol": protocol}})
    env = connection(manifest)
    port = service_port(manifest, "obs-otel-collector", port_name)
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://obs-otel-collector.observability.svc:{port}"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == protocol


def test_the_langfuse_sdk_finds_this_releases_langfuse():
    manifest = render_chart()
    env = connection(manifest)
    port = service_port(manifest, "obs-langfuse-web", "http")
    assert env["LANGFUSE_BASE_URL"] == env["LANGFUSE_HOST"] == f"http://obs-langfuse-web.observability.svc:{port}"
    assert not any(key.startswith(("LANGSMITH_", "LANGCHAIN_")) for key in env)
    assert "PUBLIC_KEY" not in json.dumps(env) and "sk-lf" not in json.dumps(env)


def test_with_langsmith_on_the_langsmith_sdk_gets_its_endpoint_and_project():
    env = connection(render_chart(values={"otel-collector": {"destinations": {"langsmith": {
        "enabled": True, "existingSecret": "langsmith", "project": "support",
        "endpoint": "https://eu.api.smith.langchain.com/otel"}}}}))
    for prefix in ("LANGSMITH", "LANGCHAIN"):
        assert env[f"{prefix}_ENDPOINT"] == "https://eu.api.smith.langchain.com"
        assert env[f"{prefix}_PROJECT"] == "support"


def test_agents_in_other_namespaces_get_a_copy():
    manifest = render_chart(values={"agentConnection": {"namespaces": ["ai-agents", "batch"]}})
    copies = {cm["metadata"]["namespace"] for cm in manifest.of_kind("ConfigMap")
              if cm["metadata"]["name"] == "obs-agent-connection"}
    assert copies == {"observability", "ai-agents", "batch"}
    assert connection(manifest, "ai-agents") == connection(manifest)


def readme_example() -> dict:
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split(EXAMPLE_MARKER, 1)[1]
    return yaml.safe_load(re.search(r"```yaml\n(.*?)```", block, flags=re.DOTALL).group(1))


def test_the_readme_example_deployment_is_valid_and_uses_what_the_chart_provides():
    deployment = readme_example()
    kube_schema.validate_all([deployment], KUBE_VERSION_NEWEST)
    manifest = render_chart(values_files=(REPO_ROOT / "values" / "kind.yaml",))
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    [source] = container["envFrom"]
    env = connection(manifest, deployment["metadata"]["namespace"])
    assert source["configMapRef"]["name"] == "obs-agent-connection"
    # The tenant is added to the attributes the ConfigMap sets, by Kubernetes' $(VAR) expansion.
    attributes = next(v["value"] for v in container["env"] if v["name"] == "OTEL_RESOURCE_ATTRIBUTES")
    for reference in re.findall(r"\$\((\w+)\)", attributes):
        assert reference in env
    generated = {s["name"]: set(s["keys"]) for s in json.loads(manifest.get(
        "ConfigMap", "obs-secret-generator")["data"]["secrets.json"])["secrets"]}
    for variable in container["env"]:
        ref = variable.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            assert ref["key"] in generated[ref["name"]], ref

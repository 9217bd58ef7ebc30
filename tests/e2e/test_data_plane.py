"""The data plane, where containers run (kind in CI): traces reach LangFuse and can be read back.

On KWOK every test here skips, naming what is missing: nodes are simulated, no image is
pulled, so LangFuse, the stores and the collector never answer.
"""

from __future__ import annotations

import base64
import secrets
import time

import pytest
import requests
from kubernetes import client

from harness.cluster import PortForward
from harness.helm import Release
from harness.paths import REPO_ROOT

KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"
INGESTION_TIMEOUT = 180  # LangFuse ingests asynchronously: web → S3 → queue → worker → ClickHouse


@pytest.fixture(scope="module")
def stack(cluster, restricted_namespace):
    cluster.require_containers("Sending traces to LangFuse and reading them back")
    release = Release("obs", restricted_namespace, cluster.kubeconfig)
    release.install(KIND_VALUES, extra=("--timeout", "15m"))
    keys = client.CoreV1Api(cluster.api).read_namespaced_secret("obs-langfuse-project-keys", restricted_namespace)
    public, secret = (base64.b64decode(keys.data[key]).decode() for key in ("public-key", "secret-key"))
    with PortForward(cluster.kubeconfig, restricted_namespace, "svc/obs-langfuse-web", 3000) as langfuse_url:
        yield {"release": release, "langfuse": langfuse_url, "auth": (public, secret)}
    release.helm("uninstall", release.name, "--wait")


def observations_of(stack, trace_id: str) -> list[dict]:
    """Poll LangFuse's v4 read API until the trace's observations arrive."""
    deadline = time.monotonic() + INGESTION_TIMEOUT
    while time.monotonic() < deadline:
        response = requests.get(f"{stack['langfuse']}/api/public/v2/observations",
                                params={"traceId": trace_id, "limit": 50}, auth=stack["auth"], timeout=10)
        if response.ok and response.json().get("data"):
            return response.json()["data"]
        time.sleep(3)
    raise AssertionError(f"trace {trace_id} did not reach LangFuse within {INGESTION_TIMEOUT}s")


def test_the_provisioned_project_keys_are_accepted(stack):
    response = requests.get(f"{stack['langfuse']}/api/public/projects", auth=stack["auth"], timeout=10)
    assert response.status_code == 200
    assert [project["name"] for project in response.json()["data"]] == ["Agents"]


def test_a_trace_sent_with_the_langfuse_sdk_is_read_back(stack):
    import langfuse
    public, secret = stack["auth"]
    sdk = langfuse.Langfuse(public_key=public, secret_key=secret, base_url=stack["langfuse"])
    name = f"e2e-sdk-{secrets.token_hex(4)}"
    with sdk.start_as_current_observation(as_type="span", name=name) as span:
        span.update(input={"question": "ping"}, output={"answer": "pong"})
        trace_id = sdk.get_current_trace_id()
    sdk.flush()
    assert name in {observation["name"] for observation in observations_of(stack, trace_id)}


def test_a_plain_otlp_trace_through_the_collector_is_read_back(stack, cluster):
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    now = time.time_ns()
    payload = {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "e2e-agent"}}]},
        "scopeSpans": [{"scope": {"name": "e2e"}, "spans": [{
            "traceId": trace_id, "spanId": span_id, "name": "e2e-otlp", "kind": 1,
            "startTimeUnixNano": str(now - 1_000_000), "endTimeUnixNano": str(now),
            "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                           {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}}],
        }]}],
    }]}
    # No credentials: agents send to the collector, which authenticates to LangFuse itself.
    with PortForward(cluster.kubeconfig, stack["release"].namespace, "svc/obs-otel-collector", 4318) as collector:
        response = requests.post(f"{collector}/v1/traces", json=payload, timeout=10)
    assert response.ok, response.text
    assert "e2e-otlp" in {observation["name"] for observation in observations_of(stack, trace_id)}


def test_grafana_lists_the_provisioned_dashboards_and_datasource(stack, cluster):
    namespace = stack["release"].namespace
    password = base64.b64decode(client.CoreV1Api(cluster.api).read_namespaced_secret(
        "obs-grafana-admin", namespace).data["password"]).decode()
    with PortForward(cluster.kubeconfig, namespace, "svc/obs-grafana", 3000) as grafana:
        auth = ("admin", password)
        found = requests.get(f"{grafana}/api/search", params={"type": "dash-db"}, auth=auth, timeout=10).json()
        datasource = requests.get(f"{grafana}/api/datasources/uid/agent-observability-prometheus", auth=auth,
                                  timeout=10).json()
        health = requests.get(f"{grafana}/api/datasources/uid/agent-observability-prometheus/health", auth=auth,
                              timeout=30).json()
    assert {d["uid"]: d["folderTitle"] for d in found} == {uid: "AI agents" for uid in (
        "agent-observability-agents", "agent-observability-llm", "agent-observability-tools",
        "agent-observability-pipeline")}
    assert datasource["url"] == f"http://obs-prometheus.{namespace}.svc:9090"
    assert health["status"] == "OK", health


def test_prometheus_scrapes_the_collector_and_has_the_derived_metrics(stack, cluster):
    """After the previous test's GenAI span went through the collector."""
    namespace = stack["release"].namespace
    with PortForward(cluster.kubeconfig, namespace, "svc/obs-prometheus", 9090) as prometheus:
        deadline = time.monotonic() + 120
        while True:
            targets = requests.get(f"{prometheus}/api/v1/targets", timeout=10).json()["data"]["activeTargets"]
            health = {t["labels"]["job"]: t["health"] for t in targets}
            result = requests.get(f"{prometheus}/api/v1/query", timeout=10, params={
                "query": 'llm_inference_duration_seconds_count{model="gpt-4o-mini"}'}).json()["data"]["result"]
            if result or time.monotonic() > deadline:
                break
            time.sleep(5)
    assert health.get(f"{namespace}/obs-otel-collector-genai") == "up", health
    assert health.get(f"{namespace}/obs-otel-collector-telemetry") == "up", health
    assert result, "Prometheus has no llm_inference_duration_seconds for the span sent through the collector"

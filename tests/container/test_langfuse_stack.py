"""LangFuse and its stores as the chart configures them, from its pinned images, without a cluster.

The pods of `values/kind.yaml`'s render (harness.pods) run on one Docker network with
testcontainers (harness.containers): PostgreSQL, Valkey, ClickHouse and SeaweedFS, then the
migration Job, LangFuse web and worker, and the OpenTelemetry Collector, each with its rendered
command, environment, files, user, read-only root filesystem and memory limit. Traces sent
the three ways agents send them are read back through LangFuse's public API.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
import requests
import yaml

from harness import containers, pods
from harness.paths import REPO_ROOT
from harness.render import render_chart

KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"
STORES = ("obs-postgres", "obs-valkey", "obs-clickhouse", "obs-object-storage")
# LangFuse ingests asynchronously: web → S3 → queue → worker → ClickHouse.
INGESTION_TIMEOUT = 180


@dataclass
class Stack:
    langfuse: str  # web's base URL, as the host reaches it
    collector: str  # the collector's OTLP/HTTP base URL
    auth: tuple[str, str]  # the project keys the headless initialisation provisioned
    web_env: dict[str, str]
    langfuse_exporter: dict  # the collector's rendered exporter to LangFuse
    runner: containers.PodRunner


def migration_job(manifest) -> str:
    [job] = manifest.workloads("migration")
    return job["metadata"]["name"]


@pytest.fixture(scope="module")
def stack(docker_engine, tmp_path_factory):
    from testcontainers.core.network import Network

    manifest = render_chart(values_files=(KIND_VALUES,), values=pods.ONE_CONTAINER_PER_POD)
    values = pods.secret_values(manifest)
    stores = [pods.pod(manifest, "StatefulSet", name, values) for name in STORES]
    migration = pods.pod(manifest, "Job", migration_job(manifest), values)
    web, worker = (pods.pod(manifest, "Deployment", name, values) for name in ("obs-langfuse-web", "obs-langfuse-worker"))
    collector = pods.pod(manifest, "StatefulSet", "obs-otel-collector", values)
    everything = [*stores, migration, web, worker, collector]
    reason = containers.pull(set().union(*(pod.images for pod in everything)))
    if reason:
        containers.unavailable(reason)
    exporters = yaml.safe_load(manifest.get("ConfigMap", "obs-otel-collector")["data"]["config.yaml"])["exporters"]
    with Network() as network:
        runner = containers.PodRunner(network, tmp_path_factory.mktemp("pods"))
        try:
            for store in stores:
                runner.start(store)
            runner.run_to_completion(migration)
            running_web = runner.start(web)
            runner.start(worker)
            running_collector = runner.start(collector)
            keys = values["obs-langfuse-project-keys"]
            yield Stack(running_web.url("http"), running_collector.url("otlp-http"),
                        (keys["public-key"], keys["secret-key"]), web.containers[0].env,
                        exporters["otlphttp/langfuse"], runner)
        except containers.PodFailed as error:
            pytest.fail(f"{error}\n\nevery container's last lines:\n{runner.logs()}")
        finally:
            runner.stop()


def otlp_trace(name: str) -> tuple[str, dict]:
    """A trace of one GenAI span in OTLP/JSON, and its id."""
    trace_id, span_id, now = secrets.token_hex(16), secrets.token_hex(8), time.time_ns()
    return trace_id, {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "container-tier"}}]},
        "scopeSpans": [{"scope": {"name": "container-tier"}, "spans": [{
            "traceId": trace_id, "spanId": span_id, "name": name, "kind": 1,
            "startTimeUnixNano": str(now - 1_000_000), "endTimeUnixNano": str(now),
            "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                           {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}}],
        }]}],
    }]}


def observation_names(stack: Stack, trace_id: str) -> set[str]:
    """Poll LangFuse's v4 read API until the trace's observations arrive.

    Not /api/public/traces/<id>: LangFuse 4.16 writes only the events table by default
    (LANGFUSE_MIGRATION_V4_WRITE_MODE=events_only, packages/shared/src/env.ts) and answers
    404 on the legacy read routes (createAuthedProjectAPIRoute.ts, rejectInEventsOnlyMode).
    """
    deadline = time.monotonic() + INGESTION_TIMEOUT
    while time.monotonic() < deadline:
        response = requests.get(f"{stack.langfuse}/api/public/v2/observations",
                                params={"traceId": trace_id, "limit": 50}, auth=stack.auth, timeout=10)
        if response.ok and response.json().get("data"):
            return {observation["name"] for observation in response.json()["data"]}
        time.sleep(3)
    raise AssertionError(f"trace {trace_id} did not reach LangFuse within {INGESTION_TIMEOUT}s; "
                         f"last answer {response.status_code} {response.text[:300]}\n{stack.runner.logs()}")


def test_the_headless_initialisation_provisions_the_project_and_its_keys(stack):
    response = requests.get(f"{stack.langfuse}/api/public/projects", auth=stack.auth, timeout=10)
    assert response.status_code == 200, response.text
    assert [project["name"] for project in response.json()["data"]] == [stack.web_env["LANGFUSE_INIT_PROJECT_NAME"]]


def test_a_trace_sent_as_the_collector_exports_it_is_read_back(stack):
    """The collector's rendered exporter: its endpoint's path, its headers, Basic auth with the keys."""
    endpoint = urlparse(stack.langfuse_exporter["endpoint"])
    trace_id, payload = otlp_trace("container-tier-exporter")
    response = requests.post(f"{stack.langfuse}{endpoint.path}/v1/traces", json=payload, auth=stack.auth,
                             headers=stack.langfuse_exporter.get("headers", {}), timeout=30)
    assert response.ok, response.text
    assert "container-tier-exporter" in observation_names(stack, trace_id)


def test_a_trace_sent_to_the_collector_without_credentials_is_read_back(stack):
    trace_id, payload = otlp_trace("container-tier-collector")
    response = requests.post(f"{stack.collector}/v1/traces", json=payload, timeout=30)
    assert response.ok, response.text
    assert "container-tier-collector" in observation_names(stack, trace_id)


def test_a_trace_sent_with_the_langfuse_sdk_is_read_back(stack):
    import langfuse

    public, secret = stack.auth
    sdk = langfuse.Langfuse(public_key=public, secret_key=secret, base_url=stack.langfuse)
    name = f"container-tier-sdk-{secrets.token_hex(4)}"
    with sdk.start_as_current_observation(as_type="span", name=name) as span:
        span.update(input={"question": "ping"}, output={"answer": "pong"})
        trace_id = sdk.get_current_trace_id()
    sdk.flush()
    assert name in observation_names(stack, trace_id)

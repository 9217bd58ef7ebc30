"""The collector (bin/otelcol) run on the configuration the chart rendered, on loopback only.

Only what ties the configuration to a pod is moved: listen addresses to free 127.0.0.1
ports, the queue directory to a scratch directory, the destinations' endpoints to local
stand-ins (OtlpSink), and the Secret-backed environment to test values. Every processor,
connector, exporter setting and OTTL statement runs as rendered.
"""

from __future__ import annotations

import base64
import copy
import gzip
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from .network import free_port, free_udp_port
from .paths import BIN_DIR, REPO_ROOT
from .server import Server

OTELCOL = BIN_DIR / "otelcol"
MANIFEST = REPO_ROOT / "hack" / "tools" / "otelcol" / "manifest.yaml"
CONFIG_KEY = "config.yaml"


def missing_reason() -> str | None:
    """Why the collector cannot run here, or None."""
    if not OTELCOL.exists():
        return "bin/otelcol is not built (make tools builds it: hack/build-otelcol.sh)"
    return None


def rendered_config(manifest, name: str = "obs-otel-collector") -> dict:
    """The collector configuration in the chart's ConfigMap."""
    return yaml.safe_load(manifest.get("ConfigMap", name)["data"][CONFIG_KEY])


def rendered_workload(manifest, name: str = "obs-otel-collector") -> dict:
    """The collector's workload: a StatefulSet (a queue claim per replica) or, with persistence
    off, a Deployment."""
    for kind in ("StatefulSet", "Deployment"):
        if name in manifest.names(kind):
            return manifest.get(kind, name)
    raise KeyError(f"no StatefulSet or Deployment named {name!r}")


def rendered_container(manifest, name: str = "obs-otel-collector") -> dict:
    """The collector's container (the pod may also have the delivery guard's)."""
    [container] = [container for container in rendered_workload(manifest, name)["spec"]["template"]["spec"]["containers"]
                   if container["name"] == "otel-collector"]
    return container


def queue_claims(manifest, replicas: int, name: str = "obs-otel-collector") -> list[str]:
    """The names of the queue claims of ordinals 0 to replicas - 1, as the StatefulSet
    controller makes them from the volumeClaimTemplate: <template>-<StatefulSet>-<ordinal>."""
    statefulset = manifest.get("StatefulSet", name)
    [template] = [t["metadata"]["name"] for t in statefulset["spec"]["volumeClaimTemplates"]]
    return [f"{template}-{name}-{ordinal}" for ordinal in range(replicas)]


def termination(manifest, name: str = "obs-otel-collector") -> tuple[int, int]:
    """(preStop sleep, terminationGracePeriodSeconds) of the collector's pod: how the kubelet
    stops it."""
    spec = rendered_workload(manifest, name)["spec"]["template"]["spec"]
    container = rendered_container(manifest, name)
    return container["lifecycle"]["preStop"]["sleep"]["seconds"], spec["terminationGracePeriodSeconds"]


def environment(container: dict, secrets: dict[tuple[str, str], str]) -> dict[str, str]:
    """The container's environment with each secretKeyRef taken from `secrets` {(name, key): value}."""
    env = {}
    for var in container.get("env", []):
        ref = var.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            env[var["name"]] = secrets[(ref["name"], ref["key"])]
        elif "value" in var:
            env[var["name"]] = var["value"]
    return env


def component_types(config: dict) -> dict[str, set[str]]:
    """{kind: {type}} of every component a configuration uses (`otlphttp/langfuse` -> `otlphttp`)."""
    return {kind: {name.split("/")[0] for name in config.get(kind) or {}}
            for kind in ("receivers", "processors", "exporters", "connectors", "extensions")}


@dataclass
class Ports:
    """Free loopback ports for one collector."""

    otlp_grpc: int = field(default_factory=free_port)
    otlp_http: int = field(default_factory=free_port)
    metrics: int = field(default_factory=free_port)
    telemetry: int = field(default_factory=free_port)
    health: int = field(default_factory=free_port)
    sampling: int = field(default_factory=free_port)
    statsd: int = field(default_factory=free_udp_port)  # UDP: LangFuse's DogStatsD lines


SAMPLING_RECEIVER = "otlp/sampling"
SAMPLING_EXPORTER = "loadbalancing/sampling"


def localise(config: dict, ports: Ports, queue_dir: Path, endpoints: dict[str, str] | None = None,
             samplers: list[str] | None = None) -> dict:
    """The configuration with its listeners on 127.0.0.1, its queue in queue_dir, and each
    exporter named in `endpoints` sending to the given URL instead. With sampling routed by
    trace ID, `samplers` (host:port of each collector's sampling receiver, its own included)
    stand for the headless Service's DNS records: a static list in the loadbalancing
    exporter's resolver, as loopback ports have no DNS name each."""
    config = copy.deepcopy(config)
    protocols = config["receivers"]["otlp"]["protocols"]
    protocols["grpc"]["endpoint"] = f"127.0.0.1:{ports.otlp_grpc}"
    protocols["http"]["endpoint"] = f"127.0.0.1:{ports.otlp_http}"
    if SAMPLING_RECEIVER in config["receivers"]:
        config["receivers"][SAMPLING_RECEIVER]["protocols"]["grpc"]["endpoint"] = f"127.0.0.1:{ports.sampling}"
    if SAMPLING_EXPORTER in config.get("exporters", {}):
        config["exporters"][SAMPLING_EXPORTER]["resolver"] = {
            "static": {"hostnames": samplers or [f"127.0.0.1:{ports.sampling}"]}}
    config["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{ports.health}"
    if "statsd" in config["receivers"]:
        config["receivers"]["statsd"]["endpoint"] = f"127.0.0.1:{ports.statsd}"
    if "prometheus" in config.get("exporters", {}):
        config["exporters"]["prometheus"]["endpoint"] = f"127.0.0.1:{ports.metrics}"
    for reader in config["service"]["telemetry"]["metrics"].get("readers", []):
        reader["pull"]["exporter"]["prometheus"].update(host="127.0.0.1", port=ports.telemetry)
    storage = config["extensions"].get("file_storage/queue")
    if storage:
        storage["directory"] = str(queue_dir)
        storage["compaction"]["directory"] = str(queue_dir)
    for exporter, url in (endpoints or {}).items():
        config["exporters"][exporter]["endpoint"] = url
    return config


def validate(config: dict, workdir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`otelcol validate` on a configuration; the result carries the collector's message."""
    path = workdir / "validate.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return subprocess.run([str(OTELCOL), "validate", f"--config={path}"], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], **(env or {})}, timeout=60, check=False)


def binary_components() -> dict[str, set[str]]:
    """{kind: {type}} of the components compiled into bin/otelcol (`otelcol components`)."""
    listing = yaml.safe_load(subprocess.run([str(OTELCOL), "components"], capture_output=True, text=True,
                                            check=True, timeout=60).stdout)
    return {kind: {entry["name"] for entry in listing.get(kind) or []}
            for kind in ("receivers", "processors", "exporters", "connectors", "extensions")}


def parse_metrics(text: str) -> dict[tuple, float]:
    """Prometheus text as {(sample name, (label, value), ...): value}, labels sorted."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, *sorted(sample.labels.items()))] = sample.value
    return samples


def assert_samples(found: dict[tuple, float], expected: dict[tuple, float]):
    """The samples found (parse_metrics) are exactly those expected, each with its value."""
    assert set(found) == set(expected), (f"missing {sorted(set(expected) - set(found))}, "
                                         f"unexpected {sorted(set(found) - set(expected))}")
    for key, value in expected.items():
        assert found[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


class Collector(Server):
    """bin/otelcol as a process on a localised configuration."""

    def __init__(self, config: dict, workdir: Path, env: dict | None = None, ports: Ports | None = None):
        super().__init__("otelcol", workdir / "otelcol.log")
        self.config = config
        self.workdir = workdir
        self.env = env or {}
        self.ports = ports or Ports()

    def start(self, timeout: float = 30.0) -> "Collector":
        config_path = self.workdir / "otelcol.yaml"
        config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
        self.launch([str(OTELCOL), f"--config={config_path}"], f"http://127.0.0.1:{self.ports.health}/",
                    env=self.env, timeout=timeout)
        return self

    @property
    def otlp_http(self) -> str:
        return f"http://127.0.0.1:{self.ports.otlp_http}"

    @property
    def otlp_grpc(self) -> str:
        return f"127.0.0.1:{self.ports.otlp_grpc}"

    def metrics_exposition(self) -> bytes:
        """The GenAI metrics endpoint as it answers a scrape (the Prometheus text format)."""
        return requests.get(f"http://127.0.0.1:{self.ports.metrics}/metrics", timeout=5).content

    def terminate(self, manifest) -> int:
        """Stop the collector as the kubelet stops its pod: the preStop sleep (the pod has left
        the Service's endpoints, the collector still runs and its exporters keep draining),
        then SIGTERM, then SIGKILL once the grace period is over. Returns the exit code."""
        pause, grace = termination(manifest)
        time.sleep(pause)
        self.stop(timeout=grace - pause)
        return self.process.returncode

    def metrics(self) -> dict[tuple, float]:
        """The GenAI metrics endpoint, parsed."""
        return parse_metrics(self.metrics_exposition().decode())

    def telemetry(self) -> dict[tuple, float]:
        """The collector's own metrics, parsed."""
        return parse_metrics(requests.get(f"http://127.0.0.1:{self.ports.telemetry}/metrics", timeout=5).text)


@dataclass
class Received:
    """One request a stand-in received."""

    path: str
    headers: dict[str, str]
    body: bytes

    def spans(self) -> list:
        """The spans of an OTLP/HTTP protobuf export request."""
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        request = ExportTraceServiceRequest()
        request.ParseFromString(self.body)
        return [span for resource in request.resource_spans for scope in resource.scope_spans
                for span in scope.spans]


class QuietHTTPServer(ThreadingHTTPServer):
    """A stand-in server that takes a client hanging up (the delivery guard or an exporter
    closing a connection mid-request) in silence instead of printing a traceback."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class OtlpSink:
    """A local HTTP server standing in for an OTLP/HTTP endpoint (LangFuse's, LangSmith's, a
    backend's) or X-Ray's API: it records every request and answers `status` (200 by default)
    with `reply_headers`. `stop()` and `start()` again on the same port model an outage."""

    def __init__(self, port: int | None = None, status: int = 200):
        self.port = port or free_port()
        self.status = status
        self.reply_headers: dict[str, str] = {}
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "OtlpSink":
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                status = sink.status
                if status == 200:
                    with sink._lock:
                        sink.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                      body))
                self.send_response(status)
                content_type = "application/json" if self.path.endswith("TraceSegments") else "application/x-protobuf"
                reply = b'{"UnprocessedTraceSegments": []}' if content_type == "application/json" else b""
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(reply)))
                for name, value in sink.reply_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self._server = QuietHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def span_ids(self) -> list[bytes]:
        with self._lock:
            return [span.span_id for request in self.received for span in request.spans()]

    def wait_for_spans(self, count: int, timeout: float = 30.0) -> set[bytes]:
        """The distinct span ids received, once there are `count` of them (or the timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ids = set(self.span_ids())
            if len(ids) >= count:
                return ids
            time.sleep(0.2)
        return set(self.span_ids())


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class OtlpGrpcSink:
    """A local gRPC server standing in for an OTLP/gRPC backend (Tempo, Jaeger); it records
    every export's metadata and spans."""

    def __init__(self):
        self.port = free_port()
        self.received: list[tuple[dict, list]] = []
        self._server = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "OtlpGrpcSink":
        from concurrent import futures

        import grpc
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

        sink = self

        class TraceService(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request, context):  # noqa: N802 - gRPC's naming
                spans = [span for resource in request.resource_spans for scope in resource.scope_spans
                         for span in scope.spans]
                sink.received.append((dict(context.invocation_metadata()), spans))
                return trace_service_pb2.ExportTraceServiceResponse()

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(TraceService(), self._server)
        self._server.add_insecure_port(self.endpoint)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop(grace=None)

    def span_ids(self) -> set[bytes]:
        return {span.span_id for _, spans in self.received for span in spans}

#!/usr/bin/env python3
"""Spans per second through the chart's collector pipeline, against a pass-through.

Both runs use bin/otelcol (the chart's collector version and components) and the same load:
OTLP/HTTP export requests of 512 spans shaped like an agent's (per run of an agent: the
agent span, two LLM calls with token usage and message content, two tool calls, one vector
search), sent by concurrent clients on loopback to a collector whose exporter sends to a local
stand-in for LangFuse.
  * chart        the configuration the chart renders by default: memory limiter, the disk
                 queue to LangFuse, and the GenAI metrics pipeline (normalise, label, price,
                 signaltometrics, deltatocumulative, Prometheus);
  * passthrough  otlp receiver -> otlphttp exporter, nothing else.
A run ends when the exporter has sent every span (and, for the chart, the metrics count every
LLM call). The collector's CPU time gives spans per CPU-second (the load generator shares the
machine's cores); its peak memory is its peak resident set (VmHWM). `make bench` runs it;
the README's sizing section quotes its output.

Usage: bench/collector_throughput.py [--requests N] [--clients N] [--breakdown]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests"))

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue  # noqa: E402

from harness import collector  # noqa: E402
from harness.network import free_port  # noqa: E402
from harness.render import render_chart  # noqa: E402

SPANS_PER_REQUEST = 512
SPANS_PER_RUN = 6
LLM_CALLS_PER_RUN = 2
PROMPT = json.dumps([{"role": "system", "content": "You are a support agent. " * 20},
                     {"role": "user", "content": "Where is my order 12345? " * 10}])
ANSWER = json.dumps([{"role": "assistant", "content": "Your order ships tomorrow. " * 8}])


def attributes(values: dict) -> list[KeyValue]:
    result = []
    for key, value in values.items():
        any_value = AnyValue(int_value=value) if isinstance(value, int) else AnyValue(string_value=value)
        result.append(KeyValue(key=key, value=any_value))
    return result


def export_request(seed: int) -> bytes:
    """One OTLP export request of SPANS_PER_REQUEST spans: agent runs of 6 spans each."""
    request = ExportTraceServiceRequest()
    resource = request.resource_spans.add()
    resource.resource.attributes.extend(attributes({"service.name": "support-bot", "tenant.id": f"tenant-{seed % 7}",
                                                    "telemetry.sdk.language": "python"}))
    scope = resource.scope_spans.add()
    scope.scope.name = "bench"
    start = time.time_ns() - 3_600_000_000_000
    for index in range(SPANS_PER_REQUEST):
        run, role = divmod(index, SPANS_PER_RUN)
        span = scope.spans.add()
        span.trace_id = (seed * 1_000_003 + run).to_bytes(16, "big")
        span.span_id = (seed * 10_007 + index + 1).to_bytes(8, "big")
        span.start_time_unix_nano = start + index * 1_000_000
        span.end_time_unix_nano = span.start_time_unix_nano + (role + 1) * 250_000_000
        if role == 0:
            span.name = "invoke_agent planner"
            values = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner",
                      "gen_ai.request.model": "gpt-4o"}
        elif role in (1, 2):
            span.name = "chat gpt-4o"
            values = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                      "gen_ai.request.model": "gpt-4o-2024-08-06" if role == 1 else "claude-sonnet-4-6",
                      "gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 150,
                      "gen_ai.usage.cache_read.input_tokens": 400,
                      "gen_ai.input.messages": PROMPT, "gen_ai.output.messages": ANSWER}
        elif role in (3, 4):
            span.name = "execute_tool lookup_order"
            values = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup_order",
                      "gen_ai.tool.call.arguments": '{"order": 12345}'}
        else:
            span.name = "retrieval kb"
            values = {"gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "kb"}
        span.attributes.extend(attributes(values))
    return request.SerializeToString()


class NullSink:
    """Answers every export with 200 at once: the destination is not what is measured."""

    def __init__(self):
        self.port = free_port()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def send(port: int, payloads: list[bytes], requests: int, clients: int) -> None:
    """`requests` exports from `clients` concurrent keep-alive connections, each waiting for
    its answer (as SDKs do); a refused export (memory limiter) is retried."""
    counter = iter(range(requests))
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            while True:
                connection.request("POST", "/v1/traces", body=payloads[index % len(payloads)],
                                   headers={"Content-Type": "application/x-protobuf"})
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    break
                time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def sent_spans(instance: collector.Collector) -> float:
    return sum(v for k, v in instance.telemetry().items() if k[0] == "otelcol_exporter_sent_spans_total")


def counted_llm_calls(instance: collector.Collector) -> float:
    return sum(v for k, v in instance.metrics().items() if k[0] == "llm_inference_duration_seconds_count")


def cpu_seconds(instance: collector.Collector) -> float:
    """User plus system CPU time the collector process has used."""
    fields = Path(f"/proc/{instance.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mib(instance: collector.Collector) -> float:
    status = Path(f"/proc/{instance.process.pid}/status").read_text()
    [line] = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def run(name: str, config: dict, env: dict, payloads: list[bytes], requests: int, clients: int) -> dict:
    sink = NullSink()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        (workdir / "queue").mkdir()
        ports = collector.Ports()
        config = collector.localise(config, ports, workdir / "queue",
                                    {"otlphttp/langfuse": f"http://127.0.0.1:{sink.port}/api/public/otel"})
        instance = collector.Collector(config, workdir, env, ports).start()
        try:
            send(ports.otlp_http, payloads, 20, clients)  # warm-up, not measured
            deadline = time.monotonic() + 60
            while sent_spans(instance) < 20 * SPANS_PER_REQUEST and time.monotonic() < deadline:
                time.sleep(0.05)
            baseline_sent = sent_spans(instance)
            measures_metrics = "metrics/genai" in config["service"]["pipelines"]
            baseline_llm = counted_llm_calls(instance) if measures_metrics else 0
            spans = requests * SPANS_PER_REQUEST
            llm_calls = requests * (SPANS_PER_REQUEST // SPANS_PER_RUN) * LLM_CALLS_PER_RUN
            started, cpu_before = time.monotonic(), cpu_seconds(instance)
            send(ports.otlp_http, payloads, requests, clients)
            accepted_after = time.monotonic() - started
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                done = sent_spans(instance) - baseline_sent >= spans
                if measures_metrics:
                    done = done and counted_llm_calls(instance) - baseline_llm >= llm_calls
                if done:
                    break
                time.sleep(0.02)
            else:
                raise TimeoutError(f"{name}: not every span was delivered\n{instance.log()[-2000:]}")
            elapsed = time.monotonic() - started
            cpu = cpu_seconds(instance) - cpu_before
            return {"name": name, "spans": spans, "seconds": elapsed, "accepted_seconds": accepted_after,
                    "spans_per_second": spans / elapsed, "spans_per_cpu_second": spans / cpu,
                    "peak_memory_mib": peak_memory_mib(instance)}
        finally:
            instance.stop()
            sink.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="export requests per run (512 spans each)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent OTLP clients")
    parser.add_argument("--breakdown", action="store_true", help="also run the chart without metrics, "
                        "and with its queue in memory")
    args = parser.parse_args()
    reason = collector.missing_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    manifest = render_chart()
    chart_config = collector.rendered_config(manifest)
    container = collector.rendered_container(manifest)
    env = collector.environment(container, {("obs-langfuse-project-keys", "public-key"): "pk-lf-bench",
                                            ("obs-langfuse-project-keys", "secret-key"): "sk-lf-bench"})
    passthrough = {
        "receivers": chart_config["receivers"],
        "exporters": {"otlphttp/langfuse": {"endpoint": "replaced", "compression": "gzip"}},
        "extensions": {"health_check": chart_config["extensions"]["health_check"]},
        "service": {"extensions": ["health_check"],
                    "telemetry": chart_config["service"]["telemetry"],
                    "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlphttp/langfuse"]}}},
    }
    payloads = [export_request(seed) for seed in range(16)]
    print(f"load: {args.requests} OTLP/HTTP requests of {SPANS_PER_REQUEST} spans "
          f"({sum(map(len, payloads)) // len(payloads) // 1024} KiB each) from {args.clients} clients; "
          f"GOMEMLIMIT={env.get('GOMEMLIMIT', 'unset')}")
    results = [run("passthrough", passthrough, {"GOMEMLIMIT": env.get("GOMEMLIMIT", "")}, payloads,
                   args.requests, args.clients),
               run("chart", chart_config, env, payloads, args.requests, args.clients)]
    if args.breakdown:
        # Where the chart's cost goes: the same configuration without one of its parts.
        for name, values in (("chart, traces only", {"metrics": {"enabled": False}}),
                             ("chart, queue in memory", {"queue": {"persistent": False}})):
            variant = collector.rendered_config(render_chart(values={"otel-collector": values}))
            results.append(run(name, variant, env, payloads, args.requests, args.clients))
    for result in results:
        print(f"{result['name']:<24} {result['spans_per_second']:>9,.0f} spans/s "
              f"({result['spans']:,} spans in {result['seconds']:.1f} s)  "
              f"{result['spans_per_cpu_second']:>9,.0f} spans per CPU-second  "
              f"peak memory {result['peak_memory_mib']:.0f} MiB")
    ratio = results[1]["spans_per_second"] / results[0]["spans_per_second"]
    print(f"ratio chart/passthrough: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

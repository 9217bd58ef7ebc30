#!/usr/bin/env python3
"""Spans per second through the chart's collector pipeline, stage by stage, against a pass-through.

Every run uses bin/otelcol (the chart's collector version and components) and the same load:
OTLP/HTTP export requests of 512 spans shaped like an agent's (per run of an agent: the
agent span, two LLM calls with token usage and message content, two tool calls, one vector
search; each request with new random trace IDs), sent by concurrent clients on loopback to a
collector whose exporter sends to a local stand-in for LangFuse. The configurations, each a
stage more than the one before:
  * passthrough        otlp receiver -> otlphttp exporter, nothing else (in-memory queue);
  * passthrough+queue  the chart with metrics off: memory limiter and the disk queue to LangFuse,
                       what the durability guarantee costs;
  * chart, no transforms  plus the metrics pipeline without its OTTL (copy, batch,
                       signaltometrics, deltatocumulative, Prometheus): the metrics are wrong,
                       the figure shows what the transforms cost on top;
  * chart, no signaltometrics  plus the transforms' OTTL, the metrics' copy of the spans going
                       to a discarding exporter instead of signaltometrics: what the OTTL costs;
  * chart              the configuration the chart renders by default: the rest is what
                       signaltometrics (and deltatocumulative, Prometheus) cost;
  * chart, redacted    the chart with redaction.everywhere: LangFuse's copy goes through every
                       detector (transform/redacted) and its markers are counted
                       (genai_redactions_total), what redaction costs;
  * chart, sampled     the chart with sampling.enabled, in process (one collector): LangFuse's
                       copy priced (transform/sampling-signals), held and decided by
                       tail_sampling with every rule (errors, rate limits, latency, cost,
                       tenants; none holds for the bench's runs) and the share, what the
                       sampling tier costs;
  * chart, sampled, routed  the same with sampling.routeByTraceId: the collector routes every
                       trace by trace ID (loadbalancing exporter, its own disk queue, OTLP/gRPC)
                       to its own sampling receiver, as each replica of several does for the
                       traces it decides; on top of the stage before, what the hop costs;
  * spanmetrics        passthrough+queue plus what a user would otherwise write by hand: the
                       contrib spanmetrics connector (durations by span name and kind, no tokens,
                       cost or GenAI labels) and a Prometheus exporter.
The configurations run interleaved, `--rounds` times (each round in a rotated order), and the
figures are medians, so that a machine whose load changes affects them all alike; each ratio is
the median of the ratios within a round. A run ends when the LangFuse exporter has sent every
span and the metrics pipeline has passed every span on (for the chart: its metrics count every
LLM call). The sampled stages keep every trace (percentage 100), so that "every span sent"
still ends their runs: the rules are evaluated for each trace all the same (the processor
evaluates every policy). The processor hands each kept trace on by itself
(tailsamplingprocessor processor.go, releaseSampledTrace), so LangFuse's queue stores it and
its exporter sends it as one request each: that part of the cost scales with the share kept,
and keeping every trace shows the most of it. Their decisionWait is 1 s (the chart's default is
30 s): it delays each trace's export, once at the end of a run (their spans/s are lower by a
second or two of each run), not the CPU a span costs; held longer, the traces take more memory,
which their peak memory here does not show. The collector's CPU time gives spans per CPU-second
(the load generator shares the machine's cores); its peak memory is its peak resident set
(VmHWM). `--profile DIR` also writes each configuration's CPU and allocation profiles (the
pprof extension) to DIR.
`make bench` runs it; the README's sizing section quotes its output.

Usage: bench/collector_throughput.py [--requests N] [--clients N] [--rounds N] [--profile DIR]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
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
LLM_ROLES = (1, 2)  # which spans of a run are LLM calls
LLM_CALLS_PER_REQUEST = sum(index % SPANS_PER_RUN in LLM_ROLES for index in range(SPANS_PER_REQUEST))
PROMPT = json.dumps([{"role": "system", "content": "You are a support agent. " * 20},
                     {"role": "user", "content": "Where is my order 12345? " * 10}])
ANSWER = json.dumps([{"role": "assistant", "content": "Your order ships tomorrow. " * 8}])


def attributes(values: dict) -> list[KeyValue]:
    result = []
    for key, value in values.items():
        any_value = AnyValue(int_value=value) if isinstance(value, int) else AnyValue(string_value=value)
        result.append(KeyValue(key=key, value=any_value))
    return result


def export_request(seed: int, trace_ids: list[bytes]) -> bytes:
    """One OTLP export request of SPANS_PER_REQUEST spans: agent runs of 6 spans each, run i
    with trace_ids[i]."""
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
        span.trace_id = trace_ids[run]
        span.span_id = (seed * 10_007 + index + 1).to_bytes(8, "big")
        span.start_time_unix_nano = start + index * 1_000_000
        span.end_time_unix_nano = span.start_time_unix_nano + (role + 1) * 250_000_000
        if role == 0:
            span.name = "invoke_agent planner"
            values = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner",
                      "gen_ai.request.model": "gpt-4o"}
        elif role in LLM_ROLES:
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


class Load:
    """The export requests the clients send, built once (`seeds` of them, sent in turn), each
    sent with new random trace IDs, as SDKs make them: a trace ID never comes back (the tail
    sampling processor would follow its cached decision instead of deciding) and the share's
    hash (FNV-1a of the ID) gets the uniform input it is meant for, which counted IDs are not.
    The IDs are written into the built request at the byte offsets of placeholder IDs, so
    that the clients cost little CPU of the cores they share with the collector."""

    TRACES = -(-SPANS_PER_REQUEST // SPANS_PER_RUN)

    def __init__(self, seeds: int = 16):
        self.requests: list[tuple[bytes, list[tuple[int, int]]]] = []
        for seed in range(seeds):
            placeholders = [os.urandom(16) for _ in range(self.TRACES)]
            body = export_request(seed, placeholders)
            offsets = []  # (byte offset, which trace of the request)
            for trace, placeholder in enumerate(placeholders):
                found, index = [], body.find(placeholder)
                while index >= 0:
                    found.append(index)
                    index = body.find(placeholder, index + 1)
                expected = min(SPANS_PER_RUN, SPANS_PER_REQUEST - trace * SPANS_PER_RUN)
                if len(found) != expected:
                    raise RuntimeError(f"trace {trace} of request {seed}: {len(found)} placeholder IDs, not {expected}")
                offsets += [(index, trace) for index in found]
            self.requests.append((body, offsets))

    def size(self) -> int:
        """Bytes of a request, on average."""
        return sum(len(body) for body, _ in self.requests) // len(self.requests)

    def body(self, index: int) -> bytearray:
        """Request `index` (in turn among the built ones) with new trace IDs."""
        template, offsets = self.requests[index % len(self.requests)]
        body, ids = bytearray(template), os.urandom(16 * self.TRACES)
        for offset, trace in offsets:
            body[offset:offset + 16] = ids[16 * trace:16 * trace + 16]
        return body


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


def send(port: int, load: Load, requests: int, clients: int) -> None:
    """`requests` exports from `clients` concurrent keep-alive connections, each waiting for
    its answer (as SDKs do); a refused export (memory limiter) is retried as it was."""
    counter = iter(range(requests))
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            body = load.body(index)
            while True:
                connection.request("POST", "/v1/traces", body=body,
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


LANGFUSE_EXPORTER = "otlphttp/langfuse"
# No count of a healthy run stays still this long: the batch processor's timeout, the sampled
# stages' decisionWait and decision tick, an exporter's retry backoff (at most 30 s) are shorter.
STALLED_SECONDS = 60


def sent_spans(telemetry: dict[tuple, float]) -> float:
    """Spans the exporter to the LangFuse stand-in has sent (and only it: the routed sampling
    stage's loadbalancing exporter counts the same spans once more)."""
    return sum(v for k, v in telemetry.items()
               if k[0] == "otelcol_exporter_sent_spans_total" and ("exporter", LANGFUSE_EXPORTER) in k[1:])


def passed_on_spans(telemetry: dict[tuple, float], batch_processor: str) -> float:
    """Spans a batch processor has passed on to the next component."""
    return sum(v for k, v in telemetry.items()
               if k[0] == "otelcol_processor_batch_batch_send_size_sum" and ("processor", batch_processor) in k[1:])


def counted_llm_calls(instance: collector.Collector) -> float:
    return sum(v for k, v in instance.metrics().items() if k[0] == "llm_inference_duration_seconds_count")


def wait_for(name: str, instance: collector.Collector, progress, targets: tuple[float, ...]) -> None:
    """Returns once each count progress() returns has reached its target; fails when none has
    moved for STALLED_SECONDS, with the counts and the end of the collector's log."""
    last, moved = None, time.monotonic()
    while True:
        counts = progress()
        if all(count >= target for count, target in zip(counts, targets)):
            return
        if counts != last:
            last, moved = counts, time.monotonic()
        elif time.monotonic() - moved > STALLED_SECONDS:
            raise TimeoutError(f"{name}: stalled at {counts} of {targets} (spans sent to LangFuse, passed on to "
                               f"the metrics, LLM calls counted)\n{instance.log()[-2000:]}")
        time.sleep(0.02)


def cpu_seconds(instance: collector.Collector) -> float:
    """User plus system CPU time the collector process has used."""
    fields = Path(f"/proc/{instance.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mib(instance: collector.Collector) -> float:
    status = Path(f"/proc/{instance.process.pid}/status").read_text()
    [line] = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def with_pprof(config: dict, port: int) -> dict:
    config = json.loads(json.dumps(config))
    config["extensions"]["pprof"] = {"endpoint": f"127.0.0.1:{port}"}
    config["service"]["extensions"] = [*config["service"]["extensions"], "pprof"]
    return config


def start_collector(config: dict, workdir: Path, env: dict, sink: NullSink,
                    profiled: bool) -> tuple[collector.Collector, dict, int]:
    """The collector on free loopback ports, its localised configuration and its pprof port.
    A port can be taken between being chosen and the collector binding it (by an outgoing
    connection's ephemeral port, or another program): it is started again on new ports."""
    for attempt in itertools.count(1):
        ports = collector.Ports()
        # The routed stage's one collector is the whole sampling tier: its own receiver decides.
        localised = collector.localise(config, ports, workdir / "queue",
                                       {LANGFUSE_EXPORTER: f"http://127.0.0.1:{sink.port}/api/public/otel"},
                                       samplers=[f"127.0.0.1:{ports.sampling}"])
        pprof_port = free_port()
        if profiled:
            localised = with_pprof(localised, pprof_port)
        try:
            return collector.Collector(localised, workdir, env, ports).start(), localised, pprof_port
        except RuntimeError as error:
            if "address already in use" not in str(error) or attempt == 3:
                raise


def run(name: str, config: dict, env: dict, load: Load, requests: int, clients: int,
        profile: Path | None = None) -> dict:
    sink = NullSink()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        (workdir / "queue").mkdir()
        instance, config, pprof_port = start_collector(config, workdir, env, sink, profile is not None)
        ports = instance.ports
        pipelines = config["service"]["pipelines"]
        # The batch processor that feeds signaltometrics: once it has passed every span on, the
        # metrics have been computed from them (the other pipelines are synchronous).
        last_processor = next((p for p in config.get("processors", {}) if p.startswith("batch/")), None)
        metrics_pipeline = pipelines.get("traces/genai-metrics", {})
        counts_llm_calls = ("signaltometrics" in metrics_pipeline.get("exporters", [])
                            and "transform/genai-labels" in metrics_pipeline.get("processors", []))

        def progress() -> tuple[float, float, float]:
            """Spans sent to LangFuse, spans the metrics' batch processor passed on, LLM calls
            the metrics counted (0 where the configuration has no such stage)."""
            telemetry = instance.telemetry()
            return (sent_spans(telemetry), passed_on_spans(telemetry, last_processor) if last_processor else 0,
                    counted_llm_calls(instance) if counts_llm_calls else 0)

        def expected(requests_sent: int) -> tuple[float, float, float]:
            spans_sent = requests_sent * SPANS_PER_REQUEST
            return (spans_sent, spans_sent if last_processor else 0,
                    requests_sent * LLM_CALLS_PER_REQUEST if counts_llm_calls else 0)

        try:
            send(ports.otlp_http, load, 20, clients)  # warm-up, not measured
            wait_for(name, instance, progress, expected(20))
            baseline = progress()
            spans = requests * SPANS_PER_REQUEST
            profiler = None
            if profile:
                profiler = threading.Thread(target=lambda: (profile / f"{name}.cpu.pprof").write_bytes(
                    urllib.request.urlopen(f"http://127.0.0.1:{pprof_port}/debug/pprof/profile?seconds=5",
                                           timeout=60).read()), daemon=True)
                profiler.start()
            started, cpu_before = time.monotonic(), cpu_seconds(instance)
            send(ports.otlp_http, load, requests, clients)
            wait_for(name, instance, progress, tuple(b + e for b, e in zip(baseline, expected(requests))))
            elapsed = time.monotonic() - started
            cpu = cpu_seconds(instance) - cpu_before
            if profiler:
                profiler.join()
                (profile / f"{name}.allocs.pprof").write_bytes(
                    urllib.request.urlopen(f"http://127.0.0.1:{pprof_port}/debug/pprof/allocs", timeout=60).read())
            return {"name": name, "spans": spans, "seconds": elapsed,
                    "spans_per_second": spans / elapsed, "spans_per_cpu_second": spans / cpu,
                    "peak_memory_mib": peak_memory_mib(instance)}
        finally:
            instance.stop()
            sink.stop()


# The component tests' rules (tests/component/test_sampling.py), keeping every trace: none of
# them holds for the bench's runs (no error, no 429, 1.5 s long, 0.004 USD an LLM call, tenants
# tenant-0 to tenant-6), so each trace is kept by the share after every rule is evaluated.
SAMPLING = {"enabled": True, "percentage": 100, "decisionWait": "1s",
            "keep": {"errors": True, "rateLimited": True, "slowerThanSeconds": 5, "costlierThanUsd": 0.05,
                     "tenants": ["vip"]}}


def configurations(env: dict) -> dict[str, dict]:
    """The benchmark's configurations by name, in stage order."""
    chart = collector.rendered_config(render_chart())
    with_queue = collector.rendered_config(render_chart(values={"otel-collector": {"metrics": {"enabled": False}}}))
    passthrough = {
        "receivers": chart["receivers"],
        "exporters": {"otlphttp/langfuse": {"endpoint": "replaced", "compression": "gzip"}},
        "extensions": {"health_check": chart["extensions"]["health_check"]},
        "service": {"extensions": ["health_check"],
                    "telemetry": chart["service"]["telemetry"],
                    "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlphttp/langfuse"]}}},
    }
    no_transforms = json.loads(json.dumps(chart))
    metrics_pipeline = no_transforms["service"]["pipelines"]["traces/genai-metrics"]
    metrics_pipeline["processors"] = [p for p in metrics_pipeline["processors"] if not p.startswith("transform/")]
    # The transforms without the aggregation: the copy of the spans is discarded after the
    # batch processor (the debug exporter, logging one line per 1024 batches).
    no_aggregation = json.loads(json.dumps(chart))
    no_aggregation["exporters"]["debug"] = {"verbosity": "basic", "sampling_initial": 1,
                                            "sampling_thereafter": 1024}
    no_aggregation["service"]["pipelines"]["traces/genai-metrics"]["exporters"] = ["debug"]
    del no_aggregation["service"]["pipelines"]["metrics/genai"]
    del no_aggregation["connectors"]["signaltometrics"]
    # What a user would otherwise write by hand: the contrib spanmetrics connector (its defaults:
    # duration histograms and call counts by service, span name, kind and status) beside the
    # chart's traces pipeline, exposed by a Prometheus exporter.
    spanmetrics = json.loads(json.dumps(with_queue))
    spanmetrics["connectors"]["spanmetrics"] = {}
    spanmetrics["exporters"]["prometheus"] = chart["exporters"]["prometheus"]
    spanmetrics["service"]["pipelines"]["traces/spanmetrics"] = {
        "receivers": ["otlp"], "processors": ["memory_limiter"], "exporters": ["spanmetrics"]}
    spanmetrics["service"]["pipelines"]["metrics/spanmetrics"] = {
        "receivers": ["spanmetrics"], "exporters": ["prometheus"]}
    redacted = collector.rendered_config(render_chart(values={"otel-collector": {"redaction": {"everywhere": True}}}))
    sampled = collector.rendered_config(render_chart(values={"otel-collector": {"sampling": SAMPLING}}))
    routed = collector.rendered_config(render_chart(values={"otel-collector": {
        "sampling": {**SAMPLING, "routeByTraceId": True}}}))
    return {"passthrough": passthrough, "passthrough+queue": with_queue, "chart, no transforms": no_transforms,
            "chart, no signaltometrics": no_aggregation, "chart": chart, "chart, redacted": redacted,
            "chart, sampled": sampled, "chart, sampled, routed": routed, "spanmetrics": spanmetrics}


def median_ratio(rounds: list[dict[str, dict]], numerator: str, denominator: str) -> float:
    return statistics.median(r[numerator]["spans_per_second"] / r[denominator]["spans_per_second"] for r in rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="export requests per run (512 spans each)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent OTLP clients")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each configuration, interleaved")
    parser.add_argument("--only", action="append", help="run only this configuration (repeatable)")
    parser.add_argument("--profile", type=Path, help="write CPU and allocation profiles to this directory")
    args = parser.parse_args()
    reason = collector.missing_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    manifest = render_chart()
    container = collector.rendered_container(manifest)
    env = collector.environment(container, {("obs-langfuse-project-keys", "public-key"): "pk-lf-bench",
                                            ("obs-langfuse-project-keys", "secret-key"): "sk-lf-bench"})
    configs = configurations(env)
    if args.only:
        configs = {name: configs[name] for name in args.only}
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    load = Load()
    print(f"load: {args.requests} OTLP/HTTP requests of {SPANS_PER_REQUEST} spans "
          f"({load.size() // 1024} KiB each) from {args.clients} clients; "
          f"GOMEMLIMIT={env.get('GOMEMLIMIT', 'unset')}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    names = list(configs)
    rounds = []
    for index in range(args.rounds):
        order = names[index % len(names):] + names[:index % len(names)]
        results = {}
        for name in order:
            env_of_run = {"GOMEMLIMIT": env.get("GOMEMLIMIT", "")} if name == "passthrough" else env
            results[name] = run(name, configs[name], env_of_run, load, args.requests, args.clients,
                                args.profile if index == 0 else None)
        rounds.append(results)
        print(f"round {index + 1}: " + ", ".join(f"{name} {results[name]['spans_per_second']:,.0f}" for name in names)
              + f" spans/s; load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"medians of {args.rounds} rounds:")
    for name in names:
        runs = [r[name] for r in rounds]
        spans_per_second = statistics.median(r["spans_per_second"] for r in runs)
        per_cpu = statistics.median(r["spans_per_cpu_second"] for r in runs)
        print(f"{name:<26} {spans_per_second:>9,.0f} spans/s  {per_cpu:>9,.0f} spans per CPU-second  "
              f"peak memory {max(r['peak_memory_mib'] for r in runs):.0f} MiB")
    cpu_us = {name: 1e6 / statistics.median(r[name]["spans_per_cpu_second"] for r in rounds) for name in names}
    stages = [("the disk queue", "passthrough", "passthrough+queue"),
              ("the metrics pipeline, no OTTL (batch, idle aggregation)", "passthrough+queue", "chart, no transforms"),
              ("the OTTL, with the copy of the spans it changes", "chart, no transforms", "chart, no signaltometrics"),
              ("signaltometrics, deltatocumulative, Prometheus", "chart, no signaltometrics", "chart"),
              ("redaction of LangFuse's copy, and its count", "chart", "chart, redacted"),
              ("tail sampling in process, every trace kept", "chart", "chart, sampled"),
              ("tail sampling routed by trace ID, every trace kept", "chart", "chart, sampled, routed"),
              ("  of which the hop (loadbalancing, its disk queue, OTLP)", "chart, sampled", "chart, sampled, routed")]
    stages = [stage for stage in stages if stage[1] in cpu_us and stage[2] in cpu_us]
    if stages:
        print("collector CPU per span, what each stage adds (medians; noisy when a stage adds little):")
        for label, before, after in stages:
            print(f"  {label:<56} {cpu_us[after] - cpu_us[before]:+6.1f} us")
    if "chart" in cpu_us:
        print(f"  {'chart in all':<56} {cpu_us['chart']:6.1f} us")
    for numerator, denominator in (("chart", "passthrough"), ("chart", "passthrough+queue"),
                                   ("chart, redacted", "passthrough+queue"),
                                   ("chart, sampled", "passthrough+queue"),
                                   ("chart, sampled, routed", "passthrough+queue"),
                                   ("spanmetrics", "passthrough+queue"), ("chart", "spanmetrics")):
        if numerator in names and denominator in names:
            print(f"ratio {numerator}/{denominator}: {median_ratio(rounds, numerator, denominator):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

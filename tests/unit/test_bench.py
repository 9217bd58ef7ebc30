"""bench/collector_throughput.py's load and end of a run: what its figures rest on."""

import importlib.util

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from harness.collector import parse_metrics
from harness.paths import REPO_ROOT


BENCH = REPO_ROOT / "bench" / "collector_throughput.py"


def bench():
    """bench/collector_throughput.py as a module (bench/ is no package)."""
    spec = importlib.util.spec_from_file_location("collector_throughput", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def spans(body) -> list:
    request = ExportTraceServiceRequest()
    request.ParseFromString(bytes(body))
    return [span for resource in request.resource_spans for scope in resource.scope_spans for span in scope.spans]


def test_every_request_the_bench_sends_has_new_trace_ids_one_per_agent_run_and_is_otherwise_as_built():
    # A trace ID sent again would be decided by the tail sampling processor's cache, not by its
    # rules, and counted IDs are not what the share's hash is meant for.
    module = bench()
    load = module.Load(seeds=2)
    sent = [spans(load.body(index)) for index in range(8)]  # each built request four times
    runs = [[span.trace_id for span in request][start:start + module.SPANS_PER_RUN]
            for request in sent for start in range(0, module.SPANS_PER_REQUEST, module.SPANS_PER_RUN)]
    assert all(len(set(run)) == 1 for run in runs)
    assert len({run[0] for run in runs}) == len(runs) == 8 * module.Load.TRACES
    built = spans(load.requests[1][0])
    for request in sent[1::2]:
        for span, template in zip(request, built, strict=True):
            span.trace_id = template.trace_id
            assert span == template
    assert sum(span.name.startswith("chat ") for span in built) == module.LLM_CALLS_PER_REQUEST


def test_a_run_ends_on_the_spans_sent_to_langfuse_not_on_those_the_sampling_tier_routed():
    # The routed sampling stage's loadbalancing exporter sends every span once before LangFuse's
    # exporter does (a decisionWait later): counted together, a run ended half-way.
    module = bench()
    telemetry = parse_metrics(
        "# TYPE otelcol_exporter_sent_spans_total counter\n"
        'otelcol_exporter_sent_spans_total{exporter="loadbalancing/sampling",otel_scope_name="x"} 1024\n'
        'otelcol_exporter_sent_spans_total{exporter="otlphttp/langfuse",otel_scope_name="x"} 512\n')
    assert module.sent_spans(telemetry) == 512

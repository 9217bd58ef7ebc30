"""Tail sampling (sampling.enabled) on the chart's rendered collectors: every trace a rule keeps
arrives whole, a share of the rest arrives within statistical bounds, the metrics count every
span, and several collectors decide each trace together, also when one is stopped or killed.

Traces are built by hand (OTLP protobuf) so that each test chooses their IDs and which
collector each span reaches; local HTTP servers stand in for LangFuse and an OTLP backend.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from dataclasses import dataclass, field

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from harness.collector import Ports, SAMPLING_EXPORTER, OtlpSink, assert_samples

from chart_prices import cost
from collector_inputs import FAST_RETRIES, LANGFUSE, LANGFUSE_PATH
from genai_spans import add_attributes

SECOND = 1_000_000_000
SHARE = 20  # percent of the traces no rule keeps
# Short enough for a test; the rules as a user would write them.
SAMPLING = {"enabled": True, "percentage": SHARE, "decisionWait": "1s",
            "keep": {"errors": True, "rateLimited": True, "slowerThanSeconds": 5, "costlierThanUsd": 0.05,
                     "tenants": ["vip"]}}
COSTLY = (20_000, 5_000)  # input and output tokens of gpt-4o: 0.10 USD, above costlierThanUsd
CHEAP = (100, 20)
IDS = itertools.count(1)


@dataclass
class Span:
    name: str
    attributes: dict
    seconds: float = 0.5
    error: bool = False
    events: list = field(default_factory=list)  # (name, attributes)
    span_id: bytes = b""
    parent: bytes = b""


@dataclass
class Trace:
    """An agent run: invoke_agent, an LLM call and a tool call, each span reaching the collector
    `route` names (by index)."""
    kind: str
    tenant: str = "acme"
    spans: list = field(default_factory=list)
    route: list = field(default_factory=list)
    trace_id: bytes = b""

    @property
    def span_ids(self) -> set[bytes]:
        return {span.span_id for span in self.spans}


def agent_run(kind: str, tenant: str = "acme", route=(0, 0, 0)) -> Trace:
    tokens = COSTLY if kind == "expensive" else CHEAP
    chat = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": tokens[0], "gen_ai.usage.output_tokens": tokens[1]}
    tool = Span("execute_tool search", {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"})
    if kind == "error":
        tool.error = True
        tool.events = [("exception", {"exception.type": "TimeoutError", "exception.message": "search timed out"})]
    if kind == "rate-limited":
        chat["http.response.status_code"] = 429
    root = Span("invoke_agent planner", {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner",
                                         "tenant.id": tenant}, seconds=6.0 if kind == "slow" else 1.0)
    spans = [root, Span("chat gpt-4o", chat), tool]
    # Random, as SDKs make them: the share's hash (FNV-1a of the trace ID) spreads random IDs
    # evenly, not counted ones.
    trace = Trace(kind, tenant, spans, list(route), os.urandom(16))
    for span in spans:
        span.span_id = next(IDS).to_bytes(8, "big")
    spans[1].parent = spans[2].parent = root.span_id
    return trace


def export(traces: list[Trace], collector_index: int) -> bytes | None:
    """The OTLP/HTTP request (protobuf) of the traces' spans that go to one collector; None
    when none does."""
    request = ExportTraceServiceRequest()
    scope = request.resource_spans.add()
    resource = scope.resource.attributes.add()
    resource.key, resource.value.string_value = "service.name", "sampling-test"
    spans = scope.scope_spans.add().spans
    start = int(time.time() - 60) * SECOND
    for trace in traces:
        for span, route in zip(trace.spans, trace.route):
            if route != collector_index:
                continue
            out = spans.add()
            out.trace_id, out.span_id, out.parent_span_id = trace.trace_id, span.span_id, span.parent
            out.name = span.name
            out.start_time_unix_nano, out.end_time_unix_nano = start, start + int(span.seconds * SECOND)
            if span.error:
                out.status.code = 2  # STATUS_CODE_ERROR
            add_attributes(out.attributes, span.attributes)
            for name, attributes in span.events:
                event = out.events.add()
                event.name, event.time_unix_nano = name, start
                add_attributes(event.attributes, attributes)
    return request.SerializeToString() if len(spans) else None


def send(collectors, traces: list[Trace]) -> None:
    """Each collector's share of the traces' spans, in batches; every export must be accepted."""
    for index, collector_ in enumerate(collectors):
        for batch in range(0, len(traces), 50):
            body = export(traces[batch:batch + 50], index)
            if body is None:
                continue
            answer = requests.post(f"{collector_.otlp_http}/v1/traces", data=body, timeout=30,
                                   headers={"Content-Type": "application/x-protobuf"})
            assert answer.status_code == 200, answer.text


def received(*sinks) -> dict[bytes, dict[bytes, object]]:
    """{trace id: {span id: span}} of every span the stand-ins received."""
    traces: dict[bytes, dict[bytes, object]] = {}
    for sink in sinks:
        for request in list(sink.received):
            for span in request.spans():
                traces.setdefault(span.trace_id, {})[span.span_id] = span
    return traces


def wait_until_settled(sinks, timeout: float = 30.0) -> dict[bytes, dict[bytes, object]]:
    """What the stand-ins received once nothing new arrived for a few seconds (the decisions
    come a decisionWait after each trace's first span, then the exports)."""
    deadline = time.monotonic() + timeout
    count, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = sum(len(spans) for spans in received(*sinks).values())
        if now != count:
            count, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > 4:
            break
        time.sleep(0.5)
    return received(*sinks)


def share_bounds(trials: int, percent: float) -> tuple[float, float]:
    """Five standard deviations either side of the expected count of a binomial draw: a correct
    sampler falls outside about once in 1.7 million runs."""
    p = percent / 100
    spread = 5 * math.sqrt(trials * p * (1 - p))
    return trials * p - spread, trials * p + spread


def mixed_traffic(route_of) -> list[Trace]:
    traces = [agent_run(kind, route=route_of(index)) for index, kind in enumerate(
        ["error"] * 30 + ["rate-limited"] * 20 + ["slow"] * 20 + ["expensive"] * 20 + ["ordinary"] * 400)]
    traces += [agent_run("ordinary", tenant="vip", route=route_of(index)) for index in range(20)]
    return traces


def expected_metrics(traces: list[Trace]) -> dict[tuple, float]:
    """The LLM calls' counters as the contract defines them, over every trace sent (the LLM
    calls carry no tenant of their own: tenant_id unknown)."""
    metrics: dict[tuple, float] = {}
    for trace in traces:
        tokens = COSTLY if trace.kind == "expensive" else CHEAP
        labels = (("model", "gpt-4o"), ("tenant_id", "unknown"))
        for key, value in ((("llm_requests_total", *labels), 1),
                           (("llm_cost_dollars_total", *labels), cost("gpt-4o", tokens[0], 0, tokens[1])),
                           (("llm_tokens_total", *labels, ("token_type", "input")), tokens[0]),
                           (("llm_tokens_total", *labels, ("token_type", "output")), tokens[1])):
            metrics[key] = metrics.get(key, 0) + value
    return metrics


def llm_counters(*collectors) -> dict[tuple, float]:
    """The LLM calls' counters of the collectors' metrics endpoints, summed over them."""
    found: dict[tuple, float] = {}
    for collector_ in collectors:
        for key, value in collector_.metrics().items():
            if key[0] in ("llm_requests_total", "llm_cost_dollars_total", "llm_tokens_total"):
                found[key] = found.get(key, 0) + value
    return found


def assert_kept_by_the_rules(traces: list[Trace], arrived: dict[bytes, dict]) -> int:
    """Every trace a rule keeps arrived whole; every other trace arrived whole or not at all.
    Returns how many of the others arrived."""
    kept_share = 0
    for trace in traces:
        spans = arrived.get(trace.trace_id, {})
        if trace.kind != "ordinary" or trace.tenant == "vip":
            assert set(spans) == trace.span_ids, f"a {trace.kind} trace of {trace.tenant} is not whole"
        elif spans:
            assert set(spans) == trace.span_ids, "an ordinary trace arrived in part"
            kept_share += 1
    for spans in arrived.values():
        for span in spans.values():
            assert not [kv for kv in span.attributes if kv.key.startswith("agent_observability.")]
    return kept_share


def test_in_process_every_trace_a_rule_keeps_arrives_whole_a_share_of_the_rest_and_the_metrics_count_all(
        run_collector, langfuse):
    backend = OtlpSink().start()
    try:
        collector_ = run_collector(
            {"sampling": SAMPLING, "destinations": {"otlp": {
                "enabled": True, "protocol": "http", "endpoint": "http://backend", "sampled": False}}},
            endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH), "otlphttp/backend": backend.url()})
        assert SAMPLING_EXPORTER not in collector_.config["exporters"]  # one replica decides in process
        traces = mixed_traffic(lambda index: (0, 0, 0))
        send([collector_], traces)

        arrived = wait_until_settled([langfuse])
        kept_share = assert_kept_by_the_rules(traces, arrived)
        low, high = share_bounds(400, SHARE)
        assert low <= kept_share <= high, f"{kept_share} of 400 ordinary traces kept, expected {SHARE}%"
        # The destination with sampled: false gets every span.
        everything = {span for trace in traces for span in trace.span_ids}
        assert set(itertools.chain.from_iterable(wait_until_settled([backend]).values())) == everything
        assert_samples(llm_counters(collector_), expected_metrics(traces))
    finally:
        backend.stop()


def start_routed(run_collector, count: int, values: dict, langfuses, tmp_path, ports=None):
    """`count` collectors that route traces among themselves by trace ID, each exporting to its
    own LangFuse stand-in."""
    ports = ports or [Ports() for _ in range(count)]
    samplers = [f"127.0.0.1:{port.sampling}" for port in ports]
    collectors = []
    for index in range(count):
        queue = tmp_path / f"queue-{index}"
        queue.mkdir(exist_ok=True)
        collectors.append(run_collector({**values, "replicas": count}, ports=ports[index], queue_dir=queue,
                                        samplers=samplers,
                                        endpoints={LANGFUSE: langfuses[index].url(LANGFUSE_PATH)}))
    return collectors, ports, samplers


def test_spans_of_one_trace_sent_to_different_collectors_are_decided_together(run_collector, tmp_path):
    langfuses = [OtlpSink().start(), OtlpSink().start()]
    try:
        collectors, _, _ = start_routed(run_collector, 2, {"sampling": SAMPLING, **FAST_RETRIES}, langfuses, tmp_path)
        assert SAMPLING_EXPORTER in collectors[0].config["exporters"]
        # The root to one collector, the LLM and tool calls to the other: the error, the 429, the
        # latency and the cost are each in a span the root's collector never sees.
        traces = mixed_traffic(lambda index: (index % 2, 1 - index % 2, 1 - index % 2))
        send(collectors, traces)

        arrived = wait_until_settled(langfuses)
        kept_share = assert_kept_by_the_rules(traces, arrived)
        low, high = share_bounds(400, SHARE)
        assert low <= kept_share <= high, f"{kept_share} of 400 ordinary traces kept, expected {SHARE}%"
        # Each trace was decided by one collector: its spans all left through that one's exporter.
        for trace in traces:
            holders = [index for index, sink in enumerate(langfuses)
                       if trace.span_ids & set(itertools.chain.from_iterable(received(sink).values()))]
            assert len(holders) <= 1, "a trace's spans were decided by two collectors"
        assert len({index for trace in traces for index, sink in enumerate(langfuses)
                    if trace.trace_id in received(sink)}) == 2, "one collector decided every trace"
        # The metrics: every span, counted once, by the collector the agent sent it to.
        assert_samples(llm_counters(*collectors), expected_metrics(traces))
    finally:
        for sink in langfuses:
            sink.stop()


def decided_by(sink, traces: list[Trace]) -> set[bytes]:
    arrived = received(sink)
    return {trace.trace_id for trace in traces if trace.trace_id in arrived}


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_a_deciding_collector_stopped_or_killed_under_load_loses_no_span_it_had_decided(
        run_collector, tmp_path, how):
    """Everything kept (percentage 100): every span sent must arrive, but for what a killed
    collector was still deciding. Its LangFuse is down, so what it decided waits on its queue."""
    values = {"sampling": {**SAMPLING, "percentage": 100, "decisionWait": "2s"}, **FAST_RETRIES}
    langfuses = [OtlpSink().start(), OtlpSink(status=503).start()]
    try:
        collectors, ports, samplers = start_routed(run_collector, 2, values, langfuses, tmp_path)
        decided = [agent_run("ordinary") for _ in range(200)]
        send([collectors[0]], decided)
        time.sleep(5)  # past decisionWait: both collectors have decided these, the second queued its share
        deciding = [agent_run("ordinary") for _ in range(200)]
        send([collectors[0]], deciding)  # accepted, and still being decided when the second goes
        if how == "stopped":
            collectors[1].stop(timeout=30)
        else:
            collectors[1].kill()
        after = [agent_run("ordinary") for _ in range(100)]
        send([collectors[0]], after)  # the first holds the second's share on its queue meanwhile
        langfuses[1].status = 200
        run_collector({**values, "replicas": 2}, ports=ports[1], queue_dir=tmp_path / "queue-1",
                                  samplers=samplers, endpoints={LANGFUSE: langfuses[1].url(LANGFUSE_PATH)})

        arrived = wait_until_settled(langfuses, timeout=60)
        lost = [trace for trace in decided + deciding + after if set(arrived.get(trace.trace_id, {})) != trace.span_ids]
        assert not [trace for trace in decided + after if trace in lost], "a decided or later trace was lost"
        second = decided_by(langfuses[1], decided)
        assert second, "the second collector decided none of the traces: the test shows nothing"
        if how == "stopped":
            # SIGTERM: the tail sampling processor decides what it holds before it stops, and the
            # kept traces go to the queue on disk its successor delivers.
            assert not lost
        else:
            # SIGKILL: what it was deciding was in its memory only; nothing else is lost, and
            # only traces the second collector decides are among the lost.
            assert not decided_by(langfuses[1], lost)
            assert not [trace for trace in lost if trace.trace_id in received(langfuses[0])]
        assert_samples(llm_counters(collectors[0]), expected_metrics(decided + deciding + after))
    finally:
        for sink in langfuses:
            sink.stop()


def test_spans_routed_while_no_deciding_collector_answers_wait_on_the_disk_queue_through_a_kill(
        run_collector, langfuse, tmp_path):
    """The agent-facing tier's guarantee with routing: what it accepted is on its queue volume
    until a deciding collector takes it, also across SIGKILL."""
    values = {"sampling": {**SAMPLING, "percentage": 100}, **FAST_RETRIES, "replicas": 2}
    ports = Ports()
    nowhere = Ports()  # the other replica is not running yet
    samplers = [f"127.0.0.1:{nowhere.sampling}"]
    queue = tmp_path / "front-queue"
    queue.mkdir()
    front = run_collector(values, ports=ports, queue_dir=queue, samplers=samplers,
                          endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    traces = [agent_run("ordinary") for _ in range(100)]
    send([front], traces)
    front.kill()
    other_queue = tmp_path / "other-queue"
    other_queue.mkdir()
    run_collector(values, ports=nowhere, queue_dir=other_queue, samplers=samplers,
                  endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    run_collector(values, ports=ports, queue_dir=queue, samplers=samplers,
                  endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})

    arrived = wait_until_settled([langfuse], timeout=60)
    assert {trace.trace_id for trace in traces if set(arrived.get(trace.trace_id, {})) == trace.span_ids} == \
        {trace.trace_id for trace in traces}

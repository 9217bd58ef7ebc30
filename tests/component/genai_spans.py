"""GenAI spans in each attribute dialect, made with the OpenTelemetry SDK from our own table.

The main proof that real agents' spans give the metric contract is
test_instrumentation_libraries.py, which runs the libraries themselves. This table stays for
what none of the pinned libraries emits: the legacy names of older releases (gen_ai.system,
prompt/completion tokens, gen_ai.usage.cache_read_input_tokens, llm.request.type), vector
searches, a tenant per span, and durations chosen to the millisecond (times are explicit here),
in three dialects: the current GenAI semantic conventions (gen_ai.*), the legacy names with
OpenLLMetry's traceloop.*, and OpenInference (openinference.span.kind, llm.*).
"""

from __future__ import annotations

import time

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode, set_span_in_context

DIALECTS = ("current", "legacy", "openinference")
SECOND = 1_000_000_000


def inference_attributes(dialect: str, model: str, provider: str, input_tokens: int, output_tokens: int,
                         cached_tokens: int = 0) -> dict:
    """An LLM call's attributes; input_tokens include the cached ones."""
    if dialect == "current":
        attributes = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": provider,
                      "gen_ai.request.model": model, "gen_ai.usage.input_tokens": input_tokens,
                      "gen_ai.usage.output_tokens": output_tokens}
        cached_key = "gen_ai.usage.cache_read.input_tokens"
    elif dialect == "legacy":
        attributes = {"llm.request.type": "chat", "gen_ai.system": provider, "gen_ai.request.model": model,
                      "gen_ai.usage.prompt_tokens": input_tokens, "gen_ai.usage.completion_tokens": output_tokens}
        cached_key = "gen_ai.usage.cache_read_input_tokens"
    else:
        attributes = {"openinference.span.kind": "LLM", "llm.provider": provider, "llm.model_name": model,
                      "llm.token_count.prompt": input_tokens, "llm.token_count.completion": output_tokens,
                      "llm.token_count.total": input_tokens + output_tokens}
        cached_key = "llm.token_count.prompt_details.cache_read"
    if cached_tokens:
        attributes[cached_key] = cached_tokens
    return attributes


def agent_attributes(dialect: str, agent: str, model: str | None = None) -> dict:
    attributes = {
        "current": {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent},
        "legacy": {"traceloop.span.kind": "agent", "traceloop.entity.name": agent},
        "openinference": {"openinference.span.kind": "AGENT", "agent.name": agent},
    }[dialect]
    if model:
        attributes[{"current": "gen_ai.request.model", "legacy": "gen_ai.request.model",
                    "openinference": "llm.model_name"}[dialect]] = model
    return attributes


def tool_attributes(dialect: str, tool: str, agent: str | None = None) -> dict:
    attributes = {
        "current": {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool},
        "legacy": {"traceloop.span.kind": "tool", "traceloop.entity.name": tool},
        "openinference": {"openinference.span.kind": "TOOL", "tool.name": tool},
    }[dialect]
    if agent:
        attributes["gen_ai.agent.name" if dialect == "current" else "agent.name"] = agent
    return attributes


def retrieval_attributes(dialect: str) -> tuple[str, dict]:
    """(span name, attributes) of a vector search."""
    return {
        "current": ("retrieval docs", {"gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "docs"}),
        "legacy": ("qdrant.search", {"db.system": "qdrant", "db.operation": "search"}),
        "openinference": ("retrieve", {"openinference.span.kind": "RETRIEVER"}),
    }[dialect]


class Agent:
    """One instrumented process: a TracerProvider exporting OTLP to the collector."""

    def __init__(self, endpoint: str, resource: dict | None = None, protocol: str = "http"):
        exporter = (HttpExporter(endpoint=f"{endpoint}/v1/traces", timeout=10) if protocol == "http"
                    else GrpcExporter(endpoint=endpoint, insecure=True, timeout=10))
        self.provider = TracerProvider(resource=Resource.create({"service.name": "agent-under-test",
                                                                 **(resource or {})}))
        self.provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=512,
                                                            schedule_delay_millis=100))
        self.tracer = self.provider.get_tracer("component-tests")
        self.clock = time.time_ns() - 3600 * SECOND  # an hour ago: room for long durations

    def span(self, name: str, attributes: dict, seconds: float, error: str | None = None, parent=None,
             exception: bool = True):
        """A finished span of exactly `seconds`. With `error` its status is an error, and it
        records an exception of that type (as the SDK does) or, with exception=False, carries
        it as `error.type` (as the current conventions do)."""
        start = self.clock
        self.clock += 1_000_000
        context = set_span_in_context(parent) if parent is not None else None
        span = self.tracer.start_span(name, context=context, attributes=attributes, start_time=start)
        if error and exception:
            span.add_event("exception", {"exception.type": error, "exception.message": "failed"})
        elif error:
            span.set_attribute("error.type", error)
        if error:
            span.set_status(Status(StatusCode.ERROR, "failed"))
        span.end(end_time=start + int(seconds * SECOND))
        return span

    def flush(self) -> None:
        assert self.provider.force_flush(30_000), "the SDK could not export its spans"

    def close(self) -> None:
        self.provider.shutdown()


def raw_export(span_ids: range, attributes: dict, name: str = "chat gpt-4o") -> bytes:
    """An OTLP/HTTP export request (protobuf) of one 1-second span per ID in `span_ids`, each
    with `attributes` (strings and ints), built by hand: the tests that post to the collector
    themselves (to see its answer to each export, or to send megabytes without an SDK's batching)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    request = ExportTraceServiceRequest()
    scope = request.resource_spans.add().scope_spans.add()
    for span_id in span_ids:
        span = scope.spans.add()
        span.trace_id, span.span_id = span_id.to_bytes(16, "big"), span_id.to_bytes(8, "big")
        span.name = name
        span.start_time_unix_nano, span.end_time_unix_nano = 1_700_000_000 * SECOND, 1_700_000_001 * SECOND
        add_attributes(span.attributes, attributes)
    return request.SerializeToString()


def add_attributes(target, attributes: dict) -> None:
    """Add `attributes` (strings and ints) to a protobuf KeyValue list (a span's, an event's)."""
    for key, value in attributes.items():
        attribute = target.add()
        attribute.key = key
        if isinstance(value, int):
            attribute.value.int_value = value
        else:
            attribute.value.string_value = value

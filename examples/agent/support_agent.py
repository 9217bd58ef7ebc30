"""The example agent: a customer-support agent instrumented with the current OpenTelemetry GenAI
instrumentation, sending everything to the stack's collector by OTLP.

One request is one `invoke_agent` span; in it the agent asks the model (one LLM call per step,
instrumented by opentelemetry-instrumentation-genai-openai), runs the tool the model asks for
(`execute_tool`), whose first step is a vector search over the knowledge base (`retrieval`), and
asks the model again with the tool's result. Every span carries the request's tenant
(`tenant.id`) and LangFuse's trace attributes (session, user, tenant as trace metadata); the
agent reports its open sessions as the gauge agent_active_sessions. With LangFuse keys in the
environment it also records the user's feedback as a LangFuse score (the LangFuse SDK).

Configuration comes from the environment the chart's <release>-agent-connection ConfigMap sets
(OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_RESOURCE_ATTRIBUTES, LANGFUSE_BASE_URL, ...), plus
OPENAI_API_KEY and --base-url for the model: a real provider, or standin_model.py.

Run it:  python support_agent.py --base-url http://127.0.0.1:8000/v1 --requests 20
"""

from __future__ import annotations

import argparse
import json
import math
import os
import uuid

from openai import OpenAI
from opentelemetry import baggage, context, metrics, trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.util.genai.handler import TelemetryHandler

AGENT_NAME = "support-bot"
TOOLS = [{"type": "function", "function": {
    "name": "search_docs", "description": "Search the knowledge base for the answer to a question.",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}]
# The knowledge base, by the word a question must contain to find the document.
KNOWLEDGE_BASE = {
    "return": "Products can be returned within 30 days with the receipt.",
    "ship": "Orders ship within two working days; tracking links arrive by e-mail.",
    "warranty": "Every device has a two-year warranty covering manufacturing defects.",
}
# The request's trace attributes, carried as OpenTelemetry baggage and copied onto every span.
SPAN_ATTRIBUTES_FROM_BAGGAGE = {"tenant.id": ("tenant.id", "langfuse.trace.metadata.tenant_id"),
                                "session.id": ("session.id",), "user.id": ("user.id",)}


class RequestAttributes(SpanProcessor):
    """Copies the request's tenant, session and user (baggage) onto each span as it starts:
    `tenant.id` gives the metrics their tenant_id label, the others are LangFuse's trace attributes."""

    def on_start(self, span, parent_context=None):
        for key, attributes in SPAN_ATTRIBUTES_FROM_BAGGAGE.items():
            value = baggage.get_baggage(key, parent_context)
            if value is not None:
                for attribute in attributes:
                    span.set_attribute(attribute, str(value))


def set_up_telemetry() -> tuple[TracerProvider, MeterProvider]:
    """OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT for spans and metrics; resource from OTEL_* env."""
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", AGENT_NAME)})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(RequestAttributes())
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    meter_provider = MeterProvider(resource=resource, metric_readers=[
        PeriodicExportingMetricReader(OTLPMetricExporter(), export_interval_millis=15_000)])
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    OpenAIInstrumentor().instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    return tracer_provider, meter_provider


def embed(text: str) -> list[float]:
    """A bag-of-letters embedding: enough for a deterministic vector search."""
    vector = [0.0] * 26
    for letter in text.lower():
        if "a" <= letter <= "z":
            vector[ord(letter) - ord("a")] += 1
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class SupportAgent:
    def __init__(self, client: OpenAI, model: str, handler: TelemetryHandler):
        self.client = client
        self.model = model
        self.handler = handler
        self.index = {topic: embed(text) for topic, text in KNOWLEDGE_BASE.items()}
        self.sessions = metrics.get_meter("support-agent").create_up_down_counter(
            "agent_active_sessions", description="Sessions the agent is serving now.")

    def search_docs(self, query: str) -> str:
        """The tool: a vector search over the documents whose word the query contains; a query
        no document matches fails the tool (LookupError), and the model is told so."""
        with self.handler.tool("search_docs", agent_name=AGENT_NAME):
            with self.handler.retrieval(data_source_id="knowledge-base"):
                candidates = [topic for topic in self.index if topic in query.lower()]
                wanted = embed(query)
                ranked = sorted(candidates, key=lambda t: -sum(a * b for a, b in zip(wanted, self.index[t])))
            if not ranked:
                raise LookupError(f"no document answers {query!r}")
            return KNOWLEDGE_BASE[ranked[0]]

    def answer(self, question: str, tenant: str, user: str = "anonymous") -> tuple[str, str]:
        """(answer, trace id) of one request; raises when the model fails."""
        labels = {"agent_name": AGENT_NAME, "tenant_id": tenant}
        request_context = context.get_current()
        for key, value in (("tenant.id", tenant), ("session.id", str(uuid.uuid4())), ("user.id", user)):
            request_context = baggage.set_baggage(key, value, request_context)
        token = context.attach(request_context)
        self.sessions.add(1, labels)
        try:
            with self.handler.invoke_local_agent(agent_name=AGENT_NAME, request_model=self.model):
                trace_id = format(trace.get_current_span().get_span_context().trace_id, "032x")
                messages = [{"role": "system", "content": "You answer customers' questions from the docs."},
                            {"role": "user", "content": question}]
                reply = self.client.chat.completions.create(model=self.model, messages=messages, tools=TOOLS)
                message = reply.choices[0].message
                if message.tool_calls:
                    messages.append(message.model_dump(exclude_none=True))
                    for call in message.tool_calls:
                        try:
                            result = self.search_docs(json.loads(call.function.arguments)["query"])
                        except LookupError as error:
                            result = f"The search failed: {error}"
                        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
                    reply = self.client.chat.completions.create(model=self.model, messages=messages, tools=TOOLS)
                return reply.choices[0].message.content, trace_id
        finally:
            self.sessions.add(-1, labels)
            context.detach(token)


def record_feedback(trace_id: str, score: float) -> None:
    """The user's feedback as a LangFuse score, when the agent has LangFuse keys (the SDK reads
    LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL)."""
    if not os.environ.get("LANGFUSE_PUBLIC_KEY"):
        return
    from langfuse import Langfuse

    # Spans go through the collector; the SDK only sends the score.
    langfuse = Langfuse(tracing_enabled=False)
    langfuse.create_score(trace_id=trace_id, name="user_feedback", value=score)
    langfuse.flush()


QUESTIONS = ["How do I return a product?", "When does my order ship?", "What does the warranty cover?",
             "Can I pay with a gift card?"]


def run(base_url: str, model: str, requests: int, tenants: list[str]) -> dict[str, int]:
    """Serve `requests` questions, tenants taking turns; {"answered": n, "failed": m}."""
    tracer_provider, meter_provider = set_up_telemetry()
    client = OpenAI(base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY", "standin"), max_retries=0)
    agent = SupportAgent(client, model, TelemetryHandler(tracer_provider=tracer_provider, meter_provider=meter_provider))
    outcome = {"answered": 0, "failed": 0}
    try:
        for number in range(requests):
            tenant = tenants[number % len(tenants)]
            try:
                _, trace_id = agent.answer(QUESTIONS[number % len(QUESTIONS)], tenant, user=f"user-{number % 5}")
                record_feedback(trace_id, 1.0)
                outcome["answered"] += 1
            except Exception as error:  # noqa: BLE001 - a failed request is counted, the agent goes on
                print(f"request {number} for {tenant} failed: {type(error).__name__}", flush=True)
                outcome["failed"] += 1
    finally:
        tracer_provider.force_flush()
        meter_provider.force_flush()
        OpenAIInstrumentor().uninstrument()
        tracer_provider.shutdown()
        meter_provider.shutdown()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1"))
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--tenants", default="acme,globex", help="comma-separated tenants taking turns")
    args = parser.parse_args()
    outcome = run(args.base_url, args.model, args.requests, args.tenants.split(","))
    print(f"{outcome['answered']} requests answered, {outcome['failed']} failed", flush=True)


if __name__ == "__main__":
    main()

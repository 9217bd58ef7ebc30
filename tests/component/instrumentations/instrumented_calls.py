"""An agent's provider calls, traced by one real instrumentation library, exported by OTLP/HTTP.

Run by the component tests with the Python of that library's own virtual environment
(.venv-instrumentations/<environment>, from tests/component/instrumentations/<environment>/
requirements.txt), so each library runs with the OpenTelemetry versions it pins:

    python instrumented_calls.py LIBRARY --openai-base-url URL --anthropic-base-url URL

The spans go where the OpenTelemetry environment says (OTEL_EXPORTER_OTLP_ENDPOINT,
OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), set up the way each library's documentation
tells an application to. For every provider the library instruments, CALLS lists the calls,
each with a model of its own so that the metrics of one call type can be told apart: a chat
completion, a streamed one with usage, an embeddings request (OpenAI only: Anthropic has no
embeddings API), a call the provider fails (HTTP 500), one it refuses with a rate limit (HTTP
429), and an agent's run (the library's agent span) in which the model asks for a tool, the
tool runs (the library's tool span) and the model answers with its result.

Only the standard library is imported at the top: the test imports CALLS from here.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os

# {provider: {call type: model}}
CALLS = {
    "openai": {"chat": "gpt-4o-mini", "stream": "gpt-4o", "embeddings": "text-embedding-3-small",
               "error": "gpt-4.1", "rate_limit": "gpt-4.1-mini", "tool_call": "gpt-4.1-nano"},
    # Retired models are fine for the calls that fail: they need a label, not a price.
    "anthropic": {"chat": "claude-sonnet-4-6", "stream": "claude-haiku-4-5", "error": "claude-opus-4-5",
                  "rate_limit": "claude-sonnet-4-5", "tool_call": "claude-opus-4-8"},
}
# The environment (its requirements.txt) of each library and the providers it instruments.
LIBRARIES = {
    "opentelemetry": ("opentelemetry", ("openai", "anthropic")),
    "opentelemetry-openai-v2": ("openai-v2", ("openai",)),
    "openllmetry": ("openllmetry", ("openai", "anthropic")),
    "openinference": ("openinference", ("openai", "anthropic")),
    "langfuse": ("langfuse", ("openai",)),
    "anthropic-sdk": ("opentelemetry", ("anthropic",)),
}
TOOL = "search_docs"
STATUS_HEADER = "X-Standin-Status"  # examples/agent/standin_model.py: answer with this error status
# The user's question; tests/component/test_redaction.py asks one full of personal data and secrets.
QUESTION = os.environ.get("AGENT_QUESTION", "How do I return a product?")
OPENAI_TOOLS = [{"type": "function", "function": {
    "name": TOOL, "description": "Search the knowledge base.",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}]
ANTHROPIC_TOOLS = [{"name": TOOL, "description": "Search the knowledge base.",
                    "input_schema": {"type": "object", "properties": {"query": {"type": "string"}},
                                     "required": ["query"]}}]


def agent_name(provider: str) -> str:
    return f"{provider}-planner"


def search_docs(query: str) -> str:
    return f"Products can be returned within 30 days ({query})."


class Library:
    """How an application sets up one library: its tracing, its agent span and its tool span."""

    def __init__(self, name: str):
        self.name = name
        self.provider = None

    def otlp_provider(self):
        """The OpenTelemetry SDK exporting OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, set as global."""
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=Resource.create())
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        return provider

    def set_up(self) -> None:
        # The Anthropic SDK traces its own calls whenever OpenTelemetry is there
        # (anthropic/_tracing.py); beside a library that instruments it, each call would have two
        # spans and be counted twice, so an application turns one of them off.
        if self.name != "anthropic-sdk":
            os.environ["ANTHROPIC_OPEN_TELEMETRY"] = "false"
        getattr(self, f"_set_up_{self.name.replace('-', '_')}")()

    # The official OpenTelemetry GenAI instrumentations; agents and tools through
    # opentelemetry-util-genai's TelemetryHandler, as the examples of both tell.
    def _set_up_opentelemetry(self, openai_v2: bool = False):
        from opentelemetry.util.genai.handler import TelemetryHandler

        self.provider = self.otlp_provider()
        if openai_v2:
            from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
        else:
            from opentelemetry.instrumentation.genai.anthropic import AnthropicInstrumentor
            from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor

            AnthropicInstrumentor().instrument(tracer_provider=self.provider)
        OpenAIInstrumentor().instrument(tracer_provider=self.provider)
        handler = TelemetryHandler(tracer_provider=self.provider)
        self.agent = lambda name, model: handler.invoke_local_agent(agent_name=name, request_model=model)
        # opentelemetry-util-genai before 1.2 takes no agent name for a tool.
        takes_agent = "agent_name" in inspect.signature(handler.tool).parameters
        self.tool = lambda name, agent: handler.tool(name, **({"agent_name": agent} if takes_agent else {}))

    def _set_up_opentelemetry_openai_v2(self):
        self._set_up_opentelemetry(openai_v2=True)

    # The Anthropic SDK's own spans, no instrumentation library; agents and tools as above.
    def _set_up_anthropic_sdk(self):
        from opentelemetry.util.genai.handler import TelemetryHandler

        self.provider = self.otlp_provider()
        handler = TelemetryHandler(tracer_provider=self.provider)
        self.agent = lambda name, model: handler.invoke_local_agent(agent_name=name, request_model=model)
        self.tool = lambda name, agent: handler.tool(name, agent_name=agent)

    # OpenLLMetry: Traceloop.init with the collector as its endpoint instruments every installed
    # SDK; agents and tools are its @agent and @tool decorators' spans.
    def _set_up_openllmetry(self):
        from traceloop.sdk import Traceloop
        from traceloop.sdk.decorators import agent, tool
        from traceloop.sdk.instruments import Instruments

        Traceloop.init(app_name=os.environ["OTEL_SERVICE_NAME"], api_endpoint=os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"],
                       telemetry_enabled=False, instruments={Instruments.OPENAI, Instruments.ANTHROPIC})
        self.agent = lambda name, model: decorated_context(agent(name=name))
        self.tool = lambda name, agent_: decorated_context(tool(name=name))

    # OpenInference: each SDK's instrumentor on the application's provider; agents and tools are
    # spans of its OITracer, whose span kinds OpenInference defines.
    def _set_up_openinference(self):
        from openinference.instrumentation import OITracer, TraceConfig
        from openinference.instrumentation.anthropic import AnthropicInstrumentor
        from openinference.instrumentation.openai import OpenAIInstrumentor

        self.provider = self.otlp_provider()
        OpenAIInstrumentor().instrument(tracer_provider=self.provider)
        AnthropicInstrumentor().instrument(tracer_provider=self.provider)
        tracer = OITracer(self.provider.get_tracer(__name__), config=TraceConfig())
        self.agent = lambda name, model: decorated_context(tracer.agent(name=name))
        self.tool = lambda name, agent_: decorated_context(tracer.tool(name=name))

    # LangFuse: the SDK's drop-in OpenAI client and @observe; the application's provider exports
    # to the collector and the SDK adds its own export to LangFuse (LANGFUSE_BASE_URL) to that
    # registered provider (langfuse/_client/resource_manager.py, _init_tracer_provider).
    def _set_up_langfuse(self):
        from langfuse import Langfuse, observe

        self.provider = self.otlp_provider()
        self.langfuse = Langfuse()
        self.agent = lambda name, model: decorated_context(observe(name=name, as_type="agent"))
        self.tool = lambda name, agent_: decorated_context(observe(name=name, as_type="tool"))

    def openai_client(self, base_url: str):
        if self.name == "langfuse":
            from langfuse.openai import OpenAI
        else:
            from openai import OpenAI
        return OpenAI(base_url=base_url, api_key="standin", max_retries=0)

    def flush(self) -> None:
        if self.name == "openllmetry":
            from opentelemetry import trace

            trace.get_tracer_provider().force_flush()
        else:
            if self.name == "langfuse":
                self.langfuse.flush()
            self.provider.force_flush()
            self.provider.shutdown()


class decorated_context:  # noqa: N801 - used like a function
    """A library's function decorator used as a context manager: the `with` body runs inside
    the decorated function, so the library's span is open around it."""

    def __init__(self, decorator):
        self.decorator = decorator

    def run(self, body):
        return self.decorator(body)()


def in_span(context, body):
    """Run body() inside a library's agent or tool span (a context manager or a decorator)."""
    if isinstance(context, decorated_context):
        return context.run(body)
    with context:
        return body()


def openai_calls(library: Library, base_url: str) -> dict[str, str]:
    """{call type: outcome} of the OpenAI calls."""
    client = library.openai_client(base_url)
    models = CALLS["openai"]
    messages = [{"role": "user", "content": QUESTION}]

    def chat():
        return client.chat.completions.create(model=models["chat"], messages=messages).choices[0].message.content

    def stream():
        chunks = client.chat.completions.create(model=models["stream"], messages=messages, stream=True,
                                                stream_options={"include_usage": True})
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)

    def embeddings():
        return len(client.embeddings.create(model=models["embeddings"], input=QUESTION).data)

    def failing(status, model):
        return lambda: client.chat.completions.create(model=model, messages=messages,
                                                      extra_headers={STATUS_HEADER: status})

    def agent_run():
        name = agent_name("openai")

        def run():
            model = models["tool_call"]
            reply = client.chat.completions.create(model=model, messages=messages, tools=OPENAI_TOOLS)
            call = reply.choices[0].message.tool_calls[0]
            query = json.loads(call.function.arguments)["query"]
            result = in_span(library.tool(TOOL, name), lambda: search_docs(query))
            followed = messages + [reply.choices[0].message.model_dump(exclude_none=True),
                                   {"role": "tool", "tool_call_id": call.id, "content": result}]
            return client.chat.completions.create(model=model, messages=followed, tools=OPENAI_TOOLS).choices[0]\
                .message.content

        return in_span(library.agent(name, models["tool_call"]), run)

    return outcomes({"chat": chat, "stream": stream, "embeddings": embeddings,
                     "error": failing("500", models["error"]), "rate_limit": failing("429", models["rate_limit"]),
                     "tool_call": agent_run})


def anthropic_calls(library: Library, base_url: str) -> dict[str, str]:
    """{call type: outcome} of the Anthropic calls."""
    from anthropic import Anthropic

    client = Anthropic(base_url=base_url, api_key="standin", max_retries=0)
    models = CALLS["anthropic"]
    messages = [{"role": "user", "content": QUESTION}]

    def chat():
        return client.messages.create(model=models["chat"], max_tokens=256, messages=messages).content[0].text

    def stream():
        with client.messages.stream(model=models["stream"], max_tokens=256, messages=messages) as events:
            return "".join(events.text_stream)

    def failing(status, model):
        return lambda: client.messages.create(model=model, max_tokens=256, messages=messages,
                                              extra_headers={STATUS_HEADER: status})

    def agent_run():
        name = agent_name("anthropic")

        def run():
            model = models["tool_call"]
            reply = client.messages.create(model=model, max_tokens=256, messages=messages, tools=ANTHROPIC_TOOLS)
            use = next(block for block in reply.content if block.type == "tool_use")
            result = in_span(library.tool(TOOL, name), lambda: search_docs(use.input["query"]))
            followed = messages + [{"role": "assistant", "content": [block.model_dump() for block in reply.content]},
                                   {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id,
                                                                 "content": result}]}]
            return client.messages.create(model=model, max_tokens=256, messages=followed,
                                          tools=ANTHROPIC_TOOLS).content[0].text

        return in_span(library.agent(name, models["tool_call"]), run)

    return outcomes({"chat": chat, "stream": stream, "error": failing("500", models["error"]),
                     "rate_limit": failing("429", models["rate_limit"]), "tool_call": agent_run})


def outcomes(calls: dict) -> dict[str, str]:
    """{call type: "ok" or the exception's class name}, each call made in turn."""
    found = {}
    for call_type, call in calls.items():
        try:
            call()
            found[call_type] = "ok"
        except Exception as error:  # noqa: BLE001 - the failing calls are meant to fail
            found[call_type] = type(error).__name__
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", choices=sorted(LIBRARIES))
    parser.add_argument("--openai-base-url", required=True)
    parser.add_argument("--anthropic-base-url", required=True)
    args = parser.parse_args()
    library = Library(args.library)
    library.set_up()
    found = {}
    providers = LIBRARIES[args.library][1]
    if "openai" in providers:
        found["openai"] = openai_calls(library, args.openai_base_url)
    if "anthropic" in providers:
        found["anthropic"] = anthropic_calls(library, args.anthropic_base_url)
    library.flush()
    print(json.dumps(found), flush=True)


if __name__ == "__main__":
    main()

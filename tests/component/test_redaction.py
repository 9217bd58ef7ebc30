"""What leaves the cluster is redacted: each destination gets the spans its content policy says
(as-sent, redacted, no-content), while the metrics, derived from the spans as sent, stay exact.

The real instrumentation libraries (tests/component/instrumentations) run with content capture
on and ask a question full of personal data and secrets, which flows into their prompts,
completions, tool arguments and tool results; the chart's rendered collector sends LangFuse
(as-sent by default) and the stand-ins of LangSmith and X-Ray (redacted by default) and of an
OTLP backend (set to no-content) what it got. Hand-built spans cover the other places content
travels (span events, the resource, the status, every dialect's attributes), the keyed hash and
the switches. An ordinary agent's text passes every detector unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import time
import urllib.request

import pytest

from harness import collector
from harness.paths import UMBRELLA_CHART
from harness.render import render_chart

from collector_inputs import LANGFUSE, LANGFUSE_PATH, SECRETS
from genai_spans import Agent, inference_attributes
from test_instrumentation_libraries import DRIVER, SERVICE, TENANT, counted, library_expected, venv_python
from instrumented_calls import LIBRARIES  # noqa: E402 (test_instrumentation_libraries puts it on the path)

# Values of each detector's kind (files/redaction-detectors.yaml). None may reach a redacting
# destination. The card numbers are the networks' published test numbers.
PERSONAL = {
    "email": ["jane.doe@example.com", "ops+alerts@mail.example.co.uk"],
    "phone": ["+44 20 7946 0958", "(415) 555-0132", "+1-202-555-0173"],
    "payment_card": ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005"],
    "iban": ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"],
    "ip_address": ["203.0.113.42", "2001:db8:85a3::8a2e:370:7334"],
    "api_key": ["sk-proj-Abc123def456GHI789jkl012MNO345pqr", "sk-ant-api03-Zyx987Wvu654Tsr321Qpo000"],
    "aws_access_key": ["AKIAIOSFODNN7EXAMPLE"],
    "github_token": ["ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"],
    "jwt": ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
    "bearer_token": ["Bearer tok_live_9f8e7d6c5b4a3f2e1d0c"],
}
# An ordinary agent's text: none of it is redacted.
ORDINARY = [
    "gpt-4o-mini", "claude-sonnet-4-5", "text-embedding-3-small", "anthropic.claude-3-haiku-20240307-v1:0",
    "3f2b8c1e-9d4a-4e7b-a6c5-1b2d3e4f5a6b", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
    "2026-12-03T13:31:41.123456Z", "1764768701123456789", "1764768701", "12:30:45", "Thu, 03 Dec 2026",
    "def total(prices): return sum(p * 1.2 for p in prices)", "std::collections::HashMap", "if (a && b) { x[i] = y; }",
    "$1,234.56", "USD 0.0025 per 1K tokens", "EUR 19.99", "v1.39.0", "python 3.11.7", "order 12345678",
    "ticket #4521", "https://docs.example.com/returns?lang=en", "Products can be returned within 30 days",
    "the bearer of good news", "ask-forward-task", "Version 2.4.1-rc.2", "100 ms", "0.95",
]
CANARY = "Quetzalcoatlus"  # ordinary content, in no pattern: a no-content destination must not see it
QUESTION = "; ".join([CANARY] + [value for values in PERSONAL.values() for value in values] + ORDINARY)
DETECTED = [value for values in PERSONAL.values() for value in values]
REDACTED_METRIC = "genai_redactions_total"
# Card-shaped numbers a span's attributes (or status, an event's, the resource's) have checked
# one at a time (otel-collector.detectorRedaction).
LUHN_CANDIDATES = 8


def seen(bodies: list[bytes], text: str) -> bool:
    return any(text.encode() in body for body in bodies)


def markers(bodies: list[bytes]) -> dict[str, int]:
    found = {}
    for body in bodies:
        for kind in re.findall(rb"\[REDACTED:([a-z_]+)[]:]", body):
            found[kind.decode()] = found.get(kind.decode(), 0) + 1
    return found


def redactions(samples: dict, destination: str) -> dict[str, float]:
    return {dict(key[1:])["detector"]: value for key, value in samples.items()
            if key[0] == REDACTED_METRIC and dict(key[1:])["destination"] == destination}


def contract(samples: dict) -> dict:
    return {key: value for key, value in counted(samples).items() if key[0] != REDACTED_METRIC}


class Destinations:
    """Stand-ins of LangFuse (as-sent), LangSmith and X-Ray (redacted by default) and an OTLP/HTTP
    backend (no-content), with the collector's values and endpoints for them."""

    def __init__(self):
        self.langfuse, self.langsmith, self.xray, self.backend = (collector.OtlpSink().start() for _ in range(4))
        self.values = {"destinations": {
            "langsmith": {"enabled": True, "existingSecret": "langsmith"},
            "xray": {"enabled": True, "region": "eu-west-1", "existingSecret": "xray-keys"},
            "otlp": {"enabled": True, "protocol": "http", "endpoint": "http://backend:4318", "content": "no-content"}},
            "deliveryGuard": {"enabled": False}}
        self.endpoints = {LANGFUSE: self.langfuse.url(LANGFUSE_PATH), "otlphttp/langsmith": self.langsmith.url("/otel"),
                          "awsxray": self.xray.url(), "otlphttp/backend": self.backend.url()}

    def bodies(self, sink) -> list[bytes]:
        """What a stand-in received; X-Ray's JSON with the characters Go escapes (&, <, >) as written."""
        bodies = [request.body for request in list(sink.received)]
        if sink is self.xray:
            # (escaped once more inside an attribute that holds JSON itself)
            for escaped, character in ((rb"\\+u0026", b"&"), (rb"\\+u003c", b"<"), (rb"\\+u003e", b">")):
                bodies = [re.sub(escaped, character, body) for body in bodies]
        return bodies

    def wait(self, spans: int, timeout: float = 30.0) -> None:
        """Until each OTLP stand-in has `spans` spans and X-Ray some segments."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(len(set(sink.span_ids())) >= spans for sink in (self.langfuse, self.langsmith, self.backend)) \
                    and self.xray.received:
                return
            time.sleep(0.2)

    def stop(self):
        for sink in (self.langfuse, self.langsmith, self.xray, self.backend):
            sink.stop()


def start_collector(values: dict, endpoints: dict, workdir, edit=None):
    """The chart's collector with `values`; `edit` may change its configuration first."""
    manifest = render_chart(UMBRELLA_CHART, values={"otel-collector": values})
    ports = collector.Ports()
    config = collector.localise(collector.rendered_config(manifest), ports, workdir, endpoints)
    if edit:
        edit(config)
    secrets = {**SECRETS, ("redaction-key", "redaction-key"): "0123456789abcdef0123456789abcdef"}
    env = collector.environment(collector.rendered_container(manifest), secrets)
    return collector.Collector(config, workdir, env, ports).start()


@pytest.fixture
def destinations():
    stand_ins = Destinations()
    yield stand_ins
    stand_ins.stop()


@pytest.mark.parametrize("library", LIBRARIES)
def test_no_detected_value_from_a_real_library_reaches_a_destination_outside_the_cluster(
        otelcol, tmp_path, destinations, library):
    from standin_model import StandinModel

    python = venv_python(library)
    if not python.exists():
        pytest.skip(f"{python} is not there: `make tools` creates it")
    instance = start_collector(destinations.values, destinations.endpoints, tmp_path)
    model = StandinModel(0).start()
    try:
        driver = subprocess.run(
            [str(python), str(DRIVER), library, "--openai-base-url", model.base_url,
             "--anthropic-base-url", model.anthropic_base_url],
            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AGENT_QUESTION": QUESTION,
                 "OTEL_EXPORTER_OTLP_ENDPOINT": instance.otlp_http, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                 "OTEL_SERVICE_NAME": SERVICE, "OTEL_RESOURCE_ATTRIBUTES": f"tenant.id={TENANT}",
                 "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
                 # Content capture on, as each library's documentation says.
                 "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
                 "TRACELOOP_TRACE_CONTENT": "true",
                 "ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": "content",  # anthropic/_tracing.py
                 "TRACELOOP_METRICS_ENABLED": "false", "TRACELOOP_LOGGING_ENABLED": "false", "TRACELOOP_TELEMETRY": "false",
                 "LANGFUSE_BASE_URL": destinations.langfuse.url(), "LANGFUSE_PUBLIC_KEY": "pk-lf-component-test",
                 "LANGFUSE_SECRET_KEY": "sk-lf-component-test"},
            capture_output=True, text=True, timeout=180, check=False)
        assert driver.returncode == 0, driver.stderr[-3000:]
        expected = library_expected(library)
        deadline = time.monotonic() + 20
        while contract(instance.metrics()) != expected and time.monotonic() < deadline:
            time.sleep(0.3)
        samples = instance.metrics()
    finally:
        model.stop()
    # The collector's own export to LangFuse's stand-in (the LangFuse SDK exports there too).
    destinations.wait(1)
    time.sleep(1)  # the last batches of each pipeline
    instance.kill()

    # The metrics are those of the library's calls whatever the destinations get.
    collector.assert_samples(contract(samples), expected)

    langfuse = destinations.bodies(destinations.langfuse)
    assert seen(langfuse, CANARY), "the library sent no content: capture is off"
    sent = [value for value in DETECTED if seen(langfuse, value)]
    assert sent, "no detected value reached LangFuse as sent"
    for sink, name in ((destinations.langsmith, "langsmith"), (destinations.xray, "xray")):
        bodies = destinations.bodies(sink)
        assert bodies, name
        leaked = [value for value in DETECTED if seen(bodies, value)]
        assert not leaked, (name, leaked)
        assert seen(bodies, CANARY), name  # redacted, not emptied
        kept = [text for text in ORDINARY if seen(langfuse, text) and not seen(bodies, text)]
        assert not kept, (name, kept)
    # genai_redactions_total counts what LangSmith got, kind by kind.
    langsmith_markers = markers(destinations.bodies(destinations.langsmith))
    assert set(langsmith_markers) == set(PERSONAL), langsmith_markers
    assert redactions(samples, "langsmith") == langsmith_markers
    assert redactions(samples, "xray") == langsmith_markers
    # The no-content backend: the same spans, no content at all, usage kept.
    backend = destinations.bodies(destinations.backend)
    assert not [value for value in DETECTED + [CANARY] if seen(backend, value)]
    assert set(destinations.backend.span_ids()) == set(destinations.langsmith.span_ids())
    assert b"token" in b"".join(backend)


def build_spans(agent: Agent) -> None:
    """One span of each dialect carrying the corpus, an event, an error status and a resource
    attribute that identifies the user."""
    text = QUESTION
    root = agent.span("invoke_agent planner", {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner",
                                               "langfuse.observation.input": text, "langfuse.observation.output": text,
                                               "user.email": "jane.doe@example.com"}, 1.0)
    attributes = {
        "current": {"gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": text}]}]),
                    "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": text}]}]),
                    "gen_ai.system_instructions": json.dumps([{"type": "text", "content": text}])},
        "legacy": {"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": text, "gen_ai.completion.0.content": text},
        "openinference": {"llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": text,
                          "input.value": text, "output.value": text},
    }
    for dialect, content in attributes.items():
        agent.span("chat gpt-4o", {**inference_attributes(dialect, "gpt-4o", "openai", 100, 20), **content}, 0.5,
                   parent=root)
    tool = agent.tracer.start_span("execute_tool search_docs", attributes={
        "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search_docs",
        "gen_ai.tool.call.arguments": json.dumps({"query": text}), "gen_ai.tool.call.result": text})
    tool.add_event("gen_ai.content.prompt", {"gen_ai.prompt": text})
    tool.add_event("exception", {"exception.type": "ValueError", "exception.message": text})
    from opentelemetry.trace import Status, StatusCode
    tool.set_status(Status(StatusCode.ERROR, "lookup failed for jane.doe@example.com"))
    tool.end()


def test_every_place_content_travels_is_redacted_and_no_content_keeps_usage(otelcol, tmp_path, destinations):
    instance = start_collector(destinations.values, destinations.endpoints, tmp_path)
    agent = Agent(instance.otlp_http, {"service.name": "support-bot", "enduser.id": "jane.doe@example.com"})
    build_spans(agent)
    agent.flush()
    destinations.wait(5)
    time.sleep(1)
    samples = instance.metrics()
    instance.kill()

    langsmith = destinations.langsmith.received
    bodies = [request.body for request in langsmith]
    assert not [value for value in DETECTED if seen(bodies, value)]
    assert not [text for text in ORDINARY if not seen(bodies, text)]
    spans = [span for request in langsmith for span in request.spans()]
    tool = next(span for span in spans if span.name == "execute_tool search_docs")
    assert tool.status.message == "lookup failed for [REDACTED:email]"
    assert {event.name for event in tool.events} == {"gen_ai.content.prompt", "exception"}
    assert redactions(samples, "langsmith") == markers(bodies)
    assert markers(bodies)["email"] > 0

    backend = destinations.bodies(destinations.backend)
    assert not [value for value in DETECTED + [CANARY] if seen(backend, value)]
    spans = [span for request in destinations.backend.received for span in request.spans()]
    assert len(spans) == 5
    chat = [span for span in spans if span.name == "chat gpt-4o"]
    for span in chat:  # usage, model and roles stay
        keys = {kv.key for kv in span.attributes}
        assert keys & {"gen_ai.request.model", "llm.model_name"}, keys
        assert keys & {"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"}, keys
    tool = next(span for span in spans if span.name == "execute_tool search_docs")
    assert {event.name for event in tool.events} == {"gen_ai.content.prompt", "exception"}
    exception = next(event for event in tool.events if event.name == "exception")
    assert {kv.key for kv in exception.attributes} == {"exception.type"}
    assert tool.status.code == 2 and tool.status.message == ""  # an error still, its description gone


def test_the_keyed_hash_keeps_equal_values_equal_and_redaction_everywhere_covers_langfuse(
        otelcol, tmp_path, destinations):
    values = {**destinations.values, "redaction": {
        "everywhere": True, "replacement": "hash", "hashKey": {"existingSecret": "redaction-key"}}}
    instance = start_collector(values, destinations.endpoints, tmp_path)
    agent = Agent(instance.otlp_http, {"service.name": "support-bot"})
    agent.span("chat gpt-4o", {**inference_attributes("current", "gpt-4o", "openai", 10, 2),
                               "gen_ai.input.messages": "write to jane.doe@example.com or bob@example.org",
                               "gen_ai.output.messages": "sent to jane.doe@example.com"}, 0.1)
    agent.flush()
    destinations.wait(1)
    instance.kill()

    for sink in (destinations.langfuse, destinations.langsmith):
        span = sink.received[0].spans()[0]
        attributes = {kv.key: kv.value.string_value for kv in span.attributes}
        asked = re.findall(r"\[REDACTED:email:([0-9a-f]{64})\]", attributes["gen_ai.input.messages"])
        answered = re.findall(r"\[REDACTED:email:([0-9a-f]{64})\]", attributes["gen_ai.output.messages"])
        assert len(asked) == 2 and asked[0] != asked[1]
        assert answered == asked[:1]  # the same address, the same hash
        # HMAC's nested form, keyed twice: no hash anyone without the key can extend.
        key = b"0123456789abcdef0123456789abcdef"
        inner = hashlib.sha256(key + b"jane.doe@example.com").hexdigest()
        assert asked[0] == hashlib.sha256(key + b":email:" + inner.encode()).hexdigest()



def test_a_detector_switched_off_lets_its_values_pass_and_a_pattern_of_ones_own_is_redacted(
        otelcol, tmp_path, destinations):
    values = {**destinations.values, "redaction": {
        "detectors": {"ipAddress": False}, "patterns": [{"name": "employee_id", "pattern": r"\bEMP-[0-9]{6}\b"}]}}
    instance = start_collector(values, destinations.endpoints, tmp_path)
    agent = Agent(instance.otlp_http, {"service.name": "support-bot"})
    agent.span("chat gpt-4o", {**inference_attributes("current", "gpt-4o", "openai", 10, 2),
                               "gen_ai.input.messages": "EMP-123456 at 203.0.113.42 (jane.doe@example.com)"}, 0.1)
    agent.flush()
    destinations.wait(1)
    instance.kill()
    span = destinations.langsmith.received[0].spans()[0]
    attributes = {kv.key: kv.value.string_value for kv in span.attributes}
    assert attributes["gen_ai.input.messages"] == "[REDACTED:employee_id] at 203.0.113.42 ([REDACTED:email])"


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in re.sub(r"[^0-9]", "", number)][::-1]
    return sum(d if i % 2 == 0 else (2 * d if d < 5 else 2 * d - 9) for i, d in enumerate(digits)) % 10 == 0


def with_check_digit(number: str) -> str:
    """`number` followed by the digit that makes it pass Luhn's check."""
    return next(number + digit for digit in "0123456789" if luhn_valid(number + digit))


@pytest.mark.parametrize("replacement", ["marker", "hash"])
def test_a_card_shaped_number_is_redacted_only_when_its_check_digit_is_right(otelcol, tmp_path, destinations,
                                                                             replacement):
    valid = ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "4012888888881881"]
    wrong = ["4111 1111 1111 1112", "5555-5555-5555-4445", "378282246310006"]
    assert all(map(luhn_valid, valid)) and not any(map(luhn_valid, wrong))
    values = {**destinations.values, "redaction": {"replacement": replacement, "hashKey": {"existingSecret": "redaction-key"}}}
    instance = start_collector(values, destinations.endpoints, tmp_path)
    agent = Agent(instance.otlp_http, {"service.name": "support-bot"})
    mixed = "pay with " + ", or ".join([v for pair in zip(valid, wrong) for v in pair] + valid[3:]) + f" ({valid[0]} again)"
    agent.span("chat gpt-4o", {**inference_attributes("current", "gpt-4o", "openai", 10, 2),
                               "gen_ai.input.messages": mixed}, 0.1)
    # More distinct candidates in one span than are checked one by one (LUHN_CANDIDATES).
    many = [with_check_digit(f"4{index:014d}") for index in range(LUHN_CANDIDATES)] + wrong[:1]
    agent.span("chat gpt-4o", {"gen_ai.input.messages": " ".join(many)}, 0.1)
    agent.flush()
    destinations.wait(2)
    instance.kill()
    texts = [{kv.key: kv.value.string_value for kv in span.attributes}["gen_ai.input.messages"]
             for request in destinations.langsmith.received for span in request.spans()]
    [checked] = [text for text in texts if text.startswith("pay with")]
    [past_the_limit] = [text for text in texts if not text.startswith("pay with")]
    marker = r"\[REDACTED:payment_card(?::[0-9a-f]{64})?\]"
    # The wrong check digits pass as sent; each right one, wherever it is, is replaced.
    assert [part for part in re.split(marker, checked) if re.search(r"[0-9]{4}", part)] \
        == [f", or {wrong[0]}, or ", f", or {wrong[1]}, or ", f", or {wrong[2]}, or "]
    found = re.findall(marker, checked)
    assert len(found) == 5 and found[0] == found[-1]  # the same number, the same marker
    # Past the limit the rest are replaced by their shape, a wrong check digit too: nothing passes.
    assert not re.search(r"[0-9]{4}", re.sub(marker, "", past_the_limit))
    assert len(re.findall(marker, past_the_limit)) == len(many)


def without_prefilters(config: dict) -> None:
    """transform/redacted as it was before prefilters: every detector's pattern on every value
    (each detector's gate and its statements' `where` on it gone; the Luhn check stays)."""
    import yaml

    detectors = yaml.safe_load((UMBRELLA_CHART / "charts/otel-collector/files/redaction-detectors.yaml").read_text())
    kinds = "|".join(detector["kind"] for detector in detectors)
    gate = re.compile(rf'^set\(\w+\.cache\["(?:{kinds})"\], true\) where ')
    gated = re.compile(rf' where (?:\w+\.cache\["(?:{kinds})"\] == true|IsMatch\(span\.status\.message, .*)$')
    groups = config["processors"]["transform/redacted"]["trace_statements"]
    for group in groups:
        group.pop("conditions", None)
        group["statements"] = [gated.sub("", statement) for statement in group["statements"]
                               if not gate.match(statement)]


def export_request(values: list[str]) -> bytes:
    """One OTLP request: a resource holding the first value, and a span for each value, in its
    content, its status message and an event (with a NaN, which String() could not write)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

    request = ExportTraceServiceRequest()
    resource = request.resource_spans.add()
    resource.resource.attributes.extend([KeyValue(key="service.name", value=AnyValue(string_value="support-bot")),
                                         KeyValue(key="user.note", value=AnyValue(string_value=f"{values[0]}"))])
    scope = resource.scope_spans.add()
    for index, value in enumerate(values):
        span = scope.spans.add()
        span.trace_id, span.span_id = os.urandom(16), os.urandom(8)
        span.name = "chat gpt-4o"
        span.start_time_unix_nano = time.time_ns() - 1_000_000
        span.end_time_unix_nano = time.time_ns()
        text = f"{ORDINARY[index % len(ORDINARY)]}: {value}, thanks"
        span.attributes.extend([KeyValue(key="gen_ai.operation.name", value=AnyValue(string_value="chat")),
                                KeyValue(key="gen_ai.input.messages", value=AnyValue(string_value=text)),
                                KeyValue(key="temperature", value=AnyValue(double_value=float("nan")))])
        span.status.code, span.status.message = 2, text
        event = span.events.add()
        event.name, event.time_unix_nano = "exception", span.end_time_unix_nano
        event.attributes.extend([KeyValue(key="exception.message", value=AnyValue(string_value=text))])
    return request.SerializeToString()


def delivered(sink, spans: int) -> dict:
    """What a stand-in received, by span: its attributes, status message, events and resource."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    sink.wait_for_spans(spans)
    result = {}
    for received in list(sink.received):
        request = ExportTraceServiceRequest()
        request.ParseFromString(received.body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                for span in scope.spans:
                    result[span.span_id] = (str(span.attributes), span.status.message, str(span.events),
                                            str(resource.resource.attributes))
    return result


@pytest.fixture(scope="module")
def with_and_without_prefilters(otelcol, tmp_path_factory):
    """The chart's collector, redacting LangFuse's copy, and the same with no prefilters."""
    pairs = []
    for edit in (None, without_prefilters):
        sink = collector.OtlpSink().start()
        instance = start_collector({"redaction": {"everywhere": True}, "deliveryGuard": {"enabled": False}},
                                   {LANGFUSE: sink.url(LANGFUSE_PATH)}, tmp_path_factory.mktemp("collector"), edit)
        pairs.append((instance, sink))
    yield pairs
    for instance, sink in pairs:
        instance.kill()
        sink.stop()


def detector_matches():
    """Strings each detector's pattern matches (Python's reading of the RE2 patterns, ASCII: a
    few it generates Go does not match, which both collectors then leave alike)."""
    import yaml
    from hypothesis import strategies as st

    detectors = yaml.safe_load((UMBRELLA_CHART / "charts/otel-collector/files/redaction-detectors.yaml").read_text())
    return st.one_of([st.from_regex(re.compile(d["pattern"], re.ASCII), fullmatch=True) for d in detectors]
                     + [st.sampled_from(DETECTED + ORDINARY)])


def test_prefilters_change_nothing_the_detectors_redact(with_and_without_prefilters):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(detector_matches(), min_size=20, max_size=40))
    def same_redaction(values):
        body = export_request(values)
        outputs = []
        for instance, sink in with_and_without_prefilters:
            sink.received.clear()
            urllib.request.urlopen(urllib.request.Request(
                f"{instance.otlp_http}/v1/traces", data=body, headers={"Content-Type": "application/x-protobuf"}),
                timeout=30).read()
            outputs.append(delivered(sink, len(values)))
        prefiltered, reference = outputs
        assert len(reference) == len(values)
        assert prefiltered == reference

    same_redaction()

"""What real instrumentation libraries send, around the real provider SDKs, becomes the metric contract.

Each library runs in its own virtual environment (.venv-instrumentations/<environment>, pinned by
tests/component/instrumentations/<environment>/requirements.txt; `make tools` creates them) and
traces real OpenAI and Anthropic SDK calls to the stand-in provider (examples/agent/
standin_model.py) on loopback: a chat, a streamed chat with usage, embeddings, a call the
provider fails (500), one it refuses (429), and an agent's run with a tool call
(tests/component/instrumentations/instrumented_calls.py). The spans go by OTLP/HTTP to the
collector the chart renders, whose Prometheus endpoint must then show exactly the values the
stand-in's usage implies, with the model and provider labels of every call.

Where a library does not report something, SENDS says what it sends instead and the expected
values follow from that: this is what the chart then counts for that library's users.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

import pytest

from harness import collector
from harness.paths import REPO_ROOT, UMBRELLA_CHART
from harness.render import render_chart

from chart_prices import cost
from collector_inputs import SECRETS

sys.path.insert(0, str(REPO_ROOT / "tests" / "component" / "instrumentations"))
sys.path.insert(0, str(REPO_ROOT / "examples" / "agent"))
from instrumented_calls import CALLS, LIBRARIES, TOOL, agent_name  # noqa: E402
from standin_model import EMBEDDING_TOKENS, USAGE, StandinModel  # noqa: E402

VENVS = REPO_ROOT / ".venv-instrumentations"
DRIVER = REPO_ROOT / "tests" / "component" / "instrumentations" / "instrumented_calls.py"
SERVICE = "support-bot"
TENANT = "acme"
FAILING = {"error": "InternalServerError", "rate_limit": "RateLimitError"}


@dataclass(frozen=True)
class Sends:
    """What a library reports, where it reports less than the stand-in's answer holds."""

    cached_tokens: bool = True  # the cache reads of the prompt (gen_ai.usage.cache_read.input_tokens)
    tool_agent: bool = True  # the agent's name on the tool span (else the service's name is the agent_name)
    agent_model: bool = True  # the model on the agent span (else its model label is `unknown`)
    output_tokens: dict = field(default_factory=dict)  # {(provider, call type): output tokens it reports}


SENDS = {
    "opentelemetry": Sends(),
    "anthropic-sdk": Sends(),
    # opentelemetry-instrumentation-openai-v2 2.4b0 reads no prompt_tokens_details: the cached
    # tokens are counted as input at the full price. util-genai 1.1 (the newest it imports) takes
    # no agent name for a tool.
    "opentelemetry-openai-v2": Sends(cached_tokens=False, tool_agent=False),
    # Traceloop's @agent span has no model. Its Anthropic instrumentation adds message_start's
    # output tokens (1) to message_delta's total (30) of a stream: 31.
    "openllmetry": Sends(agent_model=False, output_tokens={("anthropic", "stream"): USAGE["completion_tokens"] + 1}),
    # OITracer's agent and tool spans: no model, and the tool span does not name its agent.
    "openinference": Sends(agent_model=False, tool_agent=False),
    # @observe(as_type="agent"/"tool") spans: no model, and the tool does not name its agent.
    "langfuse": Sends(agent_model=False, tool_agent=False),
}


def series(name, **labels):
    return (name, *sorted(labels.items()))


def expected_samples(library: str, provider: str, call_type: str) -> dict:
    """The contract's samples (no buckets, no sums) that one call type of one library gives."""
    sends = SENDS[library]
    model = CALLS[provider][call_type]
    calls = 2 if call_type == "tool_call" else 1  # the agent asks the model twice
    samples = {series("llm_inference_duration_seconds_count", model=model, provider=provider): calls,
               series("llm_requests_total", model=model, tenant_id=TENANT): calls}
    if call_type == "rate_limit":
        samples[series("llm_rate_limit_errors_total", model=model)] = 1
    if call_type in FAILING:
        return samples
    if call_type == "embeddings":
        tokens = {"input": EMBEDDING_TOKENS}
    else:
        cached = USAGE["cached_tokens"] if sends.cached_tokens else 0
        tokens = {"input": USAGE["prompt_tokens"] - cached, "cached_input": cached,
                  "output": sends.output_tokens.get((provider, call_type), USAGE["completion_tokens"])}
    for token_type, count in tokens.items():
        if count:
            samples[series("llm_tokens_total", model=model, token_type=token_type, tenant_id=TENANT)] = calls * count
    samples[series("llm_cost_dollars_total", model=model, tenant_id=TENANT)] = calls * cost(
        model, tokens["input"] + tokens.get("cached_input", 0), tokens.get("cached_input", 0), tokens.get("output", 0))
    if call_type == "tool_call":
        agent = agent_name(provider)
        samples[series("agent_request_duration_seconds_count", agent_name=agent,
                       model=model if sends.agent_model else "unknown", tenant_id=TENANT)] = 1
        # A tool span that does not name its agent is counted under the service's name, with
        # the other provider's agent's tool.
        samples[series("tool_execution_duration_seconds_count", tool_name=TOOL,
                       agent_name=agent if sends.tool_agent else SERVICE)] = \
            1 if sends.tool_agent else len(LIBRARIES[library][1])
    return samples


def library_expected(library: str) -> dict:
    expected = {}
    for provider in LIBRARIES[library][1]:
        for call_type in CALLS[provider]:
            expected.update(expected_samples(library, provider, call_type))
    return expected


def counted(samples: dict) -> dict:
    """The contract's samples but histogram buckets and sums (durations are real, not known)."""
    return {key: value for key, value in samples.items()
            if not key[0].endswith(("_bucket", "_sum")) and key[0] != "target_info"}


def venv_python(library: str):
    return VENVS / LIBRARIES[library][0] / "bin" / "python"


def drive(library: str, model: StandinModel, otlp_http: str, langfuse_url: str, workdir, **extra_env) -> tuple[dict, str]:
    """Run one library's calls (instrumented_calls.py, in the library's own environment) against
    the stand-in provider, the spans to the collector's OTLP/HTTP endpoint and the LangFuse SDK's
    own export to langfuse_url: ({provider: {call type: outcome}}, the driver's log)."""
    python = venv_python(library)
    if not python.exists():
        pytest.skip(f"{python.parent.parent.relative_to(REPO_ROOT)} is not there: `make tools` creates it from "
                    f"tests/component/instrumentations/{LIBRARIES[library][0]}/requirements.txt")
    driver = subprocess.run(
        [str(python), str(DRIVER), library, "--openai-base-url", model.base_url,
         "--anthropic-base-url", model.anthropic_base_url],
        env={"PATH": os.environ["PATH"], "HOME": str(workdir),
             "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_http, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
             "OTEL_SERVICE_NAME": SERVICE, "OTEL_RESOURCE_ATTRIBUTES": f"tenant.id={TENANT}",
             "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
             # OpenLLMetry: spans only, and no usage reports to Traceloop.
             "TRACELOOP_METRICS_ENABLED": "false", "TRACELOOP_LOGGING_ENABLED": "false",
             "TRACELOOP_TELEMETRY": "false",
             # The LangFuse SDK's own export.
             "LANGFUSE_BASE_URL": langfuse_url, "LANGFUSE_PUBLIC_KEY": "pk-lf-component-test",
             "LANGFUSE_SECRET_KEY": "sk-lf-component-test", **extra_env},
        capture_output=True, text=True, timeout=180, check=False)
    assert driver.returncode == 0, driver.stderr[-3000:]
    return json.loads(driver.stdout.strip().splitlines()[-1]), driver.stderr


@dataclass
class Run:
    outcomes: dict
    samples: dict
    log: str


@pytest.fixture(scope="module")
def run_library(otelcol, tmp_path_factory):
    """Run one library's calls through a fresh collector; {library: Run}, each run once."""
    manifest = render_chart(UMBRELLA_CHART, values={"otel-collector": {}})
    runs = {}

    def run(library: str) -> Run:
        if library in runs:
            return runs[library]
        workdir = tmp_path_factory.mktemp(library)
        ports = collector.Ports()
        langfuse = collector.OtlpSink().start()  # LangFuse's OTLP endpoint, for the collector and the SDK
        config = collector.localise(collector.rendered_config(manifest), ports, workdir,
                                    {"otlphttp/langfuse": langfuse.url("/api/public/otel")})
        env = collector.environment(collector.rendered_container(manifest), SECRETS)
        instance = collector.Collector(config, workdir, env, ports).start()
        model = StandinModel(0).start()
        try:
            outcomes, log = drive(library, model, instance.otlp_http, langfuse.url(), workdir)
            expected = library_expected(library)
            deadline = time.monotonic() + 20
            while True:
                samples = counted(instance.metrics())
                if samples == expected or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            runs[library] = Run(outcomes, instance.metrics(), log)
        finally:
            model.stop()
            instance.kill()
            langfuse.stop()
        return runs[library]

    return run


CASES = [pytest.param(library, provider, call_type, id=f"{library}-{provider}-{call_type}")
         for library, (_, providers) in LIBRARIES.items() for provider in providers for call_type in CALLS[provider]]


@pytest.mark.parametrize("library, provider, call_type", CASES)
def test_each_library_call_gives_the_metric_contract(run_library, library, provider, call_type):
    run = run_library(library)
    assert run.outcomes[provider][call_type] == FAILING.get(call_type, "ok"), run.log[-2000:]
    expected = expected_samples(library, provider, call_type)
    model = CALLS[provider][call_type]
    found = {key: value for key, value in counted(run.samples).items() if key in expected or model_of(key) == model}
    collector.assert_samples(found, expected)
    for key in found:
        if key[0].endswith("_count"):  # each duration was measured
            assert run.samples[(key[0].removesuffix("_count") + "_sum", *key[1:])] > 0, key


@pytest.mark.parametrize("library", LIBRARIES)
def test_each_library_gives_no_series_beyond_its_calls(run_library, library):
    """No series with an `unknown` or `other` model or provider, nor any other stray series."""
    run = run_library(library)
    stray = set(counted(run.samples)) - set(library_expected(library))
    assert not stray, sorted(stray)


def model_of(key) -> str | None:
    return dict(key[1:]).get("model")

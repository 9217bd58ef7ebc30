"""GenAI spans, in each attribute dialect of genai_spans.py's table, become the metric contract.

(What the real instrumentation libraries send is tested in test_instrumentation_libraries.py;
this covers the names no pinned library emits, latency buckets, tenants and label bounds.)

The Python OpenTelemetry SDK sends spans to the collector the chart renders; its Prometheus
endpoint must then show exactly the token, cost, duration, error and tool-call values the
spans imply, per model and tenant, under the contract's names and labels.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests

from harness import prometheus
from harness.collector import assert_samples

from chart_prices import cost
from collector_inputs import LANGFUSE, LANGFUSE_PATH
from genai_spans import DIALECTS, Agent, agent_attributes, inference_attributes, raw_export, retrieval_attributes, \
    tool_attributes

CONTRACT = {"agent_request_duration_seconds", "llm_inference_duration_seconds", "llm_requests_total", "llm_tokens_total",
            "llm_cost_dollars_total", "agent_errors_total", "tool_execution_duration_seconds",
            "llm_rate_limit_errors_total", "vector_search_duration_seconds", "tool_execution_errors_total",
            "genai_rejected_span_values_total"}


def series(name, **labels):
    return (name, *sorted(labels.items()))


def contract_samples(samples):
    """The samples of the contract's metrics, histogram buckets aside."""
    return {key: value for key, value in samples.items()
            if key[0].removesuffix("_count").removesuffix("_sum") in CONTRACT}


def wait_for(collector_, expected: dict, timeout: float = 20.0) -> dict:
    """The contract's samples (no buckets) once they equal `expected`, or at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        found = {k: v for k, v in contract_samples(collector_.metrics()).items() if not k[0].endswith("_bucket")}
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def agent_session(agent, dialect):
    """Three runs of the `planner` agent for the process's tenant, each with one gpt-4o call
    (100 input tokens, 40 of them cached, 20 output) and two web searches, one of which times
    out; the third run hits the provider's rate limit once and then fails. One vector search.
    The current conventions carry errors as `error.type`, the others as recorded exceptions."""
    exception = dialect != "current"
    for run, seconds in enumerate((2.0, 4.0, 65.0)):
        failed = run == 2
        root = agent.span("invoke_agent planner", agent_attributes(dialect, "planner", "gpt-4o"), seconds,
                          error="openai.RateLimitError" if failed else None, exception=exception)
        agent.span("chat gpt-4o", inference_attributes(dialect, "gpt-4o-2024-08-06", "openai", 100, 20, 40), 1.5,
                   parent=root)
        tool_agent = None if dialect == "legacy" else "planner"
        agent.span("execute_tool web_search", tool_attributes(dialect, "web_search", tool_agent), 0.25, parent=root)
        agent.span("execute_tool web_search", tool_attributes(dialect, "web_search", tool_agent), 0.75, parent=root,
                   error="TimeoutError", exception=exception)
        if failed:
            agent.span("chat gpt-4o", inference_attributes(dialect, "gpt-4o", "openai", 0, 0), 0.5, parent=root,
                       error="429" if dialect == "current" else "openai.RateLimitError", exception=exception)
    name, attributes = retrieval_attributes(dialect)
    agent.span(name, attributes, 0.05)


def expected_session(dialect, tenant):
    gpt = dict(model="gpt-4o", tenant_id=tenant)
    tool_agent = "support-bot" if dialect == "legacy" else "planner"
    return {
        series("agent_request_duration_seconds_count", agent_name="planner", **gpt): 3,
        series("agent_request_duration_seconds_sum", agent_name="planner", **gpt): 71.0,
        series("llm_inference_duration_seconds_count", model="gpt-4o", provider="openai"): 4,
        series("llm_inference_duration_seconds_sum", model="gpt-4o", provider="openai"): 5.0,
        series("llm_requests_total", **gpt): 4,
        series("llm_tokens_total", token_type="input", **gpt): 3 * 60,
        series("llm_tokens_total", token_type="cached_input", **gpt): 3 * 40,
        series("llm_tokens_total", token_type="output", **gpt): 3 * 20,
        series("llm_cost_dollars_total", **gpt): 3 * cost("gpt-4o", 100, 40, 20),
        series("agent_errors_total", agent_name="planner", error_type="openai.RateLimitError", tenant_id=tenant): 1,
        series("tool_execution_duration_seconds_count", tool_name="web_search", agent_name=tool_agent): 6,
        series("tool_execution_duration_seconds_sum", tool_name="web_search", agent_name=tool_agent): 3.0,
        series("tool_execution_errors_total", tool_name="web_search", agent_name=tool_agent, error_type="TimeoutError"): 3,
        series("llm_rate_limit_errors_total", model="gpt-4o"): 1,
        series("vector_search_duration_seconds_count"): 1,
        series("vector_search_duration_seconds_sum"): 0.05,
    }


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_attribute_dialect_yields_the_metric_contract(run_collector, dialect):
    collector_ = run_collector()
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot", "tenant.id": "globex"})
    try:
        agent_session(agent, dialect)
        agent.flush()
    finally:
        agent.close()
    expected = expected_session(dialect, "globex")
    assert_samples(wait_for(collector_, expected), expected)


def test_histograms_reach_llm_scale_latencies(run_collector):
    collector_ = run_collector()
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot", "tenant.id": "globex"})
    agent_session(agent, "current")
    agent.flush()
    agent.close()
    wait_for(collector_, expected_session("current", "globex"))
    buckets = {key: value for key, value in collector_.metrics().items()
               if key[0] == "agent_request_duration_seconds_bucket"}
    by_bound = {dict(key[1:])["le"]: value for key, value in buckets.items()}
    # 2 s and 4 s fall under 60 s; the 65 s run needs the 120 s bucket.
    assert by_bound["60"] == 2 and by_bound["120"] == 3 and by_bound["+Inf"] == 3
    assert max(float(bound) for bound in by_bound if bound != "+Inf") >= 300


def test_models_and_tenants_are_kept_apart_and_unpriced_models_have_no_cost(run_collector):
    collector_ = run_collector()
    globex = Agent(collector_.otlp_http, {"service.name": "support-bot", "tenant.id": "globex"})
    shared = Agent(collector_.otlp_grpc, {"service.name": "shared-bot"}, protocol="grpc")
    try:
        for _ in range(3):  # 3 calls of 100 input tokens: llm_tokens_total{input} == 300
            globex.span("chat", inference_attributes("current", "gpt-4o", "openai", 100, 10), 1.0)
        shared.span("chat", {**inference_attributes("openinference", "anthropic/claude-sonnet-4-6-20260101",
                                                    "anthropic", 1000, 500), "tenant.id": "acme"}, 3.0)
        shared.span("chat", {**inference_attributes("legacy", "in-house-llm-7b", "vllm", 50, 5), "tenant_id": "acme"},
                    0.5)
        shared.span("chat", inference_attributes("current", "gpt-4o", "openai", 7, 3), 1.0)  # no tenant at all
        globex.flush()
        shared.flush()
    finally:
        globex.close()
        shared.close()
    expected = {
        series("llm_tokens_total", model="gpt-4o", token_type="input", tenant_id="globex"): 300,
        series("llm_tokens_total", model="gpt-4o", token_type="output", tenant_id="globex"): 30,
        series("llm_cost_dollars_total", model="gpt-4o", tenant_id="globex"): 3 * cost("gpt-4o", 100, 0, 10),
        series("llm_tokens_total", model="claude-sonnet-4-6", token_type="input", tenant_id="acme"): 1000,
        series("llm_tokens_total", model="claude-sonnet-4-6", token_type="output", tenant_id="acme"): 500,
        series("llm_cost_dollars_total", model="claude-sonnet-4-6", tenant_id="acme"):
            cost("claude-sonnet-4-6", 1000, 0, 500),
        series("llm_tokens_total", model="other", token_type="input", tenant_id="acme"): 50,
        series("llm_tokens_total", model="other", token_type="output", tenant_id="acme"): 5,
        series("llm_tokens_total", model="gpt-4o", token_type="input", tenant_id="unknown"): 7,
        series("llm_tokens_total", model="gpt-4o", token_type="output", tenant_id="unknown"): 3,
        series("llm_cost_dollars_total", model="gpt-4o", tenant_id="unknown"): cost("gpt-4o", 7, 0, 3),
        series("llm_inference_duration_seconds_count", model="gpt-4o", provider="openai"): 4,
        series("llm_inference_duration_seconds_sum", model="gpt-4o", provider="openai"): 4.0,
        series("llm_inference_duration_seconds_count", model="claude-sonnet-4-6", provider="anthropic"): 1,
        series("llm_inference_duration_seconds_sum", model="claude-sonnet-4-6", provider="anthropic"): 3.0,
        series("llm_inference_duration_seconds_count", model="other", provider="vllm"): 1,
        series("llm_inference_duration_seconds_sum", model="other", provider="vllm"): 0.5,
        series("llm_requests_total", model="gpt-4o", tenant_id="globex"): 3,
        series("llm_requests_total", model="claude-sonnet-4-6", tenant_id="acme"): 1,
        series("llm_requests_total", model="other", tenant_id="acme"): 1,
        series("llm_requests_total", model="gpt-4o", tenant_id="unknown"): 1,
    }
    assert_samples(wait_for(collector_, expected), expected)


def test_the_first_matching_price_row_names_the_model_user_rows_first_routing_prefixes_aside(run_collector):
    # Rows match case-insensitively and in order, prices.extraModels before the defaults; a
    # default row's alternatives accept a routing prefix (`azure/`, `openrouter/x-ai/`), a
    # user's alternative only what its regex says.
    collector_ = run_collector({"prices": {"extraModels": [
        {"model": "gpt-4o-negotiated", "match": "^gpt-4o$", "input": 1, "output": 4},
        {"model": "in-house", "match": ["^in-house-\\d+b$", "^ih-"], "input": 0.5, "output": 2}]}})
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot", "tenant.id": "acme"})
    named = {"gpt-4o": "gpt-4o-negotiated", "GPT-4O-2024-08-06": "gpt-4o", "azure/gpt-4o-mini": "gpt-4o-mini",
             "ih-7": "in-house", "vendor/ih-7": "other", "x-ai/grok-4.3": "grok-4.3",
             "openrouter/x-ai/grok-4.3": "grok-4.3", "anthropic/claude-sonnet-4-6-20260101": "claude-sonnet-4-6"}
    try:
        for model in named:
            agent.span("chat", inference_attributes("current", model, "openai", 100, 10), 1.0)
        agent.flush()
    finally:
        agent.close()
    calls = {}
    for label in named.values():
        calls[label] = calls.get(label, 0) + 1
    expected = {series("llm_inference_duration_seconds_count", model=label, provider="openai"): count
                for label, count in calls.items()}
    deadline = time.monotonic() + 20
    while True:
        found = contract_samples(collector_.metrics())
        counts = {key: value for key, value in found.items() if key[0] == "llm_inference_duration_seconds_count"}
        if counts == expected or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert counts == expected
    negotiated = found[series("llm_cost_dollars_total", model="gpt-4o-negotiated", tenant_id="acme")]
    assert negotiated == pytest.approx((100 * 1 + 10 * 4) / 1e6, rel=1e-9)
    assert series("llm_cost_dollars_total", model="other", tenant_id="acme") not in found


def test_label_values_are_bounded_by_the_tenant_list_and_the_length_limit(run_collector):
    collector_ = run_collector({"metrics": {"tenants": ["acme"], "maxLabelLength": 8}})
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot"})
    try:
        for tenant in ("acme", "globex", "initech"):
            agent.span("agent", {**agent_attributes("current", "a-very-long-agent-name"), "tenant.id": tenant}, 1.0)
        agent.flush()
    finally:
        agent.close()
    expected = {
        series("agent_request_duration_seconds_count", agent_name="a-very-l", model="unknown", tenant_id="acme"): 1,
        series("agent_request_duration_seconds_sum", agent_name="a-very-l", model="unknown", tenant_id="acme"): 1.0,
        series("agent_request_duration_seconds_count", agent_name="a-very-l", model="unknown", tenant_id="other"): 2,
        series("agent_request_duration_seconds_sum", agent_name="a-very-l", model="unknown", tenant_id="other"): 2.0,
    }
    assert_samples(wait_for(collector_, expected), expected)


def test_a_tenant_with_a_policy_keeps_its_own_label_value_beside_the_tenant_list(run_collector):
    # metrics.tenants names acme only; globex has a policy in global.tenants (its budget and
    # limits are for its own series), so it is not counted as `other`.
    collector_ = run_collector({"metrics": {"tenants": ["acme"]}}, global_values={"tenants": [{"name": "globex"}]})
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot"})
    try:
        for tenant in ("acme", "globex", "initech", "globex"):
            agent.span("chat", {**inference_attributes("current", "gpt-4o", "openai", 10, 0), "tenant.id": tenant}, 1.0)
        agent.flush()
    finally:
        agent.close()
    expected = {
        series("llm_inference_duration_seconds_count", model="gpt-4o", provider="openai"): 4,
        series("llm_inference_duration_seconds_sum", model="gpt-4o", provider="openai"): 4.0,
        series("llm_requests_total", model="gpt-4o", tenant_id="acme"): 1,
        series("llm_requests_total", model="gpt-4o", tenant_id="globex"): 2,
        series("llm_requests_total", model="gpt-4o", tenant_id="other"): 1,
    }
    for tenant, calls in (("acme", 1), ("globex", 2), ("other", 1)):
        expected[series("llm_tokens_total", model="gpt-4o", token_type="input", tenant_id=tenant)] = 10 * calls
        expected[series("llm_cost_dollars_total", model="gpt-4o", tenant_id=tenant)] = calls * cost("gpt-4o", 10, 0, 0)
    assert_samples(wait_for(collector_, expected), expected)


def test_every_series_carries_only_the_contracts_labels(run_collector):
    collector_ = run_collector()
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot", "tenant.id": "globex",
                                         "k8s.pod.name": "agent-7d9f", "host.name": "node-1"})
    agent_session(agent, "openinference")
    agent.flush()
    agent.close()
    wait_for(collector_, expected_session("openinference", "globex"))
    labels = {"agent_request_duration_seconds": {"agent_name", "model", "tenant_id"},
              "llm_inference_duration_seconds": {"model", "provider"},
              "llm_requests_total": {"model", "tenant_id"},
              "llm_tokens_total": {"model", "token_type", "tenant_id"},
              "llm_cost_dollars_total": {"model", "tenant_id"},
              "agent_errors_total": {"agent_name", "error_type", "tenant_id"},
              "tool_execution_duration_seconds": {"tool_name", "agent_name"},
              "tool_execution_errors_total": {"tool_name", "agent_name", "error_type"},
              "llm_rate_limit_errors_total": {"model"},
              "vector_search_duration_seconds": set(),
              "genai_rejected_span_values_total": {"field", "reason", "tenant_id"}}
    samples = collector_.metrics()
    assert {key[0] for key in samples} - {f"{name}{suffix}" for name in CONTRACT
                                          for suffix in ("", "_bucket", "_sum", "_count")} <= {"target_info"}
    for key in samples:
        name = key[0].removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
        if name in labels:
            assert {label for label, _ in key[1:]} - {"le"} == labels[name], key


@contextmanager
def sending(collector_, resource: dict):
    """An agent of `resource` sending to the collector over OTLP/HTTP; what it sent is
    accepted (flushed) when the block ends."""
    agent = Agent(collector_.otlp_http, resource)
    try:
        yield agent
        agent.flush()
    finally:
        agent.close()


def rejected(field, reason, tenant):
    return series("genai_rejected_span_values_total", field=field, reason=reason, tenant_id=tenant)


def test_implausible_token_counts_are_counted_as_rejected_never_as_tokens_or_cost(run_collector):
    # The OTLP port takes spans from any pod: one span's 2^63-1 input tokens would add $23
    # trillion to its tenant, and NaN or negative counts would shift every sum. Each field is
    # judged alone: (input tokens, output tokens, cached input tokens) of gpt-4o calls, the
    # sane fields of a span still counted and priced, the others only counted as rejected.
    collector_ = run_collector()
    calls = [
        (100, 20, 40),                 # sane: 60 input, 40 cached, 20 output
        (2**63 - 1, 20, 0),            # input too large (it would overflow the int64 sum)
        (100, -5, 0),                  # output negative
        (float("nan"), 20, 0),         # input NaN
        (100, 20, float("inf")),       # cached input +Inf: the 100 input tokens are billed as input
        (100, float("-inf"), 0),       # output -Inf
        ("lots", 20, 0),               # input a string that is not a number
        ("100", "20.0", 0),            # numbers sent as strings: counted
        (20_000_000, 1e300, 0),        # both above the 10M-tokens default limit
        (-100, 20, 0),                 # input negative
    ]
    with sending(collector_, {"service.name": "support-bot", "tenant.id": "globex"}) as agent:
        for input_tokens, output_tokens, cached_tokens in calls:
            agent.span("chat gpt-4o", inference_attributes("current", "gpt-4o", "openai", input_tokens, output_tokens,
                                                           cached_tokens), 1.0)
    gpt = dict(model="gpt-4o", tenant_id="globex")
    expected = {
        series("llm_tokens_total", token_type="input", **gpt): 60 + 100 + 100 + 100 + 100,
        series("llm_tokens_total", token_type="cached_input", **gpt): 40,
        series("llm_tokens_total", token_type="output", **gpt): 20 * 7,
        series("llm_cost_dollars_total", **gpt): cost("gpt-4o", 460 + 40, 40, 140),
        series("llm_inference_duration_seconds_count", model="gpt-4o", provider="openai"): len(calls),
        series("llm_inference_duration_seconds_sum", model="gpt-4o", provider="openai"): float(len(calls)),
        series("llm_requests_total", **gpt): len(calls),
        rejected("input_tokens", "too_large", "globex"): 2,
        rejected("input_tokens", "not_finite", "globex"): 1,
        rejected("input_tokens", "not_a_number", "globex"): 1,
        rejected("input_tokens", "negative", "globex"): 1,
        rejected("output_tokens", "negative", "globex"): 1,
        rejected("output_tokens", "not_finite", "globex"): 1,
        rejected("output_tokens", "too_large", "globex"): 1,
        rejected("cached_input_tokens", "not_finite", "globex"): 1,
    }
    assert_samples(wait_for(collector_, expected), expected)


def test_implausible_durations_are_counted_as_rejected_never_in_the_histograms(run_collector):
    # A span that ends before it starts, or lasts longer than its metric's limit
    # (metrics.limits.durationSeconds: 24 h for agent runs and tools, 1 h for LLM calls and
    # vector searches by default), is not observed; the LLM call itself, its tokens and cost still count.
    collector_ = run_collector()
    hour = 3600.0
    with sending(collector_, {"service.name": "support-bot", "tenant.id": "globex"}) as agent:
        for seconds in (2.0, -1.0, 25 * hour):
            agent.span("invoke_agent planner", agent_attributes("current", "planner", "gpt-4o"), seconds)
        for seconds in (1.5, -0.5, 2 * hour):
            agent.span("chat gpt-4o", inference_attributes("current", "gpt-4o", "openai", 100, 20), seconds)
        for seconds in (0.25, -0.25, 25 * hour, 23 * hour):
            agent.span("execute_tool web_search", tool_attributes("current", "web_search", "planner"), seconds)
        for seconds in (0.05, -0.05, 2 * hour):
            agent.span("retrieval docs", retrieval_attributes("current")[1], seconds)
    gpt = dict(model="gpt-4o", tenant_id="globex")
    expected = {
        series("agent_request_duration_seconds_count", agent_name="planner", **gpt): 1,
        series("agent_request_duration_seconds_sum", agent_name="planner", **gpt): 2.0,
        series("llm_inference_duration_seconds_count", model="gpt-4o", provider="openai"): 1,
        series("llm_inference_duration_seconds_sum", model="gpt-4o", provider="openai"): 1.5,
        series("llm_requests_total", **gpt): 3,
        series("llm_tokens_total", token_type="input", **gpt): 300,
        series("llm_tokens_total", token_type="output", **gpt): 60,
        series("llm_cost_dollars_total", **gpt): 3 * cost("gpt-4o", 100, 0, 20),
        series("tool_execution_duration_seconds_count", tool_name="web_search", agent_name="planner"): 2,
        series("tool_execution_duration_seconds_sum", tool_name="web_search", agent_name="planner"): 0.25 + 23 * hour,
        series("vector_search_duration_seconds_count"): 1,
        series("vector_search_duration_seconds_sum"): 0.05,
    }
    for field in ("agent_request_duration", "llm_inference_duration", "tool_execution_duration",
                  "vector_search_duration"):
        expected[rejected(field, "negative", "globex")] = 1
        expected[rejected(field, "too_large", "globex")] = 1
    assert_samples(wait_for(collector_, expected), expected)


def test_the_limits_come_from_the_values(run_collector):
    collector_ = run_collector({"metrics": {"limits": {"tokensPerCall": 1000, "durationSeconds": {"llmInference": 10}}}})
    with sending(collector_, {"service.name": "support-bot", "tenant.id": "globex"}) as agent:
        agent.span("chat gpt-4o", inference_attributes("current", "gpt-4o", "openai", 1000, 1001), 10.0)
        agent.span("chat gpt-4o", inference_attributes("current", "gpt-4o", "openai", 1, 1), 10.5)
    gpt = dict(model="gpt-4o", tenant_id="globex")
    expected = {
        series("llm_tokens_total", token_type="input", **gpt): 1001,
        series("llm_tokens_total", token_type="output", **gpt): 1,
        series("llm_cost_dollars_total", **gpt): cost("gpt-4o", 1001, 0, 1),
        series("llm_inference_duration_seconds_count", model="gpt-4o", provider="openai"): 1,
        series("llm_inference_duration_seconds_sum", model="gpt-4o", provider="openai"): 10.0,
        series("llm_requests_total", **gpt): 2,
        rejected("output_tokens", "too_large", "globex"): 1,
        rejected("llm_inference_duration", "too_large", "globex"): 1,
    }
    assert_samples(wait_for(collector_, expected), expected)


def test_the_endpoint_passes_promtool_and_exposes_the_sums_as_counters(run_collector):
    reason = prometheus.missing_reason()
    if reason:
        pytest.skip(reason)
    collector_ = run_collector()
    with sending(collector_, {"service.name": "support-bot", "tenant.id": "globex"}) as agent:
        agent_session(agent, "current")
        agent.span("chat gpt-4o", inference_attributes("current", "gpt-4o", "openai", -1, 20), 1.0)
    expected = expected_session("current", "globex")
    expected[series("llm_tokens_total", token_type="output", model="gpt-4o", tenant_id="globex")] += 20
    expected[series("llm_cost_dollars_total", model="gpt-4o", tenant_id="globex")] += cost("gpt-4o", 0, 0, 20)
    expected[series("llm_inference_duration_seconds_count", model="gpt-4o", provider="openai")] += 1
    expected[series("llm_inference_duration_seconds_sum", model="gpt-4o", provider="openai")] += 1.0
    expected[series("llm_requests_total", model="gpt-4o", tenant_id="globex")] += 1
    expected[rejected("input_tokens", "negative", "globex")] = 1
    assert_samples(wait_for(collector_, expected), expected)
    exposition = collector_.metrics_exposition().decode()
    checked = prometheus.check_metrics(exposition)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", exposition, re.MULTILINE))
    assert {name: kind for name, kind in types.items() if name.endswith("_total")} == {
        name: "counter" for name in ("llm_requests_total", "llm_tokens_total", "llm_cost_dollars_total", "agent_errors_total",
                                     "tool_execution_errors_total", "llm_rate_limit_errors_total",
                                     "genai_rejected_span_values_total")}


# Names at and over the default limit (64 characters) in scripts whose characters take 2, 3
# and 4 bytes in UTF-8: a cut by bytes would split a character (an invalid label value, which
# the Prometheus exporter drops with its whole series) or keep fewer than 64 characters.
LIMIT = 64
TENANT_AT_LIMIT = "é" * LIMIT
TENANT_OVER = "a" + "é" * 70
AGENT_CJK = "规划智能体" * 5                  # 25 characters, 75 bytes
AGENT_OVER = "智能体" * 30                    # 90 characters
TOOL_EMOJI = "🔧" * 20                        # 20 characters, 80 bytes
TOOL_OVER = "🔍" * 65
MODEL_OVER = "模型-" + "ß" * 70               # an unpriced model, labelled as sent (unpricedModels: keep)


def test_non_ascii_names_are_cut_to_the_limit_in_characters_and_reach_the_metrics(run_collector):
    collector_ = run_collector({"metrics": {"unpricedModels": "keep"}})
    with sending(collector_, {"service.name": "support-bot"}) as agent:
        for tenant, agent_name, tool in ((TENANT_AT_LIMIT, AGENT_CJK, TOOL_EMOJI), (TENANT_OVER, AGENT_OVER, TOOL_OVER)):
            root = agent.span(f"invoke_agent {agent_name}", {**agent_attributes("current", agent_name, "gpt-4o"),
                                                            "tenant.id": tenant}, 2.0)
            agent.span("chat", {**inference_attributes("current", "gpt-4o", "openai", 100, 20), "tenant.id": tenant},
                       1.0, parent=root)
            agent.span("chat", {**inference_attributes("current", MODEL_OVER, "openai", 10, 5), "tenant.id": tenant},
                       1.0, parent=root)
            agent.span("execute_tool", tool_attributes("current", tool, agent_name), 0.5, parent=root)
    model_cut = MODEL_OVER[:LIMIT]
    expected = {
        series("llm_inference_duration_seconds_count", model="gpt-4o", provider="openai"): 2,
        series("llm_inference_duration_seconds_sum", model="gpt-4o", provider="openai"): 2.0,
        series("llm_inference_duration_seconds_count", model=model_cut, provider="openai"): 2,
        series("llm_inference_duration_seconds_sum", model=model_cut, provider="openai"): 2.0,
    }
    for tenant, agent_name, tool in ((TENANT_AT_LIMIT, AGENT_CJK, TOOL_EMOJI),
                                     (TENANT_OVER[:LIMIT], AGENT_OVER[:LIMIT], TOOL_OVER[:LIMIT])):
        gpt = dict(model="gpt-4o", tenant_id=tenant)
        expected |= {
            series("agent_request_duration_seconds_count", agent_name=agent_name, **gpt): 1,
            series("agent_request_duration_seconds_sum", agent_name=agent_name, **gpt): 2.0,
            series("llm_requests_total", **gpt): 1,
            series("llm_requests_total", model=model_cut, tenant_id=tenant): 1,
            series("llm_tokens_total", token_type="input", **gpt): 100,
            series("llm_tokens_total", token_type="output", **gpt): 20,
            series("llm_cost_dollars_total", **gpt): cost("gpt-4o", 100, 0, 20),
            series("llm_tokens_total", token_type="input", model=model_cut, tenant_id=tenant): 10,
            series("llm_tokens_total", token_type="output", model=model_cut, tenant_id=tenant): 5,
            series("tool_execution_duration_seconds_count", tool_name=tool, agent_name=agent_name): 1,
            series("tool_execution_duration_seconds_sum", tool_name=tool, agent_name=agent_name): 0.5,
        }
    assert_samples(wait_for(collector_, expected), expected)


def test_under_memory_overload_each_accepted_call_is_counted_once_whatever_the_retries(run_collector, langfuse):
    # The memory limiter refuses exports while the heap is above its limit; the agent retries
    # each refused export as the SDKs do until it is accepted. Refused attempts must not be
    # counted: the tokens are exactly those of the accepted calls, once each.
    overloaded = {"memoryLimiter": {"checkInterval": "50ms"},
                  "config": {"processors": {"memory_limiter": {
                      "limit_percentage": None, "spike_limit_percentage": None,
                      "limit_mib": 48, "spike_limit_mib": 8}}}}
    collector_ = run_collector(overloaded, endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    calls, attempts = 200, []

    def export(call):
        # 2 MiB of prompt: the collector's heap grows with what it holds.
        body = raw_export(range(call + 1, call + 2), {
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "tenant.id": "acme",
            "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 20,
            "gen_ai.input.messages": "x" * 2 * 1024 * 1024})
        for attempt in range(1, 1000):
            answer = requests.post(f"{collector_.otlp_http}/v1/traces", data=body, timeout=30,
                                   headers={"Content-Type": "application/x-protobuf"})
            if answer.status_code == 200:
                attempts.append(attempt)
                return
            assert answer.status_code in (429, 503), answer.status_code
            time.sleep(0.02)
        raise AssertionError(f"call {call} never accepted")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(export, range(calls)))
    refused = sum(value for key, value in collector_.telemetry().items()
                  if key[0] == "otelcol_receiver_refused_spans_total")
    assert refused > 0 and max(attempts) > 1, "the memory limiter never refused: the test proves nothing"

    acme = {"model": "gpt-4o", "tenant_id": "acme"}
    found = wait_for(collector_, {
        series("llm_tokens_total", token_type="input", **acme): calls * 100,
        series("llm_tokens_total", token_type="output", **acme): calls * 20,
        series("llm_cost_dollars_total", **acme): calls * cost("gpt-4o", 100, 0, 20),
        series("llm_requests_total", **acme): calls,
        series("llm_inference_duration_seconds_count", model="gpt-4o", provider="unknown"): calls,
        series("llm_inference_duration_seconds_sum", model="gpt-4o", provider="unknown"): calls * 1.0})
    assert found[series("llm_requests_total", **acme)] == calls, f"{refused:.0f} refused attempts; counted {found}"
    assert found[series("llm_tokens_total", token_type="input", **acme)] == calls * 100, \
        f"{refused:.0f} refused attempts; counted {found}"

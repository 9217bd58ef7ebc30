"""GenAI spans, in each attribute dialect of genai_spans.py's table, become the metric contract.

(What the real instrumentation libraries send is tested in test_instrumentation_libraries.py;
this covers the names no pinned library emits, latency buckets, tenants and label bounds.)

The Python OpenTelemetry SDK sends spans to the collector the chart renders; its Prometheus
endpoint must then show exactly the token, cost, duration, error and tool-call values the
spans imply, per model and tenant, under the contract's names and labels.
"""

from __future__ import annotations

import time

import pytest
import yaml

from harness.paths import UMBRELLA_CHART

from genai_spans import DIALECTS, Agent, agent_attributes, inference_attributes, retrieval_attributes, \
    tool_attributes

PRICES = {row["model"]: row for row in yaml.safe_load(
    (UMBRELLA_CHART / "charts" / "otel-collector" / "values.yaml").read_text())["prices"]["models"]}
CONTRACT = {"agent_request_duration_seconds", "llm_inference_duration_seconds", "llm_tokens_total",
            "llm_cost_dollars_total", "agent_errors_total", "tool_execution_duration_seconds",
            "llm_rate_limit_errors_total", "vector_search_duration_seconds", "tool_execution_errors_total"}


def cost(model, input_tokens, cached_tokens, output_tokens):
    """USD of one call by the chart's default price table (prices per 1M tokens)."""
    price = PRICES[model]
    return ((input_tokens - cached_tokens) * price["input"] + cached_tokens * price.get("cachedInput", price["input"])
            + output_tokens * price["output"]) / 1e6


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


def assert_samples(found: dict, expected: dict):
    assert set(found) == set(expected), (f"missing {sorted(set(expected) - set(found))}, "
                                         f"unexpected {sorted(set(found) - set(expected))}")
    for key, value in expected.items():
        assert found[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


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
              "llm_tokens_total": {"model", "token_type", "tenant_id"},
              "llm_cost_dollars_total": {"model", "tenant_id"},
              "agent_errors_total": {"agent_name", "error_type", "tenant_id"},
              "tool_execution_duration_seconds": {"tool_name", "agent_name"},
              "tool_execution_errors_total": {"tool_name", "agent_name", "error_type"},
              "llm_rate_limit_errors_total": {"model"},
              "vector_search_duration_seconds": set()}
    samples = collector_.metrics()
    assert {key[0] for key in samples} - {f"{name}{suffix}" for name in CONTRACT
                                          for suffix in ("", "_bucket", "_sum", "_count")} <= {"target_info"}
    for key in samples:
        name = key[0].removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
        if name in labels:
            assert {label for label, _ in key[1:]} - {"le"} == labels[name], key

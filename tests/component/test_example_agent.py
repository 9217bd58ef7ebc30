"""The demo lights up the dashboards: examples/agent, run as a user runs it, against its stand-in
model, sends through the real collector to a real Prometheus, and every panel of every dashboard
returns data, with the exact values the stand-in's usage makes known.

One session is one run of `support_agent.py --requests 6` against a fresh stand-in that refuses
every 5th call (429) and fails every 7th (500); tenants acme and globex take turns:
  request 0 acme    calls 1-2 answered
  request 1 globex  calls 3-4 answered
  request 2 acme    call 5 rate-limited: the request fails (openai.RateLimitError)
  request 3 globex  call 6 asks for the tool, which finds no document (a tool error); call 7
                    fails (openai.InternalServerError)
  request 4 acme    calls 8-9 answered
  request 5 globex  call 10 rate-limited: the request fails
so 6 requests, 3 failed, 10 model calls of which 7 report usage (STANDIN_USAGE each), 4 tool
calls (1 failed), 4 vector searches, 24 spans.
"""

from __future__ import annotations

import copy
import math
import os
import subprocess
import sys

import pytest
import yaml

from harness.dashboards import dashboards
from harness.network import free_port, wait_for_port
from harness.paths import REPO_ROOT, UMBRELLA_CHART

from monitoring_inputs import MONITORING_VALUES
from monitoring_stack import GENAI_JOB, TELEMETRY_JOB, rate, running_stack, total

EXAMPLE = REPO_ROOT / "examples" / "agent"
REQUESTS = 6
STANDIN_USAGE = {"input": 100, "cached_input": 20, "output": 30}  # standin_model.USAGE, cache reads apart
ANSWERED_CALLS = {"acme": 4, "globex": 3}
PRICE = next(row for row in yaml.safe_load((UMBRELLA_CHART / "charts" / "otel-collector" / "values.yaml").read_text())
             ["prices"]["models"] if row["model"] == "gpt-4o-mini")
CALL_COST = (STANDIN_USAGE["input"] * PRICE["input"] + STANDIN_USAGE["cached_input"] * PRICE["cachedInput"]
             + STANDIN_USAGE["output"] * PRICE["output"]) / 1e6
STACK_VALUES = copy.deepcopy(MONITORING_VALUES)
STACK_VALUES["monitoring"]["objectives"].append(
    {"agent": "support-bot", "successRatio": 0.99, "latency": {"thresholdSeconds": 10, "ratio": 0.95}})


def run_example_session(collector_endpoint: str) -> None:
    """The stand-in model and the agent, as processes, the way `make demo` starts them."""
    port = free_port()
    env = {"PATH": os.environ["PATH"], "OTEL_EXPORTER_OTLP_ENDPOINT": collector_endpoint,
           "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
           "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=test"}
    model = subprocess.Popen([sys.executable, str(EXAMPLE / "standin_model.py"), "--port", str(port),
                              "--rate-limit-every", "5", "--error-every", "7"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port)
        agent = subprocess.run([sys.executable, str(EXAMPLE / "support_agent.py"), "--base-url",
                                f"http://127.0.0.1:{port}/v1", "--requests", str(REQUESTS), "--tenants", "acme,globex"],
                               env=env, capture_output=True, text=True, timeout=120, check=False)
        assert agent.returncode == 0, agent.stderr
        assert "3 requests answered, 3 failed" in agent.stdout, agent.stdout
    finally:
        model.kill()
        model.wait()


def landed(sessions: int) -> dict:
    return {("genai", "agent_request_duration_seconds_count"): REQUESTS * sessions,
            ("genai", "llm_inference_duration_seconds_count"): 10 * sessions,
            ("genai", "tool_execution_duration_seconds_count"): 4 * sessions,
            ("genai", "vector_search_duration_seconds_count"): 4 * sessions,
            ("telemetry", "otelcol_receiver_accepted_spans_total"): 24 * sessions,
            ("telemetry", "otelcol_exporter_sent_spans_total"): 24 * sessions}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(STACK_VALUES, tmp_path_factory.mktemp("demo")) as stack:
        stack.run_sessions(lambda: run_example_session(stack.collector.otlp_http), landed)
        yield stack


def known_values(stack) -> dict[tuple[str, str], list[dict]]:
    """The panels whose numbers the stand-in makes known (one session's worth)."""
    w, t = stack.windows[GENAI_JOB], stack.windows[TELEMETRY_JOB]
    calls = sum(ANSWERED_CALLS.values())
    cost = {tenant: n * CALL_COST for tenant, n in ANSWERED_CALLS.items()}
    return {
        ("agent-observability-agents", "Total requests"): [{frozenset(): total(REQUESTS, w)}],
        ("agent-observability-agents", "Success rate"): [{frozenset(): 0.5}],
        ("agent-observability-agents", "Active sessions"): [{frozenset(): 0}],
        ("agent-observability-agents", "Errors by type"): [{
            frozenset({("error_type", "openai.RateLimitError")}): rate(2, w),
            frozenset({("error_type", "openai.InternalServerError")}): rate(1, w)}],
        ("agent-observability-llm", "Tokens"): [{frozenset(): total(calls * sum(STANDIN_USAGE.values()), w)}],
        ("agent-observability-llm", "Cost"): [{frozenset(): total(sum(cost.values()), w)}],
        ("agent-observability-llm", "Cost per request"): [{frozenset(): sum(cost.values()) / REQUESTS}],
        ("agent-observability-llm", "Cost by tenant"): [{frozenset({("tenant_id", tenant)}): total(value, w)
                                                         for tenant, value in cost.items()}],
        ("agent-observability-llm", "Rate-limited calls"): [{frozenset(): total(2, w)}],
        ("agent-observability-llm", "Tokens by model and type"): [{
            frozenset({("model", "gpt-4o-mini"), ("token_type", kind)}): rate(calls * n, w)
            for kind, n in STANDIN_USAGE.items()}],
        ("agent-observability-tools", "Tool calls"): [{frozenset(): total(4, w)}],
        ("agent-observability-tools", "Tool error ratio"): [{frozenset(): 1 / 4}],
        ("agent-observability-tools", "Vector searches"): [{frozenset(): total(4, w)}],
        ("agent-observability-pipeline", "Spans accepted"): [{frozenset(): total(24, t)}],
    }


def panel_params():
    return [pytest.param(dashboard["uid"], panel, id=f"{dashboard['uid'].removeprefix('agent-observability-')}: "
                                                    f"{panel['title']}")
            for dashboard in dashboards() for panel in dashboard["panels"]]


# Panels of what LangFuse's worker reports (its queues, over DogStatsD): no worker runs beside
# the demo here, so they stay empty; tests/component/test_langfuse_queue_metrics.py evaluates
# them on dd-trace's lines.
FED_BY_LANGFUSES_WORKER = {("agent-observability-pipeline", "LangFuse jobs waiting"),
                           ("agent-observability-pipeline", "LangFuse wait before processing (p95)")}


@pytest.mark.parametrize("uid, panel", panel_params())
def test_every_panel_shows_the_demo(stack, uid, panel):
    found = stack.evaluate(uid, panel)
    if (uid, panel["title"]) in FED_BY_LANGFUSES_WORKER:
        assert not any(found), f"{panel['title']} shows data no worker sent: {found}"
        return
    assert any(found), f"{panel['title']} shows no data"
    for result in found:
        assert all(math.isfinite(value) for value in result.values()), result
    known = known_values(stack).get((uid, panel["title"]))
    if known:
        assert found == [{labels: pytest.approx(value, rel=1e-9, abs=1e-12) for labels, value in series.items()}
                         for series in known]


def test_the_tool_error_is_counted_by_tool_agent_and_type(stack):
    tools = next(d for d in dashboards() if d["uid"] == "agent-observability-tools")
    panel = next(p for p in tools["panels"] if p["title"] == "Tool errors by tool and agent")
    [errors] = stack.evaluate(tools["uid"], panel)
    assert errors == {frozenset({("tool_name", "search_docs"), ("agent_name", "support-bot"),
                                 ("error_type", "LookupError")}): pytest.approx(rate(1, stack.windows[GENAI_JOB]))}

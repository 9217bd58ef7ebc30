"""Every panel of every dashboard returns the number the agents' spans imply.

The real collector, on the chart's rendered configuration, receives GenAI spans and OTLP
metrics from the OpenTelemetry SDK; a real Prometheus (the image's version), on the chart's
rendered configuration and rules, scrapes both collector endpoints; then each panel's queries,
with Grafana's variables substituted, go through Prometheus' HTTP API (monitoring_stack.py:
how a session measured between two scrapes gives exact numbers).
"""

from __future__ import annotations

import calendar
import copy
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from harness.dashboards import dashboards

from chart_prices import cost
from genai_spans import Agent, agent_attributes, inference_attributes, retrieval_attributes, tool_attributes
from monitoring_inputs import MONITORING_VALUES
from monitoring_stack import GENAI_JOB, NAMESPACE, RELEASE, TELEMETRY_JOB, Window, rate, running_stack, total

SPANS_PER_SESSION = 18
# acme's monthly budget is smaller than one session's spend, so its budget alerts fire.
ACME_BUDGET = 0.001
STACK_VALUES = copy.deepcopy(MONITORING_VALUES)
STACK_VALUES["global"]["tenants"][0]["monthlyBudgetUsd"] = ACME_BUDGET
# $100 a month of infrastructure, in proportion to spend: globex's share stays far below its
# budget's 90 % on any day of the month.
INFRASTRUCTURE = 100
STACK_VALUES["monitoring"]["budgets"]["infrastructure"]["monthlyCostUsd"] = INFRASTRUCTURE
RECORDED = {("namespace", NAMESPACE), ("release", RELEASE)}


ACME_COST = 3 * cost("gpt-4o", 100, 40, 20)
GLOBEX_COST = 2 * cost("claude-sonnet-4-6", 1000, 0, 500)


def send_session(acme: Agent, globex: Agent) -> None:
    """One session of two tenants' agents (SPANS_PER_SESSION spans).

    acme's `planner` runs three times (2 s, 4 s, 65 s), each with one gpt-4o call (100 input
    tokens, 40 of them cached, 20 output; 1.5 s) and two web searches (0.25 s, and 0.75 s that
    time out); the third run is refused by the provider's rate limit (0.5 s) and fails. One
    vector search (0.05 s). globex's `support-bot` runs twice (5 s), each with one
    claude-sonnet-4-6 call (1000 input, 500 output tokens; 3 s)."""
    for run, seconds in enumerate((2.0, 4.0, 65.0)):
        failed = run == 2
        root = acme.span("invoke_agent planner", agent_attributes("current", "planner", "gpt-4o"), seconds,
                         error="RateLimitError" if failed else None, exception=False)
        acme.span("chat gpt-4o", inference_attributes("current", "gpt-4o-2024-08-06", "openai", 100, 20, 40), 1.5,
                  parent=root)
        acme.span("execute_tool web_search", tool_attributes("current", "web_search", "planner"), 0.25, parent=root)
        acme.span("execute_tool web_search", tool_attributes("current", "web_search", "planner"), 0.75, parent=root,
                  error="TimeoutError", exception=False)
        if failed:
            acme.span("chat gpt-4o", inference_attributes("current", "gpt-4o", "openai", 0, 0), 0.5, parent=root,
                      error="429", exception=False)
    name, attributes = retrieval_attributes("current")
    acme.span(name, attributes, 0.05)
    for _ in range(2):
        root = globex.span("invoke_agent support-bot", agent_attributes("current", "support-bot", "claude-sonnet-4-6"),
                           5.0)
        globex.span("chat claude-sonnet-4-6", inference_attributes("current", "claude-sonnet-4-6", "anthropic", 1000, 500),
                    3.0, parent=root)
    acme.flush()
    globex.flush()


def landed(sessions: int) -> dict:
    """What the collector's endpoints show after `sessions` sessions."""
    return {("genai", "agent_request_duration_seconds_count"): 5 * sessions,
            ("genai", "tool_execution_duration_seconds_count"): 6 * sessions,
            ("genai", "vector_search_duration_seconds_count"): sessions,
            ("genai", "llm_inference_duration_seconds_count"): 6 * sessions,
            ("telemetry", "otelcol_receiver_accepted_spans_total"): SPANS_PER_SESSION * sessions,
            ("telemetry", "otelcol_exporter_sent_spans_total"): SPANS_PER_SESSION * sessions}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The collector and Prometheus after two sessions."""
    with running_stack(STACK_VALUES, tmp_path_factory.mktemp("monitoring")) as stack:
        acme = Agent(stack.collector.otlp_http, {"service.name": "planner-service", "tenant.id": "acme"})
        globex = Agent(stack.collector.otlp_grpc, {"service.name": "support-service", "tenant.id": "globex"},
                       protocol="grpc")
        meters = MeterProvider(resource=Resource.create({"service.name": "planner-service"}), metric_readers=[
            PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{stack.collector.otlp_http}/v1/metrics"),
                                          export_interval_millis=60_000)])
        open_sessions = meters.get_meter("agent").create_up_down_counter("agent_active_sessions")
        # Agents report their open sessions as OTLP: two in the first session, one more in the second.
        opened = iter([[("planner", "acme"), ("support-bot", "globex")], [("planner", "acme")]])

        def session():
            for agent, tenant in next(opened):
                open_sessions.add(1, {"agent_name": agent, "tenant_id": tenant})
            send_session(acme, globex)
            assert meters.force_flush(30_000)

        stack.run_sessions(session, landed)
        acme.close()
        globex.close()
        meters.shutdown()
        yield stack


def quantile(q: float, bounds: list[float], observations: list[float]) -> float:
    """histogram_quantile over explicit buckets: linear interpolation inside the bucket."""
    rank = q * len(observations)
    below = 0
    lower = 0.0
    for upper in bounds:
        count = sum(1 for value in observations if value <= upper)
        if count >= rank:
            return lower + (upper - lower) * (rank - below) / (count - below)
        below, lower = count, upper
    raise ValueError("rank beyond the last bucket")


AGENT_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600]
LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300]
TOOL_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120]
VECTOR_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]
AGENT_RUNS = [2.0, 4.0, 65.0, 5.0, 5.0]
TOOL_RUNS = [0.25, 0.75] * 3


@dataclass(frozen=True)
class BudgetsRun:
    """The run of the month-scale rules the chargeback panels show: when it was (UTC seconds)
    and each tenant's spend rate it read (tenant:llm_cost_dollars:rate1d, USD per second:
    Prometheus' rate() of the raw counter, whose extrapolation is not the chart's to check)."""

    at: float = 0.0
    spend_rates: dict = field(default_factory=lambda: {"acme": 0.0, "globex": 0.0})

    @property
    def month_seconds(self) -> tuple[float, float]:
        """(seconds of this month, UTC, gone; seconds the month has)."""
        moment = datetime.fromtimestamp(self.at, timezone.utc)
        start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()
        return self.at - start, calendar.monthrange(moment.year, moment.month)[1] * 86400


def read_budgets_run(stack) -> BudgetsRun:
    selector = f'namespace="{NAMESPACE}",release="{RELEASE}"'
    [sample] = stack.prometheus.query(f"timestamp(release:month_elapsed:ratio{{{selector}}})", time=stack.rules_read_at)
    rates = stack.prometheus.query(f"tenant:llm_cost_dollars:rate1d{{{selector}}}", time=stack.rules_read_at)
    return BudgetsRun(float(sample["value"][1]), {s["metric"]["tenant_id"]: float(s["value"][1]) for s in rates})


def expected_panels(w: Window, t: Window, run: BudgetsRun = BudgetsRun()) -> dict[tuple[str, str], list[dict]]:
    """{(dashboard uid, panel title): per target, {frozenset(labels): value}}; `w` is the
    GenAI endpoint's window, `t` the telemetry endpoint's, `run` the month-scale rules' run
    the recorded panels show."""
    def one(value):
        return {frozenset(): value}

    def recorded(values):
        return {frozenset({("tenant_id", tenant), *RECORDED}): value for tenant, value in values.items()}

    def by(label, values):
        return {frozenset({(label, key)} if isinstance(key, str) else key): value for key, value in values.items()}

    agent_quantiles = [one(quantile(q, AGENT_BUCKETS, AGENT_RUNS)) for q in (0.5, 0.95, 0.99)]
    vector_quantiles = [one(quantile(q, VECTOR_BUCKETS, [0.05])) for q in (0.5, 0.95, 0.99)]
    tokens = {("gpt-4o", "input"): 180, ("gpt-4o", "cached_input"): 120, ("gpt-4o", "output"): 60,
              ("claude-sonnet-4-6", "input"): 2000, ("claude-sonnet-4-6", "output"): 1000}
    # The month so far holds both sessions: each tenant's first call counts whole.
    spent = {"acme": 2 * ACME_COST, "globex": 2 * GLOBEX_COST}
    budgets = {"acme": ACME_BUDGET, "globex": 1000}
    gone, month = run.month_seconds
    infrastructure = INFRASTRUCTURE * gone / month
    allocated = {tenant: amount / sum(spent.values()) * infrastructure for tenant, amount in spent.items()}
    chargeback = {tenant: spent[tenant] + allocated[tenant] for tenant in spent}
    forecast = {tenant: spent[tenant] + run.spend_rates[tenant] * (month - gone) + allocated[tenant] * month / gone
                for tenant in spent} if gone else {}
    return {
        ("agent-observability-chargeback", "LLM spend this month"): [one(sum(spent.values()))],
        ("agent-observability-chargeback", "Infrastructure this month"): [one(infrastructure)],
        ("agent-observability-chargeback", "Total this month"): [one(sum(chargeback.values()))],
        ("agent-observability-chargeback", "Forecast at month end"): [one(sum(forecast.values()))],
        ("agent-observability-chargeback", "Chargeback by tenant"): [
            recorded(spent), recorded(allocated), recorded(chargeback), recorded(budgets),
            recorded({tenant: chargeback[tenant] / budgets[tenant] for tenant in spent}), recorded(forecast)],
        ("agent-observability-chargeback", "Budget used"): [
            recorded({tenant: chargeback[tenant] / budgets[tenant] for tenant in spent})],
        # Matched on (tenant_id): the tenant is the only label left.
        ("agent-observability-chargeback", "Forecast against budget"): [
            by("tenant_id", {tenant: forecast[tenant] / budgets[tenant] for tenant in spent})],
        # LLM calls a minute over the measured session: acme 4 of its 100, globex 2 of its 50.
        ("agent-observability-chargeback", "Requests per minute, share of the limit"): [
            by("tenant_id", {"acme": rate(4, w) * 60 / 100, "globex": rate(2, w) * 60 / 50})],
        # acme's 720 tokens of the day (both sessions) of its 1000; globex has no limit.
        ("agent-observability-chargeback", "Tokens per day, share of the limit"): [recorded({"acme": 720 / 1000})],
        # globex may use gpt-4o only: its four claude-sonnet-4-6 calls this month and their cost.
        ("agent-observability-chargeback", "Calls to models outside the tenant's policy"): [
            {frozenset({("tenant_id", "globex"), ("model", "claude-sonnet-4-6"), *RECORDED}): 4},
            {frozenset({("tenant_id", "globex"), ("model", "claude-sonnet-4-6"), *RECORDED}): 2 * GLOBEX_COST}],
        ("agent-observability-agents", "Total requests"): [one(total(5, w))],
        ("agent-observability-agents", "Success rate"): [one(1 - 1 / 5)],
        ("agent-observability-agents", "p95 latency"): [one(quantile(0.95, AGENT_BUCKETS, AGENT_RUNS))],
        ("agent-observability-agents", "Active sessions"): [one(3)],
        ("agent-observability-agents", "Request latency"): agent_quantiles,
        ("agent-observability-agents", "Errors by type"): [by("error_type", {"RateLimitError": rate(1, w)})],
        ("agent-observability-agents", "Tokens by model"): [by("model", {"gpt-4o": rate(360, w),
                                                                        "claude-sonnet-4-6": rate(3000, w)})],
        ("agent-observability-agents", "Cost by tenant, last 24 hours"): [
            by("tenant_id", {"acme": total(ACME_COST, w), "globex": total(GLOBEX_COST, w)})],
        # planner: 1 of 3 invocations failed (objective 99 %), 1 of 3 slower than 10 s (objective 95 %);
        # recorded with the release's namespace and release labels.
        ("agent-observability-agents", "Error budget remaining"): [{
            frozenset({("agent_name", "planner"), ("slo", "success"), *RECORDED}): 1 - (1 / 3) / 0.01,
            frozenset({("agent_name", "planner"), ("slo", "latency"), *RECORDED}): 1 - (1 / 3) / 0.05}],
        ("agent-observability-llm", "Cost"): [one(total(ACME_COST + GLOBEX_COST, w))],
        ("agent-observability-llm", "Tokens"): [one(total(3360, w))],
        ("agent-observability-llm", "Cost per request"): [one((ACME_COST + GLOBEX_COST) / 5)],
        ("agent-observability-llm", "Rate-limited calls"): [one(total(1, w))],
        ("agent-observability-llm", "Tokens by model and type"): [
            {frozenset({("model", m), ("token_type", k)}): rate(v, w) for (m, k), v in tokens.items()}],
        ("agent-observability-llm", "Cost rate by model"): [by("model", {"gpt-4o": rate(ACME_COST, w) * 3600,
                                                                         "claude-sonnet-4-6": rate(GLOBEX_COST, w) * 3600})],
        ("agent-observability-llm", "Cost by model"): [by("model", {"gpt-4o": total(ACME_COST, w),
                                                                    "claude-sonnet-4-6": total(GLOBEX_COST, w)})],
        ("agent-observability-llm", "Cost by tenant"): [by("tenant_id", {"acme": total(ACME_COST, w),
                                                                         "globex": total(GLOBEX_COST, w)})],
        ("agent-observability-llm", "Inference latency by model and provider"): [{
            frozenset({("model", "gpt-4o"), ("provider", "openai")}): quantile(0.95, LLM_BUCKETS, [1.5, 1.5, 1.5, 0.5]),
            frozenset({("model", "claude-sonnet-4-6"), ("provider", "anthropic")}): quantile(0.95, LLM_BUCKETS, [3.0, 3.0])}],
        ("agent-observability-llm", "Rate-limit errors"): [by("model", {"gpt-4o": rate(1, w)})],
        # Budgets: acme ACME_BUDGET, globex $1000 a month.
        ("agent-observability-llm", "Month-to-date budget used"): [by("tenant_id", {"acme": total(ACME_COST / ACME_BUDGET, w),
                                                                                   "globex": total(GLOBEX_COST / 1000, w)})],
        ("agent-observability-llm", "Month-to-date spend and budget"): [
            by("tenant_id", {"acme": total(ACME_COST, w), "globex": total(GLOBEX_COST, w)}),
            by("tenant_id", {"acme": ACME_BUDGET, "globex": 1000})],
        ("agent-observability-tools", "Tool calls"): [one(total(6, w))],
        ("agent-observability-tools", "Tool error ratio"): [one(3 / 6)],
        ("agent-observability-tools", "Vector searches"): [one(total(1, w))],
        ("agent-observability-tools", "Vector search p95"): [one(quantile(0.95, VECTOR_BUCKETS, [0.05]))],
        ("agent-observability-tools", "Tool latency by tool and agent"): [
            {frozenset({("tool_name", "web_search"), ("agent_name", "planner")}): quantile(0.95, TOOL_BUCKETS, TOOL_RUNS)}],
        ("agent-observability-tools", "Tool calls by tool"): [by("tool_name", {"web_search": rate(6, w)})],
        ("agent-observability-tools", "Tool errors by tool and agent"): [{frozenset(
            {("tool_name", "web_search"), ("agent_name", "planner"), ("error_type", "TimeoutError")}): rate(3, w)}],
        ("agent-observability-tools", "Vector search latency"): vector_quantiles,
        ("agent-observability-pipeline", "Spans accepted"): [one(total(SPANS_PER_SESSION, t))],
        ("agent-observability-pipeline", "Spans refused"): [one(0)],
        ("agent-observability-pipeline", "Spans dropped"): [one(0)],
        ("agent-observability-pipeline", "Fullest queue"): [one(0)],
        ("agent-observability-pipeline", "Collectors up"): [one(1)],
        ("agent-observability-pipeline", "Pipeline alerts firing"): [one(0)],
        ("agent-observability-pipeline", "Spans waiting"): [one(0)],
        ("agent-observability-pipeline", "Spans accepted and refused"): [
            {frozenset({("receiver", "otlp"), ("transport", transport)}): rate(n, t)
             for transport, n in (("http", 14), ("grpc", 4))},
            {frozenset({("receiver", "otlp"), ("transport", transport)}): 0 for transport in ("http", "grpc")}],
        ("agent-observability-pipeline", "Exports by destination"): [by("exporter", {"otlphttp/langfuse": rate(18, t)}),
                                                                  by("exporter", {"otlphttp/langfuse": 0})],
        ("agent-observability-pipeline", "Queue fill by destination"): [by("exporter", {"otlphttp/langfuse": 0})],
        # No LangFuse worker sends its queue metrics here: test_langfuse_queue_metrics.py
        # evaluates these two on dd-trace's lines.
        ("agent-observability-pipeline", "LangFuse jobs waiting"): [{}],
        ("agent-observability-pipeline", "LangFuse wait before processing (p95)"): [{}],
    }


def panel_params():
    return [pytest.param(dashboard["uid"], panel, id=f"{dashboard['uid'].removeprefix('agent-observability-')}: {panel['title']}")
            for dashboard in dashboards() for panel in dashboard["panels"]]


@pytest.mark.parametrize("uid, panel", panel_params())
def test_panel_returns_the_numbers_the_spans_imply(stack, uid, panel):
    found = stack.evaluate(uid, panel)
    if panel["title"] == "Collector memory":
        # The collector's own report of its resident memory, against the kernel's.
        [series] = found
        [rss] = series.values()
        status = dict(line.split(":", 1) for line in open(f"/proc/{stack.collector.process.pid}/status"))
        kernel_rss = int(status["VmRSS"].split()[0]) * 1024
        assert rss == pytest.approx(kernel_rss, rel=0.25)
        return
    expected = expected_panels(stack.windows[GENAI_JOB], stack.windows[TELEMETRY_JOB],
                               read_budgets_run(stack))[(uid, panel["title"])]
    assert len(found) == len(expected)
    for result, wanted in zip(found, expected):
        assert set(result) == set(wanted), f"series {sorted(map(sorted, result))} != {sorted(map(sorted, wanted))}"
        for labels, value in wanted.items():
            assert result[labels] == pytest.approx(value, rel=1e-9, abs=1e-12), dict(labels)


def test_every_panel_has_an_expectation():
    expected = expected_panels(Window(0, 1), Window(0, 1), BudgetsRun(86400.0))
    titles = {(uid, panel["title"]) for uid, panel in (p.values for p in panel_params())}
    assert titles - {("agent-observability-pipeline", "Collector memory")} == set(expected)


def test_a_tenant_without_errors_reads_full_success_not_no_data(stack):
    overview = next(d for d in dashboards() if d["uid"] == "agent-observability-agents")
    success = next(p for p in overview["panels"] if p["title"] == "Success rate")
    assert stack.evaluate(overview["uid"], success, tenant="globex") == [{frozenset(): 1.0}]
    assert stack.evaluate(overview["uid"], success, tenant="acme") == [{frozenset(): pytest.approx(2 / 3)}]


def test_an_over_budget_tenant_drives_its_budget_alerts_to_firing(stack):
    """acme's month so far costs more than its monthly budget: its 80 % level and its exceeded
    budget fire, with the labels the Alertmanager routes by; globex's do not. The alerts are
    the chart's own."""
    alerts = {(a["labels"]["alertname"], a["labels"].get("tenant_id"), a["labels"].get("threshold")):
              (a["state"], a["labels"]["severity"], a["labels"]["family"])
              for a in stack.prometheus.alerts() if a["labels"]["alertname"].startswith("TenantBudget")}
    # The forecast waits an hour (for: 1h); the levels have no `for`.
    assert alerts == {("TenantBudgetUtilisationHigh", "acme", "0.8"): ("firing", "warning", "budget"),
                      ("TenantBudgetExceeded", "acme", "1"): ("firing", "critical", "budget"),
                      ("TenantBudgetForecastExceeded", "acme", None): ("pending", "warning", "budget")}


def test_a_call_to_a_model_outside_the_policy_fires_its_alert(stack):
    """globex may use gpt-4o only; its claude-sonnet-4-6 calls of the last hour fire."""
    [alert] = [a for a in stack.prometheus.alerts() if a["labels"]["alertname"] == "TenantModelNotAllowed"]
    assert (alert["state"], alert["labels"]["tenant_id"], alert["labels"]["model"], alert["labels"]["family"]) == (
        "firing", "globex", "claude-sonnet-4-6", "model-policy")
    assert float(alert["value"]) == 4


def test_prometheus_reports_both_collector_endpoints_up(stack):
    assert {t["labels"]["job"]: t["health"] for t in stack.prometheus.targets()} == {
        GENAI_JOB: "up", TELEMETRY_JOB: "up"}

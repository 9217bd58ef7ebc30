"""From spans to people: an over-budget tenant's alert travels from the agent's GenAI spans
through the real collector, the real Prometheus with the chart's rules and the real Alertmanager
with the chart's routing to stand-in Slack and PagerDuty receivers, every program on the chart's
rendered configuration. The same call is outside the tenant's allowed models and over its tokens
per day, and those alerts fire with their exact values.

test_alert_delivery.py proves the routing and the texts with alerts posted to Alertmanager
directly, test_prometheus_rules.py the rules with promtool; this is the one test of the whole
chain, with Prometheus' own alerting configuration pointed at the local Alertmanager.
"""

from __future__ import annotations

import pytest

from harness import alertmanager
from harness.network import free_port
from harness.receivers import HttpReceiver, wait_until

from chart_prices import cost
from genai_spans import Agent, agent_attributes, inference_attributes
from monitoring_stack import running_stack

SLACK_PATH = "/services/T0CHAIN/B0CHAIN/slack-chain-7c4a"
ROUTING_KEY = "pagerduty-chain-routing-key-31f9"
GRAFANA = "https://grafana.example.com"
BUDGET_USD = 1.0
TOKENS_PER_DAY = 500_000
# One call of a million input tokens: its cost is well above the budget, in cents.
INPUT_TOKENS, OUTPUT_TOKENS = 1_000_000, 10_000
SPEND_USD = cost("gpt-4o", INPUT_TOKENS, 0, OUTPUT_TOKENS)


def chain_values(pagerduty_url: str) -> dict:
    """A tenant with a budget, the guide's channels for an exceeded budget, and a Grafana URL for
    the alerts' dashboard links."""
    return {
        "global": {"tenants": [{"name": "acme", "monthlyBudgetUsd": BUDGET_USD, "allowedModels": ["gpt-4o-mini"],
                                "rateLimits": {"tokensPerDay": TOKENS_PER_DAY}}]},
        "monitoring": {
            "grafana": {"rootUrl": GRAFANA},
            "alertmanager": {
                "route": {"groupWait": "1s", "groupInterval": "1s", "repeatInterval": "1h"},
                "receivers": [
                    {"name": "team-slack", "slack": {"channel": "#llm-alerts", "apiUrlSecret": {
                        "name": "alert-channels", "key": "slack-webhook-url"}}},
                    {"name": "oncall-pagerduty", "pagerduty": {"url": pagerduty_url, "routingKeySecret": {
                        "name": "alert-channels", "key": "pagerduty-routing-key"}}},
                ],
                "routes": [
                    {"matchers": ['family="budget"', 'severity="warning"'], "receivers": ["team-slack"]},
                    {"matchers": ['family="budget"', 'severity="critical"'],
                     "receivers": ["team-slack", "oncall-pagerduty"]},
                ]}}}


@pytest.fixture
def receivers():
    with HttpReceiver({SLACK_PATH}) as slack, HttpReceiver(
            {"/v2/enqueue"}, routing_key=ROUTING_KEY, answer=HttpReceiver.PAGERDUTY) as pagerduty:
        yield slack, pagerduty


def test_an_over_budget_tenants_spans_page_slack_and_pagerduty_through_prometheus_and_alertmanager(
        receivers, tmp_path):
    reason = alertmanager.missing_reason()
    if reason:
        pytest.skip(reason)
    slack, pagerduty = receivers
    alertmanager_port = free_port()
    (tmp_path / "stack").mkdir()
    (tmp_path / "alertmanager").mkdir()
    with running_stack(chain_values(f"{pagerduty.url}/v2/enqueue"), tmp_path / "stack",
                       alertmanagers=[f"127.0.0.1:{alertmanager_port}"]) as stack:
        config = alertmanager.write_config(
            alertmanager.rendered_files(stack.manifest, "obs-alertmanager"), tmp_path / "alertmanager", secrets={
                "alert-channels/slack-webhook-url": f"{slack.url}{SLACK_PATH}\n",
                "alert-channels/pagerduty-routing-key": f"{ROUTING_KEY}\n"})
        server = alertmanager.Alertmanager(config, tmp_path / "alertmanager", port=alertmanager_port).start()
        try:
            agent = Agent(stack.collector.otlp_http, {"service.name": "planner-service", "tenant.id": "acme"})
            root = agent.span("invoke_agent planner", agent_attributes("current", "planner", "gpt-4o"), 3.0)
            agent.span("chat gpt-4o", inference_attributes("current", "gpt-4o", "openai", INPUT_TOKENS, OUTPUT_TOKENS),
                       2.0, parent=root)
            agent.flush()
            agent.close()

            wait_until(lambda: pagerduty.requests, "the exceeded budget on PagerDuty", timeout=120)
            wait_until(lambda: any("TenantBudgetExceeded" in texts for texts in slack_texts(slack)),
                       "the exceeded budget on Slack")
            firing = {a["labels"]["alertname"]: a for a in stack.prometheus.alerts() if a["state"] == "firing"}
            assert {"TenantBudgetExceeded", "TenantBudgetUtilisationHigh"} <= firing.keys()
            # The call to gpt-4o is outside acme's models (one call in the last hour), and its
            # tokens are 202% of acme's tokens per day: exact, from the rules' own steps.
            outside = firing["TenantModelNotAllowed"]
            assert (outside["labels"]["tenant_id"], outside["labels"]["model"]) == ("acme", "gpt-4o")
            assert float(outside["value"]) == 1
            assert f"${SPEND_USD:.2f}" in outside["annotations"]["description"]
            tokens = firing["TenantTokensPerDayExceeded"]
            assert float(tokens["value"]) == pytest.approx((INPUT_TOKENS + OUTPUT_TOKENS) / TOKENS_PER_DAY, rel=1e-12)
            assert {"TenantTokensPerDayHigh"} <= firing.keys()

            # PagerDuty: the routing key read from the mounted Secret's file (the stand-in
            # refuses any other), the tenant, the exact spend and budget, and the panel's link.
            [event] = pagerduty.requests
            assert event.body["routing_key"] == ROUTING_KEY and event.body["event_action"] == "trigger"
            payload = event.body["payload"]
            assert payload["severity"] == "critical" and "acme" in payload["summary"]
            details = payload["custom_details"]
            assert details["tenant"] == "acme"
            assert f"${SPEND_USD:.2f}" in details["description"] and f"${BUDGET_USD:.2f}" in details["description"]
            assert details["dashboard_url"].startswith(f"{GRAFANA}/d/") and "var-tenant=acme" in details["dashboard_url"]
            assert details["runbook_url"].endswith("#tenantbudgetexceeded")

            # Slack: the exceeded budget, and not the 80% warning, which the exceeded alert of the
            # same tenant inhibits in Alertmanager although Prometheus fires both.
            texts = slack_texts(slack)
            assert [text for text in texts if "TenantBudgetUtilisationHigh" in text] == [], texts
            [exceeded] = [text for text in texts if "TenantBudgetExceeded" in text]
            assert "acme" in exceeded and f"${SPEND_USD:.2f}" in exceeded
            assert server.wait_for(lambda: [a for a in server.alerts()
                                            if a["labels"]["alertname"] == "TenantBudgetUtilisationHigh"
                                            and a["status"]["inhibitedBy"]], "the warning inhibited")
            assert slack.refused == [] and pagerduty.refused == []
        finally:
            server.stop()


def slack_texts(slack) -> list[str]:
    return [request.body["attachments"][0]["title"] + "\n" + request.body["attachments"][0]["text"]
            for request in slack.requests]

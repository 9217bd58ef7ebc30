"""The real Alertmanager on the monitoring chart's rendered configuration delivers the chart's
alerts to stand-in Slack, PagerDuty and SMTP servers on loopback: to exactly the receivers their
route names, with the summary, tenant, value, runbook and dashboard link, each credential read
from its mounted Secret's file; a tenant's warning is inhibited once its exceeded alert fires;
two replicas form Alertmanager's cluster.

The alerts are posted to Alertmanager's API v2 with the labels and annotations the chart's rules
give them (severity, family, tenant_id, namespace, release; summary, description, runbook_url,
dashboard_url), so this tier needs no Prometheus; the lead's end-to-end chain runs both.
"""

from __future__ import annotations

import json

import requests

import pytest
import yaml

from harness import alertmanager
from harness.network import free_port
from harness.receivers import HttpReceiver, SmtpReceiver, wait_until
from harness.render import render_chart

# Distinctive credentials, as a user would put them into the Secrets the values name.
SLACK_PATH = "/services/T0STANDIN/B0STANDIN/slack-secret-4b1d"
ROUTING_KEY = "pagerduty-routing-key-8e2f7c"
SMTP_USER, SMTP_PASSWORD = "alerts@example.com", "smtp-password-93ad1e"
RUNBOOK = "https://runbooks.example.com/monitoring#tenantbudgetexceeded"
DASHBOARD = "https://grafana.example.com/d/llm-usage-and-cost?var-tenant=acme"


def routing_values(smtp_port: int, pagerduty_url: str) -> dict:
    """The guide's channels; timings small so a test takes seconds."""
    return {"monitoring": {"alertmanager": {
        "route": {"groupWait": "1s", "groupInterval": "1s", "repeatInterval": "1h"},
        "receivers": [
            {"name": "team-slack", "slack": {"channel": "#llm-alerts",
                                             "apiUrlSecret": {"name": "alert-channels", "key": "slack-webhook-url"}}},
            {"name": "finance-email", "email": {
                "to": "finance@example.com", "from": SMTP_USER, "smarthost": f"127.0.0.1:{smtp_port}",
                "requireTls": False, "authUsername": SMTP_USER,
                "authPasswordSecret": {"name": "alert-channels", "key": "smtp-password"}}},
            {"name": "oncall-pagerduty", "pagerduty": {
                "url": pagerduty_url, "routingKeySecret": {"name": "oncall", "key": "pagerduty-routing-key"}}},
        ],
        "routes": [
            {"matchers": ['family="budget"', 'severity="warning"'], "receivers": ["team-slack", "finance-email"]},
            {"matchers": ['family="budget"', 'severity="critical"'],
             "receivers": ["team-slack", "finance-email", "oncall-pagerduty"]},
            {"matchers": ['family="rate-limit"', 'severity="warning"'], "receivers": ["team-slack"]},
        ]}}}


def alert(name: str, severity: str, family: str, tenant: str, summary: str, description: str, **labels) -> dict:
    return {"labels": {"alertname": name, "severity": severity, "family": family, "tenant_id": tenant,
                       "namespace": "observability", "release": "obs", **labels},
            "annotations": {"summary": summary, "description": description, "runbook_url": RUNBOOK,
                            "dashboard_url": DASHBOARD}}


BUDGET_WARNING = alert("TenantBudgetUtilisationHigh", "warning", "budget", "acme",
                       "Tenant acme has used 80% of its monthly LLM budget",
                       "Tenant acme spent $4,150 over the last 30 days, 83% of its monthly budget of $5,000 "
                       "(alert level 80%).", threshold="0.8")
BUDGET_EXCEEDED = alert("TenantBudgetExceeded", "critical", "budget", "acme",
                        "Tenant acme has exceeded its monthly LLM budget",
                        "Tenant acme spent $5,230 over the last 30 days, 105% of its monthly budget of $5,000.")
RATE_WARNING = alert("TenantRequestRateHigh", "warning", "rate-limit", "globex",
                     "Tenant globex is at 92% of its request rate limit",
                     "Tenant globex made 92 LLM calls in the last minute, 92% of its limit of 100 per minute.")


@pytest.fixture
def stack(tmp_path):
    """Stand-in Slack, PagerDuty and SMTP servers, and the real Alertmanager on the chart's
    rendered configuration with the mounted Secrets' paths rewritten to files holding the
    credentials."""
    reason = alertmanager.missing_reason()
    if reason:
        pytest.skip(reason)
    with HttpReceiver({SLACK_PATH}) as slack, HttpReceiver(
            {"/v2/enqueue"}, routing_key=ROUTING_KEY, answer=HttpReceiver.PAGERDUTY) as pagerduty, \
            SmtpReceiver(SMTP_USER, SMTP_PASSWORD) as smtp:
        manifest = render_chart(values=routing_values(smtp.port, f"{pagerduty.url}/v2/enqueue"))
        files = alertmanager.rendered_files(manifest, "obs-alertmanager")
        rendered = json.dumps(list(manifest))
        for credential in (SLACK_PATH, ROUTING_KEY, SMTP_PASSWORD):
            assert credential not in rendered
        config = alertmanager.write_config(files, tmp_path, secrets={
            "alert-channels/slack-webhook-url": f"{slack.url}{SLACK_PATH}\n",
            "alert-channels/smtp-password": f"{SMTP_PASSWORD}\n",
            "oncall/pagerduty-routing-key": f"{ROUTING_KEY}\n"})
        server = alertmanager.Alertmanager(config, tmp_path).start()
        try:
            yield server, slack, pagerduty, smtp
        finally:
            server.stop()


def slack_texts(slack) -> list[str]:
    return [request.body["attachments"][0]["title"] + "\n" + request.body["attachments"][0]["text"]
            for request in slack.requests]


def test_a_budget_warning_reaches_slack_and_email_then_exceeded_adds_pagerduty_and_inhibits_it(stack):
    server, slack, pagerduty, smtp = stack
    server.post_alerts([BUDGET_WARNING])
    wait_until(lambda: slack.requests and smtp.mails, "the budget warning on Slack and by email")

    [message] = slack.requests
    assert message.path == SLACK_PATH and message.body["channel"] == "#llm-alerts"
    [text] = slack_texts(slack)
    for expected in ("TenantBudgetUtilisationHigh", "tenant acme", "Tenant acme has used 80% of its monthly LLM budget",
                     "$4,150", "83% of its monthly budget", f"<{RUNBOOK}|Runbook>", f"<{DASHBOARD}|Dashboard>"):
        assert expected in text, f"{expected!r} not in the Slack message:\n{text}"
    [mail] = smtp.mails
    assert mail.login == SMTP_USER and not smtp.failed_logins
    assert mail.recipients == ["finance@example.com"]
    assert "TenantBudgetUtilisationHigh" in mail.message["Subject"] and "acme" in mail.message["Subject"]
    plain, html = mail.part("text/plain"), mail.part("text/html")
    for expected in ("Tenant acme has used 80%", "$4,150", "Tenant:    acme", RUNBOOK, DASHBOARD):
        assert expected in plain, f"{expected!r} not in the email:\n{plain}"
    assert f'<a href="{DASHBOARD.replace("&", "&amp;")}">Dashboard</a>' in html and "83% of its monthly budget" in html
    assert pagerduty.requests == [] and pagerduty.refused == []

    server.post_alerts([BUDGET_EXCEEDED])
    wait_until(lambda: pagerduty.requests, "the exceeded budget on PagerDuty")
    [event] = pagerduty.requests
    assert event.body["routing_key"] == ROUTING_KEY and event.body["event_action"] == "trigger"
    payload = event.body["payload"]
    assert payload["summary"] == "Tenant acme has exceeded its monthly LLM budget" and payload["severity"] == "critical"
    details = payload["custom_details"]
    assert details["tenant"] == "acme" and "$5,230" in details["description"]
    assert details["runbook_url"] == RUNBOOK and details["dashboard_url"] == DASHBOARD
    assert {"href": DASHBOARD, "text": "Dashboard"} in event.body["links"]
    wait_until(lambda: len(slack.requests) == 2 and len(smtp.mails) == 2, "the exceeded budget on Slack and by email")
    assert "Tenant acme has exceeded its monthly LLM budget" in slack_texts(slack)[1]

    # The warning is inhibited by the exceeded alert of the same tenant and family...
    def inhibited():
        return [a for a in server.alerts() if a["labels"]["alertname"] == "TenantBudgetUtilisationHigh"
                and a["status"]["inhibitedBy"]]
    assert server.wait_for(inhibited, "the budget warning inhibited")
    # ...so a new warning level of that tenant is never sent, while another tenant's is.
    server.post_alerts([{**BUDGET_WARNING, "labels": {**BUDGET_WARNING["labels"], "threshold": "0.9"}},
                        {**BUDGET_WARNING, "labels": {**BUDGET_WARNING["labels"], "tenant_id": "globex"},
                         "annotations": {**BUDGET_WARNING["annotations"], "summary": "Tenant globex has used 80%",
                                         "description": "Tenant globex spent $420, 84% of its budget."}}])
    wait_until(lambda: len(slack.requests) == 3 and len(smtp.mails) == 3, "globex's budget warning")
    assert "Tenant globex has used 80%" in slack_texts(slack)[2] and "*Tenant:* `globex`" in slack_texts(slack)[2]
    assert len(pagerduty.requests) == 1 and slack.refused == []


def test_a_rate_limit_warning_reaches_slack_only(stack):
    server, slack, pagerduty, smtp = stack
    server.post_alerts([RATE_WARNING, {**BUDGET_WARNING, "labels": {**BUDGET_WARNING["labels"], "tenant_id": "initech"}}])
    # The budget warning, posted with it, goes to Slack and email: once both arrived, the rate
    # limit's Slack message has had its chance to go anywhere else too.
    wait_until(lambda: len(slack.requests) == 2 and smtp.mails, "both warnings delivered")
    [rate] = [text for text in slack_texts(slack) if "TenantRequestRateHigh" in text]
    assert "92 LLM calls in the last minute" in rate and "tenant globex" in rate
    assert [mail.message["Subject"] for mail in smtp.mails if "TenantRequestRateHigh" in mail.message["Subject"]] == []
    assert pagerduty.requests == []


def test_alertmanager_loads_the_credentials_from_files_it_reads_at_each_notification(stack, tmp_path):
    server, slack, _, _ = stack
    loaded = yaml.safe_load(server.status()["config"]["original"])
    assert alertmanager.credential_files(loaded) == [
        f"{tmp_path}/secrets/alert-channels/slack-webhook-url", f"{tmp_path}/secrets/alert-channels/smtp-password",
        f"{tmp_path}/secrets/oncall/pagerduty-routing-key"]
    # A rotated Secret (the kubelet rewrites the mounted file) is used without a restart.
    (tmp_path / "secrets" / "alert-channels" / "slack-webhook-url").write_text(f"{slack.url}/services/rotated\n")
    server.post_alerts([RATE_WARNING])
    wait_until(lambda: slack.refused, "a delivery to the rotated webhook")
    assert slack.refused[0].path == "/services/rotated"


def test_two_replicas_form_a_cluster_and_share_silences(tmp_path):
    reason = alertmanager.missing_reason()
    if reason:
        pytest.skip(reason)
    manifest = render_chart(values={"monitoring": {"alertmanager": {"replicas": 2}}})
    config = alertmanager.write_config(alertmanager.rendered_files(manifest, "obs-alertmanager"), tmp_path)
    ports = [free_port(), free_port()]
    peers = [f"127.0.0.1:{port}" for port in ports]
    replicas = [alertmanager.Alertmanager(config, tmp_path, cluster_port=port, peers=peers, name=f"alertmanager-{i}")
                for i, port in enumerate(ports)]
    try:
        for replica in replicas:
            replica.start()
        for replica in replicas:
            replica.wait_for(lambda r=replica: len(r.status()["cluster"]["peers"]) == 2, "both peers in the cluster")
        silence = {"matchers": [{"name": "tenant_id", "value": "acme", "isRegex": False}],
                   "startsAt": "2020-01-01T00:00:00Z", "endsAt": "2100-01-01T00:00:00Z",
                   "createdBy": "test", "comment": "maintenance"}
        requests.post(f"{replicas[0].url}/api/v2/silences", json=silence, timeout=10).raise_for_status()
        replicas[1].wait_for(lambda: [s for s in replicas[1].silences() if s["comment"] == "maintenance"],
                             "the silence on the other replica")
    finally:
        for replica in replicas:
            replica.stop()

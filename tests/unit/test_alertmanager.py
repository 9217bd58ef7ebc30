"""The embedded Alertmanager and the alert routing: the rendered configuration passes the real
amtool and routes the chart's alerts as the values say; credentials come only from mounted
Secrets; replicas form a cluster; Prometheus and Grafana are wired to it; the same routing as
an AlertmanagerConfig validates against the Prometheus Operator's CRD."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness import alertmanager, kube_schema
from harness.paths import REPO_ROOT, shipped_values_params
from harness.render import RenderError, pod_template, render_chart

EVERY_RECEIVER = Path(__file__).parent / "data" / "alertmanager-every-receiver.yaml"
CONFIG_MAP = "obs-alertmanager"


@pytest.fixture(scope="module")
def tools():
    reason = alertmanager.missing_reason()
    if reason:
        pytest.skip(reason)


def rendered_config(manifest) -> dict:
    return yaml.safe_load(manifest.get("ConfigMap", CONFIG_MAP)["data"]["alertmanager.yml"])


def written_config(manifest, tmp_path) -> Path:
    return alertmanager.write_config(alertmanager.rendered_files(manifest, CONFIG_MAP), tmp_path)


@pytest.mark.parametrize("values_file", [*shipped_values_params(),
                                         pytest.param(EVERY_RECEIVER, id="every-receiver")])
def test_amtool_accepts_every_rendered_alertmanager_config_with_its_templates(tools, values_file, tmp_path):
    manifest = render_chart(values_files=(values_file,))
    if CONFIG_MAP not in manifest.names("ConfigMap"):
        # Without the embedded Prometheus (production.yaml: kube-prometheus-stack's) there is no
        # Alertmanager of the chart's to configure, and none may run.
        assert "obs-alertmanager" not in manifest.names("StatefulSet")
        return
    result = alertmanager.check_config(written_config(manifest, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " - 1 templates" in result.stdout and "SUCCESS" in result.stdout


def test_the_guides_channels_are_expressible_and_route_as_it_says(tools, tmp_path):
    """Budget warning: Slack and email; budget exceeded: Slack, email and PagerDuty; rate-limit
    warning at 90%: Slack; anything else: the default receiver."""
    path = written_config(render_chart(values_files=(EVERY_RECEIVER,)), tmp_path)
    tenant = {"namespace": "observability", "release": "obs", "tenant_id": "acme"}
    assert alertmanager.routed_receivers(path, {**tenant, "alertname": "TenantBudgetUtilisationHigh",
                                                "family": "budget", "severity": "warning"}) == \
        ["team-slack", "finance-email"]
    assert alertmanager.routed_receivers(path, {**tenant, "alertname": "TenantBudgetExceeded",
                                                "family": "budget", "severity": "critical"}) == \
        ["team-slack", "finance-email", "oncall-pagerduty"]
    assert alertmanager.routed_receivers(path, {**tenant, "alertname": "TenantRequestRateHigh",
                                                "family": "rate-limit", "severity": "warning"}) == ["team-slack"]
    assert alertmanager.routed_receivers(path, {"alertname": "AgentHighLatency", "family": "agent",
                                                "severity": "warning"}) == ["ml-teams"]
    assert alertmanager.routed_receivers(path, {"alertname": "CollectorDown", "family": "pipeline",
                                                "severity": "critical"}) == ["ticketing"]


def test_out_of_the_box_every_alert_goes_to_a_receiver_that_sends_nothing(tools, tmp_path):
    manifest = render_chart()
    config = rendered_config(manifest)
    assert config["route"]["receiver"] == "null" and {"name": "null"} in config["receivers"]
    assert alertmanager.routed_receivers(written_config(manifest, tmp_path), {"severity": "critical"}) == ["null"]


def test_every_credential_is_read_from_a_mounted_secrets_file_never_written_in_the_config():
    manifest = render_chart(values_files=(EVERY_RECEIVER,))
    config = rendered_config(manifest)
    files = alertmanager.credential_files(config)
    assert sorted(files) == sorted([
        "/etc/alertmanager/secrets/alert-channels/slack-webhook-url",
        "/etc/alertmanager/secrets/alert-channels/smtp-password",
        "/etc/alertmanager/secrets/oncall/pagerduty-routing-key",
        "/etc/alertmanager/secrets/alert-channels/teams-webhook-url",
        "/etc/alertmanager/secrets/alert-channels/ticketing-url"])
    settings = [s for r in config["receivers"] for k, c in r.items() if k.endswith("_configs") for s in c]
    for inline in ("api_url", "auth_password", "routing_key", "service_key", "webhook_url", "url"):
        assert not [s for s in settings if inline in s], f"a receiver sets {inline} in the ConfigMap"
    spec = pod_template(manifest.get("StatefulSet", "obs-alertmanager"))["spec"]
    [container] = spec["containers"]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    for path in files:
        directory, key = path.rsplit("/", 1)
        mount = mounts[directory]
        assert mount["readOnly"] is True
        secret = volumes[mount["name"]]["secret"]
        assert secret["secretName"] == directory.rsplit("/", 1)[1]
        assert {"key": key, "path": key} in secret["items"]


PLANTED = "planted-credential-7f3a9c"


@pytest.mark.parametrize("kind, settings", [
    ("slack", {"apiUrl": f"https://hooks.slack.com/services/T0/B0/{PLANTED}"}),
    ("email", {"to": "a@example.com", "from": "b@example.com", "smarthost": "smtp.example.com:587",
               "authUsername": "b", "authPassword": PLANTED}),
    ("pagerduty", {"routingKey": PLANTED}),
    ("teams", {"webhookUrl": f"https://example.webhook.office.com/{PLANTED}"}),
    ("webhook", {"url": f"https://hooks.example.com/{PLANTED}"}),
])
def test_a_credential_written_as_a_value_is_refused_so_none_is_ever_rendered(kind, settings):
    """A receiver takes its credential only as {name, key} of a Secret: the value itself, where
    a user might write it, fails the render instead of landing in a ConfigMap."""
    with pytest.raises(RenderError) as error:
        render_chart(values={"monitoring": {"alertmanager": {"receivers": [{"name": "r", kind: settings}]}}})
    assert "additional properties" in error.value.stderr and next(iter(set(settings) - {
        "to", "from", "smarthost", "authUsername"})) in error.value.stderr


def test_the_alertmanager_config_validates_against_the_operators_crd_with_secret_key_selectors():
    manifest = render_chart(values_files=(EVERY_RECEIVER,))  # render_chart validates against bin/crds
    if kube_schema.crds_missing_reason():
        pytest.skip(kube_schema.crds_missing_reason())
    [config] = manifest.of_kind("AlertmanagerConfig")
    assert config["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    receivers = {r["name"]: r for r in config["spec"]["receivers"]}
    assert receivers["team-slack"]["slackConfigs"][0]["apiURL"] == {"name": "alert-channels", "key": "slack-webhook-url"}
    assert receivers["finance-email"]["emailConfigs"][0]["authPassword"] == {"name": "alert-channels", "key": "smtp-password"}
    assert receivers["oncall-pagerduty"]["pagerdutyConfigs"][0]["routingKey"] == {"name": "oncall", "key": "pagerduty-routing-key"}
    assert receivers["ml-teams"]["msteamsv2Configs"][0]["webhookURL"] == {"name": "alert-channels", "key": "teams-webhook-url"}
    assert receivers["ticketing"]["webhookConfigs"][0]["urlSecret"] == {"name": "alert-channels", "key": "ticketing-url"}
    [critical] = [r for r in config["spec"]["route"]["routes"] if {"name": "severity", "value": "critical"} in r["matchers"]]
    assert [child["receiver"] for child in critical["routes"]] == ["team-slack", "finance-email", "oncall-pagerduty"]
    broken = json.loads(json.dumps(config))
    broken["spec"]["inhibitRules"][0]["sourceMatch"][0]["matchType"] = "=="
    assert kube_schema.problems(broken, "1.35"), "the CRD schema check would not notice a bad matchType"


def test_the_embedded_alertmanager_runs_wherever_the_embedded_prometheus_does():
    assert "obs-alertmanager" in render_chart().names("StatefulSet")
    assert "obs-alertmanager" in render_chart(values_files=(REPO_ROOT / "values" / "kind.yaml",)).names("StatefulSet")
    without = render_chart(values_files=(REPO_ROOT / "values" / "production.yaml",))
    assert "obs-alertmanager" not in without.names("StatefulSet")
    off = render_chart(values={"monitoring": {"alertmanager": {"enabled": False}}})
    assert "obs-alertmanager" not in off.names("StatefulSet")
    assert "alerting" not in yaml.safe_load(off.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])
    alone = render_chart(values={"monitoring": {"alertmanager": {"enabled": True}, "prometheus": {"enabled": False},
                                                "grafana": {"enabled": False}}})
    assert "obs-alertmanager" in alone.names("StatefulSet")


def test_prometheus_sends_to_every_replica_by_its_own_name_and_keeps_external_alertmanagers():
    manifest = render_chart(values={"monitoring": {"alertmanager": {"replicas": 3},
                                                   "prometheus": {"alertmanagers": ["am.example.com:9093"]}}})
    config = yaml.safe_load(manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])
    embedded, external = config["alerting"]["alertmanagers"]
    assert embedded["static_configs"] == [{"targets": [
        f"obs-alertmanager-{i}.obs-alertmanager-headless.observability.svc:9093" for i in range(3)]}]
    assert external["static_configs"] == [{"targets": ["am.example.com:9093"]}]


def test_replicas_form_alertmanagers_cluster_with_a_disruption_budget():
    manifest = render_chart(values={"monitoring": {"alertmanager": {"replicas": 2}}})
    statefulset = manifest.get("StatefulSet", "obs-alertmanager")
    [container] = pod_template(statefulset)["spec"]["containers"]
    peers = [arg.split("=", 1)[1] for arg in container["args"] if arg.startswith("--cluster.peer=")]
    assert peers == [f"obs-alertmanager-{i}.obs-alertmanager-headless.observability.svc:9094" for i in range(2)]
    assert "--cluster.listen-address=[$(POD_IP)]:9094" in container["args"]
    assert manifest.get("Service", "obs-alertmanager-headless")["spec"]["publishNotReadyAddresses"] is True
    assert manifest.get("PodDisruptionBudget", "obs-alertmanager")["spec"]["maxUnavailable"] == 1
    single = render_chart()
    [container] = pod_template(single.get("StatefulSet", "obs-alertmanager"))["spec"]["containers"]
    assert "--cluster.listen-address=" in container["args"]
    assert not [arg for arg in container["args"] if arg.startswith("--cluster.peer")]
    assert "obs-alertmanager" not in single.names("PodDisruptionBudget")


def test_silences_and_the_notification_log_live_on_a_retained_volume_or_an_empty_dir():
    statefulset = render_chart().get("StatefulSet", "obs-alertmanager")
    [claim] = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data" and claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert statefulset["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    [container] = pod_template(statefulset)["spec"]["containers"]
    assert "--storage.path=/alertmanager" in container["args"]
    assert {"name": "data", "mountPath": "/alertmanager"} in container["volumeMounts"]
    ephemeral = render_chart(values={"monitoring": {"alertmanager": {"persistence": {"enabled": False}}}})
    statefulset = ephemeral.get("StatefulSet", "obs-alertmanager")
    assert "volumeClaimTemplates" not in statefulset["spec"]
    assert {"name": "data", "emptyDir": {}} in pod_template(statefulset)["spec"]["volumes"]


def test_grafana_gets_the_alertmanager_as_a_datasource_of_the_prometheus_implementation():
    manifest = render_chart()
    datasources = yaml.safe_load(manifest.get("ConfigMap", "obs-grafana")["data"]["datasources.yaml"])["datasources"]
    [prometheus] = [d for d in datasources if d["type"] == "prometheus"]
    [alerts] = [d for d in datasources if d["type"] == "alertmanager"]
    assert alerts["url"] == "http://obs-alertmanager.observability.svc:9093"
    assert alerts["jsonData"] == {"implementation": "prometheus", "handleGrafanaManagedAlerts": False}
    assert alerts["isDefault"] is False and prometheus["isDefault"] is True
    assert prometheus["jsonData"]["alertmanagerUid"] == alerts["uid"] == "agent-observability-alertmanager"
    off = render_chart(values={"monitoring": {"alertmanager": {"enabled": False}}})
    datasources = yaml.safe_load(off.get("ConfigMap", "obs-grafana")["data"]["datasources.yaml"])["datasources"]
    assert [d["type"] for d in datasources] == ["prometheus"]


def test_network_policies_let_prometheus_and_grafana_in_the_replicas_gossip_and_receivers_out():
    manifest = render_chart(values={"global": {"networkPolicy": {"enabled": True}}},
                            values_files=(EVERY_RECEIVER,))
    policy = manifest.get("NetworkPolicy", "obs-alertmanager")["spec"]
    sources = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
               for rule in policy["ingress"] for peer in rule.get("from", [])]
    assert sources == ["prometheus", "grafana", "alertmanager"]
    [receivers] = [rule for rule in policy["egress"] if "to" not in rule and rule["ports"][0]["port"] != 53]
    assert [port["port"] for port in receivers["ports"]] == [443, 587]
    for component in ("prometheus", "grafana"):
        egress = manifest.get("NetworkPolicy", f"obs-{component}")["spec"]["egress"]
        assert any(peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component")
                   == "alertmanager" for rule in egress for peer in rule.get("to", [])), component


def test_the_notification_texts_are_a_templates_file_the_config_loads():
    files = render_chart().get("ConfigMap", CONFIG_MAP)["data"]
    assert yaml.safe_load(files["alertmanager.yml"])["templates"] == ["/etc/alertmanager/config/*.tmpl"]
    for name in ("title", "slack.text", "email.html", "email.text", "pagerduty.description", "teams.text"):
        assert f'{{{{ define "agent_observability.{name}" }}}}' in files["agent-observability.tmpl"]


SLACK = {"name": "team-slack", "slack": {"apiUrlSecret": {"name": "alert-channels", "key": "slack"}}}


@pytest.mark.parametrize("values, message", [
    pytest.param({"routes": [{"matchers": ['severity="critical"'], "receivers": ["pager"]}], "receivers": [SLACK]},
                 'alertmanager.routes[0] names receiver "pager", which alertmanager.receivers does not define '
                 "(receivers: team-slack)", id="route-to-unknown-receiver"),
    pytest.param({"receivers": [{"name": "team-slack", "slack": {"channel": "#x"}}]},
                 "alertmanager.receivers[0] (team-slack): set slack.apiUrlSecret to {name: <Secret>, key: <key>}",
                 id="slack-without-secret"),
    pytest.param({"receivers": [{"name": "oncall", "pagerduty": {"routingKeySecret": {"name": "oncall"}}}]},
                 "set pagerduty.routingKeySecret to {name: <Secret>, key: <key>}", id="secret-without-key"),
    pytest.param({"receivers": [{**SLACK, "webhook": {"urlSecret": {"name": "a", "key": "b"}}}]},
                 "alertmanager.receivers[0] (team-slack) sets slack and webhook: give each receiver exactly one of "
                 "email, pagerduty, slack, teams, webhook (a route may name several receivers)", id="two-kinds"),
    pytest.param({"receivers": [{"name": "nothing"}]}, "sets none of them", id="no-kind"),
    pytest.param({"receivers": [SLACK, SLACK]}, 'alertmanager.receivers names "team-slack" twice', id="same-name"),
    pytest.param({"receivers": [{**SLACK, "name": "null"}]}, 'the name "null" is the chart\'s receiver', id="null-name"),
    pytest.param({"receivers": [{"name": "mail", "email": {"to": "a@example.com", "from": "b@example.com",
                                                           "smarthost": "smtp.example.com:587", "authUsername": "b"}}]},
                 "set email.authUsername and email.authPasswordSecret together", id="login-without-password"),
    pytest.param({"receivers": [{"name": "mail", "email": {"to": "a@example.com", "smarthost": "smtp.example.com:25"}}]},
                 "set email.from", id="email-without-sender"),
    pytest.param({"routes": [{"matchers": ["severity is critical"], "receivers": ["team-slack"]}], "receivers": [SLACK]},
                 "alertmanager.routes[0].matchers[0] (severity is critical) is not a matcher", id="bad-matcher"),
    pytest.param({"routes": [{"receivers": ["team-slack"]}], "receivers": [SLACK]},
                 "alertmanager.routes[0] has no matchers", id="route-without-matchers"),
    pytest.param({"routes": [{"matchers": ['severity="critical"']}], "receivers": [SLACK]},
                 "alertmanager.routes[0] names no receivers", id="route-without-receivers"),
    pytest.param({"route": {"receiver": "pager"}},
                 'alertmanager.route.receiver is "pager", which alertmanager.receivers does not define '
                 "(receivers: none yet", id="default-receiver-unknown"),
    pytest.param({"inhibitRules": [{"sourceMatchers": ['severity="critical"'], "targetMatchers": ["warning"],
                                    "equal": ["tenant_id"]}]},
                 "alertmanager.inhibitRules[0].targetMatchers[0] (warning) is not a matcher", id="bad-inhibit-matcher"),
])
@pytest.mark.parametrize("rendered_by", [
    pytest.param({}, id="embedded-alertmanager"),
    pytest.param({"prometheus": {"enabled": True}, "alertmanager": {"enabled": True, "replicas": 3},
                  "prometheusOperator": {"alertmanagerConfig": {"enabled": True}}},
                 id="embedded-cluster-and-alertmanager-config"),
    pytest.param({"prometheus": {"enabled": False}, "grafana": {"enabled": False},
                  "prometheusOperator": {"alertmanagerConfig": {"enabled": True}}},
                 id="alertmanager-config-only"),
])
def test_bad_alert_routing_fails_with_what_to_set(values, message, rendered_by):
    """The objects built from the routing render before validate.yaml refuses it (Helm renders
    deeper template paths first): they must not break on it, so the refusal is what the user
    reads, whichever of them render."""
    monitoring = json.loads(json.dumps(rendered_by))
    monitoring["alertmanager"] = {**monitoring.get("alertmanager", {}), **values}
    with pytest.raises(RenderError) as error:
        render_chart(values={"monitoring": monitoring})
    assert message in error.value.stderr


def test_bad_routing_is_refused_even_where_only_the_alertmanager_config_renders():
    with pytest.raises(RenderError) as error:
        render_chart(values_files=(REPO_ROOT / "values" / "production.yaml",),
                     values={"monitoring": {"alertmanager": {"route": {"receiver": "pager"}}}})
    assert "alertmanager.route.receiver" in error.value.stderr

"""The monitoring half delivered two ways from the same files: to a Grafana and a Prometheus
Operator already in the cluster, or by the embedded Grafana and Prometheus."""

from __future__ import annotations

import json

import pytest
import yaml

from harness.dashboards import DASHBOARD_FILES
from harness.paths import UMBRELLA_CHART
from harness.promql import vector_selectors
from harness.render import RenderError, render_chart

TENANTS = {"tenants": [{"name": "acme", "monthlyBudgetUsd": 500, "allowedModels": ["gpt-4o.*"],
                         "rateLimits": {"requestsPerMinute": 100, "tokensPerDay": 1000000}}]}
EXISTING_STACK = {"global": TENANTS, "monitoring": {
    "prometheus": {"enabled": False}, "grafana": {"enabled": False},
    "datasource": {"url": "http://kube-prometheus-stack-prometheus.monitoring:9090"},
    "grafanaSidecar": {"enabled": True, "datasource": True},
    "prometheusOperator": {"serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}},
                           "prometheusRule": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}}},
    "objectives": [{"agent": "support-bot", "successRatio": 0.99,
                    "latency": {"thresholdSeconds": 10, "ratio": 0.95}}]}}


def dashboard_config_maps(manifest):
    return [cm for cm in manifest.of_kind("ConfigMap") if "-dashboard-" in cm["metadata"]["name"]]


def test_each_dashboard_ships_in_a_configmap_of_its_own_byte_for_byte():
    maps = dashboard_config_maps(render_chart())
    assert len(maps) == len(DASHBOARD_FILES)
    shipped = {path.name: path.read_text() for path in DASHBOARD_FILES}
    for config_map in maps:
        [(name, text)] = config_map["data"].items()
        assert json.loads(text) == json.loads(shipped[name])


def test_for_an_existing_grafana_the_configmaps_carry_the_sidecars_label_and_folder():
    manifest = render_chart(values=EXISTING_STACK)
    for config_map in dashboard_config_maps(manifest):
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert config_map["metadata"]["annotations"]["grafana_folder"] == "AI agents"
    datasource = manifest.get("ConfigMap", "obs-monitoring-datasource")
    assert datasource["metadata"]["labels"]["grafana_datasource"] == "1"
    [provisioned] = yaml.safe_load(datasource["data"]["agent-observability-datasource.yaml"])["datasources"]
    assert provisioned["url"] == "http://kube-prometheus-stack-prometheus.monitoring:9090"
    assert provisioned["uid"] == "agent-observability-prometheus"


def provisioned_datasource(config_map, key, kind="prometheus"):
    [datasource] = [d for d in yaml.safe_load(config_map["data"][key])["datasources"] if d["type"] == kind]
    return datasource


def test_only_the_embedded_grafana_takes_the_datasource_as_its_default():
    """kube-prometheus-stack's Grafana provisions its own Prometheus as the default datasource;
    Grafana refuses datasource files that mark two defaults in one organisation."""
    sidecar = render_chart(values=EXISTING_STACK).get("ConfigMap", "obs-monitoring-datasource")
    assert provisioned_datasource(sidecar, "agent-observability-datasource.yaml")["isDefault"] is False
    embedded = render_chart().get("ConfigMap", "obs-grafana")
    assert provisioned_datasource(embedded, "datasources.yaml")["isDefault"] is True
    chosen = render_chart(values={"monitoring": {**EXISTING_STACK["monitoring"],
                                                           "grafanaSidecar": {"enabled": True, "datasource": True,
                                                                              "datasourceIsDefault": True}}})
    datasource = chosen.get("ConfigMap", "obs-monitoring-datasource")
    assert provisioned_datasource(datasource, "agent-observability-datasource.yaml")["isDefault"] is True


def test_without_the_sidecar_the_configmaps_carry_no_sidecar_label():
    for config_map in dashboard_config_maps(render_chart()):
        assert "grafana_dashboard" not in config_map["metadata"]["labels"]


def test_the_service_monitor_scrapes_both_collector_ports_of_the_collector_service():
    manifest = render_chart(values=EXISTING_STACK)
    [monitor] = manifest.of_kind("ServiceMonitor")
    service = manifest.get("Service", "obs-otel-collector")
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items()
    service_ports = {port["name"] for port in service["spec"]["ports"]}
    assert {endpoint["port"] for endpoint in monitor["spec"]["endpoints"]} == {"metrics", "telemetry"} <= service_ports
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_the_prometheus_rule_and_the_embedded_prometheus_load_the_same_rules():
    operator = render_chart(values=EXISTING_STACK)
    embedded_values = {"global": TENANTS, "monitoring": {key: value for key, value in EXISTING_STACK["monitoring"].items()
                                                         if key in ("budgets", "objectives")}}
    embedded = render_chart(values=embedded_values)
    [rule] = operator.of_kind("PrometheusRule")
    loaded = yaml.safe_load(embedded.get("ConfigMap", "obs-prometheus-rules")["data"]["agent-observability.yaml"])
    assert rule["spec"]["groups"] == loaded["groups"]
    assert {group["name"] for group in loaded["groups"]} == {
        "agent-observability.agents", "agent-observability.budgets", "agent-observability.tenant-rate-limits",
        "agent-observability.objectives", "agent-observability.pipeline", "agent-observability.langfuse-queues"}


def test_every_rule_reads_this_releases_targets_and_records_its_namespace_and_release():
    """One Prometheus (kube-prometheus-stack's) scrapes every release and other collectors: each
    selector names this release's jobs, or what its own rules record; tests/component/rules/
    releases_test.yaml shows other releases' series firing nothing."""
    [rule] = render_chart(values=EXISTING_STACK).of_kind("PrometheusRule")
    scopes = ('job=~"observability/obs-otel-collector-genai|observability/obs-agents"',
              'job="observability/obs-otel-collector-telemetry"', 'namespace="observability",release="obs"')
    for item in [r for group in rule["spec"]["groups"] for r in group["rules"]]:
        assert item["labels"].items() >= {"namespace": "observability", "release": "obs"}.items()
        for metric, matchers in vector_selectors(item["expr"]):
            assert any(scope in matchers for scope in scopes), f"{metric} in {item['expr']}"


def test_operator_objects_are_switchable_and_off_by_default():
    assert render_chart().of_kind("ServiceMonitor") == []
    assert render_chart().of_kind("PrometheusRule") == []


def test_every_alert_has_a_severity_summary_description_and_runbook():
    [rule] = render_chart(values=EXISTING_STACK).of_kind("PrometheusRule")
    alerts = [r for group in rule["spec"]["groups"] for r in group["rules"] if "alert" in r]
    assert {a["alert"] for a in alerts} == {
        "AgentHighLatency", "AgentHighErrorRate", "LLMRateLimitErrors", "TenantDailyCostHigh",
        "TenantBudgetUtilisationHigh", "TenantBudgetExceeded", "TenantBudgetForecastExceeded", "TenantModelNotAllowed",
        "TenantRequestRateHigh", "TenantRequestRateExceeded", "TenantTokensPerDayHigh", "TenantTokensPerDayExceeded",
        "AgentErrorBudgetBurn",
        "CollectorExportFailing", "CollectorQueueGrowing", "CollectorQueueFilling", "CollectorSpansDropped",
        "CollectorRefusingSpans", "CollectorDown", "CollectorAbsent",
        "LangfuseQueueBacklog", "LangfuseIngestionLagging"}
    readme = (UMBRELLA_CHART / "charts" / "monitoring" / "README.md").read_text()
    for alert in alerts:
        assert alert["labels"]["severity"] in ("info", "warning", "critical")
        assert {"summary", "description", "runbook_url"} <= alert["annotations"].keys()
        if not alert["expr"].startswith(("up{", "absent(")):  # their value is always 0 or 1: nothing to say
            assert "{{ $value" in alert["annotations"]["description"], alert["alert"]
        anchor = alert["annotations"]["runbook_url"].rsplit("#", 1)[1]
        assert f"### {alert['alert']}" in readme and anchor == alert["alert"].lower()


def test_the_embedded_prometheus_scrapes_every_collector_pod_on_both_ports():
    manifest = render_chart()
    config = yaml.safe_load(manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])
    pod = manifest.get("StatefulSet", "obs-otel-collector")["spec"]["template"]
    ports = {port["name"] for container in pod["spec"]["containers"] for port in container.get("ports", [])}
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for job_name, port in (("observability/obs-otel-collector-genai", "metrics"),
                           ("observability/obs-otel-collector-telemetry", "telemetry")):
        job = jobs[job_name]
        assert job["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["observability"]}}]
        meta = {f"__meta_kubernetes_pod_label_{k.replace('.', '_').replace('/', '_')}": v
                for k, v in pod["metadata"]["labels"].items()}
        meta["__meta_kubernetes_pod_container_port_name"] = port
        for rule in job["relabel_configs"]:
            if rule["action"] == "keep":
                [source] = rule["source_labels"]
                assert meta.get(source) == rule["regex"], f"{job_name} would not keep the collector pod: {rule}"
        assert port in ports


def test_alertmanagers_given_as_urls_become_prometheus_scheme_path_prefix_and_host_port():
    manifest = render_chart(values={"monitoring": {"prometheus": {"alertmanagers": [
        "alertmanager.monitoring:9093", "https://am.example.com:443", "https://am.example.com/tenant-a/",
        "http://[fd00::1]:9093", "https://am2.example.com/tenant-a"]}}})
    config = yaml.safe_load(manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])
    # After the embedded Alertmanager (tests/unit/test_alertmanager.py).
    assert config["alerting"]["alertmanagers"][1:] == [
        {"scheme": "http", "static_configs": [{"targets": ["alertmanager.monitoring:9093", "[fd00::1]:9093"]}]},
        {"scheme": "https", "static_configs": [{"targets": ["am.example.com:443"]}]},
        {"scheme": "https", "path_prefix": "/tenant-a",
         "static_configs": [{"targets": ["am.example.com", "am2.example.com"]}]},
    ]


def test_prometheus_may_list_pods_only_where_it_scrapes():
    manifest = render_chart(values={"monitoring": {"prometheus": {"annotatedPods": {"namespaces": ["ai-agents"]}}}})
    roles = {(role["metadata"].get("namespace"), role["metadata"]["name"]): role["rules"]
             for role in manifest.of_kind("Role") if role["metadata"]["name"] == "obs-prometheus"}
    assert set(roles) == {("observability", "obs-prometheus"), ("ai-agents", "obs-prometheus")}
    assert all(rules == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
               for rules in roles.values())
    assert manifest.of_kind("ClusterRole") == []
    everywhere = render_chart(values={"monitoring": {"prometheus": {"annotatedPods": {"allNamespaces": True}}}})
    [cluster_role] = everywhere.of_kind("ClusterRole")
    assert cluster_role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]


def test_prometheus_keeps_its_samples_on_a_retained_volume_with_retention_settings():
    statefulset = render_chart().get("StatefulSet", "obs-prometheus")
    assert statefulset["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    [claim] = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    args = statefulset["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--storage.tsdb.retention.time=30d" in args and "--storage.tsdb.retention.size=9GB" in args


def test_grafanas_admin_password_comes_from_the_generated_secret_never_a_literal():
    manifest = render_chart()
    [container] = manifest.get("Deployment", "obs-grafana")["spec"]["template"]["spec"]["containers"]
    env = {var["name"]: var for var in container["env"]}
    assert env["GF_SECURITY_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "obs-grafana-admin", "key": "password"}
    spec = json.loads(manifest.get("ConfigMap", "obs-secret-generator")["data"]["secrets.json"])
    assert {"name": "obs-grafana-admin", "keys": {"password": "alnum:24"}}.items() <= \
        next(s for s in spec["secrets"] if s["name"] == "obs-grafana-admin").items()


def test_a_secret_of_your_own_replaces_the_generated_grafana_password():
    manifest = render_chart(values={"monitoring": {"grafana": {"admin": {"existingSecret": "my-grafana"}}}})
    spec = json.loads(manifest.get("ConfigMap", "obs-secret-generator")["data"]["secrets.json"])
    assert "obs-grafana-admin" not in {s["name"] for s in spec["secrets"]}


def test_grafana_provisions_the_datasource_folder_and_every_dashboard_from_files():
    manifest = render_chart()
    deployment = manifest.get("Deployment", "obs-grafana")
    files = manifest.get("ConfigMap", "obs-grafana")["data"]
    [provider] = yaml.safe_load(files["dashboards.yaml"])["providers"]
    assert provider["folder"] == "AI agents" and provider["options"]["path"] == "/etc/grafana/dashboards"
    volumes = {volume["name"]: volume for volume in deployment["spec"]["template"]["spec"]["volumes"]}
    projected = {source["configMap"]["name"] for source in volumes["dashboards"]["projected"]["sources"]}
    assert projected == {cm["metadata"]["name"] for cm in dashboard_config_maps(manifest)}
    datasource = provisioned_datasource(manifest.get("ConfigMap", "obs-grafana"), "datasources.yaml")
    assert datasource["url"] == "http://obs-prometheus.observability.svc:9090"
    assert datasource["jsonData"]["manageAlerts"] is True


@pytest.mark.parametrize("values, message", [
    pytest.param({"grafana": {"enabled": True, "admin": {"existingSecret": ""}}},
                 "grafana.enabled is true: set grafana.admin.existingSecret", id="grafana-without-password"),
    pytest.param({"grafana": {"ingress": {"enabled": True}}},
                 "grafana.ingress.enabled is true: set grafana.ingress.host", id="grafana-ingress-without-host"),
    pytest.param({"prometheus": {"enabled": False}},
                 "the Grafana datasource has no Prometheus: turn on prometheus.enabled, or set datasource.url",
                 id="grafana-without-prometheus"),
    pytest.param({"budgets": {"tenants": [{"tenant": "acme", "monthlyUsd": 100}]}},
                 "budgets.tenants is replaced by global.tenants, one entry per tenant with its whole policy "
                 "(budget, alert levels, allowed models, rate limits): move the budgets there as "
                 "global.tenants: [{name: acme, monthlyBudgetUsd: 100}]", id="budgets-tenants-removed"),
    pytest.param({"budgets": {"infrastructure": {"monthlyCostUsd": 1000, "allocation": "equal"}}},
                 "allocation is equal, which shares the cost among the tenants of global.tenants, and it lists none",
                 id="equal-allocation-without-tenants"),
    pytest.param({"objectives": [{"agent": "planner"}]},
                 'objective of agent "planner" sets neither successRatio nor latency', id="objective-without-target"),
    pytest.param({"objectives": [{"agent": "planner", "latency": {"thresholdSeconds": 7, "ratio": 0.9}}]},
                 'the latency threshold of agent "planner" (7s) is not a bucket of '
                 "otel-collector.metrics.buckets.agentRequest", id="latency-objective-between-buckets"),
    pytest.param({"objectives": [{"agent": "planner", "successRatio": 99}]},
                 "successRatio", id="objective-as-percent"),
])
def test_bad_monitoring_values_fail_with_what_to_set(values, message):
    with pytest.raises(RenderError) as error:
        render_chart(values={"monitoring": values})
    assert message in error.value.stderr


@pytest.mark.parametrize("tenants, monitoring, message", [
    pytest.param([{"name": "acme"}, {"name": "acme", "monthlyBudgetUsd": 5}], {},
                 'global.tenants lists tenant "acme" twice: give each tenant one entry', id="tenant-twice"),
    pytest.param([{"name": "other"}], {},
                 'global.tenants[0] is named "other", the tenant_id the collector gives every tenant', id="other"),
    pytest.param([{"name": "acme", "monthlyBudgetUsd": "-5"}], {},
                 "global.tenants[0] (acme): monthlyBudgetUsd must be a number of USD above 0, got -5",
                 id="negative-budget"),
    pytest.param([{"name": "acme", "alertAt": [{"ratio": 0.8, "severity": "warning"}]}], {},
                 "global.tenants[0] (acme) has alertAt but no monthlyBudgetUsd", id="levels-without-budget"),
    pytest.param([{"name": "acme", "monthlyBudgetUsd": 5, "alertAt": [{"ratio": 90, "severity": "warning"}]}], {},
                 "global.tenants[0].alertAt[0].ratio is a share of the monthly budget, above 0 (1 is the whole "
                 "budget): set 0.9 for 90% (got 90)", id="level-as-percent"),
    pytest.param([{"name": "acme", "monthlyBudgetUsd": 5, "alertAt": [{"ratio": 1, "severity": "warning"},
                                                                     {"ratio": 1, "severity": "critical"}]}], {},
                 "global.tenants[0].alertAt lists the level 1 twice", id="level-twice"),
    pytest.param([{"name": "acme", "allowedModels": ["gpt-(4"]}], {}, "gpt-(4", id="bad-model-regex"),
    pytest.param([{"name": "acme", "infrastructureShare": 0.5}], {"budgets": {"infrastructure": {"monthlyCostUsd": 10}}},
                 "global.tenants[0] (acme) has an infrastructureShare, which only budgets.infrastructure.allocation: "
                 "fixed reads (it is proportional)", id="share-without-fixed"),
    pytest.param([{"name": "acme", "infrastructureShare": 0.5}, {"name": "globex", "infrastructureShare": 0.4}],
                 {"budgets": {"infrastructure": {"monthlyCostUsd": 10, "allocation": "fixed"}}},
                 "the tenants' infrastructureShare values sum to 0.9, not 1", id="fixed-shares-not-summing-to-1"),
    pytest.param([{"name": "acme", "infrastructureShare": 30}],
                 {"budgets": {"infrastructure": {"monthlyCostUsd": 10, "allocation": "fixed"}}},
                 "infrastructureShare", id="share-as-percent"),
    pytest.param([{"name": "acme", "rateLimits": {"requestsPerMinute": "0"}}], {},
                 "global.tenants[0] (acme): rateLimits.requestsPerMinute must be above 0, got 0", id="zero-rate-limit"),
    pytest.param([{"name": "acme"}], {"alerts": {"tenantRateLimits": {"warningRatio": 90}}},
                 "alerts.tenantRateLimits.warningRatio is a share of a tenant's rate limit", id="warning-as-percent"),
])
def test_bad_tenant_policies_fail_with_what_to_set(tenants, monitoring, message):
    with pytest.raises(RenderError) as error:
        render_chart(values={"global": {"tenants": tenants}, "monitoring": monitoring})
    assert message in error.value.stderr


def with_scrape_interval(stack: dict, key: str, interval: str) -> dict:
    """`stack` with the monitoring setting `key` (dotted) set to `interval`."""
    values = json.loads(json.dumps(stack))
    section = values.setdefault("monitoring", {})
    *parents, leaf = key.split(".")
    for parent in parents:
        section = section.setdefault(parent, {})
    section[leaf] = interval
    return values


EMBEDDED = {"global": TENANTS}
EVERY_MINUTE_AND_A_HALF = "1m30s"


@pytest.mark.parametrize("stack, key, interval", [
    pytest.param(EMBEDDED, "prometheus.scrapeInterval", "1m", id="embedded-prometheus-every-minute"),
    pytest.param(EMBEDDED, "prometheus.scrapeInterval", "31s", id="embedded-prometheus-every-31s"),
    pytest.param(EXISTING_STACK, "prometheusOperator.serviceMonitor.interval", EVERY_MINUTE_AND_A_HALF,
                 id="service-monitor-every-1m30s"),
])
def test_a_requests_per_minute_limit_is_refused_where_scrapes_are_too_far_apart_for_its_rule(stack, key, interval):
    """tenant:llm_requests:rate1m is rate(llm_requests_total[1m]): with fewer than two scrapes in
    the minute it records nothing, and the tenant's requests per minute would never alert."""
    with pytest.raises(RenderError) as error:
        render_chart(values=with_scrape_interval(stack, key, interval))
    assert (f"global.tenants[0] (acme) sets rateLimits.requestsPerMinute, and {key} is {interval}: "
            "tenant:llm_requests:rate1m is rate(llm_requests_total[1m]), which needs at least two scrapes in the "
            f"minute, so the limit would never alert: set {key} to 30s or less") in error.value.stderr


@pytest.mark.parametrize("stack, key, interval", [
    pytest.param(EMBEDDED, "prometheus.scrapeInterval", "30s", id="embedded-prometheus-every-30s"),
    pytest.param(EMBEDDED, "prometheus.scrapeInterval", "15s", id="embedded-prometheus-every-15s"),
    pytest.param({"global": {"tenants": [{"name": "acme", "rateLimits": {"tokensPerDay": 1000}}]}},
                 "prometheus.scrapeInterval", "1m", id="tokens-per-day-only-every-minute"),
    pytest.param(EXISTING_STACK, "prometheusOperator.serviceMonitor.interval", "0m30s", id="service-monitor-every-0m30s"),
    pytest.param(EXISTING_STACK, "prometheusOperator.serviceMonitor.interval", "", id="service-monitor-prometheus-own"),
    pytest.param(EXISTING_STACK, "prometheus.scrapeInterval", "1m", id="embedded-prometheus-off"),
])
def test_a_requests_per_minute_limit_renders_with_two_scrapes_a_minute_or_where_the_interval_is_not_ours(
        stack, key, interval):
    render_chart(values=with_scrape_interval(stack, key, interval))


@pytest.mark.parametrize("entry, pointer", [
    pytest.param({"name": "acme", "alertAtPercent": 80}, "alertAtPercent", id="unknown-key"),
    pytest.param({"name": "acme", "rateLimits": {"requestsPerSecond": 2}}, "requestsPerSecond", id="unknown-limit"),
    pytest.param({"name": "acme", "allowedModels": "gpt-4o"}, "allowedModels", id="models-not-a-list"),
    pytest.param({"monthlyBudgetUsd": 5}, "name", id="no-name"),
])
def test_the_schema_refuses_a_tenant_policy_it_does_not_know(entry, pointer):
    with pytest.raises(RenderError) as error:
        render_chart(values={"global": {"tenants": [entry]}})
    assert pointer in error.value.stderr


def test_the_monitoring_chart_alone_reads_its_own_global_tenants():
    manifest = render_chart(UMBRELLA_CHART / "charts" / "monitoring", values={
        "prometheus": {"enabled": True}, "global": {"tenants": [{"name": "acme", "monthlyBudgetUsd": 5}]}})
    rules = yaml.safe_load(manifest.get("ConfigMap", "obs-prometheus-rules")["data"]["agent-observability.yaml"])
    budgets = [rule for group in rules["groups"] for rule in group["rules"] if rule.get("record") == "tenant_monthly_budget_usd"]
    assert [(rule["labels"]["tenant_id"], rule["expr"]) for rule in budgets] == [("acme", "vector(5)")]


def test_every_alert_carries_a_family_and_links_its_panel_when_grafana_is_known():
    manifest = render_chart(values={**EXISTING_STACK, "monitoring": {**EXISTING_STACK["monitoring"],
                                                                     "alerts": {"grafanaUrl": "https://grafana.example.com/"}}})
    [rule] = manifest.of_kind("PrometheusRule")
    alerts = [r for group in rule["spec"]["groups"] for r in group["rules"] if "alert" in r]
    dashboards = {json.loads(path.read_text())["uid"]: json.loads(path.read_text()) for path in DASHBOARD_FILES}
    for alert in alerts:
        assert alert["labels"]["family"] in {"agent", "cost", "budget", "model-policy", "rate-limit", "objective",
                                             "pipeline"}, alert["alert"]
        url = alert["annotations"]["dashboard_url"]
        assert url.startswith("https://grafana.example.com/d/"), url
        uid, query = url.removeprefix("https://grafana.example.com/d/").split("/?")
        panel_ids = {f"panel-{panel['id']}" for panel in dashboards[uid]["panels"]}
        params = dict(part.split("=", 1) for part in query.split("&"))
        assert params["viewPanel"] in panel_ids, alert["alert"]
        assert params["var-namespace"] == "observability" and params["var-release"] == "obs"
    without = render_chart(values=EXISTING_STACK).of_kind("PrometheusRule")[0]
    assert not any("dashboard_url" in r.get("annotations", {}) for g in without["spec"]["groups"] for r in g["rules"])

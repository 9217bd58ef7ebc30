"""Every reference in every render resolves (STYLE rule 15): each in-cluster host is a rendered
Service with that port; each Secret, ConfigMap, ServiceAccount and claim a pod names is rendered,
generated or the user's; each selector selects something; Prometheus scrapes the collector.

The renders: the shipped values files; each subchart's nameOverride and fullnameOverride set
alone as a user would, with NetworkPolicies off and on (only production turns them on); each
Secret the umbrella names replaced by the user's own; release names of Helm's longest (53
characters) and of one character; a sample of the fuzzed values (test_fuzzed_values'
generators). Besides rendering, an override, a Secret or a release name may be refused, when
Helm's message names the value that cannot work; a fuzzed values file may be refused at all
(that the refusal is clear is test_fuzzed_values' concern). A render that succeeds with a
dangling reference fails.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from harness.paths import REPO_ROOT, SUBCHARTS, shipped_values_files
from harness.references import (
    cluster_address, hosts_in, report, unmatched_selectors, unresolved_hosts, unresolved_objects,
    unscraped_collector, user_strings,
)
from harness.render import DEFAULT_RELEASE, Manifest, RenderError, render_chart
from unit.test_fuzzed_values import from_schemas, from_shipped_files

LONGEST_RELEASE = "release-name-at-helms-limit-of-fifty-three-characters"
assert len(LONGEST_RELEASE) == 53


@dataclass
class Render:
    """One render of the umbrella chart, and what a refusal of it must name to be accepted
    (None: it must render; "": any refusal is accepted)."""

    values_files: tuple[Path, ...] = ()
    values: dict | None = None
    release: str = DEFAULT_RELEASE
    refusal_names: str | None = None
    api_versions: tuple[str, ...] = ()
    user: frozenset[str] = field(init=False)

    def __post_init__(self):
        self.user = user_strings(self.values_files, self.values, self.release)


def fuzzed_values(strategy, count: int) -> list[dict]:
    """The first `count` values files a fuzzing strategy draws, the same on every run."""
    drawn: list[dict] = []

    @settings(max_examples=count, derandomize=True, database=None, phases=(Phase.generate,),
              deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(values):
        drawn.append(values)

    draw()
    return list({json.dumps(values, sort_keys=True): values for values in drawn}.values())


# The first values files of each of test_fuzzed_values' strategies: a sample, since each is a
# render of its own (REFERENCE_FUZZ_EXAMPLES=160 checks as many as test_fuzzed_values tries).
FUZZ_SAMPLE = int(os.environ.get("REFERENCE_FUZZ_EXAMPLES", "40"))
FUZZED = [(name, index, values)
          for name, strategy in (("from-schemas", from_schemas()), ("from-shipped-files", from_shipped_files()))
          for index, values in enumerate(fuzzed_values(strategy, max(FUZZ_SAMPLE // 2, 1)))]

# The Secrets the umbrella's values name, which a user may replace by one of their own.
EXISTING_SECRETS = ("langfuse.secrets.existingSecret", "langfuse.init.projectKeys.existingSecret",
                    "langfuse.init.admin.existingSecret", "postgres.auth.existingSecret",
                    "clickhouse.auth.existingSecret", "valkey.auth.existingSecret",
                    "object-storage.auth.existingSecret", "otel-collector.langfuse.projectKeys.existingSecret",
                    "monitoring.grafana.admin.existingSecret")
NETWORK_POLICIES_ON = {"global": {"networkPolicy": {"enabled": True}}}
# Sampling on several replicas: each routes traces, by trace ID, to the replica that decides
# them, found through a headless Service (the loadbalancing exporter's DNS resolver).
SAMPLING_ROUTED = {"otel-collector": {"replicas": 3, "sampling": {"enabled": True}}}
# Valkey with Sentinel: LangFuse reaches the primary through each pod's Sentinel, by pod name
# behind the headless Service.
VALKEY_SENTINEL = {"valkey": {"sentinel": {"enabled": True}}, "langfuse": {"redis": {"sentinel": {"enabled": True}}}}
# PostgreSQL as a CloudNativePG Cluster, with everything that names something of another
# object on: backups (their ObjectStore and Secret), the PodMonitor, the import from the old
# StatefulSet's Service, on an API server that serves those kinds.
CLOUDNATIVEPG = {"postgres": {"cloudnativepg": {
    "enabled": True, "monitoring": {"podMonitor": {"enabled": True}},
    "backup": {"enabled": True, "destinationPath": "s3://langfuse-backups/obs",
               "s3Credentials": {"existingSecret": "backup-s3", "regionKey": "REGION"}}}},
    "langfuse": {"database": {"cloudnativepg": True}}}
CLOUDNATIVEPG_IMPORT = {"postgres": {"cloudnativepg": {"enabled": True, "import": {
    "enabled": True, "host": "{{ .Release.Name }}-postgres", "existingSecret": "{{ .Release.Name }}-postgres-auth"}}},
    "langfuse": {"database": {"cloudnativepg": True}}}
CLOUDNATIVEPG_API = ("postgresql.cnpg.io/v1/Cluster", "postgresql.cnpg.io/v1/ScheduledBackup",
                     "barmancloud.cnpg.io/v1/ObjectStore", "monitoring.coreos.com/v1/PodMonitor")
# ClickHouse as a cluster: each replica names every replica and Keeper node by its pod's DNS
# name and port (remote_servers, zookeeper, raft_configuration), under their headless Services.
CLICKHOUSE_CLUSTER = {"clickhouse": {"cluster": {"enabled": True}}, "langfuse": {"clickhouse": {"clusterEnabled": True}}}
# LangFuse's worker sends its queue metrics to the collector (DD_DOGSTATSD_HOST and _PORT) and
# KEDA scales it on them, asking the monitoring chart's Prometheus (serverAddress).
QUEUE_SCALING = {"otel-collector": {"statsd": {"enabled": True}},
                 "langfuse": {"worker": {"dogstatsd": {"enabled": True}, "autoscaling": {"external": True}}},
                 "workerScaling": {"keda": {"enabled": True}}}


def setting(path: str, value) -> dict:
    """{"a": {"b": value}} for "a.b", as `--set a.b=value` gives it."""
    *parents, key = path.split(".")
    values = {key: value}
    for parent in reversed(parents):
        values = {parent: values}
    return values


OVERRIDES = [(f"{chart.name}.{key}", value) for chart in SUBCHARTS
             for key, value in (("nameOverride", "renamed"), ("fullnameOverride", "custom"))]

RENDERS = [
    *[pytest.param(Render(values_files=(path,)), id=str(path.relative_to(REPO_ROOT)))
      for path in shipped_values_files()],
    *[pytest.param(Render(values=setting(path, value), refusal_names=path), id=f"{path}={value}")
      for path, value in OVERRIDES],
    # NetworkPolicies name pods by label, and only the production file turns them on.
    pytest.param(Render(values=NETWORK_POLICIES_ON), id="network-policies-on"),
    pytest.param(Render(values=SAMPLING_ROUTED), id="sampling-routed-by-trace-id"),
    pytest.param(Render(values={**NETWORK_POLICIES_ON, **SAMPLING_ROUTED}), id="network-policies-on,sampling-routed"),
    pytest.param(Render(values=VALKEY_SENTINEL), id="valkey-sentinel"),
    pytest.param(Render(values={**NETWORK_POLICIES_ON, **VALKEY_SENTINEL}), id="network-policies-on,valkey-sentinel"),
    pytest.param(Render(values=CLOUDNATIVEPG, api_versions=CLOUDNATIVEPG_API), id="postgres-on-cloudnativepg"),
    pytest.param(Render(values={**NETWORK_POLICIES_ON, **CLOUDNATIVEPG}, api_versions=CLOUDNATIVEPG_API),
                 id="network-policies-on,postgres-on-cloudnativepg"),
    pytest.param(Render(values=CLOUDNATIVEPG_IMPORT, api_versions=CLOUDNATIVEPG_API),
                 id="postgres-on-cloudnativepg-imported-from-the-statefulset"),
    pytest.param(Render(values=CLICKHOUSE_CLUSTER), id="clickhouse-cluster"),
    pytest.param(Render(values={**NETWORK_POLICIES_ON, **CLICKHOUSE_CLUSTER}), id="network-policies-on,clickhouse-cluster"),
    pytest.param(Render(values=QUEUE_SCALING), id="queue-metrics-and-keda"),
    *[pytest.param(Render(values={**NETWORK_POLICIES_ON, **setting(path, value)}, refusal_names=path),
                   id=f"network-policies-on,{path}={value}")
      for path, value in OVERRIDES],
    *[pytest.param(Render(values=setting(path, "my-secret"), refusal_names=path), id=f"{path}=my-secret")
      for path in EXISTING_SECRETS],
    *[pytest.param(Render(release=release, refusal_names="release name"),
                   id=f"release-name-of-{len(release)}-characters")
      for release in (LONGEST_RELEASE, "o")],
    *[pytest.param(Render(values=values, refusal_names=""), id=f"fuzzed-{name}-{index:03d}")
      for name, index, values in FUZZED],
]


@functools.cache
def _outcome(key: str) -> Manifest | RenderError:
    """A render's objects or Helm's refusal; kept, as render_chart keeps only successes, since
    four tests read each render."""
    values, values_files, release, api_versions = json.loads(key)
    try:
        # Schema validation is test_values_files' and test_fuzzed_values' concern.
        return render_chart(values=values, values_files=tuple(values_files), release=release, validate=False,
                            api_versions=tuple(api_versions))
    except RenderError as error:
        return error


def manifest_of(render: Render) -> Manifest | None:
    """The render's objects; None when Helm refused it with an accepted message."""
    outcome = _outcome(json.dumps([render.values, [str(f) for f in render.values_files], render.release,
                                   list(render.api_versions)]))
    if isinstance(outcome, RenderError):
        if render.refusal_names is None:
            raise outcome
        assert render.refusal_names.lower() in outcome.stderr.lower(), \
            f"refused without naming {render.refusal_names}:\n{outcome.stderr}"
        return None
    return outcome


@pytest.mark.parametrize("render", RENDERS)
def test_every_in_cluster_host_is_a_rendered_service_with_that_port(render):
    manifest = manifest_of(render)
    found = unresolved_hosts(manifest, render.user) if manifest else []
    assert not found, "\n" + report(found)


@pytest.mark.parametrize("render", RENDERS)
def test_every_named_secret_config_map_account_and_claim_exists(render):
    manifest = manifest_of(render)
    found = unresolved_objects(manifest, render.user) if manifest else []
    assert not found, "\n" + report(found)


@pytest.mark.parametrize("render", RENDERS)
def test_every_selector_selects_a_rendered_object(render):
    manifest = manifest_of(render)
    found = unmatched_selectors(manifest) if manifest else []
    assert not found, "\n" + report(found)


@pytest.mark.parametrize("render", RENDERS)
def test_prometheus_and_the_service_monitor_scrape_the_collectors_service(render):
    manifest = manifest_of(render)
    found = unscraped_collector(manifest) if manifest else []
    assert not found, "\n" + report(found)


# The checker itself: each kind of broken reference is reported, in the chart's own render
# with one object taken away, and in hand-built objects.

COLLECTOR_WORKLOADS = ("Deployment", "StatefulSet")  # a StatefulSet while its queue is on disk

@pytest.mark.parametrize(("kinds", "name", "check", "reported"), [
    pytest.param(("Service",), "obs-langfuse-web", unresolved_hosts,
                 "ConfigMap/obs-otel-collector data delivery-guard.cfg -> obs-langfuse-web:3000",
                 id="langfuse-web-service-gone"),
    pytest.param(("Service",), "obs-otel-collector", unresolved_hosts,
                 "ConfigMap/obs-agent-connection data OTEL_EXPORTER_OTLP_ENDPOINT -> "
                 "obs-otel-collector.observability.svc:4318", id="collector-service-gone"),
    pytest.param(("ConfigMap",), "obs-secret-generator", unresolved_objects,
                 "container otel-collector env LANGFUSE_PUBLIC_KEY -> "
                 "Secret 'obs-langfuse-project-keys' key 'public-key'",
                 id="secret-generator-gone"),
    pytest.param(("ServiceAccount",), "obs-langfuse", unresolved_objects,
                 "Deployment/obs-langfuse-web serviceAccountName", id="langfuse-service-account-gone"),
    pytest.param(COLLECTOR_WORKLOADS, "obs-otel-collector", unmatched_selectors,
                 "Service/obs-otel-collector -> selector", id="collector-pods-gone-from-its-service"),
    pytest.param(COLLECTOR_WORKLOADS, "obs-otel-collector", unscraped_collector, "job observability/obs-otel-collector-genai",
                 id="collector-pods-gone-from-prometheus"),
])
def test_the_checker_reports_an_object_taken_out_of_the_default_render(kinds, name, check, reported):
    whole = render_chart(validate=False)
    assert reported not in report(check(whole))
    broken = Manifest(tuple(obj for obj in whole if not (obj["kind"] in kinds and obj["metadata"]["name"] == name)))
    assert reported in report(check(broken))


def without_cluster(objects):
    return [obj for obj in objects if obj["kind"] != "Cluster"]


def without_generated_username(objects):
    changed = []
    for obj in objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "obs-secret-generator":
            spec = json.loads(obj["data"]["secrets.json"])
            for secret in spec["secrets"]:
                secret["keys"].pop("username", None)
            obj = {**obj, "data": {**obj["data"], "secrets.json": json.dumps(spec)}}
        changed.append(obj)
    return changed


def with_pod_monitor_on_another_port(objects):
    return [{**obj, "spec": {**obj["spec"], "podMetricsEndpoints": [{"port": "exporter"}]}}
            if obj["kind"] == "PodMonitor" else obj for obj in objects]


@pytest.mark.parametrize(("break_it", "check", "reported"), [
    pytest.param(without_cluster, unresolved_hosts,
                 "ConfigMap/obs-langfuse data DATABASE_HOST -> obs-postgres-rw:5432", id="cluster-gone"),
    pytest.param(without_generated_username, unresolved_objects,
                 "Cluster/obs-postgres bootstrap.initdb.secret -> Secret 'obs-postgres-auth' key 'username'",
                 id="secret-without-the-username"),
    pytest.param(with_pod_monitor_on_another_port, unmatched_selectors,
                 "PodMonitor/obs-postgres endpoint -> port 'exporter'", id="pod-monitor-on-a-port-the-pods-lack"),
])
def test_the_checker_reports_what_cloudnativepgs_objects_name_and_nothing_provides(break_it, check, reported):
    whole = render_chart(values=CLOUDNATIVEPG, api_versions=CLOUDNATIVEPG_API, validate=False)
    assert reported not in report(check(whole))
    assert reported in report(check(Manifest(tuple(break_it(list(whole)))))), report(check(Manifest(tuple(break_it(list(whole))))))


SAMPLING_RESOLVER = ("ConfigMap/obs-otel-collector data config.yaml exporter loadbalancing/sampling resolver dns -> "
                     "obs-otel-collector-sampling:14317")


def is_sampling_service(obj) -> bool:
    return obj["kind"] == "Service" and obj["metadata"]["name"] == "obs-otel-collector-sampling"


def without_sampling_service(objects):
    return [obj for obj in objects if not is_sampling_service(obj)]


def with_cluster_ip(objects):
    return [{**obj, "spec": {**obj["spec"], "clusterIP": ""}} if is_sampling_service(obj) else obj
            for obj in objects]


def without_sampling_container_port(objects):
    changed = []
    for obj in objects:
        if obj["kind"] == "StatefulSet" and obj["metadata"]["name"] == "obs-otel-collector":
            obj = copy.deepcopy(obj)
            for container in obj["spec"]["template"]["spec"]["containers"]:
                container["ports"] = [port for port in container.get("ports", []) if port.get("name") != "sampling"]
        changed.append(obj)
    return changed


@pytest.mark.parametrize(("break_it", "reason"), [
    pytest.param(without_sampling_service, "no Service 'obs-otel-collector-sampling'", id="headless-service-gone"),
    pytest.param(with_cluster_ip, "is not headless", id="service-with-a-cluster-ip"),
    pytest.param(without_sampling_container_port, "no container port 14317", id="pods-not-listening"),
])
def test_the_checker_reports_a_sampling_resolver_that_does_not_reach_each_collector(break_it, reason):
    whole = render_chart(values=SAMPLING_ROUTED, validate=False)
    assert SAMPLING_RESOLVER not in report(unresolved_hosts(whole))
    found = report(unresolved_hosts(Manifest(tuple(break_it(list(whole))))))
    assert SAMPLING_RESOLVER in found and reason in found, found


def service(name, ports, selector=None, labels=None):
    return {"kind": "Service", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"selector": selector or {"app": name},
                     "ports": [{"name": port_name, "port": port, "targetPort": port_name}
                               for port_name, port in ports.items()]}}


def deployment(name, labels=None, env=(), ports=None, pod_spec=None):
    container = {"name": "main", "image": "example", "env": list(env),
                 "ports": [{"name": port_name, "containerPort": port} for port_name, port in (ports or {}).items()]}
    return {"kind": "Deployment", "metadata": {"name": name},
            "spec": {"template": {"metadata": {"labels": labels or {"app": name}},
                                  "spec": {"containers": [container], **(pod_spec or {})}}}}


def config_map(name, data):
    return {"kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def network_policy(name, pod_selector, peers):
    return {"kind": "NetworkPolicy", "metadata": {"name": name},
            "spec": {"podSelector": pod_selector, "ingress": [{"from": peers}]}}


def manifest(*objects):
    return Manifest(tuple(objects))


WEB = [service("web", {"http": 3000}), deployment("web", ports={"http": 3000})]


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("endpoint: http://web:3000/api/public/otel", [("web", 3000)], id="url"),
    pytest.param("url: https://web/health", [("web", 443)], id="url-with-the-schemes-port"),
    pytest.param("CLICKHOUSE_MIGRATION_URL=clickhouse://user:pw@ch.observability.svc:9000",
                 [("ch.observability.svc", 9000)], id="url-with-credentials"),
    pytest.param("server langfuse web.observability.svc.cluster.local:3000 check",
                 [("web.observability.svc.cluster.local", 3000)], id="host-and-port"),
    pytest.param("datasource at web.observability.svc", [("web.observability.svc", None)], id="service-dns-name"),
    pytest.param("pg-0.pg-headless:5432", [("pg-0.pg-headless", 5432)], id="statefulset-pod"),
    pytest.param("<replica>\n  <host>ch-0.ch-headless.observability.svc.cluster.local</host>\n  <port>9000</port>",
                 [("ch-0.ch-headless.observability.svc.cluster.local", 9000)], id="xml-host-and-port"),
    pytest.param("<server><id>1</id><hostname>keeper-0.keeper-headless</hostname><port>9234</port></server>",
                 [("keeper-0.keeper-headless", 9234)], id="xml-hostname-and-port"),
    pytest.param("http://web:$(PORT)/x", [("web", None)], id="port-from-a-variable"),
    pytest.param("image: docker.io/langfuse/langfuse:4.16.0 at 12:30:00, s3://bucket/key, ${port:9000}", [],
                 id="images-times-buckets-and-shell-defaults-are-no-hosts"),
])
def test_the_checker_finds_hosts_in_every_form(text, expected):
    assert list(hosts_in(text)) == expected


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "0.0.0.0", "langfuse.example.com",
                                  "master.cache.amazonaws.com"])
def test_the_checker_leaves_loopback_and_external_hosts_alone(host):
    assert cluster_address(host, "observability", {"web"}) is None


def test_the_checker_reports_a_url_to_a_missing_service():
    config = config_map("collector", {"config.yaml": "endpoint: http://api:3000/otel"})
    found = unresolved_hosts(manifest(*WEB, config))
    assert [(entry.referrer, entry.target) for entry in found] == \
        [("ConfigMap/collector data config.yaml", "api:3000")]
    assert "no Service 'api'" in found[0].reason


def test_the_checker_reports_a_wrong_port():
    found = unresolved_hosts(manifest(*WEB, deployment("agent", env=[{"name": "URL", "value": "http://web:8080"}])))
    assert [(entry.referrer, entry.target) for entry in found] == \
        [("Deployment/agent container main env URL", "web:8080")]
    assert "has no port 8080" in found[0].reason


def test_the_checker_reports_a_url_to_a_service_whose_name_is_too_long_to_exist():
    name = "release-name-at-helms-limit-of-fifty-three-characters-langfuse-web"
    found = unresolved_hosts(manifest(service(name, {"http": 3000}), deployment(name, ports={"http": 3000}),
                                      config_map("urls", {"URL": f"http://{name}:3000"})))
    assert "longer than a DNS label" in report(found)


def test_the_checker_reads_host_and_port_pairs_and_expands_variables():
    env = [{"name": "REDIS_HOST", "value": "valkey"}, {"name": "REDIS_PORT", "value": "6379"},
           {"name": "WEB_HOST", "value": "web"}, {"name": "WEB_PORT", "value": "80"},
           {"name": "API_URL", "value": "http://$(WEB_HOST):3000"}]
    found = unresolved_hosts(manifest(*WEB, deployment("app", env=env)))
    assert sorted(entry.target for entry in found) == ["valkey:6379", "web:80"]


def test_the_checker_accepts_a_statefulset_pod_behind_its_headless_service_only():
    statefulset = {"kind": "StatefulSet", "metadata": {"name": "pg"},
                   "spec": {"serviceName": "pg-headless", "replicas": 1,
                            "template": deployment("pg")["spec"]["template"]}}
    objects = [service("pg-headless", {"pg": 5432}, selector={"app": "pg"}), statefulset,
               config_map("urls", {"good": "pg-0.pg-headless:5432", "bad": "pg-1.pg-headless:5432"})]
    found = unresolved_hosts(manifest(*objects))
    assert [entry.target for entry in found] == ["pg-1.pg-headless:5432"]


def test_the_checker_reports_a_clickhouse_replica_or_keeper_node_that_does_not_exist():
    whole = render_chart(values=CLICKHOUSE_CLUSTER, validate=False)
    assert not unresolved_hosts(whole)
    fewer = [{**obj, "spec": {**obj["spec"], "replicas": 2}}
             if obj["kind"] == "StatefulSet" and obj["metadata"]["name"] in ("obs-clickhouse", "obs-clickhouse-keeper")
             else obj for obj in whole]
    found = report(unresolved_hosts(Manifest(tuple(fewer))))
    assert "obs-clickhouse-2.obs-clickhouse-headless" in found
    assert "obs-clickhouse-keeper-2.obs-clickhouse-keeper-headless" in found


def test_the_checker_reports_a_secret_nobody_creates():
    env = [{"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "obs-project-keys", "key": "public-key"}}}]
    found = unresolved_objects(manifest(deployment("collector", env=env)))
    assert [(entry.referrer, entry.target) for entry in found] == \
        [("Deployment/collector container main env KEY", "Secret 'obs-project-keys' key 'public-key'")]


def test_a_secret_is_found_when_rendered_generated_or_the_users():
    env = [{"name": name, "valueFrom": {"secretKeyRef": {"name": name.lower(), "key": "password"}}}
           for name in ("RENDERED", "GENERATED", "USERS")]
    rendered = {"kind": "Secret", "metadata": {"name": "rendered"},
                "data": {"password": base64.b64encode(b"x").decode()}}
    generator = config_map("generator", {"secrets.json": json.dumps(
        {"secrets": [{"name": "generated", "keys": {"password": "alnum:24"}}]})})
    objects = manifest(deployment("app", env=env), rendered, generator)
    assert unresolved_objects(objects, user=frozenset({"users"})) == []
    assert [entry.target for entry in unresolved_objects(objects)] == ["Secret 'users' key 'password'"]


def test_the_checker_reads_secret_names_written_into_settings():
    env = [{"name": "PROJECT_KEYS_SECRET", "value": "obs-langfuse-project-keys"},
           {"name": "NEXTAUTH_SECRET", "value": "c2VjcmV0"}]  # a value, not a name
    objects = manifest(deployment("agent", env=env),
                       config_map("agent", {"GRAFANA_ADMIN_SECRET_NAME": "obs-grafana-admin"}))
    assert sorted(entry.target for entry in unresolved_objects(objects)) == \
        ["Secret 'obs-grafana-admin'", "Secret 'obs-langfuse-project-keys'"]


def test_the_checker_reports_a_missing_key_of_a_generated_secret():
    env = [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "generated", "key": "pasword"}}}]
    generator = config_map("generator", {"secrets.json": json.dumps(
        {"secrets": [{"name": "generated", "keys": {"password": "alnum:24"}}]})})
    found = unresolved_objects(manifest(deployment("app", env=env), generator))
    assert "has no such key" in report(found)


def test_the_checker_reports_missing_config_maps_accounts_and_claims():
    pod_spec = {"serviceAccountName": "app",
                "volumes": [{"name": "config", "configMap": {"name": "app-config"}},
                            {"name": "ca", "configMap": {"name": "kube-root-ca.crt"}},
                            {"name": "data", "persistentVolumeClaim": {"claimName": "app-data"}}]}
    found = unresolved_objects(manifest(deployment("app", pod_spec=pod_spec)))
    assert sorted(entry.target for entry in found) == \
        ["ConfigMap 'app-config'", "PersistentVolumeClaim 'app-data'", "ServiceAccount 'app'"]


def test_the_checker_reports_a_network_policy_peer_matching_nothing():
    policy = network_policy("web", {"matchLabels": {"app": "web"}},
                            [{"podSelector": {"matchLabels": {"app": "collector"}}},
                             {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "agent"}}}])
    found = unmatched_selectors(manifest(*WEB, policy))
    assert [(entry.referrer, entry.target) for entry in found] == \
        [("NetworkPolicy/web ingress peer", 'podSelector {"matchLabels": {"app": "collector"}}')]


def test_the_checker_reports_selectors_and_targets_matching_nothing():
    objects = [
        service("web", {"http": 3000}, selector={"app": "website"}),
        service("api", {"grpc": 4317}, selector={"app": "web"}),
        deployment("web", ports={"http": 3000}),
        network_policy("nothing", {"matchLabels": {"app": "gone"}}, []),
        {"kind": "PodDisruptionBudget", "metadata": {"name": "web"},
         "spec": {"selector": {"matchLabels": {"app": "webb"}}}},
        {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
         "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "obs-web"}}},
        {"kind": "ServiceMonitor", "metadata": {"name": "web"},
         "spec": {"selector": {"matchLabels": {"app": "nothing"}}, "endpoints": [{"port": "http"}]}},
    ]
    found = report(unmatched_selectors(manifest(*objects)))
    for broken in ("Service/web -> selector", "Service/api port grpc -> targetPort 'grpc'",
                   "NetworkPolicy/nothing -> podSelector", "PodDisruptionBudget/web -> selector",
                   "HorizontalPodAutoscaler/web scaleTargetRef -> Deployment 'obs-web'",
                   "ServiceMonitor/web -> selector"):
        assert broken in found


def collector(name="obs-otel-collector", labels=None):
    labels = labels or {"app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/instance": "obs"}
    return [service(name, {"metrics": 8889}, selector=labels,
                    labels={**labels, "helm.sh/chart": "otel-collector-0.1.0"}),
            deployment(name, labels=labels, ports={"metrics": 8889, "health": 13133})]


def prometheus(port_name, name_label="otel-collector"):
    job = {"job_name": "otel-collector-genai", "kubernetes_sd_configs": [{"role": "pod"}],
           "relabel_configs": [
               {"action": "keep", "source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
                "regex": name_label},
               {"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"],
                "regex": port_name}]}
    return config_map("prometheus", {"prometheus.yml": json.dumps({"scrape_configs": [job]})})


def test_prometheus_scraping_the_collectors_metrics_port_passes():
    assert unscraped_collector(manifest(*collector(), prometheus("metrics"))) == []


@pytest.mark.parametrize(("config", "reason"), [
    (prometheus("metrics", name_label="collector"), "keep no rendered target"),
    (prometheus("health"), "the collector's Service routes to ['metrics']"),
])
def test_the_checker_reports_prometheus_missing_the_collector(config, reason):
    assert reason in report(unscraped_collector(manifest(*collector(), config)))


def test_the_checker_reports_a_service_monitor_selecting_another_service():
    monitor = {"kind": "ServiceMonitor", "metadata": {"name": "collector"},
               "spec": {"selector": {"matchLabels": {"app": "web"}}, "endpoints": [{"port": "http"}]}}
    found = unscraped_collector(manifest(*collector(), *WEB, monitor))
    assert "does not select the collector's Service" in report(found)


def without_statsd_service_port(objects):
    return [{**obj, "spec": {**obj["spec"], "ports": [p for p in obj["spec"]["ports"] if p["name"] != "statsd"]}}
            if obj["kind"] == "Service" and obj["metadata"]["name"] == "obs-otel-collector" else obj
            for obj in objects]


def without(kind: str, name: str):
    return lambda objects: [obj for obj in objects if not (obj["kind"] == kind and obj["metadata"]["name"] == name)]


@pytest.mark.parametrize(("break_it", "check", "reported"), [
    pytest.param(without_statsd_service_port, unresolved_hosts,
                 "Deployment/obs-langfuse-worker container worker env DD_DOGSTATSD_HOST -> obs-otel-collector:8125",
                 id="collector-without-its-statsd-port"),
    pytest.param(without("Service", "obs-prometheus"), unresolved_hosts,
                 "ScaledObject/obs-langfuse-worker trigger prometheus serverAddress -> obs-prometheus.observability.svc:9090",
                 id="prometheus-service-gone"),
    pytest.param(without("Deployment", "obs-langfuse-worker"), unresolved_objects,
                 "ScaledObject/obs-langfuse-worker scaleTargetRef", id="worker-gone-from-its-scaler"),
])
def test_the_checker_reports_the_queue_metrics_and_scaler_references(break_it, check, reported):
    whole = render_chart(values=QUEUE_SCALING, validate=False)
    assert reported not in report(check(whole))
    assert reported in report(check(Manifest(tuple(break_it(list(whole))))))

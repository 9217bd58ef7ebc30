"""The OpenTelemetry Collector subchart, rendered inside the umbrella: pod, Service, wiring to
LangFuse, credentials by reference, queues, metrics configuration, and bad input."""

import importlib.util
import re
import subprocess
import sys

import pytest
import yaml

from harness import delivery_guard
from harness.collector import component_types, queue_claims, rendered_config, rendered_container, rendered_workload
from harness.paths import REPO_ROOT, UMBRELLA_CHART
from harness.render import RenderError, render_chart

NAME = "obs-otel-collector"
SUBCHART = UMBRELLA_CHART / "charts" / "otel-collector"
MANIFEST = REPO_ROOT / "hack" / "tools" / "otelcol" / "manifest.yaml"
APP_VERSION = yaml.safe_load((SUBCHART / "Chart.yaml").read_text())["appVersion"]
EVERY_DESTINATION = {"otel-collector": {"destinations": {
    "langsmith": {"enabled": True, "existingSecret": "langsmith", "project": "agents"},
    "otlp": {"enabled": True, "endpoint": "tempo.tempo:4317", "auth": {"existingSecret": "tempo-auth"}},
    "xray": {"enabled": True, "region": "eu-west-1", "existingSecret": "xray-keys"},
    "debug": {"enabled": True}}}}
# ocb names a component's module after its type, without the underscores of newer type names.
MODULE_TYPE_ALIASES = {"otlp_grpc": "otlp", "otlp_http": "otlphttp"}


def collector(values=None):
    manifest = render_chart(values=values)
    return manifest, rendered_config(manifest, NAME), rendered_container(manifest, NAME)


def guard_upstream(guard_config: str) -> tuple[str, str]:
    """The address of the delivery guard's server line and its options after `init-addr libc`."""
    [(address, options)] = re.findall(r"^\s*server langfuse (\S+) init-addr libc(.*)$", guard_config, re.MULTILINE)
    return address, options.strip()


def manifest_types():
    """{kind: {type}} of the components hack/tools/otelcol/manifest.yaml builds into bin/otelcol."""
    manifest = yaml.safe_load(MANIFEST.read_text())
    suffixes = {"receivers": "receiver", "processors": "processor", "exporters": "exporter",
                "connectors": "connector", "extensions": "extension"}
    return {kind: {entry["gomod"].split()[0].rsplit("/", 1)[-1].removesuffix(suffix)
                   for entry in manifest.get(kind, [])} for kind, suffix in suffixes.items()}


def test_the_collector_runs_the_pinned_contrib_image_the_test_binary_is_built_at():
    _, _, container = collector()
    assert container["image"] == f"docker.io/otel/opentelemetry-collector-contrib:{APP_VERSION}"
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert manifest["dist"]["version"] == APP_VERSION
    modules = [entry["gomod"] for kind in ("receivers", "processors", "exporters", "connectors", "extensions")
               for entry in manifest[kind]]
    assert all(module.endswith(f" v{APP_VERSION}") for module in modules), modules


QUEUE_METRICS = {"otel-collector": {"statsd": {"enabled": True}}, "langfuse": {"worker": {"dogstatsd": {"enabled": True}}}}


@pytest.mark.parametrize("values", [None, EVERY_DESTINATION, QUEUE_METRICS],
                         ids=["defaults", "every destination", "langfuse queue metrics"])
def test_every_component_the_chart_configures_is_built_into_the_test_collector(values):
    _, config, _ = collector(values)
    built = manifest_types()
    for kind, types in component_types(config).items():
        wanted = {MODULE_TYPE_ALIASES.get(t, t).replace("_", "") for t in types}
        assert wanted <= built[kind], f"hack/tools/otelcol/manifest.yaml lacks the {kind} {wanted - built[kind]}"


def test_the_service_takes_otlp_over_grpc_and_http_and_exposes_both_metrics_endpoints():
    manifest, config, container = collector()
    ports = {p["name"]: p for p in manifest.get("Service", NAME)["spec"]["ports"]}
    assert (ports["otlp-grpc"]["port"], ports["otlp-grpc"]["appProtocol"]) == (4317, "grpc")
    assert ports["otlp-http"]["port"] == 4318
    assert ports["metrics"]["port"] == 8889 and config["exporters"]["prometheus"]["endpoint"] == "0.0.0.0:8889"
    [reader] = config["service"]["telemetry"]["metrics"]["readers"]
    assert ports["telemetry"]["port"] == reader["pull"]["exporter"]["prometheus"]["port"] == 8888
    protocols = config["receivers"]["otlp"]["protocols"]
    assert (protocols["grpc"]["endpoint"], protocols["http"]["endpoint"]) == ("0.0.0.0:4317", "0.0.0.0:4318")


def test_the_probes_call_the_health_check_extension():
    _, config, container = collector()
    health = {p["name"]: p["containerPort"] for p in container["ports"]}["health"]
    assert config["extensions"]["health_check"]["endpoint"] == f"0.0.0.0:{health}"
    assert "health_check" in config["service"]["extensions"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/", "port": "health"}


def test_the_pod_is_locked_down_and_has_its_own_service_account_without_a_token():
    manifest, _, container = collector()
    pod = rendered_workload(manifest, NAME)["spec"]["template"]["spec"]
    account = manifest.get("ServiceAccount", NAME)
    assert pod["serviceAccountName"] == NAME and account["automountServiceAccountToken"] is False
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}}


def test_traces_go_to_the_langfuse_web_service_with_basic_auth_and_the_v4_ingestion_header():
    manifest, config, _ = collector()
    exporter = config["exporters"]["otlphttp/langfuse"]
    assert exporter["endpoint"] == "http://127.0.0.1:14318/api/public/otel"  # the delivery guard
    assert guard_upstream(delivery_guard.rendered_config(manifest, NAME)) == ("obs-langfuse-web:3000", "")
    assert exporter["headers"] == {"x-langfuse-ingestion-version": "4"}
    assert exporter["auth"] == {"authenticator": "basicauth/langfuse"}
    assert config["extensions"]["basicauth/langfuse"]["client_auth"] == {
        "username": "${env:LANGFUSE_PUBLIC_KEY}", "password": "${env:LANGFUSE_SECRET_KEY}"}
    env = manifest.env(NAME, "otel-collector")
    assert env["LANGFUSE_PUBLIC_KEY"] == ("secret", "obs-langfuse-project-keys", "public-key")
    assert env["LANGFUSE_SECRET_KEY"] == ("secret", "obs-langfuse-project-keys", "secret-key")


def test_every_credential_is_a_reference_to_a_secret_never_a_value_in_the_configmap():
    manifest, config, _ = collector(EVERY_DESTINATION)
    exporters = config["exporters"]
    assert exporters["otlphttp/langsmith"]["headers"]["x-api-key"] == "${env:LANGSMITH_API_KEY}"
    assert exporters["otlp/backend"]["headers"]["Authorization"] == "${env:OTLP_BACKEND_AUTH}"
    env = manifest.env(NAME, "otel-collector")
    assert env["LANGSMITH_API_KEY"] == ("secret", "langsmith", "api-key")
    assert env["OTLP_BACKEND_AUTH"] == ("secret", "tempo-auth", "authorization")
    assert env["AWS_ACCESS_KEY_ID"] == ("secret", "xray-keys", "aws-access-key-id")
    referenced = set(re.findall(r"\$\{env:([A-Z_]+)\}", yaml.safe_dump(config)))
    assert referenced == {name for name, value in env.items() if isinstance(value, tuple)} - {"AWS_ACCESS_KEY_ID",
                                                                                            "AWS_SECRET_ACCESS_KEY"}


def test_the_traces_pipeline_forwards_spans_unmodified_and_only_the_metrics_copy_is_normalised():
    _, config, _ = collector(EVERY_DESTINATION)
    pipelines = config["service"]["pipelines"]
    # One memory limiter before the fan-out (the overload test in test_genai_metrics.py shows why).
    assert pipelines["traces/in"] == {"receivers": ["otlp"], "processors": ["memory_limiter"],
                                      "exporters": ["forward/traces"]}
    # LangFuse gets the spans as sent; the destinations outside the cluster, redacted by default,
    # get them from a pipeline of their own after the same fan-out (templates/_redaction.tpl).
    assert "processors" not in pipelines["traces"] and pipelines["traces"]["receivers"] == ["forward/traces"]
    assert pipelines["traces"]["exporters"] == ["otlphttp/langfuse"]
    assert pipelines["traces/redacted"] == {
        "receivers": ["forward/traces"], "processors": ["transform/redacted"],
        "exporters": ["awsxray", "debug", "otlp/backend", "otlphttp/langsmith", "forward/redactions-redacted"]}
    assert pipelines["traces/redactions-redacted"]["exporters"] == ["signaltometrics/redactions"]
    assert pipelines["traces/genai-metrics"]["receivers"] == ["forward/traces"]
    assert pipelines["traces/genai-metrics"]["processors"] == [
        "transform/genai-normalise", "transform/genai-labels", "batch/genai-metrics"]
    assert pipelines["metrics/genai"] == {"receivers": ["signaltometrics"],
                                          "processors": ["transform/genai-counters", "deltatocumulative"],
                                          "exporters": ["prometheus"]}


def test_every_forwarding_exporter_queues_on_disk_and_retries_until_the_destination_is_back():
    manifest, config, container = collector(EVERY_DESTINATION)
    directory = config["extensions"]["file_storage/queue"]["directory"]
    for name, exporter in config["exporters"].items():
        if name.startswith(("otlp", "otlphttp")):
            assert exporter["sending_queue"]["storage"] == "file_storage/queue", name
            assert exporter["retry_on_failure"]["enabled"] is True and \
                exporter["retry_on_failure"]["max_elapsed_time"] == "0s", name
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == directory]
    [template] = manifest.get("StatefulSet", NAME)["spec"]["volumeClaimTemplates"]
    assert template["metadata"]["name"] == mount["name"]
    assert config["processors"]["memory_limiter"]["limit_percentage"] == 80


@pytest.mark.parametrize("values, destinations, expected", [
    ({}, 1, 2 * 2**30 * 2 // 5),
    ({"persistence": {"size": "1.5Gi"}}, 1, int(1.5 * 2**30) * 2 // 5),
    (EVERY_DESTINATION["otel-collector"], 3, 2 * 2**30 * 2 // 5 // 3),
    ({"queue": {"maxBytes": "300Mi"}}, 1, 300 * 2**20),
    ({"queue": {"persistent": False}, "resources": {"limits": {"memory": "1Gi"}}}, 1, 2**30 // 5),
], ids=["defaults", "a decimal volume size", "three queued destinations share the volume", "maxBytes",
        "in memory"])
def test_each_queue_is_bounded_in_bytes_by_its_share_of_what_holds_it(values, destinations, expected):
    # The volume (or memory) runs out in bytes, whatever the spans weigh; the component test
    # test_the_queue_refuses_retryably_before_its_volume_is_full... proves the share on disk.
    _, config, _ = collector({"otel-collector": values})
    queues = [exporter["sending_queue"] for exporter in config["exporters"].values() if "sending_queue" in exporter]
    assert len(queues) == destinations
    assert all(queue["sizer"] == "bytes" and queue["queue_size"] == expected for queue in queues), queues


def test_by_default_each_replica_keeps_its_queue_on_a_claim_of_its_own_that_outlives_it():
    manifest = render_chart(values={"otel-collector": {"persistence": {"size": "5Gi", "storageClass": "gp3"}}})
    assert NAME not in manifest.names("Deployment") and NAME not in manifest.names("PersistentVolumeClaim")
    statefulset = manifest.get("StatefulSet", NAME)
    [template] = statefulset["spec"]["volumeClaimTemplates"]
    assert template["spec"] == {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                                "resources": {"requests": {"storage": "5Gi"}}}
    assert queue_claims(manifest, 2) == [f"queue-{NAME}-0", f"queue-{NAME}-1"]
    # The claim is the template's, not a pod volume; scale-in and uninstall keep it (README, Scale-in).
    assert "queue" not in {v["name"] for v in statefulset["spec"]["template"]["spec"]["volumes"]}
    assert statefulset["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain",
                                                                           "whenScaled": "Retain"}
    assert statefulset["spec"]["podManagementPolicy"] == "Parallel"
    assert statefulset["spec"]["updateStrategy"] == {"type": "RollingUpdate"}
    assert statefulset["spec"]["serviceName"] in manifest.names("Service")


@pytest.mark.parametrize("values", [{"replicas": 3}, {"autoscaling": {"enabled": True}}],
                         ids=["three replicas", "autoscaling"])
def test_the_collector_scales_out_with_its_queues_on_claims(values):
    manifest = render_chart(values={"otel-collector": values})
    statefulset = manifest.get("StatefulSet", NAME)
    assert statefulset["spec"].get("replicas") == values.get("replicas")
    assert [t["metadata"]["name"] for t in statefulset["spec"]["volumeClaimTemplates"]] == ["queue"]


def test_the_autoscaler_and_the_disruption_budget_act_on_the_statefulset():
    manifest = render_chart(values={"otel-collector": {"autoscaling": {"enabled": True},
                                                       "podDisruptionBudget": {"enabled": True}}})
    target = manifest.get("HorizontalPodAutoscaler", NAME)["spec"]["scaleTargetRef"]
    assert target == {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": NAME}
    pod_labels = manifest.get("StatefulSet", NAME)["spec"]["template"]["metadata"]["labels"]
    selector = manifest.get("PodDisruptionBudget", NAME)["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()


def test_an_existing_claim_holds_the_queue_of_the_one_replica():
    manifest = render_chart(values={"otel-collector": {"persistence": {"existingClaim": "collector-queue"}}})
    statefulset = manifest.get("StatefulSet", NAME)
    assert "volumeClaimTemplates" not in statefulset["spec"]
    volumes = {v["name"]: v for v in statefulset["spec"]["template"]["spec"]["volumes"]}
    assert volumes["queue"]["persistentVolumeClaim"] == {"claimName": "collector-queue"}


def test_without_persistence_the_queue_is_an_empty_dir_of_a_deployment():
    manifest = render_chart(values={"otel-collector": {"persistence": {"enabled": False}}})
    assert NAME not in manifest.names("StatefulSet")
    deployment = manifest.get("Deployment", NAME)
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["queue"]["emptyDir"] == {"sizeLimit": "2Gi"}


@pytest.mark.parametrize("persistence", [True, False], ids=["StatefulSet", "Deployment"])
def test_a_stopping_pod_leaves_the_endpoints_and_drains_before_sigterm(persistence):
    # The image has no shell: the sleep is the kubelet's own lifecycle action (beta, on by
    # default, since Kubernetes 1.30; the chart supports 1.31 on).
    manifest = render_chart(values={"otel-collector": {"persistence": {"enabled": persistence}}})
    pod = rendered_workload(manifest, NAME)["spec"]["template"]["spec"]
    assert rendered_container(manifest, NAME)["lifecycle"] == {"preStop": {"sleep": {"seconds": 10}}}
    assert pod["terminationGracePeriodSeconds"] == 60
    # The delivery guard outlives the collector's sleep, so the drain still reaches LangFuse.
    assert delivery_guard.rendered_container(manifest, NAME)["lifecycle"] == {"preStop": {"sleep": {"seconds": 15}}}


@pytest.mark.parametrize("values, message", [
    ({"persistence": {"existingClaim": "queue"}, "replicas": 2},
     "persistence.existingClaim is one claim, for one replica: remove it"),
    ({"persistence": {"existingClaim": "queue"}, "autoscaling": {"enabled": True}},
     "persistence.existingClaim is one claim, for one replica: remove it"),
    ({"preStopSleepSeconds": 60, "terminationGracePeriodSeconds": 60},
     "terminationGracePeriodSeconds (60) must be longer than preStopSleepSeconds (60)"),
    ({"langfuse": {"endpoint": ""}}, "set langfuse.endpoint"),
    ({"queue": {"maxBytes": "1Gi"}}, "is more than 40% of persistence.size (2Gi): the volume would fill up"),
    ({"queue": {"size": 5000}}, "otel-collector: queue.size (requests each queue held) is replaced by queue.maxBytes, "
     "the bytes each destination's queue holds: remove queue.size, and set queue.maxBytes (e.g. 300Mi) or leave it "
     "empty for 40% of persistence.size shared among the destinations"),
    ({"langfuse": {"projectKeys": {"existingSecret": ""}}}, "set langfuse.projectKeys.existingSecret"),
    ({"destinations": {"langsmith": {"enabled": True}}}, "destinations.langsmith.existingSecret"),
    ({"destinations": {"otlp": {"enabled": True}}}, "set destinations.otlp.endpoint"),
    ({"destinations": {"xray": {"enabled": True}}}, "set destinations.xray.region"),
    ({"langfuse": {"enabled": False}, "metrics": {"enabled": False}}, "nothing to do"),
    ({"prices": {"extraModels": [{"model": "x", "match": "^x$", "input": "cheap", "output": 1}]}},
     "input must be a number"),
    ({"prices": {"extraModels": [{"model": "x", "match": "^x$", "input": 1, "output": 1, "cached": 1}]}},
     "unknown keys"),
])
def test_contradictory_settings_fail_with_what_to_set(values, message):
    with pytest.raises(RenderError, match=re.escape(message)):
        render_chart(values={"otel-collector": values})


def test_users_add_and_override_components_through_values():
    _, config, _ = collector({"otel-collector": {"config": {
        "processors": {"memory_limiter": {"check_interval": "5s"},
                       "attributes/env": {"actions": [{"key": "deployment.environment.name", "value": "prod",
                                                       "action": "upsert"}]}},
        "exporters": {"otlphttp/extra": {"endpoint": "http://extra:4318"}},
        "service": {"pipelines": {"traces": {"processors": ["memory_limiter", "attributes/env"]},
                                  "traces/extra": {"receivers": ["otlp"], "exporters": ["otlphttp/extra"]},
                                  "metrics/genai": None}}}}})
    assert config["processors"]["memory_limiter"] == {"check_interval": "5s", "limit_percentage": 80,
                                                      "spike_limit_percentage": 20}
    assert config["service"]["pipelines"]["traces"]["processors"] == ["memory_limiter", "attributes/env"]
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["otlphttp/langfuse"]
    assert "traces/extra" in config["service"]["pipelines"]
    assert "metrics/genai" not in config["service"]["pipelines"]


def test_the_network_policy_admits_otlp_and_scrapes_and_lets_out_only_dns_destinations_and_https():
    values = {"global": {"networkPolicy": {"enabled": True}}, **EVERY_DESTINATION}
    policy = render_chart(values=values).get("NetworkPolicy", NAME)
    otlp, scrape = policy["spec"]["ingress"]
    assert otlp == {"ports": [{"port": "otlp-grpc", "protocol": "TCP"}, {"port": "otlp-http", "protocol": "TCP"}]}
    assert scrape == {"ports": [{"port": "metrics", "protocol": "TCP"}, {"port": "telemetry", "protocol": "TCP"}]}
    ports = {(p["port"], p["protocol"]) for rule in policy["spec"]["egress"] for p in rule["ports"]}
    # DNS, LangFuse web (3000), HTTPS (LangSmith, X-Ray), the OTLP backend (4317).
    assert ports == {(53, "UDP"), (53, "TCP"), (3000, "TCP"), (443, "TCP"), (4317, "TCP")}


def test_autoscaling_replaces_the_replica_count():
    manifest = render_chart(values={"otel-collector": {"autoscaling": {"enabled": True}}})
    assert "replicas" not in manifest.get("StatefulSet", NAME)["spec"]
    assert manifest.get("HorizontalPodAutoscaler", NAME)["spec"]["maxReplicas"] == 10


def test_gomemlimit_leaves_a_fifth_of_the_memory_limit_to_the_runtime():
    manifest, _, _ = collector({"otel-collector": {"resources": {"limits": {"memory": "1Gi"}}}})
    assert manifest.env(NAME, "otel-collector")["GOMEMLIMIT"] == "819MiB"


def test_histograms_reach_llm_scale_latencies():
    # Which labels each metric carries is checked on the real collector's output
    # (tests/component/test_genai_metrics.py); here, that the buckets fit LLM latencies.
    _, config, _ = collector()
    for metric in config["connectors"]["signaltometrics"]["spans"]:
        if "histogram" in metric:
            assert max(metric["histogram"]["buckets"]) >= (10 if metric["name"].startswith("vector") else 60)


def test_each_price_row_is_one_case_insensitive_match_in_order_with_user_rows_first():
    # What the rows match is checked on the real collector (tests/component/test_genai_metrics.py);
    # here, that each row is one statement, in order, user rows first, and case-insensitive.
    _, config, _ = collector({"otel-collector": {"prices": {"extraModels": [
        {"model": "in-house", "match": ["^in-house-\\d+b$", "^ih-"], "input": 0.5, "output": 2}]}}})
    statements = [s for group in config["processors"]["transform/genai-labels"]["trace_statements"]
                  for s in group["statements"]]
    rows = [s for s in statements if s.startswith('set(span.cache["price"]')]
    defaults = yaml.safe_load((SUBCHART / "values.yaml").read_text())["prices"]["models"]
    assert [re.search(r'"model": "([^"]+)"', row).group(1) for row in rows] == ["in-house"] + [
        row["model"] for row in defaults]
    assert rows[0] == ('set(span.cache["price"], {"model": "in-house", "input": 0.5, "output": 2.0, '
                       '"cached_input": 0.5}) where span.cache["price"] == nil and '
                       '(IsMatch(span.cache["model"], "(?i)(?:^in-house-\\\\d+b$)|(?:^ih-)"))')
    assert all(row.count('"(?i)') >= 1 for row in rows)


def test_the_default_prices_are_what_genai_prices_gives_for_their_recorded_date():
    result = subprocess.run([sys.executable, str(REPO_ROOT / "hack" / "update-model-prices.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def price_generator():
    """hack/update-model-prices.py as a module (its file name is not an identifier)."""
    spec = importlib.util.spec_from_file_location("update_model_prices", REPO_ROOT / "hack" / "update-model-prices.py")
    module = importlib.util.module_from_spec(spec)
    # It imports hack/generated_files.py, beside it, as a script run from hack/ would.
    sys.path.insert(0, str(REPO_ROOT / "hack"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(REPO_ROOT / "hack"))
    return module


def test_every_generated_price_row_takes_the_templates_fast_path_for_routed_model_names():
    # The generator writes an exact or prefix rule behind ROUTE_PREFIX; the template strips the
    # same prefix once per span and matches those patterns anchored on the cached name (several
    # times faster, bench/). A prefix changed on one side only would put every row on the slow path.
    route = price_generator().ROUTE_PREFIX
    assert f'{{{{- $route := "{route}" }}}}' in (SUBCHART / "templates" / "_config.tpl").read_text()
    defaults = yaml.safe_load((SUBCHART / "values.yaml").read_text())["prices"]["models"]
    routed = [any(pattern.startswith(route) for pattern in (row["match"] if isinstance(row["match"], list)
                                                           else [row["match"]]))
              for row in defaults]
    _, config, _ = collector()
    rows = [s for group in config["processors"]["transform/genai-labels"]["trace_statements"]
            for s in group["statements"] if s.startswith('set(span.cache["price"]')]
    assert [('IsMatch(span.cache["route"]["rest"], "(?i)^(?:' in row) for row in rows] == routed
    assert sum(routed) > len(routed) // 2  # most providers' rules are exact names or prefixes


def test_the_delivery_guard_runs_beside_the_collector_locked_down_on_loopback_from_a_pinned_image():
    manifest, config, _ = collector()
    pod = rendered_workload(manifest, NAME)["spec"]["template"]
    guard = delivery_guard.rendered_container(manifest, NAME)
    guard_config = delivery_guard.rendered_config(manifest, NAME)
    assert guard["image"] == "docker.io/library/haproxy:2.6.31-alpine"
    assert guard["args"] == ["-f", f"/conf/{delivery_guard.CONFIG_KEY}"]
    assert guard["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                        "capabilities": {"drop": ["ALL"]}, "runAsUser": 99, "runAsGroup": 99}
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "ports" not in guard  # nothing outside the pod reaches it
    health = ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:14318/delivery-guard/health"]
    assert guard["livenessProbe"]["exec"]["command"] == guard["readinessProbe"]["exec"]["command"] == health
    assert re.findall(r"^\s*bind (\S+)$", guard_config, re.MULTILINE) == ["127.0.0.1:14318"]
    assert guard["volumeMounts"] == [{"name": "config", "mountPath": "/conf", "readOnly": True}]
    # No pid file, stats socket or chroot: nothing for a read-only root filesystem to refuse.
    assert not re.search(r"^\s*(pidfile|stats socket|chroot)", guard_config, re.MULTILINE)
    assert "checksum/delivery-guard" in pod["metadata"]["annotations"]
    assert re.findall(r"set-status 503 unless \{ status (.*) \}", guard_config) == ["200:299 429 502 503 504 400"]


def test_the_delivery_guard_keeps_the_image_registry_and_follows_an_https_langfuse_with_verified_tls():
    values = {"global": {"imageRegistry": "registry.example.com"},
              "otel-collector": {"langfuse": {"endpoint": "https://cloud.langfuse.com/api/public/otel"}}}
    manifest, config, _ = collector(values)
    assert delivery_guard.rendered_container(manifest, NAME)["image"] == "registry.example.com/library/haproxy:2.6.31-alpine"
    assert config["exporters"]["otlphttp/langfuse"]["endpoint"] == "http://127.0.0.1:14318/api/public/otel"
    guard_config = delivery_guard.rendered_config(manifest, NAME)
    assert guard_upstream(guard_config) == ("cloud.langfuse.com:443",
                                            "ssl verify required ca-file @system-ca sni str(cloud.langfuse.com) "
                                            "verifyhost cloud.langfuse.com")
    assert "http-request set-header Host cloud.langfuse.com\n" in guard_config


def test_turning_the_delivery_guard_off_sends_straight_to_langfuse_again():
    manifest, config, _ = collector({"otel-collector": {"deliveryGuard": {"enabled": False}}})
    assert config["exporters"]["otlphttp/langfuse"]["endpoint"] == "http://obs-langfuse-web:3000/api/public/otel"
    assert delivery_guard.rendered_container(manifest, NAME) is None
    assert delivery_guard.rendered_config(manifest, NAME) is None
    pod = rendered_workload(manifest, NAME)["spec"]["template"]
    assert "checksum/delivery-guard" not in pod["metadata"]["annotations"]


def test_the_delivery_guard_refuses_a_port_the_collector_listens_on():
    with pytest.raises(RenderError, match="deliveryGuard.port 4318 is one of the collector's ports"):
        render_chart(values={"otel-collector": {"deliveryGuard": {"port": 4318}}})

"""LangFuse's queue metrics and the worker scaled on them, rendered: the worker sends its
DogStatsD lines to the collector's statsd port (and may, through the NetworkPolicies), the
umbrella refuses the settings that cannot work, and KEDA's ScaledObject is what KEDA's CRD takes
at both supported Kubernetes versions. That the lines arrive and become the series the panel,
alert and scaler read is tests/component/test_langfuse_queue_metrics.py's."""

import copy

import pytest

from harness import kube_schema
from harness.network_policy import policies_selecting, selects
from harness.paths import SUPPORTED_KUBE_VERSIONS
from harness.render import RenderError, render_chart

QUEUE_METRICS = {"otel-collector": {"statsd": {"enabled": True}},
                 "langfuse": {"worker": {"dogstatsd": {"enabled": True}}}}
QUEUE_SCALING = {"otel-collector": {"statsd": {"enabled": True}},
                 "langfuse": {"worker": {"dogstatsd": {"enabled": True}, "autoscaling": {"external": True}}},
                 "workerScaling": {"keda": {"enabled": True}}}
NETWORK_POLICIES_ON = {"global": {"networkPolicy": {"enabled": True}}}


def worker_env(manifest) -> dict:
    [container] = manifest.get("Deployment", "obs-langfuse-worker")["spec"]["template"]["spec"]["containers"]
    return {var["name"]: var for var in container["env"]}


def test_the_worker_sends_its_dogstatsd_lines_to_the_collectors_statsd_port_over_udp():
    manifest = render_chart(values=QUEUE_METRICS)
    env = worker_env(manifest)
    [port] = [p for p in manifest.get("Service", "obs-otel-collector")["spec"]["ports"] if p["name"] == "statsd"]
    assert (env["DD_DOGSTATSD_HOST"]["value"], int(env["DD_DOGSTATSD_PORT"]["value"])) == ("obs-otel-collector", port["port"])
    assert port["protocol"] == "UDP"
    # Each line names its pod, so the collector adds up each worker's counters on their own.
    assert env["POD_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["DD_TAGS"]["value"] == "worker_pod:$(POD_NAME)"
    names = list(env)
    assert names.index("POD_NAME") < names.index("DD_TAGS")  # $(POD_NAME) expands only from earlier ones
    # dd-trace would try an agent on that host first (its /dogstatsd/v2/proxy over TCP).
    assert "DD_AGENT_HOST" not in env and "DD_TRACE_AGENT_URL" not in env


def test_web_and_the_default_install_send_no_dogstatsd_lines():
    assert not any(name.startswith("DD_") for name in worker_env(render_chart()))
    [web] = render_chart(values=QUEUE_METRICS).get("Deployment", "obs-langfuse-web")["spec"]["template"]["spec"]["containers"]
    assert not any(var["name"].startswith("DD_") for var in web["env"])


def test_the_network_policies_let_the_worker_and_only_it_send_to_the_statsd_port():
    manifest = render_chart(values={**QUEUE_METRICS, **NETWORK_POLICIES_ON})
    worker = manifest.get("Deployment", "obs-langfuse-worker")["spec"]["template"]["metadata"]["labels"]
    web = manifest.get("Deployment", "obs-langfuse-web")["spec"]["template"]["metadata"]["labels"]
    [egress] = [policy for policy in policies_selecting(manifest, worker) if "Egress" in policy["spec"]["policyTypes"]]
    assert any({"port": 8125, "protocol": "UDP"} in rule.get("ports", []) and "to" not in rule
               for rule in egress["spec"]["egress"])
    [collector] = [p for p in manifest.of_kind("NetworkPolicy") if p["metadata"]["name"] == "obs-otel-collector"]
    [statsd] = [rule for rule in collector["spec"]["ingress"] if {"port": "statsd", "protocol": "UDP"} in rule["ports"]]
    admitted = [peer["podSelector"] for peer in statsd["from"]]
    assert any(selects(selector, worker) for selector in admitted)
    assert not any(selects(selector, web) for selector in admitted)


@pytest.mark.parametrize(("values", "message"), [
    pytest.param({"otel-collector": {"statsd": {"enabled": True}}},
                 "also set langfuse.worker.dogstatsd.enabled: true", id="collector-side-only"),
    pytest.param({"langfuse": {"worker": {"dogstatsd": {"enabled": True}}}},
                 "also set otel-collector.statsd.enabled: true", id="worker-side-only"),
    pytest.param({**QUEUE_METRICS, "otel-collector": {"statsd": {"enabled": True, "port": 9125}}},
                 "also set langfuse.worker.dogstatsd.port: 9125", id="port-on-one-side"),
    pytest.param({**QUEUE_METRICS, "otel-collector": {"statsd": {"enabled": True}, "metrics": {"enabled": False}}},
                 "turn metrics.enabled on", id="no-metrics-endpoint"),
    pytest.param({**QUEUE_SCALING, "langfuse": {"worker": {"dogstatsd": {"enabled": True},
                                                           "autoscaling": {"enabled": True}}}},
                 "workerScaling.keda.enabled and langfuse.worker.autoscaling.enabled are both true", id="keda-and-hpa"),
    pytest.param({**QUEUE_SCALING, "langfuse": {"worker": {"dogstatsd": {"enabled": True}}}},
                 "also set langfuse.worker.autoscaling.external: true", id="keda-with-the-deployments-replicas"),
    pytest.param({"workerScaling": {"keda": {"enabled": True}}, "langfuse": {"worker": {"autoscaling": {"external": True}}}},
                 "also set otel-collector.statsd.enabled: true and langfuse.worker.dogstatsd.enabled: true",
                 id="keda-without-queue-metrics"),
    pytest.param({**QUEUE_SCALING, "monitoring": {"enabled": False}}, "turn monitoring.enabled on", id="keda-without-monitoring"),
])
def test_settings_that_cannot_work_are_refused_with_what_to_set(values, message):
    with pytest.raises(RenderError) as refused:
        render_chart(values=values, validate=False)
    assert message in refused.value.stderr


@pytest.mark.parametrize("kube_version", SUPPORTED_KUBE_VERSIONS)
def test_the_scaled_object_is_what_kedas_crd_takes_and_scales_the_worker_on_its_queue(kube_version):
    reason = kube_schema.crds_missing_reason("keda.sh")
    if reason:
        pytest.skip(reason)
    manifest = render_chart(values=QUEUE_SCALING, kube_version=kube_version)  # validated against the CRD
    scaled = manifest.get("ScaledObject", "obs-langfuse-worker")
    assert scaled["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "obs-langfuse-worker"}
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "prometheus" and trigger["metricType"] == "AverageValue"
    assert trigger["metadata"]["serverAddress"] == "http://obs-prometheus.observability.svc:9090"
    # KEDA owns the count: the Deployment leaves it out, and there is no HPA of the chart's.
    assert "replicas" not in manifest.get("Deployment", "obs-langfuse-worker")["spec"]
    assert not manifest.of_kind("HorizontalPodAutoscaler")
    # The validation is real: a field KEDA does not know is refused.
    broken = copy.deepcopy(scaled)
    broken["spec"]["triggers"][0]["metdata"] = broken["spec"]["triggers"][0].pop("metadata")
    assert any("metdata" in problem for problem in kube_schema.problems(broken, kube_version))


def test_the_scaler_asks_the_prometheus_the_datasource_names():
    values = {**QUEUE_SCALING, "monitoring": {"datasource": {"url": "http://prometheus-operated.monitoring:9090"}}}
    scaled = render_chart(values=values, validate=False).get("ScaledObject", "obs-langfuse-worker")
    assert scaled["spec"]["triggers"][0]["metadata"]["serverAddress"] == "http://prometheus-operated.monitoring:9090"


def test_no_scaled_object_by_default():
    assert not render_chart().of_kind("ScaledObject")


KEDA_OPERATOR = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keda"}},
                 "podSelector": {"matchLabels": {"app": "keda-operator"}}}


def test_with_network_policies_kedas_operator_must_be_admitted_to_the_prometheus_it_queries():
    """The ScaledObject's query comes from KEDA's operator in its own namespace; the embedded
    Prometheus admits Grafana alone unless told, so KEDA would see timeouts and fall back."""
    with pytest.raises(RenderError) as refusal:
        render_chart(values={**QUEUE_SCALING, **NETWORK_POLICIES_ON})
    assert "monitoring.networkPolicy.prometheusIngressFrom" in refusal.value.stderr
    manifest = render_chart(values={**QUEUE_SCALING, **NETWORK_POLICIES_ON,
                                    "monitoring": {"networkPolicy": {"prometheusIngressFrom": [KEDA_OPERATOR]}}})
    policy = manifest.get("NetworkPolicy", "obs-prometheus")
    peers = [peer for rule in policy["spec"]["ingress"] for peer in rule.get("from", [])]
    assert KEDA_OPERATOR in peers

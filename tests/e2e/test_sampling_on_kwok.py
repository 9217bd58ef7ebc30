"""Sampling routed by trace ID on a real API server: three collector replicas find each other's
sampling receivers through the headless Service, as the loadbalancing exporter's DNS resolver
will, and nothing else reaches them.

The install is a user's: values/kind.yaml and the values they would write for sampling on three
replicas, with NetworkPolicies on; a release and namespace of its own. The resolver looks the
Service's name up (LookupIPAddr) and sends to each address on its configured port
(exporter/loadbalancingexporter resolver_dns.go, resolve); the cluster's DNS answers a headless
Service's name with the addresses of its ready endpoints, which is what its EndpointSlices list.
KWOK runs no DNS and no containers, so the slices are what is checked.
"""

from __future__ import annotations

import time

import pykube
import pytest
import yaml
from kubernetes import client
from pytest_helm_charts.k8s.stateful_set import wait_for_stateful_sets_to_run

from harness.collector import CONFIG_KEY, SAMPLING_EXPORTER
from harness.helm import Release
from harness.network_policy import selects
from harness.paths import REPO_ROOT, UMBRELLA_CHART

from harness.cluster import add_static_volumes

KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"
RELEASE = "sampled"
REPLICAS = 3
COLLECTOR = f"{RELEASE}-otel-collector"
SAMPLING_SERVICE = f"{COLLECTOR}-sampling"
SAMPLING_PORT = yaml.safe_load((UMBRELLA_CHART / "charts" / "otel-collector" / "values.yaml").read_text())[
    "ports"]["sampling"]
SAMPLING_VALUES = {
    "global": {"networkPolicy": {"enabled": True}},
    "otel-collector": {"replicas": REPLICAS, "sampling": {"enabled": True, "percentage": 25,
                                                          "keep": {"tenants": ["acme"]}}},
}


@pytest.fixture(scope="module")
def release(cluster, restricted_namespace, tmp_path_factory):
    """The release, installed once for the module and uninstalled at its end (by the last test,
    or here when a test before it failed)."""
    # The namespace has volumes for the stores and two queue claims: one more for the third replica.
    add_static_volumes(cluster, f"{restricted_namespace}-queue", count=REPLICAS - 2)
    values = tmp_path_factory.mktemp("sampling") / "sampling.yaml"
    values.write_text(yaml.safe_dump(SAMPLING_VALUES))
    installed = Release(RELEASE, restricted_namespace, cluster.kubeconfig)
    installed.install(KIND_VALUES, values)
    yield installed
    installed.uninstall_if_installed()


@pytest.fixture(scope="module")
def api(cluster):
    return {"core": client.CoreV1Api(cluster.api), "discovery": client.DiscoveryV1Api(cluster.api),
            "networking": client.NetworkingV1Api(cluster.api), "serialize": cluster.api.sanitize_for_serialization,
            "pykube": pykube.HTTPClient(pykube.KubeConfig.from_file(str(cluster.kubeconfig)))}


def collector_pods(api, namespace) -> dict[str, object]:
    selector = f"app.kubernetes.io/name=otel-collector,app.kubernetes.io/instance={RELEASE}"
    return {pod.metadata.name: pod for pod in api["core"].list_namespaced_pod(namespace, label_selector=selector).items}


def ready(pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def resolver(api, namespace) -> dict:
    """The loadbalancing exporter's DNS resolver in the installed collector configuration."""
    config_map = api["core"].read_namespaced_config_map(COLLECTOR, namespace)
    return yaml.safe_load(config_map.data[CONFIG_KEY])["exporters"][SAMPLING_EXPORTER]["resolver"]["dns"]


def ready_endpoints(api, namespace, service: str) -> tuple[dict[str, set[str]], set[tuple[str, int]]]:
    """({pod: addresses} of the ready endpoints, {(port name, port)}) of a Service's EndpointSlices."""
    slices = api["discovery"].list_namespaced_endpoint_slice(
        namespace, label_selector=f"kubernetes.io/service-name={service}").items
    endpoints: dict[str, set[str]] = {}
    for endpoint_slice in slices:
        for endpoint in endpoint_slice.endpoints or []:
            if endpoint.conditions.ready:
                endpoints.setdefault(endpoint.target_ref.name, set()).update(endpoint.addresses)
    return endpoints, {(port.name, port.port) for s in slices for port in s.ports or []}


def test_every_collector_replica_becomes_ready(release, api):
    wait_for_stateful_sets_to_run(api["pykube"], [COLLECTOR], release.namespace, timeout_sec=60, missing_ok=False)
    pods = collector_pods(api, release.namespace)
    assert len(pods) == REPLICAS and all(ready(pod) for pod in pods.values()), \
        {name: pod.status.conditions for name, pod in pods.items()}


def test_the_headless_service_lists_every_collector_pod_ready_on_the_resolvers_port(release, api):
    namespace = release.namespace
    service = api["core"].read_namespaced_service(SAMPLING_SERVICE, namespace)
    assert service.spec.cluster_ip == "None", "a ClusterIP resolves to one address: every trace to one replica"
    dns = resolver(api, namespace)
    # A name without dots resolves in the pod's own namespace (its DNS search path).
    assert (dns["hostname"], int(dns["port"])) == (SAMPLING_SERVICE, SAMPLING_PORT)
    pods = collector_pods(api, namespace)
    expected = {name: {pod.status.pod_ip} for name, pod in pods.items()}
    # The EndpointSlice controller catches up with the pods' readiness.
    deadline = time.monotonic() + 60
    while (found := ready_endpoints(api, namespace, SAMPLING_SERVICE))[0] != expected and time.monotonic() < deadline:
        time.sleep(1)
    endpoints, ports = found
    assert endpoints == expected
    assert ports == {("sampling", SAMPLING_PORT)}


def test_the_agent_facing_service_does_not_expose_the_sampling_port(release, api):
    service = api["core"].read_namespaced_service(COLLECTOR, release.namespace)
    exposed = {(port.name, port.port, str(port.target_port)) for port in service.spec.ports}
    assert not [port for port in exposed if "sampling" in port or SAMPLING_PORT in port
                or str(SAMPLING_PORT) in port], exposed
    _, ports = ready_endpoints(api, release.namespace, COLLECTOR)
    assert ports and SAMPLING_PORT not in {port for _, port in ports}, ports


def covers_sampling_port(rule: dict) -> bool:
    """Whether a NetworkPolicy rule's ports include the sampling port (no ports: every port)."""
    if not rule.get("ports"):
        return True
    return any(port.get("port") in ("sampling", SAMPLING_PORT)
               or (isinstance(port.get("port"), int) and port["port"] <= SAMPLING_PORT <= port.get("endPort", 0))
               for port in rule["ports"])


def admitted_pods(rule: dict, direction: str, pods: dict[str, dict]) -> set[str] | None:
    """The pods of the namespace a rule's peers admit; None when it admits more than pods of
    its namespace (no peers, a namespace selector or an IP block)."""
    peers = rule.get("from" if direction == "ingress" else "to")
    if not peers or any(set(peer) != {"podSelector"} for peer in peers):
        return None
    return {name for name, labels in pods.items() for peer in peers if selects(peer["podSelector"] or {}, labels)}


def test_the_network_policy_admits_the_sampling_port_only_from_the_collector_pods(release, api):
    namespace = release.namespace
    pods = {pod.metadata.name: pod.metadata.labels or {} for pod in api["core"].list_namespaced_pod(namespace).items}
    collectors = set(collector_pods(api, namespace))
    policies = [api["serialize"](policy)
                for policy in api["networking"].list_namespaced_network_policy(namespace).items]
    selecting = [policy for policy in policies
                 if all(selects(policy["spec"].get("podSelector") or {}, pods[name]) for name in collectors)]
    assert any("Ingress" in policy["spec"].get("policyTypes", []) for policy in selecting), \
        "no NetworkPolicy restricts the collectors' ingress"
    for direction in ("ingress", "egress"):
        admitted = set()
        for policy in selecting:
            for rule in policy["spec"].get(direction) or []:
                if covers_sampling_port(rule):
                    peers = admitted_pods(rule, direction, pods)
                    assert peers is not None, (policy["metadata"]["name"], direction, rule)
                    admitted |= peers
        # Each collector routes to all the others, and nothing else reaches them on that port.
        assert admitted == collectors, direction


def test_uninstall_removes_the_sampling_tier(release, api):
    release.helm("uninstall", RELEASE, "--wait", "--timeout", "5m")
    with pytest.raises(client.ApiException) as gone:
        api["core"].read_namespaced_service(SAMPLING_SERVICE, release.namespace)
    assert gone.value.status == 404
    # The StatefulSet is gone; the garbage collector then deletes its pods.
    deadline = time.monotonic() + 60
    while (left := [name for name, pod in collector_pods(api, release.namespace).items()
                    if pod.metadata.deletion_timestamp is None]) and time.monotonic() < deadline:
        time.sleep(1)
    assert not left

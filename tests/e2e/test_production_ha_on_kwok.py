"""values/production-ha.yaml installed as a user installs it, on a real API server and scheduler
with nodes in three zones: every tier comes up replicated, its replicas in as many zones as they
can fill, each kept through a node drain by a PodDisruptionBudget.

The install is the file alone, plus what the file tells its user to have first: the Secret of
Grafana's database and CloudNativePG's CRDs (its operator, which KWOK cannot run, would make
the PostgreSQL instances: checked is the Cluster it is asked for). KWOK
runs no containers: what is checked is what the API server admits, what the scheduler places
and what the controllers create; that each store's replication works is the component tests'
(tests/component/test_valkey_sentinel.py, test_prometheus_remote_write.py) and the kind job's.
"""

from __future__ import annotations

import pytest
import yaml
from kubernetes import client

from harness.cluster import add_static_volumes, apply_crds, crd_files
from harness.helm import Release
from harness.network_policy import selects
from harness.paths import REPO_ROOT, declared_api_versions

HA_VALUES = REPO_ROOT / "values" / "production-ha.yaml"
RELEASE = "ha"
ZONES = ("zone-a", "zone-b", "zone-c")
ZONE_KEY = "topology.kubernetes.io/zone"
# The fewest replicas a tier may have and still lose one pod: two, and three for the tiers that
# elect (Sentinel, Keeper and Alertmanager keep a majority).
QUORUM_TIERS = ("valkey", "keeper", "alertmanager")


def zone_node(name: str, zone: str, index: int) -> dict:
    """A KWOK-managed node in one zone, as kwokctl's node template makes them (its annotation,
    a pod CIDR and an address of its own: kwok/kustomize/kwokctl/resource/node.yaml, v0.8.0)."""
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "annotations": {"kwok.x-k8s.io/node": "fake"},
                     "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                "kubernetes.io/arch": "amd64", "type": "kwok", ZONE_KEY: zone}},
        "spec": {"podCIDR": f"10.0.{100 + index}.0/24", "podCIDRs": [f"10.0.{100 + index}.0/24"]},
        # Nodes take their status on create; the KWOK controller keeps it from then on.
        "status": {"allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
                   "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"},
                   "addresses": [{"type": "InternalIP", "address": f"192.0.2.{100 + index}"}]},
    }


@pytest.fixture(scope="module")
def zones(cluster):
    """Three nodes, one in each zone; the production-ha spreads (DoNotSchedule) place its pods
    on nodes with a zone label only."""
    if cluster.runs_containers:
        pytest.skip("the zones are simulated nodes: a real cluster brings its own")
    core = client.CoreV1Api(cluster.api)
    names = [f"{RELEASE}-node-{zone}" for zone in ZONES]
    for index, (name, zone) in enumerate(zip(names, ZONES)):
        core.create_node(zone_node(name, zone, index))
    yield dict(zip(names, ZONES))
    for name in names:
        core.delete_node(name)


@pytest.fixture(scope="module")
def release(cluster, zones, restricted_namespace):
    # Claims: three each for Valkey, the collector and Alertmanager, two for Prometheus, and the
    # replicated stores'.
    add_static_volumes(cluster, f"{restricted_namespace}-ha", count=32)
    apply_crds(cluster, crd_files(declared_api_versions([HA_VALUES])))
    core = client.CoreV1Api(cluster.api)
    # The one Secret the file asks its user to create before installing.
    core.create_namespaced_secret(restricted_namespace, {
        "metadata": {"name": "grafana-database"}, "stringData": {"password": "example-password"}})
    installed = Release(RELEASE, restricted_namespace, cluster.kubeconfig)
    installed.install(HA_VALUES)
    yield installed
    installed.uninstall_if_installed()


@pytest.fixture(scope="module")
def objects(cluster, release):
    """The release's workloads, their pods and the PodDisruptionBudgets, as the API server has them."""
    apps, core, policy = client.AppsV1Api(cluster.api), client.CoreV1Api(cluster.api), client.PolicyV1Api(cluster.api)
    serialize = cluster.api.sanitize_for_serialization
    namespace = release.namespace
    selector = f"app.kubernetes.io/instance={RELEASE}"
    workloads = [serialize(w) for w in apps.list_namespaced_deployment(namespace, label_selector=selector).items
                 + apps.list_namespaced_stateful_set(namespace, label_selector=selector).items]
    pods = [serialize(p) for p in core.list_namespaced_pod(namespace).items]
    budgets = [serialize(b) for b in policy.list_namespaced_pod_disruption_budget(namespace).items]
    return workloads, pods, budgets


def pods_of(workload: dict, pods: list[dict]) -> list[dict]:
    return [pod for pod in pods if selects(workload["spec"]["selector"], pod["metadata"].get("labels") or {})
            and pod["metadata"].get("deletionTimestamp") is None]


def tier_name(workload: dict) -> str:
    return workload["metadata"]["name"].removeprefix(f"{RELEASE}-")


def test_every_tier_runs_more_than_one_replica(objects):
    workloads, pods, _ = objects
    assert workloads
    short = {}
    for workload in workloads:
        least = 3 if tier_name(workload).split("-")[-1] in QUORUM_TIERS else 2
        running = [pod for pod in pods_of(workload, pods) if pod["status"].get("phase") == "Running"]
        if len(running) < least:
            short[tier_name(workload)] = f"{len(running)} running, at least {least} needed"
    assert not short


def test_each_tiers_replicas_spread_over_the_zones(objects, zones):
    workloads, pods, _ = objects
    uneven = {}
    for workload in workloads:
        placed = [zones.get(pod["spec"].get("nodeName"), "no zone") for pod in pods_of(workload, pods)]
        counts = {zone: placed.count(zone) for zone in (*ZONES, "no zone")}
        if counts["no zone"] or max(counts.values()) - min(counts[zone] for zone in ZONES) > 1:
            uneven[tier_name(workload)] = counts
    assert not uneven


def test_a_disruption_budget_keeps_each_tier_through_a_drain(objects):
    workloads, pods, budgets = objects
    unguarded = []
    for workload in workloads:
        members = pods_of(workload, pods)
        guarding = [b for b in budgets
                    if all(selects(b["spec"]["selector"], pod["metadata"]["labels"]) for pod in members)]
        # The disruption controller's count: a drain may evict at most all but one of them.
        if not [b for b in guarding if b["status"].get("expectedPods") == len(members)
                and b["status"].get("disruptionsAllowed", 0) < len(members)]:
            unguarded.append(tier_name(workload))
    assert not unguarded, "no PodDisruptionBudget keeps these tiers' pods"


def test_postgresql_is_a_cloudnativepg_cluster_of_three_instances_one_per_zone(cluster, release):
    clusters = client.CustomObjectsApi(cluster.api).list_namespaced_custom_object(
        "postgresql.cnpg.io", "v1", release.namespace, "clusters")["items"]
    assert [c["metadata"]["name"] for c in clusters] == [f"{RELEASE}-postgres"]
    spec = clusters[0]["spec"]
    assert spec["instances"] == 3
    assert (spec["affinity"]["podAntiAffinityType"], spec["affinity"]["topologyKey"]) == ("required", ZONE_KEY)


def test_network_policies_guard_every_tier(cluster, release, objects):
    workloads, pods, _ = objects
    policies = [cluster.api.sanitize_for_serialization(p) for p in
                client.NetworkingV1Api(cluster.api).list_namespaced_network_policy(release.namespace).items]
    for workload in workloads:
        labels = pods_of(workload, pods)[0]["metadata"]["labels"]
        assert [p for p in policies if selects(p["spec"].get("podSelector") or {}, labels)
                and "Ingress" in p["spec"].get("policyTypes", [])], tier_name(workload)


def test_uninstall_keeps_the_stores_volumes(cluster, release):
    core = client.CoreV1Api(cluster.api)
    claims = {c.metadata.name for c in core.list_namespaced_persistent_volume_claim(release.namespace).items}
    release.helm("uninstall", RELEASE, "--wait", "--timeout", "5m")
    kept = {c.metadata.name for c in core.list_namespaced_persistent_volume_claim(release.namespace).items}
    assert claims and claims <= kept

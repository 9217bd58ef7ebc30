"""ClickHouse in cluster mode on a real API server: a user's install (values/kind.yaml and the
two cluster switches, in a namespace enforcing Pod Security restricted) brings up three
replicas and three Keeper nodes, each claiming its own volume, with their disruption budgets and
headless Services; and Helm refuses to change an existing release's topology either way,
looking at what is installed (the clickhouse chart's validate.yaml). KWOK runs no container, so
what is checked is what the API server, the controllers and the scheduler do.
"""

from __future__ import annotations

import pykube
import pytest
import yaml
from kubernetes import client
from pytest_helm_charts.k8s.stateful_set import wait_for_stateful_sets_to_run

from harness.cluster import CommandError, add_static_volumes
from harness.helm import Release
from harness.paths import REPO_ROOT, UMBRELLA_CHART

KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"
RELEASE = "clustered"
REPLICAS = 3
KEEPERS = 3
SERVER = f"{RELEASE}-clickhouse"
KEEPER = f"{RELEASE}-clickhouse-keeper"
CLUSTER_VALUES = {"clickhouse": {"cluster": {"enabled": True, "replicas": REPLICAS}},
                  "langfuse": {"clickhouse": {"clusterEnabled": True}}}
SINGLE_NODE_VALUES = {"clickhouse": {"cluster": {"enabled": False}}, "langfuse": {"clickhouse": {"clusterEnabled": False}}}
MIGRATION_STEPS = "README, Single node to cluster"


@pytest.fixture(scope="module")
def release(cluster, restricted_namespace, tmp_path_factory):
    # The namespace has a volume for one ClickHouse: two more replicas and three Keeper nodes.
    add_static_volumes(cluster, f"{restricted_namespace}-clickhouse", count=REPLICAS - 1 + KEEPERS)
    values = tmp_path_factory.mktemp("clickhouse-cluster") / "cluster.yaml"
    values.write_text(yaml.safe_dump(CLUSTER_VALUES))
    installed = Release(RELEASE, restricted_namespace, cluster.kubeconfig)
    installed.install(KIND_VALUES, values)
    yield installed
    installed.uninstall_if_installed()


@pytest.fixture(scope="module")
def api(cluster):
    return {"core": client.CoreV1Api(cluster.api), "policy": client.PolicyV1Api(cluster.api),
            "apps": client.AppsV1Api(cluster.api),
            "pykube": pykube.HTTPClient(pykube.KubeConfig.from_file(str(cluster.kubeconfig)))}


def pods_of(api, namespace, statefulset: str) -> dict:
    selector = api["apps"].read_namespaced_stateful_set(statefulset, namespace).spec.selector.match_labels
    labels = ",".join(f"{k}={v}" for k, v in selector.items())
    return {pod.metadata.name: pod for pod in api["core"].list_namespaced_pod(namespace, label_selector=labels).items}


def ready(pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


@pytest.mark.parametrize(("statefulset", "count"), [(SERVER, REPLICAS), (KEEPER, KEEPERS)])
def test_every_replica_and_keeper_node_runs_on_a_volume_of_its_own(release, api, statefulset, count):
    wait_for_stateful_sets_to_run(api["pykube"], [statefulset], release.namespace, timeout_sec=120, missing_ok=False)
    pods = pods_of(api, release.namespace, statefulset)
    assert sorted(pods) == [f"{statefulset}-{n}" for n in range(count)]
    assert all(ready(pod) for pod in pods.values()), {name: pod.status.conditions for name, pod in pods.items()}
    claims = {claim.metadata.name: claim.status.phase
              for claim in api["core"].list_namespaced_persistent_volume_claim(release.namespace).items}
    assert all(claims.get(f"data-{statefulset}-{n}") == "Bound" for n in range(count)), claims


def test_the_servers_and_keeper_pods_are_apart_and_each_group_has_a_disruption_budget(release, api):
    budgets = {b.metadata.name: b for b in api["policy"].list_namespaced_pod_disruption_budget(release.namespace).items}
    for statefulset, count in ((SERVER, REPLICAS), (KEEPER, KEEPERS)):
        budget = budgets[statefulset]
        assert budget.spec.max_unavailable == 1
        assert budget.status.expected_pods == count, budget.status
    servers, keepers = pods_of(api, release.namespace, SERVER), pods_of(api, release.namespace, KEEPER)
    assert not set(servers) & set(keepers), "LangFuse's Service would send queries to Keeper"
    service = api["core"].read_namespaced_service(SERVER, release.namespace)
    assert service.spec.cluster_ip != "None"
    selected = api["core"].list_namespaced_pod(
        release.namespace, label_selector=",".join(f"{k}={v}" for k, v in service.spec.selector.items())).items
    assert sorted(pod.metadata.name for pod in selected) == sorted(servers)


def test_the_keeper_nodes_are_named_under_their_headless_service_before_they_are_ready(release, api):
    service = api["core"].read_namespaced_service(f"{KEEPER}-headless", release.namespace)
    assert service.spec.cluster_ip == "None" and service.spec.publish_not_ready_addresses
    assert {(p.name, p.port) for p in service.spec.ports} == {("client", 9181), ("raft", 9234)}


def test_turning_an_installed_cluster_into_a_single_server_is_refused(release, api, tmp_path):
    values = tmp_path / "single.yaml"
    values.write_text(yaml.safe_dump(SINGLE_NODE_VALUES))
    with pytest.raises(CommandError) as refused:
        release.upgrade(KIND_VALUES, values)
    assert "runs ClickHouse as a cluster" in str(refused.value) and MIGRATION_STEPS in str(refused.value)
    assert api["apps"].read_namespaced_stateful_set(SERVER, release.namespace).spec.replicas == REPLICAS


def test_turning_an_installed_single_server_into_a_cluster_is_refused(cluster, restricted_namespace, tmp_path):
    chart = UMBRELLA_CHART / "charts" / "clickhouse"
    single = Release("single", restricted_namespace, cluster.kubeconfig, chart=chart)
    add_static_volumes(cluster, f"{restricted_namespace}-single", count=1)
    secret = ("--set", "auth.existingSecret=single-clickhouse-auth")
    single.helm("install", "single", str(chart), *secret, "--set", "persistence.enabled=false")
    try:
        with pytest.raises(CommandError) as refused:
            single.helm("upgrade", "single", str(chart), *secret, "--set", "persistence.enabled=false",
                        "--set", "cluster.enabled=true")
        assert "runs a single ClickHouse server" in str(refused.value) and MIGRATION_STEPS in str(refused.value)
        # Nothing of the cluster was created.
        assert "single-clickhouse-keeper" not in single.helm("get", "manifest", "single")
    finally:
        single.helm("uninstall", "single", "--wait", "--timeout", "5m")


def test_uninstall_removes_the_cluster_and_keeps_its_volumes(release, api):
    release.helm("uninstall", RELEASE, "--wait", "--timeout", "5m")
    for name in (SERVER, KEEPER):
        with pytest.raises(client.ApiException) as gone:
            api["apps"].read_namespaced_stateful_set(name, release.namespace)
        assert gone.value.status == 404
    claims = {claim.metadata.name for claim in api["core"].list_namespaced_persistent_volume_claim(release.namespace).items}
    # whenDeleted: Retain, as the single server's: the data outlives the release.
    assert {f"data-{KEEPER}-{n}" for n in range(KEEPERS)} <= claims

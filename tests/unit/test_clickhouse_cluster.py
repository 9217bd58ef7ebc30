"""ClickHouse as a replicated cluster, read as the servers and Keeper read their configuration.

ClickHouse cannot run here (Debian has 18.16, without Keeper; no container registry), so the
rendered XML is parsed with each pod's environment put in where the files say from_env, as
ClickHouse's ConfigProcessor does, and checked against what LangFuse's clustered migrations need
of it. Those needs, from LangFuse's source at v4.16.0 (the chart's appVersion):
- packages/shared/clickhouse/migrations/clustered/*.sql run their DDL `ON CLUSTER default` (178
  statements) and create Replicated*MergeTree tables with no Keeper path or replica name
  (`ReplicatedReplacingMergeTree(event_ts, is_deleted)`, `ReplicatedAggregatingMergeTree`), so
  the server's default_replica_path and default_replica_name apply, with their macros;
- packages/shared/clickhouse/scripts/up.sh migrates with x-cluster-name=$CLICKHOUSE_CLUSTER_NAME
  and x-migrations-table-engine=ReplicatedMergeTree (again no arguments);
- packages/shared/src/server/clickhouse/queryTracking.ts reads every replica through
  clusterAllReplicas('$CLICKHOUSE_CLUSTER_NAME', ...), a query between replicas that must
  authenticate (the default user has a password).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest

from harness.render import RenderError, render_chart

NAMESPACE = "observability"
# The cluster name LangFuse's clustered migrations write into their statements.
LANGFUSE_CLUSTER_NAME = "default"
# Macros ClickHouse fills in itself for a replicated table (src/Common/Macros.cpp, expand:
# database, table, uuid from the table's own identity).
TABLE_MACROS = {"database", "table", "uuid"}
REPLICAS = 3
CLUSTER = {"clickhouse": {"cluster": {"enabled": True, "replicas": REPLICAS}},
           "langfuse": {"clickhouse": {"clusterEnabled": True}}}
SERVER = "obs-clickhouse"
KEEPER = "obs-clickhouse-keeper"


def render(values=CLUSTER, **kwargs):
    return render_chart(values=values, namespace=NAMESPACE, **kwargs)


def pod_env(manifest, workload: str, ordinal: int) -> dict[str, str]:
    """The environment the kubelet gives a StatefulSet's pod: its plain values and fieldRefs to its
    name (Secrets stay unresolved: only their presence is checked), $(VAR) expanded."""
    env: dict[str, str] = {}
    for container in manifest.get("StatefulSet", workload)["spec"]["template"]["spec"]["containers"]:
        for variable in container.get("env", []):
            if "value" in variable:
                env[variable["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)),
                                               variable["value"])
            elif variable["valueFrom"].get("fieldRef", {}).get("fieldPath") == "metadata.name":
                env[variable["name"]] = f"{workload}-{ordinal}"
            else:
                env[variable["name"]] = "<from a Secret>"
    return env


def with_environment(root: ElementTree.Element, env: dict[str, str]) -> ElementTree.Element:
    """The config as the server reads it: each element with from_env takes that variable's value
    (src/Common/Config/ConfigProcessor.cpp); a variable the pod lacks fails, as the server would."""
    for element in root.iter():
        name = element.get("from_env")
        if name is not None:
            assert name in env, f"<{element.tag} from_env={name!r}>: the container has no {name}"
            element.text = env[name]
    return root


def config_files(manifest, workload: str, config_map: str, ordinal: int,
                 exported: tuple[str, ...] = ()) -> dict[str, ElementTree.Element]:
    """Mount path → parsed config file, from_env resolved, of one pod of a workload; `exported`
    are variables its start command sets."""
    env = pod_env(manifest, workload, ordinal) | {name: "<set by the start command>" for name in exported}
    data = manifest.get("ConfigMap", config_map)["data"]
    container = manifest.get("StatefulSet", workload)["spec"]["template"]["spec"]["containers"][0]
    return {mount["mountPath"]: with_environment(ElementTree.fromstring(data[mount["subPath"]]), env)
            for mount in container["volumeMounts"] if mount["name"] == "config"}


def server_config(manifest, ordinal: int) -> dict[str, ElementTree.Element]:
    """Top-level section → element of the config.d files one server merges over config.xml."""
    sections = {}
    for path, root in config_files(manifest, SERVER, SERVER, ordinal).items():
        if path.startswith("/etc/clickhouse-server/config.d/"):
            for section in root:
                assert section.tag not in sections, f"{section.tag} in two config.d files"
                sections[section.tag] = section
    return sections


def keeper_config(manifest, ordinal: int) -> ElementTree.Element:
    # The start command exports the node's id (tests/component/test_clickhouse_cluster_scripts.py).
    files = config_files(manifest, KEEPER, KEEPER, ordinal, exported=("KEEPER_SERVER_ID",))
    return files["/etc/clickhouse-keeper/keeper_config.xml"]


def pod_dns(manifest, workload: str, ordinal: int) -> str:
    """A StatefulSet pod's DNS name under the Service that governs it, which must be headless."""
    statefulset = manifest.get("StatefulSet", workload)
    governing = statefulset["spec"]["serviceName"]
    assert manifest.get("Service", governing)["spec"]["clusterIP"] == "None"
    assert ordinal < statefulset["spec"]["replicas"]
    return f"{workload}-{ordinal}.{governing}.{NAMESPACE}.svc.cluster.local"


def container_port(manifest, workload: str, port: int) -> bool:
    containers = manifest.get("StatefulSet", workload)["spec"]["template"]["spec"]["containers"]
    return any(p["containerPort"] == port for c in containers for p in c.get("ports", []))


def langfuse_config(manifest):
    return next(c["data"] for c in manifest.of_kind("ConfigMap") if "CLICKHOUSE_URL" in c.get("data", {}))


def test_the_default_stays_one_server_without_keeper_nor_cluster_settings():
    manifest = render_chart()
    assert manifest.get("StatefulSet", SERVER)["spec"]["replicas"] == 1
    assert KEEPER not in manifest.names("StatefulSet")
    assert set(manifest.get("ConfigMap", SERVER)["data"]) == {"server.xml", "system-logs.xml", "users.xml"}
    assert not [name for name in manifest.names("PodDisruptionBudget") if "clickhouse" in name]
    config = langfuse_config(manifest)
    assert config["CLICKHOUSE_CLUSTER_ENABLED"] == "false" and "CLICKHOUSE_CLUSTER_NAME" not in config


@pytest.mark.parametrize("ordinal", range(REPLICAS))
def test_each_replica_lists_every_replica_of_the_one_shard_by_its_pod_name(ordinal):
    manifest = render()
    remote_servers = server_config(manifest, ordinal)["remote_servers"]
    # config.xml's own test clusters (one of them also `default`) must not merge into it.
    assert remote_servers.get("replace") == "replace"
    assert [cluster.tag for cluster in remote_servers] == [LANGFUSE_CLUSTER_NAME]
    shards = remote_servers.find(LANGFUSE_CLUSTER_NAME).findall("shard")
    assert len(shards) == 1, "LangFuse does not shard"
    assert shards[0].findtext("internal_replication") == "true"
    replicas = [(r.findtext("host"), int(r.findtext("port"))) for r in shards[0].findall("replica")]
    assert replicas == [(pod_dns(manifest, SERVER, n), 9000) for n in range(REPLICAS)]
    assert container_port(manifest, SERVER, 9000)


@pytest.mark.parametrize("ordinal", range(REPLICAS))
def test_every_macro_langfuses_replicated_tables_expand_resolves_to_this_pods_own(ordinal):
    config = server_config(render(), ordinal)
    macros = {macro.tag: macro.text for macro in config["macros"]}
    path, name = config["default_replica_path"].text, config["default_replica_name"].text
    used = set(re.findall(r"\{(\w+)\}", path + name))
    assert used - TABLE_MACROS <= set(macros), f"unresolved macros {used - TABLE_MACROS - set(macros)}"
    # {uuid} keeps a table's Keeper path its own when LangFuse's migrations rename or exchange tables.
    assert "{uuid}" in path and "{shard}" in path
    assert macros["shard"] == "1"
    assert macros["replica"] == f"{SERVER}-{ordinal}"


def test_replica_names_and_interserver_hosts_are_unique_and_reachable():
    manifest = render()
    configs = [server_config(manifest, n) for n in range(REPLICAS)]
    assert len({c["macros"].findtext("replica") for c in configs}) == REPLICAS
    hosts = [c["interserver_http_host"].text for c in configs]
    assert hosts == [pod_dns(manifest, SERVER, n) for n in range(REPLICAS)]
    port = int(configs[0]["interserver_http_port"].text)
    assert container_port(manifest, SERVER, port)


def test_replicas_authenticate_to_one_another_with_secrets_from_the_stores_secret():
    manifest = render()
    config = server_config(manifest, 0)
    secret_of = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in manifest.containers(SERVER)["clickhouse"]["env"]
                 if "secretKeyRef" in e.get("valueFrom", {})}
    cluster_secret = config["remote_servers"].find(f"{LANGFUSE_CLUSTER_NAME}/secret")
    password = config["interserver_http_credentials"].find("password")
    for element in (cluster_secret, password):
        assert element.get("from_env") in secret_of, ElementTree.tostring(element)
        assert secret_of[element.get("from_env")]["name"] == "obs-clickhouse-auth"
    assert config["interserver_http_credentials"].findtext("user")
    generated = manifest.get("ConfigMap", "obs-secret-generator")["data"]["secrets.json"]
    for key in ("password", "interserver-password", "cluster-secret"):
        assert f'"{key}"' in generated


def test_the_servers_coordinate_through_every_keeper_node_on_its_client_port():
    manifest = render()
    nodes = [(n.findtext("host"), int(n.findtext("port"))) for n in server_config(manifest, 0)["zookeeper"]]
    keeper = manifest.get("StatefulSet", KEEPER)
    assert keeper["spec"]["replicas"] == 3
    client_port = int(keeper_config(manifest, 0).findtext("keeper_server/tcp_port"))
    assert nodes == [(pod_dns(manifest, KEEPER, n), client_port) for n in range(3)]
    assert container_port(manifest, KEEPER, client_port)


def test_the_keeper_nodes_form_one_raft_group_with_unique_ids():
    manifest = render()
    configs = [keeper_config(manifest, n) for n in range(3)]
    groups = {ElementTree.tostring(c.find("keeper_server/raft_configuration")) for c in configs}
    assert len(groups) == 1, "every node must list the same group"
    servers = configs[0].findall("keeper_server/raft_configuration/server")
    ids = [int(s.findtext("id")) for s in servers]
    assert len(set(ids)) == len(ids) == 3
    assert [s.findtext("hostname") for s in servers] == [pod_dns(manifest, KEEPER, n) for n in range(3)]
    assert all(container_port(manifest, KEEPER, int(s.findtext("port"))) for s in servers)
    # Each node's own id comes from its start command (tests/component/test_clickhouse_cluster_scripts.py).
    assert configs[0].find("keeper_server/server_id").get("from_env") == "KEEPER_SERVER_ID"


def test_keeper_keeps_its_log_and_snapshots_on_its_volume():
    manifest = render()
    keeper = manifest.get("StatefulSet", KEEPER)["spec"]
    mounts = {m["mountPath"]: m["name"] for m in keeper["template"]["spec"]["containers"][0]["volumeMounts"]}
    assert [t["metadata"]["name"] for t in keeper["volumeClaimTemplates"]] == ["data"]
    config = keeper_config(manifest, 0)
    for key in ("log_storage_path", "snapshot_storage_path"):
        path = config.findtext(f"keeper_server/{key}")
        assert any(path.startswith(mount + "/") and name == "data" for mount, name in mounts.items()), (key, path)


def test_keeper_runs_the_servers_version_and_its_pods_are_its_own():
    manifest = render()
    server_image = manifest.containers(SERVER)["clickhouse"]["image"]
    keeper_image = manifest.containers(KEEPER)["keeper"]["image"]
    assert keeper_image == server_image.replace("clickhouse-server", "clickhouse-keeper")
    keeper_labels = manifest.get("StatefulSet", KEEPER)["spec"]["template"]["metadata"]["labels"]
    server_selector = manifest.get("Service", SERVER)["spec"]["selector"]
    # The Service LangFuse queries must never send it to a Keeper pod.
    assert not all(keeper_labels.get(k) == v for k, v in server_selector.items())


def test_langfuse_runs_its_clustered_migrations_on_the_cluster_the_servers_define():
    manifest = render()
    config = langfuse_config(manifest)
    assert config["CLICKHOUSE_CLUSTER_ENABLED"] == "true"
    assert config["CLICKHOUSE_CLUSTER_NAME"] == LANGFUSE_CLUSTER_NAME
    assert server_config(manifest, 0)["remote_servers"].find(config["CLICKHOUSE_CLUSTER_NAME"]) is not None
    # Queries and migrations go to the Service, which balances over the ready replicas only.
    for key in ("CLICKHOUSE_URL", "CLICKHOUSE_MIGRATION_URL"):
        assert re.match(rf"\w+://{SERVER}:\d+$", config[key]), config[key]
    assert manifest.get("Service", SERVER)["spec"].get("clusterIP") != "None"


def test_the_migration_creates_langfuses_database_on_every_replica():
    values = {**CLUSTER, "langfuse": {"clickhouse": {"clusterEnabled": True, "database": "langfuse"}}}
    job = next(w for w in render(values).of_kind("Job") if "migrate" in w["metadata"]["name"])
    script = "\n".join(job["spec"]["template"]["spec"]["initContainers"][0]["command"])
    assert f"CREATE DATABASE IF NOT EXISTS ${{quoted}} ON CLUSTER {LANGFUSE_CLUSTER_NAME}" in script


@pytest.mark.parametrize("workload", [SERVER, KEEPER])
def test_disruptions_take_one_pod_at_a_time_and_pods_spread_over_nodes_and_zones(workload):
    manifest = render()
    statefulset = manifest.get("StatefulSet", workload)
    labels = statefulset["spec"]["template"]["metadata"]["labels"]
    budgets = [b for b in manifest.of_kind("PodDisruptionBudget")
               if all(labels.get(k) == v for k, v in b["spec"]["selector"]["matchLabels"].items())]
    assert [b["spec"].get("maxUnavailable") for b in budgets] == [1]
    spec = statefulset["spec"]["template"]["spec"]
    anti = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
    assert anti["topologyKey"] == "kubernetes.io/hostname"
    assert all(labels.get(k) == v for k, v in anti["labelSelector"]["matchLabels"].items())
    zones = [c for c in spec["topologySpreadConstraints"] if c["topologyKey"] == "topology.kubernetes.io/zone"]
    assert zones and all(labels.get(k) == v for k, v in zones[0]["labelSelector"]["matchLabels"].items())


def test_replicas_and_keeper_reach_one_another_under_the_network_policies():
    manifest = render({**CLUSTER, "global": {"networkPolicy": {"enabled": True}}})
    server_labels = manifest.get("StatefulSet", SERVER)["spec"]["template"]["metadata"]["labels"]
    keeper_labels = manifest.get("StatefulSet", KEEPER)["spec"]["template"]["metadata"]["labels"]

    def from_peer(policy, direction, labels):
        ports = set()
        for rule in manifest.get("NetworkPolicy", policy)["spec"][direction]:
            peers = rule.get("from" if direction == "ingress" else "to", [])
            if any(all(labels.get(k) == v for k, v in p["podSelector"]["matchLabels"].items()) for p in peers):
                ports |= {p["port"] for p in rule["ports"]}
        return ports

    assert {"native", "interserver"} <= from_peer(SERVER, "ingress", server_labels)
    assert {9000, 9009} <= from_peer(SERVER, "egress", server_labels)
    assert 9181 in from_peer(SERVER, "egress", keeper_labels)
    assert "client" in from_peer(KEEPER, "ingress", server_labels)
    assert "raft" in from_peer(KEEPER, "ingress", keeper_labels)
    assert 9234 in from_peer(KEEPER, "egress", keeper_labels)


def test_the_clickhouse_chart_alone_renders_a_cluster():
    from harness.paths import SUBCHARTS

    chart = next(c for c in SUBCHARTS if c.name == "clickhouse")
    manifest = render_chart(chart, values={"auth": {"existingSecret": "ch"}, "cluster": {"enabled": True}},
                            namespace=NAMESPACE)
    assert manifest.get("StatefulSet", "obs-clickhouse")["spec"]["replicas"] == 3
    assert manifest.get("StatefulSet", "obs-clickhouse-keeper")["spec"]["replicas"] == 3


@pytest.mark.parametrize(("values", "message"), [
    ({"clickhouse": {"cluster": {"enabled": True, "replicas": 1}}, "langfuse": {"clickhouse": {"clusterEnabled": True}}},
     "cluster.replicas is 1: set it to 2 or more"),
    ({"clickhouse": {"cluster": {"enabled": True, "keeper": {"replicas": 4}}},
      "langfuse": {"clickhouse": {"clusterEnabled": True}}}, "cluster.keeper.replicas is 4: set it to an odd number"),
    ({"clickhouse": {"cluster": {"enabled": True, "keeper": {"replicas": 1}}},
      "langfuse": {"clickhouse": {"clusterEnabled": True}}}, "cluster.keeper.replicas is 1: set it to an odd number, 3"),
    ({"clickhouse": {"cluster": {"enabled": True}}}, "also set langfuse.clickhouse.clusterEnabled: true"),
    ({"langfuse": {"clickhouse": {"clusterEnabled": True}}}, "also set clickhouse.cluster.enabled: true"),
])
def test_bad_cluster_values_are_refused_with_what_to_set(values, message):
    with pytest.raises(RenderError) as refused:
        render_chart(values=values, validate=False)
    assert message in refused.value.stderr


def test_a_keeper_statefulset_name_too_long_for_its_pods_labels_is_refused():
    release = "a" * 35  # within the umbrella's 36; <release>-clickhouse-keeper is 53
    with pytest.raises(RenderError) as refused:
        render_chart(values=CLUSTER, release=release, validate=False)
    assert "longer than 52" in refused.value.stderr
    render_chart(values=CLUSTER, release="a" * 34)


def test_an_external_clickhouse_cluster_needs_no_bundled_switch():
    values = {"clickhouse": {"enabled": False},
              "langfuse": {"clickhouse": {"host": "ch.example.com", "existingSecret": "ch", "clusterEnabled": True}}}
    config = langfuse_config(render_chart(values=values))
    assert (config["CLICKHOUSE_CLUSTER_ENABLED"], config["CLICKHOUSE_CLUSTER_NAME"]) == ("true", LANGFUSE_CLUSTER_NAME)

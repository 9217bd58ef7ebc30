"""The shell the ClickHouse cluster's pods run before their servers start, run here on the
rendered commands: Keeper's start command picks each node's Raft id, the server's escapes every
secret its config reads with from_env, and the init container refuses a volume LangFuse
migrated on a single server. The servers themselves are stand-ins that report what they were
given: ClickHouse cannot run here (Debian has 18.16, without Keeper).
"""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest

from harness.render import render_chart

CLUSTER = {"clickhouse": {"cluster": {"enabled": True, "keeper": {"replicas": 5}}},
           "langfuse": {"clickhouse": {"clusterEnabled": True}}}
KEEPER = "obs-clickhouse-keeper"
SERVER = "obs-clickhouse"


def containers(manifest, workload):
    spec = manifest.get("StatefulSet", workload)["spec"]["template"]["spec"]
    return {c["name"]: c for c in spec.get("initContainers", []) + spec["containers"]}


def stand_in(tmp_path, name: str, variables: list[str]):
    """An executable `name` on a PATH of its own that writes each variable to a file."""
    lines = "".join(f'printf %s "${variable}" > {tmp_path}/{variable}\n' for variable in variables)
    program = tmp_path / name
    program.write_text(f"#!/bin/sh\n{lines}")
    program.chmod(0o755)
    return f"{tmp_path}:{os.environ['PATH']}"


@pytest.mark.parametrize("ordinal", range(5))
def test_each_keeper_node_starts_with_the_raft_id_that_names_its_own_pod(tmp_path, ordinal):
    manifest = render_chart(values=CLUSTER)
    command = containers(manifest, KEEPER)["keeper"]["command"]
    path = stand_in(tmp_path, "clickhouse-keeper", ["KEEPER_SERVER_ID"])
    pod = f"{KEEPER}-{ordinal}"
    subprocess.run(command, check=True, timeout=30, env={"POD_NAME": pod, "PATH": path})
    server_id = (tmp_path / "KEEPER_SERVER_ID").read_text()
    raft = ElementTree.fromstring(manifest.get("ConfigMap", KEEPER)["data"]["keeper.xml"])
    hostnames = {s.findtext("id"): s.findtext("hostname") for s in raft.iter("server")}
    assert hostnames[server_id].startswith(f"{pod}.{KEEPER}-headless.")


def test_a_keeper_pod_without_an_ordinal_does_not_start(tmp_path):
    command = containers(render_chart(values=CLUSTER), KEEPER)["keeper"]["command"]
    path = stand_in(tmp_path, "clickhouse-keeper", ["KEEPER_SERVER_ID"])
    result = subprocess.run(command, timeout=30, env={"POD_NAME": "keeper", "PATH": path},
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "no ordinal" in result.stderr
    assert not (tmp_path / "KEEPER_SERVER_ID").exists()


@pytest.mark.parametrize("secret", ["p&ss<w>rd", "a&amp;b", "ends-with-a-newline\n", "plain"])
def test_the_server_reads_each_cluster_secret_with_xml_characters_as_it_is(tmp_path, secret):
    # src/Common/Config/ConfigProcessor.cpp parses a from_env value as the text of an element.
    variables = ["CLICKHOUSE_DEFAULT_PASSWORD", "CLICKHOUSE_INTERSERVER_PASSWORD", "CLICKHOUSE_CLUSTER_SECRET"]
    command = containers(render_chart(values=CLUSTER), SERVER)["clickhouse"]["command"]
    path = stand_in(tmp_path, "clickhouse-server", variables)
    subprocess.run(command, check=True, timeout=30, env={name: f"{name}:{secret}" for name in variables} | {"PATH": path})
    for name in variables:
        read = ElementTree.fromstring(f"<from_env>{(tmp_path / name).read_text()}</from_env>").text or ""
        assert read == f"{name}:{secret}"


# What ClickHouse writes to metadata/<database>/schema_migrations.sql for golang-migrate's table,
# as up.sh has it created: x-migrations-table-engine MergeTree (one node) or ReplicatedMergeTree
# (a cluster), which the server stores with its default arguments filled in.
SINGLE_NODE_TABLE = """ATTACH TABLE _ UUID '2f1a0e37-6bd1-4c3e-9d1a-000000000001'
(
    `version` Int64,
    `dirty` UInt8,
    `sequence` UInt64
)
ENGINE = MergeTree
ORDER BY sequence
SETTINGS index_granularity = 8192
"""
REPLICATED_TABLE = SINGLE_NODE_TABLE.replace(
    "ENGINE = MergeTree", "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}')")


def refuse_single_node_data(tmp_path, tables: dict[str, str]):
    """The init container's script on a data directory holding these schema_migrations tables
    (database → metadata), with the volume's path moved to tmp_path."""
    for database, metadata in tables.items():
        (tmp_path / "metadata" / database).mkdir(parents=True)
        (tmp_path / "metadata" / database / "schema_migrations.sql").write_text(metadata)
    init = containers(render_chart(values=CLUSTER), SERVER)["refuse-single-node-data"]
    command = [part.replace("/var/lib/clickhouse", str(tmp_path)) for part in init["command"]]
    return subprocess.run(command, timeout=30, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("tables", [{}, {"default": REPLICATED_TABLE}, {"default": REPLICATED_TABLE, "langfuse": REPLICATED_TABLE}],
                         ids=["empty volume", "cluster data", "two cluster databases"])
def test_a_replica_starts_on_an_empty_volume_or_on_cluster_data(tmp_path, tables):
    result = refuse_single_node_data(tmp_path, tables)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("database", ["default", "langfuse"])
def test_a_replica_refuses_a_volume_langfuse_migrated_on_a_single_server(tmp_path, database):
    result = refuse_single_node_data(tmp_path, {database: SINGLE_NODE_TABLE})
    assert result.returncode == 1
    assert f"{database}.schema_migrations is not replicated" in result.stderr
    assert "README, Single node to cluster" in result.stderr

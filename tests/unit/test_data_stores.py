"""PostgreSQL, ClickHouse, Valkey and SeaweedFS: StatefulSets whose data outlives the release."""

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from harness.capacity import cpu_millicores, memory_bytes
from harness.paths import REPO_ROOT
from harness.render import render_chart

SYSTEM_LOG_TABLES_FILE = Path(__file__).parent / "data" / "clickhouse-system-log-tables.txt"

STORES = ["postgres", "clickhouse", "valkey", "object-storage"]


def main_container(manifest, store):
    return manifest.find("StatefulSet", f"obs-{store}", "spec.template.spec.containers[0]")


@pytest.mark.parametrize("store", STORES)
def test_store_keeps_its_volume_when_the_release_goes(store):
    statefulset = render_chart().get("StatefulSet", f"obs-{store}")
    assert statefulset["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain",
                                                                         "whenScaled": "Retain"}
    [claim] = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    assert "helm.sh/hook" not in statefulset["metadata"].get("annotations", {})


@pytest.mark.parametrize("store", STORES)
def test_store_runs_in_utc(store):
    env = {var["name"]: var.get("value") for var in main_container(render_chart(), store)["env"]}
    assert env["TZ"] == "UTC"


@pytest.mark.parametrize("store", STORES)
def test_store_has_startup_readiness_and_liveness_probes(store):
    container = main_container(render_chart(), store)
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert probe in container
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300


@pytest.mark.parametrize("store", STORES)
def test_store_without_persistence_uses_an_empty_dir(store):
    statefulset = render_chart(values={store: {"persistence": {"enabled": False}}}).get(
        "StatefulSet", f"obs-{store}")
    assert "volumeClaimTemplates" not in statefulset["spec"]
    volumes = {v["name"]: v for v in statefulset["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"] == {"name": "data", "emptyDir": {}}


def test_postgres_is_15_or_newer_and_runs_in_utc():
    container = main_container(render_chart(), "postgres")
    assert int(container["image"].rsplit(":", 1)[1].split(".")[0]) >= 15
    assert "timezone=UTC" in container["args"]


def test_clickhouse_is_25_12_or_newer_single_node_with_the_password_from_a_secret():
    manifest = render_chart()
    container = main_container(manifest, "clickhouse")
    major, minor = map(int, container["image"].rsplit(":", 1)[1].split(".")[:2])
    assert (major, minor) >= (25, 12)
    assert manifest.get("StatefulSet", "obs-clickhouse")["spec"]["replicas"] == 1
    users = manifest.get("ConfigMap", "obs-clickhouse")["data"]["users.xml"]
    assert 'from_env="CLICKHOUSE_DEFAULT_PASSWORD"' in users
    [password] = [v for v in container["env"] if v["name"] == "CLICKHOUSE_DEFAULT_PASSWORD"]
    assert password["valueFrom"]["secretKeyRef"] == {"name": "obs-clickhouse-auth", "key": "password"}


def test_valkey_never_evicts_langfuse_queues():
    config = render_chart().get("ConfigMap", "obs-valkey")["data"]["valkey.conf"]
    assert "maxmemory-policy noeviction" in config.splitlines()
    assert "appendonly yes" in config.splitlines()
    assert "requirepass" not in config  # written from the Secret by the init container


def test_object_storage_creates_the_langfuse_bucket():
    container = main_container(render_chart(), "object-storage")
    create = container["lifecycle"]["postStart"]["exec"]["command"][-1]
    assert "for bucket in langfuse;" in create
    assert "-s3" in container["command"]


def system_log_tables():
    return [line for line in SYSTEM_LOG_TABLES_FILE.read_text().splitlines() if line and not line.startswith("#")]


def clickhouse_config_files(manifest):
    """The ClickHouse config files the server reads, parsed, by their path in the container."""
    statefulset = manifest.get("StatefulSet", "obs-clickhouse")
    data = manifest.get("ConfigMap", "obs-clickhouse")["data"]
    mounts = statefulset["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    return {mount["mountPath"]: ElementTree.fromstring(data[mount["subPath"]])
            for mount in mounts if mount["name"] == "config"}


def system_log_retention(manifest):
    """Table → days of the TTL the server's config.d gives it (None: kept forever)."""
    sections = {}
    for path, root in clickhouse_config_files(manifest).items():
        if path.startswith("/etc/clickhouse-server/config.d/"):
            sections.update({section.tag: section for section in root if section.tag.endswith("_log")})
    retention = {}
    for table, section in sections.items():
        engine, ttl = section.findtext("engine"), section.findtext("ttl")
        # ClickHouse refuses to start when a log has both (SystemLog.cpp, createSystemLog).
        assert not (engine and ttl), f"{table}: a <ttl> beside <engine> stops the server"
        days = re.search(r"\bttl\b.*\+ INTERVAL (\d+) DAY DELETE", engine or f"ttl {ttl}", re.IGNORECASE)
        retention[table] = int(days.group(1)) if days else None
    return retention


def test_every_clickhouse_system_log_is_kept_for_a_week_and_no_log_is_switched_on():
    retention = system_log_retention(render_chart())
    assert retention == {table: 7 for table in system_log_tables()}


def test_clickhouse_system_log_retention_is_a_setting():
    retention = system_log_retention(render_chart(values={"clickhouse": {"systemLogs": {"retentionDays": 2}}}))
    assert set(retention.values()) == {2}


def test_clickhouse_may_use_the_memory_langfuse_names_as_its_minimum():
    # LangFuse's minimum for ClickHouse in production: 2 CPUs, 8 GiB
    # (langfuse.com/self-hosting/configuration/scaling, "Minimum Infrastructure Requirements").
    default = main_container(render_chart(), "clickhouse")["resources"]
    assert memory_bytes(default["limits"]["memory"]) >= 8 * 2**30
    production = main_container(render_chart(values_files=(REPO_ROOT / "values" / "production.yaml",)),
                                "clickhouse")["resources"]
    assert cpu_millicores(production["requests"]["cpu"]) >= 2000
    assert memory_bytes(production["requests"]["memory"]) >= 8 * 2**30


STORAGE_CLASS_SETTINGS = {
    "postgres": {"persistence": {"storageClass": "3"}, "backup": {"enabled": True, "persistence": {"storageClass": "3"}}},
    "clickhouse": {"persistence": {"storageClass": "3"}},
    "valkey": {"persistence": {"storageClass": "3"}},
    "object-storage": {"persistence": {"storageClass": "3"}},
    "otel-collector": {"persistence": {"storageClass": "3"}},
    "monitoring": {"prometheus": {"persistence": {"storageClass": "3"}},
                   "alertmanager": {"persistence": {"storageClass": "3"}},
                   "grafana": {"persistence": {"enabled": True, "storageClass": "3"}}},
}


def test_a_storage_class_that_reads_as_a_number_reaches_every_claim_as_a_name():
    """StorageClass names are DNS subdomains, so "3" is one; written unquoted it became the
    number 3, which the API server refuses for a string field (found by the fuzzed values)."""
    manifest = render_chart(values_files=(REPO_ROOT / "values" / "kind.yaml",), values=STORAGE_CLASS_SETTINGS)
    claims = [claim for workload in manifest.of_kind("StatefulSet")
              for claim in workload["spec"].get("volumeClaimTemplates", [])]
    claims += manifest.of_kind("PersistentVolumeClaim")
    assert len(claims) >= 9
    assert {claim["spec"].get("storageClassName") for claim in claims} == {"3"}

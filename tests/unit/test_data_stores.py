"""PostgreSQL, ClickHouse, Valkey and SeaweedFS: StatefulSets whose data outlives the release."""

import pytest

from harness.render import render_chart

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

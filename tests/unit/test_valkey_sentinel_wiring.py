"""The valkey chart's sentinel mode as LangFuse is wired to it, and LangFuse's Redis Sentinel and
Cluster settings as LangFuse v4.16.0 reads them (packages/shared/src/env.ts,
packages/shared/src/server/redis/redis.ts). The failover itself runs for real in
tests/component/test_valkey_sentinel.py."""

from harness.render import render_chart

SENTINEL = {"valkey": {"sentinel": {"enabled": True}}, "langfuse": {"redis": {"sentinel": {"enabled": True}}}}


def langfuse_config(manifest):
    return next(c["data"] for c in manifest.of_kind("ConfigMap") if "REDIS_TLS_ENABLED" in c.get("data", {}))


def secret_refs(manifest, workload, container):
    env = manifest.containers(workload)[container]["env"]
    return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env if "secretKeyRef" in e.get("valueFrom", {})}


def test_the_default_is_a_single_server_and_langfuse_reads_no_sentinel_setting():
    manifest = render_chart()
    assert manifest.get("StatefulSet", "obs-valkey")["spec"]["replicas"] == 1
    assert not [key for key in langfuse_config(manifest) if key.startswith(("REDIS_SENTINEL", "REDIS_CLUSTER"))]


def test_langfuse_asks_every_pods_sentinel_for_the_primary_by_the_name_they_announce():
    manifest = render_chart(values=SENTINEL)
    statefulset = manifest.get("StatefulSet", "obs-valkey")
    assert statefulset["spec"]["replicas"] == 3
    headless = statefulset["spec"]["serviceName"]
    assert manifest.get("Service", headless)["spec"]["clusterIP"] == "None"
    pods = [f"obs-valkey-{n}.{headless}.observability.svc.cluster.local" for n in range(3)]
    config = langfuse_config(manifest)
    assert config["REDIS_SENTINEL_ENABLED"] == "true"
    assert config["REDIS_SENTINEL_NODES"] == ",".join(f"{pod}:26379" for pod in pods)
    init = manifest.containers("obs-valkey")["write-auth-config"]["command"][-1]
    assert f'hosts="{" ".join(pods)}"' in init  # what each pod announces (replica-announce-ip, announce-ip)
    assert f"sentinel monitor {config['REDIS_SENTINEL_MASTER_NAME']} " in init
    assert {p["port"] for p in manifest.get("Service", headless)["spec"]["ports"]} == {6379, 26379}


def test_no_client_address_reaches_a_replica_at_random():
    """With Sentinel, any one pod may be a read-only replica: a Service that balances clients over
    all pods' Valkey port sends half their writes to a replica (READONLY). The client Service
    carries the Sentinels only, and LangFuse gets no REDIS_HOST, which redis.ts ignores once
    REDIS_SENTINEL_ENABLED is true (v4.16.0: createRedisSentinelInstance is chosen first)."""
    manifest = render_chart(values=SENTINEL)
    assert [p["port"] for p in manifest.get("Service", "obs-valkey")["spec"]["ports"]] == [26379]
    config = langfuse_config(manifest)
    assert "REDIS_HOST" not in config and "REDIS_PORT" not in config
    single = langfuse_config(render_chart())
    assert (single["REDIS_HOST"], single["REDIS_PORT"]) == ("obs-valkey", "6379")


def test_langfuse_authenticates_to_valkey_and_its_sentinels_with_the_stores_secret():
    manifest = render_chart(values=SENTINEL)
    valkey_secret = manifest.containers("obs-valkey")["write-auth-config"]["env"][0]["valueFrom"]["secretKeyRef"]
    for workload in ("obs-langfuse-web", "obs-langfuse-worker"):
        refs = secret_refs(manifest, workload, workload.rsplit("-", 1)[-1])
        assert refs["REDIS_AUTH"] == valkey_secret
        assert refs["REDIS_SENTINEL_PASSWORD"] == valkey_secret


def test_an_external_sentinel_and_an_external_cluster_render_as_langfuse_reads_them():
    sentinel = render_chart(values={"valkey": {"enabled": False}, "langfuse": {"redis": {
        "existingSecret": "redis-auth",
        "sentinel": {"enabled": True, "nodes": ["s1.example.com:26379", "s2.example.com:26379"],
                     "masterName": "mymaster", "username": "watcher", "existingSecret": "sentinel-auth"}}}})
    config = langfuse_config(sentinel)
    assert (config["REDIS_SENTINEL_NODES"], config["REDIS_SENTINEL_MASTER_NAME"], config["REDIS_SENTINEL_USERNAME"]) == (
        "s1.example.com:26379,s2.example.com:26379", "mymaster", "watcher")
    assert secret_refs(sentinel, "obs-langfuse-web", "web")["REDIS_SENTINEL_PASSWORD"]["name"] == "sentinel-auth"
    cluster = render_chart(values={"valkey": {"enabled": False}, "langfuse": {"redis": {
        "cluster": {"enabled": True, "nodes": ["c1.example.com:6379", "c2.example.com:6379"]}}}})
    config = langfuse_config(cluster)
    assert (config["REDIS_CLUSTER_ENABLED"], config["REDIS_CLUSTER_NODES"]) == (
        "true", "c1.example.com:6379,c2.example.com:6379")
    assert "REDIS_SENTINEL_ENABLED" not in config


def test_the_sentinels_reach_one_another_and_langfuse_reaches_them_under_the_network_policy():
    manifest = render_chart(values=SENTINEL | {"global": {"networkPolicy": {"enabled": True}}})
    policy = manifest.get("NetworkPolicy", "obs-valkey")["spec"]
    ingress_ports = [{p["port"] for p in rule["ports"]} for rule in policy["ingress"]]
    assert all({"redis", "sentinel"} <= ports for ports in ingress_ports)
    egress_ports = set().union(*({p["port"] for p in rule["ports"]} for rule in policy["egress"]))
    assert {6379, 26379} <= egress_ports

"""The rendered pods as the container tier runs them (harness.pods): translated here, run there.

The container tier needs Docker; what it runs is decided by this translation, which needs
only the render: that the stores are reachable at the addresses LangFuse is configured with,
that both ends of every credential get the same value, and that Kubernetes' meaning of
command, args, env and volumes is kept.
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlparse

import pytest
import yaml

from harness import pods
from harness.paths import REPO_ROOT
from harness.render import Manifest, render_chart

KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"
WORKLOADS = [("StatefulSet", "obs-postgres"), ("StatefulSet", "obs-valkey"), ("StatefulSet", "obs-clickhouse"),
             ("StatefulSet", "obs-object-storage"), ("Deployment", "obs-langfuse-web"),
             ("Deployment", "obs-langfuse-worker"), ("StatefulSet", "obs-otel-collector")]


@pytest.fixture(scope="module")
def manifest():
    return render_chart(values_files=(KIND_VALUES,), values=pods.ONE_CONTAINER_PER_POD)


@pytest.fixture(scope="module")
def stack(manifest):
    values = pods.secret_values(manifest)
    found = {name: pods.pod(manifest, kind, name, values) for kind, name in WORKLOADS}
    [job] = [j["metadata"]["name"] for j in manifest.of_kind("Job")
             if j["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == "migration"]
    found["migration"] = pods.pod(manifest, "Job", job, values)
    return found


def env_of(pod: pods.Pod, container: str | None = None) -> dict[str, str]:
    """The environment of the pod's container, or of the (init) container named."""
    if container is None:
        return pod.containers[0].env
    [spec] = [c for c in pod.init_containers + pod.containers if c.name == container]
    return spec.env


def pod_at(stack, host: str) -> pods.Pod:
    [found] = [pod for pod in stack.values() if host in pod.aliases]
    return found


def test_every_address_langfuse_is_given_reaches_a_store_on_a_port_it_listens_on(stack):
    env = env_of(stack["obs-langfuse-web"])
    addresses = {
        "DATABASE_HOST": ("obs-postgres", urlparse(f"//{env['DATABASE_HOST']}")),
        "REDIS_HOST": ("obs-valkey", urlparse(f"//{env['REDIS_HOST']}:{env['REDIS_PORT']}")),
        "CLICKHOUSE_URL": ("obs-clickhouse", urlparse(env["CLICKHOUSE_URL"])),
        "CLICKHOUSE_MIGRATION_URL": ("obs-clickhouse", urlparse(env["CLICKHOUSE_MIGRATION_URL"])),
        "LANGFUSE_S3_EVENT_UPLOAD_ENDPOINT": ("obs-object-storage", urlparse(env["LANGFUSE_S3_EVENT_UPLOAD_ENDPOINT"])),
        "LANGFUSE_S3_MEDIA_UPLOAD_ENDPOINT": ("obs-object-storage", urlparse(env["LANGFUSE_S3_MEDIA_UPLOAD_ENDPOINT"])),
    }
    for variable, (store, address) in addresses.items():
        target = pod_at(stack, address.hostname)
        assert target.name == store, f"{variable} names {address.hostname}, a Service of {target.name}"
        assert address.port in target.containers[0].ports.values(), (variable, target.containers[0].ports)


def test_the_collector_exports_to_langfuse_web_on_its_port(manifest, stack):
    config = yaml.safe_load(manifest.get("ConfigMap", "obs-otel-collector")["data"]["config.yaml"])
    endpoint = urlparse(config["exporters"]["otlphttp/langfuse"]["endpoint"])
    web = pod_at(stack, endpoint.hostname)
    assert web.name == "obs-langfuse-web"
    assert endpoint.port in web.containers[0].ports.values()


def test_both_ends_of_every_credential_get_the_same_value(stack):
    web = env_of(stack["obs-langfuse-web"])
    pairs = {
        "PostgreSQL password": (web["DATABASE_PASSWORD"], env_of(stack["obs-postgres"])["POSTGRES_PASSWORD"]),
        "PostgreSQL user": (web["DATABASE_USERNAME"], env_of(stack["obs-postgres"])["POSTGRES_USER"]),
        "PostgreSQL database": (web["DATABASE_NAME"], env_of(stack["obs-postgres"])["POSTGRES_DB"]),
        "ClickHouse password": (web["CLICKHOUSE_PASSWORD"],
                                env_of(stack["obs-clickhouse"])["CLICKHOUSE_DEFAULT_PASSWORD"]),
        "Valkey password": (web["REDIS_AUTH"], env_of(stack["obs-valkey"], "write-auth-config")["VALKEY_PASSWORD"]),
        "S3 access key": (web["LANGFUSE_S3_EVENT_UPLOAD_ACCESS_KEY_ID"],
                          env_of(stack["obs-object-storage"], "write-s3-config")["S3_ACCESS_KEY_ID"]),
        "S3 secret key": (web["LANGFUSE_S3_MEDIA_UPLOAD_SECRET_ACCESS_KEY"],
                          env_of(stack["obs-object-storage"], "write-s3-config")["S3_SECRET_ACCESS_KEY"]),
        "worker's encryption key": (web["ENCRYPTION_KEY"], env_of(stack["obs-langfuse-worker"])["ENCRYPTION_KEY"]),
        "migration's database password": (web["DATABASE_PASSWORD"], env_of(stack["migration"])["DATABASE_PASSWORD"]),
    }
    collector = env_of(stack["obs-otel-collector"])
    pairs["collector's public key"] = (web["LANGFUSE_INIT_PROJECT_PUBLIC_KEY"], collector["LANGFUSE_PUBLIC_KEY"])
    pairs["collector's secret key"] = (web["LANGFUSE_INIT_PROJECT_SECRET_KEY"], collector["LANGFUSE_SECRET_KEY"])
    assert {what: a == b and bool(a) for what, (a, b) in pairs.items()} == {what: True for what in pairs}


def test_generated_credentials_have_the_form_langfuse_accepts(stack):
    web = env_of(stack["obs-langfuse-web"])
    # 64 hex characters: LangFuse refuses to start otherwise (packages/shared/src/env.ts, ENCRYPTION_KEY).
    assert re.fullmatch(r"[0-9a-f]{64}", web["ENCRYPTION_KEY"])
    assert re.fullmatch(r"pk-lf-[0-9a-f-]{36}", web["LANGFUSE_INIT_PROJECT_PUBLIC_KEY"])
    assert re.fullmatch(r"sk-lf-[0-9a-f-]{36}", web["LANGFUSE_INIT_PROJECT_SECRET_KEY"])
    assert len(base64.b64decode(web["SALT"])) == 32
    assert re.fullmatch(r"[A-Za-z0-9]{32}", web["DATABASE_PASSWORD"])


def test_a_containers_own_env_wins_over_the_config_map_it_takes_whole(manifest, stack):
    config = manifest.get("ConfigMap", "obs-langfuse")["data"]
    migration = env_of(stack["migration"], "migrate-postgres")
    assert config["LANGFUSE_AUTO_POSTGRES_MIGRATION_DISABLED"] == "true"
    assert migration["LANGFUSE_AUTO_POSTGRES_MIGRATION_DISABLED"] == "false"
    assert {key: migration[key] for key in config if not key.startswith("LANGFUSE_AUTO_")} == \
        {key: value for key, value in config.items() if not key.startswith("LANGFUSE_AUTO_")}


def test_command_replaces_the_entrypoint_and_args_replace_only_the_cmd(stack):
    postgres = stack["obs-postgres"].containers[0]
    assert postgres.entrypoint is None and postgres.command[0] == "postgres"  # docker-entrypoint.sh kept
    clickhouse = stack["obs-clickhouse"].containers[0]
    assert clickhouse.entrypoint[:2] == ["sh", "-c"] and clickhouse.command == []
    # LangFuse's containers: the chart's command ends in the image's entrypoint script.
    migration = stack["migration"].containers[0]
    assert migration.entrypoint[0] == "dumb-init" and migration.entrypoint[-1] == "./web/entrypoint.sh"
    assert migration.command == ["node", "-e", "process.exit(0)"]
    web = stack["obs-langfuse-web"].containers[0]
    assert web.entrypoint[0] == "dumb-init" and web.command[:2] == ["node", "./web/server.js"]


def test_config_files_are_the_rendered_config_maps_mounted_read_only(manifest, stack):
    clickhouse = stack["obs-clickhouse"]
    assert clickhouse.volumes["config"].files == manifest.get("ConfigMap", "obs-clickhouse")["data"]
    mounts = {m.path: m for m in clickhouse.containers[0].mounts}
    assert mounts["/etc/clickhouse-server/users.d/agent-observability.xml"].sub_path == "users.xml"
    assert clickhouse.volumes["data"].files is None  # the claim: an empty, writable directory
    valkey = stack["obs-valkey"]
    assert "maxmemory-policy noeviction" in valkey.volumes["config"].files["valkey.conf"]


@pytest.mark.parametrize("name", [name for _, name in WORKLOADS] + ["migration"])
def test_the_restricted_security_settings_are_what_docker_enforces(stack, name):
    for container in stack[name].init_containers + stack[name].containers:
        assert container.user and not container.user.startswith("0:"), container.name
        assert container.read_only_root and container.cap_drop == ["ALL"] and container.no_new_privileges
        assert container.memory_limit and container.memory_limit >= 32 * 2**20


def synthetic(*objects) -> Manifest:
    return Manifest(tuple(objects))


def deployment(container: dict, volumes=(), labels=None) -> dict:
    return {"kind": "Deployment", "metadata": {"name": "app"}, "spec": {"template": {
        "metadata": {"labels": labels or {"app": "x"}},
        "spec": {"containers": [{"name": "main", "image": "example.org/app:1.0", **container}],
                 "volumes": list(volumes)}}}}


def test_references_resolve_and_missing_ones_are_named():
    objects = (
        {"kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"MODE": "fast", "HOST": "db"}},
        {"kind": "Secret", "metadata": {"name": "creds"}, "data": {"password": base64.b64encode(b"s3cret").decode()}},
    )
    container = {"envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "APP_"}], "env": [
        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "MODE"}}},
        {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "MAYBE", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "k", "optional": True}}},
        {"name": "URL", "value": "postgres://$(APP_HOST)/$(UNDEFINED)/$$(APP_HOST)"},
    ], "args": ["--mode=$(MODE)"]}
    manifest = synthetic(*objects, deployment(container))
    pod = pods.pod(manifest, "Deployment", "app", pods.secret_values(manifest), namespace="ns")
    [main] = pod.containers
    assert main.env == {"APP_MODE": "fast", "APP_HOST": "db", "PASSWORD": "s3cret", "MODE": "fast",
                        "NAMESPACE": "ns", "URL": "postgres://db/$(UNDEFINED)/$(APP_HOST)"}
    assert main.entrypoint is None and main.command == ["--mode=fast"]

    missing = {"env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "other"}}}]}
    manifest = synthetic(*objects, deployment(missing))
    with pytest.raises(pods.Untranslatable, match="Secret 'creds' has no key 'other'"):
        pods.pod(manifest, "Deployment", "app", pods.secret_values(manifest))


def test_rendered_secrets_keep_their_values_and_the_generator_adds_only_missing_keys():
    spec = {"secrets": [{"name": "creds", "keys": {"password": "alnum:8", "token": "hex:4"}}]}
    manifest = synthetic(
        {"kind": "Secret", "metadata": {"name": "creds"}, "stringData": {"password": "chosen"}},
        {"kind": "ConfigMap", "metadata": {"name": "generator"}, "data": {"secrets.json": json.dumps(spec)}})
    values = pods.secret_values(manifest)["creds"]
    assert values["password"] == "chosen" and re.fullmatch(r"[0-9a-f]{8}", values["token"])


def test_a_service_that_maps_to_another_port_is_refused():
    service = {"kind": "Service", "metadata": {"name": "front"},
               "spec": {"selector": {"app": "x"}, "ports": [{"port": 80, "targetPort": "http"}]}}
    manifest = synthetic(service, deployment({"ports": [{"name": "http", "containerPort": 8080}]}))
    with pytest.raises(pods.Untranslatable, match="maps port 80"):
        pods.pod(manifest, "Deployment", "app", {})


def test_a_service_on_the_container_port_names_the_pod_short_and_qualified():
    service = {"kind": "Service", "metadata": {"name": "front"},
               "spec": {"selector": {"app": "x"}, "ports": [{"port": 8080, "targetPort": "http"}]}}
    manifest = synthetic(service, deployment({"ports": [{"name": "http", "containerPort": 8080}]}))
    assert pods.pod(manifest, "Deployment", "app", {}, namespace="ns").aliases == [
        "front", "front.ns", "front.ns.svc", "front.ns.svc.cluster.local"]


@pytest.mark.parametrize("quantity, expected", [("512Mi", 512 * 2**20), ("2Gi", 2 * 2**30), ("1G", 10**9),
                                                ("1536Mi", 1536 * 2**20), (1048576, 2**20), ("128k", 128_000)])
def test_memory_quantities(quantity, expected):
    assert pods.memory_bytes(quantity) == expected


def test_an_unknown_memory_unit_is_refused():
    with pytest.raises(pods.Untranslatable, match="not understood"):
        pods.memory_bytes("1Xi")

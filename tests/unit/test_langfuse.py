"""LangFuse v4 web, worker and migrations, rendered inside the umbrella."""

import re
from pathlib import Path

import pytest

from harness.render import render_chart

ENV_NAMES_FILE = Path(__file__).parent / "data" / "langfuse-v4.16.0-env-names.txt"
# Read by Node.js itself, not by LangFuse's schemas.
RUNTIME_ENV_NAMES = {"NODE_OPTIONS", "TZ"}
EXTERNAL_STORES = {
    "postgres": {"enabled": False}, "valkey": {"enabled": False}, "object-storage": {"enabled": False},
    "langfuse": {
        "database": {"host": "db.example.com", "existingSecret": "my-db", "args": "sslmode=require"},
        "redis": {"host": "cache.example.com", "tls": True, "existingSecret": "my-redis"},
        # AWS S3 with IRSA: the bucket and its region are all there is to say.
        "s3": {"bucket": "events", "region": "eu-west-1"},
    },
}


def langfuse_containers(manifest):
    """(workload, container) of each of LangFuse's containers: web, worker, the migration Job."""
    names = ["obs-langfuse-web", "obs-langfuse-worker"] + [job["metadata"]["name"] for job in manifest.workloads("migration")]
    for name in names:
        for container in manifest.containers(name):
            yield name, container


def migration_job(manifest):
    [job] = manifest.workloads("migration")
    return job


def test_every_environment_variable_is_one_langfuse_reads():
    known = {line for line in ENV_NAMES_FILE.read_text().splitlines() if line and not line.startswith("#")}
    manifest = render_chart()
    for name, container in langfuse_containers(manifest):
        unknown = set(manifest.env(name, container)) - known - RUNTIME_ENV_NAMES
        assert not unknown, f"{container} sets variables LangFuse v4.16.0 never reads: {unknown}"


def test_the_names_the_official_chart_gets_wrong_are_the_ones_langfuse_reads():
    manifest = render_chart(values={"langfuse": {"features": {"experimentalFeaturesEnabled": True}}})
    env = manifest.env("obs-langfuse-web", "web")
    assert env["LANGFUSE_ENABLE_EXPERIMENTAL_FEATURES"] == "true"
    assert "ENABLE_EXPERIMENTAL_FEATURES" not in env
    assert not any(name.startswith("LANGFUSE_S3_MEDIA_UPLOAD_MAX") for name in env)


def test_web_and_worker_never_migrate_and_wait_for_the_migration_job():
    manifest = render_chart()
    for deployment in ("obs-langfuse-web", "obs-langfuse-worker"):
        assert list(manifest.containers(deployment))[0] == "wait-for-migrations"
        main = manifest.env(deployment, deployment.rsplit("-", 1)[1])
        assert main["LANGFUSE_AUTO_POSTGRES_MIGRATION_DISABLED"] == "true"
        assert main["LANGFUSE_AUTO_CLICKHOUSE_MIGRATION_DISABLED"] == "true"


def test_the_migration_job_migrates_clickhouse_first_then_postgres():
    manifest = render_chart()
    job = migration_job(manifest)
    assert "helm.sh/hook" not in job["metadata"].get("annotations", {})
    spec = job["spec"]["template"]["spec"]
    [clickhouse] = [container["name"] for container in spec["initContainers"]]
    [postgres] = [container["name"] for container in spec["containers"]]
    name = job["metadata"]["name"]
    assert manifest.env(name, clickhouse)["LANGFUSE_AUTO_CLICKHOUSE_MIGRATION_DISABLED"] == "false"
    assert manifest.env(name, clickhouse)["LANGFUSE_AUTO_POSTGRES_MIGRATION_DISABLED"] == "true"
    assert manifest.env(name, postgres)["LANGFUSE_AUTO_POSTGRES_MIGRATION_DISABLED"] == "false"
    assert manifest.env(name, postgres)["LANGFUSE_AUTO_CLICKHOUSE_MIGRATION_DISABLED"] == "true"
    assert spec["restartPolicy"] == "Never"


def test_a_new_image_makes_a_new_migration_job_and_the_same_inputs_the_same_job():
    first = migration_job(render_chart())["metadata"]["name"]
    again = migration_job(render_chart(values={"langfuse": {"logging": {"level": "info"}}}))["metadata"]["name"]
    upgraded = migration_job(render_chart(values={"langfuse": {"image": {"web": {"tag": "4.17.0"}}}}))
    assert first == again
    assert upgraded["metadata"]["name"] != first
    assert len(first) <= 63


def test_headless_initialisation_creates_org_project_keys_and_admin_on_web_only():
    manifest = render_chart()
    web = manifest.env("obs-langfuse-web", "web")
    assert web["LANGFUSE_INIT_ORG_ID"] and web["LANGFUSE_INIT_PROJECT_ID"]
    assert web["LANGFUSE_INIT_PROJECT_PUBLIC_KEY"] == ("secret", "obs-langfuse-project-keys", "public-key")
    assert web["LANGFUSE_INIT_PROJECT_SECRET_KEY"] == ("secret", "obs-langfuse-project-keys", "secret-key")
    assert web["LANGFUSE_INIT_USER_PASSWORD"] == ("secret", "obs-langfuse-admin", "password")
    worker = manifest.env("obs-langfuse-worker", "worker")
    assert not any(name.startswith("LANGFUSE_INIT_") for name in worker)


def test_defaults_connect_langfuse_to_the_bundled_stores():
    manifest = render_chart()
    env = manifest.env("obs-langfuse-worker", "worker")
    assert env["DATABASE_HOST"] == "obs-postgres:5432"
    assert env["DATABASE_PASSWORD"] == ("secret", "obs-postgres-auth", "password")
    assert env["CLICKHOUSE_URL"] == "http://obs-clickhouse:8123"
    assert env["CLICKHOUSE_MIGRATION_URL"] == "clickhouse://obs-clickhouse:9000"
    assert env["CLICKHOUSE_CLUSTER_ENABLED"] == "false"
    assert env["REDIS_HOST"] == "obs-valkey"
    assert env["REDIS_AUTH"] == ("secret", "obs-valkey-auth", "password")
    assert env["LANGFUSE_S3_EVENT_UPLOAD_ENDPOINT"] == "http://obs-object-storage:8333"
    assert env["LANGFUSE_S3_EVENT_UPLOAD_FORCE_PATH_STYLE"] == "true"
    assert env["LANGFUSE_S3_EVENT_UPLOAD_ACCESS_KEY_ID"] == ("secret", "obs-object-storage-auth", "access-key-id")
    for service in ("obs-postgres", "obs-clickhouse", "obs-valkey", "obs-object-storage"):
        manifest.get("Service", service)


def test_external_stores_with_tls_and_irsa():
    manifest = render_chart(values=EXTERNAL_STORES)
    env = manifest.env("obs-langfuse-web", "web")
    assert env["DATABASE_HOST"] == "db.example.com:5432"
    assert env["DATABASE_ARGS"] == "sslmode=require"
    assert env["DATABASE_PASSWORD"] == ("secret", "my-db", "password")
    assert env["REDIS_TLS_ENABLED"] == "true"
    assert env["LANGFUSE_S3_EVENT_UPLOAD_BUCKET"] == "events"
    assert not any(name.endswith(("_ACCESS_KEY_ID", "_SECRET_ACCESS_KEY", "_ENDPOINT"))
                   for name in env if name.startswith("LANGFUSE_S3_"))
    assert "obs-postgres" not in manifest.names("StatefulSet")


# Each bundled store switched off, with only what the external store itself needs.
EXTERNAL_STORE = {
    "postgres": {"database": {"host": "db.example.com", "existingSecret": "my-db"}},
    "clickhouse": {"clickhouse": {"host": "ch.example.com", "existingSecret": "my-ch"}},
    "valkey": {"redis": {"host": "cache.example.com"}},
    "object-storage": {"s3": {"bucket": "my-events", "region": "eu-west-1"}},
}
# Every setting a bundled store gives LangFuse, as environment variable names.
BUNDLED_STORE_ENV = {
    "postgres": {"DATABASE_HOST": "obs-postgres:5432", "DATABASE_PASSWORD": ("secret", "obs-postgres-auth", "password")},
    "clickhouse": {"CLICKHOUSE_URL": "http://obs-clickhouse:8123",
                   "CLICKHOUSE_PASSWORD": ("secret", "obs-clickhouse-auth", "password")},
    "valkey": {"REDIS_HOST": "obs-valkey", "REDIS_AUTH": ("secret", "obs-valkey-auth", "password")},
    "object-storage": {"LANGFUSE_S3_EVENT_UPLOAD_ENDPOINT": "http://obs-object-storage:8333",
                       "LANGFUSE_S3_EVENT_UPLOAD_FORCE_PATH_STYLE": "true",
                       "LANGFUSE_S3_EVENT_UPLOAD_BUCKET": "langfuse",
                       "LANGFUSE_S3_EVENT_UPLOAD_ACCESS_KEY_ID": ("secret", "obs-object-storage-auth", "access-key-id")},
}


@pytest.mark.parametrize("store", sorted(EXTERNAL_STORE))
def test_switching_a_bundled_store_off_needs_only_the_external_stores_settings(store):
    manifest = render_chart(values={store: {"enabled": False}, "langfuse": EXTERNAL_STORE[store]})
    for name, container in langfuse_containers(manifest):
        env = manifest.env(name, container)
        left_behind = {name: env[name] for name, bundled in BUNDLED_STORE_ENV[store].items()
                       if env.get(name) == bundled}
        assert not left_behind, f"{container} still has the bundled {store}'s settings"


def test_aws_s3_with_irsa_gets_no_endpoint_no_keys_and_virtual_hosted_addressing():
    manifest = render_chart(values={"object-storage": {"enabled": False},
                                    "langfuse": {"s3": {"bucket": "my-events", "region": "eu-west-1"}}})
    env = manifest.env("obs-langfuse-worker", "worker")
    s3 = {name: value for name, value in env.items() if name.startswith("LANGFUSE_S3_EVENT_UPLOAD_")}
    assert s3 == {"LANGFUSE_S3_EVENT_UPLOAD_BUCKET": "my-events", "LANGFUSE_S3_EVENT_UPLOAD_REGION": "eu-west-1",
                  "LANGFUSE_S3_EVENT_UPLOAD_PREFIX": "events/", "LANGFUSE_S3_EVENT_UPLOAD_FORCE_PATH_STYLE": "false"}


def test_a_bundled_store_stays_wired_where_only_its_secret_is_replaced():
    manifest = render_chart(values={"postgres": {"auth": {"existingSecret": "my-db"}},
                                    "langfuse": {"database": {"existingSecret": "my-db"}}})
    env = manifest.env("obs-langfuse-web", "web")
    assert env["DATABASE_HOST"] == "obs-postgres:5432"
    assert env["DATABASE_PASSWORD"] == ("secret", "my-db", "password")


def test_clickhouse_tls_alone_switches_both_urls_to_the_tls_ports():
    # ClickHouse Cloud serves HTTPS on 8443 and the native protocol with TLS on 9440.
    manifest = render_chart(values={"clickhouse": {"enabled": False}, "langfuse": {"clickhouse": {
        "host": "abc.eu-west-1.aws.clickhouse.cloud", "existingSecret": "my-ch", "tls": True}}})
    config = manifest.get("ConfigMap", "obs-langfuse")["data"]
    assert config["CLICKHOUSE_URL"] == "https://abc.eu-west-1.aws.clickhouse.cloud:8443"
    assert config["CLICKHOUSE_MIGRATION_URL"] == "clickhouse://abc.eu-west-1.aws.clickhouse.cloud:9440"
    assert config["CLICKHOUSE_MIGRATION_SSL"] == "true"


def test_clickhouse_ports_of_your_own_win_over_the_tls_defaults():
    manifest = render_chart(values={"clickhouse": {"enabled": False}, "langfuse": {"clickhouse": {
        "host": "ch.example.com", "existingSecret": "my-ch", "tls": True, "httpPort": 443, "nativePort": 9441}}})
    config = manifest.get("ConfigMap", "obs-langfuse")["data"]
    assert config["CLICKHOUSE_URL"] == "https://ch.example.com:443"
    assert config["CLICKHOUSE_MIGRATION_URL"] == "clickhouse://ch.example.com:9441"


@pytest.mark.parametrize("deployment, container, health, ready", [
    ("obs-langfuse-web", "web", "/api/public/health", "/api/public/ready"),
    ("obs-langfuse-worker", "worker", "/api/health", "/api/ready"),
])
def test_probes_check_the_right_endpoints_and_allow_a_slow_start(deployment, container, health, ready):
    probes = render_chart().containers(deployment)[container]
    assert probes["startupProbe"]["httpGet"]["path"] == health
    assert probes["livenessProbe"]["httpGet"]["path"] == health
    assert probes["readinessProbe"]["httpGet"]["path"] == ready
    startup = probes["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300


def test_images_are_pinned():
    for obj in render_chart():
        spec = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            image = container["image"]
            # A version, and at most an image variant (`-alpine`), never a moving tag.
            assert re.fullmatch(r"[\w./-]+:v?\d+(\.\d+)+(-[a-z0-9]+)?", image), f"{image} is not pinned to a version"


def test_alb_ingress_as_in_the_guide():
    annotations = {"alb.ingress.kubernetes.io/scheme": "internet-facing",
                   "alb.ingress.kubernetes.io/target-type": "ip"}
    manifest = render_chart(values={"langfuse": {"web": {"ingress": {
        "enabled": True, "className": "alb", "host": "langfuse.example.com", "annotations": annotations}}}})
    ingress = manifest.get("Ingress", "obs-langfuse-web")
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert ingress["metadata"]["annotations"] == annotations
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "langfuse.example.com"
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "obs-langfuse-web", "port": {"name": "http"}}


def test_autoscaling_takes_over_replicas_with_the_guides_behaviour():
    manifest = render_chart(values={"langfuse": {"web": {"autoscaling": {"enabled": True}}}})
    assert "replicas" not in manifest.get("Deployment", "obs-langfuse-web")["spec"]
    hpa = manifest.get("HorizontalPodAutoscaler", "obs-langfuse-web")
    assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
    assert hpa["spec"]["minReplicas"] == 2


def test_disruption_budgets_and_spread_over_nodes():
    manifest = render_chart()
    for component in ("web", "worker"):
        assert manifest.get("PodDisruptionBudget", f"obs-langfuse-{component}")["spec"]["maxUnavailable"] == 1
        affinity = manifest.find("Deployment", f"obs-langfuse-{component}", "spec.template.spec.affinity")
        term = affinity["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
        assert term["podAffinityTerm"]["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == component


def test_a_configuration_change_rolls_langfuse_and_nothing_else():
    before, after = render_chart(), render_chart(values={"langfuse": {"logging": {"level": "debug"}}})

    def pod_annotations(manifest):
        return {(o["kind"], o["metadata"]["name"]): o["spec"]["template"]["metadata"].get("annotations")
                for o in manifest if o["kind"] in ("Deployment", "StatefulSet")}

    changed = {key for key, value in pod_annotations(before).items() if pod_annotations(after)[key] != value}
    assert changed == {("Deployment", "obs-langfuse-web"), ("Deployment", "obs-langfuse-worker")}


def test_the_bundled_store_expires_the_raw_events_where_langfuse_writes_them():
    """object-storage's default expiry rule is on the bucket and prefix LangFuse's event upload
    is rendered with, so a change to either leaves the events expiring (README, Retention)."""
    manifest = render_chart()
    env = manifest.env("obs-langfuse-worker", "worker")
    hook = manifest.containers("obs-object-storage")["seaweedfs"]["lifecycle"]["postStart"]["exec"]
    location = f"/buckets/{env['LANGFUSE_S3_EVENT_UPLOAD_BUCKET']}/{env['LANGFUSE_S3_EVENT_UPLOAD_PREFIX']}"
    assert f"fs.configure -locationPrefix={location} -ttl=30d -apply" in hook["command"][-1]

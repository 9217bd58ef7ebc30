"""LangFuse's migration Job and gate: when the Job runs again, how it fails, how it is retried."""

import re
import shlex

import pytest

from harness.charts import merged
from harness.paths import UMBRELLA_CHART
from harness.render import render_chart

README = UMBRELLA_CHART / "README.md"


def migration_job(manifest):
    [job] = manifest.workloads("migration")
    return job


def gate_of(manifest, deployment):
    return manifest.containers(deployment)["wait-for-migrations"]


# The Job migrates external stores here, whose hosts are the user's to change (beside a bundled
# store the chart refuses a host of its own).
EXTERNAL_STORES = {"postgres": {"enabled": False}, "clickhouse": {"enabled": False}, "langfuse": {
    "database": {"host": "db.example.com", "existingSecret": "db"},
    "clickhouse": {"host": "clickhouse.example.com", "existingSecret": "clickhouse"}}}

# Every setting that changes which database or ClickHouse the Job migrates, or how.
NEW_TARGETS = {
    "database host": {"database": {"host": "db2.example.com"}},
    "database port": {"database": {"port": 6432}},
    "database name": {"database": {"name": "langfuse2"}},
    "database user": {"database": {"username": "migrator"}},
    "database arguments": {"database": {"args": "sslmode=require"}},
    "ClickHouse host": {"clickhouse": {"host": "clickhouse2.example.com"}},
    "ClickHouse database": {"clickhouse": {"database": "langfuse"}},
    "ClickHouse user": {"clickhouse": {"username": "langfuse"}},
    "ClickHouse native port": {"clickhouse": {"nativePort": 9001}},
    "ClickHouse TLS": {"clickhouse": {"tls": True}},
    "ClickHouse cluster mode": {"clickhouse": {"clusterEnabled": True}},
}


@pytest.mark.parametrize("change", NEW_TARGETS.values(), ids=NEW_TARGETS.keys())
def test_a_new_migration_target_gets_a_new_migration_job(change):
    # A completed Job of the old name would never migrate the new target.
    before = migration_job(render_chart(values=EXTERNAL_STORES))["metadata"]["name"]
    after = render_chart(values=merged(EXTERNAL_STORES, {"langfuse": change}))
    assert migration_job(after)["metadata"]["name"] != before
    # ... and the pods' gate points whoever reads its log at the Job that runs now.
    for deployment in ("obs-langfuse-web", "obs-langfuse-worker"):
        assert f"--job={migration_job(after)['metadata']['name']}" in gate_of(after, deployment)["args"]


def test_settings_the_job_does_not_read_keep_the_completed_job():
    before = migration_job(render_chart())["metadata"]["name"]
    scaled = render_chart(values={"langfuse": {"web": {"replicas": 3}, "worker": {"replicas": 2}}})
    assert migration_job(scaled)["metadata"]["name"] == before


def test_no_deadline_kills_a_running_migration():
    # A migration killed halfway leaves a dirty ClickHouse version or a failed Prisma migration.
    spec = migration_job(render_chart())["spec"]
    assert "activeDeadlineSeconds" not in spec
    assert "activeDeadlineSeconds" not in spec["template"]["spec"]
    # A replacement pod waits until the one it replaces has stopped: never two migrations at once.
    assert spec["podReplacementPolicy"] == "Failed"
    # Stores that are still starting are retried, with the Job controller's backoff.
    assert spec["backoffLimit"] >= 6


def test_the_gate_waits_for_both_schemas_with_the_images_own_tools():
    manifest = render_chart()
    for deployment in ("obs-langfuse-web", "obs-langfuse-worker"):
        gate = gate_of(manifest, deployment)
        # The web image's entrypoint runs it (the chart's command ends in it), where node, prisma
        # and the migrations are.
        assert gate["command"][0] == "dumb-init" and gate["command"][-1] == "./web/entrypoint.sh"
        assert gate["image"].startswith("docker.io/langfuse/langfuse:")
        script_path = gate["args"][1]
        [mount] = [m for m in gate["volumeMounts"] if script_path.startswith(m["mountPath"] + "/")]
        volumes = {v["name"]: v for v in manifest.get("Deployment", deployment)["spec"]["template"]["spec"]["volumes"]}
        script = manifest.get("ConfigMap", volumes[mount["name"]]["configMap"]["name"])["data"][
            script_path.rsplit("/", 1)[1]]
        assert "prisma" in script and "schema_migrations" in script


def readme_section(title):
    text = README.read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, f"the chart README has no section '## {title}'"
    return match.group(1)


def test_the_readme_explains_the_gate_on_upgrades_and_what_to_do_when_a_migration_fails():
    upgrades = readme_section("Upgrades")
    assert "wait-for-migrations" in upgrades and "ClickHouse" in upgrades and "PostgreSQL" in upgrades
    troubleshooting = readme_section("Troubleshooting")
    for needed in ("-c wait-for-migrations", "logs job/obs-langfuse-migrate-", "force N-1",
                   "prisma migrate resolve", "helm upgrade", "Argo CD", "Flux"):
        assert needed in troubleshooting, f"Troubleshooting does not mention {needed}"


def test_the_readmes_retry_command_deletes_exactly_the_migration_job():
    commands = [line.strip() for line in readme_section("Troubleshooting").splitlines()
                if line.strip().startswith("kubectl delete job")]
    assert commands, "Troubleshooting shows no `kubectl delete job` to retry the migration"
    args = shlex.split(commands[0])
    selector = dict(pair.split("=") for pair in args[args.index("-l") + 1].split(","))
    manifest = render_chart()
    chosen = [job["metadata"]["name"] for job in manifest.of_kind("Job")
              if selector.items() <= job["metadata"]["labels"].items()]
    assert chosen == [migration_job(manifest)["metadata"]["name"]]

"""The release's life on a real API server: install, test, upgrade, rollback, uninstall.

The tests run in file order and share one release: each step starts from the state the
previous one left, as a person's would.
"""

from __future__ import annotations

import base64
import tempfile
import time
from pathlib import Path

import pykube
import pytest
import yaml
from kubernetes import client
from pytest_helm_charts.k8s.deployment import wait_for_deployments_to_run
from pytest_helm_charts.k8s.stateful_set import wait_for_stateful_sets_to_run

from harness.cluster import run_secret_generator
from harness.helm import Release
from harness.paths import REPO_ROOT

KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"
GENERATED_LABEL = "app.kubernetes.io/created-by=secret-generator"
# The StatefulSet's claim of one collector replica: <volumeClaimTemplate>-<StatefulSet>-<ordinal>.
COLLECTOR_QUEUE = "queue-obs-otel-collector-{ordinal}"


@pytest.fixture(scope="module")
def release(cluster, restricted_namespace):
    return Release("obs", restricted_namespace, cluster.kubeconfig)


@pytest.fixture(scope="module")
def api(cluster):
    return {"core": client.CoreV1Api(cluster.api), "apps": client.AppsV1Api(cluster.api),
            "batch": client.BatchV1Api(cluster.api),
            "pykube": pykube.HTTPClient(pykube.KubeConfig.from_file(str(cluster.kubeconfig)))}


def run_secret_generator_hook(cluster, release) -> str:
    """Run the release's secret generator hook payload, as the Job's pod would (on KWOK, with
    Node.js here: harness.cluster.run_secret_generator)."""
    [config_map] = [h for h in release.hooks() if h["kind"] == "ConfigMap" and "secret-generator" in h["metadata"]["name"]]
    return run_secret_generator(cluster, release.namespace, config_map)


def generated_secrets(api, namespace) -> dict[str, dict]:
    secrets = api["core"].list_namespaced_secret(namespace, label_selector=GENERATED_LABEL).items
    return {s.metadata.name: {"uid": s.metadata.uid, "data": s.data} for s in secrets}


def workload_generations(api, namespace) -> dict[tuple[str, str], int]:
    found = {("Deployment", d.metadata.name): d.metadata.generation
             for d in api["apps"].list_namespaced_deployment(namespace).items}
    found.update({("StatefulSet", s.metadata.name): s.metadata.generation
                  for s in api["apps"].list_namespaced_stateful_set(namespace).items})
    return found


def queue_claim_of(api, namespace, pod: str) -> str:
    """The claim a collector pod mounts its queue from."""
    volumes = {v.name: v for v in api["core"].read_namespaced_pod(pod, namespace).spec.volumes}
    return volumes["queue"].persistent_volume_claim.claim_name


def pod_uid(api, namespace, pod: str) -> str:
    return api["core"].read_namespaced_pod(pod, namespace).metadata.uid


def scale_collector(api, namespace, replicas: int) -> None:
    """Scale the collector as its HorizontalPodAutoscaler does (the scale subresource) and wait
    until it has exactly `replicas` pods, each ready."""
    api["apps"].patch_namespaced_stateful_set_scale("obs-otel-collector", namespace, {"spec": {"replicas": replicas}})
    selector = "app.kubernetes.io/name=otel-collector,app.kubernetes.io/instance=obs"
    deadline = time.monotonic() + 120
    while True:
        pods = api["core"].list_namespaced_pod(namespace, label_selector=selector).items
        ready = [p for p in pods if p.metadata.deletion_timestamp is None and p.status.conditions
                 and any(c.type == "Ready" and c.status == "True" for c in p.status.conditions)]
        if len(pods) == len(ready) == replicas:
            return
        assert time.monotonic() < deadline, f"collector pods: {[p.metadata.name for p in pods]}"
        time.sleep(1)


def claims(api, namespace) -> dict[str, str]:
    return {c.metadata.name: c.metadata.uid
            for c in api["core"].list_namespaced_persistent_volume_claim(namespace).items}


class TestLifecycle:
    state: dict = {}

    def test_install_waits_until_every_workload_is_ready(self, release, api):
        release.install(KIND_VALUES)
        assert release.status()["info"]["status"] == "deployed"
        namespace = release.namespace
        # pytest-helm-charts' readiness checks: every replica updated and available, no stale generation.
        deployments = [d.metadata.name for d in api["apps"].list_namespaced_deployment(namespace).items]
        assert set(deployments) == {"obs-langfuse-web", "obs-langfuse-worker", "obs-grafana"}
        wait_for_deployments_to_run(api["pykube"], deployments, namespace, timeout_sec=60, missing_ok=False)
        statefulsets = [s.metadata.name for s in api["apps"].list_namespaced_stateful_set(namespace).items]
        assert set(statefulsets) == {
            "obs-postgres", "obs-clickhouse", "obs-valkey", "obs-object-storage", "obs-prometheus", "obs-alertmanager",
            "obs-otel-collector"}
        wait_for_stateful_sets_to_run(api["pykube"], statefulsets, namespace, timeout_sec=60, missing_ok=False)
        [migration] = [j for j in api["batch"].list_namespaced_job(namespace).items
                       if j.metadata.name.startswith("obs-langfuse-migrate-")]
        assert migration.status.succeeded == 1
        phases = {c.metadata.name: c.status.phase
                  for c in api["core"].list_namespaced_persistent_volume_claim(namespace).items}
        stores = ("postgres", "clickhouse", "valkey", "object-storage", "prometheus", "alertmanager")
        assert phases == {f"data-obs-{store}-0": "Bound" for store in stores} | {
            COLLECTOR_QUEUE.format(ordinal=0): "Bound"}
        assert queue_claim_of(api, namespace, "obs-otel-collector-0") == COLLECTOR_QUEUE.format(ordinal=0)

    def test_every_pod_is_admitted_under_pod_security_restricted(self, release, api):
        namespace = api["core"].read_namespace(release.namespace)
        assert namespace.metadata.labels["pod-security.kubernetes.io/enforce"] == "restricted"
        refused = [e.message for e in api["core"].list_namespaced_event(release.namespace).items
                   if e.reason == "FailedCreate"]
        assert refused == []
        # The namespace really enforces: a pod that breaks "restricted" is refused.
        with pytest.raises(client.ApiException) as refusal:
            api["core"].create_namespaced_pod(release.namespace, {
                "metadata": {"name": "privileged"},
                "spec": {"containers": [{"name": "c", "image": "busybox:1.36",
                                         "securityContext": {"privileged": True}}]}})
        assert refusal.value.status == 403 and "restricted" in refusal.value.body

    def test_objects_are_applied_server_side(self, release, api):
        web = api["apps"].read_namespaced_deployment("obs-langfuse-web", release.namespace)
        operations = {(entry.manager, entry.operation) for entry in web.metadata.managed_fields}
        assert ("helm", "Apply") in operations

    def test_the_secret_generator_creates_each_credential(self, cluster, release, api):
        output = run_secret_generator_hook(cluster, release)
        secrets = generated_secrets(api, release.namespace)
        assert set(secrets) == {f"obs-{name}" for name in (
            "langfuse-secrets", "langfuse-project-keys", "langfuse-admin", "postgres-auth",
            "clickhouse-auth", "valkey-auth", "object-storage-auth", "grafana-admin")}, output
        key = base64.b64decode(secrets["obs-langfuse-secrets"]["data"]["encryption-key"]).decode()
        assert len(key) == 64 and int(key, 16) >= 0
        public = base64.b64decode(secrets["obs-langfuse-project-keys"]["data"]["public-key"]).decode()
        assert public.startswith("pk-lf-")
        self.state["secrets"] = secrets
        self.state["claims"] = claims(api, release.namespace)

    def test_helm_test_hooks_pass(self, release):
        output = release.helm("test", release.name, "--timeout", "5m")
        for test in ("test-langfuse-api", "test-collector-otlp"):
            assert f"TEST SUITE:     obs-{test}" in output, output
        assert "Succeeded" in output and "Failed" not in output, output

    def test_upgrade_keeps_credentials_and_volumes_and_rolls_only_what_changed(self, cluster, release, api):
        before = workload_generations(api, release.namespace)
        collector_pod = pod_uid(api, release.namespace, "obs-otel-collector-0")
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as changed:
            yaml.safe_dump({"langfuse": {"logging": {"level": "debug"}},
                            "otel-collector": {"telemetry": {"logLevel": "debug"}}}, changed)
            changed.flush()
            release.upgrade(KIND_VALUES, Path(changed.name))
        run_secret_generator_hook(cluster, release)
        assert release.status()["version"] == 2
        assert generated_secrets(api, release.namespace) == self.state["secrets"]
        assert claims(api, release.namespace) == self.state["claims"]
        after = workload_generations(api, release.namespace)
        rolled = {key for key in before if after[key] != before[key]}
        assert rolled == {("Deployment", "obs-langfuse-web"), ("Deployment", "obs-langfuse-worker"),
                          ("StatefulSet", "obs-otel-collector")}
        # The collector's new pod took over the queue claim the old one left (same claim, same UID).
        assert pod_uid(api, release.namespace, "obs-otel-collector-0") != collector_pod
        assert queue_claim_of(api, release.namespace, "obs-otel-collector-0") == COLLECTOR_QUEUE.format(ordinal=0)

    def test_a_scaled_in_collectors_queue_claim_is_kept_and_reattached_when_it_scales_out(self, release, api):
        namespace = release.namespace
        scale_collector(api, namespace, 2)
        second = COLLECTOR_QUEUE.format(ordinal=1)
        retained = claims(api, namespace)[second]
        scale_collector(api, namespace, 1)
        assert claims(api, namespace)[second] == retained  # whenScaled: Retain
        scale_collector(api, namespace, 2)
        assert queue_claim_of(api, namespace, "obs-otel-collector-1") == second
        assert claims(api, namespace)[second] == retained
        scale_collector(api, namespace, 1)
        # The uninstall step checks that every claim, this one included, outlives the release.
        self.state["claims"] = claims(api, namespace)

    def test_rollback_restores_the_previous_configuration(self, release, api):
        release.helm("rollback", release.name, "1", "--wait", "--timeout", "5m")
        status = release.status()
        assert status["version"] == 3 and status["info"]["status"] == "deployed"
        config = api["core"].read_namespaced_config_map("obs-langfuse", release.namespace)
        assert config.data["LANGFUSE_LOG_LEVEL"] == "info"
        assert generated_secrets(api, release.namespace) == self.state["secrets"]

    def test_the_readmes_retry_runs_the_migration_job_again(self, release, api):
        # A failed Job keeps its name; the chart README's retry deletes it and upgrades with the
        # same values, and Helm re-creates it under the same name.
        migration = "app.kubernetes.io/instance=obs,app.kubernetes.io/component=migration"

        def jobs_once(count):
            deadline = time.monotonic() + 60
            while len(found := api["batch"].list_namespaced_job(release.namespace, label_selector=migration).items) != count:
                assert time.monotonic() < deadline, f"migration Jobs: {[j.metadata.name for j in found]}"
                time.sleep(1)
            return found

        # The rollback's Helm has removed the upgrade's Job (it may take a moment to go).
        [before] = jobs_once(1)
        api["batch"].delete_namespaced_job(before.metadata.name, release.namespace, propagation_policy="Foreground")
        jobs_once(0)
        release.helm("upgrade", release.name, str(release.chart), "--reuse-values", "--wait", "--wait-for-jobs",
                     "--timeout", "5m")
        [after] = api["batch"].list_namespaced_job(release.namespace, label_selector=migration).items
        assert after.metadata.name == before.metadata.name
        assert after.metadata.uid != before.metadata.uid and after.status.succeeded == 1

    def test_uninstall_keeps_the_data_volumes_and_their_credentials(self, release, api):
        release.helm("uninstall", release.name, "--wait", "--timeout", "5m")
        deadline = time.monotonic() + 60
        while api["apps"].list_namespaced_stateful_set(release.namespace).items and time.monotonic() < deadline:
            time.sleep(1)
        assert api["apps"].list_namespaced_stateful_set(release.namespace).items == []
        assert claims(api, release.namespace) == self.state["claims"]
        assert generated_secrets(api, release.namespace) == self.state["secrets"]

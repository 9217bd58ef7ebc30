"""PostgreSQL as a CloudNativePG Cluster on a real API server, with CloudNativePG's CRDs applied
(bin/crds, from the pinned v1.30.0 module, and the Barman Cloud plugin's v0.14.0): the API
server validates the Cluster, ScheduledBackup and ObjectStore against their schemas and keeps
every field the chart writes; LangFuse connects to the Cluster's read-write Service; the
database password survives the switch; and a release that runs the bundled StatefulSet cannot
be switched in place, only by the README's migration.

KWOK runs no operator (no container ever runs), so the Cluster's pods and Services are not
made: what is checked is what the chart hands the API server, and Helm's refusals, which read
the cluster (`lookup`). The user's path, one namespace and release: install with the
StatefulSet; the upgrade to CloudNativePG is refused; the StatefulSet kept (resource-policy)
and the import from it set, the upgrade goes through; turning the mode off again is refused.
"""

from __future__ import annotations

import base64

import pytest
import yaml
from kubernetes import client

from harness.cluster import CommandError, apply_crds, crd_files, run
from harness.helm import Release
from harness.paths import REPO_ROOT, tool
from harness.render import render_chart
from test_lifecycle import run_secret_generator_hook

KIND_VALUES = REPO_ROOT / "values" / "kind.yaml"
RELEASE = "pg"
CLUSTER = f"{RELEASE}-postgres"
API_VERSIONS = ("postgresql.cnpg.io/v1/Cluster", "postgresql.cnpg.io/v1/ScheduledBackup",
                "barmancloud.cnpg.io/v1/ObjectStore")
CRD_FILES = crd_files(API_VERSIONS)
BACKUP_SECRET = "langfuse-backups-s3"
CLOUDNATIVEPG = {
    "postgres": {"cloudnativepg": {
        "enabled": True,
        "backup": {"enabled": True, "destinationPath": "s3://langfuse-backups/pg",
                   "endpointURL": "https://s3.example.com", "s3Credentials": {"existingSecret": BACKUP_SECRET}},
        # The way the README moves a release over: import from the kept StatefulSet's Service.
        "import": {"enabled": True, "host": "{{ .Release.Name }}-postgres",
                   "existingSecret": "{{ .Release.Name }}-postgres-auth"}}},
    "langfuse": {"database": {"cloudnativepg": True}},
}
WITHOUT_IMPORT = {**CLOUDNATIVEPG, "postgres": {"cloudnativepg": {
    key: value for key, value in CLOUDNATIVEPG["postgres"]["cloudnativepg"].items() if key != "import"}}}

pytestmark = pytest.mark.skipif(len(CRD_FILES) != 3, reason="bin/crds has no CloudNativePG CRDs (make tools fetches them)")


@pytest.fixture(scope="module")
def release(cluster, restricted_namespace):
    installed = Release(RELEASE, restricted_namespace, cluster.kubeconfig)
    yield installed
    installed.uninstall_if_installed()


@pytest.fixture(scope="module")
def api(cluster):
    return {"core": client.CoreV1Api(cluster.api), "apps": client.AppsV1Api(cluster.api),
            "custom": client.CustomObjectsApi(cluster.api), "crds": client.ApiextensionsV1Api(cluster.api)}


def values_file(tmp_path_factory, values: dict):
    path = tmp_path_factory.mktemp("cloudnativepg") / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    return path


def kept(written, stored) -> bool:
    """Whether every field written is in the stored object with its value (the API server adds
    the CRD's defaults beside them)."""
    if isinstance(written, dict):
        return isinstance(stored, dict) and all(key in stored and kept(value, stored[key])
                                                for key, value in written.items())
    if isinstance(written, list):
        return isinstance(stored, list) and len(written) == len(stored) and all(map(kept, written, stored))
    return written == stored


def custom_object(api, namespace, group, plural, name) -> dict:
    return api["custom"].get_namespaced_custom_object(group, "v1", namespace, plural, name)


def postgres_password(api, namespace) -> dict[str, str]:
    data = api["core"].read_namespaced_secret(f"{RELEASE}-postgres-auth", namespace).data
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


class TestSwitchingToCloudNativePG:
    state: dict = {}

    def test_a_release_on_the_statefulset(self, cluster, release, api):
        apply_crds(cluster, CRD_FILES)
        release.install(KIND_VALUES)
        run_secret_generator_hook(cluster, release)
        self.state["password"] = postgres_password(api, release.namespace)["password"]
        assert api["apps"].read_namespaced_stateful_set(CLUSTER, release.namespace)

    def test_the_upgrade_to_cloudnativepg_is_refused_while_the_statefulset_holds_the_data(
            self, release, tmp_path_factory):
        with pytest.raises(CommandError) as refusal:
            release.upgrade(KIND_VALUES, values_file(tmp_path_factory, WITHOUT_IMPORT))
        message = str(refusal.value)
        assert f"the StatefulSet {CLUSTER} holds this release's database" in message
        assert 'Follow "Moving to CloudNativePG" in the postgres chart\'s README' in message
        assert "pg_dump/pg_restore" in message and "cloudnativepg.import" in message

    def test_kept_and_imported_from_the_statefulset_the_cluster_is_accepted_as_rendered(
            self, cluster, release, api, tmp_path_factory):
        namespace = release.namespace
        api["core"].create_namespaced_secret(namespace, {"metadata": {"name": BACKUP_SECRET}, "stringData": {
            "ACCESS_KEY_ID": "not-a-real-key", "ACCESS_SECRET_KEY": "not-a-real-secret"}})
        # The README's step: keep the old server running through the upgrade, for the import.
        run([tool("kubectl"), "--kubeconfig", str(cluster.kubeconfig), "--namespace", namespace, "annotate",
             f"statefulset/{CLUSTER}", f"service/{CLUSTER}", f"serviceaccount/{CLUSTER}",
             "helm.sh/resource-policy=keep"])
        release.upgrade(KIND_VALUES, values_file(tmp_path_factory, CLOUDNATIVEPG))
        rendered = render_chart(values_files=(KIND_VALUES,), values=CLOUDNATIVEPG, release=RELEASE,
                                namespace=namespace, api_versions=API_VERSIONS)
        for kind, group, plural in (("Cluster", "postgresql.cnpg.io", "clusters"),
                                    ("ScheduledBackup", "postgresql.cnpg.io", "scheduledbackups"),
                                    ("ObjectStore", "barmancloud.cnpg.io", "objectstores")):
            stored = custom_object(api, namespace, group, plural, CLUSTER)
            spec = rendered.get(kind, CLUSTER)["spec"]
            # The API server applied the CRD's defaults and kept every field the chart wrote:
            # one its schema did not know would have been pruned or refused.
            assert kept(spec, stored["spec"]), (kind, spec, stored["spec"])
        imported = custom_object(api, namespace, "postgresql.cnpg.io", "clusters", CLUSTER)["spec"]
        assert imported["externalClusters"][0]["connectionParameters"]["host"] == CLUSTER
        # The old server still runs, for the Cluster to import from.
        assert api["apps"].read_namespaced_stateful_set(CLUSTER, namespace)

    def test_langfuse_connects_to_the_read_write_service(self, release, api):
        config = api["core"].read_namespaced_config_map(f"{RELEASE}-langfuse", release.namespace).data
        assert config["DATABASE_HOST"] == f"{CLUSTER}-rw:5432"

    def test_the_password_is_kept_and_the_username_added_for_cloudnativepg(self, cluster, release, api):
        run_secret_generator_hook(cluster, release)
        secret = postgres_password(api, release.namespace)
        assert secret == {"password": self.state["password"], "username": "langfuse"}

    def test_turning_cloudnativepg_off_again_is_refused(self, release):
        with pytest.raises(CommandError) as refusal:
            release.upgrade(KIND_VALUES)
        assert f"the CloudNativePG Cluster {CLUSTER} holds this release's database" in str(refusal.value)
        assert "would delete it with its volumes" in str(refusal.value)

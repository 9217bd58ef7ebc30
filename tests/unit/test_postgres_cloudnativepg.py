"""The postgres chart's CloudNativePG mode: a `Cluster` the operator runs in place of the
StatefulSet, valid against CloudNativePG's CRDs (v1.30.0, bin/crds) at both Kubernetes versions,
with LangFuse on its read-write Service, the password of the Secret the release already keeps,
backups through the Barman Cloud plugin, metrics for the embedded Prometheus or a PodMonitor,
and a clear refusal for values that cannot work and for clusters without the operator.

Upstream facts (CloudNativePG v1.30.0): the read-write Service is "<cluster>-rw"
(api/v1/cluster_types.go ServiceReadWriteSuffix, cluster_funcs.go GetServiceReadWriteName); the
instance pods carry cnpg.io/cluster and cnpg.io/podRole=instance (pkg/utils/labels_annotations.go,
pkg/specs/podmonitor.go) and serve metrics on the port named "metrics", 9187
(pkg/management/url/url.go PostgresMetricsPort); the application Secret needs `username` and
`password` (internal/management/utils/secrets.go GetUserPasswordFromSecret), the username being
the owner (internal/management/controller/instance_controller.go reconcileUser).
"""

from __future__ import annotations

import json

import pytest
import yaml

from harness import kube_schema
from harness.network_policy import selects
from harness.paths import SUPPORTED_KUBE_VERSIONS, UMBRELLA_CHART
from harness.render import RenderError, render_chart

POSTGRES_CHART = UMBRELLA_CHART / "charts" / "postgres"
APP_VERSION = yaml.safe_load((POSTGRES_CHART / "Chart.yaml").read_text())["appVersion"]
CNPG = {"postgres": {"cloudnativepg": {"enabled": True}}, "langfuse": {"database": {"cloudnativepg": True}}}
# What an API server with CloudNativePG (and its Barman Cloud plugin, and the Prometheus
# Operator) serves: Argo CD and `helm install` hand the chart these as .Capabilities.APIVersions.
CNPG_API = ("postgresql.cnpg.io/v1/Cluster", "postgresql.cnpg.io/v1/ScheduledBackup")
PLUGIN_API = ("barmancloud.cnpg.io/v1/ObjectStore",)
POD_MONITOR_API = ("monitoring.coreos.com/v1/PodMonitor",)
BACKUP = {"enabled": True, "destinationPath": "s3://langfuse-backups/obs",
          "s3Credentials": {"existingSecret": "backup-s3"}}
# The labels CloudNativePG gives an instance pod of the Cluster obs-postgres (see the docstring).
INSTANCE_POD_LABELS = {"cnpg.io/cluster": "obs-postgres", "cnpg.io/podRole": "instance",
                       "cnpg.io/instanceRole": "primary", "cnpg.io/instanceName": "obs-postgres-1"}

pytestmark = pytest.mark.skipif(kube_schema.crds_missing_reason("postgresql.cnpg.io") is not None,
                                reason=str(kube_schema.crds_missing_reason("postgresql.cnpg.io")))


def merged(*parts: dict) -> dict:
    """Values dicts merged deeply, later ones winning."""
    result: dict = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = merged(result[key], value)
            else:
                result[key] = value
    return result


def cnpg(*extra: dict, api_versions=CNPG_API, **kwargs):
    return render_chart(values=merged(CNPG, *extra), api_versions=api_versions, **kwargs)


def postgres_values(**cloudnativepg) -> dict:
    return {"postgres": {"cloudnativepg": cloudnativepg}}


def test_the_default_render_has_no_cloudnativepg_object():
    manifest = render_chart()
    assert not [obj for obj in manifest if obj["apiVersion"].endswith("cnpg.io/v1")]
    assert "obs-postgres" in manifest.names("StatefulSet")


@pytest.mark.parametrize("kube_version", SUPPORTED_KUBE_VERSIONS)
def test_the_cluster_and_its_backups_validate_against_cloudnativepgs_crds(kube_version):
    # render_chart validates every object, the custom resources against bin/crds' CRDs.
    manifest = cnpg(postgres_values(backup=BACKUP, monitoring={"podMonitor": {"enabled": True}}),
                    api_versions=CNPG_API + PLUGIN_API + POD_MONITOR_API, kube_version=kube_version)
    assert manifest.names("Cluster") == ["obs-postgres"]
    assert manifest.names("ScheduledBackup") == ["obs-postgres"]
    assert manifest.names("ObjectStore") == ["obs-postgres"]
    assert manifest.names("PodMonitor") == ["obs-postgres"]


def test_the_cluster_replaces_the_statefulset_and_its_services():
    manifest = cnpg()
    assert "obs-postgres" not in manifest.names("StatefulSet")
    assert not [name for name in manifest.names("Service") if name.startswith("obs-postgres")]
    spec = manifest.get("Cluster", "obs-postgres")["spec"]
    assert spec["instances"] == 3
    assert spec["storage"] == {"size": "8Gi"}
    assert spec["resources"]["limits"]["memory"] == "1Gi"


def test_the_image_is_cloudnativepgs_of_the_charts_postgresql_release():
    spec = cnpg().get("Cluster", "obs-postgres")["spec"]
    assert spec["imageName"] == f"ghcr.io/cloudnative-pg/postgresql:{APP_VERSION}-minimal-trixie"
    registry = cnpg({"global": {"imageRegistry": "registry.example.com"}}).get("Cluster", "obs-postgres")
    assert registry["spec"]["imageName"] == f"registry.example.com/cloudnative-pg/postgresql:{APP_VERSION}-minimal-trixie"


def test_initdb_creates_langfuses_database_and_owner_with_the_releases_password_secret():
    manifest = cnpg()
    initdb = manifest.get("Cluster", "obs-postgres")["spec"]["bootstrap"]["initdb"]
    config = manifest.get("ConfigMap", "obs-langfuse")["data"]
    assert (initdb["database"], initdb["owner"]) == (config["DATABASE_NAME"], config["DATABASE_USERNAME"])
    web = manifest.env("obs-langfuse-web", "web")
    assert ("secret", initdb["secret"]["name"], "password") in web.values()


def test_the_secret_generator_adds_the_username_cloudnativepg_reads_and_keeps_the_password_kind():
    default = json.loads(render_chart().get("ConfigMap", "obs-secret-generator")["data"]["secrets.json"])
    spec = json.loads(cnpg().get("ConfigMap", "obs-secret-generator")["data"]["secrets.json"])
    before = next(s for s in default["secrets"] if s["name"] == "obs-postgres-auth")
    after = next(s for s in spec["secrets"] if s["name"] == "obs-postgres-auth")
    # The password's kind is unchanged: the generator keeps an existing key, so an upgrade to
    # CloudNativePG keeps the password and only adds the username.
    assert after["keys"] == {**before["keys"], "username": "literal:langfuse"}


def test_langfuse_connects_to_the_clusters_read_write_service():
    config = cnpg().get("ConfigMap", "obs-langfuse")["data"]
    assert config["DATABASE_HOST"] == "obs-postgres-rw:5432"


def test_the_server_runs_in_utc_with_the_settings_as_parameters():
    spec = cnpg(postgres_values(), {"postgres": {"settings": {"max_connections": 200}}}).get(
        "Cluster", "obs-postgres")["spec"]
    assert spec["postgresql"]["parameters"] == {"timezone": "UTC", "log_timezone": "UTC", "max_connections": "200"}


def test_instances_are_kept_apart_over_zones_and_cloudnativepg_keeps_its_disruption_budgets():
    spec = cnpg().get("Cluster", "obs-postgres")["spec"]
    assert spec["affinity"]["enablePodAntiAffinity"] is True
    assert spec["affinity"]["topologyKey"] == "topology.kubernetes.io/zone"
    assert spec["affinity"]["podAntiAffinityType"] == "preferred"
    # CloudNativePG makes the PodDisruptionBudgets itself (pkg/specs/poddisruptionbudget.go):
    # the chart renders none and does not turn them off.
    assert spec.get("enablePDB", True) is True
    assert not [pdb for pdb in cnpg().of_kind("PodDisruptionBudget") if "postgres" in pdb["metadata"]["name"]]


def test_backups_go_to_s3_through_the_barman_cloud_plugin_with_credentials_by_reference():
    manifest = cnpg(postgres_values(backup=BACKUP), api_versions=CNPG_API + PLUGIN_API)
    store = manifest.get("ObjectStore", "obs-postgres")["spec"]
    assert store["configuration"]["destinationPath"] == "s3://langfuse-backups/obs"
    assert store["configuration"]["s3Credentials"] == {
        "accessKeyId": {"name": "backup-s3", "key": "ACCESS_KEY_ID"},
        "secretAccessKey": {"name": "backup-s3", "key": "ACCESS_SECRET_KEY"}}
    assert store["retentionPolicy"] == "30d"
    cluster = manifest.get("Cluster", "obs-postgres")["spec"]
    assert cluster["plugins"] == [{"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": True,
                                   "parameters": {"barmanObjectName": "obs-postgres"}}]
    scheduled = manifest.get("ScheduledBackup", "obs-postgres")["spec"]
    assert scheduled["cluster"] == {"name": "obs-postgres"}
    assert scheduled["method"] == "plugin"
    assert scheduled["pluginConfiguration"] == {"name": "barman-cloud.cloudnative-pg.io"}
    assert len(scheduled["schedule"].split()) == 6


def test_backups_through_irsa_annotate_the_instances_service_account():
    role = {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/langfuse-backups"}
    backup = {**BACKUP, "s3Credentials": {"inheritFromIAMRole": True}, "serviceAccountAnnotations": role}
    manifest = cnpg(postgres_values(backup=backup), api_versions=CNPG_API + PLUGIN_API)
    assert manifest.get("ObjectStore", "obs-postgres")["spec"]["configuration"]["s3Credentials"] == \
        {"inheritFromIAMRole": True}
    assert manifest.get("Cluster", "obs-postgres")["spec"]["serviceAccountTemplate"] == \
        {"metadata": {"annotations": role}}


def test_the_embedded_prometheus_scrapes_the_instances_by_annotation():
    manifest = cnpg()
    annotations = manifest.get("Cluster", "obs-postgres")["spec"]["inheritedMetadata"]["annotations"]
    assert annotations == {"prometheus.io/scrape": "true", "prometheus.io/port": "9187"}
    config = yaml.safe_load(manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])
    annotated = [job for job in config["scrape_configs"] if job["job_name"] == "observability/obs-agents"]
    assert annotated, [job["job_name"] for job in config["scrape_configs"]]


def test_the_pod_monitor_selects_the_instance_pods_on_their_metrics_port():
    manifest = cnpg(postgres_values(monitoring={"podMonitor": {"enabled": True, "labels": {"release": "kps"}}}),
                    api_versions=CNPG_API + POD_MONITOR_API)
    monitor = manifest.get("PodMonitor", "obs-postgres")
    assert monitor["metadata"]["labels"]["release"] == "kps"
    assert selects(monitor["spec"]["selector"], INSTANCE_POD_LABELS)
    assert [endpoint["port"] for endpoint in monitor["spec"]["podMetricsEndpoints"]] == ["metrics"]


def test_with_network_policies_langfuse_the_instances_the_operator_and_prometheus_are_admitted():
    manifest = cnpg({"global": {"networkPolicy": {"enabled": True}}})
    policy = manifest.get("NetworkPolicy", "obs-postgres")
    assert selects(policy["spec"]["podSelector"], INSTANCE_POD_LABELS)
    ports = {rule["ports"][0]["port"]: rule["from"] for rule in policy["spec"]["ingress"]}
    assert set(ports) == {5432, 8000, 9187}
    web = manifest.workload("obs-langfuse-web")["spec"]["template"]["metadata"]["labels"]
    assert any(selects(peer["podSelector"], web) for peer in ports[5432] if "podSelector" in peer)
    assert any(selects(peer["podSelector"], INSTANCE_POD_LABELS) for peer in ports[5432] if "podSelector" in peer)
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "cnpg-system"}}} in ports[8000]
    prometheus = manifest.workload("obs-prometheus")["spec"]["template"]["metadata"]["labels"]
    assert any(selects(peer["podSelector"], prometheus) for peer in ports[9187])


def test_the_import_bootstrap_dumps_the_named_server_with_its_password_by_reference():
    imported = {"enabled": True, "host": "{{ .Release.Name }}-postgres", "existingSecret": "{{ .Release.Name }}-postgres-auth"}
    spec = cnpg(postgres_values(**{"import": imported})).get("Cluster", "obs-postgres")["spec"]
    assert spec["bootstrap"]["initdb"]["import"] == {
        "type": "microservice", "databases": ["langfuse"], "source": {"externalCluster": "import-source"}}
    assert spec["externalClusters"] == [{
        "name": "import-source",
        "connectionParameters": {"host": "obs-postgres", "port": "5432", "user": "langfuse", "dbname": "langfuse"},
        "password": {"name": "obs-postgres-auth", "key": "password"}}]


def test_the_postgres_chart_alone_renders_the_cluster():
    manifest = render_chart(POSTGRES_CHART, values={"auth": {"existingSecret": "postgres-auth"},
                                                    "cloudnativepg": {"enabled": True}},
                            api_versions=CNPG_API, release="pg")
    assert manifest.get("Cluster", "pg-postgres")["spec"]["bootstrap"]["initdb"]["secret"] == {"name": "postgres-auth"}


@pytest.mark.parametrize(("values", "api_versions", "message"), [
    pytest.param({}, (), "the API server does not serve postgresql.cnpg.io/v1 Cluster: install the CloudNativePG operator",
                 id="no-operator"),
    pytest.param(postgres_values(instances=1), CNPG_API, "cloudnativepg.instances is 1: set 2 or more",
                 id="one-instance"),
    pytest.param(postgres_values(backup={"enabled": True}), CNPG_API + PLUGIN_API,
                 "cloudnativepg.backup.enabled is true: set cloudnativepg.backup.destinationPath", id="backup-without-bucket"),
    pytest.param(postgres_values(backup=BACKUP), CNPG_API,
                 "does not serve barmancloud.cnpg.io/v1 ObjectStore: install the Barman Cloud plugin", id="backup-without-plugin"),
    pytest.param(postgres_values(backup={**BACKUP, "s3Credentials": {}}), CNPG_API + PLUGIN_API,
                 "set cloudnativepg.backup.s3Credentials.existingSecret", id="backup-without-credentials"),
    pytest.param(postgres_values(backup={**BACKUP, "s3Credentials": {"existingSecret": "s3", "inheritFromIAMRole": True}}),
                 CNPG_API + PLUGIN_API, "set only one of", id="backup-with-two-credentials"),
    pytest.param(postgres_values(backup={**BACKUP, "schedule": "0 3 * * *"}), CNPG_API + PLUGIN_API,
                 "six fields", id="five-field-schedule"),
    pytest.param(postgres_values(monitoring={"podMonitor": {"enabled": True}}), CNPG_API,
                 "does not serve monitoring.coreos.com/v1 PodMonitor", id="pod-monitor-without-operator"),
    pytest.param(postgres_values(**{"import": {"enabled": True}}), CNPG_API,
                 "cloudnativepg.import.enabled is true: set cloudnativepg.import.host", id="import-without-host"),
    pytest.param({"postgres": {"backup": {"enabled": True}}}, CNPG_API,
                 "backup.enabled (the pg_dump CronJob) does not apply to a CloudNativePG Cluster", id="dump-cronjob"),
    pytest.param({"langfuse": {"database": {"cloudnativepg": False}}}, CNPG_API,
                 "also set langfuse.database.cloudnativepg: true", id="langfuse-on-the-old-host"),
])
def test_values_that_cannot_work_are_refused_with_what_to_set(values, api_versions, message):
    with pytest.raises(RenderError) as refusal:
        cnpg(values, api_versions=api_versions)
    assert message in refusal.value.stderr


def test_langfuse_set_for_cloudnativepg_without_it_is_refused():
    with pytest.raises(RenderError) as refusal:
        render_chart(values={"langfuse": {"database": {"cloudnativepg": True}}})
    assert "also set postgres.cloudnativepg.enabled: true" in refusal.value.stderr

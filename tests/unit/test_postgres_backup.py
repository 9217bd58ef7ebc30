"""The postgres chart's backup CronJob: pg_dump on a schedule into a claim, restricted, with the
password by reference, and admitted by the NetworkPolicies when they are on."""

import pytest

from harness.network_policy import selects
from harness.paths import SUPPORTED_KUBE_VERSIONS, UMBRELLA_CHART
from harness.pod_security import violations
from harness.render import RenderError, render_chart

POSTGRES_CHART = UMBRELLA_CHART / "charts" / "postgres"
BACKUP_ON = {"postgres": {"backup": {"enabled": True}}}
BACKUP_AND_POLICIES_ON = {"global": {"networkPolicy": {"enabled": True}}, **BACKUP_ON}


def backup_pod(manifest, cronjob="obs-postgres-backup"):
    return manifest.find("CronJob", cronjob, "spec.jobTemplate.spec.template")


def test_no_backup_unless_asked_for():
    manifest = render_chart()
    assert "obs-postgres-backup" not in manifest.names("CronJob")
    assert "obs-postgres-backup" not in manifest.names("PersistentVolumeClaim")
    assert "obs-postgres-backup" not in manifest.names("ConfigMap")


@pytest.mark.parametrize("kube_version", SUPPORTED_KUBE_VERSIONS)
def test_backup_cronjob_renders_valid_objects(kube_version):
    # render_chart validates every object against this Kubernetes version's schema.
    manifest = render_chart(values=BACKUP_ON, kube_version=kube_version)
    cronjob = manifest.get("CronJob", "obs-postgres-backup")
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert cronjob["spec"]["schedule"] == "0 3 * * *"
    assert cronjob["spec"]["timeZone"] == "Etc/UTC"


def test_backup_pod_meets_pod_security_restricted_with_a_read_only_root():
    spec = backup_pod(render_chart(values=BACKUP_ON))["spec"]
    assert violations(spec) == []
    assert spec["securityContext"]["runAsUser"] == 999
    assert spec["automountServiceAccountToken"] is False
    [container] = spec["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    [tmp] = [mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"]
    assert volumes[tmp["name"]] == {"name": tmp["name"], "emptyDir": {}}


def test_backup_has_resource_requests_and_a_memory_limit():
    [container] = backup_pod(render_chart(values=BACKUP_ON))["spec"]["containers"]
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["requests"]["memory"]
    assert container["resources"]["limits"]["memory"]


def test_backup_runs_the_script_from_files_with_the_servers_image():
    manifest = render_chart(values=BACKUP_ON)
    spec = backup_pod(manifest)["spec"]
    [container] = spec["containers"]
    [server] = manifest.find("StatefulSet", "obs-postgres", "spec.template.spec.containers")
    assert container["image"] == server["image"]
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    [script_mount] = [mount for mount in container["volumeMounts"] if "configMap" in volumes[mount["name"]]]
    configmap = manifest.get("ConfigMap", volumes[script_mount["name"]]["configMap"]["name"])
    assert container["command"] == ["sh", f"{script_mount['mountPath']}/backup.sh"]
    script = configmap["data"]["backup.sh"]
    assert script == (POSTGRES_CHART / "files" / "backup.sh").read_text()
    assert "pg_dump --format=custom" in script


def test_backup_reads_the_password_from_the_servers_secret():
    manifest = render_chart(values=BACKUP_ON)
    [container] = backup_pod(manifest)["spec"]["containers"]
    env = {var["name"]: var for var in container["env"]}
    [server] = manifest.find("StatefulSet", "obs-postgres", "spec.template.spec.containers")
    server_env = {var["name"]: var for var in server["env"]}
    assert env["PGPASSWORD"]["valueFrom"] == server_env["POSTGRES_PASSWORD"]["valueFrom"]
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "obs-postgres-auth", "key": "password"}
    assert env["PGHOST"]["value"] == "obs-postgres"
    assert env["PGPORT"]["value"] == str(manifest.get("Service", "obs-postgres")["spec"]["ports"][0]["port"])
    assert env["PGUSER"]["value"] == server_env["POSTGRES_USER"]["value"]
    assert env["PGDATABASE"]["value"] == server_env["POSTGRES_DB"]["value"]


def test_backup_writes_into_the_claim_and_keeps_the_configured_count():
    manifest = render_chart(values={"postgres": {"backup": {"enabled": True, "keep": 3,
                                                            "persistence": {"size": "20Gi"}}}})
    spec = backup_pod(manifest)["spec"]
    [container] = spec["containers"]
    env = {var["name"]: var.get("value") for var in container["env"]}
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    [claim_mount] = [mount for mount in container["volumeMounts"]
                     if "persistentVolumeClaim" in volumes[mount["name"]]]
    assert volumes[claim_mount["name"]]["persistentVolumeClaim"] == {"claimName": "obs-postgres-backup"}
    assert env["BACKUP_DIR"] == claim_mount["mountPath"]
    assert env["BACKUP_KEEP"] == "3"
    claim = manifest.get("PersistentVolumeClaim", "obs-postgres-backup")
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_backup_uses_an_existing_claim_instead_of_creating_one():
    manifest = render_chart(values={"postgres": {"backup": {"enabled": True,
                                                            "persistence": {"existingClaim": "nfs-dumps"}}}})
    assert "obs-postgres-backup" not in manifest.names("PersistentVolumeClaim")
    claims = [volume["persistentVolumeClaim"]["claimName"] for volume in backup_pod(manifest)["spec"]["volumes"]
              if "persistentVolumeClaim" in volume]
    assert claims == ["nfs-dumps"]


def test_keeping_no_dump_is_refused():
    with pytest.raises(RenderError, match="keep"):
        render_chart(values={"postgres": {"backup": {"enabled": True, "keep": 0}}})


def test_backup_pods_are_not_mistaken_for_the_server():
    manifest = render_chart(values=BACKUP_AND_POLICIES_ON)
    labels = backup_pod(manifest)["metadata"]["labels"]
    for service in ("obs-postgres", "obs-postgres-headless"):
        assert not selects({"matchLabels": manifest.get("Service", service)["spec"]["selector"]}, labels)
    assert not selects(manifest.find("StatefulSet", "obs-postgres", "spec.selector"), labels)
    assert not selects(manifest.find("NetworkPolicy", "obs-postgres", "spec.podSelector"), labels)


def test_with_network_policies_postgres_admits_langfuse_and_the_backup():
    manifest = render_chart(values=BACKUP_AND_POLICIES_ON)
    backup_labels = backup_pod(manifest)["metadata"]["labels"]
    [rule] = manifest.find("NetworkPolicy", "obs-postgres", "spec.ingress")
    assert {"port": "postgres", "protocol": "TCP"} in rule["ports"]
    admitted = [peer["podSelector"] for peer in rule["from"]]
    langfuse_labels = manifest.get("Deployment", "obs-langfuse-worker")["spec"]["template"]["metadata"]["labels"]
    assert any(selects(selector, langfuse_labels) for selector in admitted)
    assert any(selects(selector, backup_labels) for selector in admitted)


def test_with_network_policies_the_backup_reaches_dns_and_postgres_only():
    manifest = render_chart(values=BACKUP_AND_POLICIES_ON)
    backup_labels = backup_pod(manifest)["metadata"]["labels"]
    server_labels = manifest.find("StatefulSet", "obs-postgres", "spec.template.metadata.labels")
    [server] = manifest.find("StatefulSet", "obs-postgres", "spec.template.spec.containers")
    [server_port] = server["ports"]
    policy = manifest.get("NetworkPolicy", "obs-postgres-backup")
    assert selects(policy["spec"]["podSelector"], backup_labels)
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert policy["spec"]["ingress"] == []  # nothing connects to a backup pod
    dns, to_postgres = policy["spec"]["egress"]
    assert "to" not in dns and {(p["port"], p["protocol"]) for p in dns["ports"]} == {(53, "UDP"), (53, "TCP")}
    [peer] = to_postgres["to"]
    assert selects(peer["podSelector"], server_labels)
    assert to_postgres["ports"] == [{"port": server_port["containerPort"], "protocol": "TCP"}]


def test_no_backup_network_policy_while_policies_are_off():
    assert "obs-postgres-backup" not in render_chart(values=BACKUP_ON).names("NetworkPolicy")


def test_the_postgres_chart_alone_renders_its_backup():
    standalone = POSTGRES_CHART / "ci" / "standalone-values.yaml"
    manifest = render_chart(POSTGRES_CHART, values_files=(standalone,),
                            values={"backup": {"enabled": True}, "networkPolicy": {"enabled": True}},
                            release="db")
    [container] = backup_pod(manifest, "db-postgres-backup")["spec"]["containers"]
    env = {var["name"]: var for var in container["env"]}
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "postgres-auth", "key": "password"}
    assert "db-postgres-backup" in manifest.names("NetworkPolicy")

"""The embedded Prometheus at scale: remote write to a store (credentials only from mounted
Secrets), and replicas with external labels to deduplicate by. What the real Prometheus makes of
the rendered configuration is tests/component/test_prometheus_remote_write.py's."""

from __future__ import annotations

import pytest
import yaml

from harness.render import RenderError, pod_template, render_chart

PLANTED = "planted-credential-5b2e8d"
SECRET = {"name": "mimir-write", "key": "password"}
MIMIR = {"name": "mimir", "url": "https://mimir.example.com/api/v1/push", "headers": {"X-Scope-OrgID": "agents"},
         "basicAuth": {"username": "agents", "passwordSecret": SECRET},
         "queueConfig": {"maxShards": 10, "retryOnHttp429": True, "batchSendDeadline": "10s"}}
THANOS = {"url": "http://thanos-receive.thanos:19291/api/v1/receive",
          "bearerTokenSecret": {"name": "thanos-write", "key": "token"}}
AMP = {"name": "amp", "url": "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
       "sigv4": {"region": "eu-west-1", "roleArn": "arn:aws:iam::123456789012:role/amp-write"}}


def prometheus_values(**prometheus) -> dict:
    return {"monitoring": {"prometheus": prometheus}}


def rendered_config(manifest) -> dict:
    return yaml.safe_load(manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])


def test_remote_write_targets_read_their_credentials_from_mounted_secret_files():
    manifest = render_chart(values=prometheus_values(remoteWrite=[MIMIR, THANOS, AMP]))
    mimir, thanos, amp = rendered_config(manifest)["remote_write"]
    assert mimir == {"name": "mimir", "url": MIMIR["url"], "headers": {"X-Scope-OrgID": "agents"},
                     "basic_auth": {"username": "agents",
                                    "password_file": "/etc/prometheus/secrets/mimir-write/password"},
                     "queue_config": {"max_shards": 10, "retry_on_http_429": True, "batch_send_deadline": "10s"}}
    assert thanos["authorization"] == {"type": "Bearer", "credentials_file": "/etc/prometheus/secrets/thanos-write/token"}
    assert amp["sigv4"] == {"region": "eu-west-1", "role_arn": AMP["sigv4"]["roleArn"]}
    spec = pod_template(manifest.get("StatefulSet", "obs-prometheus"))["spec"]
    [container] = spec["containers"]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    for path in (mimir["basic_auth"]["password_file"], thanos["authorization"]["credentials_file"]):
        directory, key = path.rsplit("/", 1)
        assert mounts[directory]["readOnly"] is True
        secret = volumes[mounts[directory]["name"]]["secret"]
        assert secret["secretName"] == directory.rsplit("/", 1)[1]
        assert secret["items"] == [{"key": key, "path": key}]


def test_remote_write_ports_are_open_in_the_network_policy():
    manifest = render_chart(values={"monitoring": {"networkPolicy": {"enabled": True},
                                                   "prometheus": {"remoteWrite": [MIMIR, THANOS]}}})
    egress = manifest.get("NetworkPolicy", "obs-prometheus")["spec"]["egress"]
    open_anywhere = {p["port"] for rule in egress if "to" not in rule for p in rule["ports"]}
    assert {443, 19291} <= open_anywhere


@pytest.mark.parametrize("target, message", [
    pytest.param({**MIMIR, "basicAuth": {"username": "agents", "password": PLANTED}},
                 "sets basicAuth.password as a value, which would be written into the ConfigMap: put it in a Secret "
                 "and set basicAuth.passwordSecret to {name: <Secret>, key: <key>}", id="basic-auth-password"),
    pytest.param({"url": MIMIR["url"], "bearerToken": PLANTED},
                 "sets bearerToken, a credential as a value", id="bearer-token"),
    pytest.param({"url": MIMIR["url"], "password": PLANTED}, "sets password as a value", id="password"),
    pytest.param({**AMP, "sigv4": {"region": "eu-west-1", "accessKey": "AKIA", "secretKey": PLANTED}},
                 "sigv4 sets [accessKey secretKey]; it takes region and roleArn only, the AWS credentials coming "
                 "from the pod's ServiceAccount (IRSA)", id="sigv4-keys"),
    pytest.param({"url": MIMIR["url"], "headers": {"Authorization": f"Bearer {PLANTED}"}},
                 "sets an Authorization header, a credential as a value", id="authorization-header"),
    pytest.param({"url": MIMIR["url"], "headers": {"X-Api-Key": PLANTED}},
                 "header X-Api-Key looks like a credential", id="api-key-header"),
])
def test_a_credential_written_as_a_value_is_refused_with_the_secret_to_set(target, message):
    with pytest.raises(RenderError) as error:
        render_chart(values=prometheus_values(remoteWrite=[target]))
    assert message in error.value.stderr
    assert PLANTED not in error.value.stderr


@pytest.mark.parametrize("values, message", [
    pytest.param(prometheus_values(remoteWrite=[{**AMP, "basicAuth": MIMIR["basicAuth"]}]),
                 "sets basicAuth and sigv4: a store takes one authentication", id="sigv4-and-basic-auth"),
    pytest.param(prometheus_values(remoteWrite=[{**AMP, "sigv4": {"roleArn": "arn:aws:iam::1:role/r"}}]),
                 "sigv4 needs region", id="sigv4-without-region"),
    pytest.param(prometheus_values(remoteWrite=[{"url": "mimir.example.com/api/v1/push"}]),
                 "must be the store's write endpoint as an http:// or https:// URL", id="url-without-scheme"),
    pytest.param(prometheus_values(remoteWrite=[MIMIR, {**MIMIR, "url": "https://other.example.com/push"}]),
                 'prometheus.remoteWrite names "mimir" twice', id="duplicate-name"),
    pytest.param(prometheus_values(remoteWrite=[{**MIMIR, "basicAuth": {"passwordSecret": SECRET}}]),
                 "basicAuth needs username", id="basic-auth-without-username"),
    pytest.param(prometheus_values(remoteWrite=[{**MIMIR, "queueConfig": {"minShards": 5, "maxShards": 2}}]),
                 "queueConfig.minShards (5) is above maxShards (2)", id="shards"),
    pytest.param(prometheus_values(replicas=2, persistence={"enabled": False}),
                 "prometheus.replicas is 2 without prometheus.persistence.enabled nor a remoteWrite target",
                 id="replicas-without-persistence"),
    pytest.param(prometheus_values(replicas=2, externalLabels={"replica": "a"}),
                 "prometheus.externalLabels sets replica, the label prometheus.replicaLabel gives each replica",
                 id="replica-label-twice"),
])
def test_bad_scale_values_fail_with_what_to_set(values, message):
    with pytest.raises(RenderError) as error:
        render_chart(values=values)
    assert message in error.value.stderr


def test_empty_sigv4_is_refused_as_no_region():
    """sigv4: {} is falsy; it must not pass as 'no authentication' silently."""
    with pytest.raises(RenderError) as error:
        render_chart(values=prometheus_values(remoteWrite=[{**AMP, "sigv4": {}}]))
    assert "sigv4 needs region" in error.value.stderr


def test_two_replicas_label_their_series_by_pod_and_alert_as_one():
    manifest = render_chart(values=prometheus_values(replicas=2, externalLabels={"cluster": "prod-eu-1"}))
    statefulset = manifest.get("StatefulSet", "obs-prometheus")
    assert statefulset["spec"]["replicas"] == 2
    [container] = pod_template(statefulset)["spec"]["containers"]
    assert {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}} in container["env"]
    config = rendered_config(manifest)
    assert config["global"]["external_labels"] == {"cluster": "prod-eu-1", "replica": "${POD_NAME}"}
    assert config["alerting"]["alert_relabel_configs"] == [{"action": "labeldrop", "regex": "replica"}]
    # Grafana and the alerts still reach Prometheus through its one Service.
    [datasource] = [d for d in yaml.safe_load(manifest.get("ConfigMap", "obs-grafana")["data"]["datasources.yaml"])[
        "datasources"] if d["type"] == "prometheus"]
    assert datasource["url"].startswith("http://obs-prometheus.observability.svc")
    assert manifest.get("Service", "obs-prometheus")["spec"]["selector"] == statefulset["spec"]["selector"]["matchLabels"]


def test_one_replica_keeps_its_configuration_as_before():
    manifest = render_chart()
    config = rendered_config(manifest)
    assert "external_labels" not in config["global"]
    assert "remote_write" not in config
    assert "alert_relabel_configs" not in config["alerting"]
    [container] = pod_template(manifest.get("StatefulSet", "obs-prometheus"))["spec"]["containers"]
    assert "env" not in container


def test_a_dollar_in_an_external_label_stays_a_dollar():
    """Prometheus expands $VAR in external labels; a value of the user's is written as given."""
    config = rendered_config(render_chart(values=prometheus_values(externalLabels={"cost_centre": "$ml"})))
    assert config["global"]["external_labels"] == {"cost_centre": "$$ml"}

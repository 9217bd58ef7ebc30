"""The embedded Prometheus' configuration, as rendered, passes `promtool check config`: the
parser that would otherwise refuse it at the pod's start."""

from __future__ import annotations

import pytest
import yaml

from harness import prometheus
from harness.render import render_chart

# Both forms prometheus.alertmanagers takes: Prometheus' own host:port, and URLs.
ALERTMANAGERS = ["alertmanager.monitoring:9093", "https://am.example.com:443",
                 "https://am.example.com/tenant-a/", "http://[fd00::1]:9093"]


@pytest.fixture(scope="module")
def promtool():
    reason = prometheus.missing_reason()
    if reason:
        pytest.skip(reason)


def rendered_config(tmp_path, values: dict | None = None):
    manifest = render_chart(values={"monitoring": values or {}})
    path = tmp_path / "prometheus.yml"
    path.write_text(manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])
    return path


@pytest.mark.parametrize("values", [
    pytest.param({}, id="defaults"),
    pytest.param({"prometheus": {"alertmanagers": ALERTMANAGERS}}, id="alertmanagers"),
    pytest.param({"prometheus": {"replicas": 2, "externalLabels": {"cluster": "prod-eu-1"}, "remoteWrite": [
        {"name": "mimir", "url": "https://mimir.example.com/api/v1/push", "headers": {"X-Scope-OrgID": "agents"},
         "basicAuth": {"username": "agents", "passwordSecret": {"name": "mimir-write", "key": "password"}},
         "queueConfig": {"capacity": 20000, "maxShards": 10, "minShards": 2, "maxSamplesPerSend": 5000,
                         "batchSendDeadline": "10s", "minBackoff": "100ms", "maxBackoff": "10s",
                         "retryOnHttp429": True, "sampleAgeLimit": "1h"}},
        {"url": "http://thanos-receive.thanos:19291/api/v1/receive",
         "bearerTokenSecret": {"name": "thanos-write", "key": "token"}},
        {"url": "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
         "sigv4": {"region": "eu-west-1"}}]}}, id="remote-write-and-replicas"),
])
def test_promtool_accepts_the_rendered_configuration(promtool, tmp_path, values):
    result = prometheus.check_config(rendered_config(tmp_path, values))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_refuses_a_url_as_an_alertmanager_target(promtool, tmp_path):
    """The control: what the chart now translates is what Prometheus refuses as it is."""
    path = rendered_config(tmp_path)
    config = yaml.safe_load(path.read_text())
    config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": ["https://am.example.com:443"]}]}]}
    path.write_text(yaml.safe_dump(config))
    result = prometheus.check_config(path)
    assert result.returncode != 0
    assert "is not a valid hostname" in result.stdout + result.stderr

"""`helm test`'s Jobs call the Services as they are rendered: the collector check follows the
collector's ports and asks for metrics only when the collector serves them. (The component
tier runs the same Job against the real collector: tests/component/test_helm_tests.py.)"""

from urllib.parse import urlsplit

import pytest

from harness.render import render_chart

JOB = "obs-test-collector-otlp"
SERVICE = "obs-otel-collector"


def called_urls(manifest) -> dict[str, str]:
    [container] = manifest.get("Job", JOB)["spec"]["template"]["spec"]["containers"]
    return {var["name"]: var["value"] for var in container["env"] if var.get("value", "").startswith("http")}


def service_ports(manifest) -> dict[str, int]:
    return {port["name"]: port["port"] for port in manifest.get("Service", SERVICE)["spec"]["ports"]}


@pytest.mark.parametrize("collector", [
    pytest.param({}, id="defaults"),
    pytest.param({"ports": {"otlpHttp": 24318, "metrics": 18889}}, id="other-ports"),
    pytest.param({"metrics": {"enabled": False}}, id="metrics-off"),
])
def test_the_collector_check_calls_only_ports_the_collector_service_exposes(collector):
    manifest = render_chart(values={"otel-collector": collector})
    ports = service_ports(manifest)
    urls = {name: urlsplit(url) for name, url in called_urls(manifest).items()}
    assert all(url.hostname == SERVICE for url in urls.values()), urls
    by_port = {url.port: url.path for url in urls.values()}
    expected = {ports["otlp-http"]: "/v1/traces"}
    if "metrics" in ports:
        expected[ports["metrics"]] = "/metrics"
    assert by_port == expected

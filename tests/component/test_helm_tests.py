"""`helm test`'s collector check, run as its Job would run it, against the real collector
rendered with the same values: it passes whatever ports the collector listens on, and with
the GenAI metrics endpoint switched off.

The Job's script (from its ConfigMap), command and environment run as rendered with Node.js
on this machine; only the collector Service's DNS name is pointed at 127.0.0.1, where the
collector (bin/otelcol, on the rendered configuration) listens on the rendered ports.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from harness import collector
from harness.network import free_port
from harness.paths import UMBRELLA_CHART
from harness.render import render_chart

from collector_inputs import SECRETS

CHECK = "collector-otlp"
JOB = f"obs-test-{CHECK}"
SERVICE = "obs-otel-collector"


def collector_values(metrics: bool) -> dict:
    """The collector on free ports, none of them its default."""
    return {"metrics": {"enabled": metrics},
            "ports": {"otlpGrpc": free_port(), "otlpHttp": free_port(), "metrics": free_port(),
                      "telemetry": free_port(), "health": free_port()}}


def start_collector(manifest, values: dict, workdir: Path) -> collector.Collector:
    ports = values["ports"]
    loopback = collector.Ports(otlp_grpc=ports["otlpGrpc"], otlp_http=ports["otlpHttp"],
                               metrics=ports["metrics"], telemetry=ports["telemetry"], health=ports["health"])
    queue = workdir / "queue"
    queue.mkdir()
    config = collector.localise(collector.rendered_config(manifest), loopback, queue)
    env = collector.environment(collector.rendered_container(manifest), SECRETS)
    return collector.Collector(config, workdir, env, loopback).start()


def run_helm_test(manifest, node: str, scratch: Path) -> subprocess.CompletedProcess:
    """The test Job's container, run here: its ConfigMap's files where it mounts them, its
    command and its environment, with the collector Service's name resolved to 127.0.0.1."""
    spec = manifest.get("Job", JOB)["spec"]["template"]["spec"]
    [container] = spec["containers"]
    [mount] = container["volumeMounts"]
    [volume] = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    for name, content in manifest.get("ConfigMap", volume["configMap"]["name"])["data"].items():
        (scratch / name).write_text(content)
    command = [arg.replace(mount["mountPath"], str(scratch)) for arg in container["command"]]
    assert command[0] == "node"
    env = {var["name"]: re.sub(rf"//{SERVICE}(?=[:/]|$)", "//127.0.0.1", var["value"]) for var in container["env"]}
    return subprocess.run([node, *command[1:]], env={"PATH": "/usr/bin:/bin", **env},
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("metrics", [True, False], ids=["metrics-on", "metrics-off"])
def test_the_collector_check_passes_on_the_ports_and_endpoints_the_collector_has(otelcol, node, tmp_path, metrics):
    values = collector_values(metrics)
    manifest = render_chart(UMBRELLA_CHART, values={"otel-collector": values})
    running = start_collector(manifest, values, tmp_path)
    try:
        result = run_helm_test(manifest, node, tmp_path)
    finally:
        running.kill()
    assert result.returncode == 0, result.stderr
    assert "OTLP/HTTP accepted" in result.stdout
    assert ("metrics endpoint answers" in result.stdout) is metrics


def test_the_collector_check_fails_when_the_collector_does_not_answer(otelcol, node, tmp_path):
    manifest = render_chart(UMBRELLA_CHART, values={"otel-collector": collector_values(metrics=True)})
    result = run_helm_test(manifest, node, tmp_path)
    assert result.returncode == 1
    assert f"{CHECK} failed" in result.stderr

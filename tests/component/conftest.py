"""Fixtures of the collector's component tests: the chart's rendered collector, run locally."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest

from harness import collector, delivery_guard
from harness.paths import UMBRELLA_CHART
from harness.render import render_chart

from collector_inputs import LANGFUSE, SECRETS


@pytest.fixture(scope="session")
def node() -> str:
    """The Node.js binary, which runs the chart's scripts here as it does in the LangFuse image."""
    found = shutil.which("node")
    if found is None:
        pytest.skip("Node.js is not installed (a prerequisite in the README): it runs the chart's scripts "
                    "outside a pod")
    return found


@pytest.fixture(scope="session")
def secrets():
    """{(Secret name, key): value} of every Secret the rendered collectors read."""
    return SECRETS


@pytest.fixture(scope="session")
def otelcol():
    reason = collector.missing_reason()
    if reason:
        pytest.skip(reason)
    return collector.OTELCOL


@pytest.fixture
def run_collector(otelcol, tmp_path):
    """Start the umbrella's rendered collector with `values` for the otel-collector section (and
    `global_values` for the umbrella's global section);
    `endpoints` maps exporter names to local stand-ins, `samplers` lists the sampling receivers
    (host:port) of the collectors that route traces among themselves. When the render has the delivery guard,
    it runs too, on its rendered configuration, between the LangFuse exporter and LangFuse's
    stand-in (the collector's `delivery_guard`). Stopped at the end of the test."""
    started = []

    def run(values: dict | None = None, endpoints: dict | None = None, queue_dir=None, ports=None,
            global_values: dict | None = None, samplers: list[str] | None = None):
        manifest = render_chart(UMBRELLA_CHART, values={"otel-collector": values or {}, "global": global_values or {}})
        queue = queue_dir or tmp_path / "queue"
        queue.mkdir(exist_ok=True)
        ports = ports or collector.Ports()
        workdir = tmp_path / f"collector-{len(started)}"
        workdir.mkdir()
        endpoints = dict(endpoints or {})
        guard = None
        if delivery_guard.rendered_config(manifest) is not None and LANGFUSE in endpoints:
            reason = delivery_guard.missing_reason()
            if reason:
                pytest.skip(reason)
            stand_in = urlsplit(endpoints[LANGFUSE])
            guard = delivery_guard.DeliveryGuard.rendered(manifest, workdir, stand_in.netloc)
            started.append(guard.start())
            endpoints[LANGFUSE] = guard.url(stand_in.path)
        config = collector.localise(collector.rendered_config(manifest), ports, queue, endpoints, samplers)
        env = collector.environment(collector.rendered_container(manifest), SECRETS)
        instance = collector.Collector(config, workdir, env, ports)
        instance.delivery_guard = guard
        started.append(instance)
        return instance.start()

    yield run
    for instance in reversed(started):
        instance.kill()


@pytest.fixture
def run_delivery_guard(tmp_path):
    """Start the umbrella's rendered delivery guard with `values` for the otel-collector
    section, in front of `upstream` (host:port). Stopped at the end of the test."""
    reason = delivery_guard.missing_reason()
    if reason:
        pytest.skip(reason)
    started = []

    def run(upstream: str, values: dict | None = None):
        manifest = render_chart(UMBRELLA_CHART, values={"otel-collector": values or {}})
        workdir = tmp_path / f"delivery-guard-{len(started)}"
        workdir.mkdir()
        guard = delivery_guard.DeliveryGuard.rendered(manifest, workdir, upstream)
        started.append(guard)
        return guard.start()

    yield run
    for guard in started:
        guard.kill()


@pytest.fixture
def langfuse():
    """A stand-in for LangFuse's OTLP endpoint; stopped at the end of the test."""
    sink = collector.OtlpSink().start()
    yield sink
    sink.stop()

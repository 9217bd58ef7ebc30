"""The synthetic fleet the Prometheus capacity figures use (bench/synthetic_series.py) has
exactly the series the chart's collector exposes for that fleet's spans: same names, label sets
and buckets, none missing, none extra."""

from __future__ import annotations

import importlib.util
import sys
import time

from harness.collector import parse_metrics, rendered_config
from harness.paths import REPO_ROOT
from harness.render import render_chart

from genai_spans import Agent, agent_attributes, inference_attributes, retrieval_attributes, tool_attributes


def synthetic_series():
    spec = importlib.util.spec_from_file_location("synthetic_series", REPO_ROOT / "bench" / "synthetic_series.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def fleet_spans(endpoint: str, combinations: list[dict]) -> None:
    """For each combination of the fleet, the spans that carry it, as an agent of its tenant
    sends them (the current GenAI conventions, errors as `error.type`)."""
    tenants = sorted({c["tenant.id"] for c in combinations})
    for tenant in tenants:
        agent = Agent(endpoint, {"service.name": "support-bot", "tenant.id": tenant})
        try:
            for combination in (c for c in combinations if c["tenant.id"] == tenant):
                name, model, provider = combination["agent.name"], combination["model"], combination["provider"]
                agent.span(f"invoke_agent {name}", agent_attributes("current", name, model), 2)
                agent.span(f"invoke_agent {name}", agent_attributes("current", name, model), 3,
                           error=combination["error.type"], exception=False)
                agent.span(f"chat {model}", inference_attributes("current", model, provider, 1000, 100, 200), 1.5)
                agent.span(f"chat {model}", inference_attributes("current", model, provider, 10, 0), 0.2,
                           error="429", exception=False)
                tool = combination["tool.name"]
                agent.span(f"execute_tool {tool}", tool_attributes("current", tool, name), 0.3)
                agent.span(f"execute_tool {tool}", tool_attributes("current", tool, name), 0.3,
                           error=combination["error.type"], exception=False)
            span_name, attributes = retrieval_attributes("current")
            agent.span(span_name, attributes, 0.05)
            agent.flush()
        finally:
            agent.close()


def test_the_synthetic_fleet_has_the_series_the_collector_exposes_for_its_spans(run_collector):
    module = synthetic_series()
    collector_ = run_collector()
    shape = module.Shape(tenants=2, agents=2, models=2, tools_per_agent=2, error_types=2)
    models = [("gpt-5.5", "openai"), ("claude-sonnet-4-6", "anthropic")]
    fleet_spans(collector_.otlp_http, list(module.fleet(shape, models)))
    generated = module.fleet_series(rendered_config(render_chart()), shape, models)
    expected = set(parse_metrics(module.exposition(generated, 60)))
    deadline = time.monotonic() + 30
    while True:
        exposed = set(collector_.metrics())
        if exposed == expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert exposed == expected, (f"missing {sorted(expected - exposed)[:10]}, "
                                 f"unexpected {sorted(exposed - expected)[:10]}")

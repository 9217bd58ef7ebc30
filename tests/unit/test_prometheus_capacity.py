"""bench/synthetic_series.py and bench/query_plans.py: the series and queries the Prometheus
capacity figures (bench/prometheus_capacity.py) rest on."""

import importlib.util
import sys
import io
import subprocess

import pytest
import yaml

from harness import collector, prometheus
from harness.paths import REPO_ROOT
from harness.render import render_chart


def bench_module(name: str):
    """bench/<name>.py as a module (bench/ is no package)."""
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


series_module = bench_module("synthetic_series")
plans = bench_module("query_plans")
MODELS = [("gpt-5.5", "openai"), ("claude-sonnet-4-6", "anthropic")]


@pytest.fixture(scope="module")
def config():
    return collector.rendered_config(render_chart())


def test_the_families_are_the_connectors_with_its_buckets_and_labels_as_the_exporter_names_them(config):
    families = {family.name: family for family in series_module.families(config)}
    entries = config["connectors"]["signaltometrics"]["spans"]
    [agent] = [entry for entry in entries if entry["name"] == "agent_request_duration_seconds"]
    assert families["agent_request_duration_seconds"].buckets == tuple(agent["histogram"]["buckets"])
    assert families["agent_request_duration_seconds"].labels == ("agent_name", "model", "tenant_id")
    # Only what a healthy fleet never has is left out.
    assert {entry["name"] for entry in entries} - set(families) == series_module.ANOMALY_FAMILIES


def test_a_fleet_has_one_series_per_label_combination_its_spans_can_give(config):
    shape = series_module.Shape(tenants=4, agents=3, models=2, tools_per_agent=2, error_types=2)
    series = series_module.fleet_series(config, shape, MODELS)
    by_family = {}
    for one in series:
        by_family.setdefault(one.family.name, []).append(one)
    assert len(by_family["agent_request_duration_seconds"]) == 4 * 3 * 2
    assert len(by_family["llm_tokens_total"]) == 4 * 2 * 3  # input, cached_input, output
    assert len(by_family["llm_inference_duration_seconds"]) == 2  # one provider per model
    assert len(by_family["tool_execution_errors_total"]) == 3 * 2 * 2
    assert len(by_family["vector_search_duration_seconds"]) == 1
    histogram = by_family["agent_request_duration_seconds"][0]
    assert len(histogram.prefixes()) == len(histogram.family.buckets) + 3  # +Inf, _sum, _count
    assert {tuple(one.labels) for one in by_family["llm_tokens_total"]} == {("model", "tenant_id", "token_type")}


def test_a_family_with_an_attribute_the_fleet_does_not_vary_and_no_default_is_refused():
    family = series_module.Family("x_total", False, ("gen_ai.conversation.id",), ())
    with pytest.raises(ValueError, match="gen_ai.conversation.id"):
        series_module.series_labels(family, [{"tenant.id": "a"}])


def test_histogram_samples_are_cumulative_whole_observations_and_counters_grow(config):
    [histogram] = [one for one in series_module.fleet_series(config, series_module.Shape(1, 1, 1, 1, 1), MODELS)
                   if one.family.name == "agent_request_duration_seconds"]
    early, late = histogram.values(3600), histogram.values(7200)
    buckets = late[:-2]
    assert buckets == sorted(buckets) and buckets[-1] == late[-1]  # +Inf is the count
    assert all(float(value).is_integer() for value in buckets)
    assert all(b >= a for a, b in zip(early, late))


def test_the_exposition_parses_as_the_collectors_does(config):
    series = series_module.fleet_series(config, series_module.Shape(2), MODELS)
    parsed = collector.parse_metrics(series_module.exposition(series, 600))
    assert len(parsed) == series_module.sample_count(series)
    assert ("llm_cost_dollars_total", ("model", "gpt-5.5"), ("tenant_id", "tenant-0001")) in parsed


def test_promtool_makes_blocks_of_the_openmetrics_with_every_sample(config, tmp_path):
    if prometheus.missing_reason():
        pytest.skip(prometheus.missing_reason())
    series = series_module.fleet_series(config, series_module.Shape(1, 1, 1, 1, 1), MODELS)
    text = io.StringIO()
    times = [1_700_000_000 + 3600 * hour for hour in range(3)]
    written = series_module.write_openmetrics(text, series, times, times[0] - 3600)
    written += series_module.write_gauges(text, "up", [({}, 1)], times)
    text.write("# EOF\n")
    (tmp_path / "in.om").write_text(text.getvalue())
    subprocess.run([str(prometheus.PROMTOOL), "tsdb", "create-blocks-from", "openmetrics", str(tmp_path / "in.om"),
                    str(tmp_path / "data")], check=True, capture_output=True, timeout=60)
    listed = subprocess.run([str(prometheus.PROMTOOL), "tsdb", "list", str(tmp_path / "data")], check=True,
                            capture_output=True, text=True, timeout=60).stdout
    assert sum(int(line.split()[4]) for line in listed.splitlines()[1:]) == written == \
        (series_module.sample_count(series) + 1) * len(times)


RULES = {"groups": [
    {"name": "budgets", "interval": "1h", "rules": [
        {"record": "tenant_month:cost:increase_step", "labels": {"release": "obs"},
         "expr": 'sum by (tenant_id) (cost_total{job="j"} - cost_total{job="j"} offset 1h)'},
        {"record": "tenant:cost:month_to_date", "labels": {"release": "obs"},
         "expr": 'sum by (tenant_id) (sum_over_time(tenant_month:cost:increase_step{release="obs"}[31d]))'},
        {"record": "tenant_budget_usd", "labels": {"release": "obs", "tenant_id": "a"}, "expr": "vector(100)"},
        {"record": "tenant_budget_usd", "labels": {"release": "obs", "tenant_id": "b"}, "expr": "vector(200)"},
        {"record": "tenant:budget:ratio", "labels": {"release": "obs"},
         "expr": 'tenant:cost:month_to_date{release="obs"} / on (tenant_id) tenant_budget_usd{release="obs"}'},
    ]},
    {"name": "agents", "rules": [{"alert": "Over", "expr": 'tenant:budget:ratio{release="obs",tenant_id="a"} > 1'}]},
]}


def test_inlining_replaces_recorded_series_by_their_rules_down_to_scraped_series_and_constants():
    rules = plans.computed(plans.recording_rules(RULES, "30s"))
    assert set(rules) == {"tenant_month:cost:increase_step", "tenant:cost:month_to_date", "tenant:budget:ratio"}
    inlined = plans.inline('tenant:budget:ratio{release="obs",tenant_id=~".*"}', rules)
    assert inlined == (
        '((sum by (tenant_id) (sum_over_time((sum by (tenant_id) (cost_total{job="j"} - cost_total{job="j"} offset 1h))'
        '[31d:1h]))) / on (tenant_id) tenant_budget_usd{release="obs"})')


def test_an_alerts_tenant_survives_inlining_and_a_matcher_it_cannot_keep_is_refused():
    rules = plans.computed(plans.recording_rules(RULES, "30s"))
    [alert] = plans.alert_queries(RULES, ("Over",))
    assert plans.inline(alert.expr, rules).endswith(' and on (tenant_id) label_replace(vector(1), "tenant_id", "a", "", "")) > 1')
    with pytest.raises(ValueError, match="equality"):
        plans.inline('tenant:budget:ratio{tenant_id!="a"}', rules)


def test_rules_are_backfilled_in_levels_each_reading_only_the_levels_before():
    rules = plans.computed(plans.recording_rules(RULES, "30s"))
    needed = plans.reads('tenant:budget:ratio{release="obs"}', rules)
    assert plans.levels(needed, rules) == [["tenant_month:cost:increase_step"], ["tenant:cost:month_to_date"],
                                           ["tenant:budget:ratio"]]


def test_the_chart_s_budget_queries_all_inline():
    values = {"global": {"tenants": [{"name": "acme", "monthlyBudgetUsd": 100}]}}
    rendered = yaml.safe_load(render_chart(values=values).get("ConfigMap", "obs-prometheus-rules")["data"][
        "agent-observability.yaml"])
    rules = plans.computed(plans.recording_rules(rendered, "30s"))
    queries = plans.with_inlined(plans.alert_queries(rendered, ("TenantBudgetExceeded", "TenantBudgetForecastExceeded")),
                                 rules)
    for query in queries:
        assert query.reads and not plans.SELECTOR.search(query.inlined.replace("tenant_monthly_budget_usd{", ""))


def test_grafanas_rate_interval():
    assert plans.grafana_rate_interval(3600, 30) == 3630
    assert plans.grafana_rate_interval(3600, 43200) == 4 * 43200

"""The dashboards load into Grafana from files, as they are, with nothing left to fill in.

Grafana itself cannot run here (no image); what file provisioning needs is checked on the
shipped JSON, and the model is checked against Grafana's published dashboard types
(grafana-foundation-sdk). That every panel's query returns the right number is proven on a
real Prometheus in the component tier (test_dashboard_queries.py).
"""

from __future__ import annotations

import json
import re

import pytest

from harness.dashboards import DASHBOARD_FILES, dashboards, panel_queries, variables_used
from harness.promql import vector_selectors
from harness.render import render_chart

DATASOURCE_UID = "agent-observability-prometheus"
# The release a dashboard shows, one at a time; the other variables filter within it.
RELEASE_VARIABLES = ("namespace", "release")
DASHBOARD_PARAMS = [pytest.param(path, id=path.stem) for path in DASHBOARD_FILES]
PANEL_KINDS_WITHOUT_UNITS = {"row", "text"}


def load(path):
    return json.loads(path.read_text())


def test_there_are_the_five_dashboards_of_the_monitoring_half():
    assert {d["title"] for d in dashboards()} == {
        "Agents overview", "LLM usage and cost", "Tools and retrieval", "Telemetry pipeline health", "Tenant chargeback"}


def test_the_chargeback_opens_on_this_month_so_far():
    [chargeback] = [d for d in dashboards() if d["uid"] == "agent-observability-chargeback"]
    assert chargeback["time"] == {"from": "now/M", "to": "now"}


def test_a_table_of_several_queries_merges_them_as_grafana_names_their_columns():
    # Grafana returns a table-format instant query as Time, one column per label, and
    # "Value #<refId>" when the panel has more than one query
    # (packages/grafana-prometheus/src/result_transformer.ts transformDFToTable, getValueText);
    # `merge` joins the queries' rows on their common columns (the tenant), and `organize` names
    # every value column: none is left as "Value #X", and none names a query that is not there.
    tables = [p for d in dashboards() for p in d["panels"]
              if p["type"] == "table" and any(t.get("format") == "table" for t in p["targets"])]
    assert tables
    for table in tables:
        refs = {t["refId"] for t in table["targets"]}
        assert all(t.get("format") == "table" and t["instant"] for t in table["targets"]), table["title"]
        transformations = [t["id"] for t in table["transformations"]]
        assert transformations[:1] == ["merge"], table["title"]
        [organize] = [t["options"] for t in table["transformations"] if t["id"] == "organize"]
        renamed = {name.removeprefix("Value #") for name in organize["renameByName"] if name.startswith("Value #")}
        assert renamed == refs, table["title"]
        assert {"Time", "namespace", "release"} <= set(organize["excludeByName"]), table["title"]


def test_uids_are_unique_and_stable():
    uids = [d["uid"] for d in dashboards()]
    assert len(set(uids)) == len(uids)
    assert all(re.fullmatch(r"agent-observability-[a-z]+", uid) for uid in uids)


@pytest.mark.parametrize("path", DASHBOARD_PARAMS)
def test_dashboard_is_file_provisionable_without_import_inputs(path):
    text = path.read_text()
    dashboard = json.loads(text)
    assert "__inputs" not in dashboard and "__requires" not in dashboard
    assert "${DS_" not in text, "import-time datasource inputs cannot be filled by file provisioning"
    assert dashboard.get("id") is None
    assert dashboard["schemaVersion"] >= 39, "classic dashboard JSON of Grafana 11 and later"


@pytest.mark.parametrize("path", DASHBOARD_PARAMS)
def test_every_datasource_reference_resolves_to_the_provisioned_prometheus(path):
    dashboard = load(path)
    [variable] = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert variable["name"] == "datasource" and variable["query"] == "prometheus"
    assert variable["current"]["value"] == DATASOURCE_UID
    assert render_chart().find("ConfigMap", "obs-grafana", "data.\"datasources.yaml\"").count(
        f"uid: {DATASOURCE_UID}") == 1

    def references(node):
        if isinstance(node, dict):
            if "datasource" in node and isinstance(node["datasource"], dict):
                yield node["datasource"]
            for value in node.values():
                yield from references(value)
        elif isinstance(node, list):
            for item in node:
                yield from references(item)

    found = list(references(dashboard))
    assert found
    assert all(ref == {"type": "prometheus", "uid": "${datasource}"} for ref in found), found


@pytest.mark.parametrize("path", DASHBOARD_PARAMS)
def test_every_panel_has_a_query_a_unit_and_a_description(path):
    for panel in load(path)["panels"]:
        if panel["type"] in PANEL_KINDS_WITHOUT_UNITS:
            continue
        assert panel_queries(panel), panel["title"]
        assert all(query.strip() for query in panel_queries(panel)), panel["title"]
        assert panel["fieldConfig"]["defaults"].get("unit"), f"{panel['title']} has no unit"
        assert panel.get("description"), panel["title"]


@pytest.mark.parametrize("path", DASHBOARD_PARAMS)
def test_every_variable_is_used_and_filters_have_all(path):
    dashboard = load(path)
    used = variables_used(dashboard)
    for variable in dashboard["templating"]["list"]:
        assert variable["name"] in used, f"variable {variable['name']} is used by no panel"
        if variable["name"] in RELEASE_VARIABLES:
            assert not variable["includeAll"] and not variable["multi"], variable["name"]
        elif variable["type"] == "query":
            assert variable["includeAll"] and variable["allValue"] == ".*", variable["name"]
    declared = {v["name"] for v in dashboard["templating"]["list"]}
    assert used <= declared


@pytest.mark.parametrize("path", DASHBOARD_PARAMS)
def test_every_query_reads_the_chosen_release_only(path):
    """Each selector names the release's jobs (what its collector and agents expose) or its
    namespace and release labels (what its rules record): two releases, or another collector,
    scraped by one Prometheus (kube-prometheus-stack's) never add up in a panel."""
    dashboard = load(path)
    queries = [query for panel in dashboard["panels"] for query in panel_queries(panel)]
    queries += [re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", variable["definition"])
                for variable in dashboard["templating"]["list"]
                if variable["type"] == "query" and variable["name"] not in RELEASE_VARIABLES]
    for query in queries:
        for metric, matchers in vector_selectors(query):
            assert "$namespace" in matchers and "$release" in matchers, f"{metric} in {query}"


@pytest.mark.parametrize("path", DASHBOARD_PARAMS)
def test_panels_fit_the_grid_and_do_not_overlap(path):
    taken = set()
    for panel in load(path)["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                 for y in range(grid["y"], grid["y"] + grid["h"])}
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells
    ids = [panel["id"] for panel in load(path)["panels"]]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("path", DASHBOARD_PARAMS)
def test_dashboard_matches_grafanas_published_dashboard_model(path):
    from grafana_foundation_sdk.models.dashboard import Dashboard

    dashboard = load(path)
    model = Dashboard.from_json(dashboard)
    assert model.uid == dashboard["uid"] and model.title == dashboard["title"]
    assert [panel.title for panel in model.panels] == [panel["title"] for panel in dashboard["panels"]]
    for panel, source in zip(model.panels, dashboard["panels"]):
        assert panel.type_val == source["type"]
        assert len(panel.targets) == len(source["targets"])
        grid = source["gridPos"]
        assert (panel.grid_pos.x, panel.grid_pos.y, panel.grid_pos.w, panel.grid_pos.h) == \
            (grid["x"], grid["y"], grid["w"], grid["h"])
        assert panel.field_config.defaults.unit == source["fieldConfig"]["defaults"]["unit"]


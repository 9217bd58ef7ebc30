"""The Grafana dashboards the chart ships, read as Grafana reads them, and their queries as
Grafana sends them to Prometheus (template variables substituted)."""

from __future__ import annotations

import json
import re

from .paths import UMBRELLA_CHART

DASHBOARDS_DIR = UMBRELLA_CHART / "charts" / "monitoring" / "files" / "dashboards"
DASHBOARD_FILES = sorted(DASHBOARDS_DIR.glob("*.json"))
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")


def dashboards() -> list[dict]:
    return [json.loads(path.read_text()) for path in DASHBOARD_FILES]


def panel_queries(panel: dict) -> list[str]:
    """The PromQL of each of a panel's targets."""
    return [target.get("expr", "") for target in panel.get("targets", [])]


def variables_used(dashboard: dict) -> set[str]:
    """Names of the variables the panels, their datasources and the other variables refer to;
    Grafana's own ($__range, $__rate_interval, $__all) aside."""
    text = json.dumps([dashboard["panels"], [v for v in dashboard["templating"]["list"] if v["type"] != "datasource"]])
    return {a or b for a, b in VARIABLE.findall(text)} - {name for a, b in VARIABLE.findall(text)
                                                          for name in (a or b,) if name.startswith("__")}


def substitute(expr: str, values: dict[str, str]) -> str:
    """A query with each $variable / ${variable} replaced as Grafana does before sending it."""
    def replace(match):
        name = match.group(1) or match.group(2)
        if name not in values:
            raise KeyError(f"no value for ${name} in {expr}")
        return values[name]

    return VARIABLE.sub(replace, expr)

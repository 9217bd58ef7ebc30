"""What the umbrella chart passes to each subchart, for rendering subcharts on their own."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from .paths import UMBRELLA_CHART


@functools.lru_cache(maxsize=None)
def umbrella_values() -> dict:
    return yaml.safe_load((UMBRELLA_CHART / "values.yaml").read_text())


def values_passed_to(subchart: Path | str) -> dict:
    """The umbrella's defaults for one subchart (plus `global`, and what the default-enabled
    subcharts import into it), as standalone values.

    Rendered on its own with these values and the same release name, a subchart must
    produce exactly the objects it produces inside the umbrella.
    """
    name = Path(subchart).name
    values = {key: value for key, value in umbrella_values().get(name, {}).items() if key != "enabled"}
    values = merged(imported_values(name), values)
    values["global"] = umbrella_values().get("global", {})
    return values


def imported_values(name: str) -> dict:
    """What the umbrella's Chart.yaml import-values hand to subchart `name` from the subcharts
    enabled by default: Helm imports a child's table only while that child is enabled, and the
    values given to the parent win over it."""
    imported: dict = {}
    chart = yaml.safe_load((UMBRELLA_CHART / "Chart.yaml").read_text())
    for dependency in chart.get("dependencies", []):
        if not umbrella_values().get(dependency["name"], {}).get("enabled", True):
            continue
        child_values = yaml.safe_load((UMBRELLA_CHART / "charts" / dependency["name"] / "values.yaml").read_text())
        for entry in dependency.get("import-values", []):
            target = entry["parent"].split(".")
            if target[0] != name:
                continue
            table = child_values
            for key in entry["child"].split("."):
                table = table[key]
            for key in reversed(target[1:]):
                table = {key: table}
            imported = merged(imported, table)
    return imported


def merged(base: dict, override: dict) -> dict:
    """`override` deep-merged over `base`, as Helm coalesces values."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result

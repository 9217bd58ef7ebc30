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
    """The umbrella's defaults for one subchart (plus `global`), as standalone values.

    Rendered on its own with these values and the same release name, a subchart must
    produce exactly the objects it produces inside the umbrella.
    """
    name = Path(subchart).name
    values = {key: value for key, value in umbrella_values().get(name, {}).items() if key != "enabled"}
    values["global"] = umbrella_values().get("global", {})
    return values

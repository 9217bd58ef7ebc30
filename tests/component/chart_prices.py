"""The chart's default price table (the collector's prices.models) and what a call costs by it,
for the tests that check the cost the collector counts."""

from __future__ import annotations

import yaml

from harness.paths import UMBRELLA_CHART

PRICES = {row["model"]: row for row in yaml.safe_load(
    (UMBRELLA_CHART / "charts" / "otel-collector" / "values.yaml").read_text())["prices"]["models"]}


def cost(model: str, input_tokens: int, cached_tokens: int, output_tokens: int) -> float:
    """USD of one call by the chart's default price table (prices per 1M tokens): input_tokens
    count the cached ones too, which the row's cachedInput prices (its input price without one)."""
    price = PRICES[model]
    return ((input_tokens - cached_tokens) * price["input"] + cached_tokens * price.get("cachedInput", price["input"])
            + output_tokens * price["output"]) / 1e6

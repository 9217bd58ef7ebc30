"""The GenAI series the chart's collector exposes, made up for a fleet of a given shape.

The metric families come from the rendered collector configuration (the signaltometrics
connector's spans entries: name, histogram or sum, attribute keys, defaults, buckets), not from a
copy: a bucket or a label the chart adds shows here. The exporter's naming is the chart's
(translation_strategy UnderscoreEscapingWithoutSuffixes): attribute keys with `.` as `_`, names as
configured, labels in name order, `le` last (tests/component/test_synthetic_series.py compares
the result with what the real collector exposes for the same spans).

A fleet is `tenants` tenants, each running every one of `agents` agents with each of `models`
models (the cross product: the most series those counts can give), each agent calling
`tools_per_agent` tools, and every agent and tool failing, over the retention, with each of
`error_types` error types. One provider per model.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Iterable, Iterator

# Families a healthy fleet does not have: spans the collector refused as implausible.
ANOMALY_FAMILIES = {"genai_rejected_span_values_total"}
# The attributes a fleet's spans vary; any other key of an entry must have a default_value.
FLEET_KEYS = ("tenant.id", "agent.name", "model", "provider", "tool.name", "error.type")


@dataclass(frozen=True)
class Family:
    """One spans entry of the signaltometrics connector, as the Prometheus exporter shows it."""

    name: str
    histogram: bool
    keys: tuple[str, ...]  # span attribute keys, in the entry's order
    defaults: tuple[tuple[str, str], ...]  # (key, default_value) of keys with one
    buckets: tuple[float, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label_name(key) for key in self.keys)


def label_name(key: str) -> str:
    """The Prometheus label of a span attribute key (the exporter's underscore escaping)."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", key)


def families(collector_config: dict) -> list[Family]:
    """The connector's spans entries, those of ANOMALY_FAMILIES aside."""
    result = []
    for entry in collector_config["connectors"]["signaltometrics"]["spans"]:
        if entry["name"] in ANOMALY_FAMILIES:
            continue
        attributes = entry.get("attributes", [])
        histogram = "histogram" in entry
        result.append(Family(
            name=entry["name"], histogram=histogram, keys=tuple(a["key"] for a in attributes),
            defaults=tuple((a["key"], str(a["default_value"])) for a in attributes if "default_value" in a),
            buckets=tuple(float(b) for b in entry["histogram"]["buckets"]) if histogram else ()))
    return result


@dataclass(frozen=True)
class Shape:
    tenants: int
    agents: int = 3
    models: int = 2
    tools_per_agent: int = 3
    error_types: int = 2

    @property
    def tenant_agent_models(self) -> int:
        return self.tenants * self.agents * self.models

    def tenant_names(self) -> list[str]:
        return [f"tenant-{index:04d}" for index in range(1, self.tenants + 1)]


def fleet(shape: Shape, models: list[tuple[str, str]]) -> Iterator[dict[str, str]]:
    """Every combination of the fleet's attribute values, as a span's attributes would carry
    them; `models` is [(model, provider)], at least shape.models of them."""
    if len(models) < shape.models:
        raise ValueError(f"{shape.models} models wanted, {len(models)} given")
    agents = [f"agent-{index}" for index in range(1, shape.agents + 1)]
    tools = [f"tool-{index}" for index in range(1, shape.tools_per_agent + 1)]
    errors = [f"error-{index}" for index in range(1, shape.error_types + 1)]
    for tenant, agent, (model, provider), tool, error in itertools.product(
            shape.tenant_names(), agents, models[:shape.models], tools, errors):
        yield {"tenant.id": tenant, "agent.name": agent, "model": model, "provider": provider,
               "tool.name": tool, "error.type": error}


def series_labels(family: Family, combinations: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """The label sets of the family's series (without `le`): the distinct projections of the
    combinations on its keys, in label-name order."""
    defaults = dict(family.defaults)
    unknown = [key for key in family.keys if key not in FLEET_KEYS and key not in defaults]
    if unknown:
        raise ValueError(f"{family.name}: no fleet value for attribute {unknown} (add it to FLEET_KEYS)")
    seen = {}
    for combination in combinations:
        values = tuple(combination[key] if key in FLEET_KEYS else defaults[key] for key in family.keys)
        seen.setdefault(values, None)
    order = sorted(range(len(family.keys)), key=lambda i: family.labels[i])
    return [{family.labels[i]: values[i] for i in order} for values in seen]


def format_float(value: float) -> str:
    """A number as the exporter writes it (Go's shortest representation, +Inf)."""
    if math.isinf(value):
        return "+Inf"
    return repr(int(value)) if float(value).is_integer() else repr(value)


def format_labels(labels: dict[str, str]) -> str:
    return ",".join(f'{name}="{value}"' for name, value in labels.items())


@dataclass
class Series:
    """One series (one label set of a family): its sample lines' prefixes and its rate."""

    family: Family
    labels: dict[str, str]
    per_second: float  # observations (histograms) or counted amount (sums) per second

    def prefixes(self) -> list[str]:
        """`name{labels}` of each sample line, in the exporter's order."""
        base = format_labels(self.labels)
        if not self.family.histogram:
            return [f"{self.family.name}{{{base}}}" if base else self.family.name]
        sep = "," if base else ""
        lines = [f'{self.family.name}_bucket{{{base}{sep}le="{format_float(le)}"}}'
                 for le in (*self.family.buckets, math.inf)]
        suffix = f"{{{base}}}" if base else ""
        return [*lines, f"{self.family.name}_sum{suffix}", f"{self.family.name}_count{suffix}"]

    def values(self, elapsed: float) -> list[float]:
        """The samples' values `elapsed` seconds after the counters started, in prefixes()'
        order: a counter's amount; a histogram's cumulative buckets (observations spread so that
        a third fall at or below the middle bucket), sum (1.5 s each) and count, all whole
        numbers of observations."""
        amount = self.per_second * elapsed
        if not self.family.histogram:
            return [round(amount, 6)]
        count = math.floor(amount)
        middle = self.family.buckets[len(self.family.buckets) // 2]
        buckets = [math.floor(count * le / (le + 2 * middle)) for le in self.family.buckets]
        return [*buckets, count, round(1.5 * count, 3), count]


def fleet_series(collector_config: dict, shape: Shape, models: list[tuple[str, str]]) -> list[Series]:
    """Every series of the fleet, family by family, each with a rate of its own (so that
    tenants' spend differs): LLM calls and agent runs every few minutes, tokens by the thousand."""
    combinations = list(fleet(shape, models))
    result = []
    for family in families(collector_config):
        for index, labels in enumerate(series_labels(family, combinations)):
            spread = 0.5 + (index * 7919 % 1000) / 1000  # 0.5 to 1.5, the same on every run
            if "token" in family.name:
                per_second = 20 * spread
            elif "cost" in family.name:
                per_second = 0.00005 * spread
            else:
                per_second = 0.005 * spread
            result.append(Series(family, labels, per_second))
    return result


def exposition(series: list[Series], elapsed: float) -> str:
    """The Prometheus text format (0.0.4) the collector's /metrics answers with."""
    lines = []
    for name, group in itertools.groupby(series, key=lambda s: s.family.name):
        group = list(group)
        lines.append(f"# TYPE {name} {'histogram' if group[0].family.histogram else 'counter'}")
        for one in group:
            lines += [f"{prefix} {format_float(value)}" for prefix, value in zip(one.prefixes(), one.values(elapsed))]
    return "\n".join(lines) + "\n"


def sample_count(series: list[Series]) -> int:
    """Sample lines per scrape: what Prometheus stores as series."""
    return sum(len(one.prefixes()) for one in series)


def write_openmetrics(out, series: list[Series], times: list[int], started: int) -> int:
    """The series' samples at each of `times` (Unix seconds) as OpenMetrics text for
    `promtool tsdb create-blocks-from openmetrics`: one family after the other (a counter's
    family is named without `_total`, as OpenMetrics wants), each series' points in time order;
    counters start at `started`. Returns the number of samples written."""
    written = 0
    for name, group in itertools.groupby(series, key=lambda s: s.family.name):
        group = list(group)
        histogram = group[0].family.histogram
        out.write(f"# TYPE {name if histogram else name.removesuffix('_total')} "
                  f"{'histogram' if histogram else 'counter'}\n")
        for one in group:
            prefixes = one.prefixes()
            chunk = []
            for at in times:
                chunk += [f"{prefix} {format_float(value)} {at}\n"
                          for prefix, value in zip(prefixes, one.values(at - started))]
            out.write("".join(chunk))
            written += len(chunk)
    return written


def write_gauges(out, name: str, points: list[tuple[dict[str, str], float]], times: list[int]) -> int:
    """A gauge family for OpenMetrics: each (labels, value) at each of `times`."""
    out.write(f"# TYPE {name} gauge\n")
    lines = [f"{name}{{{format_labels(labels)}}} {format_float(value)} {at}\n" if labels
             else f"{name} {format_float(value)} {at}\n" for labels, value in points for at in times]
    out.write("".join(lines))
    return len(lines)

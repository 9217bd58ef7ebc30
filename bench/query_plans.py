"""The queries a 30-day look at the chart's dashboards and budget alerts sends Prometheus, as
Grafana and the rule manager send them, and the same queries without the recording rules.

Panels come from the dashboards the chart ships (each target's expr, instant or range as the
panel asks), with every variable at `All` and $__range at 30 days; alerts from the rendered
rules. A query that reads a series a recording rule computes has an inlined twin: each such
selector replaced by the rule's expression (a range over it by a subquery at the rule group's
interval), again and again until only scraped series and the budgets' constants are left.
That is what the query would cost if the chart had no recording rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Variables replaced as Grafana replaces them, by the dashboards tests' own function.
from harness.dashboards import substitute

ALL = ".*"
RANGE = "30d"
RANGE_SECONDS = 30 * 86400
# A recorded series' selector as the rendered rules and dashboards write it, and its range.
SELECTOR = re.compile(r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_:]*)\{(?P<matchers>[^}]*)\}(?P<range>\[[^\]:]+\])?")
MATCHER = re.compile(r'\s*(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*"(?P<value>[^"]*)"\s*')
CONSTANT = re.compile(r"^\s*vector\(\s*[-+0-9.eE]+\s*\)\s*$")
# The dashboard of the collector's own telemetry: its series do not grow with tenants.
PIPELINE_DASHBOARD = "agent-observability-pipeline"


@dataclass(frozen=True)
class Rule:
    record: str
    expr: str
    labels: tuple[tuple[str, str], ...]
    group: str
    interval: str

    @property
    def constant(self) -> bool:
        """A rule that only writes a number from values (a budget, a limit): data, not work."""
        return bool(CONSTANT.match(self.expr))


@dataclass
class Query:
    """One query as it is sent: `instant` at the end of the range, or a range query over it."""

    source: str  # "dashboard / panel" or "alert NAME"
    expr: str
    instant: bool
    inlined: str | None = None  # the same without recording rules, when it reads any
    reads: set[str] = field(default_factory=set)  # recorded names it reads, transitively
    unrendered: set[str] = field(default_factory=set)  # recorded names no rule of this render records


def recording_rules(rule_groups: dict, default_interval: str) -> dict[str, list[Rule]]:
    """{recorded name: [its rules]} of the rendered rule groups."""
    rules: dict[str, list[Rule]] = {}
    for group in rule_groups["groups"]:
        for rule in group["rules"]:
            if "record" in rule:
                rules.setdefault(rule["record"], []).append(Rule(
                    rule["record"], rule["expr"], tuple(sorted(rule.get("labels", {}).items())), group["name"],
                    group.get("interval", default_interval)))
    return rules


def computed(rules: dict[str, list[Rule]]) -> dict[str, Rule]:
    """The recorded names one rule computes from other series (constants aside)."""
    result = {}
    for name, of_name in rules.items():
        working = [rule for rule in of_name if not rule.constant]
        if len(working) > 1:
            raise ValueError(f"{name} is recorded by {len(working)} rules: inlining needs one")
        if working:
            result[name] = working[0]
    return result


def selected_recorded(expr: str, rules: dict[str, Rule]) -> set[str]:
    return {match["name"] for match in SELECTOR.finditer(expr) if match["name"] in rules}


def _narrowing(name: str, matchers: str, rule: Rule) -> dict[str, str]:
    """The equality matchers of a selector of `rule`'s output that narrow it (an alert's
    tenant); those repeating the rule's own labels or matching anything narrow nothing."""
    own, narrowing = dict(rule.labels), {}
    for matcher in filter(None, re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", matchers)):
        parsed = MATCHER.fullmatch(matcher)
        if not parsed:
            raise ValueError(f"cannot read matcher {matcher!r} of {name}")
        if (parsed["op"] == "=~" and parsed["value"] == ALL) or (
                parsed["op"] == "=" and own.get(parsed["label"]) == parsed["value"]):
            continue
        if parsed["op"] != "=":
            raise ValueError(f"{name}{{{matchers}}}: only equality matchers can be kept when inlining")
        narrowing[parsed["label"]] = parsed["value"]
    return narrowing


def inline(expr: str, rules: dict[str, Rule]) -> str:
    """`expr` with every selector of a computed recorded series replaced by its rule's
    expression (a range by a subquery at the rule's interval; an equality matcher on other
    labels, an alert's tenant, by `and on` a vector of those labels), until none is left."""
    for _ in range(20):
        def replace(match):
            rule = rules[match["name"]]
            narrowing = _narrowing(match["name"], match["matchers"], rule)
            body = f"({rule.expr})"
            if match["range"]:
                if narrowing:
                    raise ValueError(f"{match.group(0)}: a range over a narrowed recorded series")
                return f"{body}{match['range'][:-1]}:{rule.interval}]"
            if narrowing:
                only = "vector(1)"
                for label, value in narrowing.items():
                    only = f'label_replace({only}, "{label}", "{value}", "", "")'
                body = f"({body} and on ({', '.join(narrowing)}) {only})"
            return body

        changed = SELECTOR.sub(lambda m: replace(m) if m["name"] in rules else m.group(0), expr)
        if changed == expr:
            return expr
        expr = changed
    raise ValueError("recording rules read each other in a cycle")


def reads(expr: str, rules: dict[str, Rule]) -> set[str]:
    """The computed recorded names `expr` reads, and those their rules read, transitively."""
    found, todo = set(), selected_recorded(expr, rules)
    while todo:
        name = todo.pop()
        found.add(name)
        todo |= selected_recorded(rules[name].expr, rules) - found
    return found


def levels(names: set[str], rules: dict[str, Rule]) -> list[list[str]]:
    """The rules of `names` in backfill order: each level reads only scraped series, constants
    and the levels before it (promtool evaluates a rule against what Prometheus already has)."""
    remaining, done, result = set(names), set(), []
    while remaining:
        level = sorted(name for name in remaining if selected_recorded(rules[name].expr, rules) <= done)
        if not level:
            raise ValueError(f"rules {sorted(remaining)} read each other in a cycle or a rule not given")
        result.append(level)
        done |= set(level)
        remaining -= set(level)
    return result


def grafana_rate_interval(step_seconds: int, scrape_seconds: int) -> int:
    """Grafana's $__rate_interval: max($__interval + scrape interval, 4 x scrape interval)."""
    return max(step_seconds + scrape_seconds, 4 * scrape_seconds)


def seconds(duration: str) -> int:
    return int(duration[:-1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[duration[-1]]


def dashboard_queries(dashboards: list[dict], variables: dict[str, str]) -> list[Query]:
    """Every target of every panel of the GenAI dashboards, variables substituted."""
    queries = []
    for dashboard in dashboards:
        if dashboard["uid"] == PIPELINE_DASHBOARD:
            continue
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    queries.append(Query(f"{dashboard['title']} / {panel['title']}",
                                         substitute(target["expr"], variables), bool(target.get("instant"))))
    return queries


def alert_queries(rule_groups: dict, names: tuple[str, ...]) -> list[Query]:
    """The first rendered alert of each name (per-tenant alerts differ only in their tenant)."""
    found = {}
    for group in rule_groups["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") in names and rule["alert"] not in found:
                found[rule["alert"]] = Query(f"alert {rule['alert']}", rule["expr"], True)
    missing = set(names) - set(found)
    if missing:
        raise ValueError(f"alerts {sorted(missing)} are not in the rendered rules")
    return [found[name] for name in names]


def with_inlined(queries: list[Query], rules: dict[str, Rule]) -> list[Query]:
    """The queries, each that reads a computed recorded series with its inlined twin."""
    for query in queries:
        query.unrendered = {match["name"] for match in SELECTOR.finditer(query.expr)} - set(rules)
        query.reads = reads(query.expr, rules)
        if query.reads:
            query.inlined = inline(query.expr, rules)
    return queries

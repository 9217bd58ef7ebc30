"""Fuzzed values: whatever a values file says, the chart renders valid objects or refuses clearly.

Hypothesis writes values files two ways: a few keys of the charts' values.schema.json (the
umbrella's and each subchart's) set to values their schema allows, and the shipped values
files with a few keys mutated (booleans flipped, numbers 0, negative or huge, strings empty,
types wrong, null, keys dropped, lists emptied or doubled). A null matters on its own: Helm
drops a key set to null before the schema sees it, so the templates get the key unset. Each file either renders objects the
API server would take (Kubernetes schema, Pod Security "restricted", names within their
limits, no object twice) or fails with the schema's message or a template's `fail` — never
a template crash or broken YAML. Every input it found wrong is kept in KEPT_CASES.

`make test` tries FUZZ_EXAMPLES (default 160) values files, half each way, the same ones on
every run; FUZZ_EXAMPLES=5000 looks harder.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from collections import Counter

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from harness import kube_schema
from harness.paths import KUBE_VERSION_NEWEST, SUBCHARTS, UMBRELLA_CHART, shipped_values_files
from harness.pod_security import pod_specs, violations
from harness.render import RenderError, render_text

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "160"))
FUZZ_SETTINGS = settings(max_examples=max(EXAMPLES // 2, 1), deadline=None, derandomize=True,
                         database=None, phases=(Phase.explicit, Phase.generate),
                         suppress_health_check=[HealthCheck.too_slow])

SCHEMA_REFUSAL = "values don't meet the specifications of the schema"
# Helm's own check, before the schema's: a subchart's section that is not a map.
HELM_REFUSAL = re.compile(r"chart dependencies processing failed: type mismatch on [\w-]+")
TEMPLATE_FAIL = re.compile(r"execution error at \([^)]+\): \S")
# What a template crash, rather than a `fail`, leaves in Helm's message.
CRASHES = ("nil pointer evaluating", "<nil>", "wrong type for value", "error calling",
           "executing \"", "can't evaluate field", "incompatible types", "can't iterate over",
           "error converting YAML to JSON", ": yaml: ", "parse error")
# Helm's note, before the schema refuses a list given for a map, quotes the chart's defaults,
# whose `null`s print as <nil>: not a template's crash.
HELM_COALESCE_NOTE = re.compile(r'^level=INFO msg="warning: cannot overwrite table with non table .*$', re.M)


def check(values: dict) -> str:
    """'rendered' or 'refused'; an AssertionError says how `values` broke the chart."""
    try:
        text = render_text(UMBRELLA_CHART, values=values)
    except RenderError as error:
        message = error.stderr
        assert not [crash for crash in CRASHES if crash in HELM_COALESCE_NOTE.sub("", message)], \
            f"template crashed:\n{message}"
        assert (SCHEMA_REFUSAL in message or TEMPLATE_FAIL.search(message)
                or HELM_REFUSAL.search(message)), \
            f"refused without a clear message:\n{message}"
        return "refused"
    assert "error converting YAML" not in text, "a template turned broken YAML into an Error key"
    objects = [doc for doc in yaml.safe_load_all(text) if doc]
    kube_schema.validate_all(objects, KUBE_VERSION_NEWEST)
    insecure = {where: found for where, spec in pod_specs(objects) if (found := violations(spec))}
    assert insecure == {}, "breaks Pod Security restricted"
    keys = Counter((obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])
                   for obj in objects)
    assert [key for key, n in keys.items() if n > 1] == [], "objects rendered twice"
    assert kube_schema.names_over_their_limits(objects) == [], "names Kubernetes refuses"
    for obj in objects:
        name = obj["metadata"]["name"]
        for label, value in obj["metadata"].get("labels", {}).items():
            assert len(str(value)) <= 63, f"{obj['kind']}/{name}: label {label}={value!r} too long"
    return "rendered"


# Values files from the schemas: a few leaves (keys that are not strict maps), each set to a
# value its schema allows, inside the umbrella. Free-form maps and lists of untyped items
# (resources, affinity, tolerations, NetworkPolicy peers) are Kubernetes fields the chart
# passes on unchecked, for the API server to judge: they stay empty.

def _leaves(schema: dict, path: tuple = ()):
    if schema.get("type") == "object" and "properties" in schema:
        for key, child in schema["properties"].items():
            yield from _leaves(child, path + (key,))
    elif path:
        yield path, schema


def _schema_leaves() -> list[tuple[tuple, str]]:
    umbrella = json.loads((UMBRELLA_CHART / "values.schema.json").read_text())
    subchart_names = {chart.name for chart in SUBCHARTS}
    found = [(path, json.dumps(leaf)) for path, leaf in _leaves(umbrella)
             if path[0] not in subchart_names]
    for chart in SUBCHARTS:
        schema = json.loads((chart / "values.schema.json").read_text())
        found += [((chart.name,) + path, json.dumps(leaf)) for path, leaf in _leaves(schema)
                  if path[0] != "global"]
    return found


@functools.lru_cache(maxsize=None)
def _value_of(leaf: str):
    schema = json.loads(leaf)
    if schema.get("type") == "object" or (schema.get("type") == "array" and "items" not in schema):
        return st.just({} if schema["type"] == "object" else [])
    if schema.get("items", {}).get("type") == "object":
        # hypothesis-jsonschema 0.23.1 cannot draw objects with this Hypothesis (no
        # `many.more`); lists of rows (budgets, objectives, prices) are left to the mutations.
        return st.just([])
    schema.pop("description", None)
    if schema.get("type") == "array":
        schema["maxItems"] = 3
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        # Printable text: a control character breaks any unquoted YAML scalar (not fixed).
        schema.update(maxLength=80, pattern="^[ -~]*$")
    return from_schema(schema)


def _nested(assignments) -> dict:
    values: dict = {}
    for path, value in assignments:
        section = values
        for key in path[:-1]:
            section = section.setdefault(key, {})
        section[path[-1]] = value
    return values


LEAVES = _schema_leaves()


def _value_or_null(leaf: str):
    # One leaf in ten null: Helm removes the key from the defaults, past the schema.
    return st.integers(0, 9).flatmap(lambda n: st.none() if n == 0 else _value_of(leaf))


@st.composite
def from_schemas(draw) -> dict:
    leaves = draw(st.lists(st.sampled_from(LEAVES), min_size=1, max_size=4))
    return _nested((path, draw(_value_or_null(leaf))) for path, leaf in leaves)


# Values files from the shipped ones, a few keys mutated.

SHIPPED = {path.name: yaml.safe_load(path.read_text()) or {} for path in shipped_values_files()}


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, path + (index,))


def _mutations(value):
    wrong_types = [st.just("x"), st.just(7), st.just(True), st.just([]), st.just({"x": 1}), st.none()]
    if isinstance(value, bool):
        return st.sampled_from([not value, "true", 1, None])
    if isinstance(value, (int, float)):
        return st.sampled_from([0, -1, 10**12, 0.5, "1", None])
    if isinstance(value, str):
        return st.one_of(st.sampled_from(["", " ", value * 8, "0", "true"]), *wrong_types)
    if isinstance(value, list):
        return st.sampled_from([[], value + value, value[:1], "x", {}, None])
    if isinstance(value, dict):
        return st.sampled_from([{}, "x", [], 0, None])
    return st.one_of(*wrong_types)


@st.composite
def from_shipped_files(draw) -> dict:
    values = copy.deepcopy(SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))])
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(values) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = values
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(_mutations(parent[path[-1]]))
    return values


def _fuzz(strategy, counts: Counter):
    @FUZZ_SETTINGS
    @given(strategy)
    def property_holds(values):
        counts[check(values)] += 1

    property_holds()


@pytest.mark.parametrize("strategy", [from_schemas(), from_shipped_files()],
                         ids=["from-schemas", "from-shipped-files"])
def test_fuzzed_values_render_valid_objects_or_fail_clearly(strategy, record_property):
    counts: Counter = Counter()
    try:
        _fuzz(strategy, counts)
    finally:
        record_property("fuzzed", dict(counts))


# What the fuzzing found, each fixed in the chart: now rendered, or refused with a message.
KEPT_CASES = [
    pytest.param({"secretGenerator": {"image": {"repository": "\x1f"}}},
                 id="control-character-in-an-image-broke-the-yaml"),
    pytest.param({"postgres": {"image": {"repository": "registry: 5000/postgres"}}},
                 id="colon-in-an-image-broke-the-yaml"),
    pytest.param({"monitoring": {"prometheus": {"annotatedPods": {"namespaces": [[None]]}}}},
                 id="a-list-as-a-namespace-rendered-a-role-in-namespace-nil"),
    pytest.param({"monitoring": {"prometheus": {"annotatedPods": {"namespaces": ["00"]}}}},
                 id="a-numeric-namespace-rendered-as-a-number"),
    pytest.param({"agentConnection": {"namespaces": ["00"]}},
                 id="a-numeric-agent-namespace-rendered-as-a-number"),
    pytest.param({"postgres": "x"}, id="a-subchart-section-that-is-not-a-map"),
    pytest.param({"langfuse": {"database": {"passwordKey": "8"}}},
                 id="a-numeric-secret-key-rendered-as-a-number"),
    pytest.param({"langfuse": {"web": {"autoscaling": {"enabled": True, "maxReplicas": 10**12}}}},
                 id="a-million-or-more-rendered-as-1e-plus-12"),
    pytest.param({"monitoring": {"prometheusOperator": {"serviceMonitor": {
                  "enabled": True, "labels": {"release": 7}}}}},
                 id="a-number-as-a-label-value"),
    pytest.param({"monitoring": {"prometheusOperator": {"serviceMonitor": {
                  "enabled": True, "labels": {"release": "kube-prometheus-stack" * 8}}}}},
                 id="a-label-value-of-168-characters"),
    pytest.param({"langfuse": {"enabled": False}, "otel-collector": {"langfuse": {
                  "endpoint": "https://langfuse.example.com/api/public/otel",
                  "projectKeys": {"existingSecret": "0"}}}},
                 id="a-numeric-secret-name-rendered-as-a-number"),
    pytest.param({"otel-collector": {"persistence": {"size": ""}}},
                 id="an-empty-queue-size-rendered-a-null-size-limit"),
    pytest.param({"monitoring": {"prometheus": {"persistence": {"size": "!!"}}}},
                 id="a-size-printed-unquoted-broke-the-yaml"),
    pytest.param({"postgres": {"auth": {"existingSecret": "0V`[n2\\ }X+P6ta0!X6:"}}},
                 id="a-store-secret-name-printed-unquoted-broke-the-yaml"),
    pytest.param({"clickhouse": {"resources": {"limits": []}}},
                 id="a-list-as-resource-limits-rendered-an-invalid-statefulset"),
    pytest.param({"monitoring": {"prometheus": {"extraScrapeConfigs": None}}},
                 id="a-null-list-crashed-the-prometheus-config"),
    pytest.param({"monitoring": None}, id="a-null-subchart-section-crashed-the-notes"),
    # Helm's toYaml returns nothing for a string YAML cannot carry (a C1 control character),
    # and LangFuse's settings came back empty.
    pytest.param({"langfuse": {"s3": {"batchExport": {"prefix": "U_\x93\t/"}}}},
                 id="a-control-character-in-a-store-setting-crashed-langfuse"),
    pytest.param({"langfuse": {"database": {"args": "sslmode=require\x85"}}},
                 id="a-control-character-in-a-database-argument-crashed-langfuse"),
    *[pytest.param({chart: {"nameOverride": "3"}}, id=f"a-numeric-{chart}-name-override-rendered-a-numeric-label")
      for chart in ("langfuse", "otel-collector", "monitoring", "postgres", "valkey",
                    "object-storage", "clickhouse")],
    *[pytest.param({chart: {"fullnameOverride": "00"}},
                   id=f"a-{chart}-full-name-override-starting-with-a-digit-rendered-numeric-names")
      for chart in ("langfuse", "otel-collector", "monitoring", "postgres", "valkey",
                    "object-storage", "clickhouse")],
    *[pytest.param({chart: {"serviceAccount": {"name": "@{_!{UrG]"}}},
                   id=f"a-{chart}-service-account-name-not-a-dns-name-broke-the-yaml")
      for chart in ("langfuse", "otel-collector", "postgres", "valkey", "object-storage", "clickhouse")],
]


@pytest.mark.parametrize("values", KEPT_CASES)
def test_values_fuzzing_found_render_or_fail_clearly(values):
    check(values)

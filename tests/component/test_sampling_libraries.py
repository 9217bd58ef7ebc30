"""Tail sampling (sampling.enabled, one replica: decided in process) on what the real
instrumentation libraries send: the cost rule prices each LLM call as llm_cost_dollars_total
counts it, and the rules keep exactly the traces they name, whole.

The cost rule reads agent_observability.sampling.cost_usd, which transform/sampling-signals
computes from the model and token counts in the span's own dialect, a copy of what
files/genai-normalise.yaml reads for the metrics; these tests hold the two together for every
library tests/component/test_instrumentation_libraries.py runs (the same driver, stand-in
provider and expected values). Each library's calls are one trace each, the agent's run one
trace of its agent, tool and two LLM spans. A destination with `sampled: false` (an OTLP
backend) gets every span: the traces as the library sent them, to compare LangFuse's with.
"""

from __future__ import annotations

import json
import math

import pytest

from harness.collector import OtlpSink

from collector_inputs import LANGFUSE, LANGFUSE_PATH
from test_instrumentation_libraries import FAILING, TENANT, drive, expected_samples, series
from test_sampling import received, wait_until_settled
from instrumented_calls import CALLS, LIBRARIES  # noqa: E402 (test_instrumentation_libraries puts it on the path)
from standin_model import StandinModel  # noqa: E402 (the same)

COST = "agent_observability.sampling.cost_usd"
EVERY_TRACE = {"otlp": {"enabled": True, "protocol": "http", "endpoint": "http://backend", "sampled": False}}
# Only the rules decide: none keeps a trace by chance, and no trace here is slow.
RULES_ONLY = {"enabled": True, "percentage": 0, "decisionWait": "1s",
              "keep": {"errors": False, "rateLimited": False, "slowerThanSeconds": 0, "costlierThanUsd": 0,
                       "tenants": []}}
# transform/sampling-signals-removed with a statement that changes nothing, so that the
# destinations get the signal the cost rule read.
SIGNALS_KEPT = {"processors": {"transform/sampling-signals-removed": {"trace_statements": [
    {"statements": ['delete_key(span.attributes, "agent_observability.sampling.not_a_signal")']}]}}}


def calls_of(library: str) -> list[tuple[str, str]]:
    return [(provider, call_type) for provider in LIBRARIES[library][1] for call_type in CALLS[provider]]


def cost_per_call(library: str, provider: str, call_type: str) -> float:
    """What llm_cost_dollars_total counts for one LLM call of this call type (the agent's run
    asks the model twice); 0 for a call it counts no cost for."""
    model = CALLS[provider][call_type]
    total = expected_samples(library, provider, call_type).get(
        series("llm_cost_dollars_total", model=model, tenant_id=TENANT), 0)
    return total / (2 if call_type == "tool_call" else 1)


def threshold_between(library: str) -> float:
    """A costlierThanUsd halfway (on a log scale) through the library's priced calls, rounded to
    two significant digits: some calls cost more, some less, none exactly as much."""
    costs = sorted({cost_per_call(library, *call) for call in calls_of(library)} - {0})
    low, high = costs[len(costs) // 2 - 1], costs[len(costs) // 2]
    middle = math.sqrt(low * high)
    threshold = round(middle, 1 - math.floor(math.log10(middle)))
    assert low < threshold < high, (low, threshold, high)
    return threshold


def attributes(span) -> dict:
    return {kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in span.attributes
            if kv.value.WhichOneof("value") in ("string_value", "int_value", "double_value", "bool_value")}


def named_models(span) -> set[str]:
    """The values of the span's attributes that could be a model's name, and the `model` of
    those that hold a JSON object (OpenInference's llm.invocation_parameters)."""
    names = set()
    for value in attributes(span).values():
        if not isinstance(value, str):
            continue
        names.add(value)
        try:
            parsed = json.loads(value)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            names.add(str(parsed.get("model")))
    return names


def traces_by_call(library: str, traces: dict[bytes, dict[bytes, object]]) -> dict[tuple[str, str], bytes]:
    """{(provider, call type): trace id}: each call type has a model of its own, which some span
    of its trace names (the request's or the answer's model, in its dialect)."""
    models = {CALLS[provider][call_type]: (provider, call_type) for provider, call_type in calls_of(library)}
    found: dict[tuple[str, str], bytes] = {}
    for trace_id, spans in traces.items():
        named = {models[name] for span in spans.values() for name in named_models(span) if name in models}
        assert len(named) == 1, f"a trace names the models of {sorted(named)}"
        [call] = named
        assert call not in found, f"two traces of {call}"
        found[call] = trace_id
    assert set(found) == set(calls_of(library)), f"no trace of {sorted(set(calls_of(library)) - set(found))}"
    return found


@pytest.fixture
def run_sampled(run_collector, tmp_path):
    """Run one library's calls through the collector with `sampling` and `config` values:
    (what LangFuse's stand-in got, every trace as sent, the collector), once both settled."""
    sinks = []

    def run(library: str, sampling: dict, config: dict | None = None):
        langfuse, backend, sdk_export = OtlpSink().start(), OtlpSink().start(), OtlpSink().start()
        sinks.extend((langfuse, backend, sdk_export))
        instance = run_collector({"sampling": sampling, "destinations": EVERY_TRACE, "config": config or {}},
                                 endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH), "otlphttp/backend": backend.url()})
        model = StandinModel(0).start()
        try:
            # The LangFuse SDK's own export goes to a stand-in of its own: LangFuse's shows the
            # collector's decisions only.
            outcomes, log = drive(library, model, instance.otlp_http, sdk_export.url(), tmp_path)
        finally:
            model.stop()
        for provider, call_type in calls_of(library):
            assert outcomes[provider][call_type] == FAILING.get(call_type, "ok"), log[-2000:]
        # The sampled traces arrive a decisionWait after the rest: once LangFuse's stand-in has
        # settled, the backend has every span.
        kept = wait_until_settled([langfuse])
        return kept, received(backend), instance

    yield run
    for sink in sinks:
        sink.stop()


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_cost_rule_prices_each_llm_call_as_llm_cost_dollars_total_counts_it(run_sampled, library):
    """Kept by the errors rule or by a cost below every priced call: every trace, and on each
    LLM call's span the cost the rule read."""
    cheapest = min(cost for call in calls_of(library) if (cost := cost_per_call(library, *call)))
    sampling = {**RULES_ONLY, "keep": {**RULES_ONLY["keep"], "errors": True, "costlierThanUsd": cheapest / 10}}
    kept, everything, instance = run_sampled(library, sampling, SIGNALS_KEPT)

    calls = traces_by_call(library, everything)
    for call, trace_id in calls.items():
        assert set(kept.get(trace_id, {})) == set(everything[trace_id]), f"the trace of {call} is not whole"
        priced = [attributes(span)[COST] for span in kept[trace_id].values() if COST in attributes(span)]
        expected = cost_per_call(library, *call)
        if not expected:
            assert priced in ([], [0.0]), f"{call}: the metrics count no cost, the cost rule reads {priced}"
            continue
        llm_calls = 2 if call[1] == "tool_call" else 1
        assert priced == [pytest.approx(expected, rel=1e-9)] * llm_calls, call
    # And the collector's own counter, call type by call type.
    metrics = instance.metrics()
    for (provider, call_type), trace_id in calls.items():
        key = series("llm_cost_dollars_total", model=CALLS[provider][call_type], tenant_id=TENANT)
        priced = sum(attributes(span).get(COST, 0) for span in kept[trace_id].values())
        assert metrics.get(key, 0) == pytest.approx(priced, rel=1e-9), (provider, call_type)


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_rate_limit_and_cost_rules_keep_exactly_their_traces_whole(run_sampled, library):
    """The rate-limited call's trace and those of the calls that cost at least costlierThanUsd
    arrive whole; the others (the failed call's too: the errors rule is off) not at all, and
    the signal is taken off what arrives."""
    threshold = threshold_between(library)
    sampling = {**RULES_ONLY, "keep": {**RULES_ONLY["keep"], "rateLimited": True, "costlierThanUsd": threshold}}
    kept, everything, _ = run_sampled(library, sampling)

    calls = traces_by_call(library, everything)
    expected = {call for call in calls if call[1] == "rate_limit" or cost_per_call(library, *call) >= threshold}
    assert {call for call, trace_id in calls.items() if trace_id in kept} == expected
    for call in expected:
        assert set(kept[calls[call]]) == set(everything[calls[call]]), f"the trace of {call} is not whole"
    assert not [key for spans in kept.values() for span in spans.values() for key in attributes(span)
                if key.startswith("agent_observability.")]

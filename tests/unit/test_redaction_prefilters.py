"""Each redaction detector's prefilters are sound: no value its pattern would change escapes them.

The collector runs a detector's pattern only on a span (event, resource, status) whose text one of
its prefilters matches (templates/_redaction.tpl, otel-collector.prefilteredRedaction). The text
is the attributes as ToKeyValueString writes them, which escapes `"` and keeps everything else
(ottlfuncs/func_to_key_value_string.go, v0.142.0). So the skip is exact when every string the
pattern can match contains a match of one of the prefilters and no `"`: these tests prove that on
the patterns' automata (harness/regex_language.py, Go's regexp semantics), for every detector in
files/redaction-detectors.yaml, so that none can be added or changed without sound prefilters.
"""

from __future__ import annotations

import re

import pytest
import yaml

from harness.paths import UMBRELLA_CHART
from harness.regex_language import match_without, starts_with_literal

DETECTORS = yaml.safe_load((UMBRELLA_CHART / "charts/otel-collector/files/redaction-detectors.yaml").read_text())
KINDS = [detector["kind"] for detector in DETECTORS]


def detector(kind: str) -> dict:
    return next(d for d in DETECTORS if d["kind"] == kind)


@pytest.mark.parametrize("kind", KINDS)
def test_every_match_of_a_detector_contains_a_match_of_one_of_its_prefilters_and_no_quote(kind):
    found = match_without(detector(kind)["pattern"], detector(kind).get("prefilter") or [], forbidden='"')
    assert found is None, (
        f"{kind}'s pattern matches {found!r}, which holds a `\"` or none of its prefilters' matches: "
        "its values there would pass unredacted")


@pytest.mark.parametrize("kind", KINDS)
def test_every_prefilter_is_cheap_for_gos_regexp_and_does_not_depend_on_its_surroundings(kind):
    prefilters = detector(kind).get("prefilter")
    assert prefilters, f"{kind} has no prefilter: files/redaction-detectors.yaml's header says what they are"
    for prefilter in prefilters:
        # A literal first character: Go's regexp finds its candidates with strings.Index.
        assert starts_with_literal(prefilter), (kind, prefilter)
        # No assertion (\b, ^, $): the text around a value is not the value's.
        assert not re.search(r"\\[bBAzZ]|[\^$]", prefilter.replace("\\\\", "")), (kind, prefilter)


@pytest.mark.parametrize("kind", [kind for kind in KINDS if len(detector(kind).get("prefilter") or []) > 1])
def test_the_proof_finds_the_matches_each_prefilter_alone_lets_through(kind):
    # Not vacuous: without any one of a detector's prefilters, some match of its pattern has none
    # of the others' matches (and that prefilter is then no waste either).
    prefilters = detector(kind)["prefilter"]
    for index, prefilter in enumerate(prefilters):
        others = prefilters[:index] + prefilters[index + 1:]
        found = match_without(detector(kind)["pattern"], others, forbidden='"')
        assert found is not None and re.search(prefilter, found), (kind, prefilter, found)


@pytest.mark.parametrize(("pattern", "prefilters", "missed"), [
    (r"\bfoo\b", ["bar"], "foo"),
    (r"(?i)\bkey\b", ["k", "K"], "\u212a(?i:ey)"),  # Go folds k to the Kelvin sign too (unicode.SimpleFold)
    (r"a[^b]c", ["ac"], "a[^b]c"),
    (r'x"?y', ["x"], 'x"y'),  # ToKeyValueString would write x\"y: the match is not in the text
])
def test_the_proof_finds_a_match_that_misses_a_prefilter(pattern, prefilters, missed):
    found = match_without(pattern, prefilters, forbidden='"')
    assert found is not None and re.fullmatch(missed, found), found

"""Tiers, and the report that says what each tier did on this machine.

A test's tier is its folder under tests/ (unit, component, e2e, container). `make test` runs all four;
a tier whose prerequisites this machine lacks shows up as skipped, with the reason, in the
tier report at the end of the run — never silently absent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

TIERS = ("unit", "component", "e2e", "container")
TESTS_DIR = Path(__file__).parent

_collected: Counter = Counter()
_outcomes: dict[str, Counter] = defaultdict(Counter)
_skip_reasons: dict[str, Counter] = defaultdict(Counter)
_fuzzed: Counter = Counter()  # values files the fuzzing tests tried, by what became of them


def _tier_of(path: Path) -> str | None:
    try:
        folder = path.relative_to(TESTS_DIR).parts[0]
    except ValueError:
        return None
    return folder if folder in TIERS else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier = _tier_of(Path(item.fspath))
        if tier is None:
            raise pytest.UsageError(f"{item.nodeid}: tests live in tests/<tier>/, tiers are {TIERS}")
        item.add_marker(getattr(pytest.mark, tier))
        item.user_properties.append(("tier", tier))


def pytest_collection_finish(session):
    for item in session.items:
        _collected[dict(item.user_properties).get("tier")] += 1


def pytest_runtest_logreport(report):
    tier = dict(report.user_properties).get("tier")
    if tier is None:
        return
    if report.when == "call":
        _fuzzed.update(dict(report.user_properties).get("fuzzed", {}))
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcome = "error" if report.when == "setup" and report.failed else report.outcome
        _outcomes[tier][outcome] += 1
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            _skip_reasons[tier][reason.removeprefix("Skipped: ")] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.section("tiers")
    for tier in TIERS:
        counts = _outcomes.get(tier)
        if not counts:
            ran = "no tests selected" if not _collected[tier] else "did not run"
            terminalreporter.write_line(f"{tier:<10} {ran}")
            continue
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        terminalreporter.write_line(f"{tier:<10} {summary}")
        for reason, n in _skip_reasons[tier].most_common():
            terminalreporter.write_line(f"{'':<10} skipped {n}: {reason}")
    if _fuzzed:
        terminalreporter.write_line(
            f"{'fuzzed':<10} {_fuzzed.total()} values files ({_fuzzed['rendered']} rendered, "
            f"{_fuzzed['refused']} refused with a clear message)")

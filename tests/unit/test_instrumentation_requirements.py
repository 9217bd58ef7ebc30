"""The instrumentation libraries' environments are pinned whole and match what the tests run."""

from __future__ import annotations

import re
import sys

import pytest

from harness.paths import REPO_ROOT

INSTRUMENTATIONS = REPO_ROOT / "tests" / "component" / "instrumentations"
ENVIRONMENTS = sorted(path.parent.name for path in INSTRUMENTATIONS.glob("*/requirements.in"))


def pins(path) -> dict[str, str]:
    """{normalised name: version} of a requirements file's `name==version` lines."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert "==" in line, f"{path.relative_to(REPO_ROOT)}: {line!r} is not pinned with =="
            name, version = line.split("==", 1)
            found[re.sub(r"[-_.]+", "-", name).lower()] = version
    return found


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_lock_pins_its_direct_requirements_at_their_versions(environment):
    direct, locked = pins(INSTRUMENTATIONS / environment / "requirements.in"), \
        pins(INSTRUMENTATIONS / environment / "requirements.txt")
    assert {name: (version, locked.get(name)) for name, version in direct.items() if locked.get(name) != version} == {}


def test_every_library_the_tests_run_has_an_environment_and_every_environment_is_used():
    sys.path.insert(0, str(INSTRUMENTATIONS))
    try:
        from instrumented_calls import LIBRARIES
    finally:
        sys.path.remove(str(INSTRUMENTATIONS))
    assert sorted({environment for environment, _ in LIBRARIES.values()}) == ENVIRONMENTS

"""The container tier: the chart's rendered pods run from its pinned images on a Docker engine.

It needs a Docker engine and a registry to pull from (CI's runners have both). Without them
every test here is skipped with the reason; with CONTAINER_TIER=required (CI) they fail
instead, so the tier cannot go missing silently.
"""

from __future__ import annotations

import pytest

from harness import containers


@pytest.fixture(scope="session")
def docker_engine():
    reason = containers.engine_missing_reason()
    if reason:
        containers.unavailable(reason)

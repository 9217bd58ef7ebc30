"""The kinds beyond Kubernetes' own that a values file needs its API server to serve, as the file
declares them in a line `# api-versions: group/version/Kind ...` (the chart refuses to render
their objects otherwise). Every render of a shipped values file passes them as `--api-versions`,
as Argo CD passes its cluster's and a user passes them to `helm template`: the tests
(tests/harness/paths.py), the golden renders, checkov's lint; the Makefile's helm lint reads the
same line with sed."""

from __future__ import annotations

import re
from pathlib import Path

DECLARATION = re.compile(r"^# api-versions: (.+)$", re.M)


def declared_api_versions(values_files) -> tuple[str, ...]:
    found: list[str] = []
    for path in values_files:
        for line in DECLARATION.findall(Path(path).read_text()):
            found += [kind for kind in line.split() if kind not in found]
    return tuple(found)

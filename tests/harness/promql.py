"""PromQL read as text: the vector selectors of an expression, for tests that check what a
query or rule selects without running it."""

from __future__ import annotations

import re
from typing import Iterator

# Label lists of aggregations and vector matching, range and subquery brackets, offsets: no selectors.
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_RANGES = re.compile(r"\[[^\]]*\]")
_OFFSETS = re.compile(r"\boffset\s+-?[0-9][0-9a-z]*")
# String arguments of functions (count_values("month", ...)), not label values inside matchers.
_STRING_ARGUMENTS = re.compile(r'(?<=[(,])\s*"[^"]*"')
_TOKEN = re.compile(r"(?P<name>[A-Za-z_:][\w:]*)\s*(?P<matchers>\{[^}]*\})?(?P<call>\s*\()?")
_OPERATORS = {"and", "or", "unless", "offset", "bool"}


def vector_selectors(expr: str) -> Iterator[tuple[str, str]]:
    """(metric name, its matchers "{...}" or "") of every vector selector in `expr`."""
    expr = _OFFSETS.sub("", _STRING_ARGUMENTS.sub("", _RANGES.sub("", _LABEL_LISTS.sub("", expr))))
    for token in _TOKEN.finditer(expr):
        if token["call"] or token["name"] in _OPERATORS:
            continue
        yield token["name"], token["matchers"] or ""

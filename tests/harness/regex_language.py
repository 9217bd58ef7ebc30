"""Languages of RE2 patterns as finite automata, to prove things about every string a pattern matches.

A pattern is parsed with Python's own parser (re._parser: the redaction detectors use only what
RE2 and Python write alike) and read with Go's regexp semantics (regexp/syntax, perl_groups.go):
\\d, \\w and \\s are ASCII ([0-9], [0-9A-Za-z_], [\\t\\n\\f\\r ]) and (?i) folds a letter to its
simple-fold orbit, which for ASCII adds only K (U+212A) to k and ſ (U+017F) to s
(unicode.SimpleFold). An assertion (\\b, ^, $) is read as always holding: the automaton then
accepts every string the pattern can match and more, which keeps a proof that *every* match has
a property sound. Anything else in a pattern is refused rather than guessed.
"""

from __future__ import annotations

import re
from collections import deque
from re import _constants as sre  # the parser's node names
from re import _parser as sre_parse

MAX_CODE_POINT = 0x10FFFF
DIGIT = [(ord("0"), ord("9"))]
WORD = [(ord("0"), ord("9")), (ord("A"), ord("Z")), (ord("_"), ord("_")), (ord("a"), ord("z"))]
SPACE = [(ord("\t"), ord("\n")), (ord("\f"), ord("\r")), (ord(" "), ord(" "))]
CATEGORIES = {sre.CATEGORY_DIGIT: DIGIT, sre.CATEGORY_WORD: WORD, sre.CATEGORY_SPACE: SPACE}
# The members of Go's simple-fold orbits beyond ASCII's two cases (unicode/tables.go caseOrbit).
EXTRA_FOLDS = {ord("k"): 0x212A, ord("K"): 0x212A, ord("s"): 0x17F, ord("S"): 0x17F}


class Unsupported(ValueError):
    """A construct this reading of RE2 does not model."""


def _normal(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for low, high in sorted(intervals):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple((low, high) for low, high in merged)


def _negate(intervals: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    result, start = [], 0
    for low, high in intervals:
        if low > start:
            result.append((start, low - 1))
        start = high + 1
    if start <= MAX_CODE_POINT:
        result.append((start, MAX_CODE_POINT))
    return tuple(result)


def _fold(intervals: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    extra = []
    for low, high in intervals:
        for code in range(max(low, ord("A")), min(high, ord("z")) + 1):
            character = chr(code)
            if character.isalpha():
                extra.append((ord(character.swapcase()),) * 2)
            if code in EXTRA_FOLDS:
                extra.append((EXTRA_FOLDS[code],) * 2)
        for code, orbit in ((0x212A, "kK"), (0x17F, "sS")):
            if low <= code <= high:
                extra.extend((ord(c), ord(c)) for c in orbit)
    return _normal(list(intervals) + extra)


class Automaton:
    """A nondeterministic automaton: edges on sets of code points (intervals) and empty edges."""

    def __init__(self):
        self.edges: list[list[tuple[tuple[tuple[int, int], ...], int]]] = []
        self.empty: list[list[int]] = []

    def state(self) -> int:
        self.edges.append([])
        self.empty.append([])
        return len(self.edges) - 1

    def closure(self, states) -> frozenset[int]:
        seen, todo = set(states), list(states)
        while todo:
            for target in self.empty[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return frozenset(seen)

    def boundaries(self) -> set[int]:
        return {point for edges in self.edges for intervals, _ in edges
                for low, high in intervals for point in (low, high + 1)}


def _build(automaton: Automaton, nodes, start: int, fold: bool, allow_assertions: bool) -> int:
    """Adds the parsed `nodes` from `start`; returns the state they end in."""
    current = start
    for op, argument in nodes:
        current = _build_node(automaton, op, argument, current, fold, allow_assertions)
    return current


def _build_node(automaton: Automaton, op, argument, start: int, fold: bool, allow_assertions: bool) -> int:
    def edge(intervals):
        end = automaton.state()
        automaton.edges[start].append((_fold(intervals) if fold else intervals, end))
        return end

    if op is sre.LITERAL:
        return edge(((argument, argument),))
    if op is sre.NOT_LITERAL:
        return edge(_negate(_fold(((argument, argument),)) if fold else ((argument, argument),)))
    if op is sre.IN:
        intervals, negated = [], False
        for item_op, item in argument:
            if item_op is sre.NEGATE:
                negated = True
            elif item_op is sre.LITERAL:
                intervals.append((item, item))
            elif item_op is sre.RANGE:
                intervals.append(item)
            elif item_op is sre.CATEGORY and item in CATEGORIES:
                intervals.extend(CATEGORIES[item])
            else:
                raise Unsupported(f"{item_op} {item} in a class")
        members = _fold(_normal(intervals)) if fold else _normal(intervals)
        end = automaton.state()
        automaton.edges[start].append((_negate(members) if negated else members, end))
        return end
    if op is sre.BRANCH:
        end = automaton.state()
        for alternative in argument[1]:
            automaton.empty[_build(automaton, alternative, start, fold, allow_assertions)].append(end)
        return end
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, nodes = argument
        if (add_flags | del_flags) & ~re.IGNORECASE:
            raise Unsupported(f"flags {add_flags} {del_flags}")
        inner = (fold or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
        return _build(automaton, nodes, start, inner, allow_assertions)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, nodes = argument
        current = start
        for _ in range(low):
            current = _build(automaton, nodes, current, fold, allow_assertions)
        if high is sre.MAXREPEAT:
            loop = automaton.state()
            automaton.empty[current].append(loop)
            automaton.empty[_build(automaton, nodes, loop, fold, allow_assertions)].append(loop)
            return loop
        end = automaton.state()
        automaton.empty[current].append(end)
        for _ in range(high - low):
            current = _build(automaton, nodes, current, fold, allow_assertions)
            automaton.empty[current].append(end)
        return end
    if op is sre.AT and allow_assertions:
        return start  # read as always holding: more strings, never fewer
    raise Unsupported(f"{op} {argument}")


def automaton(patterns: list[str], allow_assertions: bool = True) -> tuple[Automaton, int, int]:
    """The automaton of the union of `patterns` (each read whole), with its start and end."""
    result = Automaton()
    start, end = result.state(), result.state()
    for pattern in patterns:
        parsed = sre_parse.parse(pattern)
        if parsed.state.flags & ~(re.IGNORECASE | re.UNICODE):
            raise Unsupported(f"flags of {pattern}")
        first = result.state()
        result.empty[start].append(first)
        last = _build(result, list(parsed), first, bool(parsed.state.flags & re.IGNORECASE), allow_assertions)
        result.empty[last].append(end)
    return result, start, end


class _Stepper:
    """An automaton's steps on the alphabet's symbols, each subset's computed once."""

    def __init__(self, automaton: Automaton, alphabet: list[int]):
        self.automaton = automaton
        self.table = [[[target for intervals, target in edges if any(low <= code <= high for low, high in intervals)]
                       for code in alphabet] for edges in automaton.edges]
        self.memo: dict[tuple[frozenset[int], int], frozenset[int]] = {}

    def step(self, states: frozenset[int], symbol: int) -> frozenset[int]:
        key = (states, symbol)
        if key not in self.memo:
            self.memo[key] = self.automaton.closure([t for state in states for t in self.table[state][symbol]])
        return self.memo[key]


def _path(previous: dict, node, alphabet: list[int]) -> str:
    found = []
    while previous[node] is not None:
        node, symbol = previous[node]
        found.append(chr(alphabet[symbol]))
    return "".join(reversed(found))


def match_without(pattern: str, prefilters: list[str], forbidden: str = "") -> str | None:
    """A string that `pattern` can match which contains no match of any of `prefilters`, or one
    with a character of `forbidden`; None when there is none: then every match of the pattern
    contains a prefilter's match and none of those characters. (The prefilters are read without
    assertions: what they match does not depend on the text around it.)"""
    matches, match_start, match_end = automaton([pattern])
    search, search_start, search_end = automaton(prefilters, allow_assertions=False)
    forbidden_codes = {ord(c) for c in forbidden}
    points = matches.boundaries() | search.boundaries() | forbidden_codes | {c + 1 for c in forbidden_codes} | {0}
    # One code point stands for each interval that no edge tells apart.
    alphabet = sorted(point for point in points if point <= MAX_CODE_POINT)
    forbidden_symbols = {index for index, code in enumerate(alphabet) if code in forbidden_codes}
    match_steps, search_steps = _Stepper(matches, alphabet), _Stepper(search, alphabet)
    search_initial = search.closure([search_start])
    satisfied = frozenset({-1})  # a prefilter has matched: only a forbidden character can still fail
    first = (matches.closure([match_start]), search_initial, False)
    previous = {first: None}
    # The prefilters' states reached with the same states of the pattern: a string that reaches
    # more of them is never the better one to avoid their matches (a step keeps inclusion), so
    # it is left out (an antichain, as in De Wulf et al.'s universality check).
    reached: dict[frozenset[int], list[frozenset[int]]] = {first[0]: [search_initial]}
    queue = deque([first])
    while queue:
        node = queue.popleft()
        match_states, search_states, has_forbidden = node
        if match_end in match_states and (has_forbidden or search_states != satisfied):
            return _path(previous, node, alphabet)
        for symbol in range(len(alphabet)):
            next_match = match_steps.step(match_states, symbol)
            if not next_match:
                continue
            if has_forbidden or symbol in forbidden_symbols:
                following = (next_match, satisfied, True)  # a bad match whatever the prefilters say
            elif search_states == satisfied:
                following = (next_match, satisfied, False)
            else:
                next_search = search_steps.step(search_states, symbol) | search_initial
                if search_end in next_search:
                    following = (next_match, satisfied, False)
                else:
                    following = (next_match, next_search, False)
                    smaller = reached.setdefault(next_match, [])
                    if any(other <= next_search for other in smaller):
                        continue
                    smaller[:] = [other for other in smaller if not next_search <= other] + [next_search]
            if following not in previous:
                previous[following] = (node, symbol)
                queue.append(following)
    return None


def starts_with_literal(pattern: str) -> bool:
    """Whether every match of `pattern` starts with one fixed character, matched case-sensitively:
    Go's regexp then looks for it with strings.Index (syntax.Prog.Prefix, regexp.go)."""
    nodes = list(sre_parse.parse(pattern))
    flags = sre_parse.parse(pattern).state.flags
    while nodes and nodes[0][0] is sre.SUBPATTERN and not nodes[0][1][1] & re.IGNORECASE:
        nodes = list(nodes[0][1][3]) + nodes[1:]
    return bool(nodes) and nodes[0][0] is sre.LITERAL and not flags & re.IGNORECASE

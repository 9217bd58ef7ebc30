#!/usr/bin/env python3
"""Regenerate the otel-collector chart's default model prices from the genai-prices package.

genai-prices (PyPI, MIT, maintained by Pydantic) ships a price table of the LLM providers
with each model's match rules. This script takes the models listed in DEFAULT_MODELS, turns
each model's match rule into one RE2 regex (the collector's OTTL `IsMatch`), picks the price
in force on a date (today unless given), and rewrites the block between the BEGIN and END
markers of `prices.models` in charts/agent-observability/charts/otel-collector/values.yaml.

Prices are USD per 1M tokens: input, output, and cachedInput (cache reads). Tiered prices
(e.g. above 200k tokens of context) are priced at their base tier. `match` lists the regexes
of the model's names; the chart matches them case-insensitively.

Usage: hack/update-model-prices.py [--date YYYY-MM-DD] [--check]
  --date   the day whose prices to take (default: today)
  --check  write nothing; exit 1 when values.yaml differs from what genai-prices gives for
           the date recorded in values.yaml (used by the tests: no network, no clock)
"""

from __future__ import annotations

import datetime
import re
import sys
from decimal import Decimal
from importlib import metadata
from pathlib import Path

from genai_prices import data

from generated_files import check_option, write_or_check

REPO_ROOT = Path(__file__).resolve().parent.parent
VALUES = REPO_ROOT / "charts" / "agent-observability" / "charts" / "otel-collector" / "values.yaml"
BEGIN = re.compile(r"^(?P<indent> *)# BEGIN model prices.*$", re.MULTILINE)
END = re.compile(r"^ *# END model prices$", re.MULTILINE)
RECORDED_DATE = re.compile(r" of (\d{4}-\d{2}-\d{2}),")

# (genai-prices provider, model id): current models of the providers agents use most. Order
# is match order; no two rows' regexes match the same name.
DEFAULT_MODELS = [
    ("openai", "gpt-5.5"), ("openai", "gpt-5.4"), ("openai", "gpt-5.4-mini"), ("openai", "gpt-5.4-nano"),
    ("openai", "gpt-5"), ("openai", "gpt-5-mini"), ("openai", "gpt-5-nano"),
    ("openai", "gpt-4.1"), ("openai", "gpt-4.1-mini"), ("openai", "gpt-4.1-nano"),
    ("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("openai", "o3"), ("openai", "o4-mini"),
    ("openai", "text-embedding-3-small"), ("openai", "text-embedding-3-large"),
    ("anthropic", "claude-opus-4-8"), ("anthropic", "claude-sonnet-4-6"), ("anthropic", "claude-haiku-4-5"),
    ("anthropic", "claude-opus-4-5"), ("anthropic", "claude-sonnet-4-5"),
    ("google", "gemini-3.1-pro-preview"), ("google", "gemini-3.5-flash"), ("google", "gemini-2.5-pro"),
    ("google", "gemini-2.5-flash"),
    ("mistral", "mistral-large"), ("mistral", "mistral-small-latest"),
    ("deepseek", "deepseek-chat"), ("deepseek", "deepseek-reasoner"),
    ("x-ai", "grok-4.3"),
]

# A model name may carry a routing prefix (LiteLLM's `openai/gpt-4o`, OpenRouter's
# `anthropic/claude-...`); exact and prefix rules accept one.
ROUTE_PREFIX = "^(?:[^/]+/)?"
RE2_UNSUPPORTED = re.compile(r"\(\?[=!<]|\\[1-9]")


class PriceError(Exception):
    """genai-prices has no usable price or match rule for a listed model."""


def escape(text: str) -> str:
    """Escape regex metacharacters; '-' and '/' stay readable."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text)


def clause_regexes(clause) -> list[str]:
    """A genai-prices match clause as RE2 regexes, any of which matching is a match."""
    if type(clause).__name__ == "ClauseOr":
        return [regex for c in clause.or_ for regex in clause_regexes(c)]
    return [clause_regex(clause)]


def clause_regex(clause) -> str:
    """One genai-prices match clause (not an `or`) as an RE2 regex."""
    kind = type(clause).__name__
    if kind == "ClauseEquals":
        return f"{ROUTE_PREFIX}{escape(clause.equals)}$"
    if kind == "ClauseStartsWith":
        return f"{ROUTE_PREFIX}{escape(clause.starts_with)}"
    if kind == "ClauseEndsWith":
        return f"{escape(clause.ends_with)}$"
    if kind == "ClauseContains":
        return escape(clause.contains)
    if kind == "ClauseRegex":
        if RE2_UNSUPPORTED.search(clause.regex):
            raise PriceError(f"regex {clause.regex!r} needs look-around or back-references, which RE2 lacks")
        return clause.regex
    if kind == "ClauseOr":
        return "|".join(f"(?:{clause_regex(c)})" for c in clause.or_)
    if kind == "ClauseAnd":
        # genai-prices excludes text-to-speech variants with a look-ahead; RE2 cannot, so
        # the positive part is kept (the TTS models are not in DEFAULT_MODELS).
        usable = [c for c in clause.and_ if not (type(c).__name__ == "ClauseRegex" and RE2_UNSUPPORTED.search(c.regex))]
        if len(usable) != 1:
            raise PriceError(f"cannot express {clause!r} as one RE2 regex")
        return clause_regex(usable[0])
    raise PriceError(f"unknown match clause {kind}")


def price_on(model, day: datetime.date):
    """The ModelPrice in force on `day` (genai-prices lists price changes with start dates)."""
    if not isinstance(model.prices, list):
        return model.prices
    current = None
    for conditional in model.prices:
        start = getattr(conditional.constraint, "start_date", None)
        if conditional.constraint is None or (start is not None and start <= day):
            current = conditional.prices
    if current is None:
        raise PriceError(f"{model.id}: no price in force on {day}")
    return current


def per_million(value) -> float | None:
    if value is None:
        return None
    base = getattr(value, "base", value)  # tiered prices: the base tier
    number = Decimal(base).normalize()
    return int(number) if number == number.to_integral_value() else float(number)


def rows(day: datetime.date) -> list[dict]:
    providers = {p.id: p for p in data.providers}
    result = []
    for provider_id, model_id in DEFAULT_MODELS:
        models = {m.id: m for m in providers[provider_id].models}
        if model_id not in models:
            raise PriceError(f"genai-prices has no model {provider_id}/{model_id}; update DEFAULT_MODELS")
        model = models[model_id]
        price = price_on(model, day)
        row = {"model": model_id, "input": per_million(price.input_mtok),
               "output": per_million(price.output_mtok), "match": clause_regexes(model.match)}
        if row["input"] is None:
            raise PriceError(f"{model_id}: genai-prices has no input price")
        if row["output"] is None:
            row["output"] = 0  # embeddings
        cached = per_million(price.cache_read_mtok)
        if cached is not None:
            row["cachedInput"] = cached
        result.append(row)
    return result


def yaml_block(table: list[dict], indent: str, day: datetime.date) -> str:
    version = metadata.version("genai-prices")
    lines = [f"{indent}# BEGIN model prices from genai-prices {version} of {day.isoformat()}, "
             "by hack/update-model-prices.py: do not edit"]
    for row in table:
        lines.append(f"{indent}- model: {row['model']}")
        for key in ("input", "output", "cachedInput"):
            if key in row:
                lines.append(f"{indent}  {key}: {row[key]}")
        lines.append(f"{indent}  match:")
        lines.extend(f"{indent}    - '{regex}'" for regex in row["match"])
    lines.append(f"{indent[2:]}# END model prices")  # at the next key's indentation (yamllint)
    return "\n".join(lines)


def render(values_text: str, day: datetime.date | None) -> str:
    begin = BEGIN.search(values_text)
    end = END.search(values_text, begin.end() if begin else 0)
    if not begin or not end:
        raise PriceError(f"{VALUES}: the BEGIN/END model prices markers are missing")
    if day is None:
        recorded = RECORDED_DATE.search(begin.group(0))
        if not recorded:
            raise PriceError("values.yaml records no price date: run without --check first")
        day = datetime.date.fromisoformat(recorded.group(1))
    block = yaml_block(rows(day), begin.group("indent"), day)
    return values_text[: begin.start()] + block + values_text[end.end():]


def main() -> int:
    parser = check_option(__doc__)
    parser.add_argument("--date", type=datetime.date.fromisoformat, help="day of the prices (default: today)")
    args = parser.parse_args()
    current = VALUES.read_text()
    try:
        wanted = render(current, None if args.check else (args.date or datetime.date.today()))
    except PriceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    status = write_or_check({VALUES: wanted}, args.check, fix="hack/update-model-prices.py")
    if not args.check and wanted != current:
        print("run hack/values_docs.py to refresh the README and schema")
    return status

if __name__ == "__main__":
    sys.exit(main())

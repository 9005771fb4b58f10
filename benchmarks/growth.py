"""How each cost of `make bench` grows with the data: the report's growth table, and the series of its chart.

A step is two consecutive sizes measured (10k → 100k → 1M → 10M). For each cost the table gives its value
at each size and, per step, the ratio (cost at the larger size ÷ cost at the smaller) and the slope on a
log-log scale (log ratio ÷ log of the size ratio: 1 is linear in the data, 2 quadratic, 0 flat). A sum of
named queries compares the queries measured at both sizes of a step only, so a query cut off at the larger
size does not shrink the sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

Value = float | dict[str, float] | None
"""A cost at one size: a number, or named-query p50s (ms) by query (NaN: cut off, skipped or refused)."""


@dataclass(frozen=True)
class Cost:
    """One line of the growth table (and of the chart)."""

    cost: str
    system: str
    pick: Callable[[dict[str, Any]], Value]
    unit: str = ""


def _get(system: str, *keys: str) -> Callable[[dict[str, Any]], Value]:
    def pick(entry: dict[str, Any]) -> Value:
        value: Any = entry.get(system, {})
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return float(value) if isinstance(value, int | float) and value else None

    return pick


def _queries(system: str, where: str | None = None) -> Callable[[dict[str, Any]], Value]:
    def pick(entry: dict[str, Any]) -> Value:  # a query without a `where` run was not measured that way at this size
        found = entry.get(system, {}).get("queries", {})
        runs = {name: q[where] if where else q for name, q in found.items() if not where or where in q}
        return {name: math.nan if r.get("p50") is None else float(r["p50"]) for name, r in runs.items()} or None

    return pick


def _rss(system: str) -> Callable[[dict[str, Any]], Value]:
    def pick(entry: dict[str, Any]) -> Value:
        figures = entry.get(system, {})
        value = figures.get("served_rss_mb") or figures.get("rss_mb")
        return float(value) if value else None

    return pick


COSTS = [
    *(Cost("load", label, _get(system, "load_s"), "s") for system, label in (
        ("oxigraph", "raw pyoxigraph"), ("oxigraph-server", "Oxigraph server"), ("mgkg", "mgkg"),
        ("virtuoso", "Virtuoso"), ("rdflib", "rdflib Memory"), ("rdflib-endpoint", "rdflib-endpoint"))),
    Cost("SHACL validation", "mgkg", _get("mgkg", "validate_s"), "s"),
    *(Cost("named queries, sum of p50", label, _queries(system, where), "s") for system, where, label in (
        ("oxigraph", None, "raw pyoxigraph"), ("oxigraph-memory", None, "raw pyoxigraph in memory"),
        ("mgkg", "http", "mgkg HTTP"), ("mgkg", "http_memory", "mgkg HTTP `--in-memory`"),
        ("oxigraph-server", None, "Oxigraph server"), ("virtuoso", None, "Virtuoso"), ("rdflib", None, "rdflib Memory"),
        ("rdflib-endpoint", None, "rdflib-endpoint"))),
    *(Cost("point lookups/s, 4 clients", label, _get(system, key, "4"), "/s") for system, key, label in (
        ("mgkg", "lookups_http", "mgkg HTTP"), ("oxigraph-server", "lookups_http", "Oxigraph server"),
        ("virtuoso", "lookups_http", "Virtuoso"), ("rdflib-endpoint", "lookups_http", "rdflib-endpoint"))),
    *(Cost("peak RSS", label, _rss(system), "MB") for system, label in (
        ("oxigraph", "raw pyoxigraph"), ("mgkg", "mgkg serve"), ("oxigraph-server", "Oxigraph server"),
        ("virtuoso", "Virtuoso"), ("rdflib", "rdflib Memory"), ("rdflib-endpoint", "rdflib-endpoint"))),
]


def total(value: Value) -> float | None:
    """A cost as one number: named-query p50s summed in seconds (None when one of them has no p50)."""
    if isinstance(value, dict):
        return None if any(math.isnan(v) for v in value.values()) else sum(value.values()) / 1000
    return value


def step(low: Value, high: Value) -> float | None:
    """The growth ratio from `low` to `high` (named queries: over the queries measured at both)."""
    if isinstance(low, dict) and isinstance(high, dict):
        both = {q for q in set(low) & set(high) if not math.isnan(low[q]) and not math.isnan(high[q])}
        low, high = sum(low[q] for q in both), sum(high[q] for q in both)
    if not isinstance(low, float) or not isinstance(high, float) or low <= 0:
        return None
    return high / low


def cut_off(low: Value, high: Value) -> list[str]:
    """The named queries answered at the smaller size and cut off at the larger one (left out of `step`)."""
    if not isinstance(low, dict) or not isinstance(high, dict):
        return []
    return sorted(q for q in set(low) & set(high) if not math.isnan(low[q]) and math.isnan(high[q]))


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if unit in ("/s", "MB") or value >= 100 else f"{value:.2f}"


def growth(results: dict[str, Any]) -> list[str]:
    """The report's growth section: a paragraph and the table, as Markdown lines."""
    sizes = sorted(int(s) for s in results["sizes"])
    entries = [results["sizes"][str(s)] for s in sizes]
    steps = list(pairwise(sizes))
    head = ["cost", "system", *(f"{s:,}" for s in sizes), *(f"{a:,} → {b:,}" for a, b in steps)]
    rows: list[str] = []
    steep: list[str] = []
    gone: list[str] = []
    for cost in COSTS:
        values = [cost.pick(entry) for entry in entries]
        cells = [f"{cost.cost} ({cost.unit})", cost.system, *(_number(total(v), cost.unit) for v in values)]
        for (low, high), (a, b) in zip(steps, pairwise(values), strict=True):
            ratio = step(a, b)
            slope = math.log(ratio) / math.log(high / low) if ratio else None
            cells.append("—" if ratio is None or slope is None else f"×{ratio:,.1f} ({slope:.2f})")
            if slope is not None and cost.unit != "/s" and slope > 1.15:
                steep.append(f"{cost.cost}, {cost.system}, {low:,} → {high:,}: slope {slope:.2f}")
            if lost := cut_off(a, b):  # answered, then cut off: it grew past the cut-off, faster than any slope
                gone.append(f"{cost.system}, {low:,} → {high:,}: {', '.join(lost)}")
        if any(cell != "—" for cell in cells[2:]):
            rows.append("| " + " | ".join(cells) + " |")
    if not rows or not steps:
        return []
    lines = ["## How cost grows with size", "",
             "Each step multiplies the data by the ratio of its sizes (10× here; 10,000,000 comes from "
             "`make bench-large`). A step cell is the cost's growth over that step and, in brackets, its slope "
             "on a log-log scale: 1.00 grows as the data does, above 1 faster, below 1 slower; for lookups/s a "
             "slope of 0 means the rate holds and a negative one that it falls. Sums of named queries compare "
             "the queries measured at both sizes of the step (a query cut off at the larger size is left out)."]
    if steep:
        lines += ["", "Costs that grew faster than the data (slope above 1.15):", "", *(f"- {line}" for line in steep)]
    else:
        lines += ["", "No cost grew faster than the data (slope above 1.15) over any step."]
    if gone:
        lines += ["", "Named queries answered at the smaller size of a step and cut off at the larger:", "",
                  *(f"- {line}" for line in gone)]
    lines.append("")
    return [*lines, "| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2), *rows, ""]

"""Two checkouts of mgkg served side by side on the same store, alternately: what a change cost or gained over HTTP.

    .venv/bin/python -m benchmarks.compare --before ../base --after . --data synth-1000000.nq --store STORE
                                           [--modes disk,memory,workers] [--rounds 2] [--seconds 3] [--runs 10]

Each checkout is served by its own `mgkg` (CHECKOUT/.venv/bin/mgkg, its code first on PYTHONPATH) with the
options of `make bench` (benchmarks/clients.py), from the on-disk store (`disk`), its copy in memory (`memory`)
or two processes (`workers`). In each round the two servers take turns — before then after, then the other way
round — so that whatever else the machine is doing weighs on both alike. Measured per server: point lookups per
second from 1, 4 and 16 client processes, the p50 of every named query the two checkouts ship alike (their sum;
the ones that differ or exist in one only are named and left out), and the peak
memory of the server's process tree (benchmarks/clients.py). The report gives the mean over rounds and the
ratio after ÷ before; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.clients import MgkgServer, http_query, lookups_per_second
from benchmarks.workload import Case, cases, lookup_subjects, repeat

MODES = {"disk": (), "memory": ("--in-memory",), "workers": ("--workers", "2")}
"""The ways a checkout is served: extra `mgkg serve` options."""

CLIENTS = (1, 4, 16)

WARM_UP_S = 2.0
"""Seconds of lookups (not counted) before the measured ones: a server starts its query processes and warms its
caches meanwhile, which would otherwise weigh on whichever measurement comes first."""


@dataclass
class Figures:
    """What one checkout measured in one mode, over the rounds."""

    lookups: dict[int, list[float]] = field(default_factory=lambda: {n: [] for n in CLIENTS})
    p50_sum_ms: list[float] = field(default_factory=list)
    memory_mb: list[float] = field(default_factory=list)


def shared_cases(data: Path, checkouts: list[Path]) -> list[Case]:
    """The named queries (with their values) whose text is the same in every checkout; the others are named."""
    def text(checkout: Path, name: str) -> str | None:
        path = checkout / "queries" / f"{name}.rq"
        return path.read_text(encoding="utf-8") if path.exists() else None

    shared: list[Case] = []
    left_out: list[Case] = []
    for case in cases(data):
        texts = {text(checkout, case.name) for checkout in checkouts}
        (shared if len(texts) == 1 and None not in texts else left_out).append(case)
    if left_out:
        names = ", ".join(case.name for case in left_out)
        print(f"compare: named queries left out (not alike in both checkouts): {names}", file=sys.stderr)
    return shared


def serve_and_measure(checkout: Path, store: Path, options: tuple[str, ...], data: Path,
                      args: argparse.Namespace, named: list[Case]) -> tuple[dict[int, float], float, float]:
    """Serve `store` with `checkout`'s mgkg; lookups/s per client count, sum of named-query p50s (ms), memory."""
    os.environ["PYTHONPATH"] = str(checkout)
    mgkg = str(checkout / ".venv" / "bin" / "mgkg")
    with MgkgServer(mgkg, f"oxigraph:{store}", *options) as server:
        p50 = 0.0
        if args.runs:
            for case in named:
                timing = repeat(partial(http_query, server.url, case), args.runs, args.budget)
                p50 += timing.summary()["p50"]
        subjects = lookup_subjects(data)
        lookups_per_second(server.url, subjects, 2, WARM_UP_S)  # query processes started, caches warm: not counted
        lookups = {n: lookups_per_second(server.url, subjects, n, args.seconds) for n in CLIENTS}
        return lookups, p50, server.stop()


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def report(results: dict[str, dict[str, Figures]]) -> str:
    """A Markdown table: per mode, before, after and after ÷ before for each figure."""
    lines = ["| mode | figure | before | after | after ÷ before |", "|---|---|---:|---:|---:|"]
    for mode, pair in results.items():
        before, after = pair["before"], pair["after"]
        rows: list[tuple[str, float, float]] = [
            (f"lookups/s, {n} client{'s' if n > 1 else ''}", _mean(before.lookups[n]), _mean(after.lookups[n]))
            for n in CLIENTS
        ]
        rows.append(("named queries, sum of p50 (ms)", _mean(before.p50_sum_ms), _mean(after.p50_sum_ms)))
        rows.append(("served memory (MB)", _mean(before.memory_mb), _mean(after.memory_mb)))
        for label, old, new in rows:
            if old or new:
                ratio = f"{new / old:.2f}×" if old else "—"
                lines.append(f"| {mode} | {label} | {old:,.0f} | {new:,.0f} | {ratio} |")
    return "\n".join(lines) + "\n"


def checkouts_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser with the arguments every two-checkout comparison takes: --before, --after, --data, --store."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--before", type=Path, required=True, help="Checkout of the baseline (with its .venv).")
    parser.add_argument("--after", type=Path, required=True, help="Checkout of the change (with its .venv).")
    parser.add_argument("--data", type=Path, required=True, help="The N-Quads file the store was loaded from.")
    parser.add_argument("--store", type=Path, required=True, help="An on-disk store (`mgkg load` of --data).")
    return parser


def main() -> None:
    """Measure both checkouts in every mode, alternately, and print (or write) the table."""
    parser = checkouts_parser(__doc__)
    parser.add_argument("--modes", default=",".join(MODES), help=f"Comma-separated, of {', '.join(MODES)}.")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0, help="Duration of each lookup-rate run.")
    parser.add_argument("--runs", type=int, default=10, help="Timed runs per named query (0: none).")
    parser.add_argument("--budget", type=float, default=5.0, help="Seconds per named query before runs stop.")
    parser.add_argument("--out", type=Path, help="Write the table here too.")
    args = parser.parse_args()
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    results: dict[str, dict[str, Figures]] = {}
    named = shared_cases(args.data, list(checkouts.values()))
    for mode in args.modes.split(","):
        options = MODES[mode]
        results[mode] = {name: Figures() for name in checkouts}
        for round_ in range(args.rounds):
            order = list(checkouts) if round_ % 2 == 0 else list(reversed(checkouts))
            for name in order:
                print(f"compare: {mode}, round {round_ + 1}, {name} …", file=sys.stderr, flush=True)
                lookups, p50, memory = serve_and_measure(checkouts[name], args.store, options, args.data, args, named)
                figures = results[mode][name]
                for n, value in lookups.items():
                    figures.lookups[n].append(value)
                figures.p50_sum_ms.append(p50)
                figures.memory_mb.append(memory)
                shown: dict[str, Any] = {"lookups": {n: round(v) for n, v in lookups.items()},
                                         "p50_sum_ms": round(p50, 1), "memory_mb": round(memory)}
                print(f"compare:   {shown}", file=sys.stderr, flush=True)
    table = report(results)
    print(table)
    if args.out:
        args.out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()

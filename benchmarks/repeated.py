"""Repeated named-query GETs against two checkouts served alternately: what ETags and the answer cache give.

    .venv/bin/python -m benchmarks.repeated --before ../main --after . --data synth-100000.nq --store STORE
                                            [--clients 4] [--rounds 2] [--seconds 5]

Each checkout is served as benchmarks.compare serves it (its own mgkg, the options of `make bench`, the on-disk
store read-only); in each round the two take turns, before then after, then the other way round. Measured per
server, with `--clients` client processes each on one kept-alive connection, after one warm-up pass: requests
per second of GET /queries/project-by-id (one answer asked again and again), of GET /queries/NAME cycling over
every named query (benchmarks.workload.cases), and of the same cycle revalidated (If-None-Match with the ETag each
answer had: 304 where the server gives ETags, 200 where it does not). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import statistics
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from benchmarks.clients import JSON, START_WAIT_S, ClientFailed, MgkgServer, run_clients
from benchmarks.compare import checkouts_parser
from benchmarks.workload import Case, cases

FIGURES = ("one named query", "every named query", "every named query, revalidated")


def _path(case: Case) -> str:
    return f"/queries/{case.name}" + (f"?{urllib.parse.urlencode(case.values)}" if case.values else "")


def _client(job: tuple[str, list[str], bool, float, Any]) -> int:
    """GET the paths in turn for `seconds` (after a warm-up pass and the barrier); how many answers came."""
    url, paths, revalidate, seconds, start = job
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=3600)
    tags: dict[str, str] = {}
    for path in paths:
        connection.request("GET", path, headers={"Accept": JSON})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            start.abort()  # the other clients stop waiting for this one
            raise ClientFailed(f"GET {path}: HTTP {response.status}")
        tags[path] = response.getheader("ETag") or ""
    try:
        start.wait(START_WAIT_S)
    except threading.BrokenBarrierError:
        return -1  # another client failed: it reports why
    count, stop = 0, time.monotonic() + seconds
    while time.monotonic() < stop:
        path = paths[count % len(paths)]
        headers = {"Accept": JSON, **({"If-None-Match": tags[path]} if revalidate and tags[path] else {})}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status not in (200, 304):
            raise ClientFailed(f"GET {path}: HTTP {response.status}")
        count += 1
    connection.close()
    return count


def rate(url: str, paths: list[str], clients: int, seconds: float, revalidate: bool = False) -> float:
    """Answers per second to `clients` client processes GETting `paths` in turn."""
    with multiprocessing.Manager() as manager:
        start = manager.Barrier(clients)
        jobs = [(url, paths[i:] + paths[:i], revalidate, seconds, start) for i in range(clients)]
        return sum(run_clients(_client, jobs)) / seconds


def measure(checkout: Path, store: Path, paths: list[str], args: argparse.Namespace) -> list[float]:
    """The three figures of one server of `checkout`."""
    os.environ["PYTHONPATH"] = str(checkout)
    with MgkgServer(str(checkout / ".venv" / "bin" / "mgkg"), f"oxigraph:{store}") as server:
        one = [p for p in paths if p.startswith("/queries/project-by-id")]
        return [rate(server.url, one, args.clients, args.seconds), rate(server.url, paths, args.clients, args.seconds),
                rate(server.url, paths, args.clients, args.seconds, revalidate=True)]


def main() -> None:
    """Measure both checkouts alternately and print a Markdown table (means over rounds, after ÷ before)."""
    parser = checkouts_parser(__doc__)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    paths = [_path(case) for case in cases(args.data)]
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    results: dict[str, list[list[float]]] = {name: [] for name in checkouts}
    for round_ in range(args.rounds):
        order = list(checkouts) if round_ % 2 == 0 else list(reversed(checkouts))
        for name in order:
            results[name].append(measure(checkouts[name], args.store, paths, args))
            print(f"round {round_ + 1}, {name}: " + ", ".join(f"{v:,.0f}/s" for v in results[name][-1]), flush=True)
    print(f"\n| requests/s, {args.clients} clients | before | after | after ÷ before |\n|---|---:|---:|---:|")
    for index, figure in enumerate(FIGURES):
        old = statistics.fmean(r[index] for r in results["before"])
        new = statistics.fmean(r[index] for r in results["after"])
        print(f"| {figure} | {old:,.0f} | {new:,.0f} | {new / old:.1f}× |")


if __name__ == "__main__":
    main()

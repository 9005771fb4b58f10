"""`make bench`: the service's overhead and throughput, measured side by side in one run, reported as ratios.

1. Each named query through HTTP (GET /queries/NAME, JSON results) vs directly on the store
   (pyoxigraph, same substitutions, results iterated): median times and the overhead ratio.
2. Point lookups (`SELECT ?p ?o WHERE { <entity> ?p ?o }` over /sparql) per second with 1, 4 and 16
   concurrent clients, against the same lookups made directly on the store by one thread.

Nothing here is asserted: the numbers are printed for the README and for comparing changes.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyoxigraph as ox
import requests
from oxrdflib._converter import to_ox

from graph.build import build_dataset
from graph.config import load_settings
from graph.named_queries import load_queries
from graph.store import EmbeddedStore
from server.app import create_app
from server.serve import serving

EXAMPLES = {
    "projects-by-donor": {},
    "project-by-id": {"id": "TC.0287"},
    "projects-active-in-year": {"year": "2009"},
    "fact-sources": {"subject": "prj:tc-0287"},
    "institutions-by-project": {},
    "timeline": {},
}
"""Named queries benchmarked, with parameter values (the others need none or are alike)."""


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _rows(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> list[object]:
    assert isinstance(result, ox.QuerySolutions)
    return list(result)


def _rate(action: Callable[[], object], clients: int, seconds: float) -> float:
    stop = time.monotonic() + seconds
    counts = [0] * clients

    def worker(index: int) -> None:
        while time.monotonic() < stop:
            action()
            counts[index] += 1

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    return sum(counts) / seconds


def main() -> None:
    """Run both benchmarks and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=30, help="runs per named query")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each throughput run")
    args = parser.parse_args()

    dataset, _ = build_dataset()
    store = EmbeddedStore(None)
    store.replace(dataset)
    settings = load_settings({"store": "memory", "threads": 16, "port": 0})
    with serving(create_app(settings, store), settings) as url:
        _report(store, url, args.repeat, args.seconds)
    store.close()


def _report(store: EmbeddedStore, url: str, repeat: int, seconds: float) -> None:
    """Print the named-query overhead table and the point-lookup rates."""
    session = requests.Session()
    queries = load_queries()
    print(f"{'named query':<28} {'direct ms':>10} {'HTTP ms':>10} {'ratio':>7}")
    for name, values in EXAMPLES.items():
        named = queries[name]
        substitutions = {k: to_ox(v) for k, v in named.bind(values).items()}

        def direct(text: str = named.text, subs: Mapping[str, Any] = substitutions) -> object:
            return _rows(store.raw.query(
                text, use_default_graph_as_union=True, substitutions={ox.Variable(k): v for k, v in subs.items()}
            ))

        def http(name: str = name, values: dict[str, str] = values) -> object:
            response = session.get(f"{url}/queries/{name}", params=values, headers={"Accept": "application/json"})
            response.raise_for_status()
            return response.content

        direct_ms, http_ms = _median_ms(direct, repeat), _median_ms(http, repeat)
        print(f"{name:<28} {direct_ms:>10.2f} {http_ms:>10.2f} {http_ms / direct_ms:>6.1f}x")

    lookup = "SELECT ?p ?o WHERE { <https://w3id.org/mgkg/id/project/tc-0287> ?p ?o }"
    baseline = _rate(lambda: _rows(store.raw.query(lookup, use_default_graph_as_union=True)), 1, seconds)
    print(f"\npoint lookups/s  direct, 1 thread: {baseline:,.0f}")
    local = threading.local()

    def over_http() -> object:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = local.session.get(f"{url}/sparql", params={"query": lookup},
                                     headers={"Accept": "application/sparql-results+json"})
        response.raise_for_status()
        return response.content

    for clients in (1, 4, 16):
        rate = _rate(over_http, clients, seconds)
        ratio = baseline / rate
        print(f"point lookups/s  HTTP, {clients:>2} clients: {rate:>8,.0f}  ({ratio:.1f}x slower than direct)")


if __name__ == "__main__":
    main()

"""The systems `make bench` compares; each runs in a process of its own, so its peak RSS is its own.

    python -m benchmarks.systems SYSTEM DATA.nq OUT.json --triples N [--runs N] [--budget S] [--limit S]
                                 [--peer-budget S] [--seconds S] [--pyshacl-max N] [--skip PART,…]

- rdflib:   rdflib's Memory store (a Dataset, union default graph), its SPARQL engine, pySHACL: the naive
            baseline. Each query run can be cut off after --limit seconds (SIGALRM; the engine is Python).
- oxigraph: raw pyoxigraph: an on-disk Store, its bulk loader, queries serialized to SPARQL JSON by
            Oxigraph's own serializer: the limit of the engine mgkg is built on. Parameters are bound as
            mgkg binds them (substitutions plus a VALUES block), so both run the same text.
- oxigraph-memory: the same with an in-memory Store: the limit of `mgkg serve --in-memory`.
- oxigraph-server: Oxigraph's own HTTP server (the `oxigraph` command, Rust, same release): `oxigraph load`
            into an on-disk store, then `oxigraph serve-read-only --union-default-graph`, each named query
            GET /query (the text with its VALUES block; the server cuts a query off after --limit seconds,
            `--timeout-s`) and the point lookups from 1, 4 and 16 client processes (from a server started
            without `--timeout-s`, which spawns a thread per query: 4-client lookups at half the rate, and
            "Resource temporarily unavailable" under 16): the limit for mgkg's HTTP layer. Its peak RSS is
            the server's (the higher of the two).
- mgkg:     mgkg itself: `mgkg load` and `mgkg validate` as commands, named queries through the store
            (graph.named_queries.run_query on the executor, every row, as `mgkg query` runs them) and through
            HTTP (`mgkg serve` in a process of its own, GET /queries/NAME answered in SPARQL JSON), and point
            lookups over HTTP from 1, 4 and 16 client processes, by one server process and by two
            (`--workers 2`), and one named query's answer asked again and again (GET /queries/NAME from 4
            clients, plain and, when the answer has an ETag, conditional); then the queries and lookups again
            from `mgkg serve --in-memory`. Its peak RSS is the one-process server's, after all of that (and
            the in-memory server's apart). --skip leaves parts out (validate, store, memory, workers;
            `make bench-large` leaves out the first three at 10M triples).
- rdflib-endpoint, virtuoso: the peers a user would pick instead (benchmarks/peers.py).

A named query's time is evaluation plus serialization of every row as SPARQL results JSON, on each
system. The server runs with a row limit and timeout above anything the bench asks, so all systems do
the same work. Nothing is asserted: the numbers go to benchmarks/run.py, which writes the report.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.clients import MgkgServer, OxigraphServer, gets_per_second, has_etag, http_query, named_path, sparql_get
from benchmarks.measure import count_rows, http_lookups, query_figures, rate, timed
from benchmarks.peers import run_rdflib_endpoint, run_virtuoso
from benchmarks.workload import (
    LOOKUP,
    REPEATED,
    SERVED,
    Case,
    Timing,
    cases,
    lookup_subjects,
    queries,
    repeat,
    wait_with_peak,
)

MGKG = str(Path(sys.executable).with_name("mgkg"))
OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))


UNLIMITED_S = 24 * 3600.0
"""The timeout of a named query run through the store (as `mgkg query` runs it): above anything the bench asks."""


class Limit(Exception):
    """A run took longer than --limit seconds."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise Limit in the main thread after `seconds` (pure-Python work only: rdflib's engine)."""

    def expire(_signum: int, _frame: object) -> None:
        raise Limit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_rdflib(data: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """rdflib Memory store: parse, pySHACL (up to --pyshacl-max), each query, lookups."""
    from rdflib import Dataset

    from graph.shacl.validate import validate_dataset

    del work
    dataset = Dataset(store="Memory", default_union=True)
    out: dict[str, Any] = {"load_s": timed(lambda: dataset.parse(data, format="nquads"))}
    if args.triples <= args.pyshacl_max:
        out["validate_s"] = timed(lambda: validate_dataset(dataset, engine="pyshacl"))
    out["queries"] = {}
    for case in cases(data):
        named = queries()[case.name]
        bindings = named.bind(case.values)

        def run(text: str = named.text, bound: dict[str, Any] = bindings) -> object:
            return dataset.query(text, initBindings=bound).serialize(format="json")

        try:
            with time_limit(args.limit):
                timing = repeat(run, args.runs, args.budget)
        except Limit:
            timing = Timing([], timed_out=True)
        out["queries"][case.name] = {**timing.summary(), "aggregate": case.aggregate}
    subjects = lookup_subjects(data)
    out["lookups_direct"] = rate(
        lambda s: dataset.query(LOOKUP.format(s)).serialize(format="json"), subjects, args.seconds
    )
    return out


def run_oxigraph(data: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Raw pyoxigraph on disk: bulk load, each query serialized by Oxigraph, lookups."""
    import pyoxigraph as ox

    return _raw(ox.Store(str(work / "oxigraph-store")), data, args)


def run_oxigraph_memory(data: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Raw pyoxigraph in memory (what `mgkg serve --in-memory` answers from): the same measurements."""
    import pyoxigraph as ox

    del work
    return _raw(ox.Store(), data, args)


def _raw(store: Any, data: Path, args: argparse.Namespace) -> dict[str, Any]:
    import pyoxigraph as ox
    from oxrdflib._converter import to_ox

    from graph.sparql.text import with_values

    def load() -> None:
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        store.flush()

    out: dict[str, Any] = {"load_s": timed(load), "queries": {}, "quads": len(store)}
    for case in cases(data):
        named = queries()[case.name]
        bindings = named.bind(case.values)
        substitutions = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}

        def run(text: str = with_values(named.text, bindings), subs: dict[Any, Any] = substitutions) -> object:
            return _json(store.query(text, use_default_graph_as_union=True, substitutions=subs))

        out["queries"][case.name] = {**repeat(run, args.runs, args.budget).summary(), "aggregate": case.aggregate}
        out["queries"][case.name]["rows"] = count_rows(run())
    subjects = lookup_subjects(data)
    out["lookups_direct"] = rate(
        lambda s: _json(store.query(LOOKUP.format(s), use_default_graph_as_union=True)), subjects, args.seconds
    )
    return out


def _json(result: Any) -> bytes:
    """SELECT solutions in SPARQL JSON by Oxigraph's own serializer."""
    import pyoxigraph as ox

    assert isinstance(result, ox.QuerySolutions)
    return result.serialize(format=ox.QueryResultsFormat.JSON) or b""


def _command(*argv: str, program: str = "") -> tuple[float, float]:
    """Run an mgkg command (or `program`'s); its seconds and peak RSS (MB). A failing command stops the bench."""
    program = program or MGKG
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen([program, *argv], stdout=subprocess.DEVNULL, stderr=errors)
        code, peak = wait_with_peak(process)
        seconds = time.perf_counter() - start
        errors.seek(0)
        message = errors.read().decode(errors="replace")[-500:]
    if code not in (0, 1):  # validate exits 1 when the data does not conform: still a measurement
        raise SystemExit(f"{Path(program).name} {' '.join(argv)} failed ({code}): {message}")
    return seconds, peak


def run_mgkg(data: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """mgkg: load and validate commands, named queries through the store and over HTTP, lookups over HTTP."""
    spec = f"oxigraph:{work / 'mgkg-store'}"
    load_s, load_rss = _command("--store", spec, "load", str(data))
    out: dict[str, Any] = {"load_s": load_s, "load_rss_mb": load_rss, "queries": {}}
    if "validate" not in args.skip:
        out["validate_s"], out["validate_rss_mb"] = _command("--store", spec, "validate")
    all_cases = cases(data)
    out["queries"] = {case.name: {} for case in all_cases}
    if "store" not in args.skip:
        for name, timing in _through_store(work / "mgkg-store", all_cases, args).items():
            out["queries"][name]["store"] = timing
    subjects = lookup_subjects(data)
    for served in SERVED:
        if served.key == "http_memory" and "memory" in args.skip:
            continue
        with MgkgServer(MGKG, spec, "--timeout", f"{args.limit:g}", *served.options) as server:
            for case in all_cases:

                def ask(url: str = server.url, case: Case = case) -> bytes:
                    return http_query(url, case)

                out["queries"][case.name][served.key] = query_figures(ask, args.runs, args.budget)
            out[f"lookups_{served.key}"] = http_lookups(server.url, subjects, args)
            if served.key == "http":
                out["named_get"] = _repeated(server.url, next(c for c in all_cases if c.name == REPEATED), args)
            out[served.rss_key] = server.stop()
    if "workers" not in args.skip:
        with MgkgServer(MGKG, spec, "--workers", "2") as server:
            out["lookups_http_workers"] = http_lookups(server.url, subjects, args)
    return out


def _through_store(location: Path, all_cases: list[Case], args: argparse.Namespace) -> dict[str, Any]:
    """Each named query run through the store on the executor, every row, as `mgkg query` runs them."""
    from graph.named_queries import run_query
    from graph.sparql.execute import Executor, Limits
    from graph.store import EmbeddedStore

    store = EmbeddedStore(location, read_only=True)
    timings = {}
    with Executor(1) as executor:
        for case in all_cases:
            named = queries()[case.name]

            def through_store(query: Any = named, values: dict[str, str] = case.values) -> object:
                return run_query(store, query, values, executor=executor, limits=Limits(UNLIMITED_S, None)).body

            timings[case.name] = repeat(through_store, args.runs, args.budget).summary()
    store.close()
    return timings


def _repeated(url: str, case: Case, args: argparse.Namespace) -> dict[str, Any]:
    """One named query's answer asked again and again by 4 clients: plain GETs, and conditional ones (If-None-Match
    with the answer's ETag, 304 expected) when the answer has an ETag."""
    path = named_path(case)
    out: dict[str, Any] = {"query": case.name, "plain": {"4": gets_per_second(url, [path], 4, args.seconds)}}
    out["etag"] = has_etag(url, path)
    if out["etag"]:
        out["conditional"] = {"4": gets_per_second(url, [path], 4, args.seconds, conditional=True)}
    return out


def run_oxigraph_server(data: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Oxigraph's own HTTP server (Rust) on a store its command line bulk-loaded: the limit for HTTP."""
    from graph.sparql.text import with_values

    if not Path(OXIGRAPH).exists():
        raise SystemExit(f"no oxigraph command at {OXIGRAPH}: install the bench extra (pip install -e '.[bench]')")
    location = work / "oxigraph-server-store"
    seconds, _ = _command("load", "--location", str(location), "--file", str(data), program=OXIGRAPH)
    out: dict[str, Any] = {"load_s": seconds, "queries": {}}
    serve = (OXIGRAPH, "serve-read-only", "--location", str(location), "--union-default-graph")
    with OxigraphServer(*serve, "--timeout-s", str(max(1, round(args.limit)))) as server:
        for case in cases(data):
            named = queries()[case.name]

            def ask(text: str = with_values(named.text, named.bind(case.values))) -> bytes:
                return sparql_get(server.url, text, "/query", timeout=args.limit + 60)

            out["queries"][case.name] = {**query_figures(ask, args.runs, args.budget), "aggregate": case.aggregate}
        peak = server.stop()
    with OxigraphServer(*serve) as server:  # its --timeout-s runs each query in a thread of its own: slower lookups
        out["lookups_http"] = http_lookups(server.url, lookup_subjects(data), args, "/query")
        out["served_rss_mb"] = max(peak, server.stop())
    return out


SYSTEMS: dict[str, Callable[[Path, Path, argparse.Namespace], dict[str, Any]]] = {
    "rdflib": run_rdflib, "oxigraph": run_oxigraph, "oxigraph-memory": run_oxigraph_memory,
    "oxigraph-server": run_oxigraph_server, "mgkg": run_mgkg, "rdflib-endpoint": run_rdflib_endpoint,
    "virtuoso": run_virtuoso,
}
PARTS = ("validate", "store", "memory", "workers")
"""Parts of the mgkg system --skip can leave out."""


def main() -> None:
    """Measure one system on one data file and write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("system", choices=sorted(SYSTEMS))
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--triples", type=int, required=True, help="Size of the data (for --pyshacl-max).")
    parser.add_argument("--runs", type=int, default=20, help="Timed runs per query (after one warm-up).")
    parser.add_argument("--budget", type=float, default=10.0, help="Seconds per query before runs stop early.")
    parser.add_argument("--limit", type=float, default=600.0, help="Seconds before a query run is cut off.")
    parser.add_argument("--peer-budget", type=float, default=1800.0,
                        help="Seconds rdflib-endpoint may spend on named queries before the rest are skipped.")
    parser.add_argument("--skip", default="", help=f"Parts of the mgkg system to leave out: {', '.join(PARTS)}.")
    parser.add_argument("--seconds", type=float, default=3.0, help="Duration of each lookup-rate run.")
    parser.add_argument("--pyshacl-max", type=int, default=100_000, help="Largest size pySHACL validates.")
    args = parser.parse_args()
    args.skip = {part for part in args.skip.split(",") if part}
    if args.skip - set(PARTS):
        parser.error(f"--skip: unknown part {', '.join(sorted(args.skip - set(PARTS)))} (parts: {', '.join(PARTS)})")
    with tempfile.TemporaryDirectory(prefix=f"mgkg-bench-{args.system}-") as work:
        figures = SYSTEMS[args.system](args.data, Path(work), args)
    figures.setdefault("limit_s", args.limit)
    args.out.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

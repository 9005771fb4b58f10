"""Benchmark SHACL validation: pySHACL vs the Oxigraph engine, full and incremental, on synthetic data.

    .venv/bin/python -m benchmarks.validate [--sizes 10000,100000,1000000] [--pyshacl-max 100000] [--runs 20]

For each size, `mgkg synth` data of about that many triples (and the ontology) is validated in full by
pySHACL (rdflib Dataset, as `mgkg validate --engine pyshacl`; only up to --pyshacl-max triples, larger sizes
are extrapolated linearly from the largest measured one) and by the Oxigraph engine (the data in a pyoxigraph
store, as the endpoint holds it); both result sets are compared where both ran. At the largest size, a
one-entity change (a project's status and label replaced) is validated incrementally --runs times and the
median is printed, as is the endpoint's whole write path for such a change (copy, update, validation) once.
Timings are wall-clock seconds on this machine; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from rdflib import Dataset

from benchmarks.workload import M, synthetic
from graph.core.formats import SPARQL_UPDATE
from graph.shacl.derived import derive_store
from graph.shacl.incremental import Changes
from graph.shacl.terms import TermMap, load_triples
from graph.shacl.validate import ValidationReport, load_ontology, validate_dataset, validate_store

T = TypeVar("T")


def timed(run: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    """Seconds taken by `run(*args, **kwargs)`, and its result."""
    start = time.perf_counter()
    result = run(*args, **kwargs)
    return time.perf_counter() - start, result


def oxigraph_store(path: Path) -> ox.Store:
    """An in-memory store with the file, its derived graph (as `mgkg load` makes it) and the ontology."""
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    derive_store(store.update)
    load_triples(store, TermMap(), load_ontology())
    return store


def keys(report: ValidationReport) -> set[tuple[object, ...]]:
    """The results without their report-graph blank nodes."""
    return {(r.focus_node, r.value, r.component, r.constraint, r.severity, r.message) for r in report.results}


def one_entity_change(store: ox.Store, project: ox.NamedNode) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Replace a project's status and labels: the quads removed and added."""
    status, label = ox.NamedNode(M + "status"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    removed = [*store.quads_for_pattern(project, status, None), *store.quads_for_pattern(project, label, None)]
    graph = next(store.quads_for_pattern(project, ox.NamedNode(M + "startDate"), None)).graph_name
    added = [
        ox.Quad(project, status, ox.NamedNode("https://w3id.org/mgkg/vocab/status/suspended"), graph),
        ox.Quad(project, label, ox.Literal("Renamed project", language="en"), graph),
    ]
    return removed, added


def incremental(store: ox.Store, runs: int) -> list[float]:
    """Seconds of each incremental validation of a one-entity change (a different project each time)."""
    projects = sorted(
        (q.subject for q in store.quads_for_pattern(None, ox.NamedNode(M + "startDate"), None)), key=str
    )[:runs]
    times = []
    for project in projects:
        removed, added = one_entity_change(store, project)  # type: ignore[arg-type]
        for quad in removed:
            store.remove(quad)
        store.extend(added)
        changes = Changes.of_quads(removed + added)
        seconds, report = timed(validate_store, store, engine="oxigraph", changes=changes)
        assert report.no_violations, report.text()
        times.append(seconds)
    return times


def write_path(path: Path, folder: Path | None, writes: int = 5) -> list[float]:
    """Seconds of the endpoint's write path (scratch copy, update, incremental validation) for INSERT DATAs.

    The store is in memory, or on disk in `folder` (then the scratch copy is a RocksDB checkpoint, and the
    store is compacted first: right after a bulk load, checkpoints wait for RocksDB's compaction, ~1 s).
    """
    from graph.core.config import Settings
    from graph.store import EmbeddedStore
    from server.app import create_app

    store = EmbeddedStore(None if folder is None else folder / "store")
    store.raw.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    derive_store(store.raw.update)
    load_triples(store.raw, TermMap(), load_ontology())
    if folder is not None:
        store.raw.optimize()
    client = create_app(Settings(store="memory", update_token="t", query_timeout=600), store).test_client()
    headers = {"Authorization": "Bearer t"}
    times = []
    starts = store.raw.quads_for_pattern(None, ox.NamedNode(M + "startDate"), None)
    for project in sorted((q.subject for q in starts), key=str)[:writes]:
        graph = "<https://w3id.org/mgkg/graph/contributions/editor>"  # where writes may go
        comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
        update = f'INSERT DATA {{ GRAPH {graph} {{ {project} {comment} "seen" }} }}'
        seconds, response = timed(
            client.post, "/sparql", data=update.encode(), content_type=SPARQL_UPDATE.media_type, headers=headers
        )
        assert response.status_code == 204, response.data
        times.append(seconds)
    store.close()
    return times


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="Triples, comma-separated.")
    parser.add_argument("--pyshacl-max", type=int, default=100_000, help="Largest size pySHACL runs on.")
    parser.add_argument("--runs", type=int, default=20, help="Incremental validations at the largest size.")
    parser.add_argument("--no-write-path", action="store_true", help="Skip the endpoint write-path measurement.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rate: float | None = None
    columns = ("triples", "quads", "pyshacl s", "oxigraph s")
    print("  ".join(f"{c:>10}" for c in columns) + f"  {'ratio':>7}  {'load s':>7}  results")
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path, _ = synthetic(Path(folder), size)
            load, store = timed(oxigraph_store, path)
            fast_s, fast = timed(validate_store, store, engine="oxigraph")
            quads = len(store)
            note = ""
            if size <= args.pyshacl_max:
                data = Dataset()
                data.parse(path, format="nquads")
                slow_s, slow = timed(validate_dataset, data, engine="pyshacl")
                rate = size / slow_s
                note = "same results" if keys(fast) == keys(slow) else "RESULTS DIFFER"
                slow_text = f"{slow_s:10.1f}"
            else:
                slow_s = size / rate if rate else float("nan")
                slow_text = f"~{slow_s:9.0f}"
                note = "pyshacl extrapolated"
            print(f"{size:>10,}  {quads:>10,}  {slow_text}  {fast_s:10.2f}  {slow_s / fast_s:6.0f}x  {load:7.1f}  "
                  f"{len(fast.results)} ({note})")
        times = incremental(store, args.runs)
        median = statistics.median(times)
        print(f"incremental, one-entity change at {sizes[-1]:,} triples: median {median * 1000:.0f} ms of {len(times)} "
              f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); full/incremental {fast_s / median:.0f}x")
        if not args.no_write_path:
            for where, times in (("in memory", write_path(path, None)), ("on disk", write_path(path, Path(folder)))):
                print(f"endpoint write path (copy, update, incremental validation), one INSERT DATA at {sizes[-1]:,}, "
                      f"store {where}: median {statistics.median(times):.2f} s of {len(times)} "
                      f"({', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()

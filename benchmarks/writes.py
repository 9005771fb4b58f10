"""Benchmark the write path: writes per second and write latency through the app, on a store on disk.

    .venv/bin/python -m benchmarks.writes [--sizes 1000000] [--writes 30]

At the largest of the sizes, `mgkg synth` data of about that many triples (and the ontology) is bulk-loaded into
an Oxigraph store on disk, and an app with writes on (isolation off: writes run in the server process anyway) is
sent `--writes` updates one after another, each a new changeset: an INSERT DATA of one comment on a project (the
update states its quads), then as many DELETE/INSERT … WHERE replacing that comment (only running it tells
what it changes). Each is one request through Flask's test client: authorization, the scratch copy (a RocksDB
checkpoint), the update, the policy, the SHACL gate, the journal's fsync and the commit. Wall-clock seconds on
this machine, nothing asserted; the first write of each kind is left out (it warms the caches).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from benchmarks.workload import M, synthetic
from graph.core.config import Settings
from graph.core.formats import SPARQL_UPDATE
from graph.shacl.terms import TermMap, load_triples
from graph.shacl.validate import load_ontology
from graph.store import EmbeddedStore
from server.app import create_app

CONTRIBUTION = "https://w3id.org/mgkg/graph/contributions/editor"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


def updates(project: str, number: int) -> tuple[str, str]:
    """The two writes measured for a project: an INSERT DATA, and a DELETE/INSERT … WHERE of the same comment."""
    insert = f'INSERT DATA {{ GRAPH <{CONTRIBUTION}> {{ <{project}> <{COMMENT}> "seen {number}" }} }}'
    where = (f"DELETE {{ GRAPH <{CONTRIBUTION}> {{ ?p <{COMMENT}> ?c }} }} "
             f'INSERT {{ GRAPH <{CONTRIBUTION}> {{ ?p <{COMMENT}> "checked {number}" }} }} '
             f"WHERE {{ GRAPH <{CONTRIBUTION}> {{ ?p <{COMMENT}> ?c }} FILTER(?p = <{project}>) }}")
    return insert, where


def measure(path: Path, folder: Path, writes: int) -> dict[str, list[float]]:
    """Seconds of each write, by kind, on a store on disk in `folder` loaded from the N-Quads file `path`."""
    store = EmbeddedStore(folder / "store")
    store.raw.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    load_triples(store.raw, TermMap(), load_ontology())
    store.raw.optimize()  # right after a bulk load, checkpoints wait for RocksDB's compaction
    settings = Settings(data_dir=folder, update_token="t", query_timeout=600, isolation=False)
    client = create_app(settings, store).test_client()
    headers = {"Authorization": "Bearer t", "Content-Type": SPARQL_UPDATE.media_type}
    starts = store.raw.quads_for_pattern(None, ox.NamedNode(M + "startDate"), None)
    projects = sorted({q.subject.value for q in starts if isinstance(q.subject, ox.NamedNode)})[: writes + 1]
    times: dict[str, list[float]] = {"INSERT DATA": [], "DELETE/INSERT WHERE": []}
    for number, project in enumerate(projects):
        for kind, text in zip(times, updates(project, number), strict=True):
            start = time.perf_counter()
            response = client.post("/sparql", data=text.encode(), headers=headers)
            seconds = time.perf_counter() - start
            assert response.status_code == 204, response.get_data(as_text=True)
            if number:
                times[kind].append(seconds)
    del client
    store.close()
    return times


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000", help="Triples, comma-separated (the largest is measured).")
    parser.add_argument("--writes", type=int, default=30, help="Writes of each kind per size.")
    args = parser.parse_args()
    print(f"{'triples':>10}  {'write':<20} {'writes/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    with tempfile.TemporaryDirectory() as folder:
        size = max(int(s) for s in args.sizes.split(","))
        path, _ = synthetic(Path(folder), size)
        for kind, times in measure(path, Path(folder) / "data", args.writes).items():
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            print(f"{size:>10,}  {kind:<20} {len(times) / sum(times):9.1f} {statistics.median(times) * 1000:8.0f} "
                  f"{p95 * 1000:8.0f} {max(times) * 1000:8.0f}")


if __name__ == "__main__":
    main()

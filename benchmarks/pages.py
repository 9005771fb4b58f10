"""Entity pages over HTTP against the same DESCRIBE through /sparql: `python -m benchmarks.pages [--sizes N]`.

    .venv/bin/python -m benchmarks.pages [--sizes 1000000] [--data DIR]   # builds its own store (`make bench`)
    .venv/bin/python -m benchmarks.pages --store PATH                      # an on-disk store already built

Without --store, `mgkg synth` data of about the largest of `--sizes` triples (and the ontology: as every `make bench`
measure, benchmarks.workload.synthetic, kept in --data when given) is bulk-loaded into an on-disk store in a
temporary folder, with its derived graph as `mgkg load` makes it. Then it starts `mgkg serve` on the store
(read-only with --store: point it at a copy of a bench store), picks entities of every kind (projects,
organisations, places …, the hubs of a synthetic graph among them), then asks for each, in turn and over one
kept-alive connection: its HTML page (`/id/…`, Accept: text/html), its Turtle (`/id/….ttl`) and `DESCRIBE <iri>`
through /sparql (Turtle). Prints the
p50 and p95 of each in milliseconds and the ratios to the DESCRIBE (one run, side by side: figures move between
runs; the ratios less so), and whether the page meets its target (p50 ≤ 50 ms at 1M triples: printed, never
asserted). `--json FILE` writes them for a report.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

import pyoxigraph as ox

from benchmarks.clients import MgkgServer, get, sparql_get
from benchmarks.workload import synthetic
from graph.core import formats
from graph.core.namespaces import DEFAULT_BASE
from graph.shacl.derived import derive_store

HTML, TURTLE = formats.HTML.media_type, formats.by_name("turtle").media_type
KINDS = ("Project", "Organization", "Place", "Event", "Participation", "MonetaryAmount")
PICK = """PREFIX mgkg: <https://w3id.org/mgkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?s WHERE {{ ?s a/rdfs:subClassOf* mgkg:{kind} FILTER(STRSTARTS(STR(?s), "{base}id/")) }} LIMIT {n}"""
TARGET_MS = 50.0
"""The entity page's p50 at 1M synthetic triples (issue 20: "Done when")."""


def build_store(data: Path, folder: Path, triples: int) -> Path:
    """An on-disk store in `folder` of about `triples` synthetic triples (their N-Quads file made in `data`, or
    reused from there), the ontology and the derived graph, compacted and closed; its path."""
    path, _ = synthetic(data, triples)
    target = folder / f"store-{triples}"
    store = ox.Store(str(target))
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    derive_store(store.update)
    store.optimize()
    store.flush()
    del store  # closes it: `mgkg serve` opens it next
    return target


def entities(url: str, per_kind: int) -> list[str]:
    """Up to `per_kind` entity IRIs of each kind (the first Oxigraph finds: hubs come early in a synthetic graph)."""
    found: list[str] = []
    for kind in KINDS:
        body = json.loads(sparql_get(url, PICK.format(kind=kind, base=DEFAULT_BASE, n=per_kind)))
        found += [row["s"]["value"] for row in body["results"]["bindings"]]
    return found


def timed(url: str, target: str, accept: str) -> float:
    """Seconds a GET of `target` takes."""
    start = time.perf_counter()
    get(url, target, accept)
    return time.perf_counter() - start


def summary(seconds: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(seconds)
    return {"p50": statistics.median(ordered) * 1000, "p95": ordered[int(0.95 * (len(ordered) - 1))] * 1000}


def measure(url: str, iris: list[str], rounds: int) -> dict[str, dict[str, float]]:
    """p50/p95 of the page, the Turtle and the DESCRIBE, each entity asked `rounds` times (after one warm-up)."""
    times: dict[str, list[float]] = {"page": [], "turtle": [], "describe": []}
    for iri in iris:
        path = urllib.parse.quote(iri[len(DEFAULT_BASE) - 1 :])
        describe = "/sparql?" + urllib.parse.urlencode({"query": f"DESCRIBE <{iri}>"})
        asks = {"page": (path, HTML), "turtle": (path + ".ttl", TURTLE), "describe": (describe, TURTLE)}
        for name, (target, accept) in asks.items():
            get(url, target, accept)  # warm-up: the query process, the page cache
            times[name] += [timed(url, target, accept) for _ in range(rounds)]
    return {name: summary(values) for name, values in times.items()}


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an on-disk Oxigraph store (opened read-only); default: build one")
    parser.add_argument("--sizes", default="1000000", help="Triples, comma-separated (the largest is built).")
    parser.add_argument("--data", type=Path, help="Keep the synthetic N-Quads here (default: a temporary folder).")
    parser.add_argument("--mgkg", default=str(Path(sys.executable).parent / "mgkg"), help="the mgkg command")
    parser.add_argument("--per-kind", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--in-memory", action="store_true", help="serve an in-memory copy (mgkg serve --in-memory)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    options = ("--in-memory",) if args.in_memory else ("--no-in-memory",)
    with ExitStack() as stack:
        store, size = args.store, None
        if store is None:
            size = max(int(s) for s in args.sizes.split(","))
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            store = build_store(args.data or scratch, scratch, size)
        with MgkgServer(args.mgkg, f"oxigraph:{store}", *options) as server:
            iris = entities(server.url, args.per_kind)
            figures = measure(server.url, iris, args.rounds)
    base = figures["describe"]["p50"]
    print(f"entity pages: {len(iris)} entities × {args.rounds} rounds, "
          + (f"{size:,} synthetic triples" if size else str(args.store)))
    for name, figure in figures.items():
        ratio = figure["p50"] / base
        print(f"{name:9} p50 {figure['p50']:7.1f} ms  p95 {figure['p95']:7.1f} ms  ×{ratio:.2f} DESCRIBE")
    met = "met" if figures["page"]["p50"] <= TARGET_MS else "NOT met"
    print(f"target: page p50 ≤ {TARGET_MS:.0f} ms at 1M triples — {met} here")
    if args.json:
        args.json.write_text(json.dumps({"entities": len(iris), "rounds": args.rounds, "triples": size, **figures},
                                        indent=2) + "\n")


if __name__ == "__main__":
    main()

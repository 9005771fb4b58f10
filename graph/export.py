"""Export: the dataset (or one graph) in an RDF format, byte-identical for the same input.

Blank nodes are relabelled canonically (RDFC-style, rdflib.compare), triples are sorted, and the sorted
stream is written by Oxigraph's serializers, which keep input order — so the same graph gives the same bytes.
"""

from __future__ import annotations

import pyoxigraph as ox
from oxrdflib._converter import to_ox
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from graph.core.errors import MgkgError
from graph.core.formats import RDF, FormatError, by_name
from graph.core.namespaces import DEFAULT_BASE, prefixes

FORMATS = tuple(fmt.name for fmt in RDF)
"""Export format names (graph.core.formats.RDF): trig, nquads and jsonld keep the named graphs."""


class ExportError(MgkgError, ValueError):
    """Unknown format or graph; the message names it."""


def _sorted_triples(graph: Graph) -> list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, object]]:
    canonical = to_canonical_graph(graph)
    return [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in sorted(canonical)]  # type: ignore[misc]


def _named(dataset: Dataset, graph: str | None) -> list[Graph]:
    names = sorted(
        (g for g in dataset.graphs() if isinstance(g.identifier, URIRef) and len(g)),
        key=lambda g: str(g.identifier),
    )
    if graph is None:
        return names
    match = [g for g in names if str(g.identifier) == graph]
    if not match:
        raise ExportError(f"no graph <{graph}> in the store (see `mgkg stats` for the graphs)")
    return match


def export(dataset: Dataset, fmt: str, graph: str | None = None, base: str = DEFAULT_BASE) -> bytes:
    """Serialize the dataset (or the named graph `graph`) in `fmt`; same input, same bytes.

    Quad formats (trig, nquads, jsonld) keep the named graphs; triple formats (turtle, nt, xml) get the
    union of the selected graphs.
    """
    try:
        chosen = by_name(fmt, RDF)
    except FormatError as error:
        raise ExportError(str(error)) from None
    selected = _named(dataset, graph)
    items: list[ox.Quad] | list[ox.Triple]
    if chosen.keeps_graphs:
        items = [
            ox.Quad(s, p, o, ox.NamedNode(str(named.identifier)))  # type: ignore[arg-type]
            for named in selected
            for s, p, o in _sorted_triples(named)
        ]
    else:
        union = Graph()
        for named in selected:
            union += named
        items = [ox.Triple(s, p, o) for s, p, o in _sorted_triples(union)]  # type: ignore[arg-type]
    used = prefixes(base) if chosen.name not in ("nt", "nquads") else None
    data = ox.serialize(items, format=chosen.rdf, prefixes=used)
    return data or b""

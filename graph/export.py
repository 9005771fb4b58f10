"""Export: the dataset (or some of its graphs) in an RDF format, byte-identical for the same input.

Turtle, TriG and JSON-LD are written readably by graph.exports (grouped, nested, with used prefixes only).
For N-Triples, N-Quads and RDF/XML, blank nodes are relabelled canonically (RDFC-style, rdflib.compare), triples
are sorted, and the sorted stream is written by Oxigraph's serializers, which keep input order — so the same
graph gives the same bytes. Which graphs: graph.exports.select.
"""

from __future__ import annotations

import pyoxigraph as ox
from oxrdflib._converter import to_ox
from rdflib import Dataset, Graph
from rdflib.compare import to_canonical_graph

from graph.core.formats import RDF, Format, FormatError, by_name
from graph.core.namespaces import DEFAULT_BASE, prefixes
from graph.exports import READABLE, ExportError, readable
from graph.exports.select import select
from graph.exports.split import split_files

FORMATS = tuple(fmt.name for fmt in RDF)
"""Export format names (graph.core.formats.RDF): trig, nquads and jsonld keep the named graphs."""


__all__ = ["FORMATS", "ExportError", "export", "export_split"]


def _sorted_triples(graph: Graph) -> list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, object]]:
    canonical = to_canonical_graph(graph)
    return [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in sorted(canonical)]  # type: ignore[misc]


def _format(fmt: str) -> Format:
    try:
        return by_name(fmt, RDF)
    except FormatError as error:
        raise ExportError(str(error)) from None


def export(
    dataset: Dataset, fmt: str, graph: str | None = None, base: str = DEFAULT_BASE, ontology: bool | None = None
) -> bytes:
    """Serialize the dataset (or the named graph `graph`: an IRI, prefixed name or short id) in `fmt`; same input,
    same bytes. `ontology` None: Turtle leaves the ontology graph out (the data only), the other formats keep it.

    Quad formats (trig, nquads, jsonld) keep the named graphs; triple formats (turtle, nt, xml) get the
    union of the selected graphs.
    """
    chosen = _format(fmt)
    with_ontology = chosen.name != "turtle" if ontology is None else ontology
    if chosen.name in READABLE:
        return readable(dataset, chosen.name, graph, base, with_ontology)
    selected = select(dataset, graph, with_ontology, base)
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


def export_split(
    dataset: Dataset, fmt: str, graph: str | None = None, base: str = DEFAULT_BASE, ontology: bool | None = None
) -> dict[str, bytes]:
    """One file per selected named graph, as `export` writes it: file name → bytes (graph.exports.split)."""
    chosen = _format(fmt)
    with_ontology = chosen.name != "turtle" if ontology is None else ontology
    return split_files(dataset, chosen, select(dataset, graph, with_ontology, base), base,
                       lambda name: export(dataset, chosen.name, str(name), base))

"""Export: the dataset (or one graph) in an RDF format, byte-identical for the same input."""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from graph.namespaces import DEFAULT_BASE, prefixes

FORMATS: dict[str, tuple[str, str, bool]] = {
    "turtle": ("turtle", "text/turtle", False),
    "trig": ("trig", "application/trig", True),
    "nt": ("nt", "application/n-triples", False),
    "nquads": ("nquads", "application/n-quads", True),
    "jsonld": ("json-ld", "application/ld+json", True),
    "xml": ("xml", "application/rdf+xml", False),
}
"""Export format → (rdflib plugin, media type, keeps named graphs)."""

EXTENSIONS = {"turtle": "ttl", "trig": "trig", "nt": "nt", "nquads": "nq", "jsonld": "jsonld", "xml": "rdf"}


class ExportError(ValueError):
    """Unknown format or graph; the message names it."""


def _canonical(graph: Graph) -> Graph:
    """The graph with blank nodes relabelled canonically and triples inserted in sorted order."""
    canonical = to_canonical_graph(graph)
    ordered = Graph()
    for triple in sorted(canonical):
        ordered.add(triple)
    return ordered


def _bind(target: Graph | Dataset, base: str) -> None:
    for prefix, iri in prefixes(base).items():
        target.bind(prefix, iri, override=True, replace=True)


def select(dataset: Dataset, graph: str | None, keep_graphs: bool, base: str) -> Graph | Dataset:
    """What to serialize: one named graph, all graphs (quad formats) or their union (triple formats)."""
    names = sorted(g for g in dataset.graphs() if isinstance(g.identifier, URIRef) and len(g))
    if graph is not None:
        match = [g for g in names if str(g.identifier) == graph]
        if not match:
            raise ExportError(f"no graph <{graph}> in the store (see `mgkg stats` for the graphs)")
        names = match
    if keep_graphs:
        out = Dataset()
        _bind(out, base)
        for named in sorted(names, key=lambda g: str(g.identifier)):
            out.graph(named.identifier).__iadd__(_canonical(named))
        return out
    union = Graph()
    for named in names:
        union += named
    result = _canonical(union)
    _bind(result, base)
    return result


def export(dataset: Dataset, fmt: str, graph: str | None = None, base: str = DEFAULT_BASE) -> bytes:
    """Serialize the dataset (or the named graph `graph`) in `fmt`; same input, same bytes."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    plugin, _, keep_graphs = FORMATS[fmt]
    target = select(dataset, graph, keep_graphs, base)
    data = target.serialize(format=plugin, encoding="utf-8")
    if fmt in ("nt", "nquads"):
        lines = sorted(set(data.decode("utf-8").splitlines()) - {""})
        data = ("\n".join(lines) + "\n").encode("utf-8")
    return data

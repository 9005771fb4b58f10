"""Which named graphs an export writes: the data (every graph but the ontology), everything, or one graph.

One graph is named by its IRI, a prefixed name (`mgg:curation`), a short id (`003` for the graph of document
003_…, `links`), the document it comes from (`doc:003_…`) or an entity a single document introduces
(`tc-0287`, `prj:tc-0287`). A name that matches nothing, or more than one graph, is an ExportError that lists
the choices.
"""

from __future__ import annotations

from rdflib import PROV, RDF, Dataset, Graph, URIRef

from graph.core.errors import MgkgError
from graph.core.formats import either
from graph.core.namespaces import DEFAULT_BASE, ENTITIES, export_prefixes, graph_iri, normalize_base


class ExportError(MgkgError, ValueError):
    """Unknown format or graph; the message names it (and, for a graph, the choices)."""


def named_graphs(dataset: Dataset) -> list[Graph]:
    """The dataset's non-empty named graphs, sorted by IRI."""
    return sorted(
        (g for g in dataset.graphs() if isinstance(g.identifier, URIRef) and len(g)),
        key=lambda g: str(g.identifier),
    )


def short_id(name: URIRef, base: str = DEFAULT_BASE) -> str:
    """What a user may type for graph `name`: `003` for …/graph/003_cfcd…, `links` for …/graph/links, else the IRI."""
    folder = normalize_base(base) + "graph/"
    if not name.startswith(folder):
        return str(name)
    local = name[len(folder) :]
    head, sep, _ = local.partition("_")
    return head if sep and head.isdigit() else local


def _sources(dataset: Dataset) -> dict[URIRef, URIRef]:
    """Document IRI → the graph derived from it (prov:wasDerivedFrom, in any graph)."""
    return {
        doc: g
        for g, _, doc, _ in dataset.quads((None, PROV.wasDerivedFrom, None, None))
        if isinstance(g, URIRef) and isinstance(doc, URIRef)
    }


def _introducing(entity: URIRef, graphs: list[Graph], sources: dict[URIRef, URIRef]) -> list[URIRef]:
    """The graphs that type `entity`: the document graphs among them if any, else all of them."""
    typing = [g.identifier for g in graphs if (entity, RDF.type, None) in g]
    documents = [g for g in typing if g in sources.values()]
    return documents or typing  # type: ignore[return-value]


def resolve(spec: str, dataset: Dataset, base: str = DEFAULT_BASE) -> URIRef:
    """The IRI of the named graph `spec` names (see the module docstring); ExportError with the choices if none."""
    graphs = named_graphs(dataset)
    names = [g.identifier for g in graphs]
    text = spec.strip().removeprefix("<").removesuffix(">")
    iri = text
    prefix, colon, local = text.partition(":")
    known = export_prefixes(base)
    if colon and prefix in known and not local.startswith("//"):
        iri = known[prefix] + local
    if iri in {str(n) for n in names}:
        return URIRef(iri)
    shorts = [n for n in names if short_id(n, base) == text or str(n).endswith("/graph/" + text)]  # type: ignore[arg-type]
    sources = _sources(dataset)
    candidates: list[URIRef]
    if shorts:
        candidates = shorts  # type: ignore[assignment]
    elif URIRef(iri) in sources:
        candidates = [sources[URIRef(iri)]]
    else:
        entities = [URIRef(iri)] if colon else [
            URIRef(f"{normalize_base(base)}id/{folder}/{text}") for folder in ENTITIES.values()
        ]
        candidates = sorted({g for e in entities for g in _introducing(e, graphs, sources)})
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise ExportError(f"{spec!r} names several graphs: {either(short_id(c, base) for c in candidates)}; "
                          "give one of them")
    choices = either(short_id(n, base) for n in names)  # type: ignore[arg-type]
    what = f"<{iri}>" if iri == text and colon and not prefix.isdigit() else repr(spec)
    raise ExportError(f"no graph {what} in the store: give a graph IRI, a prefixed name or one of {choices}")


def select(dataset: Dataset, graph: str | None = None, ontology: bool = True, base: str = DEFAULT_BASE) -> list[Graph]:
    """The graphs to export: `graph` alone if given, else every named graph (the ontology's only if `ontology`)."""
    if graph is not None:
        return [dataset.graph(resolve(graph, dataset, base))]
    left_out = graph_iri("ontology", base)
    return [g for g in named_graphs(dataset) if ontology or g.identifier != left_out]

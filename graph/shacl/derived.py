"""The derived graph: the mgkg:statedIn triples the shapes check, stored so that any SHACL engine sees them.

`<s> mgkg:statedIn <g>` holds when the IRI s is the subject of a triple in the named graph g and g is typed
mgkg:SourceGraph (in any graph). mgkg stores these triples in one named graph of their own, `<base>graph/derived`
(`derived_graph`), and keeps it in step with the others: the build adds it (`add_derived`), `mgkg load`
recomputes it (`derive_store`), and a server write recomputes it for the subjects and source graphs the write
touched, in the same update (`refresh`). Exports carry it, so pySHACL or Jena on the union of an export's graphs
check what `mgkg validate` checks. No other graph is ever derived from it, and a write that tries to put a triple
there that the other graphs do not give is refused (`refresh` returns it in `Refresh.refused`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from graph.core.namespaces import DEFAULT_BASE, MGKG, graph_iri
from graph.sparql.tokens import tokenize

STATED_IN = MGKG.statedIn
"""<entity> mgkg:statedIn <source graph>: stored in the derived graph only."""

_STATED_IN, _SOURCE_GRAPH, _TYPE = f"<{STATED_IN}>", f"<{MGKG.SourceGraph}>", f"<{RDF.type}>"


def _typed(within: str | None) -> str:
    """?g is typed mgkg:SourceGraph in some graph (the default one included), both under `within` if given."""
    inside = f" FILTER(STRSTARTS(STR(?t), {Literal(within).n3()}))" if within else ""
    pattern = f"{{ ?g {_TYPE} {_SOURCE_GRAPH} }} UNION {{ GRAPH ?t {{ ?g {_TYPE} {_SOURCE_GRAPH} }}{inside} }}"
    return pattern + (f" FILTER(STRSTARTS(STR(?g), {Literal(within).n3()}))" if within else "")


def derived_graph(base: str = DEFAULT_BASE) -> URIRef:
    """The IRI of the derived graph for the data base IRI `base`."""
    return graph_iri("derived", base)


def stated_in(ds: Dataset, exclude: URIRef | None = None) -> Graph:
    """Triples <s> mgkg:statedIn <g> for every IRI subject s of every named graph g typed mgkg:SourceGraph."""
    sources = {s for s, _, _, _ in ds.quads((None, RDF.type, MGKG.SourceGraph, None))} - {exclude}
    derived = Graph()
    for s, _, _, g in ds.quads((None, None, None, None)):
        if isinstance(s, URIRef) and g in sources:
            derived.add((s, STATED_IN, g))
    return derived


def add_derived(ds: Dataset, base: str = DEFAULT_BASE) -> None:
    """Replace the dataset's derived graph by what its other graphs give."""
    iri = derived_graph(base)
    ds.remove_graph(iri)
    ds.graph(iri).__iadd__(stated_in(ds, exclude=iri))


def derive_all(base: str = DEFAULT_BASE, within: str | None = None) -> str:
    """A SPARQL update that recomputes the whole derived graph (what `derive_store` runs); `within`: read only
    the graphs whose IRIs start with it (a remote store's own graphs)."""
    d = f"<{derived_graph(base)}>"
    return (
        f"DROP SILENT GRAPH {d} ;\n"
        f"INSERT {{ GRAPH {d} {{ ?s {_STATED_IN} ?g }} }} WHERE {{\n"
        f"  {{ SELECT DISTINCT ?g WHERE {{ {_typed(within)} FILTER(isIRI(?g) && ?g != {d}) }} }}\n"
        f"  {{ SELECT DISTINCT ?s ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(isIRI(?s)) }} }}\n"
        "}"
    )


def derive_store(update: Callable[[str], None], base: str = DEFAULT_BASE, within: str | None = None) -> None:
    """Recompute the derived graph of a store (after a bulk load); `update` runs a SPARQL update on the store."""
    update(derive_all(base, within))


def derive_in(store: ox.Store, base: str = DEFAULT_BASE) -> None:
    """Recompute the derived graph of an Oxigraph store as `derive_all` does, through the bulk loader (no
    transaction, as after `mgkg load`'s own bulk load): at 1M quads 8 s where the update took 12–16 s, most of
    it the query of every graph's subjects. (`mgkg load` into an empty store needs no query: graph.load.Stated.)"""
    d, stated_in = ox.NamedNode(str(derived_graph(base))), ox.NamedNode(str(STATED_IN))
    sources = store.query(f"SELECT DISTINCT ?g WHERE {{ {_typed(None)} FILTER(isIRI(?g) && ?g != {d}) }}")
    graphs = {row["g"] for row in sources}  # type: ignore[union-attr]
    pairs = store.query("SELECT DISTINCT ?s ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }")
    derived = [ox.Quad(s, stated_in, g, d) for s, g in pairs if g in graphs]  # type: ignore[union-attr]
    store.remove_graph(d)
    store.bulk_extend(derived)


@dataclass
class Refresh:
    """What recomputing the derived graph for a change did."""

    update: str = ""
    """The SPARQL update that recomputes it (run it after the same change elsewhere; empty: nothing to do)."""
    changed: list[ox.Quad] = field(default_factory=list)
    """Quads of the derived graph it added or removed."""
    refused: list[ox.Quad] = field(default_factory=list)
    """Quads the change put into the derived graph that the other graphs do not give."""


def refresh(store: ox.Store, changes: Sequence[ox.Quad], base: str = DEFAULT_BASE, within: str | None = None) -> (
    Refresh
):
    """Recompute, in `store` after a change (the quads it added or removed), the derived triples it can change.

    Those are the triples of every IRI subject of a changed quad, and of every subject of a graph whose
    mgkg:SourceGraph type changed. `within`: as for `derive_all` (the update is also run on the live store).
    """
    d = ox.NamedNode(str(derived_graph(base)))
    subjects = sorted({q.subject for q in changes if isinstance(q.subject, ox.NamedNode)}, key=str)
    graphs = sorted(
        {q.subject for q in changes if isinstance(q.subject, ox.NamedNode) and q.predicate.value == str(RDF.type)
         and q.object == ox.NamedNode(str(MGKG.SourceGraph))},
        key=str,
    )
    if not subjects:
        return Refresh()
    written = [q for q in changes if q.graph_name == d and q in store]
    text = refresh_update(subjects, graphs, d, within)
    before = _derived(store, subjects, graphs, d)
    store.update(text)
    after = _derived(store, subjects, graphs, d)
    refused = [q for q in written if q not in store or q.predicate.value != str(STATED_IN)]
    return Refresh(text, sorted(before ^ after, key=str), refused)


def refresh_update(
    subjects: Iterable[ox.NamedNode], graphs: Iterable[ox.NamedNode], d: ox.NamedNode, within: str | None = None
) -> str:
    """The SPARQL update recomputing the derived triples of these subjects and of every subject of these graphs."""
    parts = []
    for variable, nodes in (("?s", list(subjects)), ("?g", list(graphs))):
        if not nodes:
            continue
        values = f"VALUES {variable} {{ {' '.join(str(n) for n in nodes)} }}"
        triple = f"GRAPH {d} {{ ?s {_STATED_IN} ?g }}"
        parts.append(f"DELETE {{ {triple} }} WHERE {{ {values} {triple} }}")
        parts.append(
            f"INSERT {{ {triple} }} WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER(isIRI(?s) && ?g != {d}) FILTER EXISTS {{ {_typed(within)} }} }}"
        )
    return " ;\n".join(parts)


def _derived(
    store: ox.Store, subjects: list[ox.NamedNode], graphs: list[ox.NamedNode], d: ox.NamedNode
) -> set[ox.Quad]:
    """The derived graph's quads about these subjects or pointing to these graphs."""
    p = ox.NamedNode(str(STATED_IN))
    found = {q for s in subjects for q in store.quads_for_pattern(s, p, None, d)}
    return found | {q for g in graphs for q in store.quads_for_pattern(None, p, g, d)}


def append(update: str, more: str) -> str:
    """The update `update` followed by the operations of `more` in the same request (one transaction)."""
    if not more:
        return update
    tokens = tokenize(update)
    ends_open = not tokens or tokens[-1].text == ";"
    return f"{update}\n{'' if ends_open else ';'}\n{more}"

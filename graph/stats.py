"""Statistics of a store: quads, graphs, entities per class (the numbers `mgkg stats` and VoID show)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal

from graph.core.namespaces import MGKG, ONTOLOGY_IRI
from graph.store import Store

_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_PER_CLASS = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s a ?class . FILTER(STRSTARTS(STR(?class), {Literal(str(MGKG)).n3()}))
  FILTER(!STRSTARTS(STR(?s), {Literal(str(ONTOLOGY_IRI)).n3()}))
}} GROUP BY ?class ORDER BY ?class"""
_TOTALS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
WHERE { ?s ?p ?o }"""


@dataclass(frozen=True)
class Stats:
    """Counts of one store."""

    quads: int
    triples: int
    subjects: int
    properties: int
    graphs: dict[str, int]
    classes: dict[str, int]


def _texts(store: Store, text: str) -> list[list[str]]:
    return [[term.value if term is not None else "" for term in row] for row in store.select(text)]


def compute_stats(store: Store) -> Stats:
    """Count quads, distinct triples of the union, subjects, properties, triples per graph, entities per class."""
    triples, subjects, properties = (int(value) for value in _texts(store, _TOTALS)[0])
    return Stats(
        quads=len(store),
        triples=triples,
        subjects=subjects,
        properties=properties,
        graphs={graph: int(count) for graph, count in _texts(store, _PER_GRAPH)},
        classes={cls: int(count) for cls, count in _texts(store, _PER_CLASS)},
    )

"""Statistics of a store: quads, graphs, entities per class (the numbers `mgkg stats` and VoID show)."""

from __future__ import annotations

from dataclasses import dataclass

from graph.store import Store

_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?class . FILTER(STRSTARTS(STR(?class), "https://w3id.org/mgkg/ontology#"))
  FILTER(!STRSTARTS(STR(?s), "https://w3id.org/mgkg/ontology"))
} GROUP BY ?class ORDER BY ?class"""
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


def _int(value: object) -> int:
    return int(str(value))


def compute_stats(store: Store) -> Stats:
    """Count quads, distinct triples of the union, subjects, properties, triples per graph, entities per class."""
    totals = next(iter(store.query(_TOTALS)))
    graphs = {str(row[0]): _int(row[1]) for row in store.query(_PER_GRAPH)}  # type: ignore[index]
    classes = {str(row[0]): _int(row[1]) for row in store.query(_PER_CLASS)}  # type: ignore[index]
    return Stats(
        quads=len(store),
        triples=_int(totals[0]),  # type: ignore[index]
        subjects=_int(totals[1]),  # type: ignore[index]
        properties=_int(totals[2]),  # type: ignore[index]
        graphs=graphs,
        classes=classes,
    )

"""VoID linksets of a store: how many links of each predicate go from mgkg to each target dataset."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from graph.linking.links import TARGETS
from graph.store import Store


@dataclass(frozen=True)
class Linkset:
    """A VoID linkset: the links of one predicate from mgkg to one target dataset, and how many there are."""

    target: str
    predicate: URIRef
    count: int

    @property
    def uri_space(self) -> str:
        """The IRI space of the target dataset's entities."""
        return TARGETS[self.target].uri_space


_LINKS_QUERY = """
SELECT DISTINCT ?s ?p ?o WHERE {
  ?s ?p ?o .
  FILTER(?p IN (<http://www.w3.org/2002/07/owl#sameAs>, <http://www.w3.org/2004/02/skos/core#exactMatch>,
                <http://www.w3.org/2004/02/skos/core#closeMatch>) && isIRI(?o))
}
"""


def linksets(store: Store) -> list[Linkset]:
    """One Linkset per (target dataset, predicate) with the number of distinct links, sorted."""
    counts: dict[tuple[str, URIRef], int] = {}
    for _, predicate, obj in store.select(_LINKS_QUERY):
        for target in TARGETS.values():
            if predicate is not None and obj is not None and obj.value.startswith(target.uri_space):
                key = (target.name, URIRef(predicate.value))
                counts[key] = counts.get(key, 0) + 1
    return [Linkset(name, predicate, count) for (name, predicate), count in sorted(counts.items())]

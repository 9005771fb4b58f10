"""RDF terms between rdflib and pyoxigraph, and rdflib graphs loaded into a pyoxigraph Store for validation."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import RDFS, XSD
from rdflib.term import Node

from graph.core.errors import MgkgError
from graph.core.namespaces import MGKG, XSD_STRING

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
RETYPED = frozenset(
    XSD[name]
    for name in (
        "nonPositiveInteger", "negativeInteger", "long", "int", "short", "byte", "nonNegativeInteger",
        "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "positiveInteger", "dateTimeStamp",
    )
)
"""Datatypes Oxigraph replaces: derived integer types by xsd:integer, xsd:dateTimeStamp by xsd:dateTime."""


class Untranslatable(MgkgError, ValueError):
    """A literal Oxigraph would store differently from rdflib (so the engines could disagree about it)."""


class TermMap:
    """Converts terms both ways; each rdflib blank node gets its own pyoxigraph blank node and back.

    `strict`: refuse (Untranslatable) literals Oxigraph would not keep as rdflib has them — derived integer
    types and xsd:dateTimeStamp, which Oxigraph stores as xsd:integer and xsd:dateTime, and literals rdflib
    marks ill-typed, whose lexical form rdflib may already have changed ("yes"^^xsd:boolean becomes "false").
    """

    def __init__(self, strict: bool = False) -> None:
        """Start with no blank nodes seen."""
        self.strict = strict
        self._to: dict[Node, OxTerm] = {}
        self._back: dict[str, BNode] = {}

    def to_ox(self, term: Node) -> OxTerm:
        """The pyoxigraph term for an rdflib term (ValueError for IRIs Oxigraph refuses)."""
        found = self._to.get(term)
        if found is not None:
            return found
        made: OxTerm
        if isinstance(term, URIRef):
            made = ox.NamedNode(str(term))
        elif isinstance(term, BNode):
            made = ox.BlankNode()
            self._back[made.value] = term
        elif isinstance(term, Literal):
            if self.strict and (term.ill_typed or term.datatype in RETYPED):
                raise Untranslatable(f"{term.n3()}: Oxigraph would not store this literal as rdflib has it")
            if term.language:
                made = ox.Literal(str(term), language=term.language)
            else:
                made = ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
        else:
            raise ValueError(f"not an RDF term: {term!r}")
        self._to[term] = made
        return made

    def to_rdflib(self, term: OxTerm) -> Node:
        """The rdflib term for a pyoxigraph term (simple literals without a datatype, as rdflib parses them)."""
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            found = self._back.get(term.value)
            if found is None:
                found = self._back[term.value] = BNode(term.value)
                self._to[found] = term
            return found
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))


def load_triples(store: ox.Store, terms: TermMap, triples: Iterable[tuple[Node, Node, Node]]) -> None:
    """Add rdflib triples to the store's default graph."""
    to_ox = terms.to_ox
    store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples)  # type: ignore[arg-type]


def load_dataset(store: ox.Store, terms: TermMap, dataset: Dataset) -> None:
    """Add every quad of an rdflib Dataset, named graphs kept (its default graph to the store's default graph)."""
    to_ox = terms.to_ox
    default = dataset.default_graph.identifier

    def graph_name(g: Node | None) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph:
        if g is None or g == default:
            return ox.DefaultGraph()
        return to_ox(g)  # type: ignore[return-value]

    store.extend(
        ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph_name(g))  # type: ignore[arg-type]
        for s, p, o, g in dataset.quads((None, None, None, None))
    )


def ontology_missing(store: ox.Store) -> bool:
    """Whether the store lacks mgkg's class hierarchy (no rdfs:subClassOf between mgkg classes)."""
    return not bool(
        store.query(
            f"ASK {{ ?c <{RDFS.subClassOf}> ?d FILTER(STRSTARTS(STR(?c), {Literal(str(MGKG)).n3()})) }}",
            use_default_graph_as_union=True,
        )
    )

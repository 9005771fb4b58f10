"""Readable exports: deterministic Turtle, TriG and JSON-LD a person can open, review and diff.

`readable` writes the dataset (or some of its graphs) in one of READABLE; graph.export calls it for those formats.
Modules: `select` (which graphs), `model` (graphs → groups → blocks), `groups` (class groups), `terms`
(prefixed names, literals), `turtle` and `jsonld` (the writers), `context` (the JSON-LD @context), `split`
(one file per graph).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from rdflib import Dataset, URIRef

from graph.core.namespaces import DEFAULT_BASE, export_prefixes
from graph.exports.context import context
from graph.exports.jsonld import write_jsonld
from graph.exports.model import Triple, build_document
from graph.exports.select import ExportError, select
from graph.exports.terms import Names
from graph.exports.turtle import write_turtle

READABLE = ("turtle", "trig", "jsonld")
"""The formats written readably; the others (nt, nquads, xml) are written sorted by graph.export."""

__all__ = ["READABLE", "ExportError", "jsonld_of", "readable"]


def readable(
    dataset: Dataset, fmt: str, graph: str | None = None, base: str = DEFAULT_BASE, ontology: bool = True
) -> bytes:
    """`fmt` (turtle, trig or jsonld) of the selected graphs (graph.exports.select); same dataset, same bytes.

    Turtle gets the union of the graphs; TriG and JSON-LD keep each graph.
    """
    graphs = select(dataset, graph, ontology, base)
    parts: list[tuple[URIRef | None, list[Triple]]]
    if fmt == "turtle":
        union: set[Triple] = set()
        for named in graphs:
            union.update(cast(Iterable[Triple], named))
        parts = [(None, list(union))]
    else:
        parts = [(URIRef(named.identifier), list(cast(Iterable[Triple], named))) for named in graphs]
    document = build_document(parts)
    if fmt == "jsonld":
        return write_jsonld(document, Names(export_prefixes(base), turtle=False), context(base))
    return write_turtle(document, Names(export_prefixes(base)))


def jsonld_of(triples: Iterable[Triple], base: str = DEFAULT_BASE) -> bytes:
    """A graph of triples (a CONSTRUCT or DESCRIBE answer) as compact JSON-LD with mgkg's @context, as exports are."""
    document = build_document([(None, list(triples))])
    return write_jsonld(document, Names(export_prefixes(base), turtle=False), context(base))

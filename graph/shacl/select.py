"""SHACL-SPARQL constraints (sh:sparql / sh:select) for the Oxigraph engine.

A constraint's SELECT runs as written, with its sh:prefixes, once for all focus nodes: the shape's target
pattern (which binds ?this, the same variable as $this) is put first in the query's WHERE group, so $this is
bound before the rest of the group is evaluated, as SHACL's pre-binding has it. `reads` finds the triples a
query reads, as walks from $this along its triple patterns, for incremental validation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, URIRef, Variable
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import traverse
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from graph.shacl.sparql import ANY, UnsupportedShapes
from graph.sparql.tokens import tokenize

THIS = Variable("this")
MAX_ROUTES = 16
"""Most walks from $this to one query variable followed before a constraint counts as reading everywhere."""

_REFUSED = re.compile(
    r"\$(shapesGraph|currentShape)\b|\bGROUP\s+BY\b|\b(COUNT|SUM|AVG|MIN|MAX|SAMPLE|GROUP_CONCAT)\s*\(", re.IGNORECASE
)


@dataclass(frozen=True)
class Read:
    """Triples a check reads besides its focus node's own: around the node at the end of `walk` from the focus."""

    walk: tuple[str, ...]
    outgoing: bool
    predicates: frozenset[str] | None
    """IRIs of the predicates read; None for any predicate."""


def prefixes(shapes: Graph, constraint: Node) -> str:
    """PREFIX declarations of the constraint's sh:prefixes (their sh:declare entries)."""
    lines = []
    for owner in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(owner, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


def split_select(text: str, where: str) -> tuple[str, str]:
    """The query text around the start of its WHERE group (the first `{` outside parentheses), to put a pattern in."""
    if _REFUSED.search(text):
        raise UnsupportedShapes(f"SPARQL constraint {where}: $shapesGraph, $currentShape or aggregates")
    depth = 0
    for token in tokenize(text):
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if token.text == "{" and depth == 0:
            return text[: token.start + 1], text[token.start + 1 :]
    raise UnsupportedShapes(f"SPARQL constraint {where}: no WHERE group found")


def reads(text: str) -> tuple[Read, ...] | None:
    """The reads of a SELECT as walks from $this; None when some triple pattern cannot be reached from $this."""
    try:
        algebra = prepareQuery(text).algebra
    except Exception:  # rdflib cannot parse what Oxigraph may: read everywhere
        return None
    triples: list[tuple[Node, Node, Node]] = []

    def collect(node: object) -> None:
        if isinstance(node, CompValue) and node.name == "BGP":
            triples.extend(node.triples)
        if isinstance(node, CompValue) and node.name == "TriplesBlock":  # inside EXISTS, not yet translated
            for terms in node.triples:
                triples.extend((terms[i], terms[i + 1], terms[i + 2]) for i in range(0, len(terms) - 2, 3))

    traverse(algebra, visitPre=collect)
    if any(not isinstance(term, Node) for triple in triples for term in triple):
        return None  # a path or collection written out: not followed here
    if any(not isinstance(p, URIRef | Variable) for _, p, _ in triples):
        return None  # a property path: its inner nodes are not followed here
    try:
        routes = _routes(triples)
    except _TooManyRoutes:
        return None
    found: set[Read] = set()
    for index, (s, p, o) in enumerate(triples):
        if s not in routes and o not in routes:
            return None
        predicates = frozenset([str(p)]) if isinstance(p, URIRef) else None
        # a walk through this very pattern reads it from its other end, nearer the focus
        for end, outgoing in ((s, True), (o, False)):
            if end != THIS:  # the focus node's own triples are always read
                found |= {Read(walk, outgoing, predicates) for walk, used in routes.get(end, ()) if index not in used}
    return tuple(sorted(found, key=repr))


class _TooManyRoutes(Exception):
    """More than MAX_ROUTES walks reach one node."""


def _routes(triples: list[tuple[Node, Node, Node]]) -> dict[Node, set[tuple[tuple[str, ...], frozenset[int]]]]:
    """Every walk from $this to each node of the triple patterns (with the patterns it uses, each at most once)."""
    routes: dict[Node, set[tuple[tuple[str, ...], frozenset[int]]]] = {}

    def visit(node: Node, walk: tuple[str, ...], used: frozenset[int]) -> None:
        known = routes.setdefault(node, set())
        if len(known) >= MAX_ROUTES:
            raise _TooManyRoutes
        known.add((walk, used))
        for index, (s, p, o) in enumerate(triples):
            forward = f"<{p}>" if isinstance(p, URIRef) else ANY
            if index not in used and s == node:
                visit(o, (*walk, forward), used | {index})
            if index not in used and o == node:
                visit(s, (*walk, f"^({forward})"), used | {index})

    visit(THIS, (), frozenset())
    return routes

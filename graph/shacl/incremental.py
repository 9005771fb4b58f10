"""Incremental SHACL validation: after a change, validate only the focus nodes whose results it can change.

A check (graph/shacl/compile.py) reads its focus node's own triples and, through its `reads`, the triples
around nodes reached by walks from the focus (the classes of its values for sh:class, a value's properties
for sh:node, …). A changed quad (s, p, o, g) changes triples of s (outgoing, predicate p) and of o (incoming,
predicate p); a write's changes include those of the derived graph (graph/shacl/derived.py). So a focus node
needs validating again when it is the subject or object of a changed quad, or when one of the check's walks
leads from it to a node whose triples of the read predicates changed — found by walking back from the
changed nodes in the store after the change (a walk that a change broke has a changed node nearer the
focus, which is found the same way). A change to rdfs:subClassOf moves whole classes: then every check runs
on every focus node, as it does for checks whose reads cannot be bounded, and when a check would get more
than MAX_FOCUS focus nodes or a blank node (SPARQL cannot name one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from graph.shacl.compile import Check, Compiled, compile_shapes
from graph.shacl.report import ValidationReport
from graph.shacl.run import run_queries, sparql_values, validate_store
from graph.shacl.select import Read
from graph.shacl.sparql import Namer, step
from graph.shacl.terms import OxTerm, TermMap

MAX_FOCUS = 5000
"""More focus nodes than this for one check and the check runs on all its focus nodes instead."""

_SUBCLASS = str(RDFS.subClassOf)


@dataclass
class Changes:
    """What changed: nodes with the predicates of their changed triples, as subject and as object."""

    subjects: dict[OxTerm, set[str] | None] = field(default_factory=dict)
    objects: dict[OxTerm, set[str] | None] = field(default_factory=dict)
    hierarchy: bool = False
    """An rdfs:subClassOf triple changed."""

    @classmethod
    def of_quads(cls, quads: Iterable[ox.Quad]) -> Changes:
        """The changes that adding or removing these quads makes."""
        changes = cls()
        for quad in quads:
            predicate = quad.predicate.value
            changes.hierarchy |= predicate == _SUBCLASS
            _note(changes.subjects, quad.subject, predicate)  # type: ignore[arg-type]
            _note(changes.objects, quad.object, predicate)  # type: ignore[arg-type]
        return changes

    @classmethod
    def of_nodes(cls, store: ox.Store, nodes: Iterable[OxTerm]) -> Changes:
        """Changes to any triple of these nodes (when only the nodes are known)."""
        listed = list(nodes)
        changes = cls({n: None for n in listed}, {n: None for n in listed})
        for node in listed:
            if not isinstance(node, ox.Literal):
                changes.hierarchy |= any(True for _ in store.quads_for_pattern(node, ox.NamedNode(_SUBCLASS), None))
                changes.hierarchy |= any(True for _ in store.quads_for_pattern(None, ox.NamedNode(_SUBCLASS), node))
        return changes

    @property
    def empty(self) -> bool:
        """Nothing changed."""
        return not self.subjects and not self.objects


def _note(found: dict[OxTerm, set[str] | None], node: OxTerm, predicate: str) -> None:
    predicates = found.setdefault(node, set())
    if predicates is not None:
        predicates.add(predicate)


def changed_quads(before: bytes, after: bytes) -> list[ox.Quad]:
    """The quads in one N-Quads dump and not the other (dumps of stores whose blank nodes keep their labels)."""
    lines = set(before.splitlines()) ^ set(after.splitlines())
    lines.discard(b"")
    return list(ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_QUADS)) if lines else []


def validate_changes(store: ox.Store, changes: Changes, shapes: Graph) -> ValidationReport:
    """Validate, in the store after the change, every focus node whose results the change can have changed."""
    if changes.empty:
        return validate_store(store, shapes, focus={})
    compiled = compile_shapes(shapes)
    found = affected(store, compiled, changes)
    if found is None:
        return validate_store(store, shapes)
    found = targeted(store, compiled, found)
    focus = {i: sparql_values(sorted(nodes, key=str)) for i, nodes in found.items() if nodes}
    focus |= {i: "" for i, nodes in found.items() if nodes is None}
    return validate_store(store, shapes, focus=focus)


def affected(store: ox.Store, compiled: Compiled, changes: Changes) -> dict[int, set[OxTerm] | None] | None:
    """Check index → the focus nodes to validate again (None: all of them); None for every check on every node."""
    if changes.hierarchy:
        return None
    base = set(changes.subjects) | set(changes.objects)
    walks: dict[tuple[Read, frozenset[OxTerm]], set[OxTerm]] = {}
    needs: dict[int, list[tuple[Read, frozenset[OxTerm]]]] = {}
    for index, check in enumerate(compiled.checks):
        needs[index] = []
        for read in check.reads:
            changed = changes.subjects if read.outgoing else changes.objects
            starts = frozenset(
                node for node, predicates in changed.items()
                if predicates is None or read.predicates is None or predicates & read.predicates
            )
            if starts:
                needs[index].append((read, starts))
                walks[(read, starts)] = set()
    _walk_back(store, walks)
    found: dict[int, set[OxTerm] | None] = {}
    for index, check in enumerate(compiled.checks):
        nodes = base.union(*(walks[need] for need in needs[index]))
        too_many = len(nodes) > MAX_FOCUS or any(isinstance(n, ox.BlankNode) for n in nodes)
        found[index] = None if check.everywhere or too_many else nodes
    return found


def targeted(
    store: ox.Store, compiled: Compiled, found: dict[int, set[OxTerm] | None]
) -> dict[int, set[OxTerm] | None]:
    """`found` without the nodes that are no focus nodes of their check (its target does not reach them)."""
    nodes = sorted(set().union(*(n for n in found.values() if n)), key=str)
    if not nodes:
        return found
    values = sparql_values(nodes).replace("?this", "?n")
    subjects_of = {p for c in compiled.checks for p in c.target.subjects_of}
    objects_of = {p for c in compiled.checks for p in c.target.objects_of}
    texts = [f"SELECT DISTINCT ?n ?k WHERE {{ {values} ?n a ?t . ?t <{RDFS.subClassOf}>* ?k }}"]
    for predicates, pattern in ((subjects_of, "?n ?k ?o"), (objects_of, "?o ?k ?n")):
        listed = " ".join(f"<{p}>" for p in sorted(predicates, key=str)) or "<urn:mgkg:none>"
        texts.append(f"SELECT DISTINCT ?n ?k WHERE {{ {values} VALUES ?k {{ {listed} }} {pattern} }}")
    classes, subjects, objects = (
        {(n, URIRef(k.value)) for n, k in rows if n is not None and isinstance(k, ox.NamedNode)}
        for _, rows in run_queries(store, texts, threads=1)
    )
    terms = TermMap()

    def reached(check: Check, node: OxTerm) -> bool:
        target = check.target
        return (
            terms.to_rdflib(node) in target.nodes
            or any((node, k) in classes for k in target.classes)
            or any((node, k) in subjects for k in target.subjects_of)
            or any((node, k) in objects for k in target.objects_of)
        )

    return {
        index: nodes if nodes is None else {n for n in nodes if reached(compiled.checks[index], n)}
        for index, nodes in found.items()
    }


def _walk_back(store: ox.Store, walks: dict[tuple[Read, frozenset[OxTerm]], set[OxTerm]]) -> None:
    """Fill each walk with the focus nodes from which it reaches one of its start nodes."""
    keys = [key for key in walks if not any(isinstance(n, ox.BlankNode) for n in key[1])]
    texts = []
    for read, starts in keys:
        namer = Namer()
        names = ["?this", *(namer() for _ in read.walk[1:]), "?x"]
        pattern = " ".join(step(names[i], text, names[i + 1]) for i, text in enumerate(read.walk))
        values = " ".join(str(n) for n in sorted(starts, key=str))
        texts.append(f"SELECT DISTINCT ?this WHERE {{ VALUES ?x {{ {values} }} {pattern} }}")
    for (key, (_, rows)) in zip(keys, run_queries(store, texts, threads=1), strict=True):
        walks[key] = {row[0] for row in rows if row[0] is not None}
    for key in walks.keys() - set(keys):  # a blank start node cannot be named: every focus node of the check
        walks[key] = {ox.BlankNode()}

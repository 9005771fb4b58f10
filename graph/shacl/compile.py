"""Compile a SHACL shapes graph into SPARQL SELECT queries that Oxigraph runs: one per (shape, constraint).

Supported (SHACL Core, what mgkg's shapes use and a few more): targets sh:targetClass (with
rdfs:subClassOf* in the data), implicit class targets, sh:targetNode, sh:targetSubjectsOf,
sh:targetObjectsOf; property paths (predicate, sequence, inverse, alternative, zero-or-more, one-or-more,
zero-or-one); sh:class, sh:datatype, sh:nodeKind, sh:minCount, sh:maxCount, sh:minInclusive,
sh:maxInclusive, sh:minExclusive, sh:maxExclusive, sh:minLength, sh:maxLength, sh:pattern (+ sh:flags i, m),
sh:languageIn, sh:uniqueLang, sh:in, sh:hasValue, sh:node, sh:not, sh:and, sh:or, sh:xone, sh:property,
sh:qualifiedValueShape with sh:qualifiedMinCount / sh:qualifiedMaxCount; sh:severity, sh:message,
sh:deactivated; SHACL-SPARQL constraints (sh:sparql with sh:select and sh:prefixes, $this and $PATH).
Anything else — sh:closed, sh:equals, sh:disjoint, sh:lessThan(OrEquals), sh:qualifiedValueShapesDisjoint,
custom constraint components, SPARQL-based targets, rules, recursive shapes, SPARQL constraints inside
nested shapes or with aggregates — raises UnsupportedShapes instead of being skipped.

Each check's query can be restricted to given focus nodes (incremental validation looks up each one). For all
focus nodes of a large target, counts and sh:class have a second query (`Check.whole`) that passes once over the
values of the path instead: Oxigraph runs a NOT EXISTS or an EXISTS once per row, and MINUS or a join once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from graph.shacl import select as shacl_select
from graph.shacl.select import Read
from graph.shacl.sparql import (
    UNSUPPORTED,
    Namer,
    Tests,
    UnsupportedShapes,
    closure_free,
    path_steps,
    path_text,
    sparql_term,
    step,
    value_parameters,
)

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_TYPE_READ = frozenset([str(RDF.type)])


@dataclass(frozen=True)
class Target:
    """The focus nodes of a shape: instances of classes (and subclasses), nodes, subjects or objects of predicates."""

    classes: frozenset[Node] = frozenset()
    nodes: frozenset[Node] = frozenset()
    subjects_of: frozenset[Node] = frozenset()
    objects_of: frozenset[Node] = frozenset()

    def __or__(self, other: Target) -> Target:
        """Both targets' focus nodes."""
        return Target(
            self.classes | other.classes, self.nodes | other.nodes, self.subjects_of | other.subjects_of,
            self.objects_of | other.objects_of,
        )

    def pattern(self, namer: Namer) -> tuple[str, str]:
        """A subquery selecting the target's focus nodes once each, split where a VALUES clause may restrict it."""
        # GROUP BY, not DISTINCT: Oxigraph pushes the check's filters through DISTINCT, to be evaluated once per
        # duplicate (a node typed in 800 graphs is 800 rows of the union default graph); not through GROUP BY
        return "{ SELECT ?this WHERE { ", f"{self._union(namer)} }} GROUP BY ?this }}"

    def sample(self, limit: int) -> str:
        """A query for up to `limit` of the target's focus nodes (evaluated lazily: it stops at `limit`)."""
        return f"SELECT DISTINCT ?this WHERE {{{self._union(Namer())} }} LIMIT {limit}"

    def _union(self, namer: Namer) -> str:
        parts = []
        if self.classes:
            c, t = namer(), namer()
            listed = " ".join(sorted(sparql_term(k) for k in self.classes))
            parts.append(f"VALUES {c} {{ {listed} }} {t} <{RDFS.subClassOf}>* {c} . ?this a {t} .")
        parts += [step("?this", sparql_term(p), namer()) for p in sorted(self.subjects_of, key=str)]
        parts += [step(namer(), sparql_term(p), "?this") for p in sorted(self.objects_of, key=str)]
        if self.nodes:
            parts.append(f"VALUES ?this {{ {' '.join(sorted(sparql_term(n) for n in self.nodes))} }}")
        return " " + " UNION ".join(f"{{ {p} }}" for p in parts)


@dataclass(frozen=True)
class Check:
    """One (shape, constraint) as a SPARQL SELECT: rows of ?this (and ?value, ?lang or the constraint's own)."""

    shape: Node
    component: URIRef
    parameter: URIRef | None
    constraint: Node | None
    severity: Node
    path: Node | None
    kind: str
    """'value' (?this ?value), 'self' (value = focus), 'focus' (no value), 'lang' (one per ?lang), 'sparql'."""
    head: str
    middle: str
    tail: str
    """The query is head, focus restriction, middle (the target's subquery up to its own restriction), focus
    restriction again, tail: restricted at the top too, Oxigraph starts from the focus nodes."""
    messages: tuple[Literal, ...]
    extra_messages: tuple[Literal, ...] = ()
    reads: tuple[Read, ...] = ()
    target: Target = Target()
    everywhere: bool = False
    """The check reads triples no walk from its focus reaches: incremental validation runs it whole."""
    whole: str = ""
    """The query for all focus nodes when it is not head + tail (it tests each distinct value once)."""

    def query(self, focus: str = "", whole: bool = True) -> str:
        """The query; `focus` (e.g. 'VALUES ?this { … }') restricts the focus nodes; without `whole`, the query for
        all focus nodes is the one restricted to them, with no restriction (a lookup per focus node)."""
        if not focus and whole and self.whole:
            return self.whole
        return self.head + focus + self.middle + focus + self.tail


@dataclass(frozen=True)
class Compiled:
    """The checks of one shapes graph."""

    shapes: Graph
    checks: tuple[Check, ...]


def compile_shapes(shapes: Graph) -> Compiled:
    """The checks of every active shape that has focus nodes; UnsupportedShapes for what cannot be compiled."""
    return _compile(shapes, len(shapes))


@lru_cache(maxsize=8)
def _compile(shapes: Graph, size: int) -> Compiled:
    """Cached per shapes graph (and its size, so an edited graph is compiled again)."""
    if (None, RDF.type, SH.ConstraintComponent) in shapes:
        raise UnsupportedShapes("custom constraint components (sh:ConstraintComponent)")
    top: dict[Node, Target] = {}
    for shape, target in _targeted(shapes):
        if _deactivated(shapes, shape):
            continue
        top[shape] = top.get(shape, Target()) | target
        if shapes.value(shape, SH.path) is None:
            for prop in shapes.objects(shape, SH.property):
                top[prop] = top.get(prop, Target()) | target
    checks: list[Check] = []
    for shape in sorted(top, key=str):
        if not _deactivated(shapes, shape):
            checks += _ShapeCompiler(shapes, shape, top[shape]).checks()
    return Compiled(shapes, tuple(checks))


def _deactivated(shapes: Graph, shape: Node) -> bool:
    return shapes.value(shape, SH.deactivated) == Literal(True)


def _targeted(shapes: Graph) -> Iterator[tuple[Node, Target]]:
    class_types = {RDFS.Class, OWL.Class, *shapes.transitive_subjects(RDFS.subClassOf, RDFS.Class)}
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    candidates = {s for t in _TARGETS for s in shapes.subjects(t, None)} | shape_nodes
    for shape in sorted(candidates, key=str):
        if (shape, SH.target, None) in shapes:
            raise UnsupportedShapes(f"SPARQL-based target (sh:target) on {shape.n3()}")
        implicit = {shape} if shape in shape_nodes and set(shapes.objects(shape, RDF.type)) & class_types else set()
        target = Target(
            classes=frozenset({*shapes.objects(shape, SH.targetClass), *implicit}),
            nodes=frozenset(shapes.objects(shape, SH.targetNode)),
            subjects_of=frozenset(shapes.objects(shape, SH.targetSubjectsOf)),
            objects_of=frozenset(shapes.objects(shape, SH.targetObjectsOf)),
        )
        if target.classes or target.nodes or target.subjects_of or target.objects_of:
            yield shape, target


class _ShapeCompiler:
    """The checks of one shape that has focus nodes."""

    def __init__(self, shapes: Graph, shape: Node, target: Target) -> None:
        self.g, self.shape, self.target = shapes, shape, target
        self.path = shapes.value(shape, SH.path)
        self.severity = shapes.value(shape, SH.severity) or SH.Violation
        self.messages = tuple(sorted((m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)), key=str))
        for parameter in UNSUPPORTED:
            if (shape, parameter, None) in shapes:
                raise UnsupportedShapes(f"{parameter.n3()} on {shape.n3()}")
        if shapes.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            raise UnsupportedShapes(f"sh:qualifiedValueShapesDisjoint true on {shape.n3()}")
        if self.path is not None and (shape, SH.property, None) in shapes:
            raise UnsupportedShapes(f"sh:property on the property shape {shape.n3()}")

    def checks(self) -> list[Check]:
        """One check per constraint of the shape."""
        found: list[Check] = []
        text = path_text(self.g, self.path) if self.path is not None else None
        steps = path_steps(self.g, self.path) if self.path is not None else []
        everywhere = steps is None
        for parameter, value in value_parameters(self.g, self.shape):
            found.append(self._value_check(parameter, value, text, everywhere))
        if text is not None:
            found += self._counts(text, bool(everywhere))
        for constraint in sorted(self.g.objects(self.shape, SH.sparql), key=str):
            found.append(self._sparql(constraint, text))
        return found

    def _value_check(self, parameter: URIRef, value: Node, text: str | None, everywhere: bool) -> Check:
        """The check of a constraint tested value node by value node (for sh:hasValue: focus node by focus node)."""
        namer = Namer()
        reads = self._value_reads(parameter, value, (text,) if text else ())
        unbounded = everywhere or reads is None
        if parameter == SH.hasValue:
            body = (
                f"FILTER NOT EXISTS {{ {step('?this', text, sparql_term(value))} }}" if text
                else f"FILTER(!sameTerm(?this, {sparql_term(value)}))"
            )
            return self._check(namer, parameter, "focus", "SELECT DISTINCT ?this", body, "", reads, unbounded)
        tests = Tests(self.g, namer)
        test = tests.value_test(self.shape, parameter, value, "?value" if text else "?this")
        if text is None:  # a node shape: the focus node is the value node
            body = f"FILTER(!({test}))"
            return self._check(namer, parameter, "self", "SELECT DISTINCT ?this", body, "", reads, unbounded)
        select = "SELECT DISTINCT ?this ?value"
        body = f"{step('?this', text, '?value')} FILTER(!({test}))"
        check = self._check(namer, parameter, "value", select, body, "", reads, unbounded)
        if "EXISTS" not in test:
            return check
        # a test that reads the graph (sh:class, sh:node, ...) runs once per distinct value, not per focus node:
        # values are shared (a few organisations are the participants of thousands of participations); the
        # instances of a class are removed at once (MINUS joins once; Oxigraph runs an EXISTS per row)
        values = _distinct_values(namer, text, "?value")
        if parameter == SH["class"]:
            bad = f"{{ SELECT ?value WHERE {{ {values} MINUS {{ {tests.instances(value, '?value')} }} }} }}"
        else:
            bad = f"{{ SELECT ?value WHERE {{ {values} FILTER(!({test})) }} }}"
        head, tail = self.target.pattern(namer)
        return replace(check, whole=f"{select} WHERE {{ {bad} {step('?this', text, '?value')} {head}{tail} }}")

    def _check(
        self, namer: Namer, parameter: URIRef, kind: str, select: str, body: str, after: str,
        reads: tuple[Read, ...] | None, everywhere: bool,
    ) -> Check:
        target_head, target_tail = self.target.pattern(namer)
        reads = tuple(sorted({r for r in reads or () if r.walk}, key=repr))
        local = str(parameter).rsplit("#", 1)[-1]
        name = URIRef(f"{SH}{local[:1].upper()}{local[1:]}ConstraintComponent")
        return Check(
            shape=self.shape, component=name, parameter=parameter, constraint=None, severity=self.severity,
            path=self.path, kind=kind, head=f"{select} WHERE {{ ", middle=f" {target_head}",
            tail=f"{target_tail} {body} }} {after}",
            messages=self.messages, reads=reads, everywhere=everywhere, target=self.target,
        )

    def _counts(self, text: str, everywhere: bool) -> list[Check]:
        g, found = self.g, []
        qualified = g.value(self.shape, SH.qualifiedValueShape)
        for parameter, compare, shape in (
            (SH.minCount, "<", None), (SH.maxCount, ">", None),
            (SH.qualifiedMinCount, "<", qualified), (SH.qualifiedMaxCount, ">", qualified),
        ):
            limit = g.value(self.shape, parameter)
            if limit is None:
                continue
            namer = Namer()
            n, v = int(limit), namer()  # type: ignore[call-overload]
            test = f" FILTER({Tests(g, namer).conforms(shape, v)})" if shape is not None else ""
            reads = self._shape_reads(shape, (text,)) if shape is not None else ()
            if compare == "<" and n <= 0:
                continue
            if compare == "<" and n == 1:
                body, after = f"FILTER NOT EXISTS {{ {step('?this', text, v)}{test} }}", ""
            else:
                pattern = f"{step('?this', text, v)}{test}"
                body = f"OPTIONAL {{ {pattern} }}" if compare == "<" else pattern
                after = f"GROUP BY ?this HAVING (COUNT(DISTINCT {v}) {compare} {n})"
            unbounded = everywhere or reads is None
            check = self._check(namer, parameter, "focus", "SELECT ?this", body, after, reads, unbounded)
            if self.path is not None and closure_free(g, self.path) and (compare == ">" or n == 1):
                check = replace(check, whole=self._counted(namer, text, v, test, compare, n))
            found.append(check)
        if g.value(self.shape, SH.uniqueLang) == Literal(True):
            namer = Namer()
            body = Tests(g, namer).same_language("?this", text, "?lang")
            select = "SELECT DISTINCT ?this ?lang"
            found.append(self._check(namer, SH.uniqueLang, "lang", select, body, "", (), everywhere))
        return found

    def _counted(self, namer: Namer, text: str, v: str, test: str, compare: str, n: int) -> str:
        """The query for all focus nodes with no value (compare "<", n 1) or more than n values (">") on the path
        (values passing `test`, a FILTER on `v`, tested once per distinct value).

        Values are removed by MINUS, which joins once where Oxigraph runs a NOT EXISTS per focus node; values are
        counted over the whole graph before the focus nodes are joined (not computed when nothing is over n).
        Only for paths without closures: from an unbound start node, a closure would match every node.
        """
        good = f" {{ SELECT {v} WHERE {{ {_distinct_values(namer, text, v)}{test} }} }}" if test else ""
        valued = f"{step('?this', text, v)}{good}"
        head, tail = self.target.pattern(namer)
        if compare == "<":
            return f"SELECT ?this WHERE {{ {head}{tail} MINUS {{ {valued} }} }}"
        over = f"{{ SELECT ?this WHERE {{ {valued} }} GROUP BY ?this HAVING (COUNT(DISTINCT {v}) > {n}) }}"
        return f"SELECT ?this WHERE {{ {over} {head}{tail} }}"

    def _sparql(self, constraint: Node, text: str | None) -> Check:
        g = self.g
        select = g.value(constraint, SH.select)
        if select is None or g.value(constraint, SH.deactivated) == Literal(True):
            raise UnsupportedShapes(f"SPARQL constraint {constraint.n3()} without sh:select, or deactivated")
        query = shacl_select.prefixes(g, constraint) + str(select).replace("$PATH", text or "$PATH")
        before, after = shacl_select.split_select(query, constraint.n3())
        reads = shacl_select.reads(query)
        namer = Namer()
        target_head, target_tail = self.target.pattern(namer)
        extra = tuple(sorted((m for m in g.objects(constraint, SH.message) if isinstance(m, Literal)), key=str))
        return Check(
            shape=self.shape, component=SH.SPARQLConstraintComponent, parameter=SH.sparql, constraint=constraint,
            severity=self.severity, path=self.path, kind="sparql", head=f"{before} ", middle=f" {target_head}",
            tail=f"{target_tail} {after}", messages=self.messages, extra_messages=extra,
            reads=tuple(sorted(reads or (), key=repr)), everywhere=reads is None,
            target=self.target,
        )

    def _value_reads(self, parameter: URIRef, value: Node, walk: tuple[str, ...]) -> tuple[Read, ...] | None:
        """What testing a value node at `walk` reads (None: cannot tell)."""
        try:
            return tuple(self._reads_of_value(parameter, value, walk, ()))
        except _Unbounded:
            return None

    def _shape_reads(self, shape: Node, walk: tuple[str, ...]) -> tuple[Read, ...] | None:
        """What checking the conformance of the node at `walk` to `shape` reads (None: cannot tell)."""
        try:
            return tuple(self._reads_of_shape(shape, walk, ()))
        except _Unbounded:
            return None

    def _reads_of_value(
        self, parameter: URIRef, value: Node, walk: tuple[str, ...], seen: tuple[Node, ...]
    ) -> Iterator[Read]:
        if parameter == SH["class"] and walk:
            yield Read(walk, True, _TYPE_READ)
        if parameter in (SH.node, SH["not"]):
            yield from self._reads_of_shape(value, walk, seen)
        if parameter in (SH["and"], SH["or"], SH.xone):
            for member in self.g.items(value):
                yield from self._reads_of_shape(member, walk, seen)

    def _reads_of_shape(self, shape: Node, walk: tuple[str, ...], seen: tuple[Node, ...]) -> Iterator[Read]:
        g = self.g
        if shape in seen:
            raise UnsupportedShapes(f"recursive shapes through {shape.n3()}")
        seen = (*seen, shape)
        path, inner = g.value(shape, SH.path), walk
        if path is not None:
            steps, text = path_steps(g, path), path_text(g, path)
            if steps is None:
                raise _Unbounded
            for outgoing in (True, False):
                predicates = frozenset(str(p) for forward, p in steps if forward == outgoing)
                if predicates and walk:
                    yield Read(walk, outgoing, predicates)
            inner = (*walk, text)
            qualified = g.value(shape, SH.qualifiedValueShape)
            if qualified is not None:
                yield from self._reads_of_shape(qualified, inner, seen)
        for prop in g.objects(shape, SH.property) if path is None else ():
            yield from self._reads_of_shape(prop, walk, seen)
        for parameter, value in value_parameters(g, shape):
            yield from self._reads_of_value(parameter, value, inner, seen)


def _distinct_values(namer: Namer, text: str, v: str) -> str:
    """A subquery binding `v` to each distinct value of the path `text` from any node."""
    return f"{{ SELECT {v} WHERE {{ {step(namer(), text, v)} }} GROUP BY {v} }}"


class _Unbounded(Exception):
    """A nested path (sequence or closure) whose inner nodes are not followed: the check reads everywhere."""

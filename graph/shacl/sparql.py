"""SPARQL fragments for SHACL shapes compiled to queries: terms, paths, value tests.

`Tests` turns a constraint parameter into a SPARQL expression that is true when a value node satisfies it
(`value_test`), and a whole shape into one that is true when a node conforms to it (`conforms`) — what
sh:node, sh:or, sh:and, sh:xone, sh:not and sh:qualifiedValueShape need of the shapes they name. The tests
follow pySHACL's reading of SHACL Core where the specification leaves room (sh:languageIn matches the whole
tag or its first subtag, case-insensitively; sh:datatype checks the lexical form for the XSD types rdflib
parses: numbers, booleans, dates and times).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from graph.core.errors import MgkgError

ANY = "!<urn:mgkg:no-such-predicate>"
"""A SPARQL path step over any predicate."""

MAX_NESTED_COUNT = 4
"""Largest count a nested shape may require (sh:minCount etc. inside sh:node, sh:or, ...): one variable each."""

VALUE_PARAMETERS = (
    SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.languageIn, SH["in"], SH.hasValue,
    SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.minLength, SH.maxLength,
    SH.node, SH["not"], SH["and"], SH["or"], SH.xone,
)
"""Parameters tested value node by value node (sh:hasValue is a node test only on node shapes)."""

UNSUPPORTED = (
    SH.closed, SH.ignoredProperties, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals,
    SH.target, SH.rule, SH.expression, SH.js, SH.jsFunctionName, SH.ask, SH.construct,
)
"""Parameters the Oxigraph engine refuses (UnsupportedShapes): validate_graph then uses pySHACL."""

_WELL_FORMED = {
    **dict.fromkeys((XSD.integer, XSD.decimal, XSD.float, XSD.double), "isNumeric({v})"),
    **{t: f"isLiteral(<{t}>({{v}}))" for t in (XSD.boolean, XSD.date, XSD.dateTime, XSD.time)},
}
_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})", SH.BlankNodeOrLiteral: "!isIRI({v})", SH.IRIOrLiteral: "!isBlank({v})",
}
_COMPARE = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}


class UnsupportedShapes(MgkgError, ValueError):
    """The shapes use something the Oxigraph engine does not compile; the message says what and where."""


def sparql_term(node: Node) -> str:
    """An IRI or literal of the shapes graph written for a query (blank nodes cannot be)."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise UnsupportedShapes(f"a blank node ({node.n3()}) where a query needs an IRI or a literal")


def sparql_string(text: str) -> str:
    """`text` as a SPARQL string literal."""
    return Literal(text).n3()


def items(shapes: Graph, node: Node) -> list[Node]:
    """The members of the RDF list `node` in the shapes graph."""
    return list(Collection(shapes, node))


def path_text(shapes: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(path_text(shapes, p) for p in items(shapes, path)) + ")"
    for predicate, pattern in (
        (SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"), (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return pattern.format(path_text(shapes, inner))
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(shapes, p) for p in items(shapes, alternatives)) + ")"
    raise UnsupportedShapes(f"not a SHACL property path: {path.n3()}")


def closure_free(shapes: Graph, path: Node) -> bool:
    """Whether a SHACL property path has no closure (zero-or-more, one-or-more, zero-or-one) anywhere in it.

    Such a path read from an unbound start node matches only stored triples (a closure matches every node).
    """
    if isinstance(path, URIRef):
        return True
    if (path, RDF.first, None) in shapes:
        return all(closure_free(shapes, p) for p in items(shapes, path))
    if any((path, p, None) in shapes for p in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)):
        return False
    inverse, alternatives = shapes.value(path, SH.inversePath), shapes.value(path, SH.alternativePath)
    if inverse is not None:
        return closure_free(shapes, inverse)
    return alternatives is not None and all(closure_free(shapes, p) for p in items(shapes, alternatives))


def path_steps(shapes: Graph, path: Node) -> list[tuple[bool, URIRef]] | None:
    """(forward?, predicate) of each triple the path reads from its start node; None for sequences and closures."""
    if isinstance(path, URIRef):
        return [(True, path)]
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        inner = path_steps(shapes, inverse)
        return None if inner is None else [(not forward, p) for forward, p in inner]
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        found: list[tuple[bool, URIRef]] = []
        for member in items(shapes, alternatives):
            inner = path_steps(shapes, member)
            if inner is None:
                return None
            found += inner
        return found
    return None


class Namer:
    """Fresh variable names (?_1, ?_2, …) for one query."""

    def __init__(self) -> None:
        """Start counting at 1."""
        self._count = itertools.count(1)

    def __call__(self) -> str:
        """The next unused variable."""
        return f"?_{next(self._count)}"


def step(subject: str, path: str, obj: str) -> str:
    """The triple pattern `subject path obj`."""
    return f"{subject} {path} {obj} ."


class Tests:
    """SPARQL expressions for value tests and shape conformance over one shapes graph."""

    def __init__(self, shapes: Graph, namer: Namer) -> None:
        """Tests over `shapes`, naming variables with `namer`."""
        self.shapes = shapes
        self.namer = namer
        self._open: list[Node] = []

    def value_test(self, shape: Node, parameter: URIRef, value: Node, v: str) -> str:
        """True when the value node `v` satisfies `parameter` (with `value`) of `shape`."""
        g = self.shapes
        if parameter == SH["class"]:
            return f"EXISTS {{ {self.instances(value, v)} }}"
        if parameter == SH.datatype:
            if value == RDFS.Literal:
                return f"isLiteral({v})"
            # datatype() of an IRI or blank node is an error, false by COALESCE: no isLiteral() first (Oxigraph
            # decodes a stored string for each mention of the variable: a second mention doubles the cost)
            test = f"datatype({v}) = {sparql_term(value)}"
            extra = _WELL_FORMED.get(value)  # type: ignore[call-overload]
            return f"COALESCE({test}{' && ' + extra.format(v=v) if extra else ''}, false)"
        if parameter == SH.nodeKind:
            if value not in _KINDS:
                raise UnsupportedShapes(f"sh:nodeKind {value.n3()} on {shape.n3()}")
            return _KINDS[value].format(v=v)  # type: ignore[index]
        if parameter == SH.pattern:
            flags = "".join(f for f in str(g.value(shape, SH.flags) or "").lower() if f in "im")
            regex = f"{sparql_string(str(value))}, \"{flags}\""
            _check_regex(regex, shape)
            return f"COALESCE(!isBlank({v}) && REGEX(STR({v}), {regex}), false)"
        if parameter == SH.languageIn:
            return self._language_in(value, v)
        if parameter == SH["in"]:
            return "(" + " || ".join([f"sameTerm({v}, {sparql_term(m)})" for m in items(g, value)] or ["false"]) + ")"
        if parameter == SH.hasValue:
            return f"sameTerm({v}, {sparql_term(value)})"
        if parameter in _COMPARE:
            return f"COALESCE({v} {_COMPARE[parameter]} {sparql_term(value)}, false)"
        if parameter in (SH.minLength, SH.maxLength):
            sign = ">=" if parameter == SH.minLength else "<="
            return f"COALESCE(!isBlank({v}) && STRLEN(STR({v})) {sign} {int(value)}, false)"  # type: ignore[call-overload]
        if parameter == SH.node:
            return self.conforms(value, v)
        if parameter == SH["not"]:
            return f"!({self.conforms(value, v)})"
        members = [self.conforms(m, v) for m in items(g, value)]
        if parameter == SH["and"]:
            return " && ".join(f"({m})" for m in members) or "true"
        if parameter == SH["or"]:
            return " || ".join(f"({m})" for m in members) or "false"
        if parameter == SH.xone:
            return "(" + " + ".join([f"IF({m}, 1, 0)" for m in members] or ["0"]) + ") = 1"
        raise UnsupportedShapes(f"{parameter.n3()} on {shape.n3()}")

    def instances(self, klass: Node, v: str) -> str:
        """A pattern matching `v` when it is an instance of `klass` or of a subclass (what sh:class tests)."""
        t = self.namer()  # the subclasses first: a node may be typed in hundreds of graphs
        return f"{t} <{RDFS.subClassOf}>* {sparql_term(klass)} . {v} a {t} ."

    def _language_in(self, value: Node, v: str) -> str:
        wanted = {str(m).lower() for m in items(self.shapes, value)}
        if "*" in wanted:
            return f'COALESCE(lang({v}) != "", false)'
        listed = ", ".join(sparql_string(w) for w in sorted(wanted)) or '""'
        first = f'LCASE(STRBEFORE(CONCAT(lang({v}), "-"), "-"))'
        return f'COALESCE(lang({v}) != "" && (LCASE(lang({v})) IN ({listed}) || {first} IN ({listed})), false)'

    def conforms(self, shape: Node, v: str) -> str:
        """True when the node `v` conforms to `shape` (any result of any severity means it does not)."""
        g = self.shapes
        if shape in self._open:
            raise UnsupportedShapes(f"recursive shapes through {shape.n3()}")
        if g.value(shape, SH.deactivated) == Literal(True):
            return "true"
        for parameter in (*UNSUPPORTED, SH.sparql):
            if (shape, parameter, None) in g:
                raise UnsupportedShapes(f"{parameter.n3()} on {shape.n3()}, a shape used inside another shape")
        self._open.append(shape)
        try:
            path = g.value(shape, SH.path)
            parts = list(self._property_parts(shape, path, v)) if path is not None else [
                self.value_test(shape, parameter, value, v)
                for parameter, value in value_parameters(g, shape)
            ]
            parts += [self.conforms(p, v) for p in g.objects(shape, SH.property)] if path is None else []
        finally:
            self._open.pop()
        return " && ".join(f"({p})" for p in parts) or "true"

    def _property_parts(self, shape: Node, path: Node, x: str) -> Iterator[str]:
        g, text = self.shapes, path_text(self.shapes, path)
        if (shape, SH.property, None) in g:
            raise UnsupportedShapes(f"sh:property on the property shape {shape.n3()}")
        w = self.namer()
        tests = [self.value_test(shape, p, value, w) for p, value in value_parameters(g, shape) if p != SH.hasValue]
        if tests:
            yield f"NOT EXISTS {{ {step(x, text, w)} FILTER(!({' && '.join(tests)})) }}"
        for value in g.objects(shape, SH.hasValue):
            yield f"EXISTS {{ {step(x, text, sparql_term(value))} }}"
        counts = (
            (SH.minCount, SH.maxCount, None),
            (SH.qualifiedMinCount, SH.qualifiedMaxCount, g.value(shape, SH.qualifiedValueShape)),
        )
        for low, high, qualified in counts:
            for bound, parameter in ((0, low), (1, high)):
                limit = g.value(shape, parameter)
                if limit is not None:
                    test = self.at_least(x, text, int(limit) + bound, qualified)  # type: ignore[call-overload]
                    yield f"!({test})" if bound else test
        if g.value(shape, SH.uniqueLang) == Literal(True):
            yield f"NOT EXISTS {{ {self.same_language(x, text)} }}"

    def at_least(self, x: str, path: str, n: int, qualified: Node | None) -> str:
        """True when `x` has at least n distinct values on `path` (conforming to `qualified` if given)."""
        if n <= 0:
            return "true"
        if n > MAX_NESTED_COUNT:
            raise UnsupportedShapes(f"a count of {n} inside a nested shape (at most {MAX_NESTED_COUNT})")
        names = [self.namer() for _ in range(n)]
        tests = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2)]
        tests += [self.conforms(qualified, w) for w in names] if qualified is not None else []
        patterns = " ".join(step(x, path, w) for w in names)
        return f"EXISTS {{ {patterns} FILTER({' && '.join(f'({t})' for t in tests) or 'true'}) }}"

    def same_language(self, x: str, path: str, lang: str | None = None) -> str:
        """A pattern matching two values of `x` on `path` with the same language tag (bound to `lang`)."""
        a, b = self.namer(), self.namer()
        pattern = (
            f"{step(x, path, a)} {step(x, path, b)} "
            f'FILTER(isLiteral({a}) && lang({a}) != "" && !sameTerm({a}, {b}) && LCASE(lang({a})) = LCASE(lang({b})))'
        )
        return pattern + (f" BIND(LCASE(lang({a})) AS {lang})" if lang else "")


def _check_regex(regex: str, shape: Node) -> None:
    """UnsupportedShapes unless Oxigraph reads the pattern (its regex dialect has no look-around or back-references)."""
    solutions = ox.Store().query(f'SELECT ?x WHERE {{ BIND(REGEX("", {regex}) AS ?x) }}')
    if next(iter(solutions))[0] is None:  # type: ignore[arg-type]
        raise UnsupportedShapes(f"sh:pattern {regex} on {shape.n3()}: not a regular expression Oxigraph reads")


def value_parameters(shapes: Graph, shape: Node) -> list[tuple[URIRef, Node]]:
    """(parameter, value) of each value-node constraint of `shape`, in a fixed order."""
    return [(p, value) for p in VALUE_PARAMETERS for value in sorted(shapes.objects(shape, p), key=str)]

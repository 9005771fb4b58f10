"""Validate a pyoxigraph Store with SHACL shapes compiled to SPARQL (graph/shacl/compile.py).

The report is the one pySHACL gives (graph/shacl/report.py): the same results (focus node, path, value,
severity, source shape, constraint component, SPARQL constraint), the same messages — sh:message of the
shape or SPARQL constraint ({?var} filled in), else pySHACL's own generic message — the same order, and a
report graph. Queries run on the union of the store's graphs; independent queries run on THREADS threads
(Oxigraph evaluates without holding Python's GIL). A full validation skips the checks of targets without focus
nodes and picks, by the size of each target, its lookup per focus node or its pass over the graph.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from graph.core.text import first_line
from graph.shacl.compile import Check, compile_shapes
from graph.shacl.report import SEVERITY, ReportWriter, ValidationReport, ValidationResult, choose_message, make_report
from graph.shacl.sparql import UnsupportedShapes
from graph.shacl.terms import OxTerm, TermMap
from graph.sparql.nesting import DEFAULT_MAX_DEPTH, measure
from graph.store.base import StoreError

THREADS = 2
"""Queries evaluated at the same time (the machine mgkg is measured on has 2 cores)."""

SMALL_TARGET = 1000
"""Focus nodes up to which a full validation runs a check as a lookup per focus node (see full_queries)."""

_XSD_STRING = XSD.string
Rows = tuple[list[str], list[tuple[OxTerm | None, ...]]]


def sparql_values(nodes: Iterable[OxTerm]) -> str:
    """A VALUES clause binding ?this to `nodes` (to restrict a check to these focus nodes)."""
    return "VALUES ?this { " + " ".join(str(n) for n in nodes) + " }"


def validate_store(
    store: ox.Store,
    shapes: Graph,
    focus: Mapping[int, str] | None = None,
    terms: TermMap | None = None,
    original: Callable[[Node, Node], Iterable[Node]] | None = None,
    data_prefixes: Iterable[tuple[str, str]] = (),
) -> ValidationReport:
    """Validate the store (the union of its graphs): every check, or check i only on `focus[i]` (a VALUES clause).

    `terms` maps the store's blank nodes back to rdflib's; `original` (the objects of a subject and predicate in
    the rdflib data the store was loaded from) gives literal values back in their original lexical form
    (Oxigraph keeps canonical ones: "1.5" for "1.50"^^xsd:decimal).
    """
    checks = compile_shapes(shapes).checks
    if focus is None:
        jobs = [(check, text) for check, text in zip(checks, full_queries(store, checks), strict=True) if text]
    else:
        jobs = [(check, check.query(focus[index])) for index, check in enumerate(checks) if index in focus]
    for _, text in jobs:  # shapes nested through named nodes compile to SPARQL no lexical check of theirs saw
        refusal = measure(text).refusal(DEFAULT_MAX_DEPTH, "a compiled SHACL check")
        if refusal is not None:
            raise UnsupportedShapes(refusal)
    rows = run_queries(store, [text for _, text in jobs], threads=THREADS if focus is None else 1)
    builder = _Builder(shapes, terms or TermMap(), original, store)
    for (check, _), (names, solutions) in zip(jobs, rows, strict=True):
        builder.add(check, names, solutions)
    return builder.report(data_prefixes)


def full_queries(store: ox.Store, checks: Sequence[Check]) -> list[str | None]:
    """The query of each check for all its focus nodes: None when its target has none (the check finds nothing),
    the query restricted to focus nodes when it has fewer than SMALL_TARGET (a lookup for each), else the query
    over the whole graph (graph/shacl/compile.py `Check.whole`: a pass over every value of the path)."""
    targets = list(dict.fromkeys(check.target for check in checks))
    found = run_queries(store, [target.sample(SMALL_TARGET) for target in targets])
    sizes = {target: len(rows) for target, (_, rows) in zip(targets, found, strict=True)}
    return [
        check.query(whole=sizes[check.target] >= SMALL_TARGET) if sizes[check.target] else None for check in checks
    ]


def run_queries(store: ox.Store, texts: Sequence[str], threads: int = THREADS) -> list[Rows]:
    """The solutions of each query (variable names, rows), run on the union default graph, `threads` at a time.

    A query the store fails (an OSError or RuntimeError of Oxigraph's: a read error) is a StoreError with one
    line; the queries not started yet are not run. Refused queries (SyntaxError, ValueError) raise as they are.
    """

    def run(text: str) -> Rows:
        try:
            solutions = store.query(text, use_default_graph_as_union=True)
            assert isinstance(solutions, ox.QuerySolutions)
            names = [v.value for v in solutions.variables]
            return names, [tuple(s[i] for i in range(len(names))) for s in solutions]
        except (OSError, RuntimeError) as error:
            raise StoreError(f"a validation query failed: {first_line(error)}") from error

    if threads <= 1 or len(texts) <= 1:
        return [run(text) for text in texts]
    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(run, text) for text in texts]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


class _Builder:
    """Results and report graph, as pySHACL writes them."""

    def __init__(
        self, shapes: Graph, terms: TermMap, original: Callable[[Node, Node], Iterable[Node]] | None, store: ox.Store
    ) -> None:
        self.shapes, self.terms, self.original = shapes, terms, original
        self.writer = ReportWriter(shapes)
        self.pending: list[tuple[ValidationResult, Node, list[Literal]]] = []
        self.generic = _GenericMessages(shapes, lambda node: _describe(store, terms, node))

    def add(self, check: Check, names: list[str], solutions: list[tuple[OxTerm | None, ...]]) -> None:
        node = self.terms.to_rdflib
        if check.kind == "sparql":
            self._add_sparql(check, names, solutions)
            return
        for row in solutions:
            focus = node(row[0])  # type: ignore[arg-type]
            value: Node | None = None
            if check.kind == "value":
                value = self._restore(focus, check.path, node(row[1]))  # type: ignore[arg-type]
            elif check.kind == "self":
                value = focus
            messages = list(check.messages) or self.generic.messages(check, focus, value)
            self._result(check, focus, check.path, value, messages)

    def _add_sparql(self, check: Check, names: list[str], solutions: list[tuple[OxTerm | None, ...]]) -> None:
        node, seen = self.terms.to_rdflib, set()
        for row in solutions:
            bound = {name: node(term) for name, term in zip(names, row, strict=True) if term is not None}
            focus, path, value = bound.pop("this"), bound.pop("path", None), bound.pop("value", None)
            key = (focus, path, value, frozenset(bound.items()))
            if key in seen:
                continue
            seen.add(key)
            if value is None and check.path is None:
                value = focus
            filled = {**bound, "this": focus, **({"path": path} if path is not None else {})}
            filled |= {"value": value} if value is not None else {}
            texts = [m for m in check.extra_messages if m not in check.messages] + list(check.messages)
            messages = [_fill(m, filled) for m in texts] or self.generic.messages(check, focus, value)
            self._result(check, focus, path if path is not None else check.path, value, messages)

    def _result(
        self, check: Check, focus: Node, path: Node | None, value: Node | None, messages: list[Literal]
    ) -> None:
        result = ValidationResult(
            focus_node=focus, path=path, value=value,
            severity=SEVERITY.get(check.severity, str(check.severity)),  # type: ignore[call-overload]
            message=choose_message(messages, check.component), shape=check.shape, component=check.component,
            constraint=check.constraint,
        )
        self.pending.append((result, check.severity, messages))

    def _restore(self, focus: Node, path: Node | None, value: Node) -> Node:
        """The literal as the original rdflib graph writes it (e.g. "1.50", not Oxigraph's canonical "1.5")."""
        if self.original is None or not isinstance(value, Literal) or not isinstance(path, URIRef):
            return value
        for candidate in self.original(focus, path):
            if isinstance(candidate, Literal) and _same_literal(candidate, value):
                return candidate
        return value

    def report(self, data_prefixes: Iterable[tuple[str, str]]) -> ValidationReport:
        """The report: sorted results, sh:conforms (true only without any result), the report graph."""
        results = [self.writer.add(r, severity, messages) for r, severity, messages in self.pending]
        return make_report(results, self.writer.graph, data_prefixes, complete=self.writer.complete)


def _same_literal(original: Literal, canonical: Literal) -> bool:
    """Whether two literals are one value written two ways (a plain literal and xsd:string are one datatype)."""
    if (original.language or "").lower() != (canonical.language or "").lower():
        return False
    if (original.datatype or _XSD_STRING) != (canonical.datatype or _XSD_STRING):
        return False
    if str(original) == str(canonical):
        return True
    return original.value is not None and original.value == canonical.value


def _fill(message: Literal, bound: Mapping[str, Node]) -> Literal:
    """pySHACL's filling of {?var} / {$var} in a SPARQL constraint's message."""
    text = str(message.value) if message.value is not None else str(message)
    for name, value in bound.items():
        text = re.sub(f"{{[?$]{name}}}", str(value), text)
    return Literal(text)


@lru_cache(maxsize=8)
def _pyshacl_shapes(shapes: Graph) -> Any:
    """pySHACL's view of a copy of a shapes graph (built once: it reads every shape, and adds triples)."""
    from pyshacl.shapes_graph import ShapesGraph

    copy = Graph()  # with the same prefixes: they word pySHACL's messages
    for prefix, namespace in shapes.namespaces():
        copy.bind(prefix, namespace, override=True, replace=True)
    copy += shapes
    graph = ShapesGraph(copy)
    _ = graph.shapes  # builds the shape cache that lookup_shape_from_node reads
    return graph


def _describe(store: ox.Store, terms: TermMap, node: Node) -> Iterator[tuple[Node, Node, Node]]:
    """The triples about a blank node and the blank nodes it leads to (pySHACL words a blank node by them)."""
    todo, seen = [node], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for quad in store.quads_for_pattern(terms.to_ox(current), None, None):  # type: ignore[arg-type]
            triple = (current, terms.to_rdflib(quad.predicate), terms.to_rdflib(quad.object))  # type: ignore[arg-type]
            todo += [triple[2]] if isinstance(triple[2], BNode) else []
            yield triple


class _GenericMessages:
    """pySHACL's own message for a constraint whose shape has no sh:message (its constraint classes make them)."""

    def __init__(self, shapes: Graph, describe: Callable[[Node], Iterable[tuple[Node, Node, Node]]]) -> None:
        self.shapes, self.describe = shapes, describe
        self.data = Graph()  # pySHACL words nodes with its data graph: default prefixes, blank nodes' triples
        self._makers: dict[tuple[Node, Node | None], Callable[..., Any] | None] = {}

    def messages(self, check: Check, focus: Node, value: Node | None) -> list[Literal]:
        maker = self._maker(check)
        if maker is None:
            return []
        for node in (focus, value):
            if isinstance(node, BNode) and (node, None, None) not in self.data:
                for triple in self.describe(node):
                    self.data.add(triple)
        try:
            return list(maker(self.data, focus, value))
        except Exception:  # a message is not worth failing a validation
            return []

    def _maker(self, check: Check) -> Callable[..., Any] | None:
        key = (check.shape, check.parameter)
        if key not in self._makers:
            self._makers[key] = None
            try:
                from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP

                shape = _pyshacl_shapes(self.shapes).lookup_shape_from_node(check.shape)
                parameter = check.parameter
                if parameter in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
                    parameter = SH.qualifiedValueShape
                self._makers[key] = CONSTRAINT_PARAMETERS_MAP[parameter](shape).make_generic_messages
            except Exception:
                pass
        return self._makers[key]

"""The SHACL validation report both engines return (graph.shacl.validate): results, text, JSON, the report graph."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD, NamespaceManager
from rdflib.term import Node

from graph.core.namespaces import prefixes

SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
"""sh:resultSeverity → the severity name of a ValidationResult."""
_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult of the report."""

    focus_node: Node
    path: Node | None
    value: Node | None
    severity: str
    message: str
    shape: Node | None
    component: Node | None = None
    constraint: Node | None = None


class ValidationReport:
    """Outcome of a validation: its results and the report graph.

    `conforms` is SHACL's sh:conforms: true only when there is no result at all, whatever its severity.
    `no_violations` is mgkg's rule for accepting data (builds, `mgkg validate`'s exit code, the write gate):
    warnings and infos are reported, only violations refuse.

    The report graph may be written on first use (`complete`, given the graph): the text and JSON forms read
    only its prefixes and the result paths (already in it), so a text report of many results builds no graph.
    """

    def __init__(
        self, results: list[ValidationResult], graph: Graph, complete: Callable[[Graph], None] | None = None
    ) -> None:
        """The report of `results`; `graph` holds the report graph, or its prefixes and paths until `complete`."""
        self.results = results
        self._graph, self._complete = graph, complete

    @property
    def graph(self) -> Graph:
        """The report graph (sh:ValidationReport, a sh:ValidationResult per result), written on first use."""
        complete, self._complete = self._complete, None
        if complete is not None:
            complete(self._graph)
        return self._graph

    @property
    def conforms(self) -> bool:
        """SHACL's sh:conforms: no result of any severity."""
        return not self.results

    @property
    def no_violations(self) -> bool:
        """No result of severity Violation (mgkg accepts the data)."""
        return not self.violations

    @property
    def violations(self) -> list[ValidationResult]:
        """Results of severity Violation."""
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        """Results of severity Warning."""
        return [r for r in self.results if r.severity == "Warning"]

    @property
    def infos(self) -> list[ValidationResult]:
        """Results of severity Info."""
        return [r for r in self.results if r.severity == "Info"]

    def text(self) -> str:
        """Readable report: a summary line, then one sorted line per result."""
        nsm = _namespace_manager(self._graph)
        lines = [self.summary()]
        rows = sorted(
            (
                _ORDER.get(r.severity, 3),
                term_text(r.focus_node, nsm),
                path_text(self._graph, r.path, nsm),
                r.message,
                r.severity,
            )
            for r in self.results
        )
        lines += [f"{sev:<9}  {focus}  {path}  {msg}" for _, focus, path, msg, sev in rows]
        return "\n".join(lines) + "\n"

    def summary(self) -> str:
        """One line: sh:conforms, the counts, and whether there is no violation (what mgkg accepts)."""
        counts = f"{len(self.violations)} violations, {len(self.warnings)} warnings, {len(self.infos)} info"
        verdict = " — no violations" if self.results and self.no_violations else ""
        return f"conforms: {'true' if self.conforms else 'false'} ({counts}){verdict}"

    def serialize(self, fmt: str = "turtle") -> str:
        """Report as text, json ({"conforms", "results"}) or any rdflib format of the report graph."""
        if fmt == "text":
            return self.text()
        if fmt == "json":
            nsm = _namespace_manager(self._graph)
            payload: dict[str, Any] = {
                "conforms": self.conforms,
                "no_violations": self.no_violations,
                "results": [self._json_result(r, nsm) for r in self.results],
            }
            return json.dumps(payload, indent=2, ensure_ascii=False)
        return self.graph.serialize(format=fmt)

    def _json_result(self, r: ValidationResult, nsm: NamespaceManager) -> dict[str, str | None]:
        return {
            "severity": r.severity,
            "focus_node": _plain(r.focus_node),
            "path": path_text(self._graph, r.path, nsm) if r.path is not None else None,
            "value": _plain(r.value),
            "message": r.message,
            "shape": _plain(r.shape),
            "component": _plain(r.component),
        }


def make_report(
    results: Iterable[ValidationResult], graph: Graph, data_prefixes: Iterable[tuple[str, str]] = (),
    complete: Callable[[Graph], None] | None = None,
) -> ValidationReport:
    """The report of `results` (sorted as both engines sort them) over `graph`, the data's prefixes bound;
    `complete` writes the rest of the graph when it is first asked for."""
    for prefix, iri in _known(data_prefixes).items():
        graph.bind(prefix, iri, override=False)
    ordered = sorted(results, key=lambda r: (_ORDER.get(r.severity, 3), str(r.focus_node), str(r.path), r.message))

    def conformance(report_graph: Graph) -> None:
        if complete is not None:
            complete(report_graph)
        for node in report_graph.subjects(RDF.type, SH.ValidationReport):
            report_graph.set((node, SH.conforms, Literal(not ordered)))

    if complete is None:
        conformance(graph)
        return ValidationReport(results=ordered, graph=graph)
    return ValidationReport(results=ordered, graph=graph, complete=conformance)


def results_of(report: Graph) -> Iterable[ValidationResult]:
    """The top-level results of a sh:ValidationReport graph (pyshacl's)."""
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        for node in report.objects(report_node, SH.result):
            severity_node = report.value(node, SH.resultSeverity)
            component = report.value(node, SH.sourceConstraintComponent)
            messages = [m for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal)]
            yield ValidationResult(
                focus_node=report.value(node, SH.focusNode) or BNode(),
                path=report.value(node, SH.resultPath),
                value=report.value(node, SH.value),
                severity=SEVERITY.get(severity_node, str(severity_node)),  # type: ignore[call-overload]
                message=choose_message(messages, component),
                shape=report.value(node, SH.sourceShape),
                component=component,
                constraint=report.value(node, SH.sourceConstraint),
            )


def choose_message(messages: Sequence[Literal], component: Node | None) -> str:
    """The message shown for a result: the least English (or untagged) one, else the component's name."""
    preferred = [m for m in messages if m.language in (None, "en")] or list(messages)
    if preferred:
        return min(str(m) for m in preferred)
    return str(component).rsplit("#", 1)[-1] if component is not None else "constraint not met"


class ReportWriter:
    """Builds a report graph as pyshacl writes one: blank-node paths and shapes copied from the shapes graph.

    The copies are written at once (the text and JSON forms read the paths); the results when the graph is
    completed (`complete`, what make_report's `complete` takes).
    """

    def __init__(self, shapes: Graph) -> None:
        """Start an empty sh:ValidationReport whose shape and path nodes come from `shapes`."""
        self.shapes = shapes
        self.graph = Graph()
        self.node = BNode()
        self.graph.add((self.node, RDF.type, SH.ValidationReport))
        self._copies: dict[Node, Node] = {}
        self._pending: list[tuple[ValidationResult, Node, Node | None, Sequence[Literal]]] = []

    def add(self, result: ValidationResult, severity: Node, messages: Sequence[Literal]) -> ValidationResult:
        """Take one result (all its messages); the result returned names the report graph's path node."""
        path = self._copy(result.path) if result.path is not None else None
        shape = self._copy(result.shape) if result.shape is not None else None
        written = ValidationResult(
            result.focus_node, path, result.value, result.severity, result.message, result.shape,
            result.component, result.constraint,
        )
        self._pending.append((written, severity, shape, messages))
        return written

    def complete(self, graph: Graph) -> None:
        """Write every result taken (into `graph`, this writer's) and sh:conforms."""
        for result, severity, shape, messages in self._pending:
            r = BNode()
            graph.add((self.node, SH.result, r))
            graph.add((r, RDF.type, SH.ValidationResult))
            graph.add((r, SH.focusNode, result.focus_node))
            graph.add((r, SH.resultSeverity, severity))
            for predicate, term in (
                (SH.resultPath, result.path),
                (SH.value, result.value),
                (SH.sourceShape, shape),
                (SH.sourceConstraintComponent, result.component),
                (SH.sourceConstraint, result.constraint),
            ):
                if term is not None:
                    graph.add((r, predicate, term))
            for message in messages:
                graph.add((r, SH.resultMessage, message))
        graph.add((self.node, SH.conforms, Literal(not self._pending, datatype=XSD.boolean)))
        self._pending = []

    def _copy(self, node: Node) -> Node:
        """`node` itself, or for a blank node a copy of what the shapes graph says about it (recursively)."""
        if not isinstance(node, BNode):
            return node
        if node not in self._copies:
            copy = self._copies[node] = BNode()
            for predicate, value in self.shapes.predicate_objects(node):
                self.graph.add((copy, predicate, self._copy(value)))
        return self._copies[node]


def _known(data_prefixes: Iterable[tuple[str, str]]) -> dict[str, str]:
    known = prefixes()
    for prefix, iri in data_prefixes:
        if prefix and prefix not in known:
            known[prefix] = str(iri)
    return known


def _namespace_manager(report: Graph) -> NamespaceManager:
    nsm = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
    for prefix, iri in _known((p, str(i)) for p, i in report.namespaces()).items():
        nsm.bind(prefix, iri, override=True, replace=True)
    return nsm


def term_text(node: Node | None, nsm: NamespaceManager) -> str:
    """A term as a prefixed name when a prefix fits, else in N-Triples form ('-' for None)."""
    if node is None:
        return "-"
    if isinstance(node, URIRef):
        try:
            prefix, _, local = nsm.compute_qname(str(node), generate=False)
        except (KeyError, ValueError):
            return f"<{node}>"
        return f"{prefix}:{local}" if prefix else f"<{node}>"
    if isinstance(node, Literal):
        return node.n3(nsm)
    return str(node.n3())


def path_text(report: Graph, path: Node | None, nsm: NamespaceManager) -> str:
    """SHACL property path in SPARQL-like syntax (^p, (a|b), a/b, p*, p+, p?)."""
    if path is None:
        return "-"
    if isinstance(path, URIRef):
        return term_text(path, nsm)
    if (path, RDF.first, None) in report:
        return "/".join(path_text(report, p, nsm) for p in Collection(report, path))
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(report, inverse, nsm)
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(report, p, nsm) for p in Collection(report, alternatives)) + ")"
    for predicate, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = report.value(path, predicate)
        if inner is not None:
            return path_text(report, inner, nsm) + suffix
    return str(path.n3())


def _plain(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)

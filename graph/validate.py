"""SHACL validation of the mgkg graph: pyshacl over shapes/ with the ontology mixed in."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyshacl
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, NamespaceManager
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node
from rdflib.util import guess_format

from graph import resources
from graph.namespaces import MGKG, prefixes

STATED_IN = MGKG.statedIn
"""Derived at validation time only: <entity> mgkg:statedIn <source graph>."""

_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
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


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of a validation: conforms unless some result is a sh:Violation."""

    conforms: bool
    results: list[ValidationResult]
    graph: Graph

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
        nsm = _namespace_manager(self.graph)
        summary = (
            f"Conforms: {'yes' if self.conforms else 'no'} "
            f"({len(self.violations)} violations, {len(self.warnings)} warnings, "
            f"{len(self.infos)} infos)"
        )
        lines = [summary]
        rows = sorted(
            (
                _ORDER.get(r.severity, 3),
                _term(r.focus_node, nsm),
                _path(self.graph, r.path, nsm),
                r.message,
                r.severity,
            )
            for r in self.results
        )
        lines += [f"{sev:<9}  {focus}  {path}  {msg}" for _, focus, path, msg, sev in rows]
        return "\n".join(lines) + "\n"

    def serialize(self, fmt: str = "turtle") -> str:
        """Report as text, json ({"conforms", "results"}) or any rdflib format of the report graph."""
        if fmt == "text":
            return self.text()
        if fmt == "json":
            nsm = _namespace_manager(self.graph)
            payload: dict[str, Any] = {
                "conforms": self.conforms,
                "results": [self._json_result(r, nsm) for r in self.results],
            }
            return json.dumps(payload, indent=2, ensure_ascii=False)
        return self.graph.serialize(format=fmt)

    def _json_result(self, r: ValidationResult, nsm: NamespaceManager) -> dict[str, str | None]:
        return {
            "severity": r.severity,
            "focus_node": _plain(r.focus_node),
            "path": _path(self.graph, r.path, nsm) if r.path is not None else None,
            "value": _plain(r.value),
            "message": r.message,
            "shape": _plain(r.shape),
            "component": _plain(r.component),
        }


@lru_cache(maxsize=512)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


class _PreparingGraph(Graph):
    """A graph that parses each SPARQL text once: pyshacl sends a SHACL-SPARQL constraint's same text
    for every focus node (with the focus node as an initial binding), and parsing dominated its cost."""

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        """Run the query, parsing a text only the first time it is seen."""
        namespaces = kwargs.get("initNs") or (args[2] if len(args) > 2 else None)
        if isinstance(query_object, str) and not namespaces:
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


_CACHE: dict[tuple[tuple[str, int], ...], Graph] = {}


def _cached(files: Iterable[Path]) -> Graph:
    """The files parsed into one graph, kept while none of them changes (shared: do not modify)."""
    key = tuple((str(path), path.stat().st_mtime_ns) for path in files)
    if key not in _CACHE:
        graph = Graph()
        for path, _ in key:
            graph.parse(path, format=guess_format(path) or "turtle")
        _CACHE[key] = graph
    return _CACHE[key]


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    copy += graph
    return copy


def load_shapes() -> Graph:
    """The SHACL shapes graph (shapes/*.ttl), a fresh copy the caller may change."""
    return _copy(_cached(resources.shapes_files()))


def load_ontology() -> Graph:
    """The OWL ontology and SKOS vocabularies (ontology/*.ttl), a fresh copy the caller may change."""
    return _copy(_cached(resources.ontology_files()))


def validate_graph(
    data: Graph, shapes: Graph | None = None, ontology: Graph | None = None
) -> ValidationReport:
    """Validate one data graph; the ontology (default: ontology/*.ttl) is mixed in for subclass targets.

    The ontology is added to a copy of the data graph (pyshacl's ont_graph would copy only the RDFS/OWL
    axioms, not the SKOS concepts the shapes check values against); the caller's graph is not changed.
    """
    shapes_graph = _cached(resources.shapes_files()) if shapes is None else shapes
    ont = _cached(resources.ontology_files()) if ontology is None else ontology
    combined = _PreparingGraph()
    combined += data
    combined += ont
    _, report_graph, _ = pyshacl.validate(
        combined,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,
    )
    assert isinstance(report_graph, Graph)
    for prefix, iri in _prefixes(data).items():
        report_graph.bind(prefix, iri, override=False)
    results = sorted(
        _results(report_graph),
        key=lambda r: (_ORDER.get(r.severity, 3), str(r.focus_node), str(r.path), r.message),
    )
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=conforms, results=results, graph=report_graph)


def derive_stated_in(ds: Dataset) -> Graph:
    """Triples <s> mgkg:statedIn <g> for every IRI subject s of every named graph g typed mgkg:SourceGraph."""
    source_graphs = {s for s, _, _, _ in ds.quads((None, RDF.type, MGKG.SourceGraph, None))}
    derived = Graph()
    for s, _, _, g in ds.quads((None, None, None, None)):
        if isinstance(s, URIRef) and g in source_graphs:
            derived.add((s, STATED_IN, g))
    return derived


def validate_dataset(ds: Dataset) -> ValidationReport:
    """Validate the union of all graphs plus derived mgkg:statedIn triples; ontology mixed in if absent."""
    union = Graph()
    for prefix, iri in ds.namespaces():
        union.bind(prefix, iri, override=False)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    union += derive_stated_in(ds)
    ontology = Graph() if _has_ontology(union) else _cached(resources.ontology_files())
    return validate_graph(union, ontology=ontology)


def _has_ontology(graph: Graph) -> bool:
    return any(
        isinstance(s, URIRef) and s.startswith(str(MGKG))
        for s in graph.subjects(RDFS.subClassOf, None)
    )


def _results(report: Graph) -> Iterable[ValidationResult]:
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        yield from _top_results(report, report_node)


def _top_results(report: Graph, report_node: Node) -> Iterable[ValidationResult]:
    for node in report.objects(report_node, SH.result):
        severity_node = report.value(node, SH.resultSeverity)
        component = report.value(node, SH.sourceConstraintComponent)
        yield ValidationResult(
            focus_node=report.value(node, SH.focusNode) or BNode(),
            path=report.value(node, SH.resultPath),
            value=report.value(node, SH.value),
            severity=_SEVERITY.get(severity_node, str(severity_node)),  # type: ignore[call-overload]
            message=_message(report, node, component),
            shape=report.value(node, SH.sourceShape),
            component=component,
            constraint=report.value(node, SH.sourceConstraint),
        )


def _message(report: Graph, node: Node, component: Node | None) -> str:
    messages = [m for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal)]
    preferred = [m for m in messages if m.language in (None, "en")] or messages
    if preferred:
        return min(str(m) for m in preferred)
    return str(component).rsplit("#", 1)[-1] if component is not None else "constraint not met"


def _prefixes(data: Graph) -> dict[str, str]:
    known = prefixes()
    for prefix, iri in data.namespaces():
        if prefix and prefix not in known:
            known[prefix] = str(iri)
    return known


def _namespace_manager(report: Graph) -> NamespaceManager:
    nsm = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
    for prefix, iri in _prefixes(report).items():
        nsm.bind(prefix, iri, override=True, replace=True)
    return nsm


def _term(node: Node | None, nsm: NamespaceManager) -> str:
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


def _path(report: Graph, path: Node | None, nsm: NamespaceManager) -> str:
    """SHACL property path in SPARQL-like syntax (^p, (a|b), a/b, p*, p+, p?)."""
    if path is None:
        return "-"
    if isinstance(path, URIRef):
        return _term(path, nsm)
    if (path, RDF.first, None) in report:
        return "/".join(_path(report, p, nsm) for p in Collection(report, path))
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path(report, inverse, nsm)
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(report, p, nsm) for p in Collection(report, alternatives)) + ")"
    for predicate, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = report.value(path, predicate)
        if inner is not None:
            return _path(report, inner, nsm) + suffix
    return str(path.n3())


def _plain(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)

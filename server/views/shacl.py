"""SHACL validation as a service at /shacl, as Fuseki offers it (read-only: no token needed).

`POST /shacl` with a data graph (Turtle, N-Triples, RDF/XML, JSON-LD or N3 by Content-Type) validates it
against mgkg's shapes, the ontology mixed in (graph.shacl.validate.validate_graph); a TriG or N-Quads body (or a
JSON-LD body with named graphs) is a dataset and is validated as the build validates one
(graph.shacl.validate.validate_dataset). A single graph carries no provenance, so mgsh:StatedInSource reports
every entity it targets: post TriG with the source graphs and the provenance graph for the full check.

`POST /shacl?graph=IRI` (or `?graph=default`, `?graph=union`) validates that stored graph against the
POSTED shapes instead, the ontology mixed in too. `?target=NODE` (an IRI or a prefixed name) keeps only the
results about that focus node (the whole graph is validated, then the report is narrowed).

The answer is always 200 with the validation report — Turtle by default, any RDF format of
graph.core.formats, `application/json` or `text/plain` — and the header `X-SHACL-Conforms: true|false`.

Posted shapes may hold SPARQL (sh:select, sh:ask, sh:construct), which pyshacl runs with rdflib, and rdflib
fetches SERVICE and FROM IRIs from the network: every such text must pass graph.sparql.guard's allowlist (no
SERVICE, not even SILENT, and no FROM outside `settings.allowlist`), else 400. Validation runs in a worker
under `settings.query_timeout` (503 after that; pyshacl cannot be interrupted and finishes in the background).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox
from flask import Blueprint, Response, request
from pyshacl.errors import ReportableRuntimeError, ValidationFailure
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from graph.core.formats import JSON, RDF, TEXT, Format, by_name
from graph.core.text import joined_error
from graph.named_queries import Parameter, ParameterError, convert
from graph.shacl.validate import ValidationReport, validate_dataset, validate_graph
from graph.sparql.guard import check, inspect
from server.context import runtime
from server.encoding import rdf_bytes
from server.http import ANY_METHOD, BODY_FORMATS, Problem, body_format, methods, require_utf8
from server.negotiation import choose
from server.writes import check_iri

bp = Blueprint("shacl", __name__)

QUAD_FORMATS = (by_name("trig"), by_name("nquads"))
"""Bodies read as a dataset (named graphs kept)."""

REPORT_FORMATS = (*RDF, JSON, TEXT)
"""Formats of the validation report: every RDF format (Turtle first), JSON and plain text."""

SPARQL_PREDICATES = (SH.select, SH.ask, SH.construct)
"""Shape properties whose values pyshacl runs as SPARQL."""

CONFORMS_HEADER = "X-SHACL-Conforms"


@bp.after_request
def _expose(response: Response) -> Response:
    """Let browser clients read X-SHACL-Conforms (server.http's CORS headers keep it, after their own)."""
    response.headers["Access-Control-Expose-Headers"] = CONFORMS_HEADER
    return response


def parse_body() -> tuple[Dataset, bool]:
    """The request body as a Dataset, and whether it is a dataset (quad format or named graphs present)."""
    mimetype = request.mimetype
    fmt = body_format(mimetype, (*BODY_FORMATS, *QUAD_FORMATS))
    require_utf8(request.mimetype_params.get("charset"))
    try:
        quads = list(ox.parse(rdf_bytes(request.get_data(), fmt), format=fmt.rdf, base_iri=request.base_url))
    except SyntaxError as error:
        raise Problem(f"cannot parse the {mimetype} body: {joined_error(error)}") from None
    dataset = Dataset()
    dataset.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", format="nquads")
    named = any(not isinstance(quad.graph_name, ox.DefaultGraph) for quad in quads)
    return dataset, named or fmt in QUAD_FORMATS


def union(dataset: Dataset) -> Graph:
    """Every triple of every graph of `dataset` in one graph."""
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def stored_graph(name: str) -> Graph:
    """The stored graph `name` (an IRI, `default` or `union`) as an rdflib Graph; Problem(404) if absent."""
    store = runtime().store.raw
    if name == "union" or (name == "default" and runtime().settings.union_default_graph):
        quads: Iterable[ox.Quad] = (q for q in store if not isinstance(q.graph_name, ox.DefaultGraph))
    elif name == "default":
        quads = store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    else:
        graph = ox.NamedNode(check_iri("graph", name))
        if not store.contains_named_graph(graph):
            raise Problem(f"no graph <{name}> in this store", 404)
        quads = store.quads_for_pattern(None, None, None, graph)
    triples = [quad.triple for quad in quads]
    data = Graph()
    data.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    return data


def check_shapes_sparql(shapes: Graph) -> None:
    """Refused (400) unless every SPARQL text of the shapes keeps off the network (graph.sparql.guard)."""
    declared = "".join(
        f"PREFIX {prefix}: <{namespace}>\n"
        for declaration in shapes.subjects(SH.prefix, None)
        for prefix in shapes.objects(declaration, SH.prefix)
        for namespace in shapes.objects(declaration, SH.namespace)
    )
    settings = runtime().settings
    for predicate in SPARQL_PREDICATES:
        for text in shapes.objects(None, predicate):
            if isinstance(text, Literal):
                found = inspect(declared + str(text), max_depth=settings.max_depth)
                check(found, settings.allowlist, has_graph=lambda _: False, silence=False)


def focus_node(value: str) -> URIRef:
    """The `target` parameter as an IRI (absolute, <…> or a prefixed name); Problem(400) otherwise."""
    try:
        term = convert(Parameter("target", "iri", False, None, "focus node"), value, runtime().settings.base)
    except ParameterError as error:
        raise Problem(str(error)) from None
    assert isinstance(term, URIRef)
    return term


def _reachable(graph: Graph, starts: Iterable[Node]) -> set[Node]:
    """The nodes reachable from `starts` through blank-node objects (a result and its nested parts)."""
    seen: set[Node] = set()
    todo = list(starts)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += [o for o in graph.objects(node, None) if isinstance(o, BNode)]
    return seen


def narrow(report: ValidationReport, focus: URIRef) -> ValidationReport:
    """The report restricted to the results whose focus node is `focus` (sh:conforms recomputed)."""
    source = report.graph
    results = {node: source.value(node, SH.focusNode) for node in source.objects(None, SH.result)}
    kept = _reachable(source, (node for node, f in results.items() if f == focus))
    dropped = _reachable(source, (node for node, f in results.items() if f != focus)) - kept
    graph = Graph()
    for prefix, namespace in source.namespaces():
        graph.bind(prefix, namespace, override=True, replace=True)
    for s, p, o in source:
        if s not in dropped and o not in dropped:
            graph.add((s, p, o))
    chosen = [r for r in report.results if r.focus_node == focus]
    conforms = not any(r.severity == "Violation" for r in chosen)
    for node in graph.subjects(SH.conforms, None):
        graph.set((node, SH.conforms, Literal(conforms)))
    return ValidationReport(conforms=conforms, results=chosen, graph=graph)


def _run(work: Callable[[], ValidationReport]) -> ValidationReport:
    """Validate in a worker under the query timeout; unusable shapes are a 400."""

    def guarded(_: object) -> ValidationReport:
        """Run `work`, turning pyshacl's complaints about the shapes into a Problem."""
        try:
            return work()
        except (ReportableRuntimeError, ValidationFailure) as error:
            raise Problem(f"the shapes cannot be used: {joined_error(error)}") from None
        except RecursionError:  # shapes or data nested through named nodes, which no lexical check sees
            raise Problem("the shapes or the data nest too deeply to be validated") from None

    return runtime().executor.call(runtime().settings.query_timeout, guarded, "validation")


def validate_request() -> ValidationReport:
    """The report this request asks for: posted data against mgkg's shapes, or a stored graph against posted shapes."""
    args = request.args
    for name in ("graph", "target"):
        if len(args.getlist(name)) > 1:
            raise Problem(f"{name} given {len(args.getlist(name))} times: give it once")
    focus = focus_node(args["target"]) if "target" in args else None
    body, is_dataset = parse_body()
    if "graph" in args:
        shapes = union(body)
        check_shapes_sparql(shapes)
        data = stored_graph(args["graph"])
        report = _run(lambda: validate_graph(data, shapes=shapes))
    elif is_dataset:
        report = _run(lambda: validate_dataset(body))
    else:
        report = _run(lambda: validate_graph(body.default_graph))
    return report if focus is None else narrow(report, focus)


def report_bytes(report: ValidationReport, fmt: str) -> bytes:
    """The report as JSON or text (graph.shacl.validate), or its graph in an RDF format (serialized by Oxigraph)."""
    if fmt in ("json", "text"):
        return report.serialize(fmt).encode("utf-8")
    data = report.graph.serialize(format="nt", encoding="utf-8")
    triples = [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
    used = {prefix: str(namespace) for prefix, namespace in report.graph.namespaces() if prefix}
    return ox.serialize(triples, format=by_name(fmt).rdf, prefixes=used) or b""


def _wanted_format() -> Format:
    return choose(request, REPORT_FORMATS, request.args.get("format"))


@bp.route("/shacl", methods=ANY_METHOD)
@methods("POST")
def shacl() -> Response:
    """Validate posted data against mgkg's shapes, or a stored graph (?graph=) against posted shapes."""
    fmt = _wanted_format()  # before validating: a 406 should not cost a validation
    report = validate_request()
    response = Response(report_bytes(report, fmt.name), 200, content_type=fmt.content_type)
    response.headers[CONFORMS_HEADER] = "true" if report.conforms else "false"
    response.vary.add("Accept")
    return response

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
graph.core.formats, `application/json` or `text/plain` — and the header `X-SHACL-Conforms: true|false`, the
report's sh:conforms (true only when there is no result at all, warnings and infos included).

Posted shapes may hold SPARQL (sh:select, sh:ask, sh:construct), which pyshacl runs with rdflib, and rdflib
fetches SERVICE and FROM IRIs from the network: every such text must pass graph.sparql.guard's allowlist (no
SERVICE, not even SILENT, and no FROM outside `settings.allowlist`), else 400; and rdflib must be able to
parse it (a malformed text is a 400 naming it, not a failure inside pyshacl). The body is parsed, validated
and the report serialized by `validate`, the job server.context.Runtime.run hands to a query process when
the store is on disk (server.isolation): under `query_timeout` from the request's arrival and `query_memory`,
killed when either is exceeded (503). Elsewhere it runs in a worker thread, which pyshacl cannot interrupt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, request
from pyshacl.errors import ReportableRuntimeError, ValidationFailure
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from graph.core.depth import depth_refusal
from graph.core.formats import JSON, RDF, TEXT, Format, by_name
from graph.core.text import joined_error, without_bom
from graph.named_queries import Parameter, ParameterError, convert
from graph.shacl.validate import ValidationReport, validate_dataset, validate_graph
from graph.sparql.execute import Engine
from graph.sparql.guard import check, inspect
from server.context import runtime
from server.http import ANY_METHOD, BODY_FORMATS, Problem, base_url, body_format, methods, require_utf8
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


def parse_body(data: bytes, fmt: Format, base_iri: str, max_depth: int) -> tuple[Dataset, bool]:
    """A posted body as a Dataset, and whether it is a dataset (quad format or named graphs present); Problem
    (400) when it cannot be parsed or nests deeper than `max_depth` (graph.core.depth)."""
    data = without_bom(data)
    refusal = depth_refusal(data, fmt.name, max_depth, "the body")
    if refusal is not None:
        raise Problem(refusal)
    try:
        quads = list(ox.parse(data, format=fmt.rdf, base_iri=base_iri))
    except SyntaxError as error:
        raise Problem(f"cannot parse the {fmt.media_type} body: {joined_error(error)}") from None
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


def stored_graph(store: Engine, name: str, union_default: bool) -> Graph:
    """The stored graph `name` (an IRI, `default` or `union`) as an rdflib Graph; Problem(404) if absent."""
    raw: ox.Store = store  # type: ignore[assignment]  # pyoxigraph's Store or a RemoteEngine: the same methods
    if name == "union" or (name == "default" and union_default):
        quads: Iterable[ox.Quad] = (q for q in raw if not isinstance(q.graph_name, ox.DefaultGraph))
    elif name == "default":
        quads = raw.quads_for_pattern(None, None, None, ox.DefaultGraph())
    else:
        graph = ox.NamedNode(name)
        if not raw.contains_named_graph(graph):
            raise Problem(f"no graph <{name}> in this store", 404)
        quads = raw.quads_for_pattern(None, None, None, graph)
    triples = [quad.triple for quad in quads]
    data = Graph()
    data.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    return data


def check_shapes_sparql(shapes: Graph, allowlist: Sequence[str], max_depth: int) -> None:
    """Refused (400) unless every SPARQL text of the shapes keeps off the network (graph.sparql.guard)."""
    declared = "".join(
        f"PREFIX {prefix}: <{namespace}>\n"
        for declaration in shapes.subjects(SH.prefix, None)
        for prefix in shapes.objects(declaration, SH.prefix)
        for namespace in shapes.objects(declaration, SH.namespace)
    )
    for predicate in SPARQL_PREDICATES:
        for text in shapes.objects(None, predicate):
            if isinstance(text, Literal):
                found = inspect(declared + str(text), max_depth=max_depth)
                check(found, allowlist, has_graph=lambda _: False, silence=False)
                _parse(predicate, declared + str(text))


def _parse(predicate: URIRef, text: str) -> None:
    """Problem (400) unless rdflib, which pyshacl runs it with, can parse the SPARQL text of a posted shape."""
    try:
        prepareQuery(text)
    except Exception as error:  # whatever rdflib's parser raises on a client's text is a 400
        name = "sh:" + str(predicate).rsplit("#", 1)[-1]
        raise Problem(f"the shapes cannot be used: the {name} text is not SPARQL rdflib can run: "
                      f"{joined_error(error)}") from None


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
    """The report restricted to the results whose focus node is `focus` (sh:conforms recomputed: no result left)."""
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
    for node in graph.subjects(SH.conforms, None):
        graph.set((node, SH.conforms, Literal(not chosen)))
    return ValidationReport(results=chosen, graph=graph)


@dataclass(frozen=True)
class Validation:
    """What a /shacl request asks for, read from the request (picklable: validated in a query process)."""

    body: bytes
    body_format: str
    base_iri: str
    graph: str | None
    focus: URIRef | None
    report_format: str
    union_default: bool
    allowlist: tuple[str, ...]
    max_depth: int


def validate(store: Engine, _executor: object, asked: Validation) -> tuple[bytes, bool]:
    """Parse, validate and serialize as `asked`: the report's bytes and whether the data conforms (the job
    Runtime.run gives a query process). Unusable shapes are a Problem (400)."""
    body_format = by_name(asked.body_format, (*BODY_FORMATS, *QUAD_FORMATS))
    body, is_dataset = parse_body(asked.body, body_format, asked.base_iri, asked.max_depth)
    try:
        if asked.graph is not None:
            shapes = union(body)
            check_shapes_sparql(shapes, asked.allowlist, asked.max_depth)
            report = validate_graph(stored_graph(store, asked.graph, asked.union_default), shapes=shapes)
        elif is_dataset:
            report = validate_dataset(body)
        else:
            report = validate_graph(body.default_graph)
    except (ReportableRuntimeError, ValidationFailure) as error:
        raise Problem(f"the shapes cannot be used: {joined_error(error)}") from None
    except RecursionError:  # shapes or data nested through named nodes, which no lexical check sees
        raise Problem("the shapes or the data nest too deeply to be validated") from None
    if asked.focus is not None:
        report = narrow(report, asked.focus)
    return report_bytes(report, asked.report_format), report.conforms


def read_validation(report_format: str) -> Validation:
    """The validation this request asks for; Problem for a parameter or body it cannot be."""
    args = request.args
    for name in ("graph", "target"):
        if len(args.getlist(name)) > 1:
            raise Problem(f"{name} given {len(args.getlist(name))} times: give it once")
    focus = focus_node(args["target"]) if "target" in args else None
    graph = args.get("graph")
    if graph is not None and graph not in ("default", "union"):
        graph = check_iri("graph", graph)
    fmt = body_format(request.mimetype, (*BODY_FORMATS, *QUAD_FORMATS))
    require_utf8(request.mimetype_params.get("charset"))
    settings = runtime().settings
    return Validation(
        request.get_data(), fmt.name, base_url(), graph, focus, report_format, settings.union_default_graph,
        settings.allowlist, settings.max_depth,
    )


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
    body, conforms = runtime().run(validate, read_validation(fmt.name), what="validation")
    response = Response(body, 200, content_type=fmt.content_type)
    response.headers[CONFORMS_HEADER] = "true" if conforms else "false"
    response.vary.add("Accept")
    return response

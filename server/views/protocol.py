"""The SPARQL 1.1 Protocol endpoint at /sparql: queries, updates and, without either, the service description.

Queries: GET ?query=, POST application/x-www-form-urlencoded (query=) or POST application/sparql-query (the
body), UTF-8 only. default-graph-uri / named-graph-uri (repeatable) make the dataset and override FROM /
FROM NAMED. **Default graph:** when neither the protocol nor FROM names a dataset, the default graph is the
union of all graphs of the store (`settings.union_default_graph`, on by default; Oxigraph's
use_default_graph_as_union) — every fact is visible without GRAPH, and its provenance stays queryable with
`GRAPH ?g { … }` then `?g prov:wasDerivedFrom ?doc`. Oxigraph unites quads, not sets of triples: a triple
stated in two graphs matches twice (SELECT DISTINCT merges them). SELECT/ASK answer SPARQL JSON (default), XML, CSV or
TSV; CONSTRUCT/DESCRIBE Turtle (default), N-Triples, JSON-LD, RDF/XML, TriG or N-Quads — chosen by Accept
(q-values) or a `format` parameter, 406 when nothing offered is acceptable. Headers: X-MGKG-Rows (rows or
triples returned) and X-MGKG-Truncated (true when `settings.max_rows` cut the answer). A query is checked
and answered by `answer_query`, the job server.context.Runtime.run gives a query process (server.isolation)
when the store is on disk: past `settings.query_timeout`, counted from the request's arrival, that process
is killed and the answer is 503; a crash of the engine costs that process (500), never the server.

Updates: POST update= (form) or application/sparql-update, with using-graph-uri / using-named-graph-uri and
a message (X-MGKG-Message or message=); see server.writes (a writer's bearer token, contribution graphs only,
SHACL gate, journal; 204 with X-MGKG-Changeset). SERVICE, LOAD, FROM and USING are checked by graph.sparql.guard.
Every error is one line of text/plain (or JSON), with the HTTP status the W3C protocol tests expect.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from graph.core.formats import FORM, PROTOCOL_BODIES, RDF, RESULTS, SPARQL_QUERY, SPARQL_UPDATE, media_types
from graph.sparql.execute import Answer, Engine, Executor
from graph.sparql.guard import Findings, check, secure
from graph.sparql.lookup import bounded_lookup
from graph.sparql.request import QueryRequest, answer_request, check_request
from graph.sparql.tokens import repeatable
from server.conditional import validated
from server.context import FAILED, runtime
from server.encoding import body_text, parameter_text
from server.http import ANY_METHOD, Problem, answer_response, base_url, methods, require_utf8
from server.negotiation import choose_format
from server.views import describe, pages
from server.views.rdf_page import wants_page
from server.writes import add_using, author, check_iri, transaction, written

bp = Blueprint("protocol", __name__)


@dataclass(frozen=True)
class Operation:
    """A query or update read from the request, with its protocol parameters (URL and form)."""

    kind: str
    text: str
    params: MultiDict[str, str]


def _single(kind: str, values: list[str]) -> str:
    if len(values) > 1:
        raise Problem(f"{kind} given {len(values)} times: send exactly one")
    return parameter_text(values[0])


def read_operation() -> Operation | None:
    """The operation of this request (None for a plain GET: the service description); Problem if malformed."""
    args = request.args
    if request.method in ("GET", "HEAD"):
        if "update" in args:
            raise Problem("updates must be sent with POST")
        queries = args.getlist("query")
        if not queries:
            check_dataset(args)
            return None
        return Operation("query", _single("query", queries), args)
    mimetype = request.mimetype
    if mimetype in media_types(PROTOCOL_BODIES):
        require_utf8(request.mimetype_params.get("charset"))
    if mimetype == FORM.media_type:
        params: MultiDict[str, str] = MultiDict(args)
        params.update(request.form)
        queries, updates = params.getlist("query"), params.getlist("update")
        if bool(queries) == bool(updates):
            raise Problem("send exactly one of the parameters query and update")
        kind = "query" if queries else "update"
        return Operation(kind, _single(kind, queries or updates), params)
    if mimetype in media_types((SPARQL_QUERY, SPARQL_UPDATE)):
        kind = "query" if mimetype == SPARQL_QUERY.media_type else "update"
        if "query" in args or "update" in args:
            raise Problem(f"the {kind} is in the body: do not also give query= or update= in the URL")
        return Operation(kind, body_text(), args)
    given = f"Content-Type {mimetype}" if mimetype else "no Content-Type"
    use = f"{FORM.media_type}, {SPARQL_QUERY.media_type} or {SPARQL_UPDATE.media_type}"
    raise Problem(f"POST with {given}: use {use}", 415)


DATASET = ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri")
"""The protocol's dataset parameters: of a query (the first two) or of an update (the others)."""


def check_dataset(params: MultiDict[str, str]) -> None:
    """Refused (400) unless default-graph-uri and named-graph-uri name graphs a query may use: checked also without
    a query (the service description), as they would be with one."""
    rt = runtime()
    given = [(name, check_iri(name, iri)) for name in DATASET[:2] for iri in params.getlist(name)]
    check(Findings(), rt.settings.allowlist, rt.has_graph, parameters=given)


def _refuse_params(params: MultiDict[str, str], names: tuple[str, ...], kind: str) -> None:
    for name in names:
        if name in params:
            raise Problem(f"{name} does not apply to a {kind}")


def run_query(operation: Operation) -> Response:
    """Evaluate a query under the limits (server.context.Runtime.run) and answer in the negotiated format."""
    rt = runtime()
    params = operation.params
    _refuse_params(params, DATASET[2:], "query")
    query = QueryRequest(
        operation.text,
        rt.settings,
        base_iri=base_url(),
        default_graphs=tuple(check_iri("default-graph-uri", g) for g in params.getlist("default-graph-uri")),
        named_graphs=tuple(check_iri("named-graph-uri", g) for g in params.getlist("named-graph-uri")),
    )
    accept, wanted = request.headers.get("Accept", ""), params.get("format")
    bounded = not (query.default_graphs or query.named_graphs) and bounded_lookup(query.text)
    failed = request.environ.pop(FAILED, None)  # this lookup failed on the lean path (server.lean): not run again
    if isinstance(failed, Exception):
        raise failed
    answer = rt.run(answer_query, query, accept, wanted, bounded=bounded)
    offered = RDF if answer.kind == "graph" else RESULTS
    return answer_response(answer, choose_format(accept, offered, wanted))


def answer_query(engine: Engine, executor: Executor, query: QueryRequest, accept: str, wanted: str | None) -> Answer:
    """Check the query, choose its format from the Accept header or `format` (by its form: results or a graph),
    and answer it: the job Runtime.run gives a query process."""
    checked, found = check_request(engine, query)
    if found.form in ("CONSTRUCT", "DESCRIBE"):
        chosen = replace(checked, graph_format=choose_format(accept, RDF, wanted).name)
    else:
        chosen = replace(checked, result_format=choose_format(accept, RESULTS, wanted).name)
    return answer_request(engine, executor, chosen)


def run_update(operation: Operation) -> Response:
    """Authorize, check and apply an update (one changeset, SHACL-gated); 204 naming the changeset."""
    who = author("SPARQL Update via HTTP")
    params = operation.params
    _refuse_params(params, DATASET[:2], "update")
    text = add_using(operation.text, params.getlist("using-graph-uri"), params.getlist("using-named-graph-uri"))
    settings, has_graph = runtime().settings, runtime().has_graph
    text, _ = secure(text, is_update=True, base=base_url(), allowlist=settings.allowlist, has_graph=has_graph,
                     max_depth=settings.max_depth)
    with transaction(who) as tx:
        changeset = tx.apply(text, base_iri=base_url())
    return written(Response(status=204), changeset)


def repeated_query() -> str | None:
    """What a GET's ETag adds to the request: nothing for a query (it is in the URL), whether writes are on for the
    service description; None (no state validator) for a query that is not repeatable (SERVICE, NOW() …) or a
    malformed request."""
    queries = request.args.getlist("query")
    if not queries and "update" not in request.args:
        return describe.writes_key()
    if len(queries) != 1 or "update" in request.args or not repeatable(queries[0]):
        return None
    return ""


@bp.route("/sparql", methods=ANY_METHOD)
@validated(repeated_query, cached=True)
@methods("GET, HEAD, POST")
def sparql() -> Response:
    """GET/POST a query, POST an update, GET without either for the service description, OPTIONS for CORS."""
    operation = read_operation()
    if operation is None:  # a browser gets the query page, anything else the service description
        return pages.query_response() if wants_page() else describe.service_response()
    return run_query(operation) if operation.kind == "query" else run_update(operation)

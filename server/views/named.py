"""The named queries (queries/*.rq) as a Web API, and the OpenAPI document of the whole service.

* `GET /queries` lists every named query: name, title, description, parameters and links — JSON by default,
  an HTML page when the client prefers text/html.
* `GET|POST /queries/<name>?param=value` runs one. Values come from the URL, a POSTed form or a POSTed JSON
  object (strings or numbers); each is converted to an RDF term by NamedQuery.bind and substituted for its
  variable by Oxigraph — never spliced into the text — so a value cannot change the query. A missing,
  malformed or unknown parameter is a 400 naming it; an unknown query a 404. `format` (or Accept) picks any
  result format of /sparql; text/html gives a page with a parameter form and the results as a table.
  The query runs like a /sparql query: under graph.sparql.guard's allowlist (a federated query whose SERVICE is
  not allowlisted answers 403), the union default graph, and the timeout and row limit of the settings.
* `GET /openapi.json` is server.views.openapi's document, with one path per named query.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from graph.core.errors import Kind
from graph.core.formats import FORMS, HTML, INDEX, JSON, RDF, RESULTS, media_types
from graph.core.namespaces import prefixes
from graph.named_queries import NamedQuery, ParameterError, QueryFileError, load_queries
from graph.sparql.guard import Refused, secure
from graph.sparql.request import QueryRequest, answer_request
from graph.sparql.tokens import repeatable
from server.conditional import validated
from server.context import runtime
from server.encoding import checked_text
from server.http import ANY_METHOD, Problem, answer_headers, answer_response, methods
from server.negotiation import choose
from server.views.openapi import build_openapi
from server.views.results_table import html_results
from server.writers import writes_enabled

bp = Blueprint("named", __name__)

RESERVED = "format"
"""A request parameter that is not a query parameter: the wanted result format."""


def catalogue() -> dict[str, NamedQuery]:
    """The named queries, loaded and checked once per app; a broken query file is a 500 with its line."""
    rt = runtime()
    if rt.queries is None:
        try:
            rt.queries = load_queries()
        except QueryFileError as error:
            raise Problem(f"the named queries cannot be loaded: {error}", 500, kind=Kind.UNAVAILABLE) from None
    return rt.queries


def find(name: str) -> NamedQuery:
    """The named query `name`; Problem(404) when there is none."""
    query = catalogue().get(name)
    if query is None:
        raise Problem(f"no named query {name!r}: GET /queries lists them", 404)
    return query


def describe(query: NamedQuery) -> dict[str, Any]:
    """A named query as GET /queries lists it."""
    url = url_for("named.run", name=query.name, _external=True)
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "parameters": [
            {"name": p.name, "type": p.type, "optional": p.optional, "default": p.default, "description": p.description}
            for p in query.parameters
        ],
        "query": query.text,
        "view": query.view,
        "links": {"self": url, "html": url + "?format=html", "openapi": url_for("named.openapi", _external=True)},
    }


@bp.route("/queries", methods=ANY_METHOD)
@methods("GET, HEAD")
def index() -> Response | str:
    """Every named query with its parameters: JSON by default, HTML when the client prefers it."""
    fmt = choose(request, INDEX, request.args.get("format"))
    listed = [describe(q) for q in catalogue().values()]
    if fmt is HTML:
        return render_template("queries.html", active="queries", queries=listed)
    response = jsonify({"queries": listed})
    response.vary.add("Accept")
    return response


Values = dict[str, str | None]
"""Parameter values by name; None for a JSON null (not given, but its name is checked)."""


def _add(values: Values, name: str, given: list[str] | list[None]) -> None:
    if len(given) > 1 or name in values:
        raise Problem(f"parameter {name!r} given more than once: give it once")
    values[name] = given[0]


def _json_values() -> Mapping[str, object]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem('the JSON body must be an object of parameter values, like {"year": "2009"}')
    return body


def _text(value: str | int | float) -> str:
    """A JSON value as text: a number as its value is written without exponent (2009.0 is 2009, 1e16 all digits)."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


def read_values() -> tuple[Values, str | None]:
    """The parameter values of the request (URL, then form or JSON body) and the `format` asked for."""
    values: Values = {}
    for name, given in request.args.lists():
        _add(values, name, given)
    if request.method == "POST":
        if request.mimetype in media_types(FORMS):
            form: MultiDict[str, str] = request.form
            for name, given in form.lists():
                _add(values, name, given)
        elif request.mimetype == JSON.media_type:
            for name, value in _json_values().items():
                name = checked_text("a parameter name", name)
                if value is None:
                    _add(values, name, [None])
                    continue
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    raise Problem(f"parameter {name!r}: give a string or a number, not {json.dumps(value)}")
                _add(values, name, [checked_text(f"parameter {name!r}", _text(value))])
        elif request.get_data():
            kind = request.mimetype or "no Content-Type"
            raise Problem(f"cannot read a body with {kind}: send a form or {JSON.media_type}", 415)
    return values, values.pop(RESERVED, None)


def _secured(query: NamedQuery) -> tuple[str, str | None, bool]:
    """The text to run, its form (SELECT, ASK, …) and whether it names its own dataset; REFUSED (403) if refused."""
    try:
        settings, has_graph = runtime().settings, runtime().has_graph
        text, found = secure(query.text, is_update=False, base=None, allowlist=settings.allowlist,
                             has_graph=has_graph, max_depth=settings.max_depth, prefixes=prefixes(settings.base))
    except Refused as error:
        raise Problem(f"named query {query.name!r} cannot run on this server: {error}", kind=Kind.REFUSED) from None
    return text, found.form, found.has_dataset


def _page(query: NamedQuery, given: Values, status: int, **extra: Any) -> Response:
    url = url_for("named.run", name=query.name)
    values = {name: value for name, value in given.items() if value is not None}
    links = {f.name: f"{url}?{urlencode({**values, RESERVED: f.name})}" for f in RESULTS}
    body = render_template(
        "queries.html", active="queries", query=describe(query), values=values, downloads=links,
        prefixes=prefixes(runtime().settings.base), **extra,
    )  # fmt: skip
    return Response(body, status, content_type=HTML.content_type)


def query_key(name: str) -> str | None:
    """What a GET's ETag adds to the request: the named query's text (None: no such query, or not repeatable)."""
    query = catalogue().get(name)
    return query.text if query is not None and repeatable(query.text) else None


@bp.route("/queries/<name>", methods=ANY_METHOD)
@validated(query_key, cached=True)
@methods("GET, HEAD, POST")
def run(name: str) -> Response:
    """Run the named query `name` with the request's parameter values, in the negotiated format."""
    query = find(name)
    values, wanted = read_values()
    text, form, has_dataset = _secured(query)
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    fmt = choose(request, RDF, wanted) if graph_form else choose(request, (*RESULTS, HTML), wanted)
    settings = runtime().settings
    try:
        bindings = query.bind(values, settings.base)
    except ParameterError as error:
        if fmt is HTML:  # a first visit (a GET without values) shows the form; later ones say what is wrong
            first = request.method == "GET" and not values
            return _page(query, values, 200) if first else _page(query, values, 400, error=str(error))
        raise Problem(str(error)) from None
    asked = QueryRequest(
        text,
        settings,
        bindings=bindings,
        checked=True,
        has_dataset=has_dataset,
        result_format="json" if fmt is HTML else fmt.name,
        graph_format=fmt.name if graph_form else RDF[0].name,
    )
    answer = runtime().run(answer_request, asked)
    if fmt is HTML:
        return answer_headers(_page(query, values, 200, result=html_results(answer)), answer)
    return answer_response(answer, fmt)


@bp.route("/openapi.json", methods=ANY_METHOD)
@methods("GET, HEAD")
def openapi() -> Response:
    """The OpenAPI 3.1 document of the service, with one path per named query."""
    rt = runtime()
    settings = rt.settings
    document = build_openapi(
        catalogue(), request.url_root, writes_enabled(settings), graphs=[str(g) for g in rt.store.graphs()],
        allowlist=settings.allowlist, union_default_graph=settings.union_default_graph,
    )
    return Response(json.dumps(document, indent=2), 200, mimetype=JSON.media_type)

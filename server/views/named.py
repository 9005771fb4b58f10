"""The named queries (queries/*.rq) as a Web API, and the OpenAPI document of the whole service.

* `GET /queries` lists every named query: name, title, description, parameters and links — JSON by default,
  an HTML page when the client prefers text/html.
* `GET|POST /queries/<name>?param=value` runs one. Values come from the URL, a POSTed form or a POSTed JSON
  object (strings or numbers); each is converted to an RDF term by NamedQuery.bind and substituted for its
  variable by Oxigraph — never spliced into the text — so a value cannot change the query. A missing,
  malformed or unknown parameter is a 400 naming it; an unknown query a 404. `format` (or Accept) picks any
  result format of /sparql; text/html gives a page with a parameter form and the results as a table.
  The query runs like a /sparql query: under server.guard's allowlist (a federated query whose SERVICE is
  not allowlisted answers 403), the union default graph, and the timeout and row limit of the settings.
* `GET /openapi.json` is server.views.openapi's document, with one path per named query.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from graph.core.namespaces import compact, prefixes
from graph.named_queries import NamedQuery, ParameterError, QueryFileError, load_queries
from graph.sparql.execute import Answer
from server.context import runtime
from server.guard import install, method_not_allowed, preflight, secure
from server.negotiation import GRAPH_FORMATS, RESULT_FORMATS, Format, Problem, choose
from server.views.openapi import build_openapi

bp = Blueprint("named", __name__)
install(bp)

METHODS = "GET, HEAD, POST, OPTIONS"
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON = Format("json", "application/json", "json")
HTML = Format("html", "text/html", "html")
RESERVED = "format"
"""A request parameter that is not a query parameter: the wanted result format."""

LINKABLE = ("http://", "https://", "mailto:", "tel:")
"""IRI schemes the HTML page makes into links (never javascript: or data:)."""


def catalogue() -> dict[str, NamedQuery]:
    """The named queries, loaded and checked once per app; a broken query file is a 500 with its line."""
    cache: dict[str, Any] = current_app.extensions.setdefault("mgkg.named", {})
    if "queries" not in cache:
        try:
            cache["queries"] = load_queries()
        except QueryFileError as error:
            raise Problem(f"the named queries cannot be loaded: {error}", 500) from None
    queries: dict[str, NamedQuery] = cache["queries"]
    return queries


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
        "links": {"self": url, "html": url + "?format=html", "openapi": url_for("named.openapi", _external=True)},
    }


@bp.get("/queries")
def index() -> Response | str:
    """Every named query with its parameters: JSON by default, HTML when the client prefers it."""
    fmt = choose(request, [JSON, HTML], request.args.get("format"))
    listed = [describe(q) for q in catalogue().values()]
    if fmt is HTML:
        return render_template("queries.html", active="queries", queries=listed)
    response = jsonify({"queries": listed})
    response.vary.add("Accept")
    return response


def _add(values: dict[str, str], name: str, given: list[str]) -> None:
    if len(given) > 1 or name in values:
        raise Problem(f"parameter {name!r} given more than once: give it once")
    values[name] = given[0]


def _json_values() -> Mapping[str, object]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem('the JSON body must be an object of parameter values, like {"year": "2009"}')
    return body


def read_values() -> tuple[dict[str, str], str | None]:
    """The parameter values of the request (URL, then form or JSON body) and the `format` asked for."""
    values: dict[str, str] = {}
    for name, given in request.args.lists():
        _add(values, name, given)
    if request.method == "POST":
        if request.mimetype in FORM_TYPES:
            form: MultiDict[str, str] = request.form
            for name, given in form.lists():
                _add(values, name, given)
        elif request.mimetype == "application/json":
            for name, value in _json_values().items():
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    raise Problem(f"parameter {name!r}: give a string or a number, not {json.dumps(value)}")
                _add(values, name, [str(value)])
        elif request.get_data():
            kind = request.mimetype or "no Content-Type"
            raise Problem(f"cannot read a body with {kind}: send a form or application/json", 415)
    return values, values.pop(RESERVED, None)


def _has_graph(iri: str) -> bool:
    try:
        return runtime().store.raw.contains_named_graph(ox.NamedNode(iri))
    except ValueError:
        return False


def _secured(query: NamedQuery) -> tuple[str, str | None, bool]:
    """The text to run, its form (SELECT, ASK, …) and whether it names its own dataset; 403 if refused."""
    try:
        text, found = secure(
            query.text, is_update=False, base=None, allowlist=runtime().settings.allowlist, has_graph=_has_graph
        )
    except Problem as error:
        raise Problem(f"named query {query.name!r} cannot run on this server: {error}", 403) from None
    return text, found.form, found.has_dataset


def _term(cell: Mapping[str, str] | None, names: Mapping[str, str]) -> dict[str, str] | None:
    """A SPARQL JSON term as the HTML page shows it: compact label, link (safe schemes only), lang, datatype."""
    if cell is None:
        return None
    value, kind = cell["value"], cell["type"]
    if kind == "uri":
        return {
            "kind": "iri",
            "value": value,
            "label": compact(value, names),
            "href": value if value.startswith(LINKABLE) else "",
        }
    if kind == "bnode":
        return {"kind": "bnode", "value": value, "label": "_:" + value}
    datatype = cell.get("datatype", "")
    return {
        "kind": "literal",
        "value": value,
        "lang": cell.get("xml:lang", ""),
        "datatype": compact(datatype, names) if datatype else "",
    }


def html_results(answer: Answer) -> dict[str, Any]:
    """The SPARQL JSON body of `answer` as the template's table: variables, rows of display terms, counts."""
    data = json.loads(answer.body)
    names = prefixes(runtime().settings.base)
    if "boolean" in data:
        return {"boolean": data["boolean"], "vars": [], "rows": [], "count": 1, "truncated": False}
    variables: list[str] = data["head"]["vars"]
    rows = [[_term(binding.get(v), names) for v in variables] for binding in data["results"]["bindings"]]
    return {"boolean": None, "vars": variables, "rows": rows, "count": answer.count, "truncated": answer.truncated}


def _page(query: NamedQuery, values: Mapping[str, str], status: int, **extra: Any) -> Response:
    url = url_for("named.run", name=query.name)
    links = {f.name: f"{url}?{urlencode({**values, RESERVED: f.name})}" for f in RESULT_FORMATS}
    body = render_template(
        "queries.html", active="queries", query=describe(query), values=values, downloads=links, **extra
    )
    return Response(body, status, content_type="text/html; charset=utf-8")


@bp.route("/queries/<name>", methods=EVERY_METHOD)
def run(name: str) -> Response:
    """Run the named query `name` with the request's parameter values, in the negotiated format."""
    if request.method == "OPTIONS":
        return preflight(METHODS)
    if request.method not in METHODS.split(", "):
        raise method_not_allowed(request.method, METHODS)
    query = find(name)
    values, wanted = read_values()
    text, form, has_dataset = _secured(query)
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    fmt = choose(request, GRAPH_FORMATS, wanted) if graph_form else choose(request, [*RESULT_FORMATS, HTML], wanted)
    settings = runtime().settings
    try:
        bindings = query.bind(values, settings.base)
    except ParameterError as error:
        if fmt is HTML:  # a first visit without values shows the form; later ones say what is wrong
            return _page(query, values, 400, error=str(error)) if values else _page(query, values, 200)
        raise Problem(str(error)) from None
    answer = runtime().executor.answer(
        runtime().store.raw,
        text,
        settings,
        bindings=bindings,
        has_dataset=has_dataset,
        result_format="json" if fmt is HTML else fmt.name,
        graph_format=fmt.name if graph_form else GRAPH_FORMATS[0].name,
    )
    if fmt is HTML:
        response = _page(query, values, 200, result=html_results(answer))
    else:
        response = Response(answer.body, 200, content_type=fmt.content_type)
    response.headers["X-MGKG-Rows"] = str(answer.count)
    response.headers["X-MGKG-Truncated"] = "true" if answer.truncated else "false"
    response.vary.add("Accept")
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of the service, with one path per named query."""
    document = build_openapi(catalogue(), request.url_root, runtime().settings.update_token != "")
    return Response(json.dumps(document, indent=2), 200, mimetype="application/json")

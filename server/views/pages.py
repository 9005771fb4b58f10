"""HTML pages: the query page at / (editor, examples, results) and the API page at /api (Swagger UI); their static
files (no CDN) are the app's."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from graph.core.formats import HTML
from graph.core.namespaces import prefixes
from server.context import runtime
from server.http import ANY_METHOD, methods
from server.views.named import catalogue, describe

bp = Blueprint("pages", __name__)


def examples() -> list[dict[str, Any]]:
    """The named queries as GET /queries describes them (server.views.named's catalogue, loaded once per app)."""
    return [describe(query) for query in catalogue().values()]


@bp.route("/", methods=ANY_METHOD)
@methods("GET, HEAD")
def index() -> str:
    """The query page; `?query=` prefills the editor and runs it (shareable links), else a first query."""
    return query_page()


@bp.route("/api", methods=ANY_METHOD)
@methods("GET, HEAD")
def api() -> str:
    """The API page: Swagger UI (vendored, offline, no inline script) rendering /openapi.json."""
    return render_template("api.html")


def query_page() -> str:
    """The query page's HTML (also what GET /sparql without a query shows a browser)."""
    base = runtime().settings.base
    return render_template(
        "index.html",
        query=request.args.get("query", ""),
        prefixes=prefixes(base),
        examples=examples(),
    )


def query_response() -> Response:
    """The query page as the answer to a browser's GET /sparql without a query (Vary: Accept: machines get RDF)."""
    response = Response(query_page(), 200, content_type=HTML.content_type)
    response.vary.add("Accept")
    return response

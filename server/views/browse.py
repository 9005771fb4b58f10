"""Browsing and search: class indexes with facets (`/browse/<index>`), and search over names and codes (`/search`
for people, `/search.json` for programs). Pages for browsers, JSON for programs (`format=json` or Accept); a bad
parameter is a 400 naming it. The work is graph.pages' (browse, search), run through server.context.Runtime.run.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from graph.core.formats import HTML, JSON
from graph.pages.browse import INDEXES, Browsed, BrowseRequest, browse, check_page, chosen_values, index_of
from graph.pages.search import Found, SearchRequest, search
from server.conditional import validated
from server.context import runtime
from server.http import ANY_METHOD, Problem, methods
from server.negotiation import choose
from server.views import display

bp = Blueprint("browse", __name__)

PAGES = (HTML, JSON)
"""What the browsing and search pages answer in: HTML by default, JSON when asked for."""
SEARCH_LIMIT, MAX_SEARCH_LIMIT = 20, 100


def _single(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise Problem(f"parameter {name!r} given {len(values)} times: give it once")
    return values[0] if values else None


def _only(allowed: tuple[str, ...]) -> None:
    for name in request.args:
        if name not in allowed:
            raise Problem(f"unknown parameter {name!r}: use {', '.join(allowed)}")


def _limit() -> int:
    given = _single("limit")
    if given is None:
        return SEARCH_LIMIT
    if not given.isdigit() or not 1 <= int(given) <= MAX_SEARCH_LIMIT:
        raise Problem(f"limit {given!r} is not a number of hits: give 1 to {MAX_SEARCH_LIMIT}")
    return int(given)


def search_json(found: Found, text: str) -> dict[str, Any]:
    """A search's answer as /search.json writes it."""
    return {
        "query": text, "total": found.total, "truncated": found.truncated,
        "hits": [{"iri": h.iri, "label": h.label, "types": list(h.types), "matched": h.matched, "field": h.field,
                  "score": round(h.score, 2), "page": display.local_href(h.iri)} for h in found.hits],
    }  # fmt: skip


def _search(fmt: str | None) -> Response:
    _only(("q", "limit", "format"))
    text, limit = _single("q"), _limit()
    wanted = JSON if fmt == "json" else choose(request, PAGES, _single("format"))
    if text is None or not text.strip():
        if wanted is JSON:
            raise Problem("give the search text as q=…, like /search.json?q=TC.0287")
        return Response(render_template("search.html", text="", found=None), 200, content_type=HTML.content_type)
    found = runtime().run(search, SearchRequest(text, runtime().settings, limit), what="search")
    if wanted is JSON:
        response = jsonify(search_json(found, text.strip()))
    else:
        response = Response(render_template("search.html", text=text, found=found), 200,
                            content_type=HTML.content_type)
    if fmt is None:
        response.vary.add("Accept")
    return response


@bp.route("/search", methods=ANY_METHOD)
@validated()
@methods("GET, HEAD")
def search_page() -> Response:
    """Search over labels, alternative labels and codes: a page, or JSON when asked for."""
    return _search(None)


@bp.route("/search.json", methods=ANY_METHOD)
@validated()
@methods("GET, HEAD")
def search_api() -> Response:
    """Search as JSON: `q` (2–200 characters), `limit` (1–100, default 20); hits best first."""
    return _search("json")


def _toggle(args: MultiDict[str, str], name: str, value: str) -> MultiDict[str, str]:
    """The URL arguments with facet value `value` added, or removed when it is there; back to page 1."""
    changed: MultiDict[str, str] = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "page"])
    present = value in changed.getlist(name)
    kept = [v for v in changed.getlist(name) if v != value]
    changed.setlist(name, kept if present else [*kept, value])
    return changed


def browse_json(page: Browsed) -> dict[str, Any]:
    """An index page as JSON: members with their pages, facets with their counts."""
    return {
        "index": page.index, "title": page.title, "total": page.total, "page": page.page, "pages": page.pages,
        "members": [{"iri": m.iri, "label": m.label, "page": display.local_href(m.iri)} for m in page.members],
        "chosen": [{"facet": name, "value": value, "label": label} for name, value, label in page.chosen],
        "facets": {facet.name: {"title": facet.title, "values": [
            {"value": c.value, "label": c.label, "count": c.count, "chosen": c.chosen} for c in counts
        ]} for facet, counts in page.facets},
    }  # fmt: skip


def _url(index: str, args: MultiDict[str, str]) -> str:
    query = urlencode(list(args.items(multi=True)))
    return url_for("browse.index_page", index=index) + (f"?{query}" if query else "")


def _links(page: Browsed) -> dict[str, Any]:
    """The page's links: each facet value toggled, each chosen value removed, the previous and next pages."""
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k != "format"])
    links = {(facet.name, c.value): _url(page.index, _toggle(args, facet.name, display.short(c.value)))
             for facet, counts in page.facets for c in counts}  # fmt: skip
    chosen = [(label, _url(page.index, _toggle(args, name, display.short(value))))
              for name, value, label in page.chosen]  # fmt: skip
    pager: dict[int, str] = {}
    for number in (page.page - 1, page.page + 1):
        if 1 <= number <= page.pages:
            paged = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "page"])
            paged.add("page", str(number))
            pager[number] = _url(page.index, paged)
    return {"links": links, "chosen_links": chosen, "pager": pager}


@bp.route("/browse/", methods=ANY_METHOD)
@methods("GET, HEAD")
def indexes() -> Response:
    """The class indexes."""
    listed = [{"name": i.name, "title": i.title, "url": url_for("browse.index_page", index=i.name)}
              for i in INDEXES.values()]  # fmt: skip
    if choose(request, PAGES, _single("format")) is JSON:
        return jsonify({"indexes": listed})
    return Response(render_template("browse.html", page=None, indexes=listed), 200, content_type=HTML.content_type)


@bp.route("/browse/<index>", methods=ANY_METHOD)
@validated()
@methods("GET, HEAD")
def index_page(index: str) -> Response:
    """One class index: its members (paged), narrowed by the facet values in the URL, with the facets' counts."""
    found, settings = index_of(index), runtime().settings
    page = check_page(_single("page"))
    fmt = choose(request, PAGES, _single("format"))
    arguments = {name: request.args.getlist(name) for name in request.args}
    chosen = chosen_values(found, arguments, settings.base)
    result = runtime().run(browse, BrowseRequest(index, chosen, page, settings), what="index")
    if fmt is JSON:
        response = jsonify(browse_json(result))
    else:
        body = render_template("browse.html", page=result, indexes=None, **_links(result))
        response = Response(body, 200, content_type=HTML.content_type)
    response.vary.add("Accept")
    return response

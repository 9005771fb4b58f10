"""HTML pages: the query page at / (editor, examples, results) and the static files it needs (no CDN)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from graph.named_queries import NamedQuery, load_queries
from graph.namespaces import prefixes, sparql_prologue
from server.context import runtime

bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static", static_url_path="/static")


def example(query: NamedQuery) -> dict[str, Any]:
    """A named query as the page offers it: name, title, description, parameter notes and SPARQL text."""
    notes = [f"?{p.name} ({p.type}{', optional' if p.optional else ''}): {p.description}" for p in query.parameters]
    return {
        "name": query.name, "title": query.title, "description": query.description, "parameters": notes,
        "text": query.text,
    }


def examples() -> list[dict[str, Any]]:
    """The named queries as examples, loaded once per app."""
    cache: dict[str, Any] = current_app.extensions.setdefault("mgkg.pages", {})
    if "examples" not in cache:
        cache["examples"] = [example(q) for q in load_queries().values()]
    found: list[dict[str, Any]] = cache["examples"]
    return found


@bp.get("/")
def index() -> str:
    """The query page; `?query=` prefills the editor (shareable links), else the prefixes and a first query."""
    base = runtime().settings.base
    return render_template(
        "index.html",
        query=request.args.get("query", ""),
        prologue=sparql_prologue(base),
        prefixes=prefixes(base),
        examples=examples(),
    )

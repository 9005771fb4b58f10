"""The history of writes over HTTP: /changes (JSON, RDF, an Atom feed), /changes/ID, POST /changes/ID/revert.

The changes come from the journal (graph/changes/journal.py), newest first. `GET /changes` pages with
`?limit=` (1–1000, default 100) and `?offset=`, narrows with `?since=DATE|DATETIME` (at or after; UTC unless
it says otherwise) and `?entity=IRI` (changes adding or removing a quad whose subject or object it is). JSON
(default) lists each change's id, IRI, time, writer, message, graphs and counts, with `next` for the next
page; RDF formats answer the history quads (the Changeset vocabulary and PROV-O, graph/changes/history.py);
`application/atom+xml` is a feed for feed readers. `GET /changes/ID` answers one changeset with its quads
(JSON) or its history (RDF). `POST /changes/ID/revert` (a writer's token; message as for any write, default
"Revert ID") makes a new changeset that undoes it — through the same SHACL gate and journal — and answers 201
with it; 409 naming the later changesets that changed the same quads (revert those first), 404 for an
unknown id.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for

from graph.changes.history import describe, history_quads, matching
from graph.changes.model import Changeset, changeset_iri
from graph.changes.revert import check_applies, revert_changeset
from graph.core.formats import ATOM, JSON, RDF, Format
from graph.core.namespaces import prefixes
from server.conditional import validated
from server.context import Runtime, runtime
from server.generation import journal_of
from server.http import ANY_METHOD, Problem, methods
from server.negotiation import choose
from server.writes import author, check_iri, transaction, written

bp = Blueprint("changes", __name__)

LIST_FORMATS: tuple[Format, ...] = (JSON, *RDF, ATOM)
"""What /changes answers in, the default first."""

ONE_FORMATS: tuple[Format, ...] = (JSON, *RDF)
"""What /changes/ID answers in, the default first."""

MAX_LIMIT = 1000
"""The most changes one page of /changes lists."""

MAX_OFFSET = 10**9
"""The largest offset /changes takes."""

HISTORY_PREFIXES = {
    "cs": "http://purl.org/vocab/changeset/schema#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
}
"""Prefixes of the history's vocabularies, for Turtle answers."""

ATOM_NS = "http://www.w3.org/2005/Atom"


def changesets(rt: Runtime) -> list[Changeset]:
    """Every changeset of the journal in order (read again after each write or store switch)."""
    return rt.cached("changesets", lambda: list(journal_of(rt)))


def _number(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise Problem(f"{name} must be an integer, not {text[:40]!r}") from None
    if not low <= value <= high:
        raise Problem(f"{name} must be between {low} and {high}, not {value}")
    return value


def _since() -> datetime | None:
    given = request.args.get("since")
    if given is None:
        return None
    text = given.upper()  # RFC 3339 allows t and z
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else None
        if moment is None:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day)
    except ValueError:
        raise Problem(
            f"since must be a date (2026-12-06) or a date and time (2026-12-06T10:15:00Z), not {given[:40]!r}"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _summary(changeset: Changeset, base: str) -> dict[str, object]:
    """The changeset without its quads: their counts instead, and its URL."""
    described = describe(changeset, base)
    described["additions"], described["removals"] = len(changeset.added), len(changeset.removed)
    del described["added"], described["removed"]
    described["url"] = url_for("changes.one", id=changeset.id, _external=True)
    return described


def _rdf(listed: list[Changeset], base: str, fmt: Format) -> bytes:
    triples = [quad.triple for changeset in listed for quad in history_quads(changeset, base)]
    return ox.serialize(triples, format=fmt.rdf, prefixes={**prefixes(), **HISTORY_PREFIXES}) or b""


def _answer(body: bytes | str, fmt: Format) -> Response:
    response = Response(body, 200, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


@bp.route("/changes", methods=ANY_METHOD)
@validated()
@methods("GET, HEAD")
def listing() -> Response:
    """The changes, newest first: JSON, RDF or Atom; paged and filtered by the query parameters."""
    rt = runtime()
    base = rt.settings.base
    fmt = choose(request, LIST_FORMATS, request.args.get("format"))
    limit, offset = _number("limit", 100, 1, MAX_LIMIT), _number("offset", 0, 0, MAX_OFFSET)
    entity = request.args.get("entity")
    found = matching(changesets(rt), check_iri("entity", entity) if entity is not None else None, _since())
    found.reverse()
    page = found[offset : offset + limit]
    if fmt is ATOM:
        return _answer(_atom(page, base), fmt)
    if fmt.is_rdf:
        return _answer(_rdf(page, base, fmt), fmt)
    following = None
    if offset + limit < len(found):
        arguments = {**request.args.to_dict(), "offset": str(offset + limit), "limit": str(limit)}
        following = url_for("changes.listing", _external=True, **arguments)
    document = {"total": len(found), "offset": offset, "limit": limit, "next": following,
                "changes": [_summary(changeset, base) for changeset in page]}
    return _answer(json.dumps(document, indent=2, ensure_ascii=False), fmt)


def _find(rt: Runtime, id: str) -> Changeset:
    found = next((changeset for changeset in changesets(rt) if changeset.id == id), None)
    if found is None:
        raise Problem(f"no changeset {id[:80]!r} in the journal", 404)
    return found


@bp.route("/changes/<id>", methods=ANY_METHOD)
@validated()
@methods("GET, HEAD")
def one(id: str) -> Response:
    """One changeset: JSON with its quads (N-Quads lines), or its history in an RDF format; 404 if unknown."""
    rt = runtime()
    fmt = choose(request, ONE_FORMATS, request.args.get("format"))
    changeset = _find(rt, id)
    if fmt.is_rdf:
        return _answer(_rdf([changeset], rt.settings.base, fmt), fmt)
    return _answer(json.dumps(describe(changeset, rt.settings.base), indent=2, ensure_ascii=False), fmt)


@bp.route("/changes/<id>/revert", methods=ANY_METHOD)
@methods("POST")
def revert(id: str) -> Response:
    """Undo changeset `id` with a new changeset (201 with it); 409 naming later changesets that block it."""
    who = author(f"Revert {id[:80]}")
    rt = runtime()
    with transaction(who) as tx:
        undo = revert_changeset(journal_of(rt), id, who.writer, who.message)  # 404, or 409 naming later ones
        if isinstance(rt.store.raw, ox.Store):
            check_applies(rt.store.raw, undo)
        undo = tx.apply_changeset(undo)
    body = json.dumps(describe(undo, rt.settings.base), indent=2, ensure_ascii=False)
    response = Response(body, 201, content_type=JSON.content_type)
    response.headers["Location"] = url_for("changes.one", id=undo.id, _external=True)
    return written(response, undo)


def _atom(page: list[Changeset], base: str) -> bytes:
    """An Atom feed (RFC 4287) of the changes: one entry each, newest first."""
    ElementTree.register_namespace("", ATOM_NS)

    def add(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
        element.text = text
        return element

    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")
    add(feed, "id", url_for("changes.listing", _external=True))
    add(feed, "title", "mgkg: changes to the graph")
    add(feed, "updated", _stamp(page[0].time if page else datetime.now(UTC)))
    add(feed, "link", rel="self", href=request.url)
    for changeset in page:
        entry = add(feed, "entry")
        add(entry, "id", changeset_iri(changeset.id, base).value)
        add(entry, "title", changeset.message)
        add(entry, "updated", _stamp(changeset.time))
        add(add(entry, "author"), "name", changeset.writer)
        add(entry, "link", href=url_for("changes.one", id=changeset.id, _external=True))
        graphs = ", ".join(f"<{g}>" for g in changeset.graphs)
        reverts = f"; reverts {changeset.reverts}" if changeset.reverts else ""
        add(entry, "summary", f"{len(changeset.added)} quad(s) added, {len(changeset.removed)} removed in {graphs}"
            f"{reverts}")
    return bytes(ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

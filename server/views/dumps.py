"""The dumps of the dataset under /dumps/, gzipped, in three formats; mgkg's JSON-LD context at /context.jsonld.

`GET /dumps/` lists the dumps (JSON, or HTML when preferred); `GET /dumps/<name>` answers one, gzipped,
with an ETag (the SHA-256 of its bytes, as every answer not validated by the store's state: server.conditional;
`If-None-Match` gives 304). Dumps come from graph.export, the writer
`mgkg export` uses (readable Turtle and TriG: graph.exports), so the same store gives the same bytes. Each
is built on first use and cached per app (server.context.Runtime.cached): every write through the app
rebuilds it, and so does a change of the quad count made by anything else.
"""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from graph.core.formats import GZIP, HTML, INDEX, by_name
from graph.export import export
from graph.exports.context import context_bytes
from server.context import runtime
from server.http import ANY_METHOD, Problem, methods
from server.negotiation import choose

bp = Blueprint("dumps", __name__)

DUMPS = {
    "mgkg.ttl.gz": ("turtle", "Turtle: the facts of every named graph but the ontology, grouped by class"),
    "mgkg.trig.gz": ("trig", "TriG: every named graph, the ontology's too"),
    "mgkg.nt.gz": ("nt", "N-Triples: the union of all named graphs"),
}
"""Dump file name → (graph.export format, description)."""


def dump(name: str) -> bytes:
    """The gzipped dump `name` (deterministic: graph.export and a zero gzip timestamp), cached."""
    fmt = DUMPS[name][0]

    def build() -> bytes:
        """Export the store and gzip it."""
        data = export(runtime().store.dataset(), fmt, base=runtime().settings.base)
        return gzip.compress(data, compresslevel=9, mtime=0)

    return runtime().cached("dump:" + name, build)


def dump_index() -> list[dict[str, Any]]:
    """One entry per dump: name, URL, format, media type of the content, size and SHA-256 of the file."""
    entries = []
    for name, (fmt, description) in DUMPS.items():
        data = dump(name)
        entries.append({
            "name": name, "url": request.url_root + "dumps/" + name, "format": fmt,
            "media_type": by_name(fmt).media_type, "encoding": "gzip", "description": description,
            "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        })  # fmt: skip
    return entries


@bp.route("/dumps/", methods=ANY_METHOD)
@methods("GET, HEAD")
def dumps() -> Response | str:
    """The list of dumps: JSON by default, an HTML page when the client prefers text/html."""
    fmt = choose(request, INDEX, request.args.get("format"))
    entries = dump_index()
    if fmt is HTML:
        return render_template("dumps.html", dumps=entries, void=request.url_root + ".well-known/void")
    response = jsonify({"dumps": entries, "void": request.url_root + ".well-known/void"})
    response.vary.add("Accept")
    return response


@bp.route("/dumps/<name>", methods=ANY_METHOD)
@methods("GET, HEAD")
def dump_file(name: str) -> Response:
    """One dump, gzipped (server.conditional gives it its SHA-256 as ETag, and 304); 404 for unknown names."""
    if name not in DUMPS:
        raise Problem(f"no dump named {name!r}: the dumps are {', '.join(DUMPS)}", 404)
    data = dump(name)
    response = Response(data, 200, mimetype=GZIP.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/context.jsonld", methods=ANY_METHOD)
@methods("GET, HEAD")
def jsonld_context() -> Response:
    """mgkg's JSON-LD @context (the one JSON-LD exports carry), for the server's base; ETag and 304 as for dumps."""
    data = context_bytes(runtime().settings.base)
    return Response(data, 200, mimetype=by_name("jsonld").media_type)

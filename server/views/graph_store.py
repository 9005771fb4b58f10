"""The SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graphs.

Graphs are named indirectly (`/rdf-graphs?graph=IRI` or `/rdf-graphs?default`, exactly one) or directly (the
request URL `/rdf-graphs/<path>` is the graph IRI). GET/HEAD answer the graph in any RDF format of
graph.core.formats (404 when there is no such graph); `?default` is the union of all graphs when
`settings.union_default_graph` is on — then it is read-only (405) — and the store's default graph otherwise.
Graphs are downloaded whole: `settings.max_rows` does not apply here.
PUT replaces a graph, POST merges into it (a POST to /rdf-graphs itself creates a new graph and answers 201
with its Location), DELETE drops it; 201 when a graph is created, 204 otherwise. Bodies are Turtle,
N-Triples, RDF/XML, JSON-LD or N3 by Content-Type (415 otherwise, 400 with the parser's position when they do
not parse), or multipart/form-data with one such part per file. Writes go through server.writes: the same
writers, policy, SHACL gate (422) and journal as SPARQL Update, each one changeset (X-MGKG-Changeset). Only
contribution graphs (`{base}graph/contributions/…`) may be written: any other graph, the default graph and
the graphs of direct identification (their IRI is the request URL) are read-only (403). A POST to
/rdf-graphs itself creates `{base}graph/contributions/{writer}/{uuid}`; its Location is its indirect URL.
With `open_writes` every graph may be written (the store's default graph when the union is off), and a POST to
/rdf-graphs creates `/rdf-graphs/{uuid}` (direct identification), as the protocol's tests expect.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for

from graph.changes.model import contribution_graph
from graph.changes.policy import check_graphs
from graph.core.formats import MULTIPART, RDF
from graph.core.namespaces import prefixes
from graph.core.text import joined_error
from server.conditional import validated
from server.context import runtime
from server.encoding import rdf_bytes
from server.http import ANY_METHOD, Problem, base_url, body_format, methods, require_utf8
from server.negotiation import choose
from server.views.rdf_page import rdf_page, wants_page
from server.writes import author, authorize, check_iri, transaction, written

bp = Blueprint("graph_store", __name__)

METHODS = "GET, HEAD, PUT, POST, DELETE"
READ_ONLY = "GET, HEAD, OPTIONS"
@dataclass(frozen=True)
class Target:
    """The graph a request is about: its IRI, or None for the default graph."""

    iri: str | None

    @property
    def name(self) -> ox.NamedNode | ox.DefaultGraph:
        """The pyoxigraph graph name."""
        return ox.DefaultGraph() if self.iri is None else ox.NamedNode(self.iri)

    @property
    def sparql(self) -> str:
        """How SPARQL Update names it (after GRAPH / DROP)."""
        return "DEFAULT" if self.iri is None else f"GRAPH <{self.iri}>"


def _indirect() -> Target | None:
    """The graph named by ?graph= / ?default, or None when neither is given."""
    has_default, graphs = "default" in request.args, request.args.getlist("graph")
    if has_default and graphs:
        raise Problem("give either ?default or ?graph=IRI, not both")
    if len(graphs) > 1:
        raise Problem(f"graph given {len(graphs)} times: name exactly one graph")
    if graphs:
        return Target(check_iri("graph", graphs[0]))
    return Target(None) if has_default else None


def _union() -> bool:
    return runtime().settings.union_default_graph


def _read(target: Target) -> Response:
    store = runtime().store.raw
    if target.iri is None and _union():
        triples = list(dict.fromkeys(quad.triple for quad in store))
    elif target.iri is None or store.contains_named_graph(target.name):
        triples = [quad.triple for quad in store.quads_for_pattern(None, None, None, target.name)]
    else:
        raise Problem(f"no graph <{target.iri}> in this store", 404)
    if wants_page():
        name = "the default graph" if target.iri is None else f"the graph <{target.iri}>"
        return rdf_page(f"Graph Store: {name}", f"The triples of {name}, to download.", triples=len(triples))
    fmt = choose(request, RDF, request.args.get("format"))
    items: list[ox.Triple] | list[ox.Quad] = triples
    if fmt.keeps_graphs and target.iri is not None:  # TriG, N-Quads, JSON-LD: the graph keeps its name
        items = [ox.Quad(t.subject, t.predicate, t.object, target.name) for t in triples]
    body = ox.serialize(items, format=fmt.rdf, prefixes=prefixes()) or b""
    response = Response(body, 200, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def _parse(data: bytes, mimetype: str, charset: str | None, base_iri: str) -> list[ox.Triple]:
    fmt = body_format(mimetype)
    require_utf8(charset)
    data = rdf_bytes(data, fmt)
    try:
        return [quad.triple for quad in ox.parse(data, format=fmt.rdf, base_iri=base_iri, without_named_graphs=True)]
    except SyntaxError as error:
        raise Problem(f"cannot parse the {mimetype} body: {joined_error(error)}") from None


def _body_triples(base_iri: str) -> list[ox.Triple]:
    if request.mimetype == MULTIPART.media_type:
        triples: list[ox.Triple] = []
        for part in request.files.values():
            triples += _parse(part.read(), part.mimetype, part.mimetype_params.get("charset"), base_iri)
        return triples
    return _parse(request.get_data(), request.mimetype, request.mimetype_params.get("charset"), base_iri)


def _write(target: Target, created_location: str | None = None) -> Response:
    """PUT, POST or DELETE `target` through the SHACL-gated transaction."""
    method = request.method
    if target.iri is None and _union():
        raise Problem(
            "the default graph is the union of all graphs here and is read-only: write to ?graph=IRI",
            405,
            {"Allow": READ_ONLY},
        )
    who = author(f"Graph Store {method} " + (f"<{target.iri}>" if target.iri else "default graph"))
    settings = runtime().settings
    if not settings.open_writes:
        check_graphs([target.iri or ox.DefaultGraph()], settings.base)
    triples = [] if method == "DELETE" else _body_triples(target.iri or base_url())
    data = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
    inner = f"GRAPH <{target.iri}> {{\n{data}}}" if target.iri else data
    with transaction(who) as tx:
        existed = target.iri is None or tx.rt.has_graph(target.iri)
        steps = []
        if method == "DELETE":
            if not existed:
                raise Problem(f"no graph <{target.iri}> in this store", 404)
            steps.append(f"DROP {target.sparql}")
        if method == "PUT":
            steps.append(f"DROP SILENT {target.sparql}")
        if method in ("PUT", "POST") and target.iri is not None:
            steps.append(f"CREATE SILENT GRAPH <{target.iri}>")
        if data:
            steps.append(f"INSERT DATA {{\n{inner}}}")
        changeset = tx.apply(" ;\n".join(steps))
    response = written(Response(status=204 if existed else 201), changeset)
    if created_location:
        response.headers["Location"] = created_location
    return response


def _handle(target: Target | None) -> Response:
    method = request.method
    if target is None:
        if method != "POST":
            raise Problem("name the graph: ?graph=IRI or ?default (or POST to create a new graph)")
        writer, settings = authorize(), runtime().settings  # 401/403 before anything else
        if settings.open_writes:
            iri = url_for("graph_store.direct", path=uuid.uuid4().hex, _external=True)
            return _write(Target(iri), created_location=iri)
        iri = f"{contribution_graph(writer, settings.base).value}/{uuid.uuid4().hex}"
        return _write(Target(iri), created_location=url_for("graph_store.indirect", graph=iri, _external=True))
    return _read(target) if method in ("GET", "HEAD") else _write(target)


@bp.route("/rdf-graphs", methods=ANY_METHOD)
@validated()
@methods(METHODS)
def indirect() -> Response:
    """Graph Store protocol with indirect graph identification (?graph=IRI or ?default)."""
    return _handle(_indirect())


@bp.route("/rdf-graphs/<path:path>", methods=ANY_METHOD)
@validated()
@methods(METHODS)
def direct(path: str) -> Response:
    """Graph Store protocol with direct identification: the request URL (without its query) is the graph IRI."""
    return _handle(Target(check_iri("graph URL", base_url())))

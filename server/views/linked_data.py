"""Linked Data: every IRI of the graph is answered by the server — an HTML page for people, RDF for machines.

Paths mirror IRIs: `/id/<rest>` is the entity `<base>id/<rest>`, `/graph/<rest>` the named graph `<base>graph/<rest>`,
`/ontology` the ontology (`https://w3id.org/mgkg/ontology`, whose terms are `…/ontology#Term`) and `/vocab/<rest>`
a concept scheme or concept (`https://w3id.org/mgkg/vocab/<rest>`). The base is the setting `base`: with the
server's own origin as base the IRIs resolve here directly; with the default w3id base, w3id.org redirects
`https://w3id.org/mgkg/…` to this server and the same paths answer (README, Linked Data).

**Direct content negotiation, no 303.** The IRI itself answers 200 in the negotiated format, with `Vary: Accept`,
`Content-Location` naming the format's own URL, and `Link: rel="alternate"` for every other format; the format's
URLs add a suffix (`.html`, `.ttl`, `.jsonld`, `.nt`, `.rdf`) and never negotiate. One request for a client such as
`curl -H 'Accept: text/turtle'`, and the suffixed URLs are stable documents to link to. A browser (text/html named
first, server.negotiation.prefers_html) gets the page; any other client Turtle unless it asks for JSON-LD,
N-Triples or RDF/XML. `?format=` names a format too. Every answer carries an ETag (the store's state and the request:
server.conditional; 304 on If-None-Match, without building the page) and is revalidated
(`Cache-Control: no-cache`). An IRI nothing in the store mentions is a 404.
Every page is built by a graph.pages job run through server.context.Runtime.run, as /sparql runs a query.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.urls import iri_to_uri

from graph.core.formats import HTML, Format, by_name
from graph.core.namespaces import MGKG, graph_iri, is_absolute_iri, normalize_base
from graph.pages.entity import Entity, EntityRequest, describe_entity
from graph.pages.ontology import OntologyRequest, document_ontology
from graph.pages.rdf import RdfRequest, describe_rdf
from server.conditional import validated
from server.context import runtime
from server.http import ANY_METHOD, Problem, methods
from server.negotiation import choose, prefers_html
from server.views import display

bp = Blueprint("linked", __name__)
display.install(bp)

VOCAB = display.VOCAB
RDF_OFFERED = tuple(by_name(name) for name in ("turtle", "jsonld", "nt", "xml"))
"""The RDF formats an IRI answers in, the default (Turtle) first."""
SUFFIXES: dict[str, Format] = {"html": HTML, "ttl": RDF_OFFERED[0], "jsonld": RDF_OFFERED[1], "nt": RDF_OFFERED[2],
                               "rdf": RDF_OFFERED[3]}  # fmt: skip
"""URL suffix → the format its document is in."""


def split_suffix(rest: str) -> tuple[str, Format | None]:
    """`rest` without a format suffix, and the suffix's format (None when it has none)."""
    stem, dot, suffix = rest.rpartition(".")
    if dot and stem and suffix in SUFFIXES:
        return stem, SUFFIXES[suffix]
    return rest, None


def wanted_format(suffixed: Format | None) -> Format:
    """The format to answer: the suffix's, else HTML for a browser, else the negotiated RDF format."""
    if suffixed is not None:
        return suffixed
    if prefers_html(request, RDF_OFFERED):
        return HTML
    return choose(request, RDF_OFFERED, request.args.get("format"))


def _checked(iri: str) -> str:
    if not is_absolute_iri(iri):
        raise Problem(f"{request.path!r} names no IRI of this graph", 404)
    return iri


def _not_found(iri: str) -> Problem:
    return Problem(f"nothing in this graph is called <{iri}>: search for it at /search?q=…", 404)


def _finish(response: Response, document: str, fmt: Format, negotiated: bool) -> Response:
    """Vary, Link (every format's URL) and Content-Location (a negotiated answer); server.conditional adds the ETag."""
    response.vary.add("Accept")
    document = iri_to_uri(document)  # header values are ASCII: an IRI's other characters travel percent-encoded
    links = [f'<{document}.{suffix}>; rel="alternate"; type="{f.media_type}"' for suffix, f in SUFFIXES.items()]
    response.headers["Link"] = ", ".join(links)
    if negotiated:
        response.headers["Content-Location"] = f"{document}.{next(s for s, f in SUFFIXES.items() if f is fmt)}"
    return response


def _rdf(iri: str, fmt: Format, *, graph: bool = False) -> Response:
    described = runtime().run(describe_rdf, RdfRequest(iri, runtime().settings, fmt.name, graph=graph))
    if described.count == 0:
        raise _not_found(iri)
    response = Response(described.body, 200, content_type=fmt.content_type)
    response.headers["X-MGKG-Truncated"] = "true" if described.truncated else "false"
    return response


def schema_org(entity: Entity, page: str) -> dict[str, Any]:
    """The schema.org description embedded in the page for search engines."""
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": display.schema_type([t.term["value"] for t in entity.types]),
        "@id": entity.iri, "name": entity.label, "url": page,
    }  # fmt: skip
    others = sorted({t["value"] for t in entity.labels} - {entity.label})
    if others:
        data["alternateName"] = others
    if entity.descriptions:
        data["description"] = entity.descriptions[0]["value"]
    if entity.same_as:
        data["sameAs"] = list(entity.same_as)
    return data


def entity_page(entity: Entity, document: str, *, graph: str | None = None) -> Response:
    """The HTML page of `entity` (document: its URL without suffix; graph: the graph IRI whose content it is)."""
    page = request.host_url.rstrip("/") + document
    body = render_template(
        "entity.html", entity=entity, document=document, suffixes=SUFFIXES, graph=graph,
        schema=schema_org(entity, page),
        describe=url_for("pages.index", query=f"DESCRIBE <{entity.iri}>"),
    )  # fmt: skip
    return Response(body, 200, content_type=HTML.content_type)


def resource(iri: str, document: str, suffixed: Format | None, *, graph: bool = False) -> Response:
    """The answer for the IRI `iri`, whose documents are at `document` + suffix."""
    iri = _checked(iri)
    fmt = wanted_format(suffixed)
    if fmt is HTML:
        entity = runtime().run(describe_entity, EntityRequest(iri, runtime().settings))
        if entity is None:
            raise _not_found(iri)
        response = entity_page(entity, document, graph=iri if graph else None)
    else:
        response = _rdf(iri, fmt, graph=graph)
    return _finish(response, document, fmt, negotiated=suffixed is None)


def _document(prefix: str, rest: str) -> str:
    return f"{request.script_root}/{prefix}/{rest}"


@bp.route("/id/<path:rest>", methods=ANY_METHOD)
@validated()
@methods("GET, HEAD")
def entity(rest: str) -> Response:
    """An entity `<base>id/<rest>`: its page, or its triples (subject or object) in the negotiated RDF format."""
    rest, suffixed = split_suffix(rest)
    base = normalize_base(runtime().settings.base)
    return resource(f"{base}id/{rest}", _document("id", rest), suffixed)


@bp.route("/graph/<path:rest>", methods=ANY_METHOD)
@validated()
@methods("GET, HEAD")
def graph(rest: str) -> Response:
    """A named graph `<base>graph/<rest>`: a page about it (its document, its statements), or its triples."""
    rest, suffixed = split_suffix(rest)
    iri = str(graph_iri(rest, runtime().settings.base))
    return resource(iri, _document("graph", rest), suffixed, graph=True)


@bp.route("/vocab/<path:rest>", methods=ANY_METHOD)
@validated()
@methods("GET, HEAD")
def vocabulary(rest: str) -> Response:
    """A concept scheme or concept `https://w3id.org/mgkg/vocab/<rest>` (never rebased): page or triples."""
    rest, suffixed = split_suffix(rest)
    return resource(VOCAB + rest, _document("vocab", rest), suffixed)


@bp.route("/ontology", methods=ANY_METHOD)
@bp.route("/ontology.<suffix>", methods=ANY_METHOD)
@validated()
@methods("GET, HEAD")
def ontology(suffix: str | None = None) -> Response:
    """The ontology: its documentation page (every class, property, scheme and concept), or the ontology graph."""
    if suffix is not None and suffix not in SUFFIXES:
        raise Problem(f"no document /ontology.{suffix}: use one of {', '.join('.' + s for s in SUFFIXES)}", 404)
    suffixed = SUFFIXES[suffix] if suffix else None
    fmt = wanted_format(suffixed)
    settings = runtime().settings
    if fmt is HTML:
        doc = runtime().run(document_ontology, OntologyRequest(settings))
        body = render_template("ontology.html", doc=doc, suffixes=SUFFIXES, namespace=str(MGKG))
        response = Response(body, 200, content_type=HTML.content_type)
    else:
        response = _rdf(str(graph_iri("ontology", settings.base)), fmt, graph=True)
    return _finish(response, f"{request.script_root}/ontology", fmt, negotiated=suffixed is None)


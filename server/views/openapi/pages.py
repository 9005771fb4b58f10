"""The OpenAPI paths of the pages for people and Linked Data clients: dereferenceable IRIs, search, class indexes."""

from __future__ import annotations

from typing import Any

from graph.core.formats import HTML, JSON
from graph.pages.browse import INDEXES, MAX_PAGE
from graph.pages.labels import MAX_IRIS
from graph.pages.search import MAX_LENGTH, MIN_LENGTH, TEXT_PATTERN
from server.views.browse import MAX_SEARCH_LIMIT, SEARCH_LIMIT
from server.views.linked_data import RDF_OFFERED, SUFFIXES
from server.views.openapi.schemas import TEXT_SCHEMA as TEXT
from server.views.openapi.schemas import format_names

PROBLEM = {"$ref": "#/components/responses/Problem"}
RDF_PAGE_TYPES = [HTML.media_type, *(f.media_type for f in RDF_OFFERED)]


def _content(types: list[str]) -> dict[str, Any]:
    return {media_type: {"schema": TEXT} for media_type in types}


def _resource(operation_id: str, summary: str, what: str) -> dict[str, Any]:
    """A dereferenceable IRI: the page or RDF by Accept, any format by suffix, 404 (ETag and 304: conditional)."""
    return {"get": {
        "operationId": operation_id, "summary": summary,
        "description": f"{what} Direct content negotiation (no 303): a browser gets the HTML page, other clients "
                       f"Turtle, JSON-LD, N-Triples or RDF/XML by Accept; the suffixes "
                       f"{', '.join('.' + s for s in SUFFIXES)} name one format each. Vary: Accept, "
                       "Content-Location, Link rel=alternate, ETag (If-None-Match gives 304).",
        "parameters": [{"name": "rest", "in": "path", "required": True, "schema": TEXT,
                        "description": "the IRI's path after the folder, optionally with a format suffix"}],
        "responses": {
            "200": {"description": "The page or the RDF.", "content": _content(RDF_PAGE_TYPES),
                    "headers": {"Link": {"schema": TEXT}}},
            "404": PROBLEM, "406": PROBLEM,
        },
    }}  # fmt: skip


def _hits() -> dict[str, Any]:
    hit = {"type": "object", "properties": {
        "iri": TEXT, "label": TEXT, "types": {"type": "array", "items": TEXT}, "matched": TEXT, "field": TEXT,
        "score": {"type": "number"}, "page": {"type": ["string", "null"]}}}  # fmt: skip
    return {"type": "object", "properties": {
        "query": TEXT, "total": {"type": "integer"}, "truncated": {"type": "boolean"},
        "hits": {"type": "array", "items": hit}}}  # fmt: skip


def _search() -> dict[str, Any]:
    return {"get": {
        "operationId": "search", "summary": "Search names and codes",
        "description": "Labels, alternative labels and codes (IOM Projects ID such as TC.0287, PRIMA ID such as "
                       "ME10P0003, acronyms, notations); every word must match; best first: the whole name or "
                       "code, then names starting with it, containing it as a phrase, containing every word.",
        "parameters": [
            {"name": "q", "in": "query", "required": True,
             "description": "At least two characters besides spaces, one of them a letter or digit.",
             "schema": {"type": "string", "minLength": MIN_LENGTH, "maxLength": MAX_LENGTH, "pattern": TEXT_PATTERN}},
            {"name": "limit", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SEARCH_LIMIT, "default": SEARCH_LIMIT}},
        ],
        "responses": {"200": {"description": "The hits.", "content": {JSON.media_type: {"schema": _hits()}}},
                      "400": PROBLEM},
    }}  # fmt: skip


_VALUE = {"type": "object", "required": ["value", "label", "count", "chosen"],
          "properties": {"value": TEXT, "label": TEXT, "count": {"type": "integer", "minimum": 0},
                         "chosen": {"type": "boolean"}}}
INDEX_JSON: dict[str, Any] = {
    "type": "object", "required": ["index", "title", "total", "page", "pages", "members", "facets", "chosen"],
    "properties": {
        "index": TEXT, "title": TEXT, "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1}, "pages": {"type": "integer", "minimum": 0},
        "members": {"type": "array", "items": {"type": "object", "required": ["iri", "label", "page"],
                                               "properties": {"iri": TEXT, "label": TEXT, "page": TEXT}}},
        "facets": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["title", "values"],
            "properties": {"title": TEXT, "values": {"type": "array", "items": _VALUE}}}},
        "chosen": {"type": "array", "items": {"type": "object"}},
    },
}
"""A class index as JSON (`format=json`): one page of members and the facets' values."""


def _index() -> dict[str, Any]:
    facets = sorted({f.name for index in INDEXES.values() for f in index.facets})
    return {"get": {
        "operationId": "browse", "summary": "A class index with facets",
        "description": "Members of the class, narrowed by facet values (repeat a facet to require several values; "
                       "an IRI or a prefixed name, a year for `year`), with each facet's most frequent values and "
                       f"counts; 50 members a page. Facets: {', '.join(facets)} (each index has some of them).",
        "parameters": [
            {"name": "index", "in": "path", "required": True, "schema": {"type": "string", "enum": list(INDEXES)}},
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
            {"name": "format", "in": "query", "schema": format_names(["html", "json"])},
        ],
        "responses": {"200": {"description": "The index page.",
                              "content": {**_content([HTML.media_type]), JSON.media_type: {"schema": INDEX_JSON}}},
                      "400": PROBLEM, "404": PROBLEM},
    }}  # fmt: skip


def _labels() -> dict[str, Any]:
    iris = {"type": "array", "maxItems": MAX_IRIS, "items": {"type": "string", "format": "iri"}}
    label = {"type": "object", "required": ["iri", "label", "page"], "properties": {
        "iri": TEXT, "label": {"type": ["string", "null"]}, "page": {"type": ["string", "null"]}}}  # fmt: skip
    return {"post": {
        "operationId": "labels", "summary": "Labels of IRIs, and their pages on this server",
        "description": "What a result table shows for an IRI: its label (rdfs:label or skos:prefLabel, English "
                       "first), null without one, and the path of its page on this server (/id/…, /ontology#…, "
                       f"/vocab/…), null for IRIs outside the graph. At most {MAX_IRIS} IRIs a request.",
        "requestBody": {"required": True, "content": {JSON.media_type: {"schema": {
            "type": "object", "required": ["iris"], "additionalProperties": False,
            "properties": {"iris": iris}}}}},
        "responses": {"200": {"description": "One entry per IRI asked, in order, once.", "content": {
            JSON.media_type: {"schema": {"type": "object", "required": ["labels"],
                                         "properties": {"labels": {"type": "array", "items": label}}}}}},
                      "400": PROBLEM, "415": PROBLEM},
    }}  # fmt: skip


def page_paths() -> dict[str, Any]:
    """The OpenAPI paths of the Linked Data resources, search and the class indexes."""
    return {
        "/id/{rest}": _resource("entity", "An entity", "The entity <base>id/{rest}: its page, or its triples."),
        "/graph/{rest}": _resource("graph", "A named graph", "The named graph <base>graph/{rest}: a page about it, "
                                                              "or its triples."),
        "/vocab/{rest}": _resource("concept", "A concept or concept scheme",
                                   "https://w3id.org/mgkg/vocab/{rest}: its page, or its triples."),
        "/ontology": {"get": {
            "operationId": "ontology", "summary": "The ontology",
            "description": "Its documentation page (every class, property, concept scheme and concept), or the "
                           "ontology graph by Accept; /ontology.ttl etc. name a format.",
            "responses": {"200": {"description": "The page or the RDF.", "content": _content(RDF_PAGE_TYPES)},
                          "406": PROBLEM}}},
        "/search.json": _search(),
        "/browse/{index}": _index(),
        "/labels": _labels(),
    }  # fmt: skip

"""The W3C faces of the service in the OpenAPI document: /sparql (SPARQL 1.1 Protocol), /rdf-graphs (Graph Store
HTTP Protocol) and /shacl.

A query or an update is a string of `format: sparql-query` / `sparql-update`, which JSON Schema cannot check:
what the service refuses as SPARQL is a 400. The graphs a dataset may name (default-graph-uri, named-graph-uri,
using-graph-uri …) are this store's named graphs, or IRIs under the allowlist: the document lists them as they
were when it was fetched. Writes need the bearer token (401 without it, 403 with another one; when writes are
off, 403 whatever the request holds, and the document asks for no token) and a result that conforms to the
shapes (else 422 with the report).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from graph.core.formats import FORM, MULTIPART, RDF, SPARQL_QUERY, SPARQL_UPDATE, media_types
from server.http import BODY_FORMATS
from server.views.openapi.schemas import (
    GRAPH_TYPES,
    IRI,
    QUERY_FAILURES,
    RESULT_TYPES,
    TEXT_SCHEMA,
    Schema,
    content,
    format_names,
    format_parameter,
    ok,
    problems,
    query_parameter,
    ref,
)
from server.views.shacl import QUAD_FORMATS, REPORT_FORMATS
from server.writes import REPORT_FORMATS as WRITE_REPORT_FORMATS

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
QUERY: Schema = {"type": "string", "format": "sparql-query"}
ANY_FORM_FORMAT: Schema = format_names(["json", "xml"])
"""The `format` names that fit a query of any form (json: SPARQL JSON or JSON-LD, xml: SPARQL XML or RDF/XML)."""
UPDATE: Schema = {"type": "string", "format": "sparql-update"}


def graph_schema(graphs: Sequence[str], allowlist: Sequence[str]) -> Schema:
    """A graph a dataset may name: one of `graphs` (the store's) or an absolute IRI under an allowlisted prefix."""
    known: Schema = {"type": "string", "enum": list(graphs)} if graphs else {"not": {}}
    prefixes = [p for p in allowlist if p]
    if not prefixes:
        return known
    under = "|".join(re.escape(p) for p in prefixes)
    allowed = {**IRI, "pattern": f"^(?:{under})"}
    return {"anyOf": [known, allowed]}


def _array(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def _form(fields: dict[str, Schema], refused: tuple[str, ...]) -> Schema:
    """A form (or query string) of the protocol: `fields`, the first required; other fields are ignored, but not
    those `refused` (the other operation's, a `format` described elsewhere or whose values depend on the query)."""
    return {
        "type": "object",
        "properties": fields,
        "required": [next(iter(fields))],
        "propertyNames": {"not": {"enum": list(refused)}},
        "additionalProperties": TEXT_SCHEMA,  # ignored; text (a value described as any JSON was sent as other fields)
    }


def _rejected(statuses: tuple[int, ...]) -> dict[str, Any]:
    """The errors of a write: Problems, and 422 with the SHACL report of the refused change."""
    report = ok("The change was not applied: the SHACL report of what it would break.", WRITE_REPORT_FORMATS,
                ref("ShaclReport"))  # fmt: skip
    return {**problems(*statuses), "422": report}


def sparql(graphs: Sequence[str], allowlist: Sequence[str], writes_enabled: bool) -> dict[str, Any]:
    """The path item of /sparql: GET a query (or the service description), POST a query or an update (with the
    bearer token when writes are enabled, else refused with 403)."""
    graph = graph_schema(graphs, allowlist)
    graphs_given = _array(graph)
    query_fields = {"query": QUERY, "default-graph-uri": _array(graph), "named-graph-uri": _array(graph),
                    "format": ANY_FORM_FORMAT}
    query_form = _form(query_fields, ("update", "using-graph-uri", "using-named-graph-uri"))
    update_form = _form({"update": UPDATE, "using-graph-uri": _array(graph), "using-named-graph-uri": _array(graph)},
                        ("query", "default-graph-uri", "named-graph-uri"))
    answers = ok("Query results, or the service description without a query.", [*RESULT_TYPES, *GRAPH_TYPES])
    return {
        "get": {
            "operationId": "sparql_get",
            "tags": ["SPARQL"],
            "summary": "SPARQL 1.1 query (without `query`: the service description)",
            "description": "The answer's format follows Accept; a `format` parameter naming one (json, xml, csv, "
            "tsv for SELECT and ASK; turtle, nt, jsonld, xml, trig, nquads for CONSTRUCT and DESCRIBE) overrides it.",
            "parameters": [
                query_parameter("query", "The SPARQL query.", QUERY),
                query_parameter("default-graph-uri", "A graph of the default graph (repeatable).", graphs_given),
                query_parameter("named-graph-uri", "A named graph of the dataset (repeatable).", graphs_given),
            ],
            "responses": {"200": answers, **problems(400, 406, *QUERY_FAILURES)},
        },
        "post": {
            "operationId": "sparql_post",
            "tags": ["SPARQL"],
            "summary": "SPARQL 1.1 query or update (updates need the bearer token)",
            "description": "A form holds the query or the update with its dataset; with an "
            f"{SPARQL_QUERY.media_type} body the dataset parameters go in the URL (default-graph-uri, "
            f"named-graph-uri), with an {SPARQL_UPDATE.media_type} body too (using-graph-uri, "
            "using-named-graph-uri).",
            "requestBody": {
                "required": True,
                "content": {
                    FORM.media_type: {"schema": {"oneOf": [query_form, update_form]}},
                    SPARQL_QUERY.media_type: {"schema": QUERY},
                    SPARQL_UPDATE.media_type: {"schema": UPDATE},
                },
            },
            **({"security": [{}, *BEARER]} if writes_enabled else {}),
            "responses": {
                "200": answers,
                "204": {"description": "The update was applied."},
                **_rejected((400, 401, 403, 406, 411, 413, 415, *QUERY_FAILURES)),
            },
        },
    }


def _selector(default_graph: bool, required: bool) -> Schema:
    """The graph a request names: ?graph=IRI, or ?default when `default_graph` (one object, exploded; other
    parameters are ignored, as the protocol's forms)."""
    if not default_graph:
        return query_parameter("graph", "The IRI of the graph.", IRI, required=required)
    named = _form({"graph": IRI}, ("default",))
    default = _form({"default": TEXT_SCHEMA}, ("graph",))  # its presence is what counts, whatever its text
    return {
        "name": "target",
        "in": "query",
        "required": required,
        "description": "The graph: `graph=IRI`, or `default` (give it no value) for the default graph.",
        "style": "form",
        "explode": True,
        "schema": {"oneOf": [named, default]},
    }


def graph_store(union_default_graph: bool, writes_enabled: bool) -> dict[str, Any]:
    """The path item of /rdf-graphs; the default graph is read-only when it is the union of the named graphs, and
    writes need the bearer token (refused with 403 when writes are disabled)."""
    write = {
        "tags": ["Graph Store"],
        **({"security": BEARER} if writes_enabled else {}),
        "responses": {
            "201": {"description": "The graph was created."},
            "204": {"description": "The graph was changed."},
            **_rejected((400, 401, 403, 404, 411, 413, 415, *QUERY_FAILURES)),
        },
    }
    rdf = content(media_types(BODY_FORMATS))
    body = {"required": True, "content": rdf}
    writable_default = not union_default_graph
    note = (
        f"The body is RDF by Content-Type, or {MULTIPART.media_type} with one RDF part per file."
        + (" The default graph is the union of the named graphs here, and read-only." if union_default_graph else "")
    )
    return {
        "get": {
            "operationId": "graph_get",
            "tags": ["Graph Store"],
            "summary": "Get a graph (?default: the default graph)",
            "parameters": [_selector(True, required=True), format_parameter(RDF)],
            "responses": {"200": ok("The graph.", GRAPH_TYPES), **problems(400, 404, 406)},
        },
        "put": {"operationId": "graph_put", "summary": "Replace the graph", "description": note,
                "parameters": [_selector(writable_default, required=True)], "requestBody": body, **write},
        "post": {"operationId": "graph_post", "summary": "Add to the graph (without one: create a new graph)",
                 "description": note, "parameters": [_selector(writable_default, required=False)],
                 "requestBody": body, **write},
        "delete": {"operationId": "graph_delete", "summary": "Drop the graph",
                   "parameters": [_selector(writable_default, required=True)], **write},
    }  # fmt: skip


def shacl() -> dict[str, Any]:
    """The path item of /shacl: validate posted data, or a stored graph against posted shapes."""
    conforms = {
        "X-SHACL-Conforms": {"description": "Whether the data conforms.", "schema": {"enum": ["true", "false"]}}
    }
    stored = {"anyOf": [{"enum": ["default", "union"]}, IRI]}
    return {
        "post": {
            "operationId": "shacl_validate",
            "tags": ["SHACL"],
            "summary": "Validate posted data against mgkg's shapes, or a stored graph against posted shapes",
            "parameters": [
                query_parameter("graph", "Validate this stored graph (an IRI, `default` or `union`) against the body.",
                                stored),
                query_parameter("target", "Report only on this focus node (an IRI or a prefixed name).", IRI),
                format_parameter(REPORT_FORMATS),
            ],
            "requestBody": {"required": True, "content": content(media_types((*BODY_FORMATS, *QUAD_FORMATS)))},
            "responses": {
                "200": ok("The validation report.", REPORT_FORMATS, ref("ShaclReport"), headers=conforms),
                **problems(400, 404, 406, 413, 415, *QUERY_FAILURES),
            },
        }
    }


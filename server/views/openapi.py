"""The OpenAPI 3.1 document of the service: /sparql, /rdf-graphs, /shacl, the descriptions, dumps and named queries.

Each named query gets a path of its own (`/queries/<name>`) whose parameters are its header's parameters:
iri → string (format iri; a prefixed name such as prj:tc-0287 is accepted too), string → string,
integer → integer, decimal → number, date → string (format date), year → string (pattern ^[0-9]{4}$);
required unless optional, with the default where the header gives one. Media types come from the same
lists the endpoints negotiate with, so the document cannot offer a format the service does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from graph.core.formats import (
    FORM,
    GZIP,
    HTML,
    INDEX,
    JSON,
    MULTIPART,
    RDF,
    RESULTS,
    SPARQL_QUERY,
    SPARQL_UPDATE,
    media_types,
)
from graph.core.formats import TEXT as PLAIN
from graph.named_queries import NamedQuery, Parameter
from server.http import BODY_FORMATS
from server.views.dumps import DUMPS
from server.views.openapi_pages import page_paths
from server.views.shacl import QUAD_FORMATS, REPORT_FORMATS

OPENAPI_VERSION = "3.1.0"
SCHEMAS: dict[str, dict[str, str]] = {
    "iri": {"type": "string", "format": "iri"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "year": {"type": "string", "pattern": "^[0-9]{4}$"},
}
"""Named-query parameter type → JSON Schema."""

TEXT = {"type": "string"}
IRI = {"type": "string", "format": "iri"}
IRIS = {"type": "array", "items": IRI}
RESULT_TYPES = [f.media_type for f in RESULTS]
GRAPH_TYPES = [f.media_type for f in RDF]
PROBLEM = {"$ref": "#/components/responses/Problem"}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _version() -> str:
    try:
        return version("mgkg")
    except PackageNotFoundError:
        return "0.0.0"


def content(media_types: Iterable[str], schema: Mapping[str, Any] = TEXT) -> dict[str, Any]:
    """An OpenAPI content map: every media type with the same schema."""
    return {media: {"schema": dict(schema)} for media in media_types}


def ok(description: str, media_types: Iterable[str], **extra: Any) -> dict[str, Any]:
    """A success response with the given media types (extra keys such as headers added as they are)."""
    return {"description": description, "content": content(media_types), **extra}


def problems(*statuses: int) -> dict[str, Any]:
    """The error responses: each a one-line Problem (text/plain or JSON)."""
    return {str(status): PROBLEM for status in statuses}


def query_parameter(name: str, description: str, schema: Mapping[str, Any] = TEXT, **extra: Any) -> dict[str, Any]:
    """An optional query-string parameter."""
    return {"name": name, "in": "query", "required": False, "description": description, "schema": dict(schema), **extra}


def format_parameter(names: Iterable[str]) -> dict[str, Any]:
    """The `format` parameter, overriding Accept with one of `names`."""
    return query_parameter("format", "The answer's format (overrides Accept).", {"type": "string", "enum": list(names)})


def parameter_schema(parameter: Parameter) -> dict[str, Any]:
    """The JSON Schema of a named-query parameter, with its default converted to the schema's type."""
    schema: dict[str, Any] = dict(SCHEMAS[parameter.type])
    if parameter.default is not None:
        default: Any = parameter.default
        if parameter.type == "integer":
            default = int(default)
        elif parameter.type == "decimal":
            default = float(Decimal(default))
        schema["default"] = default
    return schema


def named_query_path(query: NamedQuery) -> dict[str, Any]:
    """The path item of one named query: GET with query parameters, POST with a form or JSON body."""
    parameters = [
        {
            "name": p.name,
            "in": "query",
            "required": not p.optional,
            "description": p.description + (" (an absolute IRI or a prefixed name)" if p.type == "iri" else ""),
            "schema": parameter_schema(p),
        }
        for p in query.parameters
    ]
    properties = {p.name: parameter_schema(p) for p in query.parameters}
    body = {
        "type": "object",
        "properties": properties,
        "required": [p.name for p in query.parameters if not p.optional],
    }
    if not body["required"]:
        del body["required"]
    responses = {
        "200": ok("The results (an HTML table for text/html).", [*RESULT_TYPES, HTML.media_type]),
        **problems(400, 403, 406, 415, 503),
    }
    names = [f.name for f in (*RESULTS, HTML)]
    return {
        "summary": query.title,
        "description": query.description,
        "get": {
            "operationId": f"get_{query.name.replace('-', '_')}",
            "tags": ["named queries"],
            "parameters": [*parameters, format_parameter(names)],
            "responses": responses,
        },
        "post": {
            "operationId": f"post_{query.name.replace('-', '_')}",
            "tags": ["named queries"],
            "parameters": [format_parameter(names)],
            "requestBody": {"content": content([FORM.media_type, JSON.media_type], body)},
            "responses": responses,
        },
    }


def _sparql() -> dict[str, Any]:
    dataset = [
        query_parameter("default-graph-uri", "A graph of the default graph (repeatable).", IRIS, explode=True),
        query_parameter("named-graph-uri", "A named graph of the dataset (repeatable).", IRIS, explode=True),
    ]
    form = {
        "type": "object",
        "properties": {
            "query": TEXT, "update": TEXT, "default-graph-uri": IRIS, "named-graph-uri": IRIS,
            "using-graph-uri": IRIS, "using-named-graph-uri": IRIS,
        },
    }  # fmt: skip
    answers = ok("Query results, or the service description without a query.", [*RESULT_TYPES, *GRAPH_TYPES])
    return {
        "get": {
            "operationId": "sparql_get",
            "tags": ["SPARQL"],
            "summary": "SPARQL 1.1 query (without `query`: the service description)",
            "parameters": [
                query_parameter("query", "The SPARQL query."),
                *dataset,
                format_parameter(f.name for f in (*RESULTS, *RDF)),
            ],
            "responses": {"200": answers, **problems(400, 406, 503)},
        },
        "post": {
            "operationId": "sparql_post",
            "tags": ["SPARQL"],
            "summary": "SPARQL 1.1 query or update (updates need the bearer token)",
            "parameters": dataset,
            "requestBody": {
                "required": True,
                "content": {
                    FORM.media_type: {"schema": form},
                    SPARQL_QUERY.media_type: {"schema": TEXT},
                    SPARQL_UPDATE.media_type: {"schema": TEXT},
                },
            },
            "security": [{}, *BEARER],
            "responses": {
                "200": answers,
                "204": {"description": "The update was applied."},
                **problems(400, 401, 403, 406, 413, 415, 422, 503),
            },
        },
    }


def _graph_store() -> dict[str, Any]:
    graph = [
        query_parameter("default", "The default graph (give no value).", allowEmptyValue=True),
        query_parameter("graph", "The IRI of the graph.", IRI),
    ]
    write = {
        "tags": ["Graph Store"],
        "security": BEARER,
        "responses": {
            "201": {"description": "The graph was created."},
            "204": {"description": "The graph was changed."},
            **problems(400, 401, 403, 404, 405, 413, 415, 422, 503),
        },
    }
    body = {"required": True, "content": content([*media_types(BODY_FORMATS), MULTIPART.media_type])}
    return {
        "parameters": graph,
        "get": {
            "operationId": "graph_get",
            "tags": ["Graph Store"],
            "parameters": [format_parameter(f.name for f in RDF)],
            "responses": {"200": ok("The graph.", GRAPH_TYPES), **problems(400, 404, 406)},
        },
        "put": {"operationId": "graph_put", "summary": "Replace the graph", "requestBody": body, **write},
        "post": {
            "operationId": "graph_post",
            "summary": "Add to the graph (or create one)",
            "requestBody": body,
            **write,
        },
        "delete": {"operationId": "graph_delete", "summary": "Drop the graph", **write},
    }


def _shacl() -> dict[str, Any]:
    conforms = {
        "X-SHACL-Conforms": {"description": "Whether the data conforms.", "schema": {"enum": ["true", "false"]}}
    }
    return {
        "post": {
            "operationId": "shacl_validate",
            "tags": ["SHACL"],
            "summary": "Validate posted data against mgkg's shapes, or a stored graph against posted shapes",
            "parameters": [
                query_parameter("graph", "Validate this stored graph (an IRI, `default` or `union`) against the body."),
                query_parameter("target", "Report only on this focus node (an IRI or a prefixed name)."),
                format_parameter(f.name for f in REPORT_FORMATS),
            ],
            "requestBody": {"required": True, "content": content(media_types((*BODY_FORMATS, *QUAD_FORMATS)))},
            "responses": {
                "200": ok("The validation report.", [f.media_type for f in REPORT_FORMATS], headers=conforms),
                **problems(400, 404, 406, 415, 503),
            },
        }
    }


def _get(operation_id: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "summary": summary, "responses": responses, **extra}}


def build_openapi(queries: Mapping[str, NamedQuery], server_url: str, writes_enabled: bool) -> dict[str, Any]:
    """The OpenAPI document of the service at `server_url` (writes_enabled only changes the description)."""
    writes = "enabled: they need the bearer token" if writes_enabled else "disabled on this server"
    index_types = [f.media_type for f in INDEX]
    graph_answer = {"200": ok("RDF in the negotiated format.", GRAPH_TYPES), **problems(406)}
    paths: dict[str, Any] = {
        "/sparql": _sparql(),
        "/rdf-graphs": _graph_store(),
        "/shacl": _shacl(),
        "/service-description": _get("service_description", "SPARQL Service Description", graph_answer),
        "/.well-known/void": _get("void", "VoID description of the dataset", graph_answer),
        "/dumps/": _get("dumps", "The list of dumps", {"200": ok("The dumps.", index_types), **problems(406)}),
        "/dumps/{name}": _get(
            "dump",
            "One dump, gzipped (ETag: its SHA-256)",
            {
                "200": ok("The dump.", [GZIP.media_type], headers={"ETag": {"schema": TEXT}}),
                "304": {"description": "Not modified (If-None-Match)."},
                **problems(404),
            },
            parameters=[
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": list(DUMPS)}}
            ],
        ),
        "/queries": _get(
            "queries", "The named queries", {"200": ok("The named queries.", index_types), **problems(406)}
        ),
        "/openapi.json": _get("openapi", "This document", {"200": ok("OpenAPI 3.1.", [JSON.media_type])}),
    }
    for name, query in queries.items():
        paths[f"/queries/{name}"] = named_query_path(query)
    paths.update(page_paths())  # Linked Data, search, class indexes (server.views.openapi_pages)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "mgkg: Migration Governance Knowledge Graph",
            "version": _version(),
            "description": f"SPARQL endpoint, Graph Store, SHACL validation and named queries. Writes are {writes}.",
        },
        "servers": [{"url": server_url.rstrip("/") or "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Problem": {
                    "description": "The request was refused: one line of text, or JSON when preferred.",
                    "content": {
                        PLAIN.media_type: {"schema": TEXT},
                        JSON.media_type: {
                            "schema": {
                                "type": "object",
                                "properties": {"error": TEXT, "status": {"type": "integer"}},
                                "required": ["error", "status"],
                            }
                        },
                    },
                }
            },
        },
    }

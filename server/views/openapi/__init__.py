"""The OpenAPI 3.1 document of the service: /sparql, /rdf-graphs, /shacl, the descriptions, dumps and named queries.

It describes the server that serves it: its named queries (server.views.openapi.named), its graphs and allowlist
(the graphs a dataset may name), whether its default graph is writable, whether writes are on. Media types come
from the lists the endpoints negotiate with, so the document cannot offer a format the service does not; every
JSON answer has a schema (server.views.openapi.schemas). `make fuzz` and tests/test_openapi_fuzz.py hold the
service to it with schemathesis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from graph.core.formats import GZIP, INDEX, JSON
from graph.named_queries import NamedQuery
from server.views.dumps import DUMPS
from server.views.openapi import protocol
from server.views.openapi.changes import changes_paths
from server.views.openapi.named import SCHEMAS, named_query_path, parameter_schema
from server.views.openapi.pages import page_paths
from server.views.openapi.schemas import (
    COMPONENTS,
    GRAPH_TYPES,
    JSON_LD,
    PROBLEM_RESPONSE,
    TEXT_SCHEMA,
    ok,
    problems,
    ref,
)

OPENAPI_VERSION = "3.1.0"

__all__ = ["SCHEMAS", "build_openapi", "parameter_schema"]


def _version() -> str:
    try:
        return version("mgkg")
    except PackageNotFoundError:
        return "0.0.0"


def _get(operation_id: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "summary": summary, "responses": responses, **extra}}


def _documents() -> dict[str, Any]:
    """The paths of the descriptions, the dumps, the list of named queries and this document."""
    graph_answer = {"200": ok("RDF in the negotiated format.", GRAPH_TYPES), **problems(406)}
    dump = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": list(DUMPS)}}
    return {
        "/service-description": _get("service_description", "SPARQL Service Description", graph_answer),
        "/.well-known/void": _get("void", "VoID description of the dataset", graph_answer),
        "/dumps/": _get("dumps", "The list of dumps",
                        {"200": ok("The dumps.", INDEX, ref("Dumps")), **problems(406)}),
        "/dumps/{name}": _get(
            "dump",
            "One dump, gzipped (ETag: its SHA-256)",
            {"200": ok("The dump.", [GZIP]), **problems(404)},
            parameters=[dump],
        ),
        "/context.jsonld": _get(
            "jsonld_context",
            "mgkg's JSON-LD @context: the prefixes JSON-LD exports use (ETag: its SHA-256)",
            {"200": ok("The context.", [JSON_LD])},
        ),
        "/queries": _get("queries", "The named queries",
                         {"200": ok("The named queries.", INDEX, ref("Queries")), **problems(406)}),
        "/openapi.json": _get("openapi", "This document", {"200": ok("OpenAPI 3.1.", [JSON], ref("OpenApi"))}),
    }  # fmt: skip


ETAG_HEADERS: dict[str, Any] = {
    "ETag": {"description": "The answer's validator (W/\"…\": from the store's state and the request; else the "
             "SHA-256 of the body): send it back in If-None-Match.", "schema": TEXT_SCHEMA},
    "Cache-Control": {"description": "no-cache: revalidate before reuse (a write changes the answer).",
                      "schema": TEXT_SCHEMA},
}
"""The headers of every 200 answer to a GET (server.conditional)."""

IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match", "in": "header", "required": False, "schema": TEXT_SCHEMA,
    "description": "ETags of answers the client holds (a list, or *): 304 without a body when one is current.",
}


def conditional(operation: dict[str, Any]) -> None:
    """A GET operation with If-None-Match, the ETag and Cache-Control of its 200 and the 304 (server.conditional)."""
    operation["parameters"] = [*operation.get("parameters", []), IF_NONE_MATCH]
    responses = operation["responses"]
    if "200" in responses:
        responses["200"] = {**responses["200"], "headers": {**ETAG_HEADERS, **responses["200"].get("headers", {})}}
    responses["304"] = {"description": "Not modified: If-None-Match names the current answer (or is *).",
                        "headers": ETAG_HEADERS}


def build_openapi(
    queries: Mapping[str, NamedQuery], server_url: str, writes_enabled: bool, *, graphs: Sequence[str] = (),
    allowlist: Sequence[str] = (), union_default_graph: bool = True,
) -> dict[str, Any]:
    """The OpenAPI document of the service at `server_url`: its named queries, the named graphs a dataset may name
    (`graphs`, or under the `allowlist`), whether its default graph is the read-only union and writes are on."""
    writes = "enabled: they need the bearer token" if writes_enabled else "disabled on this server"
    paths: dict[str, Any] = {
        "/sparql": protocol.sparql(graphs, allowlist, writes_enabled),
        "/rdf-graphs": protocol.graph_store(union_default_graph, writes_enabled),
        "/shacl": protocol.shacl(),
        **_documents(),
        **changes_paths(writes_enabled),
        **page_paths(),
    }
    for name, query in queries.items():
        paths[f"/queries/{name}"] = named_query_path(query)
    for item in paths.values():
        if "get" in item:
            conditional(item["get"])
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "mgkg: Migration Governance Knowledge Graph",
            "version": _version(),
            "description": (
                "SPARQL endpoint, Graph Store, SHACL validation, named queries and the changes made by writes. "
                f"Writes are {writes}."
            ),
        },
        "servers": [{"url": server_url.rstrip("/") or "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": COMPONENTS,
            "responses": {"Problem": PROBLEM_RESPONSE},
        },
    }

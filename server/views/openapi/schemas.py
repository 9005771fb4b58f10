"""The pieces of the OpenAPI document: JSON Schemas of what the service answers and reads, and the helpers that
make responses, parameters and content maps of them.

Every JSON answer has its schema (components/schemas), so a client — or a fuzzer — can check the answers: SPARQL
JSON results, JSON-LD, the dumps and queries indexes, the SHACL report and the one-line problem. Other media types
(Turtle, CSV, HTML …) are text. An IRI is JSON Schema's `format: iri`, as the service checks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph.core.formats import JSON, RDF, RESULTS, TEXT, Format, by_name
from graph.named_queries import VIEWS

Schema = dict[str, Any]

TEXT_SCHEMA: Schema = {"type": "string"}
IRI: Schema = {"type": "string", "format": "iri"}
"""An absolute IRI (RFC 3987), as the service checks one (graph.core.namespaces.is_absolute_iri)."""

SPACE = "[" + "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace()) + "]"
"""A character Python's str.strip() drops (all are in the Basic Multilingual Plane), as a regular-expression
class ECMAScript reads alike."""

SPARQL_JSON = by_name("json", RESULTS)
JSON_LD = by_name("jsonld")


def ref(name: str) -> Schema:
    """A reference to components/schemas/`name`."""
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: Mapping[str, Schema], required: Iterable[str] = ()) -> Schema:
    schema: Schema = {"type": "object", "properties": dict(properties)}
    if required:
        schema["required"] = list(required)
    return schema


NULLABLE_TEXT: Schema = {"type": ["string", "null"]}

COMPONENTS: dict[str, Schema] = {
    "SparqlResults": {
        "description": "SPARQL 1.1 Query Results JSON: `results` for SELECT, `boolean` for ASK.",
        **_object(
            {
                "head": _object({"vars": {"type": "array", "items": TEXT_SCHEMA},
                                 "link": {"type": "array", "items": TEXT_SCHEMA}}),
                "results": _object({"bindings": {"type": "array", "items": {
                    "type": "object", "additionalProperties": ref("RdfTerm")}}}, ["bindings"]),
                "boolean": {"type": "boolean"},
            },
            ["head"],
        ),
        "oneOf": [{"required": ["results"]}, {"required": ["boolean"]}],
    },
    "RdfTerm": _object(
        {"type": {"enum": ["uri", "literal", "bnode", "triple"]}, "value": {"type": ["string", "object"]},
         "xml:lang": TEXT_SCHEMA, "datatype": TEXT_SCHEMA},
        ["type", "value"],
    ),
    "JsonLd": {"description": "A JSON-LD document.", "type": ["object", "array"]},
    "Problem": _object({"error": TEXT_SCHEMA, "status": {"type": "integer"}}, ["error", "status"]),
    "ShaclReport": _object(
        {
            "conforms": {"type": "boolean"},
            "results": {"type": "array", "items": _object(
                {"severity": {"enum": ["Violation", "Warning", "Info"]}, "focus_node": TEXT_SCHEMA,
                 "path": NULLABLE_TEXT, "value": NULLABLE_TEXT, "message": TEXT_SCHEMA, "shape": NULLABLE_TEXT,
                 "component": NULLABLE_TEXT},
                ["severity", "focus_node", "message"],
            )},
        },
        ["conforms", "results"],
    ),
    "Dumps": _object(
        {
            "dumps": {"type": "array", "items": _object(
                {"name": TEXT_SCHEMA, "url": TEXT_SCHEMA, "format": TEXT_SCHEMA, "media_type": TEXT_SCHEMA,
                 "encoding": TEXT_SCHEMA, "description": TEXT_SCHEMA, "bytes": {"type": "integer", "minimum": 0},
                 "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                ["name", "url", "format", "media_type", "encoding", "bytes", "sha256"],
            )},
            "void": TEXT_SCHEMA,
        },
        ["dumps"],
    ),
    "Queries": _object(
        {
            "queries": {"type": "array", "items": _object(
                {
                    "name": TEXT_SCHEMA, "title": TEXT_SCHEMA, "description": TEXT_SCHEMA, "query": TEXT_SCHEMA,
                    "parameters": {"type": "array", "items": _object(
                        {"name": TEXT_SCHEMA, "type": TEXT_SCHEMA, "optional": {"type": "boolean"},
                         "default": NULLABLE_TEXT, "description": TEXT_SCHEMA},
                        ["name", "type", "optional"],
                    )},
                    "links": _object({"self": TEXT_SCHEMA, "html": TEXT_SCHEMA, "openapi": TEXT_SCHEMA}),
                    "view": {"type": "string", "enum": list(VIEWS)},  # how pages first show the results
                },
                ["name", "title", "parameters"],
            )},
        },
        ["queries"],
    ),
    "OpenApi": _object({"openapi": TEXT_SCHEMA, "info": {"type": "object"}, "paths": {"type": "object"}},
                       ["openapi", "info", "paths"]),
}  # fmt: skip
"""components/schemas: every JSON document the service answers."""


def content(media_types: Iterable[str], json_schema: Schema | None = None) -> dict[str, Any]:
    """An answer's content map: each media type with its schema — `json_schema` (or the JSON types' own) for
    JSON, text for the others."""
    mapped = {}
    for media in media_types:
        schema = TEXT_SCHEMA
        if media == SPARQL_JSON.media_type:
            schema = ref("SparqlResults")
        elif media == JSON_LD.media_type:
            schema = ref("JsonLd")
        elif media == JSON.media_type and json_schema is not None:
            schema = json_schema
        mapped[media] = {"schema": dict(schema)}
    return mapped


def ok(description: str, formats: Iterable[Format | str], json_schema: Schema | None = None, **extra: Any) -> Schema:
    """A success response in the given formats (or media types); extra keys such as headers added as they are."""
    media = [f if isinstance(f, str) else f.media_type for f in formats]
    return {"description": description, "content": content(media, json_schema), **extra}


PROBLEM: Schema = {"$ref": "#/components/responses/Problem"}

PROBLEM_RESPONSE: Schema = {
    "description": "The request was refused: one line of text, or JSON when preferred.",
    "content": {TEXT.media_type: {"schema": TEXT_SCHEMA}, JSON.media_type: {"schema": ref("Problem")}},
}


def problems(*statuses: int) -> dict[str, Any]:
    """The error responses: each a one-line Problem (text/plain or JSON)."""
    return {str(status): PROBLEM for status in statuses}


QUERY_FAILURES = (500, 502, 503)
"""What running a query may answer besides its result: a crashed query process (500), an unreachable remote
store (502), a timeout or a limit (503)."""


def query_parameter(name: str, description: str, schema: Mapping[str, Any] = TEXT_SCHEMA, *, required: bool = False,
                    **extra: Any) -> Schema:
    """A query-string parameter (optional unless `required`)."""
    return {"name": name, "in": "query", "required": required, "description": description, "schema": dict(schema),
            **extra}  # fmt: skip


def format_names(names: Iterable[str]) -> Schema:
    """A `format` value: one of `names`, or anything else, which falls back to Accept (a client library's own
    name such as SPARQLWrapper's `n3`; 406 only when there is no Accept header to fall back to)."""
    listed = list(names)
    return {"type": "string", "examples": listed,
            "description": f"One of {', '.join(listed)}; another value (or none) leaves the choice to Accept."}


def format_parameter(formats: Iterable[Format]) -> Schema:
    """The `format` parameter, overriding Accept with the name of one of `formats` (others: as Accept says)."""
    return query_parameter("format", "The answer's format (overrides Accept; empty or unknown: as Accept says).",
                           format_names(f.name for f in formats))


RESULT_TYPES = [f.media_type for f in RESULTS]
GRAPH_TYPES = [f.media_type for f in RDF]

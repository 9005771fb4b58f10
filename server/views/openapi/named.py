"""The named queries in the OpenAPI document: one path per query (`/queries/<name>`), its parameters its header's.

A value is text, read as the service reads it (graph.named_queries.convert): an IRI is an absolute IRI or a
prefixed name such as prj:tc-0287 (between < and > too), an integer `[+-]?[0-9]+`, a decimal without
exponent, a date YYYY-MM-DD, a year four digits; blanks around a value are dropped and an optional parameter
given an empty value is not given. A JSON body may also give a number (a year as 2009, written without exponent
for a decimal) or null (not given).
Unknown parameters are refused, so the bodies allow no other property. The formats offered are those of the
query's form: result formats (and an HTML page) for SELECT and ASK, RDF formats for CONSTRUCT and DESCRIBE.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graph.core.formats import FORM, HTML, JSON, RDF, RESULTS, TEXT
from graph.named_queries import NamedQuery, Parameter
from graph.sparql.guard import inspect
from server.views.openapi.schemas import (
    QUERY_FAILURES,
    SPACE,
    TEXT_SCHEMA,
    Schema,
    format_parameter,
    ok,
    problems,
    ref,
)

TEXTS: dict[str, str] = {
    "integer": "[+-]?[0-9]+",
    "decimal": r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)",
    "year": "[0-9]{4}",
}
"""What a value of a parameter type looks like (graph.named_queries), blanks around it aside; an IRI is JSON
Schema's `iri` (a prefixed name is one too), a date its `date`, any text a string."""

SCHEMAS = ("iri", "string", "integer", "decimal", "date", "year")
"""The parameter types with a schema (graph.named_queries.TYPES)."""


def _text_schema(parameter: Parameter) -> Schema:
    """The schema of a value given as text (URL or form)."""
    if parameter.type == "string":
        return dict(TEXT_SCHEMA)
    if parameter.type in ("date", "iri"):
        formatted: Schema = {"type": "string", "format": parameter.type}
        blank = {"type": "string", "pattern": f"^{SPACE}*$"}
        return {"anyOf": [formatted, blank]} if parameter.optional else formatted
    optional = "?" if parameter.optional else ""
    return {"type": "string", "pattern": f"^{SPACE}*(?:{TEXTS[parameter.type]}){optional}{SPACE}*$"}


def parameter_schema(parameter: Parameter) -> Schema:
    """The JSON Schema of a named-query parameter given as text, with its default where it has one."""
    schema = _text_schema(parameter)
    if parameter.default is not None:
        schema["default"] = parameter.default
    return schema


def json_schema(parameter: Parameter) -> Schema:
    """The schema of a parameter's value in a JSON body: its text, or a number read as text, or null if optional."""
    text = parameter_schema(parameter)
    numbers: list[Schema] = []
    if parameter.type in ("string", "decimal"):
        numbers = [{"type": "number"}]
    elif parameter.type == "integer":
        numbers = [{"type": "integer"}]
    elif parameter.type == "year":
        numbers = [{"type": "integer", "minimum": 1000, "maximum": 9999}]
    nulls: list[Schema] = [{"type": "null"}] if parameter.optional else []
    if not numbers and not nulls:
        return text
    schema: Schema = {"anyOf": [text, *numbers, *nulls]}
    if parameter.default is not None:
        schema["default"] = _typed_default(parameter)
    return schema


def _typed_default(parameter: Parameter) -> Any:
    if parameter.type == "integer":
        return int(str(parameter.default))
    if parameter.type == "decimal":
        return float(Decimal(str(parameter.default)))
    return parameter.default


def _body(query: NamedQuery, property_schema: Any) -> Schema:
    body: Schema = {
        "type": "object",
        "properties": {p.name: property_schema(p) for p in query.parameters},
        "additionalProperties": False,
    }
    required = [p.name for p in query.parameters if not p.optional]
    if required:
        body["required"] = required
    return body


def _description(parameter: Parameter) -> str:
    return parameter.description + (" (an absolute IRI or a prefixed name)" if parameter.type == "iri" else "")


def _values_with_form_page(query: NamedQuery, parameters: list[Schema]) -> Schema:
    """The query-string parameters as one object: the required ones are required unless `format=html` is given
    alone, which asks for the page with the empty form."""
    required = [p["name"] for p in parameters if p["required"]]
    alone = {"properties": {"format": {"const": HTML.name}}, "required": ["format"], "maxProperties": 1}
    return {
        "name": "values",
        "in": "query",
        "required": True,
        "description": "; ".join(f"{p['name']}: {p['description']}" for p in parameters)
        + f". Required: {', '.join(required)}, except with format=html alone (the page with the form).",
        "style": "form",
        "explode": True,
        "schema": {
            "type": "object",
            "properties": {p["name"]: p["schema"] for p in parameters},
            "additionalProperties": False,
            "anyOf": [{"required": required}, alone],
        },
    }


def named_query_path(query: NamedQuery) -> dict[str, Any]:
    """The path item of one named query: GET with query parameters, POST with a form or JSON body."""
    graph_form = inspect(query.text).form in ("CONSTRUCT", "DESCRIBE")
    formats = RDF if graph_form else (*RESULTS, HTML)
    parameters = [
        {
            "name": p.name,
            "in": "query",
            "required": not p.optional,
            "description": _description(p),
            "schema": parameter_schema(p),
        }
        for p in query.parameters
    ]
    parameters.append(format_parameter(formats))
    required = [p.name for p in query.parameters if not p.optional]
    if required and not graph_form:
        parameters = [_values_with_form_page(query, parameters)]
    refused = {
        "description": "Refused (an HTML page with the form for text/html).",
        "content": {TEXT.media_type: {"schema": TEXT_SCHEMA}, JSON.media_type: {"schema": ref("Problem")},
                    HTML.media_type: {"schema": TEXT_SCHEMA}},
    }  # fmt: skip
    responses = {
        "200": ok("The results (an HTML table for text/html)." if not graph_form else "The graph.", formats),
        "400": refused,
        **problems(403, 406, *QUERY_FAILURES),
    }
    post_responses = {**responses, **problems(413, 415)}
    body = {
        "required": any(not p.optional for p in query.parameters),
        "content": {
            FORM.media_type: {"schema": _body(query, parameter_schema)},
            JSON.media_type: {"schema": _body(query, json_schema)},
        },
    }
    operation_id = query.name.replace("-", "_")
    return {
        "summary": query.title,
        "description": query.description,
        "get": {
            "operationId": f"get_{operation_id}",
            "tags": ["named queries"],
            "parameters": parameters,
            "responses": responses,
        },
        "post": {
            "operationId": f"post_{operation_id}",
            "tags": ["named queries"],
            "parameters": [format_parameter(formats)],
            "requestBody": body,
            "responses": post_responses,
        },
    }

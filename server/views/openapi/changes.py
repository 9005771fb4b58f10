"""The OpenAPI paths of /changes (server.views.changes): the changes made by writes and their revert."""

from __future__ import annotations

from typing import Any

from graph.core.formats import JSON
from server.views.changes import LIST_FORMATS, MAX_LIMIT, MAX_OFFSET, ONE_FORMATS
from server.views.openapi.protocol import BEARER
from server.views.openapi.schemas import IRI, format_parameter, ok, problems, query_parameter
from server.views.openapi.schemas import TEXT_SCHEMA as TEXT

ID = {"name": "id", "in": "path", "required": True, "description": "The changeset's id.",
      "schema": {"type": "string", "pattern": "^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}$"}}
_CHANGE_FIELDS: dict[str, Any] = {
    "iri": IRI, "id": TEXT, "time": {"type": "string", "format": "date-time"}, "writer": TEXT, "message": TEXT,
    "reverts": TEXT, "graphs": {"type": "array", "items": IRI},
}
CHANGESET: dict[str, Any] = {
    "type": "object", "required": ["iri", "id", "time", "writer", "message", "added", "removed", "graphs"],
    "properties": {**_CHANGE_FIELDS, "added": {"type": "array", "items": TEXT},
                   "removed": {"type": "array", "items": TEXT}},
}
"""One changeset as JSON: its record with the quads as N-Quads statements (graph.changes.history.describe)."""
CHANGES_PAGE: dict[str, Any] = {
    "type": "object", "required": ["total", "offset", "limit", "next", "changes"],
    "properties": {
        "total": {"type": "integer", "minimum": 0}, "offset": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer", "minimum": 1}, "next": {"type": ["string", "null"]},
        "changes": {"type": "array", "items": {
            "type": "object", "required": ["iri", "id", "time", "writer", "message", "additions", "removals", "url"],
            "properties": {**_CHANGE_FIELDS, "additions": {"type": "integer", "minimum": 0},
                           "removals": {"type": "integer", "minimum": 0}, "url": TEXT},
        }},
    },
}
"""One page of /changes as JSON: the changesets' summaries (quad counts instead of quads), newest first."""

MESSAGE = {"name": "X-MGKG-Message", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 500},
           "description": "Why: one line kept with the changeset (or the `message` parameter)."}


def changes_paths(writes_enabled: bool) -> dict[str, Any]:
    """/changes, /changes/{id} and /changes/{id}/revert (which needs the bearer token when writes are on)."""
    tags = ["Changes"]
    return {
        "/changes": {"get": {
            "operationId": "changes_list", "tags": tags, "summary": "The changes made by writes, newest first",
            "parameters": [
                query_parameter("limit", "How many changes.", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
                query_parameter("offset", "How many to skip.",
                                {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
                query_parameter("since", "Only changes at or after this date or date-time (UTC unless given).",
                                {"anyOf": [{"type": "string", "format": "date"},
                                           {"type": "string", "format": "date-time"}]}),
                query_parameter("entity", "Only changes to quads with this IRI as subject or object.", IRI),
                format_parameter(LIST_FORMATS),
            ],
            "responses": {"200": ok("JSON, RDF (history quads) or an Atom feed.", LIST_FORMATS, CHANGES_PAGE),
                          **problems(400, 406)},
        }},
        "/changes/{id}": {"get": {
            "operationId": "changes_get", "tags": tags, "summary": "One changeset with its quads (JSON) or history",
            "parameters": [ID, format_parameter(ONE_FORMATS)],
            "responses": {"200": ok("The changeset.", ONE_FORMATS, CHANGESET), **problems(404, 406)},
        }},
        "/changes/{id}/revert": {"post": {
            "operationId": "changes_revert", "tags": tags, **({"security": BEARER} if writes_enabled else {}),
            "summary": "Undo a changeset with a new one (SHACL-gated, journaled)",
            "parameters": [ID, MESSAGE],
            "responses": {"201": ok("The new changeset.", [JSON], CHANGESET),
                          **problems(400, 401, 403, 404, 409, 422, 503)},
        }},
    }

"""The OpenAPI paths of /changes (server.views.changes): the changes made by writes and their revert."""

from __future__ import annotations

from typing import Any

from graph.core.formats import JSON
from server.views.changes import LIST_FORMATS, MAX_LIMIT, ONE_FORMATS
from server.views.openapi.protocol import BEARER
from server.views.openapi.schemas import IRI, format_parameter, ok, problems, query_parameter

ID = {"name": "id", "in": "path", "required": True, "description": "The changeset's id.",
      "schema": {"type": "string", "pattern": "^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}$"}}
MESSAGE = {"name": "X-MGKG-Message", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 500},
           "description": "Why: one line kept with the changeset (or the `message` parameter)."}


def changes_paths() -> dict[str, Any]:
    """/changes, /changes/{id} and /changes/{id}/revert."""
    tags = ["Changes"]
    return {
        "/changes": {"get": {
            "operationId": "changes_list", "tags": tags, "summary": "The changes made by writes, newest first",
            "parameters": [
                query_parameter("limit", "How many changes.", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
                query_parameter("offset", "How many to skip.", {"type": "integer", "minimum": 0}),
                query_parameter("since", "Only changes at or after this date or date-time (UTC unless given).",
                                {"type": "string"}),
                query_parameter("entity", "Only changes to quads with this IRI as subject or object.", IRI),
                format_parameter(LIST_FORMATS),
            ],
            "responses": {"200": ok("JSON, RDF (history quads) or an Atom feed.", LIST_FORMATS),
                          **problems(400, 406)},
        }},
        "/changes/{id}": {"get": {
            "operationId": "changes_get", "tags": tags, "summary": "One changeset with its quads (JSON) or history",
            "parameters": [ID, format_parameter(ONE_FORMATS)],
            "responses": {"200": ok("The changeset.", ONE_FORMATS), **problems(404, 406)},
        }},
        "/changes/{id}/revert": {"post": {
            "operationId": "changes_revert", "tags": tags, "security": BEARER,
            "summary": "Undo a changeset with a new one (SHACL-gated, journaled)",
            "parameters": [ID, MESSAGE],
            "responses": {"201": ok("The new changeset.", [JSON]),
                          **problems(401, 403, 404, 409, 422, 503)},
        }},
    }

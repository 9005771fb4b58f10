"""SPARQL JSON results as the HTML page of a named query shows them: a table of compact, safely linked terms."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graph.core.namespaces import compact, prefixes
from graph.sparql.execute import Answer
from server.context import runtime

LINKABLE = ("http://", "https://", "mailto:", "tel:")
"""IRI schemes the HTML page makes into links (never javascript: or data:)."""


def _term(cell: Mapping[str, str] | None, names: Mapping[str, str]) -> dict[str, str] | None:
    """A SPARQL JSON term as the HTML page shows it: compact label, link (safe schemes only), lang, datatype."""
    if cell is None:
        return None
    value, kind = cell["value"], cell["type"]
    if kind == "uri":
        return {
            "kind": "iri",
            "value": value,
            "label": compact(value, names),
            "href": value if value.startswith(LINKABLE) else "",
        }
    if kind == "bnode":
        return {"kind": "bnode", "value": value, "label": "_:" + value}
    datatype = cell.get("datatype", "")
    return {
        "kind": "literal",
        "value": value,
        "lang": cell.get("xml:lang", ""),
        "datatype": compact(datatype, names) if datatype else "",
    }


def html_results(answer: Answer) -> dict[str, Any]:
    """The SPARQL JSON body of `answer` as the template's table: variables, rows of display terms, counts."""
    data = json.loads(answer.body)
    names = prefixes(runtime().settings.base)
    if "boolean" in data:
        return {"boolean": data["boolean"], "vars": [], "rows": [], "count": 1, "truncated": False}
    variables: list[str] = data["head"]["vars"]
    rows = [[_term(binding.get(v), names) for v in variables] for binding in data["results"]["bindings"]]
    return {
        "boolean": None, "vars": variables, "rows": rows, "count": answer.count, "truncated": answer.truncated,
        "data": data,  # for server/static/views.js
    }


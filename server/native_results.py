"""SELECT answers written by Oxigraph's own serializers, cut at the row limit.

For an embedded store, a SELECT asked for in SPARQL JSON, XML or TSV runs with `LIMIT max_rows + 1` appended
(graph.sparql_text.with_limit) and Oxigraph writes the body: no Python object per row or term, which at 10⁵
rows is most of the time and memory of an answer. The rows are then counted in the body and, when the limit
was reached, the extra row is cut off, so the answer is what the row-by-row path gives. Counting relies on
what these formats escape: in JSON a `"` inside a string is `\\"`, so `,{"` only starts a solution; in XML a
`<` in text is `&lt;`, so `<result>` only opens one; in TSV a newline in a literal is `\\n`, so each line is a
row. A JSON answer with an empty solution (`{}`, all variables unbound) cannot be counted that way: it is
left to the row-by-row path (None).
"""

from __future__ import annotations

import pyoxigraph as ox

FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}
"""Results formats Oxigraph writes here (CSV is left to the row-by-row path: its fields may hold newlines)."""

_JSON_FIRST = b'"bindings":[{'
_XML_END = b"</results></sparql>"


def count_rows(body: bytes, fmt: str) -> int | None:
    """Rows in an Oxigraph-written SELECT body; None when they cannot be counted from the text alone."""
    if fmt == "json":
        if b",{}" in body or b"[{}" in body:
            return None
        return body.count(b',{"') + (1 if _JSON_FIRST in body else 0)
    if fmt == "xml":
        return body.count(b"<result>")
    return body.count(b"\n") - 1


def drop_last_row(body: bytes, fmt: str) -> bytes:
    """The body without its last row (which count_rows counted)."""
    if fmt == "json":
        last = body.rfind(b',{"')
        if last < 0:
            last = body.find(_JSON_FIRST) + len(_JSON_FIRST) - 1
        return body[:last] + b"]}}"
    if fmt == "xml":
        return body[: body.rfind(b"<result>")] + _XML_END
    return body[: body.rfind(b"\n", 0, len(body) - 1) + 1]


def native_answer(solutions: ox.QuerySolutions, fmt: str, max_rows: int) -> tuple[bytes, int, bool] | None:
    """Body, rows and whether the limit cut it, for solutions of a query capped at `max_rows + 1`; None when
    the rows cannot be counted (the caller answers row by row)."""
    body = solutions.serialize(format=FORMATS[fmt]) or b""
    count = count_rows(body, fmt)
    if count is None:
        return None
    if count <= max_rows:
        return body, count, False
    return drop_last_row(body, fmt), max_rows, True

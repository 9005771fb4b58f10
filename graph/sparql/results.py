"""SELECT answers written by Oxigraph's own serializers, cut at the row limit.

For an embedded store, a SELECT asked for in SPARQL JSON, XML or TSV runs with `LIMIT max_rows + 1` appended
(graph.sparql.text.with_limit; as it is without a row limit) and Oxigraph writes the body: no Python object per
row or term, which at 10⁵ rows is most of the time and memory of an answer. The rows are then counted in the body
and, when the limit was reached, the extra row is cut off, so the answer is what the row-by-row path gives.
Counting relies on what these formats escape. JSON: a `"` inside a string is `\\"`, so a raw `,{"` is either a
solution starting (`,{"name":`) or a string ending in `,{` closed by its quote, which a `}` or `,` always follows
(a variable name never starts with either). XML: a `<` in text is `&lt;`, so `<result>` only opens a solution.
TSV: a newline in a literal is `\\n`, so each line is a row. A JSON answer that may hold an empty solution (`{}`,
every variable unbound) cannot be counted that way and is left to the row-by-row path (None). Oxigraph writes the
body in chunks of about 8 KB through `_Body.write`, which checks the deadline: a query past its timeout stops at
its next chunk, as the row-by-row path stops at its next row.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyoxigraph as ox

from graph.core.formats import RESULTS, by_name

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

FORMATS = ("json", "xml", "tsv")
"""Names of the results formats (graph.core.formats) Oxigraph writes here (CSV is left to the row-by-row path:
its fields may hold newlines)."""

_JSON_FIRST = b'"bindings":[{'
_JSON_NEXT = b',{"'
_XML_END = b"</results></sparql>"


def _json_next_rows(body: bytes) -> int:
    """Solutions after the first: each raw `,{"` that does not close a string (`,{"}` and `,{",` do)."""
    return body.count(_JSON_NEXT) - body.count(b',{"}') - body.count(b',{",')


def count_rows(body: bytes, fmt: str) -> int | None:
    """Rows in an Oxigraph-written SELECT body; None when they cannot be counted from the text alone."""
    if fmt == "json":
        if b",{}" in body or b"[{}" in body:
            return None
        return _json_next_rows(body) + (1 if _JSON_FIRST in body else 0)
    if fmt == "xml":
        return body.count(b"<result>")
    return body.count(b"\n") - 1


def drop_last_row(body: bytes, fmt: str) -> bytes:
    """The body without its last row (which count_rows counted)."""
    if fmt == "json":
        last = body.rfind(_JSON_NEXT)
        while last >= 0 and body[last + 3 : last + 4] in (b"}", b","):
            last = body.rfind(_JSON_NEXT, 0, last)
        if last < 0:
            last = body.find(_JSON_FIRST) + len(_JSON_FIRST) - 1
        return body[:last] + b"]}}"
    if fmt == "xml":
        return body[: body.rfind(b"<result>")] + _XML_END
    return body[: body.rfind(b"\n", 0, len(body) - 1) + 1]


class _Body(io.BytesIO):
    """Where Oxigraph writes a body, in chunks; the deadline is checked before each."""

    def __init__(self, check: Callable[[], None]) -> None:
        """Empty; `check` raises when the time is up."""
        super().__init__()
        self.check = check

    def write(self, chunk: ReadableBuffer, /) -> int:
        """Append a chunk after checking the deadline; its length."""
        self.check()
        return super().write(chunk)


def native_answer(
    solutions: ox.QuerySolutions, fmt: str, max_rows: int | None, check: Callable[[], None]
) -> tuple[bytes, int, bool] | None:
    """Body, rows and whether the limit cut it, for solutions of a query capped at `max_rows + 1` (None: no
    limit); None when the rows cannot be counted (the caller answers row by row). `check` raises to stop it."""
    out = _Body(check)
    solutions.serialize(out, format=by_name(fmt, RESULTS).results)
    body = out.getvalue()
    count = count_rows(body, fmt)
    if count is None:
        return None
    if max_rows is None or count <= max_rows:
        return body, count, False
    return drop_last_row(body, fmt), max_rows, True

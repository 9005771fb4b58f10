"""What `mgkg query` prints: the executor's answer as the HTTP service sends it, or a table for a person."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from graph.core.errors import MgkgError
from graph.core.formats import RDF, RESULTS, either, lookup, names
from graph.core.namespaces import XSD_STRING, compact, prefixes
from graph.sparql.execute import Answer
from graph.sparql.serialize import read_results

RESULT_FORMATS = tuple(f.name for f in RESULTS)
"""Formats of SELECT and ASK answers (the names the HTTP service's `format` parameter takes)."""

FORMATS = ("table", *RESULT_FORMATS, *(f.name for f in RDF if f.name not in RESULT_FORMATS))
"""Every --format: table, the results formats, then the graph formats (`xml` is RDF/XML for a graph)."""


class QueryError(MgkgError, ValueError):
    """The query cannot be read, or the format does not fit its form; the message is one line naming where."""


def read_query_file(path: Path) -> str:
    """The text of a .rq file."""
    try:
        return path.read_text(encoding="utf-8-sig")  # a byte-order mark is dropped
    except (OSError, UnicodeDecodeError) as error:
        raise QueryError(f"{path}: cannot read query: {error}") from None


def formats_for(fmt: str) -> tuple[str, str]:
    """The results format and the graph format to ask the executor for, for `--format fmt`."""
    result = fmt if fmt in RESULT_FORMATS else RESULTS[0].name
    return result, (lookup(fmt, RDF) or RDF[0]).name


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{term.value}@{term.language}"
        if term.datatype.value != XSD_STRING:
            datatype = term.datatype.value
            label = compact(datatype, prefixes())
            return f"{term.value} ({label if label != datatype else f'<{datatype}>'})"
        return term.value
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def table(answer: Answer) -> str:
    """A SELECT or ASK answer (its SPARQL JSON body) as a table for the terminal, or yes / no."""
    results = read_results(answer.body, "json")
    if isinstance(results, ox.QueryBoolean):
        return ("yes" if results else "no") + "\n"
    grid = Table(*[variable.value for variable in results.variables], show_lines=False)
    count = 0
    for solution in results:
        grid.add_row(*[_cell(term) for term in solution])
        count += 1
    buffer = StringIO()
    Console(file=buffer, width=200, no_color=True, highlight=False).print(grid)
    return buffer.getvalue() + f"{count} rows\n"


def render(answer: Answer, fmt: str) -> bytes:
    """What `--format fmt` prints: the answer's bytes, a table, or Turtle for a graph asked as a table."""
    if answer.kind == "graph":
        if fmt in ("csv", "tsv"):
            raise QueryError(f"--format {fmt}: not available for CONSTRUCT/DESCRIBE; use {names(RDF)}")
        return answer.body
    if fmt == "table":
        return table(answer).encode()
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"--format {fmt}: only for CONSTRUCT/DESCRIBE; use {either(['table', *RESULT_FORMATS])}")
    return answer.body

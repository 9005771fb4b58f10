"""Run ad-hoc query text and render results for the terminal: table, CSV, JSON, XML (or Turtle for graphs)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node
from rich.console import Console
from rich.table import Table

from graph.core.errors import MgkgError
from graph.store import Store

FORMATS = ["table", "csv", "json", "xml", "turtle"]
_GRAPH_FORMATS = {"table": "turtle", "turtle": "turtle", "json": "json-ld", "xml": "xml"}


class QueryError(MgkgError, ValueError):
    """The query cannot be read, parsed or run; the message is one line naming where."""


def read_query_file(path: Path) -> str:
    """The text of a .rq file."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryError(f"{path}: cannot read query: {error}") from None


def run_text(store: Store, text: str, origin: str) -> Result:
    """Run query text; a syntax or evaluation error becomes a QueryError naming `origin`."""
    try:
        result = store.query(text)
        if result.type == "SELECT":
            result.bindings = list(result.bindings)  # evaluate now, inside the error handler
    except (SyntaxError, ValueError, OSError) as error:
        raise QueryError(f"{origin}: {str(error).splitlines()[0]}") from None
    return result


def _cell(term: Node | None, result: Result) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        text = str(term)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and not str(term.datatype).endswith("#string"):
            return f"{text} ({term.datatype.n3(result.graph.namespace_manager) if result.graph else term.datatype})"
        return text
    if isinstance(term, URIRef | BNode):
        return term.n3()
    return str(term)


def _table(result: Result) -> str:
    if result.type == "ASK":
        return ("yes" if result.askAnswer else "no") + "\n"
    table = Table(*[str(v) for v in result.vars or []], show_lines=False)
    rows = list(result)
    for row in rows:
        table.add_row(*[_cell(term, result) for term in row])  # type: ignore[union-attr]
    buffer = StringIO()
    Console(file=buffer, width=200, no_color=True, highlight=False).print(table)
    return buffer.getvalue() + f"{len(rows)} rows\n"


def render(result: Result, fmt: str) -> str:
    """The result in `fmt`: table (readable), csv, json, xml; CONSTRUCT/DESCRIBE as Turtle, JSON-LD or RDF/XML."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        if fmt not in _GRAPH_FORMATS or result.graph is None:
            raise QueryError(f"--format {fmt}: not available for {result.type}; use turtle, json or xml")
        return str(result.graph.serialize(format=_GRAPH_FORMATS[fmt]))
    if fmt == "table":
        return _table(result)
    if fmt == "turtle":
        raise QueryError(f"--format turtle: only for CONSTRUCT/DESCRIBE, not {result.type}")
    data = result.serialize(format=fmt, encoding="utf-8")
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)

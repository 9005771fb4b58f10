"""Run one SPARQL query on the store under the service's limits and serialize its results.

Queries run on pyoxigraph directly (the store behind rdflib's Dataset) with the union of the named graphs
as default graph. A worker thread evaluates and serializes; the request waits at most `timeout` seconds and
then answers 503 while the worker stops at its next solution (Oxigraph cannot interrupt an aggregate that
is still computing; such a query finishes in the background and its result is dropped).
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from graph.namespaces import prefixes

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
}
"""Negotiated graph format name → pyoxigraph format."""


class QueryFailed(Exception):
    """The query is malformed or fails; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        """Keep the message and status."""
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    """A serialized answer: body bytes, how many rows/triples and whether the row limit cut it."""

    body: bytes
    kind: str
    count: int
    truncated: bool


@dataclass(frozen=True)
class Limits:
    """Per-query limits: seconds until 503, maximum rows (or triples) returned."""

    timeout: float
    max_rows: int


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.cancelled = threading.Event()

    def check(self) -> None:
        if self.cancelled.is_set() or time.monotonic() > self.end:
            raise TimeoutError


def _limited(items: Iterable[object], limits: Limits, deadline: _Deadline) -> tuple[list[object], bool]:
    rows: list[object] = []
    for item in items:
        deadline.check()
        if len(rows) == limits.max_rows:
            return rows, True
        rows.append(item)
    return rows, False


def _json_term(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _xml_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv_term(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(getattr(term, "value", term))


def serialize_solutions(names: Sequence[str], rows: Sequence[Sequence[object]], fmt: str) -> bytes:
    """SELECT rows in SPARQL results JSON, XML, CSV or TSV."""
    if fmt == "json":
        bindings = [{n: _json_term(t) for n, t in zip(names, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": list(names)}, "results": {"bindings": bindings}}).encode()
    if fmt == "xml":
        head = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
        body = "".join(
            "<result>"
            + "".join(
                f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
                for n, t in zip(names, row, strict=True) if t is not None
            )
            + "</result>"
            for row in rows
        )
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>{body}</results></sparql>\n"
        ).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([_csv_term(t) for t in row] for row in rows)
        return buffer.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join(f"?{n}" for n in names)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown results format {fmt}")


def serialize_boolean(value: bool, fmt: str) -> bytes:
    """An ASK answer in SPARQL results JSON, XML, CSV or TSV."""
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{word}</boolean></sparql>\n"
        ).encode()
    return f"_askResult\n{word}\n".encode() if fmt == "csv" else f"?_askResult\n{word}\n".encode()


def _evaluate(
    store: ox.Store,
    text: str,
    options: Mapping[str, object],
    result_format: str,
    graph_format: str,
    limits: Limits,
    deadline: _Deadline,
) -> Answer:
    try:
        result = store.query(text, **options)  # type: ignore[arg-type]
    except SyntaxError as error:
        raise QueryFailed(f"query syntax error: {error}") from None
    except (OSError, ValueError, RuntimeError) as error:
        raise QueryFailed(f"query failed: {error}") from None
    try:
        if isinstance(result, ox.QueryBoolean):
            return Answer(serialize_boolean(bool(result), result_format), "boolean", 1, False)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows, cut = _limited(
                ([solution[i] for i in range(len(names))] for solution in result), limits, deadline
            )
            body = serialize_solutions(names, rows, result_format)  # type: ignore[arg-type]
            return Answer(body, "solutions", len(rows), cut)
        triples, cut = _limited(result, limits, deadline)
        body = ox.serialize(triples, format=RDF_FORMATS[graph_format], prefixes=prefixes())  # type: ignore[arg-type]
        return Answer(body or b"", "graph", len(triples), cut)
    except (OSError, ValueError, RuntimeError) as error:
        raise QueryFailed(f"query evaluation failed: {error}") from None


class Executor:
    """Runs queries in worker threads so a slow query times out while others are served."""

    def __init__(self, workers: int) -> None:
        """A pool of `workers` threads."""
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mgkg-query")

    def run(
        self,
        store: ox.Store,
        text: str,
        *,
        result_format: str = "json",
        graph_format: str = "turtle",
        limits: Limits,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        substitutions: Mapping[str, object] | None = None,
        predefined_prefixes: bool = False,
    ) -> Answer:
        """Evaluate and serialize; raise QueryFailed (400, or 503 on timeout)."""
        options: dict[str, object] = {"prefixes": prefixes()} if predefined_prefixes else {}
        if default_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        else:
            options["use_default_graph_as_union"] = True
        if named_graphs:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            options["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        deadline = _Deadline(limits.timeout)
        future = self.pool.submit(
            _evaluate, store, text, options, result_format, graph_format, limits, deadline
        )
        try:
            return future.result(timeout=limits.timeout)
        except (FutureTimeout, TimeoutError):
            deadline.cancelled.set()
            raise QueryFailed(f"query timed out after {limits.timeout:g} s", 503) from None

    def shutdown(self) -> None:
        """Stop accepting work; running queries are abandoned."""
        self.pool.shutdown(wait=False, cancel_futures=True)


def iter_rows(answer: Answer) -> Iterator[bytes]:
    """The body in chunks (for streaming responses)."""
    yield answer.body

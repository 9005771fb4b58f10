"""Run one SPARQL query on the store under the service's limits and serialize its results.

Queries run on pyoxigraph directly (the store behind rdflib's Dataset) with the union of the named graphs
as default graph; on a remote store (`sparql:` spec) the same calls go to its RemoteEngine, which forwards the
text, the dataset and the bindings (as VALUES) to the endpoint and reads the answer back into pyoxigraph
terms, so the serializers below serve both. A remote store that cannot be reached answers 502.
A worker thread evaluates and serializes; the request waits at most `timeout` seconds and
then answers 503 while the worker stops at its next solution (Oxigraph cannot interrupt an aggregate that
is still computing; such a query finishes in the background and its result is dropped).
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TypeVar
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from graph.core.namespaces import prefixes
from graph.sparql import results as native_results
from graph.sparql.text import with_limit
from graph.store import StoreError
from graph.store.remote import RemoteEngine

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
}
"""Negotiated graph format name → pyoxigraph format."""

T = TypeVar("T")


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


class Deadline:
    """When a piece of work must stop: a time limit, or earlier when cancelled."""

    def __init__(self, seconds: float) -> None:
        """Expire `seconds` from now."""
        self.end = time.monotonic() + seconds

    def cancel(self) -> None:
        """Make the next check fail."""
        self.end = 0.0

    def check(self) -> None:
        """Raise TimeoutError when the time is up or the work was cancelled."""
        if time.monotonic() > self.end:
            raise TimeoutError


def _limited(items: Iterable[object], limits: Limits, deadline: Deadline) -> tuple[list[object], bool]:
    rows: list[object] = []
    check, limit, append = deadline.check, limits.max_rows, rows.append
    for item in items:
        check()
        if len(rows) == limit:
            return rows, True
        append(item)
    return rows, False


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_quoted = json.encoder.encode_basestring


def _json_term(term: object) -> str:
    """One RDF term as a SPARQL results JSON object (text)."""
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + _quoted(term.value) + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type":"bnode","value":' + _quoted(term.value) + "}"
    if isinstance(term, ox.Literal):
        value = '{"type":"literal","value":' + _quoted(term.value)
        if term.language:
            return value + ',"xml:lang":' + _quoted(term.language) + "}"
        datatype = term.datatype.value
        return value + "}" if datatype == _XSD_STRING else value + ',"datatype":' + _quoted(datatype) + "}"
    return '{"type":"triple","value":' + _quoted(str(term)) + "}"


def _json_solutions(names: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """SPARQL results JSON, written as text directly: each distinct term is encoded once."""
    keys = [_quoted(n) + ":" for n in names]
    encoded: dict[object, str] = {}
    bindings = []
    for row in rows:
        parts = []
        for key, term in zip(keys, row, strict=True):
            if term is None:
                continue
            text = encoded.get(term)
            if text is None:
                text = encoded[term] = _json_term(term)
            parts.append(key + text)
        bindings.append("{" + ",".join(parts) + "}")
    head = json.dumps({"vars": list(names)})
    return ('{"head":' + head + ',"results":{"bindings":[' + ",".join(bindings) + "]}}").encode()


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
        return _json_solutions(names, rows)
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


Engine = ox.Store | RemoteEngine
"""What queries run on: `store.raw` of an EmbeddedStore (pyoxigraph) or of a RemoteStore."""


def _evaluate(
    store: Engine,
    text: str,
    options: Mapping[str, object],
    result_format: str,
    graph_format: str,
    limits: Limits,
    deadline: Deadline,
) -> Answer:
    if isinstance(store, ox.Store) and result_format in native_results.FORMATS:
        answer = _native(store, text, options, result_format, limits, deadline)
        if answer is not None:
            return answer
    try:
        result = store.query(text, **options)  # type: ignore[arg-type]
    except SyntaxError as error:
        raise QueryFailed(f"query syntax error: {error}") from None
    except StoreError as error:
        raise QueryFailed(str(error), 502) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise QueryFailed(f"query failed: {error}") from None
    try:
        if isinstance(result, ox.QueryBoolean):
            return Answer(serialize_boolean(bool(result), result_format), "boolean", 1, False)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows, cut = _limited(
                (tuple(solution) for solution in result), limits, deadline
            )
            body = serialize_solutions(names, rows, result_format)  # type: ignore[arg-type]
            return Answer(body, "solutions", len(rows), cut)
        triples, cut = _limited(result, limits, deadline)
        data = ox.serialize(triples, format=RDF_FORMATS[graph_format], prefixes=prefixes())  # type: ignore[arg-type]
        return Answer(data or b"", "graph", len(triples), cut)
    except TimeoutError:
        raise QueryFailed(f"query timed out after {limits.timeout:g} s", 503) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise QueryFailed(f"query evaluation failed: {error}") from None


def _native(
    store: ox.Store, text: str, options: Mapping[str, object], result_format: str, limits: Limits, deadline: Deadline
) -> Answer | None:
    """A SELECT answered with a LIMIT of one row over the limit and written by Oxigraph (graph.sparql.results);
    None for anything else, for a syntax error (reported on the text as sent) or for an answer it cannot count:
    those run row by row."""
    capped = with_limit(text, limits.max_rows + 1)
    if capped is None:
        return None
    try:
        result = store.query(capped, **options)  # type: ignore[arg-type]
    except SyntaxError:
        return None
    except (OSError, ValueError, RuntimeError) as error:
        raise QueryFailed(f"query failed: {error}") from None
    if not isinstance(result, ox.QuerySolutions):
        return None
    try:
        native = native_results.native_answer(result, result_format, limits.max_rows, deadline.check)
    except TimeoutError:
        raise QueryFailed(f"query timed out after {limits.timeout:g} s", 503) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise QueryFailed(f"query evaluation failed: {error}") from None
    if native is None:
        return None
    body, count, cut = native
    return Answer(body, "solutions", count, cut)


def _bare_failures(work: Callable[[Deadline], T], deadline: Deadline) -> T:
    """`work(deadline)`, its QueryFailed stripped of traceback and context: those hold the worker's frames, and
    pyoxigraph results in them may only be dropped by the thread that made them."""
    try:
        return work(deadline)
    except QueryFailed as failed:
        failed.__context__ = failed.__cause__ = None
        raise failed.with_traceback(None) from None


class Executor:
    """Runs queries in worker threads so a slow query times out while others are served."""

    def __init__(self, workers: int) -> None:
        """A pool of `workers` threads."""
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mgkg-query")

    def call(self, timeout: float, work: Callable[[Deadline], T], what: str = "query") -> T:
        """Run `work(deadline)` in a worker; after `timeout` seconds cancel it and raise QueryFailed(503)."""
        deadline = Deadline(timeout)
        future = self.pool.submit(_bare_failures, work, deadline)
        try:
            return future.result(timeout=timeout)
        except (FutureTimeout, TimeoutError):
            deadline.cancel()
            raise QueryFailed(f"{what} timed out after {timeout:g} s", 503) from None

    def run(
        self,
        store: Engine,
        text: str,
        *,
        result_format: str = "json",
        graph_format: str = "turtle",
        limits: Limits,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        substitutions: Mapping[str, object] | None = None,
        predefined_prefixes: bool = False,
        union_default: bool = True,
        base_iri: str | None = None,
    ) -> Answer:
        """Evaluate and serialize; raise QueryFailed (400, or 503 on timeout).

        Dataset: when `default_graphs` or `named_graphs` is given (the protocol's default-graph-uri /
        named-graph-uri) they make the whole dataset and override FROM / FROM NAMED; otherwise the query's own
        FROM clauses apply, and without them the default graph is the union of all graphs when
        `union_default` is set (the store's default graph otherwise).
        """
        options: dict[str, object] = {"prefixes": prefixes()} if predefined_prefixes else {}
        if base_iri:
            options["base_iri"] = base_iri
        try:
            if default_graphs or named_graphs:
                options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
                options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            elif union_default:
                options["use_default_graph_as_union"] = True
        except ValueError as error:
            raise QueryFailed(f"bad graph IRI: {error}") from None
        if substitutions:
            options["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        return self.call(
            limits.timeout,
            lambda deadline: _evaluate(store, text, options, result_format, graph_format, limits, deadline),
        )

    def shutdown(self) -> None:
        """Stop accepting work; running queries are abandoned."""
        self.pool.shutdown(wait=False, cancel_futures=True)

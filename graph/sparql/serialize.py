"""SPARQL answers as bytes: SELECT rows and ASK answers in SPARQL results JSON, XML, CSV and TSV, the graph formats
of CONSTRUCT / DESCRIBE, and a results body read back into pyoxigraph terms.

The row-by-row serializers write what Oxigraph's own serializers write (graph.sparql.results), so an answer is
the same bytes whichever path made it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from graph.core.formats import RESULTS, by_name
from graph.core.namespaces import XSD_STRING

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
        return value + "}" if datatype == XSD_STRING else value + ',"datatype":' + _quoted(datatype) + "}"
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
        if term.datatype.value != XSD_STRING:
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


def read_results(body: bytes, fmt: str = "json") -> ox.QuerySolutions | ox.QueryBoolean:
    """A SELECT or ASK answer body (JSON, XML or TSV) as pyoxigraph solutions or boolean."""
    return ox.parse_query_results(body, format=by_name(fmt, RESULTS).results)

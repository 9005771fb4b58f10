"""SPARQL text and answers for remote stores: query form, prologue, VALUES binding, result parsing.

The text is read as tokens (graph.sparql.tokens: a brace or keyword inside a comment, string or IRI does
not count), of which the words, prefixed names and braces at brace depth 0 are enough to find the query
form, the PREFIX declarations and the top-level WHERE group. Values are written by
values_block (rdflib `n3()`), never spliced from their text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from graph.core.errors import MgkgError
from graph.core.formats import RDF, RESULTS, FormatError, by_media_type, by_name, lookup
from graph.core.namespaces import IRI_FORBIDDEN
from graph.sparql.tokens import FORMS, outline


def _accept(*weighted: tuple[str, float]) -> str:
    """An Accept header of media types with their q-values (q=1 left out)."""
    return ", ".join(media if q == 1 else f"{media};q={q:g}" for media, q in weighted)


_NT, _SRJ, _SRX = by_name("nt"), by_name("json", RESULTS), by_name("xml", RESULTS)
RESULTS_ACCEPT = _accept((_SRX.media_type, 1), (_SRJ.media_type, 0.9))
GRAPH_ACCEPT = _accept(
    (_NT.media_type, 1),
    (_NT.media_aliases[0], 0.9),
    (by_name("turtle").media_type, 0.8),
    (by_name("xml").media_type, 0.5),
)
"""What a remote store is asked for: SPARQL XML or JSON results, N-Triples (also as text/plain), Turtle or RDF/XML."""


Outcome = ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]
"""What a query gives, as pyoxigraph's Store.query would (a list of triples for CONSTRUCT / DESCRIBE)."""


def values_block(variables: Sequence[str], rows: Iterable[Sequence[Node]]) -> str:
    """A SPARQL VALUES block written from RDF terms with n3() (never from raw text); IRIs and literals only."""
    lines = []
    for row in rows:
        if len(row) != len(variables) or not all(isinstance(term, URIRef | Literal) for term in row):
            raise ValueError("VALUES rows need one IRI or literal per variable")
        if any(isinstance(term, URIRef) and IRI_FORBIDDEN.search(term) for term in row):
            raise ValueError("VALUES row holds an IRI with forbidden characters")
        lines.append("    (" + " ".join(term.n3() for term in row) + ")")
    names = " ".join(f"?{name}" for name in variables)
    return f"VALUES ({names}) {{\n" + "\n".join(lines) + "\n  }"


class QueryRefused(MgkgError, ValueError):
    """The endpoint refused the query or update (HTTP 4xx); the message is its first line."""


def _outline(text: str, upper: bool = True) -> list[tuple[str, int]]:
    """Top-level (brace depth 0) words and prefixed names (upper-cased if `upper`) and braces, with offsets."""
    return [
        (token.text.upper() if upper else token.text, token.start)
        for token in outline(text)
        if token.kind in ("word", "pname") or token.text in ("{", "}")
    ]


def _form(outline: list[tuple[str, int]]) -> int | None:
    """Index of the query form keyword (SELECT, ASK, CONSTRUCT, DESCRIBE) in an outline, if any."""
    return next((i for i, (word, _) in enumerate(outline) if word in FORMS), None)


@dataclass(frozen=True)
class Shape:
    """Where the parts of a query are: its form, FROM clauses, the WHERE clause and its `{` group."""

    form: str
    has_dataset: bool
    clause: int | None
    """Offset of WHERE, or of the group's `{` where WHERE is left out (None: DESCRIBE without a pattern)."""
    group: int | None
    """Offset of the `{` of the pattern group (None where no VALUES can go: CONSTRUCT WHERE { … })."""


def shape(text: str) -> Shape:
    """The Shape of a query; QueryRefused if it is no SELECT, ASK, CONSTRUCT or DESCRIBE."""
    outline = _outline(text)
    form = _form(outline)
    if form is None:
        raise QueryRefused("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    kind, rest = outline[form][0], outline[form + 1 :]
    where = next((i for i, (word, _) in enumerate(rest) if word == "WHERE"), None)
    template = kind == "CONSTRUCT" and any(word == "{" for word, _ in rest[:where])
    skip = 1 if template and where is None else 0  # CONSTRUCT { template } { pattern }
    groups = [offset for word, offset in rest[where or 0 :] if word == "{"][skip:]
    clause = rest[where][1] if where is not None else (groups[0] if groups else None)
    short = kind == "CONSTRUCT" and not template  # CONSTRUCT WHERE { triples }: no group for VALUES
    return Shape(kind, any(word == "FROM" for word, _ in rest), clause, None if short or not groups else groups[0])


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the form of a query (QueryRefused if it has none)."""
    return shape(text).form


def declared_prefixes(text: str) -> set[str]:
    """The prefixes the text's own PREFIX declarations name (case matters: RDFS: is not rdfs:)."""
    words = [word for word, _ in _outline(text, upper=False)]
    return {words[i + 1].rstrip(":") for i, word in enumerate(words[:-1]) if word.upper() == "PREFIX"}


def used_prefixes(text: str, names: Mapping[str, str]) -> dict[str, str]:
    """The prefixes of `names` that `text` may use (`p:` occurs in it): those worth declaring for it."""
    return {p: ns for p, ns in names.items() if p + ":" in text}


def with_prologue(text: str, base_iri: str | None, names: Mapping[str, str]) -> str:
    """`text` after a BASE and the PREFIX declarations of `names` it does not declare itself."""
    declared = declared_prefixes(text)
    lines = [f"BASE {sparql_iri(base_iri)}"] if base_iri else []
    wanted = [(p, ns) for p, ns in used_prefixes(text, names).items() if p not in declared]
    lines += [f"PREFIX {p}: {sparql_iri(ns)}" for p, ns in wanted]
    return "\n".join([*lines, text])


def bind_values(text: str, bindings: Mapping[str, Node]) -> str:
    """`text` with a VALUES block binding `bindings` placed first in its top-level WHERE group."""
    if not bindings:
        return text
    names = sorted(bindings)
    return values_first(text, names, [[plain(bindings[name]) for name in names]])


def values_first(text: str, variables: Sequence[str], rows: Iterable[Sequence[Node]]) -> str:
    """`text` with a VALUES block of `rows` (values_block) placed first in its top-level WHERE group."""
    at = shape(text).group
    if at is None:
        raise QueryRefused("cannot bind variables: the query has no WHERE group that can take a VALUES block")
    return f"{text[: at + 1]} {values_block(variables, rows)}\n{text[at + 1 :]}"


def with_values(text: str, bindings: Mapping[str, Node]) -> str:
    """`text` with the bound values also as a VALUES block first in its WHERE group (the text itself where no
    group can take one). The bindings stay substitutions too; the block only lets Oxigraph's planner see the
    constants: project-by-id at 1M triples takes ~1 ms instead of ~0.9 s (see benchmarks/results.md)."""
    try:
        return bind_values(text, bindings)
    except QueryRefused:
        return text


def with_limit(text: str, limit: int) -> str | None:
    """`text` (a SELECT query) with `LIMIT limit` after its solution modifiers, before a trailing VALUES block;
    None when it is no SELECT or already has a top-level LIMIT."""
    outline = _outline(text)
    form = _form(outline)
    if form is None or outline[form][0] != "SELECT":
        return None
    rest = outline[form + 1 :]
    if any(word == "LIMIT" for word, _ in rest):
        return None
    values = [offset for word, offset in rest if word == "VALUES"]
    at = values[-1] if values else len(text)
    return f"{text[:at]}\nLIMIT {limit}\n{text[at:]}"


def with_dataset(text: str, graphs: Sequence[str]) -> str | None:
    """`text` with FROM and FROM NAMED clauses for `graphs` before its WHERE clause (default graph: their
    union); None when the query names its own dataset or has no WHERE clause to put them before."""
    found = shape(text)
    if found.has_dataset or found.clause is None:
        return None
    names = [sparql_iri(g) for g in graphs]
    clauses = "".join(f"FROM {g}\n" for g in names) + "".join(f"FROM NAMED {g}\n" for g in names)
    return f"{text[: found.clause]}{clauses}{text[found.clause :]}"


def plain(term: Node) -> Node:
    """`term`, an xsd:string literal written without its datatype (the same literal in RDF 1.1, but Virtuoso
    matches only the form it stored, and data is sent in the plain form)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def sparql_iri(value: str) -> str:
    """An IRI written for SPARQL, checked by pyoxigraph (ValueError if it is not an IRI)."""
    return str(ox.NamedNode(value))


def _blank(label: str) -> str:
    """A valid blank node label standing for any label an endpoint uses (Virtuoso: nodeID://b10000)."""
    return "x" + label.encode().hex()


def parse_results(body: bytes, media_type: str) -> ox.QuerySolutions | ox.QueryBoolean:
    """SPARQL XML or JSON results as pyoxigraph solutions or boolean, blank node labels made valid."""
    if lookup(media_type, RESULTS) is _SRJ:  # SPARQL JSON, or JSON
        data = json.loads(body)
        for row in data.get("results", {}).get("bindings", []):
            for cell in row.values():
                if cell.get("type") == "bnode":
                    cell["value"] = _blank(cell["value"])
                elif cell.get("type") == "typed-literal":  # pre-standard form some endpoints still send
                    cell["type"] = "literal"
        return ox.parse_query_results(json.dumps(data), _SRJ.results)
    text = re.sub(r"<bnode>([^<]*)</bnode>", lambda m: f"<bnode>{_blank(m.group(1))}</bnode>", body.decode())
    return ox.parse_query_results(text, _SRX.results)


def parse_answer(body: bytes, media_type: str, graph: bool) -> Outcome:
    """A query's answer: triples (`graph`: CONSTRUCT / DESCRIBE, by media type) or results (SELECT / ASK)."""
    if not graph:
        return parse_results(body, media_type)
    try:
        fmt = by_media_type(media_type, RDF).rdf
    except FormatError:
        fmt = by_name("turtle").rdf
    return [quad.triple for quad in ox.parse(body, format=fmt, without_named_graphs=True)]

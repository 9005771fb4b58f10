"""What schemathesis cannot draw from the OpenAPI document alone: SPARQL queries and updates, and RDF bodies.

The document gives a query the string format `sparql-query`, an update `sparql-update`, and RDF bodies their media
types; JSON Schema cannot say which strings parse. Imported by schemathesis (SCHEMATHESIS_HOOKS=support.fuzz_hooks,
tests/fuzz.py), this module registers strategies for them: small queries of every form, updates confined to
`urn:fuzz:` graphs (so a fuzzed server's own graphs, and the shapes they must conform to, are left alone), and
graphs of `urn:fuzz:` triples in every RDF format a body may have.
"""

from __future__ import annotations

import pyoxigraph as ox
import schemathesis
from hypothesis import strategies as st

from graph.core.formats import SPARQL_QUERY, SPARQL_UPDATE, media_types
from server.http import BODY_FORMATS
from server.views.shacl import QUAD_FORMATS

FUZZ = "urn:fuzz:"
"""The namespace of every IRI the updates and bodies write: no shape targets it."""

TEXT = st.text(st.characters(categories=["L", "N", "P", "Zs"]), max_size=12)
"""Literal text that every RDF syntax can carry (no control characters, no lone surrogates)."""

LIMITS = st.integers(min_value=0, max_value=20)


def _literal(text: str) -> str:
    return str(ox.Literal(text))


def _node(draw: st.DrawFn, kind: str) -> str:
    return f"<{FUZZ}{kind}{draw(st.integers(0, 3))}>"


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A small SPARQL query of any form over the service's graphs."""
    limit, text = draw(LIMITS), _literal(draw(TEXT))
    return draw(st.sampled_from([
        f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {limit}",
        f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g LIMIT {limit}",
        f"SELECT ?s WHERE {{ ?s ?p {text} }} LIMIT {limit}",
        f"ASK {{ ?s ?p {text} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} LIMIT {limit}",
        "DESCRIBE <https://w3id.org/mgkg/id/organization/iom>",
    ]))  # fmt: skip


@st.composite
def updates(draw: st.DrawFn) -> str:
    """A SPARQL update of a `urn:fuzz:` graph: insert or delete a triple, create, clear or drop the graph."""
    graph = _node(draw, "graph")
    triple = f"{_node(draw, 's')} <{FUZZ}p> {_literal(draw(TEXT))}"
    return draw(st.sampled_from([
        f"INSERT DATA {{ GRAPH {graph} {{ {triple} }} }}",
        f"DELETE DATA {{ GRAPH {graph} {{ {triple} }} }}",
        f"CREATE SILENT GRAPH {graph}",
        f"CLEAR SILENT GRAPH {graph}",
        f"DROP SILENT GRAPH {graph}",
    ]))  # fmt: skip


@st.composite
def triples(draw: st.DrawFn) -> list[ox.Triple]:
    """A few triples about `urn:fuzz:` subjects."""
    size = draw(st.integers(0, 3))
    return [
        ox.Triple(ox.NamedNode(f"{FUZZ}s{i}"), ox.NamedNode(f"{FUZZ}p"), ox.Literal(draw(TEXT))) for i in range(size)
    ]


def rdf(format: ox.RdfFormat, dataset: bool) -> st.SearchStrategy[bytes]:
    """A graph of `triples` in `format`, in a named graph if `dataset` (TriG, N-Quads), else the default graph."""
    graph = ox.NamedNode(f"{FUZZ}graph")

    def serialized(drawn: list[ox.Triple]) -> bytes:
        if dataset:
            return ox.serialize([ox.Quad(t.subject, t.predicate, t.object, graph) for t in drawn], format=format) or b""
        return ox.serialize(drawn, format=format) or b""

    return triples().map(serialized)


def register() -> None:
    """Register the formats and media types with schemathesis."""
    schemathesis.openapi.format("sparql-query", queries())
    schemathesis.openapi.format("sparql-update", updates())
    schemathesis.openapi.media_type(SPARQL_QUERY.media_type, queries().map(str.encode))
    schemathesis.openapi.media_type(SPARQL_UPDATE.media_type, updates().map(str.encode))
    for fmt in (*BODY_FORMATS, *QUAD_FORMATS):
        written = ox.RdfFormat.TURTLE if fmt.rdf == ox.RdfFormat.N3 else fmt.rdf  # Turtle is N3 too
        for media in media_types([fmt]):
            schemathesis.openapi.media_type(media, rdf(written, dataset=fmt in QUAD_FORMATS))


register()

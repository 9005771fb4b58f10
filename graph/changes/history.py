"""History as RDF: each changeset's quads in the history graph {base}graph/changes (read-only over HTTP).

Vocabulary: the Changeset vocabulary (cs:, http://purl.org/vocab/changeset/schema#) for the change itself and
PROV-O for who and when; every node is an IRI (no blank nodes), so the graph exports and compares stably.

    <{base}id/change/ID> a cs:ChangeSet, prov:Activity ;
        dcterms:identifier "ID" ;
        cs:createdDate "…"^^xsd:dateTime ; prov:endedAtTime "…"^^xsd:dateTime ;
        cs:creatorName "writer" ; prov:wasAssociatedWith <{base}id/writer/writer> ;
        cs:changeReason "message" ;
        cs:subjectOfChange <s> ;                         # each IRI subject of an added or removed quad
        prov:invalidated <{base}id/change/OTHER> ;       # only for a revert: the changeset it undoes
        cs:addition <{base}id/change/ID/added/1> ;       # one reified statement per added quad …
        cs:removal <{base}id/change/ID/removed/1> .      # … and per removed quad
    <{base}id/change/ID/added/1>                         # a statement, not typed rdf:Statement: that class is
        rdf:subject <s> ; rdf:predicate <p> ; rdf:object "o" ;   # mgkg's link records (shapes/links-shapes.ttl)
        dcterms:isPartOf <g> .                           # the graph of the quad (none for the default graph)
    <{base}id/writer/writer> a prov:Agent ; rdfs:label "writer" .

"Is changeset ID in this store" is whether <{base}id/change/ID> has a triple here (graph.changes.apply).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pyoxigraph as ox

from graph.changes.model import Changeset, changeset_iri

CS = "http://purl.org/vocab/changeset/schema#"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
TYPE = ox.NamedNode(RDF + "type")


def HISTORY_GRAPH(base: str) -> ox.NamedNode:
    """The history graph: {base}graph/changes."""
    return ox.NamedNode(f"{base}graph/changes")


def writer_iri(writer: str, base: str) -> ox.NamedNode:
    """The agent IRI of a writer: {base}id/writer/{writer}."""
    return ox.NamedNode(f"{base}id/writer/{writer}")


def history_quads(changeset: Changeset, base: str) -> list[ox.Quad]:
    """The quads that describe the changeset in the history graph."""
    graph = HISTORY_GRAPH(base)
    node = changeset_iri(changeset.id, base)
    agent = writer_iri(changeset.writer, base)
    stamp = ox.Literal(changeset.time.isoformat().replace("+00:00", "Z"), datatype=XSD_DATETIME)
    triples: list[tuple[Any, str, Any]] = [
        (node, RDF + "type", ox.NamedNode(CS + "ChangeSet")),
        (node, RDF + "type", ox.NamedNode(PROV + "Activity")),
        (node, DCTERMS + "identifier", ox.Literal(changeset.id)),
        (node, CS + "createdDate", stamp),
        (node, PROV + "endedAtTime", stamp),
        (node, CS + "creatorName", ox.Literal(changeset.writer)),
        (node, PROV + "wasAssociatedWith", agent),
        (node, CS + "changeReason", ox.Literal(changeset.message)),
        (agent, RDF + "type", ox.NamedNode(PROV + "Agent")),
        (agent, RDFS + "label", ox.Literal(changeset.writer)),
    ]
    if changeset.reverts is not None:
        triples.append((node, PROV + "invalidated", changeset_iri(changeset.reverts, base)))
    subjects = {q.subject.value for q in (*changeset.added, *changeset.removed) if isinstance(q.subject, ox.NamedNode)}
    triples += [(node, CS + "subjectOfChange", ox.NamedNode(s)) for s in sorted(subjects)]
    for kind, link, quads in (("added", "addition", changeset.added), ("removed", "removal", changeset.removed)):
        for number, quad in enumerate(quads, 1):
            statement = ox.NamedNode(f"{node.value}/{kind}/{number}")
            triples += [
                (node, CS + link, statement),
                (statement, RDF + "subject", quad.subject),
                (statement, RDF + "predicate", quad.predicate),
                (statement, RDF + "object", quad.object),
            ]
            if isinstance(quad.graph_name, ox.NamedNode):
                triples.append((statement, DCTERMS + "isPartOf", quad.graph_name))
    return [ox.Quad(s, ox.NamedNode(p), o, graph) for s, p, o in triples]


def touches(changeset: Changeset, entity: str) -> bool:
    """Whether the changeset adds or removes a quad whose subject or object is the IRI `entity`."""
    return any(
        isinstance(term, ox.NamedNode) and term.value == entity
        for quad in (*changeset.added, *changeset.removed)
        for term in (quad.subject, quad.object)
    )


def matching(
    changesets: Iterable[Changeset], entity: str | None = None, since: datetime | None = None
) -> list[Changeset]:
    """The changesets (in their order) that touch `entity` (when given) and were made at or after `since`."""
    return [
        changeset for changeset in changesets
        if (entity is None or touches(changeset, entity)) and (since is None or changeset.time >= since)
    ]


def describe(changeset: Changeset, base: str) -> dict[str, Any]:
    """The changeset as JSON-able data for people and clients: its record, IRI and graphs."""
    return {"iri": changeset_iri(changeset.id, base).value, **changeset.to_record(), "graphs": list(changeset.graphs)}

"""Audit of the offline enrichment graphs: every fact has provenance and comes from a verified identifier.

A built dataset passes when, in every graph <base>graph/enrichment/<source> (graph.linking.sources.common):

* the graph describes itself: licence, dataset version, date, and the package it was derived from;
* every triple is about the graph, its package, an entry, a node of an entry (<entry>/geometry,
  <entry>/membership/…), or is a derived link whose rdf:Statement record in the same graph says so;
* every entry has one identifier and reasons; each reason is a link record of graph/links (the verified
  reference rows and the links a person accepted), another entry of the graph, or a node that the curated graphs
  state (a concept with its own code, a document graph giving a currency); an entry about one of our entities
  names that entity's own link record, or the entity itself (its code).
"""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF

from graph.core.namespaces import DEFAULT_BASE, graph_iri
from graph.linking.links import Link, recorded_links


def enrichment_graphs(dataset: Dataset, base: str = DEFAULT_BASE) -> list[URIRef]:
    """The names of the offline enrichment graphs in `dataset`, sorted."""
    prefix = f"{graph_iri('enrichment', base)}/"
    return sorted(g.identifier for g in dataset.graphs() if isinstance(g.identifier, URIRef)
                  and str(g.identifier).startswith(prefix))  # fmt: skip


def _curated(dataset: Dataset, base: str) -> set[URIRef]:
    """IRI subjects (and names) of the graphs that are neither enrichment nor links: what we state ourselves."""
    enrichment = str(graph_iri("enrichment", base))
    found: set[URIRef] = set()
    for graph in dataset.graphs():
        name = graph.identifier
        if not isinstance(name, URIRef) or str(name).startswith(enrichment) or name == graph_iri("links", base):
            continue
        found.add(name)
        found.update(s for s in graph.subjects() if isinstance(s, URIRef))
    return found


def audit(dataset: Dataset, base: str = DEFAULT_BASE) -> list[str]:
    """One line per enrichment fact or entry without provenance or not traced to a verified identifier."""
    verified = {link.record: link for link in recorded_links(dataset.graph(graph_iri("links", base)))}
    curated = _curated(dataset, base)
    problems: list[str] = []
    for name in enrichment_graphs(dataset, base):
        problems += _audit_graph(dataset.graph(name), name, verified, curated)
    return problems


def _audit_graph(graph: Graph, name: URIRef, verified: dict[URIRef, Link], curated: set[URIRef]) -> list[str]:
    problems = [f"{name}: states no {what}" for what, prop in
                (("dcterms:license", DCTERMS.license), ("dcterms:hasVersion", DCTERMS.hasVersion),
                 ("dcterms:modified", DCTERMS.modified), ("prov:wasDerivedFrom", PROV.wasDerivedFrom))
                if graph.value(name, prop) is None]  # fmt: skip
    packages = set(graph.objects(name, PROV.wasDerivedFrom))
    records = {r for r in graph.subjects(RDF.type, RDF.Statement)
               if isinstance(r, URIRef) and graph.value(r, PROV.wasDerivedFrom) == name}  # fmt: skip
    entries = {e for e in graph.subjects(PROV.wasDerivedFrom, name) if isinstance(e, URIRef) and e not in records}
    linked = {link.subject for link in verified.values()}
    problems += [f"{record}: a derived link of {graph.value(record, RDF.subject)}, which has no verified link"
                 for record in sorted(records) if graph.value(record, RDF.subject) not in linked]  # fmt: skip
    derived = {(graph.value(r, RDF.subject), graph.value(r, RDF.predicate), graph.value(r, RDF.object))
               for r in records}  # fmt: skip
    for triple in graph:
        subject = triple[0]
        if subject == name or subject in packages or subject in entries or subject in records or triple in derived:
            continue
        if isinstance(subject, URIRef) and any(str(subject).startswith(f"{e}/") for e in entries):
            continue
        problems.append(f"{name}: no provenance for the fact {subject} {triple[1]} {triple[2]}")
    for entry in sorted(entries):
        problems += _audit_entry(graph, entry, entries, verified, curated)
    return problems


def _audit_entry(graph: Graph, entry: URIRef, entries: set[URIRef], verified: dict[URIRef, Link],
                 curated: set[URIRef]) -> list[str]:  # fmt: skip
    problems = []
    if len(set(graph.objects(entry, DCTERMS.identifier))) != 1:
        problems.append(f"{entry}: not exactly one dcterms:identifier (the record's external id)")
    reasons = {r for r in graph.objects(entry, PROV.wasInfluencedBy) if isinstance(r, URIRef)}
    if len(reasons) != len(set(graph.objects(entry, PROV.wasInfluencedBy))):
        problems.append(f"{entry}: a reason (prov:wasInfluencedBy) that is not an IRI")
    if not reasons:
        problems.append(f"{entry}: no reason (prov:wasInfluencedBy) for matching this record")
    for reason in sorted(reasons):
        if reason not in verified and reason not in entries and reason not in curated:
            problems.append(f"{entry}: matched through {reason}, which is no verified link, entry or curated node")
    topic = graph.value(entry, FOAF.primaryTopic)
    if topic is not None:
        through = [r for r in reasons if r == topic or (r in verified and verified[r].subject == topic)]
        if not through:
            problems.append(f"{entry}: about {topic} but not matched through a verified link of it or its own code")
    return problems

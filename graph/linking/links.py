"""Curated links to other datasets: the verified rows of the reference list become the links graph.

Predicates are chosen by meaning (README, "Links to other datasets"):
* owl:sameAs — the very same thing: a Wikidata item, a GeoNames feature, a DBpedia resource.
* skos:exactMatch — an entry of an EU Publications Office authority table (a skos:Concept standing for the
  country or body, not the thing itself); skos:closeMatch is left for near matches a reviewer accepts.
* wdt:P297 / wdt:P298 / wdt:P299 — ISO 3166-1 alpha-2 / alpha-3 / numeric codes (plain strings), the
  Wikidata properties defined as exactly these codes; org:identifier — the IATI organisation identifier.

Every link has a record (an rdf:Statement naming subject, predicate and object) carrying its provenance:
prov:wasDerivedFrom the reference list (or, for a reviewed link, the endpoint that proposed it), an English
rdfs:comment with the evidence, and for reviewed links dcterms:created and dcterms:creator. The graph itself
says what it was derived from and when it was last written (dcterms:modified).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD
from rdflib.term import Node

from graph.core.errors import MgkgError
from graph.core.files import DataFileError, read_tsv, write_atomic
from graph.core.namespaces import DEFAULT_BASE, MGKG, graph_iri, prefixes
from graph.export import export

WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
ORG = Namespace("http://www.w3.org/ns/org#")

LINKS_GRAPH = graph_iri("links")
REFERENCE_DOCUMENT = URIRef(f"{DEFAULT_BASE}id/document/external-ids")
RECORDS = f"{DEFAULT_BASE}id/link/"
LINK_PREDICATES = (OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch)
COLUMNS = ("entity", "scheme", "identifier", "iri", "status", "note")
HEADER = """\
# The links graph (graph/links): mgkg entities -> the same entities in other datasets, with provenance.
# Generated: `mgkg link --from-reference external-ids.tsv` writes the verified rows of the reference list,
# `mgkg link --apply REVIEW.tsv` adds links a person accepted. Do not edit by hand; regenerate.
"""


class LinkError(MgkgError, ValueError):
    """The reference list, a review file or the links file cannot be used; one line naming file and line."""


@dataclass(frozen=True)
class Target:
    """A dataset we link to: its entity IRIs are uri_space + a local name matching `local`."""

    name: str
    title: str
    uri_space: str
    local: str
    predicate: URIRef
    kind: URIRef | None

    def matches(self, iri: str) -> bool:
        """True if `iri` is a well-formed entity IRI of this dataset."""
        return iri.startswith(self.uri_space) and re.fullmatch(self.local, iri[len(self.uri_space) :]) is not None


TARGETS = {
    "wikidata": Target("wikidata", "Wikidata", str(WD), r"Q[1-9][0-9]*", OWL.sameAs, None),
    "geonames": Target("geonames", "GeoNames", "https://sws.geonames.org/", r"[1-9][0-9]*/", OWL.sameAs, MGKG.Place),
    "dbpedia": Target("dbpedia", "DBpedia", "http://dbpedia.org/resource/", r"[^\s/?#]+", OWL.sameAs, None),
    "eu-country": Target("eu-country", "EU Publications Office: countries",
                         "http://publications.europa.eu/resource/authority/country/", r"[A-Z]{3}", SKOS.exactMatch,
                         MGKG.Country),
    "eu-corporate-body": Target("eu-corporate-body", "EU Publications Office: corporate bodies",
                                "http://publications.europa.eu/resource/authority/corporate-body/", r"[A-Z0-9_]+",
                                SKOS.exactMatch, MGKG.Organization),
}  # fmt: skip
"""Linked datasets by scheme name (the `scheme` column of the reference list); kind None = any linkable entity."""

ISO_3166 = ((WDT.P297, "alpha-2", r"[A-Z]{2}"), (WDT.P298, "alpha-3", r"[A-Z]{3}"), (WDT.P299, "numeric", r"[0-9]{3}"))
IATI_ORG_ID = r"[A-Z]{2}-[A-Z0-9]+-[A-Za-z0-9_.-]+"
"""IATI organisation identifier: registration-agency prefix (XM-DAC, US-GOV, ...) and the number it gives."""

LINKABLE = (MGKG.Place, MGKG.Organization, MGKG.FundingInstrument)

ALIASES: dict[str, str] = {}
"""Reference-list names that differ from our English rdfs:label → our entity IRI. Reviewed by hand; today
every name we hold matches a label exactly, so the table is empty."""

NOT_OURS = {
    "Balkans": "the Balkan peninsula (per the reference note), not the political region place:western-balkans",
}
"""Reference-list names that must never be mapped to one of our entities, with the reason."""


@dataclass(frozen=True)
class ReferenceRow:
    """One row of the reference list (external-ids.tsv), with where it is."""

    origin: str
    entity: str
    scheme: str
    identifier: str
    iri: str
    status: str
    note: str


@dataclass(frozen=True)
class Link:
    """One link (subject predicate object) and its provenance, as its record says it."""

    subject: URIRef
    predicate: URIRef
    object: Node
    key: str
    comment: str
    source: URIRef = REFERENCE_DOCUMENT
    created: date | None = None
    creator: str | None = None

    @property
    def record(self) -> URIRef:
        """The IRI of the link's record: <base>id/link/<folder>-<name>-<key>."""
        return URIRef(record_prefix(self.subject) + self.key)


def record_prefix(subject: URIRef) -> str:
    """Start of the record IRIs of `subject`'s links (the key follows)."""
    return f"{RECORDS}{str(subject).removeprefix(f'{DEFAULT_BASE}id/').replace('/', '-')}-"


def read_reference(path: Path) -> list[ReferenceRow]:
    """The rows of a reference list (tab-separated, header `entity scheme identifier iri status note`)."""
    header, reader = read_tsv(path, LinkError)
    if tuple(header) != COLUMNS:
        raise LinkError(f"{path}:1: expected the tab-separated header {' '.join(COLUMNS)}")
    rows = []
    for number, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) > len(COLUMNS) or len(fields) < len(COLUMNS) - 1:
            raise LinkError(f"{path}:{number}: expected {len(COLUMNS)} tab-separated fields, found {len(fields)}")
        values = [f.strip() for f in fields] + [""] * (len(COLUMNS) - len(fields))
        rows.append(ReferenceRow(f"{path.name}:{number}", *values))
    return rows


def entity_types(dataset: Dataset) -> dict[URIRef, frozenset[URIRef]]:
    """Every typed IRI subject and all its classes (rdfs:subClassOf closure over every graph)."""
    hierarchy = Graph()
    for sub, _, sup, _ in dataset.quads((None, RDFS.subClassOf, None, None)):
        hierarchy.add((sub, RDFS.subClassOf, sup))
    closure: dict[URIRef, set[URIRef]] = {}
    types: dict[URIRef, set[URIRef]] = {}
    for entity, _, cls, _ in dataset.quads((None, RDF.type, None, None)):
        if isinstance(entity, URIRef) and isinstance(cls, URIRef):
            if cls not in closure:
                closure[cls] = {c for c in hierarchy.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)}
            types.setdefault(entity, set()).update(closure[cls])
    return {entity: frozenset(classes) for entity, classes in types.items()}


def entity_index(dataset: Dataset, types: dict[URIRef, frozenset[URIRef]]) -> dict[str, set[URIRef]]:
    """English rdfs:label → the linkable entities (places, organisations, funding instruments) with it."""
    index: dict[str, set[URIRef]] = {}
    for entity, _, label, _ in dataset.quads((None, RDFS.label, None, None)):
        if not isinstance(entity, URIRef) or not isinstance(label, Literal) or label.language != "en":
            continue
        if types.get(entity, frozenset()) & set(LINKABLE):
            index.setdefault(str(label).strip(), set()).add(entity)
    return index


def _fail(row: ReferenceRow, message: str) -> LinkError:
    return LinkError(f"{row.origin}: {row.entity}: {message}")


def short(iri: URIRef) -> str:
    """A prefixed name for an mgkg IRI (mgkg:Place, place:montenegro), else <iri>."""
    for prefix, namespace in sorted(prefixes().items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


def _row_links(row: ReferenceRow, entity: URIRef, classes: frozenset[URIRef]) -> list[Link]:
    evidence = f"Reference list row: {row.entity} | {row.scheme} | {row.identifier} | {row.status}" + (
        f" ({row.note})" if row.note else ""
    )
    if row.scheme not in (*TARGETS, "iso3166-1", "iati-org"):
        raise _fail(row, f"unknown scheme {row.scheme!r} (known: {', '.join([*TARGETS, 'iso3166-1', 'iati-org'])})")
    if row.scheme in TARGETS:
        target = TARGETS[row.scheme]
        if not target.matches(row.iri) or row.iri[len(target.uri_space) :].rstrip("/") != row.identifier:
            raise _fail(row, f"{row.iri!r} is not the {target.title} IRI of identifier {row.identifier!r}")
        if target.kind is not None and target.kind not in classes:
            raise _fail(row, f"a {row.scheme} identifier needs a {short(target.kind)}, and {short(entity)} is none")
        return [Link(entity, target.predicate, URIRef(row.iri), row.scheme, evidence)]
    if row.iri:
        raise _fail(row, f"scheme {row.scheme!r} takes no IRI")
    if row.scheme == "iso3166-1":
        codes = [c.strip() for c in row.identifier.split("/")]
        if MGKG.Country not in classes:
            raise _fail(row, f"ISO 3166-1 codes need a mgkg:Country, and {short(entity)} is none")
        patterns = [pattern for _, _, pattern in ISO_3166]
        if len(codes) != len(patterns) or not all(map(re.fullmatch, patterns, codes)):
            raise _fail(row, f"expected 'alpha-2 / alpha-3 / numeric', got {row.identifier!r}")
        return [
            Link(entity, prop, Literal(code), f"iso3166-1-{name}", evidence)
            for (prop, name, _), code in zip(ISO_3166, codes, strict=True)
        ]
    if not re.fullmatch(IATI_ORG_ID, row.identifier):
        raise _fail(row, f"{row.identifier!r} is not an IATI organisation identifier")
    if MGKG.Organization not in classes:
        raise _fail(row, f"an IATI organisation identifier needs a mgkg:Organization, and {short(entity)} is none")
    return [Link(entity, ORG.identifier, Literal(row.identifier), "iati-org", evidence)]


def _derived_eu_countries(links: list[Link]) -> list[Link]:
    """EU country-table links for countries with a verified alpha-3 code and no eu-country row."""
    eu = TARGETS["eu-country"]
    has_eu = {link.subject for link in links if link.key == eu.name}
    derived = []
    for link in links:
        if link.predicate == WDT.P298 and link.subject not in has_eu:
            comment = (f"Derived from the verified ISO 3166-1 alpha-3 code {link.object} by the pattern of the EU "
                       f"country table, {eu.uri_space}{{alpha-3}}, that the reference list states. {link.comment}")
            derived.append(Link(link.subject, eu.predicate, URIRef(eu.uri_space + str(link.object)), eu.name, comment))
    return derived


def curated_links(rows: Iterable[ReferenceRow], dataset: Dataset) -> tuple[list[Link], list[str]]:
    """The links the verified rows give, and one note per row left out (not verified, or no entity of ours)."""
    types = entity_types(dataset)
    index = entity_index(dataset, types)
    links: dict[tuple[URIRef, str], Link] = {}
    notes = []
    for row in rows:
        if row.status != "verified":
            notes.append(f"{row.origin}: {row.entity} {row.scheme}: status {row.status!r}, not 'verified'; left out")
            continue
        if row.entity in NOT_OURS:
            notes.append(f"{row.origin}: {row.entity}: {NOT_OURS[row.entity]}; left out")
            continue
        found = {URIRef(ALIASES[row.entity])} if row.entity in ALIASES else index.get(row.entity, set())
        if len(found) != 1:
            why = "no mgkg entity has" if not found else f"{len(found)} mgkg entities have"
            notes.append(f"{row.origin}: {row.entity}: {why} this English label; left out")
            continue
        entity = next(iter(found))
        for link in _row_links(row, entity, types.get(entity, frozenset())):
            earlier = links.setdefault((link.subject, link.key), link)
            if earlier.object != link.object:
                raise _fail(row, f"{link.key} {link.object} contradicts {earlier.object} of an earlier row")
    result = list(links.values())
    return result + _derived_eu_countries(result), notes


def add_link(graph: Graph, link: Link) -> None:
    """Add the link and its record (rdf:Statement with provenance) to `graph`."""
    record = link.record
    graph.add((link.subject, link.predicate, link.object))
    statements = [(RDF.type, RDF.Statement), (RDF.subject, link.subject), (RDF.predicate, link.predicate),
                  (RDF.object, link.object), (PROV.wasDerivedFrom, link.source),
                  (RDFS.comment, Literal(link.comment, lang="en"))]  # fmt: skip
    if link.created is not None:
        statements.append((DCTERMS.created, Literal(link.created.isoformat(), datatype=XSD.date)))
    if link.creator:
        statements.append((DCTERMS.creator, Literal(link.creator)))
    for predicate, value in statements:
        graph.add((record, predicate, value))


def recorded_links(graph: Graph) -> list[Link]:
    """The links whose records a links graph holds (reference-derived and reviewed)."""
    found = []
    for record in sorted(graph.subjects(RDF.type, RDF.Statement), key=str):
        subject, predicate = graph.value(record, RDF.subject), graph.value(record, RDF.predicate)
        obj, source = graph.value(record, RDF.object), graph.value(record, PROV.wasDerivedFrom)
        if not (isinstance(subject, URIRef) and isinstance(predicate, URIRef) and obj is not None
                and isinstance(source, URIRef)):  # fmt: skip
            raise LinkError(f"links graph: record {record} lacks subject, predicate, object or source")
        created = graph.value(record, DCTERMS.created)
        creator = graph.value(record, DCTERMS.creator)
        key = str(record).removeprefix(record_prefix(subject))
        found.append(Link(subject, predicate, obj, key, str(graph.value(record, RDFS.comment) or ""), source,
                          date.fromisoformat(str(created)) if created is not None else None,
                          str(creator) if creator is not None else None))  # fmt: skip
    return found


def unrecorded_links(graph: Graph) -> list[tuple[Node, Node, Node]]:
    """Link triples (any predicate a record may name) that no record describes: hand edits, for instance."""
    predicates = {*LINK_PREDICATES, *(prop for prop, _, _ in ISO_3166), ORG.identifier}
    recorded = {(link.subject, link.predicate, link.object) for link in recorded_links(graph)}
    return sorted(t for t in graph if t[1] in predicates and t not in recorded)


def describe_graph(graph: Graph, name: URIRef, title: str, description: str, modified: date | None = None,
                   sources: Iterable[URIRef] = ()) -> None:  # fmt: skip
    """Say what a generated graph is: a void:Dataset and prov:Entity with title, description, date and sources."""
    graph.add((name, RDF.type, VOID.Dataset))
    graph.add((name, RDF.type, PROV.Entity))
    graph.add((name, DCTERMS.title, Literal(title, lang="en")))
    graph.add((name, DCTERMS.description, Literal(description, lang="en")))
    if modified is not None:
        graph.add((name, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.date)))
    for source in sorted(set(sources)):
        graph.add((name, PROV.wasDerivedFrom, source))


def links_graph(links: Iterable[Link], modified: date) -> Graph:
    """The links graph: every link with its record, the reference list and the graph's own description."""
    graph = Graph()
    items = list(links)
    for link in items:
        add_link(graph, link)
    describe_graph(graph, LINKS_GRAPH, "Links from mgkg entities to other datasets",
                   "owl:sameAs to Wikidata, GeoNames and DBpedia; skos:exactMatch to EU Publications Office authority "
                   "tables; ISO 3166-1 codes (wdt:P297, wdt:P298, wdt:P299) and IATI organisation identifiers "
                   "(org:identifier) as literals. Each link has an rdf:Statement record with its provenance.",
                   modified, (link.source for link in items))  # fmt: skip
    for predicate, value in (
        (RDF.type, PROV.Entity), (RDF.type, FOAF.Document), (RDFS.label, Literal("external-ids.tsv", lang="en")),
        (DCTERMS.title, Literal("Reference list of external identifiers", lang="en")),
        (DCTERMS.description, Literal("A hand-checked list of the external identifiers of entities named in the "
                                      "source documents, each with a status; only rows with the status 'verified' "
                                      "become links.", lang="en")),
    ):  # fmt: skip
        graph.add((REFERENCE_DOCUMENT, predicate, value))
    return graph


def merge_reviewed(curated: list[Link], existing: Graph | None) -> tuple[list[Link], list[str]]:
    """Curated links plus the reviewed links of `existing`; a reviewed link the reference now gives is dropped."""
    if existing is None:
        return curated, []
    by_key = {(link.subject, link.key): link for link in curated}
    merged, notes = list(curated), []
    for link in recorded_links(existing):
        if link.source == REFERENCE_DOCUMENT:
            continue
        same = by_key.get((link.subject, link.key))
        if same is None:
            merged.append(link)
        elif same.object == link.object:
            notes.append(f"reviewed link {link.record} is now in the reference list; its record is replaced")
        else:
            raise LinkError(f"reviewed link {link.record} ({link.object}) contradicts the reference ({same.object})")
    return merged, notes


def serialize(graph: Graph, name: URIRef, header: str) -> bytes:
    """Deterministic Turtle for a source file: the header comment, then the sorted triples (graph/export)."""
    dataset = Dataset()
    named = dataset.graph(name)
    named += graph
    return header.encode("utf-8") + b"\n" + export(dataset, "turtle")


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (a temporary file renamed over it)."""
    try:
        write_atomic(path, data)
    except DataFileError as error:
        raise LinkError(str(error)) from None


def links_from_reference(
    reference: Path, dataset: Dataset, modified: date, existing: Graph | None = None
) -> tuple[bytes, list[str]]:
    """The links file that `reference` gives (keeping the reviewed links of `existing`), and the notes."""
    curated, notes = curated_links(read_reference(reference), dataset)
    merged, more = merge_reviewed(curated, existing)
    return serialize(links_graph(merged, modified), LINKS_GRAPH, HEADER), notes + more

"""What every offline enrichment source shares: the verified links it may start from, entries, the provenance writer.

An offline source (pycountry, geonames, countryinfo, coco, iati) copies facts from a dataset that a Python package
ships into its own named graph, graph/enrichment/<source>. Nothing is said about our entities themselves: each record
of the dataset that we use becomes an *entry* (<base>id/entry/<source>/<key>, a prov:Entity) that holds the facts
the dataset gives, in standard terms, and says

* foaf:primaryTopic — the mgkg entity it is about (absent for an entry about a thing we have no entity for, such as
  a capital city or a currency);
* dcterms:identifier — the record's identifier in the dataset (the external id each fact came from), and
  dcterms:source the record's own IRI where the dataset has one (GeoNames);
* prov:wasDerivedFrom — the enrichment graph, whose description names dataset, package, version, licence, date;
* prov:wasInfluencedBy — why this record was chosen: the record of the verified link (graph/links) whose
  identifier matched it, the entry it was reached from (a country's capital), or the mgkg concept whose own code
  matched it (IATI codes, currency codes).

Records are matched by identifier only, never by name; an identifier that a verified link states and the dataset
contradicts is an EnrichmentError, not a silent choice. A link that a dataset adds (a GeoNames id for a country
linked by its ISO code) is a derived link with its own rdf:Statement record, as in graph/links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import metadata
from pathlib import Path

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, VOID, XSD
from rdflib.term import Node

from graph.core.errors import MgkgError
from graph.core.files import parse_graph
from graph.core.namespaces import DEFAULT_BASE, graph_iri
from graph.linking.links import LINKS_GRAPH, Link, add_link, describe_graph, recorded_links, serialize

ENTRIES = f"{DEFAULT_BASE}id/entry/"
GN = Namespace("http://www.geonames.org/ontology#")
WGS84 = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
SCHEMA = Namespace("https://schema.org/")
SPDX = Namespace("http://spdx.org/licenses/")
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
_LOCALE = re.compile(r"(?P<lang>[a-z]{2,3})(?:_(?P<region>[A-Z]{2}))?(?:@(?P<modifier>[a-z]+))?")
_SCRIPTS = {"latin": "Latn"}


class EnrichmentError(MgkgError, ValueError):
    """A dataset contradicts a verified identifier, or a package or data file cannot be used; one line."""


@dataclass(frozen=True)
class SourceInfo:
    """An offline dataset and the package that ships it: what the enrichment graph's description says."""

    name: str
    title: str
    description: str
    homepage: URIRef
    licence: URIRef
    licence_note: str
    package: str
    package_version: str
    package_licence: URIRef
    dataset_version: str

    @property
    def graph(self) -> URIRef:
        """The enrichment graph of this source: <base>graph/enrichment/<name>."""
        return graph_iri(f"enrichment/{self.name}")

    @property
    def package_iri(self) -> URIRef:
        """The package release on its registry."""
        return URIRef(f"https://pypi.org/project/{self.package}/{self.package_version}/")


@dataclass
class Enrichment:
    """The entries, facts and derived links one source has produced so far, and a note for what it left out."""

    source: SourceInfo
    graph: Graph = field(default_factory=Graph)
    notes: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def entry(self, key: str, identifier: str, basis: Iterable[URIRef], topic: URIRef | None = None,
              external: URIRef | None = None) -> URIRef:  # fmt: skip
        """The entry <base>id/entry/<source>/<key> for the dataset's record `identifier`, with its provenance."""
        entry = URIRef(f"{ENTRIES}{self.source.name}/{key}")
        self.graph.add((entry, RDF.type, PROV.Entity))
        self.graph.add((entry, DCTERMS.identifier, Literal(identifier)))
        self.graph.add((entry, PROV.wasDerivedFrom, self.source.graph))
        for reason in basis:
            self.graph.add((entry, PROV.wasInfluencedBy, reason))
        if topic is not None:
            self.graph.add((entry, FOAF.primaryTopic, topic))
        if external is not None:
            self.graph.add((entry, DCTERMS.source, external))
        return entry

    def fact(self, subject: URIRef, predicate: URIRef, value: Node) -> None:
        """State one fact the dataset gives about an entry (or a node of one, such as its geometry)."""
        self.graph.add((subject, predicate, value))

    def point(self, entry: URIRef, latitude: Decimal, longitude: Decimal) -> None:
        """The entry's coordinates: wgs84:lat / wgs84:long and geo:hasGeometry <entry>/geometry → geo:asWKT."""
        self.fact(entry, WGS84.lat, Literal(latitude, datatype=XSD.decimal))
        self.fact(entry, WGS84.long, Literal(longitude, datatype=XSD.decimal))
        geometry = URIRef(f"{entry}/geometry")
        self.fact(entry, GEO.hasGeometry, geometry)
        self.fact(geometry, RDF.type, GEO.Geometry)
        self.fact(geometry, GEO.asWKT, Literal(f"Point({longitude} {latitude})", datatype=GEO.wktLiteral))

    def derive_link(self, link: Link) -> None:
        """Add a link the dataset gives for an entity already linked by a verified identifier, with its record."""
        self.links.append(link)
        add_link(self.graph, link)


def package_version(distribution: str, requirement: str) -> str:
    """The installed version of `distribution`; an EnrichmentError saying how to install it if it is missing."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        raise EnrichmentError(f"{distribution} is not installed: pip install '{requirement}'") from None


def verified_links(dataset: Dataset) -> list[Link]:
    """The links of graph/links (verified rows of the reference list and links a person accepted), recorded."""
    return recorded_links(dataset.graph(LINKS_GRAPH))


def codes(links: Iterable[Link], predicate: URIRef) -> dict[URIRef, tuple[str, Link]]:
    """Entity → (literal code, its link) for one code predicate (wdt:P297, org:identifier …)."""
    found: dict[URIRef, tuple[str, Link]] = {}
    for link in links:
        if link.predicate == predicate and isinstance(link.object, Literal):
            found[link.subject] = (str(link.object), link)
    return found


def language_tag(locale: str) -> str | None:
    """The BCP 47 tag of a gettext locale, lower-cased as RDF stores compare them and Oxigraph keeps them (pt_BR →
    pt-br, sr@latin → sr-latn), so a snapshot equals its store and its exports; None if it has no sure tag."""
    match = _LOCALE.fullmatch(locale)
    if match is None:
        return None
    tag = match["lang"]
    if match["modifier"]:
        script = _SCRIPTS.get(match["modifier"])
        if script is None:
            return None
        tag += f"-{script}"
    return (f"{tag}-{match['region']}" if match["region"] else tag).lower()


def enrichment_graph(enrichment: Enrichment, modified: date) -> Graph:
    """The snapshot graph: the facts, entries and derived links plus the provenance record of the source."""
    info = enrichment.source
    graph = Graph()
    graph += enrichment.graph
    describe_graph(graph, info.graph, info.title, info.description, modified, [info.package_iri])
    graph.add((info.graph, DCTERMS.license, info.licence))
    graph.add((info.graph, DCTERMS.source, info.homepage))
    graph.add((info.graph, DCTERMS.hasVersion, Literal(info.dataset_version)))
    graph.add((info.graph, RDFS.comment, Literal(info.licence_note, lang="en")))
    graph.add((info.graph, VOID.triples, Literal(len(enrichment.graph))))
    package = info.package_iri
    graph.add((package, RDF.type, PROV.Entity))
    graph.add((package, RDFS.label, Literal(f"{info.package} {info.package_version} (PyPI)", lang="en")))
    graph.add((package, DCTERMS.hasVersion, Literal(info.package_version)))
    graph.add((package, DCTERMS.license, info.package_licence))
    return graph


def header(info: SourceInfo) -> str:
    """The comment at the top of a snapshot file."""
    return (f"# Enrichment graph graph/enrichment/{info.name}: {info.title}.\n"
            f"# Generated by `mgkg enrich --from {info.name}` from {info.package} {info.package_version}; "
            "do not edit by hand, regenerate.\n")  # fmt: skip


def snapshot(enrichment: Enrichment, modified: date) -> bytes:
    """The snapshot file's bytes: deterministic Turtle (sorted) after the header."""
    info = enrichment.source
    return serialize(enrichment_graph(enrichment, modified), info.graph, header(info))


def recorded_date(path: Path, name: URIRef) -> date | None:
    """The dcterms:modified of an existing snapshot, if it has one."""
    if not path.exists():
        return None
    value = parse_graph(path).value(name, DCTERMS.modified)
    return date.fromisoformat(str(value)) if value is not None else None


def snapshot_bytes(enrichment: Enrichment, path: Path, today: date) -> tuple[bytes, bool]:
    """The file to write and whether it changed: an unchanged snapshot keeps its date (same facts, same bytes)."""
    earlier = recorded_date(path, enrichment.source.graph)
    if earlier is not None:
        same = snapshot(enrichment, earlier)
        if path.read_bytes() == same:
            return same, False
    return snapshot(enrichment, today), True

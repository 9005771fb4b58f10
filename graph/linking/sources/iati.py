"""IATI codelists (version 2.03, vendored from pyIATI 0.4.1 under graph/linking/data/iati): names of our codes.

Our project-status, scope and role concepts carry the code of the IATI codelist they correspond to
(mgkg:iatiCode, in ontology/vocabularies.ttl); each is matched to that code of ActivityStatus, ActivityScope or
OrganisationRole, and the entry <base>id/entry/iati/<codelist>-<code> holds IATI's name (rdfs:label, English
and French) and description (skos:definition), dcterms:isPartOf the codelist. A code that the codelist does not
have is an error. Each organisation with a verified IATI organisation identifier (org:identifier in graph/links)
gets an entry naming the registration agency its prefix stands for (OrganisationRegistrationAgency, dcterms:
isPartOf) and, for an XI-IATI identifier, IATI's own name for it (IATIOrganisationIdentifier).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from graph.core.namespaces import MGKG
from graph.linking.links import ORG, short
from graph.linking.sources.common import SPDX, Enrichment, EnrichmentError, SourceInfo, codes, verified_links

DATA = Path(__file__).resolve().parent.parent / "data" / "iati"
VERSION = "2.03"
PACKAGE_VERSION = "0.4.1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMES = {
    "https://w3id.org/mgkg/vocab/status/": "ActivityStatus",
    "https://w3id.org/mgkg/vocab/scope/": "ActivityScope",
    "https://w3id.org/mgkg/vocab/role/": "OrganisationRole",
}
"""Our concept schemes (by namespace) → the IATI codelist their mgkg:iatiCode values come from."""


@dataclass(frozen=True)
class Item:
    """One item of a codelist: its code, names by language, English description."""

    code: str
    names: dict[str, str]
    description: str


@dataclass(frozen=True)
class Codelist:
    """A codelist: name, English name and description, items by code."""

    name: str
    title: str
    description: str
    items: dict[str, Item]


def source_info() -> SourceInfo:
    """What the iati graph's description says."""
    return SourceInfo(
        name="iati", title="IATI codelists 2.03 (vendored from pyIATI 0.4.1)",
        description="IATI's names (English and French) and descriptions of the ActivityStatus, ActivityScope and "
                    "OrganisationRole codes our concepts correspond to, and the registration agencies of the "
                    "verified IATI organisation identifiers of our organisations.",
        homepage=URIRef("https://iatistandard.org/en/iati-standard/203/codelists/"), licence=SPDX.MIT,
        licence_note="The IATI codelists and pyIATI are published by the IATI Technical Team under the MIT License; "
                     "the five codelist files are vendored unchanged under graph/linking/data/iati (README there).",
        package="pyIATI", package_version=PACKAGE_VERSION, package_licence=SPDX.MIT,
        dataset_version=f"IATI Standard {VERSION} codelists",
    )  # fmt: skip


def _text(element: ElementTree.Element | None) -> str:
    narrative = element.find("narrative") if element is not None else None
    return " ".join((narrative.text or "").split()) if narrative is not None else ""


def read_codelist(name: str, folder: Path = DATA) -> Codelist:
    """Parse one vendored codelist file; an unreadable or malformed file is an EnrichmentError."""
    path = folder / f"{name}.xml"
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise EnrichmentError(f"{path}: cannot read the IATI codelist ({error})") from None
    items = {}
    for element in root.iter("codelist-item"):
        code = (element.findtext("code") or "").strip()
        names: dict[str, str] = {}
        for narrative in element.findall("name/narrative"):
            names.setdefault(narrative.get(XML_LANG, "en"), " ".join((narrative.text or "").split()))
        if code:
            items[code] = Item(code, {k: v for k, v in names.items() if v}, _text(element.find("description")))
    metadata = root.find("metadata")
    title = _text(metadata.find("name")) if metadata is not None else name
    description = _text(metadata.find("description")) if metadata is not None else ""
    return Codelist(name, title, description, items)


def _codelist_entry(enrichment: Enrichment, codelist: Codelist, basis: URIRef, made: dict[str, URIRef]) -> URIRef:
    if codelist.name not in made:
        entry = enrichment.entry(codelist.name, codelist.name, [basis])
        enrichment.fact(entry, RDFS.label, Literal(codelist.title, lang="en"))
        if codelist.description:
            enrichment.fact(entry, DCTERMS.description, Literal(codelist.description, lang="en"))
        made[codelist.name] = entry
    return made[codelist.name]


def _item_facts(enrichment: Enrichment, entry: URIRef, item: Item) -> None:
    for language, name in sorted(item.names.items()):
        enrichment.fact(entry, RDFS.label, Literal(name, lang=language))
    if item.description:
        enrichment.fact(entry, SKOS.definition, Literal(item.description, lang="en"))


def enrich(dataset: Dataset, folder: Path = DATA) -> Enrichment:
    """The IATI enrichment of our coded concepts and of organisations with verified IATI identifiers."""
    enrichment = Enrichment(source_info())
    made: dict[str, URIRef] = {}
    lists = {name: read_codelist(name, folder) for name in sorted(SCHEMES.values())}
    coded = sorted((str(s), str(o)) for s, _, o, _ in dataset.quads((None, MGKG.iatiCode, None, None)))
    for concept, code in coded:
        name = next((n for ns, n in SCHEMES.items() if concept.startswith(ns)), None)
        if name is None:
            raise EnrichmentError(f"{short(URIRef(concept))}: has IATI code {code!r} but is in no scheme mgkg maps "
                                  "to an IATI codelist")  # fmt: skip
        item = lists[name].items.get(code)
        if item is None:
            raise EnrichmentError(f"{short(URIRef(concept))}: IATI code {code!r} is not in the {name} codelist "
                                  f"{VERSION}")  # fmt: skip
        entry = enrichment.entry(f"{name}-{code}", code, [URIRef(concept)], URIRef(concept))
        enrichment.fact(entry, DCTERMS.isPartOf, _codelist_entry(enrichment, lists[name], URIRef(concept), made))
        _item_facts(enrichment, entry, item)
    agencies = read_codelist("OrganisationRegistrationAgency", folder)
    registered = read_codelist("IATIOrganisationIdentifier", folder)
    for organisation, (identifier, link) in sorted(codes(verified_links(dataset), ORG.identifier).items()):
        prefixes = [p for p in sorted(agencies.items, key=len, reverse=True) if identifier.startswith(f"{p}-")]
        prefix = prefixes[0] if prefixes else None
        if prefix is None:
            enrichment.notes.append(f"left out {identifier} of {short(organisation)}: its registration agency is not "
                                    f"in the OrganisationRegistrationAgency codelist {VERSION}")  # fmt: skip
            continue
        entry = enrichment.entry(f"organisation-{identifier}", identifier, [link.record], organisation)
        agency = enrichment.entry(f"agency-{prefix}", prefix, [entry])
        enrichment.fact(agency, DCTERMS.isPartOf, _codelist_entry(enrichment, agencies, entry, made))
        _item_facts(enrichment, agency, agencies.items[prefix])
        enrichment.fact(entry, DCTERMS.isPartOf, agency)
        if identifier in registered.items:
            enrichment.fact(entry, DCTERMS.isPartOf, _codelist_entry(enrichment, registered, entry, made))
            _item_facts(enrichment, entry, registered.items[identifier])
    return enrichment

"""The IRIs mgkg relies on: ontology and vocabulary namespaces, data and graph IRIs under a base."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import pyoxigraph as ox
from rdflib import Namespace, URIRef

DEFAULT_BASE = "https://w3id.org/mgkg/"
"""Base of data IRIs (id/...) and graph IRIs (graph/...); configurable with MGKG_BASE."""

MGKG = Namespace("https://w3id.org/mgkg/ontology#")
MGSH = Namespace("https://w3id.org/mgkg/shapes#")
ONTOLOGY_IRI = URIRef("https://w3id.org/mgkg/ontology")

VOCABULARIES = {
    "status": "status",
    "ptype": "project-type",
    "scope": "scope",
    "role": "role",
    "theme": "theme",
    "indicator": "indicator",
}
"""Prefix → folder of the SKOS concept schemes under https://w3id.org/mgkg/vocab/ (never rebased)."""

ENTITIES = {
    "prj": "project",
    "orgs": "organization",
    "place": "place",
    "addr": "address",
    "contact": "contact",
    "event": "event",
    "obs": "observation",
    "amount": "amount",
    "part": "participation",
    "doc": "document",
}
"""Prefix → folder of the entity IRIs under <base>id/ (rebased with the base)."""

STANDARD = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
}
"""Prefixes of the standard vocabularies mgkg uses or aligns with."""

LINKED = {
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "gn": "https://sws.geonames.org/",
    "dbr": "http://dbpedia.org/resource/",
    "eu-country": "http://publications.europa.eu/resource/authority/country/",
    "eu-corporate-body": "http://publications.europa.eu/resource/authority/corporate-body/",
}
"""Prefixes of the datasets mgkg links to (graph.linking.links.TARGETS) and of Wikidata's direct properties."""

MORE_VOCABULARIES = {
    "adms": "http://www.w3.org/ns/adms#",
    "vann": "http://purl.org/vocab/vann/",
}
"""Vocabularies the ontology uses in a few annotations (not bound in queries)."""

W3C = ("rdf", "rdfs", "xsd", "owl", "skos", "prov", "org", "vcard", "sh", "adms")
"""The W3C vocabularies among STANDARD and MORE_VOCABULARIES, in the order exports declare them."""

XSD_STRING = STANDARD["xsd"] + "string"
"""xsd:string, the datatype of a plain literal (written without it)."""

IRI_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|^`\\]")
"""A character no IRI written between < and > may hold (SPARQL's IRIREF, Turtle's, N-Triples')."""

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def is_absolute_iri(text: str) -> bool:
    """Whether `text` is an absolute IRI (a scheme, then `:`) that can be written between < and >, and an IRI by
    RFC 3987 as Oxigraph reads one (no control character, one `#`, a numeric port …): JSON Schema's `iri`."""
    if _SCHEME.match(text) is None or IRI_FORBIDDEN.search(text) is not None:
        return False
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def normalize_base(base: str) -> str:
    """The base IRI with exactly one trailing slash."""
    return base.rstrip("/") + "/"


def graph_iri(name: str, base: str = DEFAULT_BASE) -> URIRef:
    """IRI of the named graph `name` (a seed stem, provenance, curation or ontology)."""
    return URIRef(f"{normalize_base(base)}graph/{name}")


def compact(iri: str, names: Mapping[str, str]) -> str:
    """`iri` as a prefixed name with the longest namespace of `names` it starts with; the IRI itself if none."""
    matches = [(prefix, ns) for prefix, ns in names.items() if iri.startswith(ns) and len(iri) > len(ns)]
    if not matches:
        return iri
    prefix, namespace = max(matches, key=lambda match: len(match[1]))
    return f"{prefix}:{iri[len(namespace) :]}"


def prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """Every prefix mgkg binds, in a stable order: standard, ontology, vocabularies, entities, graphs (a new dict
    each call: callers may change theirs)."""
    return dict(_prefixes(base))


@lru_cache(maxsize=16)
def _prefixes(base: str) -> tuple[tuple[str, str], ...]:
    """What `prefixes` returns, worked out once per base (each query needs it: ~5 µs a time)."""
    base = normalize_base(base)
    result = dict(STANDARD)
    result["mgkg"] = str(MGKG)
    result["mgsh"] = str(MGSH)
    for prefix, folder in VOCABULARIES.items():
        result[prefix] = f"https://w3id.org/mgkg/vocab/{folder}/"
    for prefix, folder in ENTITIES.items():
        result[prefix] = f"{base}id/{folder}/"
    result["mgg"] = f"{base}graph/"
    return tuple(result.items())


def export_prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """Every prefix an export may declare, in the order it declares them: mgkg's own (ontology, shapes,
    vocabularies, entities, graphs), then the W3C vocabularies, then the others and the linked datasets."""
    bound = prefixes(base)
    known = {**bound, "link": f"{normalize_base(base)}id/link/", **MORE_VOCABULARIES, **LINKED}
    own = [p for p in bound if p not in STANDARD and p != "mgg"] + ["link", "mgg"]
    others = [p for p in known if p not in own and p not in W3C]
    return {p: known[p] for p in (*own, *W3C, *others)}


def sparql_prologue(base: str = DEFAULT_BASE) -> str:
    """PREFIX lines for every mgkg prefix, for query editors and named queries."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes(base).items())

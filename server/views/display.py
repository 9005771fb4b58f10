"""How the HTML pages write RDF terms for people: links to the server's own pages for the graph's IRIs, names for
IRIs without a label, dates with their precision, numbers and money grouped, schema.org types. Registered as
Jinja filters and globals by the blueprints of the pages (`install`); Jinja escapes everything they return.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, url_for

from graph.core.namespaces import MGKG, STANDARD, compact, normalize_base, prefixes
from graph.pages.select import Term
from server.context import runtime

XSD = STANDARD["xsd"]
VOCAB = "https://w3id.org/mgkg/vocab/"
LINKABLE = ("http://", "https://", "mailto:", "tel:")
"""IRI schemes the pages make into links (never javascript: or data:)."""
PRECISION = {XSD + "date": "day", XSD + "gYearMonth": "month", XSD + "gYear": "year", XSD + "dateTime": "time"}
"""Datatype → the precision a date of it has (graph: dates keep their precision through their datatype)."""
NUMBERS = {XSD + name for name in ("decimal", "integer", "double", "float", "int", "long", "nonNegativeInteger",
                                   "positiveInteger")}  # fmt: skip
NAMES = {
    STANDARD["rdf"] + "type": "type",
    STANDARD["rdfs"] + "label": "label",
    STANDARD["rdfs"] + "comment": "comment",
    STANDARD["rdfs"] + "seeAlso": "see also",
    STANDARD["rdfs"] + "subClassOf": "subclass of",
    STANDARD["rdfs"] + "subPropertyOf": "subproperty of",
    STANDARD["rdfs"] + "domain": "domain",
    STANDARD["rdfs"] + "range": "range",
    STANDARD["skos"] + "prefLabel": "preferred label",
    STANDARD["skos"] + "altLabel": "also known as",
    STANDARD["skos"] + "definition": "definition",
    STANDARD["skos"] + "note": "note",
    STANDARD["skos"] + "notation": "notation",
    STANDARD["skos"] + "broader": "broader",
    STANDARD["skos"] + "narrower": "narrower",
    STANDARD["skos"] + "exactMatch": "exact match",
    STANDARD["skos"] + "closeMatch": "close match",
    STANDARD["skos"] + "inScheme": "in scheme",
    STANDARD["owl"] + "sameAs": "same as",
    STANDARD["owl"] + "equivalentClass": "equivalent class",
    STANDARD["owl"] + "equivalentProperty": "equivalent property",
    STANDARD["owl"] + "inverseOf": "inverse of",
    STANDARD["dcterms"] + "description": "description",
    STANDARD["dcterms"] + "title": "title",
    STANDARD["dcterms"] + "publisher": "publisher",
    STANDARD["dcterms"] + "language": "language",
    STANDARD["prov"] + "wasDerivedFrom": "derived from",
    STANDARD["prov"] + "wasAttributedTo": "attributed to",
}
"""Readable names of the standard properties the ontology does not label itself."""
SCHEMA_TYPES = {
    **dict.fromkeys(("Project", "Programme", "FundingTranche"), "Project"),
    **dict.fromkeys(("Organization", "IntergovernmentalOrganization", "SupranationalUnion", "CountryOffice", "EUBody"),
                    "Organization"),
    **dict.fromkeys(("GovernmentBody", "Government", "Ministry", "GovernmentAgency", "GovernmentUnit", "PoliceUnit",
                     "ProsecutorsOffice"), "GovernmentOrganization"),
    **dict.fromkeys(("Place", "Region", "BorderCrossingPoint", "StateBorder"), "Place"),
    "Country": "Country", "City": "City", "SourceDocument": "WebPage", "Observation": "Observation",
    "MonetaryAmount": "MonetaryAmount",
    **dict.fromkeys(("Event", "Referendum", "Agreement", "AccessionMilestone", "VisaRegimeChange",
                     "InstitutionalChange"), "Event"),
}  # fmt: skip
"""mgkg class (local name) → the schema.org type of the JSON-LD embedded for search engines."""


def local_href(iri: str) -> str | None:
    """The server's own page of `iri` (an entity, a graph, an ontology term or a concept); None for other IRIs."""
    base = normalize_base(runtime().settings.base)
    for folder, endpoint in (("id/", "linked.entity"), ("graph/", "linked.graph")):
        if iri.startswith(base + folder) and len(iri) > len(base + folder):
            return url_for(endpoint, rest=iri[len(base + folder) :])
    if iri.startswith(str(MGKG)):
        return url_for("linked.ontology") + "#" + iri[len(str(MGKG)) :]
    if iri == str(MGKG).rstrip("#"):
        return url_for("linked.ontology")
    if iri.startswith(VOCAB) and len(iri) > len(VOCAB):
        return url_for("linked.vocabulary", rest=iri[len(VOCAB) :])
    return None


def href(iri: str) -> str | None:
    """Where a link to `iri` goes: the server's own page, else the IRI itself for a safe scheme, else None."""
    return local_href(iri) or (iri if iri.startswith(LINKABLE) else None)


def short(iri: str) -> str:
    """`iri` as a prefixed name when a prefix of the graph covers it."""
    return compact(iri, prefixes(runtime().settings.base))


def property_name(iri: str, label: str | None = None) -> str:
    """A property's name: its label, a readable name of a standard property, else its prefixed name."""
    return label or NAMES.get(iri) or short(iri)


def precision(term: Term) -> str | None:
    """`day`, `month`, `year` (or `time`) for a date literal; None for anything else."""
    return PRECISION.get(term.get("datatype", "")) if term.get("type") == "literal" else None


def number(text: str) -> str:
    """A number with its digits grouped (`70,204.00`, `-0.8`); the text itself when it is no number."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return f"{value:,}" if value.is_finite() else text


def literal_text(term: Term) -> str:
    """A literal as people read it: dates at their precision (21 May 2006, May 2009, 2009), numbers grouped."""
    datatype, text = term.get("datatype", ""), term["value"]
    kind = PRECISION.get(datatype)
    try:
        if kind == "day":
            day = date.fromisoformat(text[:10])
            return f"{day.day} {day:%B %Y}"
        if kind == "month":
            return f"{date.fromisoformat(text[:7] + '-01'):%B %Y}"
    except ValueError:
        return text
    return number(text) if datatype in NUMBERS else text


def money(amount: tuple[str, str] | None) -> str:
    """`USD 70,204.00` from (amount, ISO 4217 code); empty for None."""
    return f"{amount[1]} {number(amount[0])}" if amount else ""


def schema_type(types: list[str]) -> str:
    """The schema.org type for an entity of these mgkg classes (Thing when none maps)."""
    for iri in types:
        if iri.startswith(str(MGKG)) and iri[len(str(MGKG)) :] in SCHEMA_TYPES:
            return SCHEMA_TYPES[iri[len(str(MGKG)) :]]
    return "Thing"


def install(bp: Blueprint) -> None:
    """Make the helpers Jinja filters of every template of the app (registered when `bp` is)."""
    filters: dict[str, Any] = {"href": href, "short": short, "property_name": property_name,
                               "literal_text": literal_text, "precision": precision, "money": money}  # fmt: skip
    for name, function in filters.items():
        bp.add_app_template_filter(function, name)

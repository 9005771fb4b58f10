"""Country classifications from the country_converter package (coco): UN M49 regions and memberships.

coco's table (country_data.tsv, read as data: the package's code, which needs pandas, is not imported) is matched
on the verified ISO 3166-1 alpha-3 code of each country; its alpha-2 and numeric codes must agree with the
verified ones. The entry <base>id/entry/coco/<alpha-3> holds wdt:P2082 (UN M49 code), schema:containedInPlace
its continent and UN M49 sub-region (entries of their own), and one org:Membership per grouping coco lists it in
— the European Union, the EEA, the Schengen Area, the euro area, the OECD, the United Nations, the Council of
Europe, the G7 — with schema:startDate (xsd:gYear) where coco gives the year (OECD, UN, euro). coco gives no
year for EU membership; the year of the enlargement is derived from its enlargement groupings (EU15 1995, EU25
2004, EU27_2007 2007, EU28 2013) and said so; for a member of the EU12 (before 1986) no year is given.
"""

from __future__ import annotations

import csv
import re
from importlib import metadata
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from graph.linking.links import ISO_3166, ORG, WDT, Link, short
from graph.linking.sources.common import (
    SCHEMA,
    SPDX,
    Enrichment,
    EnrichmentError,
    SourceInfo,
    codes,
    package_version,
    verified_links,
)

M49 = WDT.P2082
GROUPS = {
    "EU": ("European Union", None), "EEA": ("European Economic Area", None), "Schengen": ("Schengen Area", None),
    "EURO": ("Euro area", "year"), "OECD": ("Organisation for Economic Co-operation and Development", "year"),
    "UNmember": ("United Nations", "year"), "CoE": ("Council of Europe", None), "G7": ("Group of Seven", None),
}  # fmt: skip
"""coco column → (the grouping's English name, whether the cell is the year of joining)."""
ENLARGEMENTS = (("EU15", 1995), ("EU25", 2004), ("EU27_2007", 2007), ("EU28", 2013))
"""coco's EU enlargement groupings in order and the year each enlargement took effect."""
_YEAR = re.compile(r"[12][0-9]{3}")


def source_info() -> SourceInfo:
    """What the coco graph's description says (the package version is the installed one)."""
    version = package_version("country_converter", "country-converter>=1.3,<2")
    return SourceInfo(
        name="coco", title="Country classifications, from country_converter (coco)",
        description="UN M49 codes and sub-regions, continents, and membership of the European Union (with the "
                    "year of the enlargement, derived), the EEA, the Schengen Area, the euro area, the OECD, the "
                    "United Nations, the Council of Europe and the G7 (with the year where coco gives one), of the "
                    "countries we link by a verified ISO 3166-1 code.",
        homepage=URIRef("https://github.com/IndEcol/country_converter"), licence=SPDX["GPL-3.0-only"],
        licence_note="country_converter and its country table are licensed under the GNU GPL v3; the table is "
                     "compiled from the UN (M49), Eurostat, the OECD and the other bodies its README names. "
                     "mgkg reads the table as data and does not import the package's code.",
        package="country_converter", package_version=version, package_licence=SPDX["GPL-3.0-only"],
        dataset_version=f"country_data.tsv of country_converter {version}",
    )  # fmt: skip



def table() -> list[dict[str, str]]:
    """The rows of coco's country table (located through the installed distribution, not imported)."""
    path = Path(str(metadata.distribution("country_converter").locate_file("country_converter/country_data.tsv")))
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle, delimiter="\t"))
    except OSError as error:
        raise EnrichmentError(f"{path}: cannot read coco's country table ({error.strerror})") from None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def enrich(dataset: Dataset) -> Enrichment:
    """The coco enrichment of the countries linked by a verified ISO 3166-1 alpha-3 code."""
    enrichment = Enrichment(source_info())
    rows = table()
    links = verified_links(dataset)
    verified = [codes(links, prop) for prop, _, _ in ISO_3166]
    nodes: dict[str, URIRef] = {}

    def node(kind: str, name: str, basis: URIRef) -> URIRef:
        key = f"{kind}/{_slug(name)}"
        if key not in nodes:
            nodes[key] = enrichment.entry(key, name, [basis])
            enrichment.fact(nodes[key], RDFS.label, Literal(GROUPS[name][0] if kind == "group" else name, lang="en"))
        return nodes[key]

    for entity, (alpha3, link) in sorted(verified[1].items()):
        row = _row(rows, alpha3, entity)
        _check(row, entity, verified)
        basis = sorted({link.record, *(v[entity][1].record for v in verified if entity in v)})
        entry = enrichment.entry(alpha3, alpha3, basis, entity)
        if row.get("UNcode", "").isdigit():
            enrichment.fact(entry, M49, Literal(f"{int(row['UNcode']):03d}"))
        for column in ("continent", "UNregion"):
            if row.get(column):
                enrichment.fact(entry, SCHEMA.containedInPlace, node("region", row[column], entry))
        for column, (_, dated) in GROUPS.items():
            value = row.get(column, "")
            if not value:
                continue
            membership = URIRef(f"{entry}/membership/{_slug(column)}")
            enrichment.fact(membership, RDF.type, ORG.Membership)
            enrichment.fact(membership, ORG.member, entry)
            enrichment.fact(membership, ORG.organization, node("group", column, entry))
            year = value if dated and _YEAR.fullmatch(value) else _accession(row) if column == "EU" else None
            if year is not None:
                enrichment.fact(membership, SCHEMA.startDate, Literal(year, datatype=XSD.gYear))
            if column == "EU":
                enrichment.fact(membership, RDFS.comment, Literal(_eu_comment(row, year), lang="en"))
    return enrichment


def _row(rows: list[dict[str, str]], alpha3: str, entity: URIRef) -> dict[str, str]:
    found = [row for row in rows if row.get("ISO3") == alpha3]
    if len(found) != 1:
        raise EnrichmentError(f"{short(entity)}: coco has {len(found)} rows for ISO 3166-1 alpha-3 {alpha3!r}, "
                              "one expected")  # fmt: skip
    return found[0]


def _check(row: dict[str, str], entity: URIRef, verified: list[dict[URIRef, tuple[str, Link]]]) -> None:
    """coco's alpha-2 and numeric codes must be the verified ones."""
    given = {"alpha-2": row.get("ISO2", ""), "numeric": row.get("ISOnumeric", "")}
    for (_, name, _), codes_of in zip(ISO_3166, verified, strict=True):
        if name not in given or entity not in codes_of:
            continue
        value, expected = given[name], codes_of[entity][0]
        same = value.isdigit() and int(value) == int(expected) if name == "numeric" else value == expected
        if not same:
            raise EnrichmentError(f"{short(entity)}: coco gives ISO 3166-1 {name} {value!r}, the verified link "
                                  f"says {expected!r}")  # fmt: skip


def _accession(row: dict[str, str]) -> str | None:
    """The year of the EU enlargement that brought the country in, from coco's groupings; None for the EU12."""
    if row.get("EU12"):
        return None
    for column, year in ENLARGEMENTS:
        if row.get(column):
            return str(year)
    return None


def _eu_comment(row: dict[str, str], year: str | None) -> str:
    groups = ", ".join(c for c in ("EU12", *(c for c, _ in ENLARGEMENTS), "EU27") if row.get(c))
    if year is None:
        return (f"coco lists the country in the EU groupings {groups}; it gives no year, and membership of the "
                "EU12 (the members before 1986) does not say one.")  # fmt: skip
    return (f"coco lists the country in the EU groupings {groups}; the year is derived: the first enlargement "
            f"grouping it is in took effect in {year}.")  # fmt: skip

"""ISO 3166-1 and ISO 4217 from the pycountry package (Debian's iso-codes): codes and names in every language.

For each country with verified ISO 3166-1 codes (graph/links) the entry <base>id/entry/pycountry/<alpha-2> holds
the three codes (wdt:P297/P298/P299, checked against the verified ones: a difference is an error), the short name
as rdfs:label in English and in every language iso-codes translates it to, and the official name as wdt:P1448
(official name) in the same languages. For each ISO 4217 code that an amount of ours is in (mgkg:currency), the
entry <base>id/entry/pycountry/currency-<code> holds wdt:P498 (the code) and the currency's name in every language.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS

from graph.core.namespaces import MGKG
from graph.linking.links import ISO_3166, WDT, short
from graph.linking.sources.common import (
    SPDX,
    Enrichment,
    EnrichmentError,
    SourceInfo,
    codes,
    language_tag,
    package_version,
    verified_links,
)

OFFICIAL_NAME = WDT.P1448
CURRENCY_CODE = WDT.P498


def source_info() -> SourceInfo:
    """What the pycountry graph's description says (the package version is the installed one)."""
    version = package_version("pycountry", "pycountry>=24.6,<27")
    return SourceInfo(
        name="pycountry", title="ISO 3166-1 countries and ISO 4217 currencies, from pycountry (Debian iso-codes)",
        description="ISO 3166-1 alpha-2, alpha-3 and numeric codes, short and official names of the countries we "
                    "link by a verified ISO code, and the names of the ISO 4217 currencies our amounts are in, in "
                    "English and in every language iso-codes translates them to (language-tagged).",
        homepage=URIRef("https://salsa.debian.org/iso-codes-team/iso-codes"), licence=SPDX["LGPL-2.1-or-later"],
        licence_note="iso-codes data and translations: LGPL-2.1-or-later; the pycountry package: LGPL-2.1-only.",
        package="pycountry", package_version=version, package_licence=SPDX["LGPL-2.1-only"],
        dataset_version=f"iso-codes as shipped in pycountry {version}",
    )  # fmt: skip



def _catalogs(domain: str) -> list[tuple[str, dict[str, str]]]:
    """(BCP 47 tag, translations) for every locale that ships `domain`.mo, sorted by tag."""
    import pycountry

    found = []
    for folder in sorted(Path(pycountry.LOCALES_DIR).iterdir()):
        path = folder / "LC_MESSAGES" / f"{domain}.mo"
        tag = language_tag(folder.name)
        if not path.is_file() or tag is None:
            continue
        with path.open("rb") as handle:
            catalog = vars(gettext.GNUTranslations(handle)).get("_catalog", {})
        found.append((tag, {str(k): str(v) for k, v in catalog.items() if isinstance(k, str) and v}))
    return sorted(found)


def _names(enrichment: Enrichment, entry: URIRef, predicate: URIRef, name: str | None,
           catalogs: Iterable[tuple[str, dict[str, str]]]) -> None:  # fmt: skip
    if not name:
        return
    enrichment.fact(entry, predicate, Literal(name, lang="en"))
    for tag, catalog in catalogs:
        if tag != "en" and name in catalog:
            enrichment.fact(entry, predicate, Literal(catalog[name], lang=tag))


def enrich(dataset: Dataset) -> Enrichment:
    """The pycountry enrichment of the countries linked by verified ISO 3166-1 codes and of our currencies."""
    import pycountry

    enrichment = Enrichment(source_info())
    links = verified_links(dataset)
    countries = _catalogs("iso3166-1")
    by_code = [codes(links, prop) for prop, _, _ in ISO_3166]
    for entity, (alpha2, link) in sorted(by_code[0].items()):
        record = pycountry.countries.get(alpha_2=alpha2)
        if record is None:
            raise EnrichmentError(f"pycountry has no ISO 3166-1 country {alpha2!r}, verified for {entity}")
        given = (record.alpha_2, record.alpha_3, record.numeric)
        basis = [link.record]
        for (_, name, _), value, verified in zip(ISO_3166, given, by_code, strict=True):
            if entity in verified:
                if verified[entity][0] != value:
                    raise EnrichmentError(f"{short(entity)}: pycountry gives ISO 3166-1 {name} {value!r}, the verified "
                                          f"link says {verified[entity][0]!r}")  # fmt: skip
                basis.append(verified[entity][1].record)
        entry = enrichment.entry(record.alpha_2, record.alpha_2, sorted(set(basis)), topic=entity)
        for (prop, _, _), value in zip(ISO_3166, given, strict=True):
            enrichment.fact(entry, prop, Literal(value))
        _names(enrichment, entry, RDFS.label, record.name, countries)
        _names(enrichment, entry, OFFICIAL_NAME, getattr(record, "official_name", None), countries)
    currencies = _catalogs("iso4217")
    for code, graphs in sorted(_currencies(dataset).items()):
        currency = pycountry.currencies.get(alpha_3=code)
        if currency is None:
            enrichment.notes.append(f"left out currency {code!r}: not an ISO 4217 code pycountry knows")
            continue
        entry = enrichment.entry(f"currency-{code}", code, sorted(graphs))
        enrichment.fact(entry, CURRENCY_CODE, Literal(code))
        _names(enrichment, entry, RDFS.label, currency.name, currencies)
    return enrichment


def _currencies(dataset: Dataset) -> dict[str, set[URIRef]]:
    """ISO 4217 code → the named graphs (source documents) that give an amount in it."""
    found: dict[str, set[URIRef]] = {}
    for _, _, code, graph in dataset.quads((None, MGKG.currency, None, None)):
        if isinstance(code, Literal) and isinstance(graph, URIRef):
            found.setdefault(str(code), set()).add(graph)
    return found

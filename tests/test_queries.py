"""Named queries: every .rq file answers what the documents say (headers and parameters: test_query_files.py).

Expected rows are worked out by hand from graph/sources/*.ttl and the seed pages, not from the queries.
Cells are compared as: IRIs → prefixed names (orgs:roaid), numbers → Decimal, booleans → bool,
other literals → their text, unbound → None.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib.namespace import XSD

from graph.core.namespaces import prefixes
from graph.named_queries import (
    NamedQuery,
    ParameterError,
    load_queries,
    run_query,
)
from graph.sparql.serialize import read_results
from graph.store import EmbeddedStore

NAMESPACES = sorted(prefixes().items(), key=lambda item: -len(item[1]))
NUMERIC = {str(t) for t in (XSD.decimal, XSD.integer, XSD.double, XSD.float, XSD.positiveInteger)}


def cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Any:
    """A result term in the compact form the expectations use."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in NAMESPACES:
            if term.value.startswith(namespace):
                return f"{prefix}:{term.value[len(namespace):]}"
        return term.value
    if isinstance(term, ox.Literal) and term.datatype.value in NUMERIC:
        return Decimal(term.value)
    if isinstance(term, ox.Literal) and term.datatype.value == str(XSD.boolean):
        return term.value == "true"
    return term.value


@pytest.fixture(scope="module")
def queries() -> dict[str, NamedQuery]:
    """The shipped named queries."""
    return load_queries()


def solutions(query: NamedQuery, store: EmbeddedStore, values: dict[str, str]) -> list[ox.QuerySolution]:
    """The rows of a SELECT named query, read back from the SPARQL JSON answer the executor gives."""
    found = read_results(run_query(store, query, values).body)
    assert isinstance(found, ox.QuerySolutions)
    return list(found)


def rows(store: EmbeddedStore, queries: dict[str, NamedQuery], name: str, *columns: str, **values: str) -> list[
    tuple[Any, ...]
]:
    """Run a named query; the given columns of each row, in result order."""
    return [tuple(cell(row[column]) for column in columns) for row in solutions(queries[name], store, values)]


def answer(store: EmbeddedStore, queries: dict[str, NamedQuery], name: str, *columns: str, **values: str) -> set[
    tuple[Any, ...]
]:
    """Like rows(), as a set, checking that no whole row is repeated."""
    found = solutions(queries[name], store, values)
    whole = [tuple(cell(term) for term in row) for row in found]
    assert len(whole) == len(set(whole)), f"{name}: repeated rows"
    return {tuple(cell(row[column]) for column in columns) for row in found}


TESTED = {
    "beneficiary-institutions", "conflicting-facts", "country-figures", "editorial-statements", "fact-sources",
    "funders-by-country", "institutions-by-project", "iom-figures", "office-contacts", "organisation-units",
    "programme-components", "project-by-id", "projects-active-in-year", "projects-by-donor", "projects-by-place",
    "projects-by-theme", "projects-with-several-funders", "source-documents", "timeline", "total-budget-by-funder",
}  # fmt: skip


def test_every_query_is_tested_and_well_formed(queries: dict[str, NamedQuery]) -> None:
    federated = {"federated-country-population", "federated-funder-capitals"}  # test_federated
    enrichment = {"place-geonames", "country-population", "funder-capitals", "funder-countries-eu", "country-names"}
    assert set(queries) == TESTED | federated | enrichment  # enrichment: test_enrich_offline
    assert list(queries) == sorted(queries)
    for name, query in queries.items():
        assert query.name == name and query.path.name == f"{name}.rq"
        assert query.title and query.description and "\n" not in query.description
        assert all(p.description for p in query.parameters)


# ---------------------------------------------------------------- projects and donors

DONOR_ROWS = {
    ("orgs:us-jtip", "prj:counter-trafficking-in-crisis-western-balkans", None, None, None, None),
    ("orgs:us-prm", "prj:vulnerable-migrants-western-balkans", None, None, None, None),
    ("orgs:ipa-ii", "prj:protection-sensitive-migration-management-wb-turkey", None, None, None, None),
    ("orgs:denmark-ministry-of-foreign-affairs", "prj:wbibm-denmark", None, None, None, None),
    ("orgs:denmark-ministry-of-foreign-affairs", "prj:wbcap", None, None, None, None),
    ("orgs:roaid", "prj:wbibm-romania", None, None, None, None),
    ("orgs:eu-delegation-to-montenegro", "prj:ibm-individual-measure-montenegro", None, None, None, None),
    ("orgs:iom-development-fund", "prj:police-capacity-building-overall", None, None, None, None),
    ("orgs:austrian-development-agency", "prj:police-capacity-building-overall", None, None, None, None),
    ("orgs:austria-ministry-of-the-interior", "prj:police-capacity-building-overall", None, None, None, None),
    ("orgs:iom-development-fund", "prj:police-capacity-building-tranche-1", 40000, "USD", None, None),
    ("orgs:iom-development-fund", "prj:tc-0287", 40000, "USD", 40000, "USD"),
    ("orgs:iom-development-fund", "prj:px-0009", None, None, None, None),
}
DONOR_COLUMNS = ("donor", "project", "contribution", "contributionCurrency", "budget", "budgetCurrency")


def test_projects_by_donor(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    assert answer(store, queries, "projects-by-donor", *DONOR_COLUMNS) == DONOR_ROWS
    danish = answer(store, queries, "projects-by-donor", "project", donor="orgs:denmark-ministry-of-foreign-affairs")
    assert danish == {("prj:wbibm-denmark",), ("prj:wbcap",)}
    # the fund is named by its current name, not its former one (1035 Facility)
    labels = answer(store, queries, "projects-by-donor", "donorLabel", donor="orgs:iom-development-fund")
    assert labels == {("IOM Development Fund",)}


def test_total_budget_by_funder(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    # only the 1035 Facility / IOM Development Fund has stated amounts: USD 40,000 for each of two tranches
    expected = {("orgs:iom-development-fund", "USD", 80000, 2)}
    columns = ("funder", "currency", "total", "projects")
    assert answer(store, queries, "total-budget-by-funder", *columns) == expected
    assert answer(store, queries, "total-budget-by-funder", *columns, currency="USD") == expected
    assert answer(store, queries, "total-budget-by-funder", *columns, currency="EUR") == set()


@pytest.mark.parametrize(
    ("year", "expected"),
    [("2008", set()), ("2009", {("prj:tc-0287", "2009", "2010")}), ("2010", {("prj:tc-0287", "2009", "2010")}),
     ("2011", set())],
)
def test_projects_active_in_year(
    store: EmbeddedStore, queries: dict[str, NamedQuery], year: str, expected: set[tuple[str, ...]]
) -> None:
    assert answer(store, queries, "projects-active-in-year", "project", "start", "end", year=year) == expected


def test_projects_with_several_funders(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    overall, wbibm = "prj:police-capacity-building-overall", "prj:wbibm"
    expected = {
        (overall, 3, "orgs:iom-development-fund", overall),
        (overall, 3, "orgs:iom-development-fund", "prj:police-capacity-building-tranche-1"),
        (overall, 3, "orgs:iom-development-fund", "prj:tc-0287"),
        (overall, 3, "orgs:austrian-development-agency", overall),
        (overall, 3, "orgs:austria-ministry-of-the-interior", overall),
        (wbibm, 2, "orgs:denmark-ministry-of-foreign-affairs", "prj:wbibm-denmark"),
        (wbibm, 2, "orgs:roaid", "prj:wbibm-romania"),
    }
    columns = ("project", "funders", "funder", "fundedPart")
    assert answer(store, queries, "projects-with-several-funders", *columns) == expected


def test_funders_by_country(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    us = {("place:united-states", "orgs:us-jtip", 1), ("place:united-states", "orgs:us-prm", 1)}
    expected = us | {
        ("place:austria", "orgs:austrian-development-agency", 1),
        ("place:austria", "orgs:austria-ministry-of-the-interior", 1),
        ("place:denmark", "orgs:denmark-ministry-of-foreign-affairs", 2),
        ("place:romania", "orgs:roaid", 1),
    }
    assert answer(store, queries, "funders-by-country", "country", "funder", "projects") == expected
    assert answer(store, queries, "funders-by-country", "country", "funder", "projects",
                  country="place:united-states") == us


# ---------------------------------------------------------------- institutions

def test_institutions_by_project(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    police, moi = "orgs:montenegro-police", "orgs:montenegro-ministry-of-interior"
    columns = ("role", "institution", "parent")
    assert answer(store, queries, "institutions-by-project", *columns, project="prj:tc-0287") == {
        ("role:funding", "orgs:iom-development-fund", None),
        ("role:implementing", "orgs:iom", None),
        ("role:beneficiary", "orgs:montenegro-national-central-bureau", police),
        ("role:beneficiary", "orgs:montenegro-section-anti-organized-crime-and-corruption", police),
        ("role:beneficiary", "orgs:montenegro-border-police", police),  # per the TC.0287 page
        ("role:beneficiary", "orgs:montenegro-border-police", moi),  # per the PX.0009 page
    }
    special = "orgs:montenegro-special-anti-trafficking-and-smuggling-investigation-unit"
    assert answer(store, queries, "institutions-by-project", *columns, project="prj:px-0009") == {
        ("role:funding", "orgs:iom-development-fund", None),
        ("role:implementing", "orgs:iom", None),
        ("role:beneficiary", "orgs:government-of-montenegro", None),
        ("role:beneficiary", moi, None),
        ("role:beneficiary", "orgs:montenegro-criminal-police", moi),
        ("role:beneficiary", special, "orgs:montenegro-criminal-police"),
        ("role:beneficiary", special, moi),
        ("role:beneficiary", "orgs:montenegro-border-police", police),
        ("role:beneficiary", "orgs:montenegro-border-police", moi),
        ("role:beneficiary", "orgs:montenegro-public-order-police", moi),
        ("role:beneficiary", "orgs:montenegro-supreme-prosecutors-office", None),
    }
    state, eu, overall = "orgs:us-department-of-state", "orgs:european-union", "prj:police-capacity-building-overall"
    funders = answer(store, queries, "institutions-by-project", "project", "institution", "parent", role="role:funding")
    assert funders == {
        ("prj:counter-trafficking-in-crisis-western-balkans", "orgs:us-jtip", state),
        ("prj:vulnerable-migrants-western-balkans", "orgs:us-prm", state),
        ("prj:protection-sensitive-migration-management-wb-turkey", "orgs:ipa-ii", eu),  # instrument of the EU
        ("prj:wbibm-denmark", "orgs:denmark-ministry-of-foreign-affairs", None),
        ("prj:wbcap", "orgs:denmark-ministry-of-foreign-affairs", None),
        ("prj:wbibm-romania", "orgs:roaid", None),
        ("prj:ibm-individual-measure-montenegro", "orgs:eu-delegation-to-montenegro", eu),
        (overall, "orgs:iom-development-fund", None),
        (overall, "orgs:austrian-development-agency", None),
        (overall, "orgs:austria-ministry-of-the-interior", None),
        ("prj:police-capacity-building-tranche-1", "orgs:iom-development-fund", None),
        ("prj:tc-0287", "orgs:iom-development-fund", None),
        ("prj:px-0009", "orgs:iom-development-fund", None),
    }
    # 39 participations; Border Police (in two projects) and the Special Unit have two parent bodies each
    assert len(answer(store, queries, "institutions-by-project", *columns, "project")) == 42


def test_beneficiary_institutions(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    me, unit = "place:montenegro", "mgkg:PoliceUnit"
    tc_0287 = {
        ("prj:tc-0287", "orgs:montenegro-national-central-bureau", unit, me),
        ("prj:tc-0287", "orgs:montenegro-section-anti-organized-crime-and-corruption", unit, me),
        ("prj:tc-0287", "orgs:montenegro-border-police", unit, me),
    }
    px_0009 = {
        ("prj:px-0009", "orgs:government-of-montenegro", "mgkg:Government", me),
        ("prj:px-0009", "orgs:montenegro-ministry-of-interior", "mgkg:Ministry", me),
        ("prj:px-0009", "orgs:montenegro-criminal-police", unit, me),
        ("prj:px-0009", "orgs:montenegro-special-anti-trafficking-and-smuggling-investigation-unit", unit, me),
        ("prj:px-0009", "orgs:montenegro-border-police", unit, me),
        ("prj:px-0009", "orgs:montenegro-public-order-police", unit, me),
        ("prj:px-0009", "orgs:montenegro-supreme-prosecutors-office", "mgkg:ProsecutorsOffice", me),
    }
    columns = ("project", "institution", "kind", "country")
    assert answer(store, queries, "beneficiary-institutions", *columns) == tc_0287 | px_0009
    assert answer(store, queries, "beneficiary-institutions", *columns, project="prj:tc-0287") == tc_0287


def test_organisation_units(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    moi, police = "orgs:montenegro-ministry-of-interior", "orgs:montenegro-police"
    special, criminal = "orgs:montenegro-special-anti-trafficking-and-smuggling-investigation-unit", \
        "orgs:montenegro-criminal-police"
    under_moi = {
        (moi, "orgs:montenegro-border-police", True),
        (moi, criminal, True),
        (moi, "orgs:montenegro-public-order-police", True),
        (moi, special, False),  # through the Criminal Police
    }
    expected = under_moi | {
        ("orgs:iom", "orgs:iom-montenegro", True),
        ("orgs:government-of-montenegro", "orgs:montenegro-counter-trafficking-inter-ministerial-body", True),
        ("orgs:us-department-of-state", "orgs:us-jtip", True),
        ("orgs:us-department-of-state", "orgs:us-prm", True),
        ("orgs:european-union", "orgs:eu-delegation-to-montenegro", True),
        (police, "orgs:montenegro-national-central-bureau", True),
        (police, "orgs:montenegro-section-anti-organized-crime-and-corruption", True),
        (police, "orgs:montenegro-border-police", True),
        (criminal, special, True),
    }
    assert answer(store, queries, "organisation-units", "organisation", "unit", "direct") == expected
    assert answer(store, queries, "organisation-units", "organisation", "unit", "direct", organisation=moi) == under_moi


# ---------------------------------------------------------------- themes, places, components

THEMES = {
    "fight-against-trafficking-in-human-beings": {"counter-trafficking"},
    "aeneas-legal-migration-western-balkans": {"legal-migration", "capacity-building", "awareness-raising"},
    "police-capacities-cross-border-illegal-migration": {"border-management", "organized-crime", "capacity-building"},
    "youth-social-participation-montenegro": {"youth"},
    "croatia-montenegro-cross-border-police-cooperation": {"border-management", "cross-border-cooperation"},
    "counter-trafficking-in-crisis-western-balkans": {"counter-trafficking"},
    "vulnerable-migrants-western-balkans": {"protection-of-vulnerable-migrants", "capacity-building"},
    "protection-sensitive-migration-management-wb-turkey": {"migration-management",
                                                            "protection-of-vulnerable-migrants"},
    "avrr-montenegro": {"avrr"},
    "wbibm": {"border-management", "capacity-building"},
    "wbibm-denmark": {"border-management", "capacity-building"},
    "wbibm-romania": {"border-management", "capacity-building"},
    "wbcap": {"readmission", "migration-management", "capacity-building"},
    "ibm-individual-measure-montenegro": {"border-management", "capacity-building"},
    "police-capacity-building-overall": {"border-management", "organized-crime", "capacity-building"},
    "tc-0287": {"border-management", "organized-crime", "capacity-building", "counter-trafficking",
                "counter-smuggling"},
    "px-0009": {"protection-of-vulnerable-migrants", "counter-smuggling", "counter-trafficking"},
}


def test_projects_by_theme(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    pairs = {(f"theme:{t}", f"prj:{p}") for p, themes in THEMES.items() for t in themes}
    assert len(pairs) == 38
    assert answer(store, queries, "projects-by-theme", "theme", "project") == pairs
    border = answer(store, queries, "projects-by-theme", "project", theme="theme:border-management")
    assert border == {(f"prj:{p}",) for p in (
        "police-capacities-cross-border-illegal-migration", "croatia-montenegro-cross-border-police-cooperation",
        "wbibm", "wbibm-denmark", "wbibm-romania", "ibm-individual-measure-montenegro",
        "police-capacity-building-overall", "tc-0287")}


def test_projects_by_place(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    focus, benefiting, location = "mgkg:geographicFocus", "mgkg:benefitingCountry", "mgkg:activityLocation"
    me = "place:montenegro"
    assert answer(store, queries, "projects-by-place", "project", "relation", "where", place=me) == {
        ("prj:fight-against-trafficking-in-human-beings", focus, me),
        ("prj:police-capacities-cross-border-illegal-migration", focus, me),
        ("prj:youth-social-participation-montenegro", focus, me),
        ("prj:croatia-montenegro-cross-border-police-cooperation", focus, me),
        ("prj:avrr-montenegro", focus, me),
        ("prj:wbibm-romania", focus, me),
        ("prj:ibm-individual-measure-montenegro", focus, me),
        ("prj:px-0009", focus, me),
        ("prj:px-0009", benefiting, me),
        ("prj:police-capacity-building-overall", benefiting, me),
        ("prj:tc-0287", benefiting, me),
        ("prj:tc-0287", location, "place:bozaj-border-crossing"),  # located in Montenegro
        ("prj:tc-0287", location, "place:bar-border-crossing"),
    }
    assert answer(store, queries, "projects-by-place", "project", place="place:croatia") == {
        ("prj:croatia-montenegro-cross-border-police-cooperation",)}
    assert answer(store, queries, "projects-by-place", "project", place="place:western-balkans") == {
        (f"prj:{p}",) for p in (
            "aeneas-legal-migration-western-balkans", "counter-trafficking-in-crisis-western-balkans",
            "vulnerable-migrants-western-balkans", "protection-sensitive-migration-management-wb-turkey",
            "wbibm", "wbibm-denmark", "wbcap", "px-0009")}


def test_programme_components(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    overall = "prj:police-capacity-building-overall"
    wbibm = {("prj:wbibm", "prj:wbibm-denmark", None, None), ("prj:wbibm", "prj:wbibm-romania", None, None)}
    columns = ("programme", "component", "trancheNumber", "isFinalTranche")
    assert answer(store, queries, "programme-components", *columns) == wbibm | {
        ("prj:aeneas", "prj:aeneas-legal-migration-western-balkans", None, None),
        (overall, "prj:police-capacity-building-tranche-1", 1, None),
        (overall, "prj:tc-0287", 2, True),
    }
    assert answer(store, queries, "programme-components", *columns, programme="prj:wbibm") == wbibm


def test_project_by_id(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    columns = ("project", "projectsId", "primaId", "start", "end", "status", "projectType", "coverage", "idfRegion",
               "listedYear", "budget", "budgetCurrency", "remaining", "unlabeledFigure")
    assert rows(store, queries, "project-by-id", *columns, id="TC.0287") == [
        ("prj:tc-0287", "TC.0287", None, "2009", "2010", "status:completed", "ptype:tcmmcb", "scope:national",
         "place:europe", "2008", 40000, "USD", None, None)]
    px_0009 = [("prj:px-0009", "PX.0009", "ME10P0003", None, None, "status:completed", None, "scope:national",
                "place:europe", None, None, None, None, 100000)]
    assert rows(store, queries, "project-by-id", *columns, id="PX.0009") == px_0009
    assert rows(store, queries, "project-by-id", *columns, id="ME10P0003") == px_0009  # the PRIMA ID
    assert rows(store, queries, "project-by-id", "project", id="TC.9999") == []
    assert rows(store, queries, "project-by-id", "project", id="tc.0287") == []  # compared as the exact string


# ---------------------------------------------------------------- provenance and disagreements

def doc(stem: str) -> str:
    """Prefixed name of a source document."""
    return f"doc:{stem}"


D0, D1, D2, D3, D4 = ("000_b68a0693b93220c3", "001_92490fab1da5f5ad", "002_7533f10130e28a2e",
                      "003_cfcd86acf525643f", "004_81297e5f5f16a297")


def test_fact_sources(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    columns = ("object", "graph", "document")
    labels = answer(store, queries, "fact-sources", *columns, subject="orgs:iom-montenegro", predicate="rdfs:label")
    assert labels == {
        ("IOM Office in Montenegro", f"mgg:{D0}", doc(D0)),
        ("IOM Montenegro", f"mgg:{D1}", doc(D1)),
        ("IOM Montenegro", f"mgg:{D2}", doc(D2)),
    }
    start = answer(store, queries, "fact-sources", *columns, subject="prj:tc-0287", predicate="mgkg:startDate")
    assert start == {("2009", f"mgg:{D3}", doc(D3))}
    same = answer(store, queries, "fact-sources", *columns, subject="prj:tc-0287", predicate="mgkg:possiblySameAs")
    assert same == {("prj:police-capacities-cross-border-illegal-migration", "mgg:curation", None)}
    # IOM is named in every document, and described in the provenance graph as their publisher
    iom = answer(store, queries, "fact-sources", "graph", "document", subject="https://w3id.org/mgkg/id/organization/iom")
    assert iom == {(f"mgg:{d}", doc(d)) for d in (D0, D1, D2, D3, D4)} | {
        ("mgg:provenance", None), ("mgg:links", "doc:external-ids")}


def test_conflicting_facts(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    me_office, border = "orgs:iom-montenegro", "orgs:montenegro-border-police"
    expected = {
        (me_office, "rdfs:label", "IOM Office in Montenegro", doc(D0), "IOM Montenegro", doc(D1)),
        (me_office, "rdfs:label", "IOM Office in Montenegro", doc(D0), "IOM Montenegro", doc(D2)),
        (me_office, "mgkg:contactPoint", "contact:iom-podgorica-vasingtona", doc(D0), "contact:iom-un-eco-house",
         doc(D1)),
        ("orgs:iom-development-fund", "rdfs:label", "1035 Facility", doc(D3), "IOM Development Fund", doc(D4)),
        (border, "org:subOrganizationOf", "orgs:montenegro-police", doc(D3), "orgs:montenegro-ministry-of-interior",
         doc(D4)),
        ("orgs:iom", "indicator:countries-of-operation", "over 130", doc(D0), "171", doc(D3)),
    }
    columns = ("subject", "property", "value1", "document1", "value2", "document2")
    assert answer(store, queries, "conflicting-facts", *columns) == expected


def test_office_contacts(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    columns = ("organisation", "contact", "extendedAddress", "streetAddress", "postalCode", "locality", "telephone",
               "fax", "email", "document")
    older = ("orgs:iom-montenegro", "contact:iom-podgorica-vasingtona", None, "Bulevar Dzordza Vasingtona 3/45",
             "81000", "Podgorica", "tel:+38220234332", "tel:+38220234334", None, doc(D0))
    current = ("orgs:iom-montenegro", "contact:iom-un-eco-house", "UN Eco House", "Stanka Dragojevica bb", "81000",
               "Podgorica", "tel:+38220447411", "tel:+38220447409", "mailto:iommontenegro@iom.int", doc(D1))
    assert answer(store, queries, "office-contacts", *columns) == {older, current}
    assert answer(store, queries, "office-contacts", *columns, organisation="orgs:iom-montenegro") == {older, current}
    assert answer(store, queries, "office-contacts", *columns, organisation="orgs:iom") == set()


def test_editorial_statements(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    police, fund = "prj:police-capacities-cross-border-illegal-migration", "orgs:iom-development-fund"
    expected = {
        (police, "mgkg:possiblySameAs", "prj:tc-0287"),
        ("prj:tc-0287", "mgkg:possiblySameAs", police),
        (police, "skos:editorialNote", "Possibly the same project as TC.0287 (very close title, same police and "
                                       "organized-crime focus); no document states it."),
        (fund, "mgkg:formerName", "1035 Facility"),
        (fund, "skos:editorialNote", "Identified with the 1035 Facility: the TC.0287 page names the 1035 Facility "
                                     "as funder and files the project under an IDF region."),
        ("orgs:us-prm", "skos:altLabel", "PRM"),
        ("orgs:ipa-ii", "skos:altLabel", "Instrument for Pre-accession Assistance II"),
    }
    assert answer(store, queries, "editorial-statements", "subject", "predicate", "object") == expected
    assert {r[3] for r in rows(store, queries, "editorial-statements", *("subject", "predicate", "object",
                                                                         "attributedTo"))} == {"orgs:mgkg-project"}
    assert answer(store, queries, "editorial-statements", "predicate", "object", subject="prj:tc-0287") == {
        ("mgkg:possiblySameAs", police)}


def test_source_documents(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    # projects per page: 5 listed + the AENEAS programme; 3; AVRR, WBIBM and its 2 streams, WBCAP, the Individual
    # Measure; the overall project and its 2 tranches; PX.0009
    expected = [(doc(d), f"{d}.txt", f"mgg:{d}", n) for d, n in ((D0, 6), (D1, 3), (D2, 6), (D3, 3), (D4, 1))]
    assert rows(store, queries, "source-documents", "document", "seedFile", "graph", "projects") == expected


# ---------------------------------------------------------------- figures and timeline

def test_iom_figures(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    avrr = {
        ("indicator:avrr-returns", "obs:iom-montenegro-avrr-returns-since-2016", None, 100, "migrants", "2016",
         doc(D2)),
        ("indicator:reintegration-grants", "obs:iom-montenegro-reintegration-grants-since-2016", None, 20, "grants",
         "2016", doc(D2)),
    }
    countries = {
        ("indicator:countries-of-operation", "obs:iom-countries-of-operation-older-page", None, 130, "countries",
         None, doc(D0)),
        ("indicator:countries-of-operation", "obs:iom-countries-of-operation-project-page", 171, None, "countries",
         None, doc(D3)),
    }
    expected = avrr | countries | {
        ("indicator:staff", "obs:iom-staff-older-page", None, 7000, "people", None, doc(D0)),
        ("indicator:member-states", "obs:iom-member-states-project-page", 175, None, "states", None, doc(D3)),
    }
    columns = ("indicator", "observation", "value", "over", "unit", "periodStart", "document")
    assert answer(store, queries, "iom-figures", *columns) == expected
    assert {r[0] for r in rows(store, queries, "iom-figures", "organisation")} == {"orgs:iom"}  # the default
    assert answer(store, queries, "iom-figures", *columns, indicator="indicator:countries-of-operation") == countries
    assert answer(store, queries, "iom-figures", *columns, organisation="orgs:iom-montenegro") == avrr


def test_country_figures(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    visa = "event:montenegro-visa-liberalisation"
    expected = {
        ("obs:montenegro-net-migration-rate", "place:montenegro", "indicator:net-migration-rate", Decimal("-0.8"),
         "migrants per 1,000 population", None, None, None, None),
        ("obs:montenegro-women-share-of-immigrants-2015", "place:montenegro", "indicator:women-share-of-immigrants",
         None, None, None, "2015", True, None),
        ("obs:visa-free-schengen-states", visa, "indicator:visa-free-schengen-states", 25, "states", None, None, None,
         None),
        ("obs:visa-free-non-eu-states", visa, "indicator:visa-free-non-eu-states", 3, "states", None, None, None,
         None),
    }
    columns = ("observation", "entity", "indicator", "value", "unit", "currency", "referenceYear", "valueNotGiven",
               "unlabeled")
    assert answer(store, queries, "country-figures", *columns) == expected
    assert answer(store, queries, "country-figures", *columns, country="place:montenegro") == expected
    assert answer(store, queries, "country-figures", *columns, country="place:croatia") == set()


def test_timeline(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    assert rows(store, queries, "timeline", "date", "kind", "item") == [
        ("1951", "organisation active since", "orgs:iom"),
        ("2000", "organisation founded", "orgs:iom-montenegro"),
        ("2006", "event", "event:government-takes-over-trafficking-shelter"),
        ("2006-05-21", "event", "event:montenegro-independence-referendum-2006"),
        ("2008-02-22", "event", "event:iom-government-cooperation-agreement-2008"),
        ("2009", "project start", "prj:tc-0287"),
        ("2010", "event", "event:montenegro-eu-candidate-status"),
        ("2010", "project end", "prj:tc-0287"),
    ]


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("project-by-id", {"id": '"} ; DROP ALL ; {"'}),
        ("project-by-id", {"id": 'TC.0287" || "1" = "1'}),
        ("project-by-id", {"id": '"TC.0287"'}),
        ("project-by-id", {"id": "TC.0287 } UNION { ?project ?p ?id"}),
        ("total-budget-by-funder", {"currency": 'USD" } ; CLEAR ALL ; SELECT * { "'}),
        ("fact-sources", {"subject": "https://example.org/x#}UNION{?s?p?o", "predicate": "rdfs:label"}),
    ],
)
def test_values_are_bound_as_terms_not_spliced(
    store: EmbeddedStore, queries: dict[str, NamedQuery], name: str, values: dict[str, str]
) -> None:
    before = len(store)
    try:
        found = solutions(queries[name], store, values)
    except ParameterError:  # an IRI with SPARQL syntax in it is not an IRI at all
        assert name == "fact-sources"
    else:
        assert found == []
    assert len(store) == before


def test_rows_with_equal_labels_come_in_project_order(queries: dict[str, NamedQuery]) -> None:
    """Ties on the sort label are broken by the project IRI, so an answer's order is the same on every run."""
    from graph.store import open_store

    numbers = [7, 3, 11, 0, 9, 5, 1, 10, 2, 8, 6, 4]
    facts = " ".join(
        f"""prj:p{n:02d} a mgkg:Project ; rdfs:label "Same"@en ; mgkg:theme theme:border-management ;
              mgkg:startDate "2009-01-01"^^xsd:date ; mgkg:endDate "2010-01-01"^^xsd:date ;
              mgkg:hasParticipation part:p{n:02d} .
            part:p{n:02d} mgkg:role role:funding ; mgkg:participant orgs:roaid ."""
        for n in numbers
    )
    declared = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes().items())
    tied = open_store("memory")
    try:
        tied.update(f"{declared}INSERT DATA {{ GRAPH <https://w3id.org/mgkg/graph/t> {{ {facts} }} }}")
        ordered = [(f"prj:p{n:02d}",) for n in sorted(numbers)]
        assert rows(tied, queries, "projects-by-theme", "project") == ordered
        assert rows(tied, queries, "projects-active-in-year", "project", year="2009") == ordered
        assert rows(tied, queries, "projects-by-donor", "project") == ordered
    finally:
        tied.close()

"""Named queries: every .rq file answers what the documents say (headers and parameters: test_query_files.py).

Expected rows are worked out by hand from graph/sources/*.ttl and the seed pages, not from the queries.
Cells are compared as: IRIs → prefixed names (orgs:roaid), numbers → Decimal, booleans → bool,
other literals → their text, unbound → None.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib.namespace import XSD

from graph.changes.apply import apply, inverse
from graph.changes.model import Changeset, new_id
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
    "areas-of-work", "beneficiary-institutions", "changes-to-entity", "conflicting-facts", "country-figures",
    "editorial-statements", "fact-sources", "funders-by-country", "institutions-by-project", "iom-figures",
    "map-of-places", "office-contacts", "organisation-units", "programme-components", "project-by-id",
    "projects-active-in-year", "projects-by-donor", "projects-by-place", "projects-by-theme", "projects-per-donor",
    "projects-with-several-funders", "source-documents", "timeline", "total-budget-by-funder",
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
    ("orgs:1035-facility", "prj:police-capacity-building-overall", None, None, None, None),
    ("orgs:austrian-development-agency", "prj:police-capacity-building-overall", None, None, None, None),
    ("orgs:austria-ministry-of-the-interior", "prj:police-capacity-building-overall", None, None, None, None),
    ("orgs:1035-facility", "prj:police-capacity-building-tranche-1", 40000, "USD", None, None),
    ("orgs:1035-facility", "prj:tc-0287", 40000, "USD", 40000, "USD"),
}  # page 004 lists PX.0009 on the IOM Development Fund's site but names no funder
DONOR_COLUMNS = ("donor", "project", "contribution", "contributionCurrency", "budget", "budgetCurrency")


def test_projects_by_donor(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    assert answer(store, queries, "projects-by-donor", *DONOR_COLUMNS) == DONOR_ROWS
    danish = answer(store, queries, "projects-by-donor", "project", donor="orgs:denmark-ministry-of-foreign-affairs")
    assert danish == {("prj:wbibm-denmark",), ("prj:wbcap",)}
    # the 1035 Facility is named as page 003 names it (curation: possibly the IOM Development Fund)
    labels = answer(store, queries, "projects-by-donor", "donorLabel", donor="orgs:1035-facility")
    assert labels == {("1035 Facility",)}
    assert answer(store, queries, "projects-by-donor", "project", donor="orgs:iom-development-fund") == set()


def test_total_budget_by_funder(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    # only the 1035 Facility has stated amounts: USD 40,000 for each of two tranches
    expected = {("orgs:1035-facility", "USD", 80000, 2)}
    columns = ("funder", "currency", "total", "projects")
    assert answer(store, queries, "total-budget-by-funder", *columns) == expected
    assert answer(store, queries, "total-budget-by-funder", *columns, currency="USD") == expected
    assert answer(store, queries, "total-budget-by-funder", *columns, currency="EUR") == set()


def test_projects_per_donor(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    # every donor of DONOR_ROWS with its projects counted; the 1035 Facility funds TC.0287, its tranche 1 and the
    # overall police capacity-building project
    counted = {(donor, sum(1 for row in DONOR_ROWS if row[0] == donor)) for donor, *_ in DONOR_ROWS}
    found = rows(store, queries, "projects-per-donor", "donor", "projects")
    assert set(found) == counted and len(found) == len(counted)
    assert found[:2] == [("orgs:1035-facility", 3), ("orgs:denmark-ministry-of-foreign-affairs", 2)]


DECLARED_VIEWS = {
    "total-budget-by-funder": "bar", "projects-per-donor": "bar", "timeline": "timeline", "map-of-places": "map",
    "funder-capitals": "map", "organisation-units": "tree", "projects-by-donor": "graph",
}  # fmt: skip


def test_declared_views(queries: dict[str, NamedQuery]) -> None:
    """The queries a page first shows as a chart, timeline, map, tree or graph (server/static/views.js)."""
    assert {name: q.view for name, q in queries.items() if q.view != "table"} == DECLARED_VIEWS


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
    # the two WBIBM entries of page 002 are two projects (curation: possibly one), so no umbrella has two funders
    overall = "prj:police-capacity-building-overall"
    expected = {
        (overall, 3, "orgs:1035-facility", overall),
        (overall, 3, "orgs:1035-facility", "prj:police-capacity-building-tranche-1"),
        (overall, 3, "orgs:1035-facility", "prj:tc-0287"),
        (overall, 3, "orgs:austrian-development-agency", overall),
        (overall, 3, "orgs:austria-ministry-of-the-interior", overall),
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
        ("role:funding", "orgs:1035-facility", None),  # no page names an implementer
        ("role:beneficiary", "orgs:montenegro-national-central-bureau", police),
        ("role:beneficiary", "orgs:montenegro-section-anti-organized-crime-and-corruption", police),
        ("role:beneficiary", "orgs:montenegro-border-police", police),  # the project's reading of the TC.0287 page
        ("role:beneficiary", "orgs:montenegro-border-police", moi),  # per the PX.0009 page
    }
    special = "orgs:montenegro-special-anti-trafficking-and-smuggling-investigation-unit"
    assert answer(store, queries, "institutions-by-project", *columns, project="prj:px-0009") == {
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
        (overall, "orgs:1035-facility", None),
        (overall, "orgs:austrian-development-agency", None),
        (overall, "orgs:austria-ministry-of-the-interior", None),
        ("prj:police-capacity-building-tranche-1", "orgs:1035-facility", None),
        ("prj:tc-0287", "orgs:1035-facility", None),
    }
    # 22 participations (the one implementer a page names: IOM for AVRR); Border Police (in two projects) and
    # the Special Unit have two parent bodies each
    assert len(answer(store, queries, "institutions-by-project", *columns, "project")) == 26


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
    "protection-sensitive-migration-management-wb-turkey": {"migration-management"},
    "avrr-montenegro": {"avrr"},
    "wbibm-denmark": {"border-management", "capacity-building"},
    "wbibm-romania": {"border-management", "capacity-building"},
    "wbcap": {"readmission", "migration-management", "capacity-building"},
    "ibm-individual-measure-montenegro": {"border-management", "capacity-building"},
    "tc-0287": {"border-management", "organized-crime", "capacity-building", "counter-trafficking",
                "counter-smuggling"},
    "px-0009": {"protection-of-vulnerable-migrants", "counter-smuggling", "counter-trafficking", "capacity-building"},
}


def test_projects_by_theme(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    pairs = {(f"theme:{t}", f"prj:{p}") for p, themes in THEMES.items() for t in themes}
    assert len(pairs) == 33
    assert answer(store, queries, "projects-by-theme", "theme", "project") == pairs
    border = answer(store, queries, "projects-by-theme", "project", theme="theme:border-management")
    assert border == {(f"prj:{p}",) for p in (
        "police-capacities-cross-border-illegal-migration", "croatia-montenegro-cross-border-police-cooperation",
        "wbibm-denmark", "wbibm-romania", "ibm-individual-measure-montenegro", "tc-0287")}


def test_projects_by_place(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    focus, benefiting, location = "mgkg:geographicFocus", "mgkg:benefitingCountry", "mgkg:activityLocation"
    me = "place:montenegro"
    assert answer(store, queries, "projects-by-place", "project", "relation", "where", place=me) == {
        ("prj:fight-against-trafficking-in-human-beings", focus, me),
        ("prj:aeneas-legal-migration-western-balkans", focus, me),  # one of "the IOM projects in Montenegro"
        ("prj:police-capacities-cross-border-illegal-migration", focus, me),
        ("prj:youth-social-participation-montenegro", focus, me),
        ("prj:croatia-montenegro-cross-border-police-cooperation", focus, me),
        ("prj:avrr-montenegro", focus, me),
        ("prj:wbibm-romania", focus, me),
        ("prj:ibm-individual-measure-montenegro", focus, me),
        ("prj:px-0009", focus, me),
        ("prj:px-0009", benefiting, me),
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
            "wbibm-denmark", "wbcap", "px-0009")}


def test_projects_by_place_follows_three_levels_of_located_in(queries: dict[str, NamedQuery]) -> None:
    m = "https://w3id.org/mgkg/ontology#"
    nested = EmbeddedStore()  # a crossing in a municipality in a region in a country; a fourth level is not followed
    chain = ["country", "region", "municipality", "crossing", "booth"]
    graph = ox.NamedNode("https://w3id.org/mgkg/graph/g")
    for inner, outer in zip(chain[1:], chain, strict=False):
        located = ox.Quad(ox.NamedNode(f"urn:x:{inner}"), ox.NamedNode(m + "locatedIn"), ox.NamedNode(f"urn:x:{outer}"),
                          graph)  # fmt: skip
        nested.raw.add(located)
    for place in chain:
        nested.raw.add(ox.Quad(ox.NamedNode(f"urn:p:{place}"), ox.NamedNode(m + "activityLocation"),
                           ox.NamedNode(f"urn:x:{place}"), graph))  # fmt: skip
    found = solutions(queries["projects-by-place"], nested, {"place": "urn:x:country"})
    assert {row["project"].value for row in found} == {f"urn:p:{p}" for p in chain[:4]}


def test_programme_components(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    overall = "prj:police-capacity-building-overall"
    columns = ("programme", "component", "trancheNumber", "isFinalTranche")
    tranches = {(overall, "prj:police-capacity-building-tranche-1", 1, None), (overall, "prj:tc-0287", 2, True)}
    assert answer(store, queries, "programme-components", *columns) == tranches  # no page gives an umbrella
    assert answer(store, queries, "programme-components", *columns, programme=overall) == tranches
    assert answer(store, queries, "programme-components", *columns, programme="prj:avrr-montenegro") == set()


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

WORK, ANCHOR = "https://w3id.org/mgkg/id/work/", "https://w3id.org/mgkg/id/anchor/"
"""Areas of work and anchors have no prefix of their own (graph.core.namespaces): full IRIs."""


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
    # where the page says it: "Start Date\n2009" at code points 889..904 of 003's seed text
    where = answer(store, queries, "fact-sources", "seedFile", "anchor", "start", "end", subject="prj:tc-0287",
                   predicate="mgkg:startDate")
    assert where == {(f"{D3}.txt", f"{ANCHOR}003-010", 889, 904)}
    same = answer(store, queries, "fact-sources", *columns, "attributedTo", "anchor", subject="prj:tc-0287",
                  predicate="mgkg:possiblySameAs")
    assert same == {("prj:police-capacities-cross-border-illegal-migration", "mgg:curation", None, "orgs:mgkg-project",
                     None)}  # an editorial statement, shown as such
    # a fact several spans state has a row per span
    counterparts = answer(store, queries, "fact-sources", "anchor", subject=f"{WORK}001-avrr-mechanisms",
                          predicate="mgkg:carriedOutBy")
    assert counterparts == {(f"{ANCHOR}001-011",)}
    # IOM is named in every document, and described in the provenance graph as their publisher
    iom = answer(store, queries, "fact-sources", "graph", "document", subject="https://w3id.org/mgkg/id/organization/iom")
    assert iom == {(f"mgg:{d}", doc(d)) for d in (D0, D1, D2, D3, D4)} | {
        ("mgg:provenance", None), ("mgg:links", "doc:external-ids")}


def test_conflicting_facts(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    me_office, police = "orgs:iom-montenegro", "prj:police-capacities-cross-border-illegal-migration"
    tc_0287 = ("Capacity-building of Montenegro's Police to Suppress Cross Border Irregular Migration and "
               "Organized Crime")
    older_title = ("Strengthening of police capacities in order to prevent cross-border illegal migrations and "
                   "organized crime")
    expected = {
        ("rename", me_office, "rdfs:label", "IOM Office in Montenegro", doc(D0), "IOM Montenegro", doc(D1), None),
        ("rename", me_office, "rdfs:label", "IOM Office in Montenegro", doc(D0), "IOM Montenegro", doc(D2), None),
        ("disagreement", me_office, "mgkg:contactPoint", "contact:iom-podgorica-vasingtona", doc(D0),
         "contact:iom-un-eco-house", doc(D1), None),
        ("different figure", "orgs:iom", "indicator:countries-of-operation", "over 130", doc(D0), "171", doc(D3), None),
        # entities the curation graph links as possibly one, named differently: a possible rename, not a conflict
        ("possible rename", "orgs:1035-facility", "rdfs:label", "1035 Facility", doc(D3),
         "Fonds de l'OIM pour le développement", doc(D4), "orgs:iom-development-fund"),
        ("possible rename", police, "rdfs:label", older_title, doc(D0), tc_0287, doc(D3), "prj:tc-0287"),
        ("possible rename", police, "rdfs:label", older_title, doc(D0),
         "Police capacity-building project in Montenegro (overall budget, several donors)", doc(D3),
         "prj:police-capacity-building-overall"),
    }
    # the Border Police's parent: the Ministry of Interior on page 004; on page 003 only the project's reading
    columns = ("kind", "subject", "property", "value1", "document1", "value2", "document2", "subject2")
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
    police, fund, overall = ("prj:police-capacities-cross-border-illegal-migration", "orgs:iom-development-fund",
                             "prj:police-capacity-building-overall")
    found = answer(store, queries, "editorial-statements", "subject", "predicate", "object")
    same = {(s, o) for s, p, o in found if p == "mgkg:possiblySameAs"}
    assert same == {(police, "prj:tc-0287"), ("prj:tc-0287", police), (police, overall), (overall, police),
                    ("orgs:1035-facility", fund), (fund, "orgs:1035-facility"),
                    ("prj:wbibm-denmark", "prj:wbibm-romania"), ("prj:wbibm-romania", "prj:wbibm-denmark")}
    # readings of page 004's unlabeled values, the English name of the fund, parents and countries no page names
    assert {(s, p, o) for s, p, o in found if s == "prj:px-0009" and p.startswith("mgkg:")} == {
        ("prj:px-0009", "mgkg:projectsId", "PX.0009"), ("prj:px-0009", "mgkg:primaId", "ME10P0003"),
        ("prj:px-0009", "mgkg:idfRegion", "place:europe"),
        ("prj:px-0009", "mgkg:benefitingCountry", "place:montenegro"),
        ("prj:px-0009", "mgkg:coverage", "scope:national"), ("prj:px-0009", "mgkg:status", "status:completed"),
        ("prj:px-0009", "mgkg:theme", "theme:protection-of-vulnerable-migrants")}
    assert {
        (fund, "rdfs:label", "IOM Development Fund"), ("orgs:us-prm", "skos:altLabel", "PRM"),
        ("orgs:montenegro-border-police", "org:subOrganizationOf", "orgs:montenegro-police"),
        ("place:podgorica", "mgkg:locatedIn", "place:montenegro"),
        ("obs:montenegro-net-migration-rate", "mgkg:observedEntity", "place:montenegro"),
        ("orgs:ipa-ii", "skos:altLabel", "Instrument for Pre-accession Assistance II"),
    } <= found
    assert len(found) == 32
    assert not [f for f in found if f[1] == "mgkg:formerName"]  # no page says the 1035 Facility was renamed
    assert {r[3] for r in rows(store, queries, "editorial-statements", *("subject", "predicate", "object",
                                                                         "attributedTo"))} == {"orgs:mgkg-project"}
    assert answer(store, queries, "editorial-statements", "predicate", "object", subject="prj:tc-0287") == {
        ("mgkg:possiblySameAs", police)}


def test_source_documents(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    # projects per page: 5 listed; 3; AVRR, the 2 WBIBM entries, WBCAP, the Individual Measure; the overall project
    # and its 2 tranches; PX.0009. Anchors and, of them, statements deliberately not encoded: tests/test_ledger.py
    counts = ((D0, 5, 37, 5), (D1, 3, 37, 3), (D2, 5, 18, 4), (D3, 3, 42, 4), (D4, 1, 17, 2))
    expected = [(doc(d), f"{d}.txt", f"mgg:{d}", n, a, left) for d, n, a, left in counts]
    columns = ("document", "seedFile", "graph", "projects", "anchors", "notEncoded")
    assert rows(store, queries, "source-documents", *columns) == expected
    found = rows(store, queries, "source-documents", "textSha256", "retrievedFrom", "retrievedOn")
    assert all(len(sha) == 64 for sha, *_ in found)
    assert {tuple(r[1:]) for r in found} == {(None, None)}  # no seed page or README gives a URL or a date


def test_areas_of_work(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    office = "orgs:iom-montenegro"
    themes = answer(store, queries, "areas-of-work", "document", "theme", organisation=office)
    by_page = {d: {th for page, th in themes if page == doc(d)} for d in (D0, D1, D2)}
    # what the office worked on, page by page: the older page's field, the facts page's areas of support, API
    assert by_page[D0] == {"theme:asylum", "theme:migration-management", "theme:visa-regime", "theme:legal-framework"}
    assert {"theme:border-management", "theme:counter-trafficking", "theme:data-exchange", "theme:avrr",
            "theme:protection-of-vulnerable-migrants", "theme:cross-border-cooperation"} <= by_page[D1]
    assert by_page[D2] == {"theme:advance-passenger-information", "theme:border-management"}
    iom = answer(store, queries, "areas-of-work", "document", "kind", "work", "counterpart", organisation="orgs:iom")
    assert (doc(D2), "area of work", f"{WORK}002-asylum-system", "orgs:montenegro-ministry-of-interior") in iom
    assert (doc(D2), "implements", "prj:avrr-montenegro", None) in iom
    assert {w for d, k, w, _ in iom if k == "project of"} == {
        f"prj:{p}" for p in ("fight-against-trafficking-in-human-beings", "aeneas-legal-migration-western-balkans",
                             "police-capacities-cross-border-illegal-migration",
                             "youth-social-participation-montenegro",
                             "croatia-montenegro-cross-border-police-cooperation")}
    asylum = answer(store, queries, "areas-of-work", "organisation", "document", "work", theme="theme:asylum")
    assert asylum == {(office, doc(D0), f"{WORK}000-asylum-migration-visa-framework"),
                      ("orgs:iom", doc(D2), f"{WORK}002-asylum-system")}
    government = answer(store, queries, "areas-of-work", "work", organisation="orgs:government-of-montenegro")
    assert government == {(f"{WORK}001-government-migration-laws-and-strategies",)}


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


PLACE_POINTS = {
    ("place:albania", "Tirana", 41.32744, 19.81866), ("place:austria", "Vienna", 48.20849, 16.37208),
    ("place:bosnia-and-herzegovina", "Sarajevo", 43.84864, 18.35644), ("place:croatia", "Zagreb", 45.81444, 15.97798),
    ("place:denmark", "Copenhagen", 55.67594, 12.56553), ("place:montenegro", "Podgorica", 42.44124, 19.26309),
    ("place:podgorica", "Podgorica", 42.44124, 19.26309), ("place:romania", "Bucharest", 44.43225, 26.10626),
    ("place:turkey", "Ankara", 39.91987, 32.85427),
}  # a city at its own coordinates, a country at its capital's; the United States has no capital in the snapshot


def test_map_of_places(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    columns = ("place", "pointLabel", "latitude", "longitude")
    expected = {(p, name, Decimal(str(lat)), Decimal(str(long))) for p, name, lat, long in PLACE_POINTS}
    assert answer(store, queries, "map-of-places", *columns) == expected
    wkt = answer(store, queries, "map-of-places", "point", "wkt", place="place:croatia")
    assert wkt == {("https://sws.geonames.org/3186886/", "Point(15.97798 45.81444)")}
    assert answer(store, queries, "map-of-places", "place", place="place:united-states") == set()


def test_timeline(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    assert rows(store, queries, "timeline", "date", "kind", "item") == [
        ("1951", "organisation active since", "orgs:iom"),
        ("2000", "organisation founded", "orgs:iom-montenegro"),
        ("2006", "event", "event:government-takes-over-trafficking-shelter"),
        ("2006-05-21", "event", "event:montenegro-independence-referendum-2006"),
        ("2008", "event", "event:1035-facility-europe-funds-subscribed"),  # late 2008 (mgkg:partOfYear)
        ("2008", "event", "event:police-capacity-building-budget-approval"),
        ("2008-02-22", "event", "event:iom-government-cooperation-agreement-2008"),
        ("2009", "project start", "prj:tc-0287"),
        ("2010", "event", "event:montenegro-eu-candidate-status"),
        ("2010", "project end", "prj:tc-0287"),
    ]


def test_changes_to_entity(fresh: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    base, comment = "https://w3id.org/mgkg/", ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
    mine = ox.NamedNode(base + "graph/contributions/alice")  # "mgg:contributions/alice" in rows()
    note = ox.Quad(ox.NamedNode(base + "id/project/tc-0287"), comment, ox.Literal("checked"), mine)
    first = Changeset(new_id(datetime(2026, 1, 1, tzinfo=UTC)), datetime(2026, 1, 1, tzinfo=UTC), "alice",
                      "a note", (note,), ())
    undo = inverse(first, "bob", "wrong project")
    for changeset in (first, undo):
        apply(fresh.raw, changeset, base)
    columns = ("writer", "message", "action", "statementSubject", "predicate", "object", "graph", "reverts")
    assert rows(fresh, queries, "changes-to-entity", *columns, subject="prj:tc-0287") == [
        ("bob", "wrong project", "removed", "prj:tc-0287", "rdfs:comment", "checked", "mgg:contributions/alice",
         f"{base}id/change/{first.id}"),
        ("alice", "a note", "added", "prj:tc-0287", "rdfs:comment", "checked", "mgg:contributions/alice", None),
    ]
    assert rows(fresh, queries, "changes-to-entity", "change", subject="prj:px-0009") == []


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

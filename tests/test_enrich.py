"""Enrichment against the local Wikidata-shaped endpoint: the chosen facts, their form, the snapshot, the command.

Expected facts are worked out by hand from tests/fixtures/wikidata.ttl and the owl:sameAs links of
graph/sources/generated/links.ttl (14 linked items: 9 countries, Podgorica, 4 organisations).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS, XSD
from support.fixture_endpoint import FixtureEndpoint, closed_port_url, serve

from graph.build import build_dataset, load_dataset
from graph.cli.commands import cli
from graph.core.files import parse_graph
from graph.core.resources import sources_dir
from graph.linking.client import SparqlClient
from graph.linking.enrich import ENRICHMENT_GRAPH, empty_snapshot, fetch_facts, linked_items, refresh, snapshot_status

WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
WDS = Namespace("http://www.wikidata.org/entity/statement/")
WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
COUNTRIES = {WD.Q236, WD.Q35, WD.Q218, WD.Q30, WD.Q40, WD.Q224, WD.Q43, WD.Q222, WD.Q225}


@pytest.fixture(scope="module")
def wikidata() -> Iterator[FixtureEndpoint]:
    """The fixture endpoint, shared by the module."""
    with serve() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def sources() -> Dataset:
    """The curated sources, default base."""
    return load_dataset()


@pytest.fixture(scope="module")
def facts(wikidata: FixtureEndpoint, sources: Dataset) -> Graph:
    """The facts the fixture endpoint gives about our linked items."""
    return fetch_facts(SparqlClient(wikidata.url), linked_items(sources)).graph


def test_linked_items_and_their_kinds(sources: Dataset) -> None:
    items = {item.iri: (item.country, item.place) for item in linked_items(sources)}
    assert len(items) == 14
    assert {iri for iri, (country, _) in items.items() if country} == COUNTRIES
    assert {iri for iri, (_, place) in items.items() if place} == COUNTRIES | {WD.Q23564}
    assert items[WD.Q472311] == (False, False)


def test_labels_in_english_montenegrin_and_french_only(facts: Graph) -> None:
    assert set(facts.objects(WD.Q236, RDFS.label)) == {
        Literal("Montenegro", lang="en"), Literal("Crna Gora", lang="cnr"), Literal("Monténégro", lang="fr")}
    iom = {Literal("International Organization for Migration", lang="en")}
    assert set(facts.objects(WD.Q472311, RDFS.label)) == iom


def test_codes_of_countries(facts: Graph) -> None:
    codes = {(s, p, str(o)) for s, p, o in facts if p in (WDT.P297, WDT.P298, WDT.P299)}
    assert codes == {(WD.Q236, WDT.P297, "ME"), (WD.Q236, WDT.P298, "MNE"), (WD.Q236, WDT.P299, "499"),
                     (WD.Q30, WDT.P297, "US"), (WD.Q30, WDT.P298, "USA"), (WD.Q30, WDT.P299, "840")}  # fmt: skip


def test_coordinates_of_places(facts: Graph) -> None:
    assert set(facts.subject_objects(WDT.P625)) == {
        (WD.Q236, Literal("Point(19.0 42.5)", datatype=WKT)), (WD.Q23564, Literal("Point(19.25 42.4)", datatype=WKT))}


def test_capitals_with_their_labels(facts: Graph) -> None:
    assert set(facts.subject_objects(WDT.P36)) == {
        (WD.Q236, WD.Q23564), (WD.Q30, WD.Q99000201), (WD.Q35, WD.Q99000202), (WD.Q218, WD.Q99000203),
        (WD.Q40, WD.Q99000204)}  # fmt: skip
    assert Literal("Podgorica", lang="en") in set(facts.objects(WD.Q23564, RDFS.label))
    assert set(facts.objects(WD.Q99000202, RDFS.label)) == {Literal("Fixture capital of Denmark", lang="en")}


def test_population_with_its_date_from_best_ranked_statements(facts: Graph) -> None:
    assert set(facts.subject_objects(P.P1082)) == {
        (WD.Q236, WDS["Q236-fixture-population-1"]), (WD.Q23564, WDS["Q23564-fixture-population"])}
    statement = WDS["Q236-fixture-population-1"]
    assert facts.value(statement, PS.P1082) == Literal("1000", datatype=XSD.decimal)
    assert str(facts.value(statement, PQ.P585)) == "2020-01-01T00:00:00Z"  # the lexical form is kept


def test_items_we_do_not_link_are_not_asked_about(facts: Graph) -> None:
    assert (WD.Q99000300, None, None) not in facts
    assert (WD.Q99000001, None, None) not in facts


def test_refreshed_graph_says_where_and_when_and_conforms(tmp_path: Path, wikidata: FixtureEndpoint,
                                                          sources: Dataset) -> None:  # fmt: skip
    data, fetched = refresh(sources, SparqlClient(wikidata.url), date(2026, 1, 2))
    graph = Graph().parse(data=data, format="turtle")
    assert (ENRICHMENT_GRAPH, PROV.wasDerivedFrom, URIRef(wikidata.url)) in graph
    assert graph.value(ENRICHMENT_GRAPH, DCTERMS.modified) == Literal("2026-01-02", datatype=XSD.date)
    assert "as the endpoint answered on 2026-01-02" in str(graph.value(ENRICHMENT_GRAPH, DCTERMS.description))
    status = f"enrichment snapshot: {len(fetched.graph)} facts from {wikidata.url} on 2026-01-02"
    assert snapshot_status(graph) == status
    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder)
    (folder / "generated" / "enrichment.ttl").write_bytes(data)
    dataset, report = build_dataset(folder=folder)
    assert report.no_violations, report.text()
    assert (WD.Q236, WDT.P36, WD.Q23564) in dataset.graph(URIRef("https://w3id.org/mgkg/graph/enrichment"))


def test_queries_are_batched(wikidata: FixtureEndpoint, sources: Dataset) -> None:
    wikidata.reset()
    fetch_facts(SparqlClient(wikidata.url), linked_items(sources), batch_size=3)
    sizes = [r.query.count("(<http://www.wikidata.org/entity/Q") for r in wikidata.requests]
    # capitals (9 countries), labels (14 items and 4 more capitals), codes (9), coordinates (10), population (10)
    assert max(sizes) == 3 and len(sizes) == 3 + 6 + 3 + 4 + 4


BAD = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix wikibase: <http://wikiba.se/ontology#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wds: <http://www.wikidata.org/entity/statement/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix p: <http://www.wikidata.org/prop/> .
@prefix ps: <http://www.wikidata.org/prop/statement/> .
@prefix pq: <http://www.wikidata.org/prop/qualifier/> .
wd:Q236 rdfs:label "Montenegro"@en , "Montenegro"@de ;
    wdt:P297 "me" ; wdt:P298 "MNE" , "MNG" ; wdt:P299 "499" ;
    wdt:P625 "19.0, 42.5" ; wdt:P36 "Podgorica" ;
    p:P1082 wds:s1 , wds:s2 .
wds:s1 a wikibase:BestRank ; ps:P1082 "many" .
wds:s2 a wikibase:BestRank ; ps:P1082 "7"^^xsd:decimal ; pq:P585 "2020"^^xsd:gYear .
"""


def test_values_of_the_wrong_form_are_left_out(tmp_path: Path, sources: Dataset) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD, encoding="utf-8")
    with serve(bad) as endpoint:
        fetched = fetch_facts(SparqlClient(endpoint.url), [i for i in linked_items(sources) if i.iri == WD.Q236])
    assert set(fetched.graph.predicate_objects(WD.Q236)) == {
        (RDFS.label, Literal("Montenegro", lang="en")), (WDT.P299, Literal("499")), (P.P1082, WDS.s2)}
    assert set(fetched.graph.predicate_objects(WDS.s2)) == {(PS.P1082, Literal("7", datatype=XSD.decimal))}
    notes = "\n".join(fetched.notes)
    assert sorted(notes.splitlines()) == sorted([
        'left out a row whose ?capital is not a Wikidata item: "Podgorica"',
        f'left out wdt:P297 "me" of {WD.Q236}: not of the expected form',
        f"left out wdt:P298 of {WD.Q236}: 2 values, one expected",
        f'left out wdt:P625 "19.0, 42.5" of {WD.Q236}: not of the expected form',
        f'left out population "many" of {WD.Q236}: not a number',
        f'left out pq:P585 "2020"^^<http://www.w3.org/2001/XMLSchema#gYear> of {WDS.s2}: not of the expected form',
    ])


# ---------------------------------------------------------------- the committed snapshot and the command


def test_committed_snapshot_holds_no_facts() -> None:
    path = sources_dir() / "generated" / "enrichment.ttl"
    assert path.read_bytes() == empty_snapshot()
    graph = parse_graph(path)
    assert {s for s in graph.subjects()} == {ENRICHMENT_GRAPH}
    assert snapshot_status(graph).startswith("enrichment snapshot: 0 facts; not refreshed yet")


def test_enrich_command_shows_and_refreshes(tmp_path: Path, wikidata: FixtureEndpoint) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["enrich"])
    assert shown.exit_code == 0 and "0 facts; not refreshed yet" in shown.output
    out = tmp_path / "enrichment.ttl"
    result = runner.invoke(cli, ["enrich", "--endpoint", wikidata.url, "-o", str(out), "--date", "2026-01-02"])
    assert result.exit_code == 0, result.output
    assert "about 14 linked items" in result.output
    assert f"from {wikidata.url} on 2026-01-02" in runner.invoke(cli, ["enrich", "-o", str(out)]).output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--endpoint", "UNREACHABLE"], "cannot be reached (Connection refused)"),
        (["--endpoint", "ftp://example.org/"], "expected an http(s) URL"),
        (["--endpoint", "http://127.0.0.1:1/", "--date", "yesterday"], "--date 'yesterday': expected a date"),
        (["--sources", "no-such-folder"], "--sources no-such-folder: no such folder"),
    ],
)
def test_enrich_errors_are_one_line(tmp_path: Path, arguments: list[str], message: str) -> None:
    arguments = [closed_port_url() if a == "UNREACHABLE" else a for a in arguments]
    result = CliRunner().invoke(cli, ["enrich", *arguments, "-o", str(tmp_path / "e.ttl")])
    assert result.exit_code == 2
    assert result.output.startswith("mgkg: error:") and result.output.count("\n") == 1, result.output
    assert message in result.output
    assert not (tmp_path / "e.ttl").exists()

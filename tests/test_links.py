"""Curated links: the committed links graph is what the verified rows of the reference list give, and only that.

Expected links are worked out by hand from ../shared/reference/external-ids.tsv and the entities of
graph/sources: which names we hold, which rows are verified, which predicate each target gets.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from graph.build import NonConformingError, build_dataset, load_dataset
from graph.cli.commands import cli
from graph.core.files import parse_graph
from graph.core.namespaces import graph_iri
from graph.core.resources import sources_dir
from graph.export import export
from graph.linking import links as links_module
from graph.linking.links import (
    LINKS_GRAPH,
    REFERENCE_DOCUMENT,
    Link,
    LinkError,
    curated_links,
    links_from_reference,
    merge_reviewed,
    read_reference,
    recorded_links,
    unrecorded_links,
)
from graph.linking.linksets import linksets
from graph.store import EmbeddedStore

REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "external-ids.tsv"
LINKS_FILE = sources_dir() / "generated" / "links.ttl"
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
ORG = Namespace("http://www.w3.org/ns/org#")
EU = Namespace("http://publications.europa.eu/resource/authority/country/")
PLACE = Namespace("https://w3id.org/mgkg/id/place/")
ORGS = Namespace("https://w3id.org/mgkg/id/organization/")
HEADER = "entity\tscheme\tidentifier\tiri\tstatus\tnote\n"

# Worked out by hand: the verified rows whose entity we hold (rdfs:label match), and the EU country IRIs
# derived from the verified alpha-3 codes. Albania and Bosnia and Herzegovina are places page 004 names on the
# new coastal route; Serbia, North Macedonia, Kosovo, the European Commission and DG NEAR are not in our graph;
# the Balkans are not the Western Balkans.
SAME_AS = {
    (PLACE.montenegro, WD.Q236), (PLACE.podgorica, WD.Q23564), (ORGS["government-of-montenegro"], WD.Q3491143),
    (ORGS.iom, WD.Q472311), (ORGS["european-union"], WD.Q458), (ORGS["us-department-of-state"], WD.Q789915),
    (PLACE.denmark, WD.Q35), (PLACE.romania, WD.Q218), (PLACE["united-states"], WD.Q30), (PLACE.austria, WD.Q40),
    (PLACE.croatia, WD.Q224), (PLACE.turkey, WD.Q43), (PLACE.albania, WD.Q222),
    (PLACE["bosnia-and-herzegovina"], WD.Q225),
    (PLACE.montenegro, URIRef("https://sws.geonames.org/3194884/")),
    (PLACE.podgorica, URIRef("https://sws.geonames.org/3193044/")),
    (PLACE.montenegro, URIRef("http://dbpedia.org/resource/Montenegro")),
}  # fmt: skip
ISO = {
    "montenegro": ("ME", "MNE", "499"), "denmark": ("DK", "DNK", "208"), "romania": ("RO", "ROU", "642"),
    "united-states": ("US", "USA", "840"), "austria": ("AT", "AUT", "040"), "croatia": ("HR", "HRV", "191"),
    "turkey": ("TR", "TUR", "792"), "albania": ("AL", "ALB", "008"), "bosnia-and-herzegovina": ("BA", "BIH", "070"),
}  # fmt: skip
EXACT_MATCH = {(PLACE[name], EU[codes[1]]) for name, codes in ISO.items()}
IATI = {(ORGS.iom, Literal("XM-DAC-47066")), (ORGS["us-department-of-state"], Literal("US-GOV-11"))}


def needs_reference() -> None:
    """Skip when the reference list is not beside the checkout."""
    if not REFERENCE.is_file():
        pytest.skip("../shared/reference/external-ids.tsv not beside the checkout")


@pytest.fixture(scope="module")
def committed() -> Graph:
    """The committed links file."""
    return parse_graph(LINKS_FILE)


@pytest.fixture(scope="module")
def sources() -> Dataset:
    """The curated sources (with the links and enrichment graphs), default base."""
    return load_dataset()


def write(tmp_path: Path, rows: str, name: str = "ref.tsv") -> Path:
    """A reference list with HEADER and `rows`."""
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the committed links graph


def test_committed_links_are_what_the_reference_gives(committed: Graph, sources: Dataset) -> None:
    needs_reference()
    modified = date.fromisoformat(str(committed.value(LINKS_GRAPH, DCTERMS.modified)))
    data, _ = links_from_reference(REFERENCE, sources, modified, committed)
    assert data == LINKS_FILE.read_bytes(), "run: mgkg link --from-reference ../shared/reference/external-ids.tsv"


def test_links_are_exactly_the_hand_worked_set(committed: Graph) -> None:
    assert set(committed.subject_objects(OWL.sameAs)) == SAME_AS
    assert set(committed.subject_objects(SKOS.exactMatch)) == EXACT_MATCH
    assert set(committed.subject_objects(SKOS.closeMatch)) == set()
    for name, codes in ISO.items():
        got = tuple(committed.value(PLACE[name], WDT[p]) for p in ("P297", "P298", "P299"))
        assert got == tuple(Literal(code) for code in codes), name
    assert set(committed.subject_objects(ORG.identifier)) == IATI


def test_every_link_matches_a_verified_row(committed: Graph, sources: Dataset) -> None:
    needs_reference()
    rows = [r for r in read_reference(REFERENCE) if r.status == "verified"]
    labels = {s: str(o) for s, _, o, _ in sources.quads((None, RDFS.label, None, None))
              if isinstance(o, Literal) and o.language == "en"}  # fmt: skip
    for link in recorded_links(committed):
        name = labels[link.subject]
        mine = [r for r in rows if r.entity == name]
        if link.predicate in (OWL.sameAs, SKOS.exactMatch) and link.key != "eu-country":
            assert any(r.iri == str(link.object) for r in mine), link
        elif link.key == "eu-country":
            assert any(r.scheme == "iso3166-1" and f"/ {str(link.object)[-3:]} /" in r.identifier for r in mine), link
        elif link.predicate == ORG.identifier:
            assert any(r.scheme == "iati-org" and r.identifier == str(link.object) for r in mine), link
        else:
            assert any(r.scheme == "iso3166-1" and str(link.object) in r.identifier.split(" / ") for r in mine), link
        assert link.source == REFERENCE_DOCUMENT


def test_no_identifier_that_is_not_verified(committed: Graph) -> None:
    needs_reference()
    objects = {str(o) for o in committed.objects()}
    left_out = [r for r in read_reference(REFERENCE) if r.status != "verified"]
    assert {r.identifier for r in left_out} == {"AT-8", "AT-12", "XM-DAC-3-1"}
    assert not objects & {r.identifier for r in left_out}
    assert str(WD.Q23522) not in objects  # the Balkan peninsula is not the Western Balkans
    assert (PLACE["western-balkans"], None, None) not in committed


def test_every_link_has_a_record_with_provenance(committed: Graph) -> None:
    assert unrecorded_links(committed) == []
    for link in recorded_links(committed):
        assert (link.subject, link.predicate, link.object) in committed
        assert link.comment.startswith(("Reference list row:", "Derived from the verified ISO 3166-1 alpha-3"))
    assert (LINKS_GRAPH, PROV.wasDerivedFrom, REFERENCE_DOCUMENT) in committed
    assert committed.value(LINKS_GRAPH, DCTERMS.modified) is not None
    assert (REFERENCE_DOCUMENT, RDF.type, PROV.Entity) in committed


def test_links_are_a_named_graph_of_the_build_and_follow_the_base() -> None:
    dataset, report = build_dataset(base="https://example.org/kg/")
    assert report.no_violations
    named = dataset.graph(graph_iri("links", "https://example.org/kg/"))
    assert (URIRef("https://example.org/kg/id/place/montenegro"), OWL.sameAs, WD.Q236) in named
    record = URIRef("https://example.org/kg/id/link/place-montenegro-wikidata")
    assert (record, RDF.object, WD.Q236) in named


def test_turtle_export_includes_the_links_and_graph_selects(built: Dataset) -> None:
    everything = export(built, "turtle").decode()
    assert "@prefix wd: <http://www.wikidata.org/entity/> ." in everything and "wd:Q236" in everything
    assert "mgkg:Project" in everything
    only = Graph().parse(data=export(built, "turtle", str(graph_iri("links"))), format="turtle")
    assert (PLACE.montenegro, OWL.sameAs, WD.Q236) in only
    assert (None, RDF.type, URIRef("https://w3id.org/mgkg/ontology#Project")) not in only


def test_a_malformed_link_is_refused_by_the_build(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder)
    text = (folder / "generated" / "links.ttl").read_text(encoding="utf-8")
    bad = re.sub(r"\bwd:Q236\b", "<https://www.wikidata.org/wiki/Q236>", text)  # the file writes wd:Q236
    (folder / "generated" / "links.ttl").write_text(bad, encoding="utf-8")
    with pytest.raises(NonConformingError) as error:
        build_dataset(folder=folder)
    assert any("links.ttl" in line and "wikidata.org/wiki/Q236" in line for line in error.value.located)


def test_linksets_count_links_per_target_and_predicate(store: EmbeddedStore) -> None:
    # GeoNames: 2 verified links + 8 derived by graph/enrichment/geonames from verified ISO codes (test_enrich_offline)
    found = {(s.target, s.predicate.n3(), s.count) for s in linksets(store)}
    assert found == {
        ("wikidata", OWL.sameAs.n3(), 14), ("geonames", OWL.sameAs.n3(), 10), ("dbpedia", OWL.sameAs.n3(), 1),
        ("eu-country", SKOS.exactMatch.n3(), 9),
    }  # fmt: skip
    assert {s.uri_space for s in linksets(store)} >= {"http://www.wikidata.org/entity/"}


# ---------------------------------------------------------------- rows left out, with a note


def test_rows_left_out_get_a_note(tmp_path: Path, sources: Dataset) -> None:
    rows = ("Serbia\twikidata\tQ403\thttp://www.wikidata.org/entity/Q403\tverified\t\n"
            "Balkans\twikidata\tQ23522\thttp://www.wikidata.org/entity/Q23522\tverified\t\n"
            "Denmark\twikidata\tQ35\thttp://www.wikidata.org/entity/Q35\tunverified\t\n"
            "Austrian Development Agency\tiati-org\tAT-8\t\tverified (legacy code)\t\n")  # fmt: skip
    found, notes = curated_links(read_reference(write(tmp_path, rows)), sources)
    assert found == []
    assert notes == [
        "ref.tsv:2: Serbia: no mgkg entity has this English label; left out",
        "ref.tsv:3: Balkans: the Balkan peninsula (per the reference note), not the political region "
        "place:western-balkans; left out",
        "ref.tsv:4: Denmark wikidata: status 'unverified', not 'verified'; left out",
        "ref.tsv:5: Austrian Development Agency iati-org: status 'verified (legacy code)', not 'verified'; left out",
    ]


def test_an_entity_named_twice_is_left_out(tmp_path: Path) -> None:
    dataset = Dataset()
    mgkg = Namespace("https://w3id.org/mgkg/ontology#")
    dataset.add((mgkg.Country, RDFS.subClassOf, mgkg.Place))
    for name in ("a", "b"):
        dataset.add((PLACE[name], RDF.type, mgkg.Country))
        dataset.add((PLACE[name], RDFS.label, Literal("Twin", lang="en")))
    rows = "Twin\twikidata\tQ1\thttp://www.wikidata.org/entity/Q1\tverified\t\n"
    found, notes = curated_links(read_reference(write(tmp_path, rows)), dataset)
    assert found == [] and notes == ["ref.tsv:2: Twin: 2 mgkg entities have this English label; left out"]


def test_aliases_map_names_that_differ(tmp_path: Path, sources: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(links_module.ALIASES, "Republic of Croatia", str(PLACE.croatia))
    rows = "Republic of Croatia\twikidata\tQ224\thttp://www.wikidata.org/entity/Q224\tverified\t\n"
    found, _ = curated_links(read_reference(write(tmp_path, rows)), sources)
    assert [(f.subject, f.predicate, f.object) for f in found] == [(PLACE.croatia, OWL.sameAs, WD.Q224)]


# ---------------------------------------------------------------- malformed reference lists: one line each

BAD_ROWS = [
    ("Montenegro\twikidata\tQ236\n", "ref.tsv:2: expected 6 tab-separated fields, found 3"),
    ("Montenegro\tviaf\t1\thttp://viaf.org/viaf/1\tverified\t\n", "ref.tsv:2: Montenegro: unknown scheme 'viaf'"),
    ("Montenegro\twikidata\tQ236\thttps://www.wikidata.org/wiki/Q236\tverified\t\n",
     "ref.tsv:2: Montenegro: 'https://www.wikidata.org/wiki/Q236' is not the Wikidata IRI of identifier 'Q236'"),
    ("Montenegro\twikidata\tQ237\thttp://www.wikidata.org/entity/Q236\tverified\t\n",
     "is not the Wikidata IRI of identifier 'Q237'"),
    ("Government of Montenegro\tgeonames\t1\thttps://sws.geonames.org/1/\tverified\t\n",
     "a geonames identifier needs a mgkg:Place"),
    ("Montenegro\tiso3166-1\tME / MNE\t\tverified\t\n", "expected 'alpha-2 / alpha-3 / numeric', got 'ME / MNE'"),
    ("Montenegro\tiso3166-1\tME / MNE / 499\thttp://example.org/\tverified\t\n", "scheme 'iso3166-1' takes no IRI"),
    ("International Organization for Migration\tiso3166-1\tME / MNE / 499\t\tverified\t\n", "need a mgkg:Country"),
    ("International Organization for Migration\tiati-org\tAT-8\t\tverified\t\n",
     "'AT-8' is not an IATI organisation identifier"),
    ("Montenegro\tiati-org\tXM-DAC-1\t\tverified\t\n", "needs a mgkg:Organization"),
    ("Montenegro\twikidata\tQ236\thttp://www.wikidata.org/entity/Q236\tverified\t\n"
     "Montenegro\twikidata\tQ30\thttp://www.wikidata.org/entity/Q30\tverified\t\n",
     "ref.tsv:3: Montenegro: wikidata http://www.wikidata.org/entity/Q30 contradicts"),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "message"), BAD_ROWS)
def test_malformed_rows_are_one_line_errors(tmp_path: Path, sources: Dataset, rows: str, message: str) -> None:
    with pytest.raises(LinkError) as error:
        curated_links(read_reference(write(tmp_path, rows)), sources)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_unreadable_reference_and_bad_header(tmp_path: Path) -> None:
    with pytest.raises(LinkError, match=r"missing\.tsv: cannot read"):
        read_reference(tmp_path / "missing.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tid\n", encoding="utf-8")
    with pytest.raises(LinkError, match=r"bad.tsv:1: expected the tab-separated header"):
        read_reference(bad)


# ---------------------------------------------------------------- reviewed links survive regeneration


def _reviewed(subject: URIRef, item: URIRef) -> Link:
    return Link(subject, OWL.sameAs, item, "wikidata", "Accepted in review r.tsv", URIRef("https://query.wikidata.org/sparql"),
                date(2026, 1, 2), "A Reviewer")  # fmt: skip


def test_reviewed_links_are_kept_dropped_or_refused(committed: Graph) -> None:
    curated = [link for link in recorded_links(committed) if link.source == REFERENCE_DOCUMENT]
    existing = Graph()
    for link in [*curated, _reviewed(PLACE.europe, WD.Q46)]:
        links_module.add_link(existing, link)
    merged, notes = merge_reviewed(curated, existing)
    assert _reviewed(PLACE.europe, WD.Q46) in merged and notes == []
    links_module.add_link(existing, _reviewed(PLACE.podgorica, WD.Q23564))
    record = URIRef(f"{links_module.RECORDS}place-podgorica-wikidata")
    existing.remove((record, PROV.wasDerivedFrom, REFERENCE_DOCUMENT))
    merged, notes = merge_reviewed(curated, existing)
    assert len(merged) == len(curated) + 1 and "is now in the reference list" in notes[0]
    other = Graph()
    links_module.add_link(other, _reviewed(PLACE.podgorica, WD.Q1))
    with pytest.raises(LinkError, match="contradicts the reference"):
        merge_reviewed(curated, other)


# ---------------------------------------------------------------- the command


def test_link_from_reference_command_writes_the_same_file(tmp_path: Path, committed: Graph) -> None:
    needs_reference()
    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder)
    (folder / "generated" / "links.ttl").unlink()
    when = str(committed.value(LINKS_GRAPH, DCTERMS.modified))
    result = CliRunner().invoke(cli, ["link", "--sources", str(folder), "--from-reference", str(REFERENCE),
                                      "--date", when])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (folder / "generated" / "links.ttl").read_bytes() == LINKS_FILE.read_bytes()
    assert "mgkg: note: external-ids.tsv:7: European Commission: no mgkg entity has this English label; left out" in (
        result.output
    )
    assert "Albania" not in result.output  # a place page 004 names: linked


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from-reference", "missing.tsv"], "missing.tsv: cannot read"),
        (["--from-reference", "x.tsv", "--apply", "y.tsv"], "give --apply or --from-reference, not both"),
        (["--from-reference", "x.tsv", "--limit", "3"], "do not go with --apply or --from-reference"),
        (["--from-reference", "x.tsv", "--date", "2026-13-01"], "--date '2026-13-01': expected a date like"),
        (["--sources", "no-such-folder", "--from-reference", "x.tsv"], "--sources no-such-folder: no such folder"),
    ],
)
def test_link_command_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["link", *arguments])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("mgkg: error:"), result.output
    assert message in result.output

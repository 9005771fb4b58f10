"""Reconciliation against a local Wikidata-shaped endpoint: candidates, scores, decisions, review file, apply.

The endpoint (tests/support/fixture_endpoint.py) serves tests/fixtures/wikidata.ttl on a loopback port; nothing here
reaches the network. The SPARQL client's robustness (timeouts, 429/503 with Retry-After, bounded retries,
User-Agent, batching, one-line errors) is tested here too, since reconciliation is what it is for.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS
from support.fixture_endpoint import FixtureEndpoint, closed_port_url, serve

from graph.build import build_dataset, load_dataset
from graph.cli.commands import cli
from graph.core.config import user_agent
from graph.core.files import parse_graph
from graph.core.resources import sources_dir
from graph.linking.client import EndpointError, SparqlClient, fill, retry_after
from graph.linking.links import LinkError, recorded_links
from graph.linking.reconcile import Candidate, apply_review, reconcile, review_text, unlinked_entities
from graph.sparql.text import values_block

WD = Namespace("http://www.wikidata.org/entity/")
ORGS = Namespace("https://w3id.org/mgkg/id/organization/")
PLACE = Namespace("https://w3id.org/mgkg/id/place/")
MGKG = Namespace("https://w3id.org/mgkg/ontology#")
LINKS = sources_dir() / "generated" / "links.ttl"
REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "external-ids.tsv"
MINISTRY, EUROPE, SCHENGEN = ORGS["montenegro-ministry-of-interior"], PLACE.europe, PLACE["schengen-area"]


@pytest.fixture(scope="module")
def wikidata() -> Iterator[FixtureEndpoint]:
    """The fixture endpoint, shared by the module."""
    with serve() as endpoint:
        yield endpoint


@pytest.fixture
def endpoint(wikidata: FixtureEndpoint) -> FixtureEndpoint:
    """The fixture endpoint with no request, failure or delay left from another test."""
    wikidata.reset()
    return wikidata


@pytest.fixture(scope="module")
def sources() -> Dataset:
    """The curated sources, default base."""
    return load_dataset()


@pytest.fixture(scope="module")
def decided(wikidata: FixtureEndpoint, sources: Dataset) -> list[Candidate]:
    """Every candidate for every unlinked entity, scored and decided."""
    return reconcile(SparqlClient(wikidata.url, timeout=10), unlinked_entities(sources))


def of(candidates: list[Candidate], entity: URIRef) -> dict[str, tuple[float, str]]:
    """Candidate local name → (score, decision), for one entity."""
    return {str(c.item).rsplit("/", 1)[1]: (c.score, c.decision) for c in candidates if c.entity.iri == entity}


# ---------------------------------------------------------------- what is searched


def test_only_entities_without_a_wikidata_link_are_searched(sources: Dataset) -> None:
    found = {e.iri for e in unlinked_entities(sources)}
    assert MINISTRY in found and EUROPE in found and PLACE["western-balkans"] in found
    assert not found & {PLACE.montenegro, PLACE.podgorica, ORGS.iom, ORGS["european-union"]}
    assert all(str(e.iri).startswith((str(ORGS), str(PLACE))) for e in unlinked_entities(sources))


def test_type_and_limit_choose_the_entities(sources: Dataset) -> None:
    regions = unlinked_entities(sources, ["region"])
    assert [e.iri for e in regions] == [EUROPE, SCHENGEN, PLACE["western-balkans"]]
    assert [e.iri for e in unlinked_entities(sources, ["region"], limit=2)] == [EUROPE, SCHENGEN]
    assert unlinked_entities(sources, ["country", "city"]) == []
    ministry = next(e for e in unlinked_entities(sources, ["organization"]) if e.iri == MINISTRY)
    assert ministry.country == WD.Q236  # based in Montenegro, which is linked
    assert Literal("Ministry of Interior", lang="en") in ministry.alternative


def test_labels_in_every_language_we_hold_are_asked(endpoint: FixtureEndpoint) -> None:
    dataset = Dataset()
    dataset.add((MGKG.Country, RDFS.subClassOf, MGKG.Place))
    dataset.add((PLACE.x, RDF.type, MGKG.Country))
    dataset.add((PLACE.x, RDFS.label, Literal("Crna Gora", lang="cnr")))
    dataset.add((PLACE.x, SKOS.altLabel, Literal("Monténégro", lang="fr")))
    found = reconcile(SparqlClient(endpoint.url), unlinked_entities(dataset))
    assert '"Crna Gora"@cnr' in endpoint.requests[0].query and '"Monténégro"@fr' in endpoint.requests[0].query
    assert [(c.item, c.decision) for c in found] == [(WD.Q236, "accepted")]
    assert 'label "Crna Gora"@cnr' in found[0].evidence and 'label "Monténégro"@fr (our alias)' in found[0].evidence


# ---------------------------------------------------------------- scores and decisions


def test_the_right_match_is_found_and_accepted(decided: list[Candidate]) -> None:
    assert of(decided, MINISTRY) == {"Q99000001": (1.0, "accepted"), "Q99000009": (0.55, "rejected")}
    best = next(c for c in decided if c.item == WD.Q99000001)
    assert "country Q236" in best.evidence and "auto-accepted" in best.evidence


def test_an_ambiguous_label_is_not_auto_accepted(decided: list[Candidate]) -> None:
    assert of(decided, EUROPE) == {"Q99000002": (0.925, ""), "Q99000003": (0.925, "")}
    assert any("ambiguous: 2 candidates within 0.05" in c.evidence for c in decided if c.entity.iri == EUROPE)


def test_a_candidate_of_the_wrong_type_is_rejected(decided: list[Candidate]) -> None:
    assert of(decided, SCHENGEN) == {"Q99000004": (0.675, "rejected")}
    assert "not an instance of Q82794 (region)" in next(c.evidence for c in decided if c.entity.iri == SCHENGEN)


def test_a_candidate_in_another_country_is_rejected(decided: list[Candidate]) -> None:
    assert of(decided, ORGS["montenegro-police"]) == {"Q99000005": (0.85, "rejected")}


def test_nothing_is_accepted_below_the_threshold(decided: list[Candidate], wikidata: FixtureEndpoint,
                                                 sources: Dataset) -> None:  # fmt: skip
    assert of(decided, ORGS.roaid) == {"Q99000008": (0.805, "")}
    assert "below the threshold 0.9" in next(c.evidence for c in decided if c.entity.iri == ORGS.roaid)
    lenient = reconcile(SparqlClient(wikidata.url), unlinked_entities(sources, ["organization"]), threshold=0.8)
    assert of(lenient, ORGS.roaid) == {"Q99000008": (0.805, "accepted")}


def test_only_wikidata_items_become_candidates(decided: list[Candidate]) -> None:
    assert all(str(c.item).startswith(str(WD) + "Q") for c in decided)
    assert sum(c.decision == "accepted" for c in decided) == 1


# ---------------------------------------------------------------- the review file and --apply


def review(tmp_path: Path, decided: list[Candidate], accept: dict[str, str]) -> Path:
    """The review file with the decision of the named candidates set."""
    lines = review_text(decided, "https://query.wikidata.org/sparql").splitlines()
    edited = [lines[0]]
    for line in lines[1:]:
        fields = line.split("\t")
        item = fields[2].rsplit("/", 1)[1]
        if item in accept:
            fields[6] = accept[item]
        edited.append("\t".join(fields))
    path = tmp_path / "review.tsv"
    path.write_text("\n".join(edited) + "\n", encoding="utf-8")
    return path


def test_review_file_has_one_row_a_candidate(decided: list[Candidate]) -> None:
    lines = review_text(decided, "https://query.wikidata.org/sparql").splitlines()
    assert lines[0].split("\t") == ["entity", "entity_label", "candidate", "candidate_label", "description", "score",
                                    "decision", "predicate", "evidence", "endpoint"]  # fmt: skip
    assert len(lines) == len(decided) + 1 and all(len(line.split("\t")) == 10 for line in lines)
    row = next(line.split("\t") for line in lines if "Q99000001" in line)
    assert row[:8] == [str(MINISTRY), "Ministry of Interior of Montenegro", str(WD.Q99000001),
                       "Ministry of Interior of Montenegro", "fixture: the ministry", "1.000", "accepted", "owl:sameAs"]


def test_apply_adds_the_accepted_rows_with_provenance(tmp_path: Path, decided: list[Candidate],
                                                      sources: Dataset) -> None:  # fmt: skip
    path = review(tmp_path, decided, {"Q99000003": "accepted", "Q99000001": ""})
    links = parse_graph(LINKS)
    data, added, notes = apply_review(path, sources, links, "A Reviewer", date(2026, 1, 2))
    assert [(a.subject, a.predicate, a.object) for a in added] == [(EUROPE, OWL.sameAs, WD.Q99000003)] and notes == []
    (tmp_path / "links.ttl").write_bytes(data)
    written = parse_graph(tmp_path / "links.ttl")
    record = next(r for r in recorded_links(written) if r.subject == EUROPE)
    assert record.creator == "A Reviewer" and record.created == date(2026, 1, 2)
    assert record.source == URIRef("https://query.wikidata.org/sparql") and "score 0.925" in record.comment
    assert (URIRef("https://w3id.org/mgkg/graph/links"), PROV.wasDerivedFrom, record.source) in written
    assert written.value(URIRef("https://w3id.org/mgkg/graph/links"), DCTERMS.modified) == Literal(
        "2026-01-02", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))
    assert len(recorded_links(written)) == len(recorded_links(links)) + 1


def test_applied_links_conform_and_survive_regeneration(tmp_path: Path, decided: list[Candidate]) -> None:
    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder)
    path = review(tmp_path, decided, {"Q99000001": "accepted"})
    runner = CliRunner()
    result = runner.invoke(cli, ["link", "--sources", str(folder), "--apply", str(path), "--reviewer", "A Reviewer"])
    assert result.exit_code == 0, result.output
    assert "added 1 links" in result.output
    dataset, report = build_dataset(folder=folder)
    assert report.no_violations
    assert (MINISTRY, OWL.sameAs, WD.Q99000001) in dataset.graph(URIRef("https://w3id.org/mgkg/graph/links"))
    again = runner.invoke(cli, ["link", "--sources", str(folder), "--apply", str(path), "--reviewer", "A Reviewer"])
    assert again.exit_code == 0 and "already linked" in again.output and "added 0 links" in again.output
    if REFERENCE.is_file():
        regenerated = runner.invoke(cli, ["link", "--sources", str(folder), "--from-reference", str(REFERENCE)])
        assert regenerated.exit_code == 0, regenerated.output
        kept = parse_graph(folder / "generated" / "links.ttl")
        assert (MINISTRY, OWL.sameAs, WD.Q99000001) in kept
        assert any(r.creator == "A Reviewer" for r in recorded_links(kept))


APPLY_ERRORS = [
    ({"Q99000001": "yes"}, "decision 'yes': use accepted, rejected or leave it empty"),
    ({"Q99000002": "accepted", "Q99000003": "accepted"}, "is accepted twice (also at"),
]


@pytest.mark.parametrize(("accept", "message"), APPLY_ERRORS)
def test_apply_refuses_bad_decisions(tmp_path: Path, decided: list[Candidate], sources: Dataset,
                                     accept: dict[str, str], message: str) -> None:  # fmt: skip
    path = review(tmp_path, decided, accept)
    with pytest.raises(LinkError) as error:
        apply_review(path, sources, parse_graph(LINKS), "A Reviewer", date(2026, 1, 2))
    assert message in str(error.value) and str(path) in str(error.value)


HEADER = "\t".join(["entity", "entity_label", "candidate", "candidate_label", "description", "score", "decision",
                    "predicate", "evidence", "endpoint"])  # fmt: skip
ENDPOINT = "https://query.wikidata.org/sparql"
ROW_ERRORS = [
    (f"{MINISTRY}\tx\thttps://www.wikidata.org/wiki/Q1\tx\tx\t1.0\taccepted\towl:sameAs\te\t{ENDPOINT}",
     "review.tsv:2: candidate 'https://www.wikidata.org/wiki/Q1' is not a Wikidata item IRI"),
    (f"{MINISTRY}\tx\t{WD.Q1}\tx\tx\t1.0\taccepted\towl:equivalentClass\te\t{ENDPOINT}",
     "predicate 'owl:equivalentClass'"),
    (f"{MINISTRY}\tx\t{WD.Q1}\tx\tx\thigh\taccepted\towl:sameAs\te\t{ENDPOINT}", "score 'high' is not a number"),
    (f"{MINISTRY}\tx\t{WD.Q1}\tx\tx\t1.0\taccepted\towl:sameAs\te\tquery.wikidata.org",
     "endpoint 'query.wikidata.org'"),
    (f"{MINISTRY}\tx\t{WD.Q1}\tx\tx\t1.0\taccepted", "review.tsv:2: expected 10 tab-separated fields, found 7"),
    (f"{ORGS.nobody}\tx\t{WD.Q1}\tx\tx\t1.0\taccepted\towl:sameAs\te\t{ENDPOINT}", "is not a place, organisation"),
    (f"{PLACE.europe}\tx\t{WD.Q236}\tx\tx\t1.0\taccepted\towl:sameAs\te\t{ENDPOINT}",
     f"{WD.Q236} is already the link of {PLACE.montenegro}"),
]  # fmt: skip


@pytest.mark.parametrize(("row", "message"), ROW_ERRORS)
def test_apply_refuses_malformed_rows(tmp_path: Path, sources: Dataset, row: str, message: str) -> None:
    path = tmp_path / "review.tsv"
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    with pytest.raises(LinkError) as error:
        apply_review(path, sources, parse_graph(LINKS), "A Reviewer", date(2026, 1, 2))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_apply_refuses_a_bad_file_a_bad_reviewer_and_a_hand_edited_links_file(tmp_path: Path,
                                                                              sources: Dataset) -> None:  # fmt: skip
    links = parse_graph(LINKS)
    with pytest.raises(LinkError, match="cannot read"):
        apply_review(tmp_path / "none.tsv", sources, links, "A Reviewer", date(2026, 1, 2))
    (tmp_path / "bad.tsv").write_text("entity\tcandidate\n", encoding="utf-8")
    with pytest.raises(LinkError, match=r"bad\.tsv:1: expected the columns"):
        apply_review(tmp_path / "bad.tsv", sources, links, "A Reviewer", date(2026, 1, 2))
    with pytest.raises(LinkError, match="--reviewer"):
        apply_review(tmp_path / "bad.tsv", sources, links, "  ", date(2026, 1, 2))
    edited = parse_graph(LINKS)
    edited.add((PLACE.europe, OWL.sameAs, WD.Q46))
    with pytest.raises(LinkError, match="has no record"):
        apply_review(tmp_path / "bad.tsv", sources, edited, "A Reviewer", date(2026, 1, 2))


def test_apply_needs_a_reviewer_on_the_command_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["link", "--apply", str(tmp_path / "r.tsv")])
    assert result.exit_code == 2
    assert result.output == "mgkg: error: --apply needs --reviewer NAME (recorded with every link it adds)\n"


# ---------------------------------------------------------------- the command


def test_link_command_writes_the_review_file(tmp_path: Path, wikidata: FixtureEndpoint) -> None:
    out = tmp_path / "review.tsv"
    result = CliRunner().invoke(cli, ["link", "--endpoint", wikidata.url, "--type", "region", "--review", str(out)])
    assert result.exit_code == 0, result.output
    assert f"searched 3 entities at {wikidata.url}: 3 candidates (0 auto-accepted, 1 rejected)" in result.output
    assert f"mgkg: note: no candidate for {PLACE['western-balkans']} (Western Balkans)" in result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4


def test_an_unwritable_review_file_is_one_clear_line(tmp_path: Path, wikidata: FixtureEndpoint) -> None:
    target = tmp_path / "no-such-folder" / "r.tsv"
    result = CliRunner().invoke(cli, ["link", "--endpoint", wikidata.url, "--type", "region", "--review", str(target)])
    assert result.exit_code == 2
    assert result.output.startswith(f"mgkg: error: {target}: cannot write") and result.output.count("\n") == 1


def test_an_unreachable_endpoint_is_one_clear_line(tmp_path: Path) -> None:
    url = closed_port_url()
    result = CliRunner().invoke(cli, ["link", "--endpoint", url, "--review", str(tmp_path / "r.tsv")])
    assert result.exit_code == 2
    assert result.output == f"mgkg: error: endpoint {url}: cannot be reached (Connection refused)\n"
    assert not (tmp_path / "r.tsv").exists()


def test_a_malformed_endpoint_is_one_clear_line() -> None:
    result = CliRunner().invoke(cli, ["link", "--endpoint", "query.wikidata.org"])
    assert result.exit_code == 2
    assert result.output == "mgkg: error: endpoint 'query.wikidata.org': expected an http(s) URL\n"


# ---------------------------------------------------------------- the client: polite and robust

ASK_ONE = "SELECT ?l WHERE { <http://www.wikidata.org/entity/Q236> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"


def test_requests_are_polite_and_batched(endpoint: FixtureEndpoint, sources: Dataset) -> None:
    entities = unlinked_entities(sources)
    reconcile(SparqlClient(endpoint.url), entities, batch_size=5)
    assert len(endpoint.requests) == -(-len(entities) // 5)
    assert {r.user_agent for r in endpoint.requests} == {user_agent()}
    assert user_agent().startswith("mgkg/") and user_agent().endswith(" (https://w3id.org/mgkg)")
    assert {r.method for r in endpoint.requests} == {"POST"}
    assert all("application/sparql-results+json" in r.accept for r in endpoint.requests)


def test_429_with_retry_after_is_waited_for(endpoint: FixtureEndpoint) -> None:
    waits: list[float] = []
    endpoint.fail_next(429, times=2, retry_after="3")
    rows = SparqlClient(endpoint.url, sleep=waits.append).select(ASK_ONE)
    assert waits == [3.0, 3.0] and len(endpoint.requests) == 3
    assert Literal("Crna Gora", lang="cnr") in {row["l"] for row in rows}


def test_503_without_retry_after_backs_off(endpoint: FixtureEndpoint) -> None:
    waits: list[float] = []
    endpoint.fail_next(503, times=3)
    SparqlClient(endpoint.url, sleep=waits.append).select(ASK_ONE)
    assert waits == [1.0, 2.0, 4.0]


def test_retries_are_bounded(endpoint: FixtureEndpoint) -> None:
    endpoint.fail_next(503, times=10)
    with pytest.raises(EndpointError) as error:
        SparqlClient(endpoint.url, retries=2, sleep=lambda _: None).select(ASK_ONE)
    assert str(error.value) == f"endpoint {endpoint.url}: HTTP 503 after 3 attempts; try again later"
    assert len(endpoint.requests) == 3


def test_a_long_retry_after_is_not_waited_for(endpoint: FixtureEndpoint) -> None:
    endpoint.fail_next(429, retry_after="3600")
    with pytest.raises(EndpointError, match=r"HTTP 429: asks to wait 3600s \(Retry-After\); try later"):
        SparqlClient(endpoint.url, sleep=lambda _: pytest.fail("must not wait")).select(ASK_ONE)


def test_retry_after_as_seconds_or_date() -> None:
    now = datetime(2026, 1, 2, 12, 0, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120.0
    assert retry_after("Fri, 02 Jan 2026 12:00:30 GMT", now) == 30.0
    assert retry_after("Fri, 02 Jan 2026 11:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None and retry_after(None) is None and retry_after(" ") is None


def test_a_slow_endpoint_times_out(endpoint: FixtureEndpoint) -> None:
    endpoint.delay = 2.5
    with pytest.raises(EndpointError) as error:
        SparqlClient(endpoint.url, timeout=1).select(ASK_ONE)
    assert str(error.value) == f"endpoint {endpoint.url}: no answer within 1s (timeout)"


@pytest.mark.parametrize(
    ("status", "message"),
    [(400, "QueryBadFormed"), (404, "EndPointNotFound"), (500, "EndPointInternalError"), (403, "HTTP 403")],
)
def test_http_errors_are_one_line(endpoint: FixtureEndpoint, status: int, message: str) -> None:
    endpoint.fail_next(status)
    with pytest.raises(EndpointError) as error:
        SparqlClient(endpoint.url).select(ASK_ONE)
    assert str(error.value).startswith(f"endpoint {endpoint.url}: ") and message in str(error.value)
    assert "\n" not in str(error.value) and len(str(error.value)) < 300


def test_an_answer_that_is_not_select_results_is_refused(endpoint: FixtureEndpoint) -> None:
    with pytest.raises(EndpointError, match="unusable answer"):
        SparqlClient(endpoint.url).select("ASK { ?s ?p ?o }")


def test_values_blocks_are_built_from_terms_only() -> None:
    tricky = Literal('Say "hi" } ; DROP ALL\n', lang="en")
    block = values_block(["key", "label"], [[Literal("0"), tricky]])
    rows = list(ox.Store().query(f"SELECT * WHERE {{ {block} }}"))  # type: ignore[arg-type]
    assert [(row["key"].value, row["label"].value, row["label"].language) for row in rows] == [
        ("0", str(tricky), "en")]
    with pytest.raises(ValueError, match="one IRI or literal per variable"):
        values_block(["a"], [["not a term"]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="forbidden characters"):
        values_block(["a"], [[URIRef("http://x/> } ; DROP ALL ; <")]])
    with pytest.raises(ValueError, match="exactly one #VALUES# marker"):
        fill("SELECT * {}", block)

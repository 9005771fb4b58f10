"""The place on the page of every fact on entity pages (the fact ledger's anchors): offsets and the document's
SHA-256 always, the page's words only from a seed file the server has and whose SHA-256 matches; curation facts
have no place; anchors of statements left out on purpose are no fact's place; everything is escaped."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from support.clients import client_for
from test_entity_pages import HOSTILE, page, text_of
from test_ledger import SEEDS

from graph.store import EmbeddedStore

TC_0287 = "/id/project/tc-0287"
DIGEST_003 = "e1e93ad43e6b0a6c75733dcfcfaa77608f848ac2e6770083f3a41b90078db78e"
BASE = "https://w3id.org/mgkg/"
PROV, OA, MGKG = "http://www.w3.org/ns/prov#", "http://www.w3.org/ns/oa#", "https://w3id.org/mgkg/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app (no seeds folder)."""
    return client_for(store)


def rows(html: str, section: str) -> dict[str, str]:
    """The fact rows of the page's `section` (document, editorial …): property text → the row's HTML."""
    start = html.index(f'<section class="source source-{section}"')
    part = html[start:html.index("</section>", start)]
    found: dict[str, str] = {}
    for row in re.findall(r"<tr[^>]*>.*?</tr>", part, re.S):
        heading = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if heading:
            found.setdefault(text_of(heading.group(1)), "")
            found[text_of(heading.group(1))] += row
    return found


def test_a_fact_shows_its_anchor_offsets_and_the_documents_digest(client: FlaskClient) -> None:
    html = page(client, TC_0287)
    end = rows(html, "document")["end date"]
    assert '<details class="place">' in end
    assert "page 003, characters 907–920" in text_of(end)
    assert DIGEST_003 in end and "003_cfcd86acf525643f.txt" in end
    assert "not served here" in text_of(end) and "<blockquote" not in end
    explained = text_of(html.split('class="hint text-of">', 1)[1])
    assert explained.startswith("Each fact's place is a span of the page's text")
    themes = rows(html, "document")["theme"]  # an anchor per theme (mgkg:anchorObject): each row its own place
    assert len(re.findall(r'<details class="place">', themes)) >= 5


def test_a_fact_stated_in_two_places_shows_both_in_text_order(client: FlaskClient) -> None:
    html = page(client, "/id/organization/montenegro-border-police")
    spans = [text_of(s) for s in re.findall(r"<summary[^>]*>(.*?)</summary>", html, re.S)]
    assert spans and all(re.fullmatch(r"page \d{3}, characters [\d,]+–[\d,]+", s) for s in spans)


def test_a_fact_without_an_anchor_shows_no_place(client: FlaskClient) -> None:
    html = page(client, TC_0287)
    editorial = rows(html, "editorial")
    assert "possibly same as" in editorial and "details" not in editorial["possibly same as"]
    assert "type" in rows(html, "document") and "details" not in rows(html, "document")["type"]  # rdf:type
    provenance = page(client, "/id/document/003_cfcd86acf525643f")
    assert '<details class="place">' not in provenance  # the provenance graph is no document's own


def test_statements_left_out_are_no_facts_and_anchors_no_links(client: FlaskClient) -> None:
    html = page(client, TC_0287)
    assert "2,030–2,091" not in text_of(html)  # anchor 003-038: the equipment, not encoded, and why
    assert "anchor subject" not in text_of(html) and "/id/anchor/" not in html
    document = page(client, "/id/document/003_cfcd86acf525643f")
    assert "/id/anchor/" not in document  # the ledger's oa:hasSource is no link of the document's page


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed pages are not beside the checkout")
def test_with_the_seeds_the_page_quotes_the_words(store: EmbeddedStore) -> None:
    html = page(client_for(store, seeds=str(SEEDS)), TC_0287)
    end = rows(html, "document")["end date"]
    words = re.search(r'<blockquote class="words">(.*?)</blockquote>', end, re.S)
    assert words is not None and "2010" in words.group(1)
    assert "not served here" not in end


def _document(fresh: EmbeddedStore, seed_file: str, digest: str, words: str) -> None:
    """A document graph with one fact of place:hostile anchored at the span of `words` in its text."""
    graph, doc = f"{BASE}graph/hostile-page", f"{BASE}id/document/hostile-page"
    subject, offset = f"{BASE}id/place/hostile", len("Before: ")
    fresh.raw.update(
        f"INSERT DATA {{ GRAPH <{BASE}graph/provenance> {{ <{graph}> <{PROV}wasDerivedFrom> <{doc}> . "
        f"<{doc}> <{MGKG}seedFile> {json.dumps(seed_file)} ; <{MGKG}textSha256> {json.dumps(digest)} }} "
        f"GRAPH <{graph}> {{ <{subject}> <{RDFS}label> \"Hostile\"@en . "
        f"<{BASE}id/anchor/h-1> <{MGKG}anchorSubject> <{subject}> ; <{OA}hasSelector> <{BASE}id/selector/h-1> . "
        f"<{BASE}id/selector/h-1> <{OA}start> {offset} ; <{OA}end> {offset + len(words)} }} }}"
    )


def test_the_words_are_escaped(fresh: EmbeddedStore, tmp_path: Path) -> None:
    data = f"Before: {HOSTILE} after.".encode()
    (tmp_path / "hostile_page.txt").write_bytes(data)
    _document(fresh, "hostile_page.txt", hashlib.sha256(data).hexdigest(), HOSTILE)
    html = page(client_for(fresh, seeds=str(tmp_path)), "/id/place/hostile")
    assert "<script>alert" not in html and "<img src=x" not in html
    words = re.search(r'<blockquote class="words">(.*?)</blockquote>', html, re.S)
    assert words is not None and "&lt;script&gt;alert(&#39;x&#39;)" in words.group(1)


@pytest.mark.parametrize("seed_file, digest", [
    ("hostile_page.txt", "0" * 64),  # the file changed since the ledger was written: no words
    ("../hostile_page.txt", None),  # a name that leaves the seeds folder is never read
    ("<b>x</b>.txt", None),
])  # fmt: skip
def test_no_words_from_a_changed_or_outside_file(
    fresh: EmbeddedStore, tmp_path: Path, seed_file: str, digest: str | None
) -> None:
    data = f"Before: {HOSTILE} after.".encode()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (tmp_path / "hostile_page.txt").write_bytes(data)
    (seeds / "hostile_page.txt").write_bytes(b"Before: other words entirely, longer than the span.")
    _document(fresh, seed_file, digest or hashlib.sha256(data).hexdigest(), HOSTILE)
    html = page(client_for(fresh, seeds=str(seeds)), "/id/place/hostile")
    assert "<blockquote" not in html and "characters 8–" in text_of(html)
    assert "<b>x</b>" not in html

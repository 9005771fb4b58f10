"""Entity pages through Flask's test client: names, types, facts by their document, editorial statements apart,
disagreements side by side, money and dates for people, links in and out, downloads, schema.org JSON-LD, and
every label escaped; pages are CSP-clean (no inline script, style or handler)."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from support.clients import client_for

from graph.store import EmbeddedStore

HTML = {"Accept": "text/html"}
HOSTILE = "<script>alert('x')</script></script><img src=x onerror=alert(1)> & \"quotes\""


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app."""
    return client_for(store)


def page(client: FlaskClient, path: str) -> str:
    """GET `path` as a browser; it must be a 200 HTML page."""
    response = client.get(path, headers=HTML)
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


def text_of(html: str) -> str:
    """The page's text, tags dropped, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class Scripts(HTMLParser):
    """Every script element (type, src, text) and every attribute of every tag."""

    def __init__(self, html: str) -> None:
        """Parse `html`."""
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[str | None, str | None, str]] = []
        self.attributes: list[str] = []
        self._in_script: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note attributes and scripts."""
        self.attributes += [name for name, _ in attrs]
        if tag == "script":
            named = dict(attrs)
            self.scripts.append((named.get("type"), named.get("src"), ""))

    def handle_data(self, data: str) -> None:
        """Collect a script's text."""
        if self.scripts and self.lasttag == "script":
            kind, src, text = self.scripts[-1]
            self.scripts[-1] = (kind, src, text + data)


def test_names_types_and_the_iri(client: FlaskClient) -> None:
    html = page(client, "/id/organization/montenegro-ministry-of-interior")
    text = text_of(html)
    assert "Ministry of Interior of Montenegro" in text
    assert "Also called: Ministry of Interior @en" in text and "MoI @en" in text
    assert 'href="/ontology#Ministry"' in html
    assert "https://w3id.org/mgkg/id/organization/montenegro-ministry-of-interior" in text


def test_facts_are_grouped_by_the_document_that_states_them(client: FlaskClient) -> None:
    html = page(client, "/id/project/tc-0287")
    text = text_of(html)
    assert "Document Capacity-building of Montenegro's Police" in text
    assert 'href="/id/document/003_cfcd86acf525643f"' in html  # the document's own page
    assert "IOM Projects ID TC.0287" in text
    sections = re.findall(r'<section class="source source-(\w+)"', html)
    assert sections == ["document", "editorial"]


def test_editorial_statements_are_marked_as_such(client: FlaskClient) -> None:
    html = page(client, "/id/project/tc-0287")
    editorial = html[html.index('class="source source-editorial"'):]
    assert "Editorial statement" in editorial and "not by a document" in editorial
    assert "possibly same as" in text_of(editorial)


def test_disagreements_are_side_by_side(client: FlaskClient) -> None:
    html = page(client, "/id/organization/iom-montenegro")
    part = html[html.index('id="disagreements"'):html.index('id="facts-heading"')]
    text = text_of(part)
    assert "contact point" in text
    assert "older office page" in text and "current contact" in text
    assert part.count('class="side"') >= 4
    assert 'class="disputed"' in html


def test_money_keeps_its_currency(client: FlaskClient) -> None:
    text = text_of(page(client, "/id/project/tc-0287"))
    assert "USD 40,000" in text
    amount = text_of(page(client, "/id/amount/police-capacity-building-overall--remaining"))
    assert "amount value 70,204" in amount and "currency USD" in amount


def test_dates_show_their_precision(client: FlaskClient) -> None:
    text = text_of(page(client, "/id/project/tc-0287"))
    assert "start date 2009 (year)" in text and "listed year 2008 (year)" in text
    referendum = text_of(page(client, "/id/event/montenegro-independence-referendum-2006"))
    assert "21 May 2006 (day)" in referendum


def test_links_in_and_same_as_out(client: FlaskClient) -> None:
    html = page(client, "/id/place/montenegro")
    incoming = text_of(html[html.index('id="incoming-heading"'):])
    assert "benefiting country" in incoming and "Capacity-building of Montenegro's Police" in incoming
    same = html[html.index('id="same-as"'):html.index("</section>", html.index('id="same-as"'))]
    assert re.search(r'<a href="http://www.wikidata.org/entity/Q236" [^>]*rel="external"', same)
    assert "sws.geonames.org" in same and "dbpedia.org" in same


def test_downloads_in_every_rdf_format(client: FlaskClient) -> None:
    html = page(client, "/id/project/tc-0287")
    for suffix in (".ttl", ".jsonld", ".nt", ".rdf"):
        assert f'href="/id/project/tc-0287{suffix}"' in html
        assert client.get(f"/id/project/tc-0287{suffix}").status_code == 200
    assert 'rel="alternate" type="text/turtle"' in html


def test_schema_org_json_ld_is_embedded(client: FlaskClient) -> None:
    scripts = Scripts(page(client, "/id/place/montenegro")).scripts
    data = [json.loads(text) for kind, _, text in scripts if kind == "application/ld+json"]
    assert len(data) == 1
    assert data[0]["@type"] == "Country" and data[0]["name"] == "Montenegro"
    assert "http://www.wikidata.org/entity/Q236" in data[0]["sameAs"]
    project = [json.loads(t) for k, _, t in Scripts(page(client, "/id/project/tc-0287")).scripts if k]
    assert project[0]["@type"] == "Project" and project[0]["@id"] == "https://w3id.org/mgkg/id/project/tc-0287"


@pytest.mark.parametrize("path", ["/id/project/tc-0287", "/id/place/montenegro", "/ontology", "/browse/projects",
                                  "/search?q=police", "/vocab/theme", "/.well-known/void"])  # fmt: skip
def test_pages_are_csp_clean(client: FlaskClient, path: str) -> None:
    parsed = Scripts(page(client, path))
    for kind, src, text in parsed.scripts:
        assert src is not None or kind == "application/ld+json", (kind, text[:80])
    assert "style" not in parsed.attributes
    assert not [name for name in parsed.attributes if name.startswith("on")]


def test_every_label_is_escaped(fresh: EmbeddedStore) -> None:
    fresh.raw.update(
        "INSERT DATA { GRAPH <https://w3id.org/mgkg/graph/curation> { "
        "<https://w3id.org/mgkg/id/project/tc-0287> <http://www.w3.org/2000/01/rdf-schema#label> "
        + json.dumps(HOSTILE) + "@de . <https://w3id.org/mgkg/id/place/montenegro> "
        "<http://www.w3.org/2000/01/rdf-schema#label> " + json.dumps(HOSTILE) + " . "
        "<https://w3id.org/mgkg/id/place/hostile> a <https://w3id.org/mgkg/ontology#Place> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> " + json.dumps(HOSTILE) + "@en } }"
    )
    own = client_for(fresh)
    for path in ("/id/project/tc-0287", "/id/place/montenegro", "/id/place/hostile", "/search?q=alert",
                 "/browse/places"):
        html = page(own, path)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert" in html or "\\u003cscript\\u003e" in html, path
        scripts = Scripts(html).scripts
        assert all(kind == "application/ld+json" or src for kind, src, _ in scripts), path


def test_an_entity_page_of_a_document(client: FlaskClient) -> None:
    text = text_of(page(client, "/id/document/003_cfcd86acf525643f"))
    assert "IOM project database: TC.0287" in text
    assert "derived from" in text  # the graph built from it links to it

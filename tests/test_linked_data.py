"""Linked Data through Flask's test client: every IRI of the graph answers HTML for browsers and RDF for machines,
by content negotiation and by suffix, with Vary, Content-Location, Link and ETag; browsers get pages, not
downloads, from /sparql, the service description, VoID and the Graph Store; an unknown format= yields to Accept."""

from __future__ import annotations

import json

import pytest
import rdflib
from flask.testing import FlaskClient
from rdflib.compare import isomorphic
from support.clients import client_for

from graph.store import EmbeddedStore

CHROMIUM = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
            "application/signed-exchange;v=b3;q=0.7")  # fmt: skip
"""The Accept header of Chromium's navigation requests."""
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TC_0287 = "https://w3id.org/mgkg/id/project/tc-0287"
PROJECT = "/id/project/tc-0287"
RDF_TYPES = {
    "text/turtle": ("turtle", ".ttl"),
    "application/ld+json": ("json-ld", ".jsonld"),
    "application/n-triples": ("nt", ".nt"),
    "application/rdf+xml": ("xml", ".rdf"),
}


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app (base https://w3id.org/mgkg/)."""
    return client_for(store)


def graph_of(body: bytes, parser: str) -> rdflib.Graph:
    """The RDF of an answer body."""
    return rdflib.Graph().parse(data=body, format=parser)


@pytest.mark.parametrize("accept", [CHROMIUM, FIREFOX, "text/html"])
def test_a_browser_gets_the_page(client: FlaskClient, accept: str) -> None:
    response = client.get(PROJECT, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "TC.0287" in response.get_data(as_text=True)
    assert response.headers["Content-Location"] == PROJECT + ".html"


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_machines_get_rdf_by_content_negotiation(client: FlaskClient, media_type: str) -> None:
    parser, suffix = RDF_TYPES[media_type]
    response = client.get(PROJECT, headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    assert response.headers["Content-Location"] == PROJECT + suffix
    triples = graph_of(response.data, parser)
    assert (rdflib.URIRef(TC_0287), rdflib.URIRef("https://w3id.org/mgkg/ontology#projectsId"),
            rdflib.Literal("TC.0287")) in triples  # fmt: skip


@pytest.mark.parametrize("accept", ["", "*/*", "text/turtle, text/html;q=0.5", "application/rdf+xml, text/html"])
def test_non_browsers_get_rdf(client: FlaskClient, accept: str) -> None:
    response = client.get(PROJECT, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype in ("text/turtle", "application/rdf+xml")


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_every_suffix_gives_the_same_triples(client: FlaskClient, media_type: str) -> None:
    parser, suffix = RDF_TYPES[media_type]
    response = client.get(PROJECT + suffix, headers={"Accept": CHROMIUM})  # the suffix wins over Accept
    assert response.status_code == 200 and response.mimetype == media_type
    assert "Content-Location" not in response.headers
    reference = graph_of(client.get(PROJECT + ".nt").data, "nt")
    assert isomorphic(graph_of(response.data, parser), reference)
    assert len(reference) > 20


def test_the_html_suffix_is_the_page_whatever_accept_says(client: FlaskClient) -> None:
    response = client.get(PROJECT + ".html", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_json_ld_has_a_context_of_the_graphs_prefixes(client: FlaskClient) -> None:
    document = json.loads(client.get(PROJECT + ".jsonld").data)
    assert document["@context"]["prj"] == "https://w3id.org/mgkg/id/project/"
    assert document["@context"]["mgkg"] == "https://w3id.org/mgkg/ontology#"
    node = next(n for n in document["@graph"] if n["@id"] == "prj:tc-0287")
    assert node["@type"] == ["mgkg:FundingTranche"]
    assert node["mgkg:projectsId"] == [{"@value": "TC.0287"}]


def test_headers_vary_link_and_etag(client: FlaskClient) -> None:
    response = client.get(PROJECT, headers={"Accept": "text/turtle"})
    assert "Accept" in response.headers["Vary"]
    links = response.headers["Link"]
    for suffix, media_type in ((".ttl", "text/turtle"), (".jsonld", "application/ld+json"), (".html", "text/html")):
        assert f'<{PROJECT}{suffix}>; rel="alternate"; type="{media_type}"' in links
    assert response.headers["ETag"] and "no-cache" in response.headers["Cache-Control"]


def test_an_iri_with_letters_beyond_ascii_gets_its_link_headers_percent_encoded() -> None:
    """Header values are ASCII (granian drops any other value without a word): `Nikšić` travels as %C5%A1…"""
    store = EmbeddedStore(None)
    store.update('INSERT DATA { GRAPH <https://w3id.org/mgkg/graph/t> { <https://w3id.org/mgkg/id/place/Nikšić> '
                 '<http://www.w3.org/2000/01/rdf-schema#label> "Nikšić"@en } }')
    response = client_for(store).get("/id/place/Nikšić", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and "Nikšić".encode() in response.data
    assert response.headers["Content-Location"] == "/id/place/Nik%C5%A1i%C4%87.ttl"
    assert '</id/place/Nik%C5%A1i%C4%87.jsonld>; rel="alternate"' in response.headers["Link"]
    assert response.headers["Link"].isascii()


def test_etag_gives_304_and_differs_between_formats(client: FlaskClient) -> None:
    turtle = client.get(PROJECT, headers={"Accept": "text/turtle"})
    again = client.get(PROJECT, headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    page = client.get(PROJECT, headers={"Accept": "text/html"})
    assert page.headers["ETag"] != turtle.headers["ETag"]
    stale = client.get(PROJECT, headers={"Accept": "text/html", "If-None-Match": turtle.headers["ETag"]})
    assert stale.status_code == 200


def test_the_etag_changes_when_the_entity_changes(fresh: EmbeddedStore) -> None:
    """A write through the app changes the ETag (it follows the store's state: server.conditional)."""
    own = client_for(fresh, update_token="t")
    before = own.get(PROJECT + ".nt").headers["ETag"]
    update = ('INSERT DATA { GRAPH <https://w3id.org/mgkg/graph/contributions/editor> { '
              f'<{TC_0287}> <http://www.w3.org/2004/02/skos/core#altLabel> "police tranche"@en }} }}')
    written = own.post("/sparql", data=update.encode(), headers={"Authorization": "Bearer t",
                                                               "Content-Type": "application/sparql-update"})
    assert written.status_code == 204, written.data
    after = own.get(PROJECT + ".nt", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before and b"police tranche" in after.data


@pytest.mark.parametrize("path", ["/id/project/no-such-project", "/id/project/no-such-project.ttl",
                                  "/vocab/theme/no-such-theme", "/graph/no-such-graph", "/id/x%20y",
                                  "/ontology.pdf"])  # fmt: skip
@pytest.mark.parametrize("accept", [CHROMIUM, "text/turtle"])
def test_unknown_iris_are_404_in_one_line(client: FlaskClient, path: str, accept: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 404
    assert response.get_data(as_text=True).count("\n") == 1


def test_406_when_no_offered_format_is_acceptable(client: FlaskClient) -> None:
    response = client.get(PROJECT, headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_post_is_405(client: FlaskClient) -> None:
    assert client.post(PROJECT).status_code == 405


@pytest.mark.parametrize("path", ["/vocab/theme/border-management", "/vocab/theme"])
def test_concepts_and_schemes_dereference(client: FlaskClient, path: str) -> None:
    page = client.get(path, headers={"Accept": CHROMIUM})
    assert page.status_code == 200 and page.mimetype == "text/html"
    turtle = client.get(path + ".ttl")
    assert turtle.status_code == 200 and b"skos:" in turtle.data


def test_a_graph_iri_gives_its_statements(client: FlaskClient) -> None:
    curation = client.get("/graph/curation", headers={"Accept": "application/n-triples"})
    assert curation.status_code == 200
    assert b"possiblySameAs" in curation.data
    page = client.get("/graph/curation", headers={"Accept": CHROMIUM})
    assert page.status_code == 200 and "mgkg editorial statements" in page.get_data(as_text=True)


def test_the_ontology_page_lists_every_class_property_and_concept(client: FlaskClient, store: EmbeddedStore) -> None:
    page = client.get("/ontology", headers={"Accept": CHROMIUM})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    owl, skos = "http://www.w3.org/2002/07/owl#", "http://www.w3.org/2004/02/skos/core#"
    terms = store.raw.query(f"""SELECT DISTINCT ?t WHERE {{ GRAPH <https://w3id.org/mgkg/graph/ontology> {{
        ?t a ?k FILTER(?k IN (<{owl}Class>, <{owl}ObjectProperty>, <{owl}DatatypeProperty>, <{skos}Concept>))
        FILTER(isIRI(?t)) }} }}""")  # fmt: skip
    iris = [row[0].value for row in terms]
    assert len(iris) > 100
    for iri in iris:
        anchor = iri.rsplit("#", 1)[1] if "#" in iri else "-".join(iri.split("/")[-3:])
        assert f'id="{anchor}"' in html, iri
    ontology = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert ontology.status_code == 200 and b"owl:Class" in ontology.data


def test_other_bases_serve_the_same_paths(built: object) -> None:
    """With the server's own origin as base (MGKG_BASE=http://localhost/), the IRI is the URL itself."""
    from graph.build import build_dataset
    from graph.store import open_store

    dataset, _ = build_dataset(base="http://localhost/")
    own = open_store("memory", "http://localhost/")
    own.replace(dataset)
    local = client_for(own, base="http://localhost/")
    response = local.get(PROJECT, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert b"<http://localhost/id/project/tc-0287> " in response.data
    page = local.get(PROJECT, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/id/place/montenegro"' in page
    own.close()


# --- browsers get pages, machines RDF, from the service's own RDF documents ----------------------------------

@pytest.mark.parametrize("path", ["/sparql", "/service-description", "/.well-known/void", "/rdf-graphs?default",
                                  "/rdf-graphs?graph=https://w3id.org/mgkg/graph/curation"])  # fmt: skip
def test_browsers_get_pages_not_downloads(client: FlaskClient, path: str) -> None:
    for accept in (CHROMIUM, FIREFOX):
        page = client.get(path, headers={"Accept": accept})
        assert page.status_code == 200 and page.mimetype == "text/html", accept
        assert "Accept" in page.headers["Vary"]
    for accept, media_type in (("", "text/turtle"), ("application/rdf+xml", "application/rdf+xml"),
                               ("application/xml", "application/rdf+xml"), ("*/*", "text/turtle")):  # fmt: skip
        machine = client.get(path, headers={"Accept": accept} if accept else {})
        assert machine.status_code == 200 and machine.mimetype == media_type, accept


def test_sparql_without_query_shows_the_editor_to_a_browser(client: FlaskClient) -> None:
    page = client.get("/sparql", headers={"Accept": CHROMIUM}).get_data(as_text=True)
    assert 'id="query"' in page


def test_void_page_shows_the_turtle(client: FlaskClient) -> None:
    page = client.get("/.well-known/void", headers={"Accept": CHROMIUM}).get_data(as_text=True)
    assert "void:Dataset" in page and "?format=turtle" in page


# --- format= names a client library may use ----------------------------------------------------------------

ASK = "/sparql?query=ASK%7B%7D"
CONSTRUCT = "/sparql?query=CONSTRUCT%7B%3Fs%20%3Fp%20%3Fo%7DWHERE%7B%3Fs%20%3Fp%20%3Fo%7DLIMIT%201"


@pytest.mark.parametrize(("url", "accept", "media_type"), [
    (ASK + "&format=n3", "application/sparql-results+json", "application/sparql-results+json"),
    (CONSTRUCT + "&format=n3", "text/turtle", "text/turtle"),
    (CONSTRUCT + "&format=rdf%2Bxml", "application/rdf+xml", "application/rdf+xml"),
    (ASK + "&format=pdf", "application/sparql-results+xml", "application/sparql-results+xml"),
])  # fmt: skip
def test_an_unknown_format_yields_to_accept(client: FlaskClient, url: str, accept: str, media_type: str) -> None:
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == media_type


def test_an_unknown_format_without_accept_is_still_406(client: FlaskClient) -> None:
    response = client.get(ASK + "&format=pdf")
    assert response.status_code == 406 and "pdf" in response.get_data(as_text=True)


def test_an_unknown_format_and_an_unacceptable_accept_is_406_naming_both(client: FlaskClient) -> None:
    response = client.get(ASK + "&format=pdf", headers={"Accept": "image/png"})
    assert response.status_code == 406
    line = response.get_data(as_text=True)
    assert "'pdf'" in line and "accepted types" in line and line.count("\n") == 1

"""Graph Store HTTP Protocol at /rdf-graphs: GET/HEAD in every format, PUT/POST/DELETE with token and SHACL gate,
on contribution graphs only."""

from __future__ import annotations

from urllib.parse import quote, unquote

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef

from graph.core.config import Settings
from graph.store import EmbeddedStore
from server.app import create_app

TOKEN = "gsp-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = "text/turtle"
PROVENANCE = "https://w3id.org/mgkg/graph/provenance"
NEW = "https://w3id.org/mgkg/graph/contributions/editor/notes"
"""A contribution graph of writer `editor` (the update_token's): writes may go there."""
NOTES = b"@prefix ex: <http://example.org/> .\nex:note ex:text \"first\" ; ex:about ex:thing .\n"
MORE = b"<http://example.org/note> <http://example.org/text> \"second\" .\n"
NEGATIVE = b"""@prefix mgkg: <https://w3id.org/mgkg/ontology#> .
<https://w3id.org/mgkg/id/amount/negative> a mgkg:MonetaryAmount ; mgkg:amountValue -1.0 ; mgkg:currency "EUR" .
"""


@pytest.fixture
def client(fresh: EmbeddedStore) -> FlaskClient:
    """A client with writes enabled on the fresh store."""
    return create_app(Settings(store="memory", update_token=TOKEN), fresh).test_client()


@pytest.fixture(scope="module")
def reader(store: EmbeddedStore) -> FlaskClient:
    """A read-only client of the session store."""
    return create_app(Settings(store="memory"), store).test_client()


def graph_url(iri: str) -> str:
    """The indirect URL of a graph."""
    return "/rdf-graphs?graph=" + quote(iri, safe="")


def triples(store: EmbeddedStore, iri: str) -> int:
    """How many triples the graph `iri` has in `store`."""
    return len(list(store.raw.quads_for_pattern(None, None, None, ox.NamedNode(iri))))


# --- reading ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "parse_as"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
)
def test_get_a_graph_in_every_format(reader: FlaskClient, store: EmbeddedStore, accept: str, parse_as: str) -> None:
    response = reader.get(graph_url(PROVENANCE), headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == accept
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    parsed = Dataset() if parse_as in ("trig", "nquads", "json-ld") else Graph()  # quad formats keep the name
    parsed.parse(data=response.data, format=parse_as)
    assert len(parsed) == triples(store, PROVENANCE) > 0


def test_get_default_is_the_union(reader: FlaskClient, store: EmbeddedStore) -> None:
    response = reader.get("/rdf-graphs?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert len(Graph().parse(data=response.data, format="nt")) == len({q.triple for q in store.raw})


def test_get_and_head_of_a_missing_graph_are_404(reader: FlaskClient) -> None:
    missing = reader.get(graph_url("http://example.org/none"))
    assert missing.status_code == 404 and missing.data == b"no graph <http://example.org/none> in this store\n"
    assert reader.head(graph_url("http://example.org/none")).status_code == 404


def test_head_is_get_without_body(reader: FlaskClient) -> None:
    response = reader.head(graph_url(PROVENANCE), headers={"Accept": "text/turtle; charset=utf-8"})
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"


@pytest.mark.parametrize(
    ("path", "method", "message"),
    [
        ("/rdf-graphs", "GET", "name the graph"),
        ("/rdf-graphs", "DELETE", "name the graph"),
        (f"/rdf-graphs?default&graph={quote(PROVENANCE)}", "GET", "not both"),
        (f"/rdf-graphs?graph={quote(PROVENANCE)}&graph={quote(PROVENANCE)}", "GET", "exactly one"),
        ("/rdf-graphs?graph=relative/iri", "GET", "not an absolute IRI"),
        ("/rdf-graphs/a%3Eb", "GET", "not an absolute IRI"),
        ("/rdf-graphs?graph=a:b%C2%85c", "GET", "not an absolute IRI"),  # a C1 control: no IRI code point
        ("/rdf-graphs?graph=http://h:port/", "GET", "not an absolute IRI"),  # RFC 3987, as Oxigraph reads it
    ],
)
def test_graph_naming_errors_are_400(reader: FlaskClient, path: str, method: str, message: str) -> None:
    response = reader.open(path, method=method)
    assert response.status_code == 400 and message in response.data.decode()


def test_unknown_methods_are_405_and_options_is_a_preflight(reader: FlaskClient) -> None:
    patch = reader.patch(graph_url(PROVENANCE))
    assert patch.status_code == 405 and patch.headers["Allow"] == "GET, HEAD, PUT, POST, DELETE, OPTIONS"
    options = reader.options("/rdf-graphs")
    assert options.status_code == 204 and "PUT" in options.headers["Access-Control-Allow-Methods"]


def test_get_406_when_no_rdf_format_is_acceptable(reader: FlaskClient) -> None:
    assert reader.get(graph_url(PROVENANCE), headers={"Accept": "image/png"}).status_code == 406


# --- writing ----------------------------------------------------------------------------------------------------------


def test_put_creates_then_replaces(client: FlaskClient, fresh: EmbeddedStore) -> None:
    created = client.put(graph_url(NEW), data=NOTES, content_type=TURTLE, headers=AUTH)
    assert created.status_code == 201 and triples(fresh, NEW) == 2
    replaced = client.put(graph_url(NEW), data=MORE, content_type="application/n-triples", headers=AUTH)
    assert replaced.status_code == 204 and triples(fresh, NEW) == 1
    body = client.get(graph_url(NEW), headers={"Accept": TURTLE}).data
    assert Graph().parse(data=body, format="turtle").value(URIRef("http://example.org/note")) is None
    empty = client.put(graph_url(NEW), data=b"", content_type=TURTLE, headers=AUTH)
    assert empty.status_code == 204 and client.get(graph_url(NEW)).status_code == 200


def test_post_merges_and_creates(client: FlaskClient, fresh: EmbeddedStore) -> None:
    assert client.post(graph_url(NEW), data=NOTES, content_type=TURTLE, headers=AUTH).status_code == 201
    merged = client.post(graph_url(NEW), data=MORE, content_type="application/n-triples", headers=AUTH)
    assert merged.status_code == 204 and triples(fresh, NEW) == 3


def test_post_to_the_collection_creates_a_graph_with_a_location(client: FlaskClient, fresh: EmbeddedStore) -> None:
    response = client.post("/rdf-graphs", data=NOTES, content_type=TURTLE, headers=AUTH)
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location.startswith("http://localhost/rdf-graphs?graph=https://w3id.org/mgkg/graph/contributions/editor/")
    iri = unquote(location.removeprefix("http://localhost/rdf-graphs?graph="))
    assert triples(fresh, iri) == 2
    graph = client.get(location.removeprefix("http://localhost"), headers={"Accept": "application/n-triples"})
    assert graph.status_code == 200 and len(graph.data.splitlines()) == 2


def test_post_multipart_merges_every_part(client: FlaskClient, fresh: EmbeddedStore) -> None:
    boundary = "b0undary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.ttl\"\r\n"
        f"Content-Type: text/turtle\r\n\r\n{NOTES.decode()}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"b\"; filename=\"b.nt\"\r\n"
        f"Content-Type: application/n-triples\r\n\r\n{MORE.decode()}\r\n--{boundary}--\r\n"
    ).encode()
    response = client.post(
        graph_url(NEW), data=body, content_type=f"multipart/form-data; boundary={boundary}", headers=AUTH
    )
    assert response.status_code == 201 and triples(fresh, NEW) == 3


def test_direct_identification_uses_the_request_url(client: FlaskClient, fresh: EmbeddedStore) -> None:
    """The graph IRI is the request URL, which is no contribution graph: read-only (403 naming it)."""
    refused = client.put("/rdf-graphs/notes/1", data=NOTES, content_type=TURTLE, headers=AUTH)
    assert refused.status_code == 403
    assert refused.data.decode().startswith("graph <http://localhost/rdf-graphs/notes/1> is read-only")
    assert not fresh.raw.contains_named_graph(ox.NamedNode("http://localhost/rdf-graphs/notes/1"))
    assert client.get("/rdf-graphs/notes/1").status_code == 404


def test_delete_drops_and_then_404(client: FlaskClient, fresh: EmbeddedStore) -> None:
    client.put(graph_url(NEW), data=NOTES, content_type=TURTLE, headers=AUTH)
    assert client.delete(graph_url(NEW), headers=AUTH).status_code == 204
    assert not fresh.raw.contains_named_graph(ox.NamedNode(NEW))
    again = client.delete(graph_url(NEW), headers=AUTH)
    assert again.status_code == 404 and again.data == f"no graph <{NEW}> in this store\n".encode()


def test_writes_need_the_token(fresh: EmbeddedStore, client: FlaskClient) -> None:
    off = create_app(Settings(store="memory"), fresh).test_client()
    assert off.put(graph_url(NEW), data=NOTES, content_type=TURTLE, headers=AUTH).status_code == 403
    missing = client.put(graph_url(NEW), data=NOTES, content_type=TURTLE)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.delete(graph_url(PROVENANCE), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert triples(fresh, PROVENANCE) > 0 and not fresh.raw.contains_named_graph(ox.NamedNode(NEW))


@pytest.mark.parametrize(
    ("content_type", "status", "message"),
    [
        ("application/json", 415, "cannot read a application/json"),
        (None, 415, "body without Content-Type"),
        ("text/turtle; charset=ISO-8859-1", 415, "charset ISO-8859-1"),
    ],
)
def test_unsupported_bodies_are_415(client: FlaskClient, content_type: str | None, status: int, message: str) -> None:
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    response = client.put(graph_url(NEW), data=NOTES, headers=headers)
    assert response.status_code == status and message in response.data.decode()


def test_an_unparseable_body_is_400_with_the_line(client: FlaskClient, fresh: EmbeddedStore) -> None:
    body = b"@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e ex:f ex:g .\n"
    response = client.put(graph_url(NEW), data=body, content_type=TURTLE, headers=AUTH)
    assert response.status_code == 400
    text = response.data.decode()
    assert text.startswith("cannot parse the text/turtle body: Parser error at line 3") and text.count("\n") == 1
    assert not fresh.raw.contains_named_graph(ox.NamedNode(NEW))


def test_a_body_with_named_graphs_is_400(client: FlaskClient) -> None:
    body = b'{"@id": "http://example.org/g", "@graph": [{"@id": "http://example.org/a", "http://example.org/p": "v"}]}'
    response = client.put(graph_url(NEW), data=body, content_type="application/ld+json", headers=AUTH)
    assert response.status_code == 400 and b"Named graphs are not allowed" in response.data


def test_a_nonconforming_graph_is_422_and_nothing_changes(client: FlaskClient, fresh: EmbeddedStore) -> None:
    before = len(fresh)
    response = client.put(graph_url(NEW), data=NEGATIVE, content_type=TURTLE, headers=AUTH)
    assert response.status_code == 422 and response.headers["Content-Type"].startswith("text/turtle")
    assert b"ValidationReport" in response.data
    assert len(fresh) == before and not fresh.raw.contains_named_graph(ox.NamedNode(NEW))
    dropped = client.delete(graph_url(PROVENANCE), headers={**AUTH, "Accept": "application/json"})
    assert dropped.status_code == 403 and b"is read-only" in dropped.data
    assert triples(fresh, PROVENANCE) > 0


def test_the_union_default_graph_is_read_only(client: FlaskClient) -> None:
    response = client.put("/rdf-graphs?default", data=NOTES, content_type=TURTLE, headers=AUTH)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_the_default_graph_is_read_only_when_the_union_is_off(fresh: EmbeddedStore) -> None:
    """The store's default graph is no contribution graph: writes to it are refused (403), reads go on."""
    client = create_app(Settings(store="memory", update_token=TOKEN, union_default_graph=False), fresh).test_client()
    for response in (client.put("/rdf-graphs?default", data=NOTES, content_type=TURTLE, headers=AUTH),
                     client.delete("/rdf-graphs?default", headers=AUTH)):
        assert response.status_code == 403 and response.data.decode().startswith("the default graph is read-only")
    assert client.get("/rdf-graphs?default", headers={"Accept": "application/n-triples"}).data == b""


@pytest.mark.parametrize(("accept", "parse_as"), [("application/n-quads", "nquads"), ("application/trig", "trig"),
                                                   ("application/ld+json", "json-ld")])
def test_a_named_graph_in_a_quad_format_keeps_its_name(reader: FlaskClient, accept: str, parse_as: str) -> None:
    curation = "https://w3id.org/mgkg/graph/curation"
    response = reader.get(graph_url(curation), headers={"Accept": accept})
    assert response.status_code == 200
    back = Dataset()
    back.parse(data=response.data, format=parse_as)
    names = {str(g.identifier) for g in back.graphs() if len(g)}
    assert names == {curation}

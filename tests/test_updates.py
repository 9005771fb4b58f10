"""SPARQL Update over /sparql: off by default, bearer token, SHACL gate (422), transactions, using-graph-uri,
the write policy (contribution graphs only) and the changeset each write makes."""

from __future__ import annotations

import json
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Namespace

from graph.core.config import Settings
from graph.store import EmbeddedStore
from server.app import create_app
from server.context import EXTENSION, Runtime
from server.http import Problem
from server.writes import add_using

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = "application/sparql-update"
SH = Namespace("http://www.w3.org/ns/shacl#")
DOCUMENT = "https://w3id.org/mgkg/graph/000_b68a0693b93220c3"
GRAPH = "https://w3id.org/mgkg/graph/contributions/editor"
"""The contribution graph of writer `editor` (the update_token's)."""
PROJECT = "https://w3id.org/mgkg/id/project/youth-social-participation-montenegro"
PREFIXES = "PREFIX mgkg: <https://w3id.org/mgkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
GOOD = PREFIXES + f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{PROJECT}> rdfs:comment "checked in 2024" }} }}'
NEGATIVE_AMOUNT = PREFIXES + f"""INSERT DATA {{ GRAPH <{GRAPH}> {{
    <https://w3id.org/mgkg/id/amount/negative> a mgkg:MonetaryAmount ; rdfs:label "Negative"@en ;
        mgkg:amountValue -5.0 ; mgkg:currency "EUR" .
    <{PROJECT}> mgkg:budget <https://w3id.org/mgkg/id/amount/negative> }} }}"""
UNLABELLED_PROJECT = PREFIXES + (
    f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <https://w3id.org/mgkg/id/project/nameless> a mgkg:Project }} }}"
)


@pytest.fixture
def client(fresh: EmbeddedStore) -> FlaskClient:
    """A client of an app with updates enabled (token TOKEN) on the fresh store."""
    return create_app(Settings(store="memory", update_token=TOKEN), fresh).test_client()


HISTORY = "https://w3id.org/mgkg/graph/changes"


def data_quads(store: EmbeddedStore) -> int:
    """How many quads the store has outside the history graph."""
    return sum(1 for quad in store.raw if quad.graph_name != ox.NamedNode(HISTORY))


def has_comment(store: EmbeddedStore) -> bool:
    """Whether GOOD has been applied to `store`."""
    return bool(store.raw.query(f'ASK {{ GRAPH <{GRAPH}> {{ <{PROJECT}> ?p "checked in 2024" }} }}'))


# --- switched off, authentication ------------------------------------------------------------------------------


def test_updates_are_disabled_without_a_token(store: EmbeddedStore) -> None:
    client = create_app(Settings(store="memory"), store).test_client()
    response = client.post("/sparql", data=GOOD.encode(), content_type=UPDATE, headers=AUTH)
    assert response.status_code == 403
    assert response.data == b"updates are disabled on this server (no update token is configured)\n"
    assert not has_comment(store)


def test_missing_token_is_401_with_a_bearer_challenge(client: FlaskClient, fresh: EmbeddedStore) -> None:
    response = client.post("/sparql", data=GOOD.encode(), content_type=UPDATE)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    basic = client.post("/sparql", data=GOOD.encode(), content_type=UPDATE, headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401
    assert not has_comment(fresh)


def test_wrong_token_is_403(client: FlaskClient, fresh: EmbeddedStore) -> None:
    response = client.post(
        "/sparql", data=GOOD.encode(), content_type=UPDATE, headers={"Authorization": "Bearer not-it"}
    )
    assert response.status_code == 403
    assert b"not valid" in response.data
    assert not has_comment(fresh)


# --- applied ------------------------------------------------------------------------------------------------------


def test_a_conforming_update_is_applied_with_204(client: FlaskClient, fresh: EmbeddedStore) -> None:
    before = data_quads(fresh)
    response = client.post("/sparql", data=GOOD.encode(), content_type=UPDATE, headers=AUTH)
    assert response.status_code == 204 and response.data == b""
    assert has_comment(fresh) and data_quads(fresh) == before + 1
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_form_encoded_update_is_applied(client: FlaskClient, fresh: EmbeddedStore) -> None:
    response = client.post(
        "/sparql", data={"update": GOOD}, content_type="application/x-www-form-urlencoded", headers=AUTH
    )
    assert response.status_code == 204
    assert has_comment(fresh)


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient, fresh: EmbeddedStore) -> None:
    update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://example.org/s> <http://example.org/p> <o> }} }}"
    assert client.post("/sparql", data=update.encode(), content_type=UPDATE, headers=AUTH).status_code == 204
    assert fresh.raw.query("ASK { GRAPH ?g { ?s ?p <http://localhost/o> } }")


# --- the SHACL gate -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("update", "focus"), [(NEGATIVE_AMOUNT, "amount/negative"), (UNLABELLED_PROJECT, "nameless")])
def test_a_nonconforming_update_is_422_with_the_report_and_changes_nothing(
    client: FlaskClient, fresh: EmbeddedStore, update: str, focus: str
) -> None:
    before = len(fresh)
    response = client.post("/sparql", data=update.encode(), content_type=UPDATE, headers=AUTH)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    report = Graph().parse(data=response.data, format="turtle")
    assert (None, SH.conforms, None) in report
    assert any(focus in str(node) for node in report.objects(None, SH.focusNode))
    assert len(fresh) == before


def test_the_report_is_json_or_text_on_request(client: FlaskClient, fresh: EmbeddedStore) -> None:
    as_json = client.post(
        "/sparql", data=NEGATIVE_AMOUNT.encode(), content_type=UPDATE, headers={**AUTH, "Accept": "application/json"}
    )
    assert as_json.status_code == 422 and as_json.headers["Content-Type"] == "application/json"
    payload = json.loads(as_json.data)
    assert payload["conforms"] is False
    violations = [r for r in payload["results"] if r["severity"] == "Violation"]
    assert "mgkg:amountValue" in [r["path"] for r in violations]
    as_text = client.post(
        "/sparql", data=NEGATIVE_AMOUNT.encode(), content_type=UPDATE, headers={**AUTH, "Accept": "text/plain"}
    )
    assert as_text.data.decode().startswith("conforms: false (") and "amount:negative" in as_text.data.decode()
    unacceptable = client.post(
        "/sparql", data=NEGATIVE_AMOUNT.encode(), content_type=UPDATE, headers={**AUTH, "Accept": "image/png"}
    )
    assert unacceptable.status_code == 422 and unacceptable.headers["Content-Type"].startswith("text/turtle")


def test_a_multi_operation_update_is_one_transaction(client: FlaskClient, fresh: EmbeddedStore) -> None:
    both = GOOD + " ;\n" + UNLABELLED_PROJECT.replace(PREFIXES, "")
    assert client.post("/sparql", data=both.encode(), content_type=UPDATE, headers=AUTH).status_code == 422
    assert not has_comment(fresh)


# --- failures -------------------------------------------------------------------------------------------------------


def test_malformed_update_is_400_with_the_position(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"CLEAR XYZ", content_type=UPDATE, headers=AUTH)
    assert response.status_code == 400
    assert response.data.decode().startswith("update syntax error: error at 1:")


def test_an_update_that_fails_is_400_and_changes_nothing(client: FlaskClient, fresh: EmbeddedStore) -> None:
    update = GOOD + " ; DROP GRAPH <http://example.org/no-such-graph>"
    response = client.post("/sparql", data=update.encode(), content_type=UPDATE, headers=AUTH)
    assert response.status_code == 400
    assert "does not exist" in response.data.decode()
    assert not has_comment(fresh)


def test_an_update_over_the_time_limit_is_503_and_changes_nothing(fresh: EmbeddedStore) -> None:
    client = create_app(Settings(store="memory", update_token=TOKEN, query_timeout=0.001), fresh).test_client()
    response = client.post("/sparql", data=GOOD.encode(), content_type=UPDATE, headers=AUTH)
    assert response.status_code == 503
    assert response.data == b"update timed out after 0.001 s\n"
    assert not has_comment(fresh)



def test_every_write_is_counted_and_refused_ones_are_not(client: FlaskClient) -> None:
    """The app's write counter (which keys its caches) counts each write applied, by either protocol."""
    rt = client.application.extensions[EXTENSION]
    assert isinstance(rt, Runtime) and rt.writes == 0
    turtle = {"content_type": "text/turtle", "headers": AUTH}
    assert client.post("/sparql", data=NEGATIVE_AMOUNT.encode(), content_type=UPDATE, headers=AUTH).status_code == 422
    assert client.post("/sparql", data=b"CLEAR NAMED", content_type=UPDATE).status_code == 401
    assert client.post("/sparql", data=b"CLEAR NAMED", content_type=UPDATE, headers=AUTH).status_code == 403
    target = f"/rdf-graphs?graph={quote(GRAPH + '/g')}"
    assert client.put(target, data=b"<urn:x:a> <urn:x:b> 1 .", **turtle).status_code == 201
    assert client.put(target, data=b"<urn:x:a> <urn:x:b> 2 .", **turtle).status_code == 204
    assert client.post(target, data=b"<urn:x:a> <urn:x:b> 3 .", **turtle).status_code == 204
    assert client.delete(target, headers=AUTH).status_code == 204
    assert client.post("/sparql", data=GOOD.encode(), content_type=UPDATE, headers=AUTH).status_code == 204
    assert rt.writes == 5


def test_dataset_parameters_of_queries_do_not_apply_to_updates(client: FlaskClient) -> None:
    response = client.post(
        f"/sparql?default-graph-uri={quote(GRAPH)}", data=GOOD.encode(), content_type=UPDATE, headers=AUTH
    )
    assert response.status_code == 400 and b"does not apply to a update" in response.data


# --- using-graph-uri / using-named-graph-uri ------------------------------------------------------------------------


def test_using_graph_uri_sets_the_where_dataset(client: FlaskClient, fresh: EmbeddedStore) -> None:
    target = GRAPH + "/labels"
    update = PREFIXES + f"INSERT {{ GRAPH <{target}> {{ ?p rdfs:comment 'seen' }} }} WHERE {{ ?p a mgkg:Project }}"
    plain = client.post("/sparql", data=update.encode(), content_type=UPDATE, headers=AUTH)
    assert plain.status_code == 204
    assert not fresh.raw.contains_named_graph(ox.NamedNode(target))  # WHERE read the (empty) contribution graph
    response = client.post(
        f"/sparql?using-graph-uri={quote(DOCUMENT)}", data=update.encode(), content_type=UPDATE, headers=AUTH
    )
    assert response.status_code == 204
    assert fresh.raw.query(f"ASK {{ GRAPH <{target}> {{ <{PROJECT}> ?p ?o }} }}")


def test_using_graph_uri_conflicts_with_with(client: FlaskClient) -> None:
    update = f"WITH <{GRAPH}> DELETE {{ ?s ?p 'x' }} WHERE {{ ?s ?p 'x' }}"
    response = client.post(
        f"/sparql?using-named-graph-uri={quote(GRAPH)}", data=update.encode(), content_type=UPDATE, headers=AUTH
    )
    assert response.status_code == 400 and b"WITH" in response.data


def test_add_using_rewrites_each_where() -> None:
    text = "PREFIX : <http://e/> INSERT { :a :b ?c } WHERE { { SELECT ?c WHERE { ?c ?d ?e } } } ; " + (
        "DELETE WHERE { :x :y ?z }"
    )
    rewritten = add_using(text, ["http://g/1"], ["http://g/2"])
    using = "USING <http://g/1> USING NAMED <http://g/2> "
    assert rewritten == (
        f"PREFIX : <http://e/> INSERT {{ :a :b ?c }} {using}WHERE {{ {{ SELECT ?c WHERE {{ ?c ?d ?e }} }} }} ; "
        f"DELETE {{ :x :y ?z }} {using}WHERE {{ :x :y ?z }}"
    )
    assert add_using("CLEAR ALL", [], []) == "CLEAR ALL"
    ox.Store().update(rewritten)  # still valid SPARQL


@pytest.mark.parametrize(
    ("text", "iri", "message"),
    [
        ("DELETE { ?s ?p ?o } USING <http://u> WHERE { ?s ?p ?o }", "http://g", "has USING"),
        ("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", "g> } ; DROP ALL ; INSERT DATA { <a", "not an absolute IRI"),
        ("DELETE WHERE { ?s ?p ?o ", "http://g", "unbalanced"),
    ],
)
def test_add_using_refuses(text: str, iri: str, message: str) -> None:
    with pytest.raises(Problem, match=message):
        add_using(text, [iri], [])

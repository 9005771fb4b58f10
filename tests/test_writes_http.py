"""Writes over HTTP as changesets: the policy's answers, writers and messages, /changes (JSON, RDF, Atom), revert."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from graph.changes.journal import Journal, JournalError
from graph.core.config import Settings
from graph.store import EmbeddedStore
from server.app import create_app
from server.http import CHUNKED
from server.writers import hash_token

BASE = "https://w3id.org/mgkg/"
ALICE = f"{BASE}graph/contributions/alice"
DOCUMENT = f"{BASE}graph/000_b68a0693b93220c3"
HISTORY = f"{BASE}graph/changes"
PROJECT = f"{BASE}id/project/youth-social-participation-montenegro"
UPDATE = "application/sparql-update"
AUTH = {"Authorization": "Bearer alice-t0ken"}
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


@pytest.fixture
def client(fresh: EmbeddedStore) -> FlaskClient:
    """Writer alice (token alice-t0ken, from the writers setting) and the old update token (writer editor)."""
    settings = Settings(store="memory", update_token="old", writers=f"alice={hash_token('alice-t0ken')}")
    return create_app(settings, fresh).test_client()


def comment(text: str, graph: str | None = ALICE) -> bytes:
    """INSERT DATA of one rdfs:comment on the project, in `graph` (None: no GRAPH)."""
    triple = f'<{PROJECT}> <{COMMENT}> "{text}"'
    return (f"INSERT DATA {{ GRAPH <{graph}> {{ {triple} }} }}" if graph else f"INSERT DATA {{ {triple} }}").encode()


def update(client: FlaskClient, body: bytes, **headers: str) -> tuple[int, str, str | None]:
    """POST an update as alice: (status, body, changeset id)."""
    response = client.post("/sparql", data=body, content_type=UPDATE, headers={**AUTH, **headers})
    return response.status_code, response.get_data(as_text=True), response.headers.get("X-MGKG-Changeset")


def dump(store: EmbeddedStore) -> set[ox.Quad]:
    """Every quad of the store outside the history graph."""
    return {quad for quad in store.raw if quad.graph_name != ox.NamedNode(HISTORY)}


# --- where writes may go ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        (comment("x", DOCUMENT), f"graph <{DOCUMENT}> is read-only: writes may change only contribution graphs"),
        (comment("x", HISTORY), f"graph <{HISTORY}> is read-only"),
        (comment("x", "http://example.org/g"), "graph <http://example.org/g> is read-only"),
        (b"DROP ALL", "DROP ALL is refused: writes may change only contribution graphs"),
        (b"CLEAR DEFAULT", "CLEAR DEFAULT is refused"),
        (b"DROP SILENT NAMED", "DROP NAMED is refused"),
        (f"DROP GRAPH <{DOCUMENT}>".encode(), f"graph <{DOCUMENT}> is read-only"),
        (f"CREATE GRAPH <{BASE}graph/other>".encode(), f"graph <{BASE}graph/other> is read-only"),
        (f"MOVE <{DOCUMENT}> TO <{ALICE}>".encode(), f"graph <{DOCUMENT}> is read-only"),
    ],
)
def test_writes_outside_contribution_graphs_are_403_and_change_nothing(
    client: FlaskClient, fresh: EmbeddedStore, body: bytes, answer: str
) -> None:
    before = set(fresh.raw)
    status, text, changeset = update(client, body)
    assert status == 403 and text.startswith(answer) and text.count("\n") == 1
    assert changeset is None and set(fresh.raw) == before
    assert json.loads(client.get("/changes").data)["total"] == 0


def test_the_default_graph_of_a_write_is_the_writers_contribution_graph(
    client: FlaskClient, fresh: EmbeddedStore
) -> None:
    status, _, changeset = update(client, comment("no graph", None))
    assert status == 204 and changeset
    assert fresh.raw.query(f'ASK {{ GRAPH <{ALICE}> {{ <{PROJECT}> ?p "no graph" }} }}')
    assert not list(fresh.raw.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_a_write_is_a_changeset_with_writer_message_and_quads(client: FlaskClient, fresh: EmbeddedStore) -> None:
    status, _, id = update(client, comment("checked"), **{"X-MGKG-Message": "Checked the project page"})
    assert status == 204 and id
    one = client.get(f"/changes/{id}")
    assert one.status_code == 200 and one.headers["Content-Type"] == "application/json"
    record = json.loads(one.data)
    assert (record["writer"], record["message"], record["graphs"]) == ("alice", "Checked the project page", [ALICE])
    assert record["added"] == [f'<{PROJECT}> <{COMMENT}> "checked" <{ALICE}> .'] and record["removed"] == []
    assert fresh.raw.query(f"ASK {{ GRAPH <{HISTORY}> {{ <{record['iri']}> ?p ?o }} }}")


def test_the_old_update_token_writes_as_editor_with_the_default_message(client: FlaskClient) -> None:
    response = client.post("/sparql", data=comment("x", f"{BASE}graph/contributions/editor"), content_type=UPDATE,
                           headers={"Authorization": "Bearer old"})
    assert response.status_code == 204
    record = json.loads(client.get(f"/changes/{response.headers['X-MGKG-Changeset']}").data)
    assert (record["writer"], record["message"]) == ("editor", "SPARQL Update via HTTP")
    old = {"Authorization": "Bearer old"}
    alice_graph = client.post("/sparql", data=comment("y"), content_type=UPDATE, headers=old)
    assert alice_graph.status_code == 204  # any contribution graph, not only one's own


def test_the_message_parameter_and_its_errors(client: FlaskClient) -> None:
    response = client.post("/sparql?message=Via%20the%20URL%20%C3%A9", data=comment("a"), content_type=UPDATE,
                           headers=AUTH)
    assert json.loads(client.get(f"/changes/{response.headers['X-MGKG-Changeset']}").data)["message"] == (
        "Via the URL é"
    )
    for query, headers, answer in [
        ("?message=a%0Ab", {}, "the message must be one line"),
        ("?message=" + "x" * 501, {}, "at most 500"),
        ("?message=a", {"X-MGKG-Message": "b"}, "message given 2 times"),
    ]:
        refused = client.post("/sparql" + query, data=comment("b"), content_type=UPDATE, headers={**AUTH, **headers})
        assert refused.status_code == 400 and answer in refused.get_data(as_text=True)
    assert json.loads(client.get("/changes").data)["total"] == 1


@pytest.mark.parametrize("given", [{"X-MGKG-Message": ""}, {"X-MGKG-Message": "  "}])
def test_an_empty_message_is_no_message(client: FlaskClient, given: dict[str, str]) -> None:
    """An empty X-MGKG-Message header (a string the OpenAPI allows; schemathesis sent one): the default message."""
    status, _, changeset = update(client, comment("empty message"), **given)
    assert status == 204 and changeset is not None
    assert json.loads(client.get(f"/changes/{changeset}").data)["message"] == "SPARQL Update via HTTP"


def test_a_write_that_changes_nothing_records_nothing(client: FlaskClient) -> None:
    assert update(client, comment("same"))[0] == 204
    status, _, changeset = update(client, comment("same"))
    assert status == 204 and changeset is None
    assert json.loads(client.get("/changes").data)["total"] == 1


def test_graph_store_writes_are_changesets_too(client: FlaskClient, fresh: EmbeddedStore) -> None:
    target = {"graph": ALICE + "/notes"}
    put = client.put("/rdf-graphs", query_string=target, data=b"<urn:a> <urn:b> 1 .", content_type="text/turtle",
                     headers={**AUTH, "X-MGKG-Message": "notes"})
    assert put.status_code == 201 and put.headers["X-MGKG-Changeset"]
    delete = client.delete("/rdf-graphs", query_string=target, headers=AUTH)
    assert delete.status_code == 204
    listed = json.loads(client.get("/changes").data)["changes"]
    assert [(c["message"], c["additions"], c["removals"]) for c in listed] == [
        (f"Graph Store DELETE <{ALICE}/notes>", 0, 1), ("notes", 1, 0)
    ]
    assert not fresh.raw.contains_named_graph(ox.NamedNode(ALICE + "/notes"))


def test_a_chunked_write_body_is_411_and_changes_nothing(client: FlaskClient, fresh: EmbeddedStore) -> None:
    """The HTTP server marks a chunked body (server.http.CHUNKED): one cut short by a client that left cannot be told
    from a whole one, so a write must come with its Content-Length. Reads may still come chunked."""
    before = dump(fresh)
    chunked = {"environ_overrides": {CHUNKED: True}, "headers": AUTH}
    answers = [
        client.post("/sparql", data=comment("x"), content_type=UPDATE, **chunked),
        client.post("/sparql", data={"update": comment("x").decode()}, **chunked),
        client.put("/rdf-graphs", query_string={"graph": ALICE}, data=b"<urn:a> <urn:b> 1 .",
                   content_type="text/turtle", **chunked),
    ]
    for answer in answers:
        assert answer.status_code == 411
        assert answer.get_data(as_text=True).strip() == (
            "send a write's body with a Content-Length: a chunked body cut short by a dropped connection cannot be "
            "told from a whole one")
    assert dump(fresh) == before
    read = client.post("/sparql", data="ASK {}", content_type="application/sparql-query",
                       environ_overrides={CHUNKED: True})
    assert read.status_code == 200


# --- /changes --------------------------------------------------------------------------------------------------------


@pytest.fixture
def three(client: FlaskClient) -> list[str]:
    """Three changesets by alice, oldest first: comments a, b on the project, then one on another entity."""
    ids = [update(client, comment(text), **{"X-MGKG-Message": f"change {text}"})[2] for text in "ab"]
    other = f'INSERT DATA {{ GRAPH <{ALICE}> {{ <{BASE}id/x> <{COMMENT}> "c" }} }}'.encode()
    ids.append(update(client, other, **{"X-MGKG-Message": "change c"})[2])
    assert all(ids)
    return [str(id) for id in ids]


def test_changes_are_listed_newest_first_with_paging(client: FlaskClient, three: list[str]) -> None:
    page = json.loads(client.get("/changes?limit=2").data)
    assert [c["id"] for c in page["changes"]] == three[:0:-1] and page["total"] == 3
    assert page["next"] == "http://localhost/changes?limit=2&offset=2"
    rest = json.loads(client.get("/changes?limit=2&offset=2").data)
    assert [c["id"] for c in rest["changes"]] == three[:1] and rest["next"] is None
    entity = json.loads(client.get("/changes", query_string={"entity": f"{BASE}id/x"}).data)
    assert [c["message"] for c in entity["changes"]] == ["change c"]
    assert json.loads(client.get("/changes?since=2000-01-01").data)["total"] == 3
    assert json.loads(client.get("/changes?since=2999-01-01T00:00:00Z").data)["total"] == 0
    assert json.loads(client.get("/changes?since=2000-01-01t00:00:00z").data)["total"] == 3  # RFC 3339 allows t, z


@pytest.mark.parametrize(
    ("query", "answer"),
    [("limit=0", "limit must be between 1 and 1000"), ("offset=x", "offset must be an integer"),
     ("since=yesterday", "since must be a date"), ("entity=not-an-iri", "is not an absolute IRI"),
     ("offset=1000000001", "offset must be between 0 and 1000000000")],
)
def test_bad_changes_parameters_are_400(client: FlaskClient, query: str, answer: str) -> None:
    response = client.get(f"/changes?{query}")
    assert response.status_code == 400 and answer in response.get_data(as_text=True)


def test_changes_as_turtle_and_atom(client: FlaskClient, three: list[str]) -> None:
    turtle = client.get("/changes", headers={"Accept": "text/turtle"})
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.data, format="turtle")
    reasons = {str(o) for o in graph.objects(None, URIRef("http://purl.org/vocab/changeset/schema#changeReason"))}
    assert reasons == {"change a", "change b", "change c"}
    atom = client.get("/changes", headers={"Accept": "application/atom+xml"})
    assert atom.headers["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(atom.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == ["change c", "change b", "change a"]
    assert {e.findtext("a:author/a:name", namespaces=ns) for e in feed.findall("a:entry", ns)} == {"alice"}
    one = client.get(f"/changes/{three[0]}?format=turtle")
    assert one.status_code == 200 and b"change a" in one.data


def test_an_unknown_changeset_is_404(client: FlaskClient) -> None:
    response = client.get("/changes/20260101T000000000000Z-00000000")
    assert response.status_code == 404 and response.data.startswith(b"no changeset")
    assert client.post("/changes/20260101T000000000000Z-00000000/revert", headers=AUTH).status_code == 404


# --- revert ----------------------------------------------------------------------------------------------------------


def test_revert_undoes_a_changeset_with_a_new_one(client: FlaskClient, fresh: EmbeddedStore) -> None:
    before = dump(fresh)
    _, _, id = update(client, comment("to undo"))
    assert client.post(f"/changes/{id}/revert").status_code == 401
    response = client.post(f"/changes/{id}/revert", headers={**AUTH, "X-MGKG-Message": "oops"})
    assert response.status_code == 201
    undo = json.loads(response.data)
    assert (undo["reverts"], undo["message"], undo["removed"]) == (id, "oops", json.loads(
        client.get(f"/changes/{id}").data)["added"])
    assert response.headers["Location"] == f"http://localhost/changes/{undo['id']}"
    assert dump(fresh) == before
    assert [c["id"] for c in json.loads(client.get("/changes").data)["changes"]] == [undo["id"], id]
    again = client.post(f"/changes/{id}/revert", headers=AUTH)
    assert again.status_code == 409 and undo["id"] in again.get_data(as_text=True)


def test_revert_is_refused_while_a_later_change_depends_on_it(client: FlaskClient, fresh: EmbeddedStore) -> None:
    _, _, first = update(client, comment("kept"))
    delete = f'DELETE DATA {{ GRAPH <{ALICE}> {{ <{PROJECT}> <{COMMENT}> "kept" }} }}'.encode()
    _, _, later = update(client, delete)
    before = set(fresh.raw)
    response = client.post(f"/changes/{first}/revert", headers=AUTH)
    assert response.status_code == 409
    assert response.get_data(as_text=True) == (
        f"changeset {first} cannot be reverted: later changeset(s) {later} changed the same quads (revert those "
        "first)\n"
    )
    assert set(fresh.raw) == before


def test_a_journal_that_cannot_be_written_refuses_the_write_and_changes_nothing(
    client: FlaskClient, fresh: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Journal, changeset: object) -> None:
        raise JournalError("journal /x/changes.jsonl: cannot write: No space left on device")

    monkeypatch.setattr(Journal, "append", broken)
    before = set(fresh.raw)
    status, text, changeset = update(client, comment("lost?"))
    assert status == 502 and text == "journal /x/changes.jsonl: cannot write: No space left on device\n"
    assert changeset is None and set(fresh.raw) == before


def test_what_a_changeset_cannot_hold_is_400(client: FlaskClient, fresh: EmbeddedStore) -> None:
    before = set(fresh.raw)
    status, text, _ = update(client, f"DELETE DATA {{ GRAPH <{ALICE}> {{ _:b <urn:p> 1 }} }}".encode())
    assert status == 400 and text.startswith("the update was not applied: DELETE DATA cannot hold blank nodes")
    assert set(fresh.raw) == before


def test_open_writes_write_any_graph_as_sparql_update_has_it(fresh: EmbeddedStore) -> None:
    """`open_writes` (the W3C suites, a private sandbox): no policy, the default graph is the store's own — each
    write still a changeset."""
    settings = Settings(store="memory", update_token="t", open_writes=True, union_default_graph=False)
    client = create_app(settings, fresh).test_client()
    headers = {"Authorization": "Bearer t"}
    for body in (comment("in a document", DOCUMENT), comment("in the default graph", None)):
        response = client.post("/sparql", data=body, content_type=UPDATE, headers=headers)
        assert response.status_code == 204 and response.headers["X-MGKG-Changeset"]
    assert fresh.raw.query(f'ASK {{ GRAPH <{DOCUMENT}> {{ ?s ?p "in a document" }} }}')
    assert list(fresh.raw.quads_for_pattern(None, None, ox.Literal("in the default graph"), ox.DefaultGraph()))

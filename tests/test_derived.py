"""The derived graph (graph/shacl/derived.py): the stored mgkg:statedIn triples, kept in step with the others.

The build adds it, `mgkg load` recomputes it, and every server write recomputes it for what the write touched,
in the same transaction: a new entity in a source graph is stated in it, an entity that leaves is not, and a
write that puts into it what the other graphs do not give is refused.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef
from test_shacl_parity import keys

from graph.cli.commands import cli
from graph.core.config import Settings
from graph.shacl.derived import STATED_IN, append, derive_all, derive_in, derived_graph, stated_in
from graph.shacl.validate import load_shapes, validate_store
from graph.store import EmbeddedStore
from server.app import create_app

TOKEN = "derived-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = "application/sparql-update"
DERIVED = derived_graph()
SOURCE = "https://w3id.org/mgkg/graph/001_92490fab1da5f5ad"
NEW = "https://w3id.org/mgkg/id/organization/new-partner"
ORG = f'<{NEW}> a <https://w3id.org/mgkg/ontology#Organization> ; <http://www.w3.org/2000/01/rdf-schema#label> "P"@en'


def derived_quads(store: EmbeddedStore) -> set[ox.Quad]:
    """The quads of the store's derived graph."""
    return set(store.raw.quads_for_pattern(None, None, None, ox.NamedNode(str(DERIVED))))


def without_derived(built: Dataset) -> Dataset:
    """A copy of the dataset without its derived graph."""
    copy = Dataset()
    for s, p, o, g in built.quads((None, None, None, None)):
        if g != DERIVED:
            copy.add((s, p, o, g))
    return copy


@pytest.fixture
def client(fresh: EmbeddedStore) -> FlaskClient:
    """A client of an app with open writes (no graph policy: document graphs writable, as in a private sandbox)
    on a fresh copy of the built store — the derived graph must follow writes to any graph."""
    return create_app(Settings(store="memory", update_token=TOKEN, open_writes=True), fresh).test_client()


def test_the_write_policy_keeps_writers_out_of_the_derived_graph(fresh: EmbeddedStore) -> None:
    guarded = create_app(Settings(store="memory", update_token=TOKEN), fresh).test_client()
    fact = f"<{NEW}> <{STATED_IN}> <{SOURCE}>"
    response = guarded.post("/sparql", data=f"INSERT DATA {{ GRAPH <{DERIVED}> {{ {fact} }} }}".encode(),
                            content_type=UPDATE, headers=AUTH)
    assert response.status_code == 403 and str(DERIVED) in response.get_data(as_text=True)
    assert write(guarded, f"DROP GRAPH <{DERIVED}>") == 403


def write(client: FlaskClient, text: str) -> int:
    """POST the update; its status."""
    return client.post("/sparql", data=text.encode(), content_type=UPDATE, headers=AUTH).status_code


def test_the_build_stores_what_the_source_graphs_give(built: Dataset) -> None:
    graph = built.graph(DERIVED)
    assert set(graph.predicates()) == {STATED_IN}
    assert set(graph) == set(stated_in(without_derived(built)))
    sources = {g.identifier for g in built.graphs() if str(g.identifier).rsplit("/", 1)[-1][:3].isdigit()}
    assert set(graph.objects()) == sources  # every document graph, and only they


def test_the_store_derives_as_the_build_does(built: Dataset) -> None:
    store = ox.Store()
    store.load(without_derived(built).serialize(format="nquads").encode(), format=ox.RdfFormat.N_QUADS)
    store.update(derive_all())
    store.update(derive_all())  # again: the same
    d = ox.NamedNode(str(DERIVED))
    found = {(q.subject.value, q.object.value) for q in store.quads_for_pattern(None, None, None, d)}
    assert found == {(str(s), str(o)) for s, _, o in built.graph(DERIVED)}


def test_the_embedded_store_derives_as_the_update_does(built: Dataset) -> None:
    """derive_in (the bulk path `mgkg load` takes on Oxigraph) and derive_all's update agree, stale triples
    dropped, blank subjects and graphs not typed mgkg:SourceGraph left out."""
    text = without_derived(built).serialize(format="nquads")
    extra = (f"<{DERIVED}> <{STATED_IN}> <{DERIVED}> <{DERIVED}> .\n"  # stale: dropped
             "_:b <http://example.org/p> \"x\" <http://example.org/untyped> .\n"
             "<http://example.org/s> <http://example.org/p> \"x\" <http://example.org/untyped> .\n")
    stores = [ox.Store(), ox.Store()]
    for store in stores:
        store.load((text + extra).encode(), format=ox.RdfFormat.N_QUADS)
    stores[0].update(derive_all())
    derive_in(stores[1])
    d = ox.NamedNode(str(DERIVED))
    found = [set(store.quads_for_pattern(None, None, None, d)) for store in stores]
    assert found[0] == found[1] and len(found[1]) == len(built.graph(DERIVED)) > 0
    assert {q.subject.value for q in found[1]} == {str(s) for s, _, _ in built.graph(DERIVED)}


def test_mgkg_load_recomputes_the_derived_graph(built: Dataset, tmp_path: Path) -> None:
    data = tmp_path / "no-derived.nq"
    without_derived(built).serialize(data, format="nquads")
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "load", str(data)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    store = EmbeddedStore(tmp_path / "store")
    try:
        assert len(derived_quads(store)) == len(built.graph(DERIVED)) > 0
    finally:
        store.close()


INSERT = "INSERT DATA { <a:b> <a:c> 1 }"
CLEAR = "CLEAR SILENT GRAPH <a:d>"


@pytest.mark.parametrize(
    ("update", "more", "expected"),
    [
        (INSERT, CLEAR, f"{INSERT}\n;\n{CLEAR}"),
        (f"{INSERT} ;", CLEAR, f"{INSERT} ;\n\n{CLEAR}"),
        (f"{INSERT} # ;", CLEAR, f"{INSERT} # ;\n;\n{CLEAR}"),
        (INSERT, "", INSERT),
    ],
)
def test_append_makes_one_request(update: str, more: str, expected: str) -> None:
    assert append(update, more) == expected
    ox.Store().update(expected)  # a well-formed update


def test_a_new_entity_is_stated_in_its_graph_and_no_longer_once_it_leaves(
    client: FlaskClient, fresh: EmbeddedStore
) -> None:
    quad = ox.Quad(ox.NamedNode(NEW), ox.NamedNode(str(STATED_IN)), ox.NamedNode(SOURCE), ox.NamedNode(str(DERIVED)))
    assert write(client, f"INSERT DATA {{ GRAPH <{SOURCE}> {{ {ORG} }} }}") == 204
    assert quad in derived_quads(fresh)
    # what pySHACL finds on the store's export after the write is what mgkg finds
    data = Dataset()
    data.parse(data=fresh.raw.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    _, report, _ = pyshacl.validate(data, shacl_graph=load_shapes())
    assert isinstance(report, Graph)
    assert keys(report) == keys(validate_store(fresh.raw).graph)
    assert write(client, f"DELETE DATA {{ GRAPH <{SOURCE}> {{ {ORG} }} }}") == 204
    assert quad not in derived_quads(fresh)


def test_a_write_in_the_same_transaction_as_its_refresh_may_end_with_a_semicolon(
    client: FlaskClient, fresh: EmbeddedStore
) -> None:
    assert write(client, f"INSERT DATA {{ GRAPH <{SOURCE}> {{ {ORG} }} }} ;") == 204
    assert any(q.subject == ox.NamedNode(NEW) for q in derived_quads(fresh))


def test_a_project_outside_the_source_graphs_is_refused_with_its_missing_source(
    client: FlaskClient, fresh: EmbeddedStore
) -> None:
    before = len(fresh)
    project = "<https://w3id.org/mgkg/id/project/unsourced> a <https://w3id.org/mgkg/ontology#Project> ; " \
        '<http://www.w3.org/2000/01/rdf-schema#label> "Unsourced"@en'
    response = client.post(
        "/sparql", data=f"INSERT DATA {{ GRAPH <http://example.org/notes> {{ {project} }} }}".encode(),
        content_type=UPDATE, headers={**AUTH, "Accept": "application/json"},
    )
    assert response.status_code == 422
    assert "StatedInSource" in response.data.decode()
    assert len(fresh) == before


@pytest.mark.parametrize("fact", [f"<{NEW}> <{STATED_IN}> <{SOURCE}>", f"<{NEW}> <http://example.org/p> 1"])
def test_writing_into_the_derived_graph_is_refused(client: FlaskClient, fresh: EmbeddedStore, fact: str) -> None:
    before = derived_quads(fresh)
    response = client.post(
        "/sparql", data=f"INSERT DATA {{ GRAPH <{DERIVED}> {{ {fact} }} }}".encode(), content_type=UPDATE, headers=AUTH
    )
    assert response.status_code == 400
    assert str(DERIVED) in response.data.decode() and "cannot be written" in response.data.decode()
    assert derived_quads(fresh) == before


def test_dropping_the_derived_graph_derives_it_again(client: FlaskClient, fresh: EmbeddedStore) -> None:
    before = derived_quads(fresh)
    assert write(client, f"DROP GRAPH <{DERIVED}>") == 204
    assert derived_quads(fresh) == before


def test_the_graph_store_protocol_keeps_it_too(client: FlaskClient, fresh: EmbeddedStore) -> None:
    body = f"{ORG} ."
    response = client.post(
        "/rdf-graphs", query_string={"graph": SOURCE}, data=body.encode(), content_type="text/turtle", headers=AUTH
    )
    assert response.status_code in (200, 201, 204), response.data
    assert any(q.subject == ox.NamedNode(NEW) for q in derived_quads(fresh))
    refused = client.put(
        "/rdf-graphs", query_string={"graph": str(DERIVED)}, data=body.encode(), content_type="text/turtle",
        headers=AUTH,
    )
    assert refused.status_code == 400
    assert URIRef(NEW) not in {URIRef(q.subject.value) for q in derived_quads(fresh) if q.object.value != SOURCE}

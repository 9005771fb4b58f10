"""JSON-LD with mgkg's @context: compact keys and IRIs, expands (pyld) to the same dataset; the context is committed,
shipped in the package and served at /context.jsonld."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest
from flask.testing import FlaskClient
from pyld import jsonld
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from support.clients import client_for

from graph.core.namespaces import graph_iri
from graph.export import export
from graph.exports.context import CONTEXT_FILE, context, context_bytes, render
from graph.store import EmbeddedStore

BASE = "https://example.org/kg/"


def named(dataset: Dataset) -> dict[str, Graph]:
    """Non-empty named graphs by IRI."""
    return {str(g.identifier): g for g in dataset.graphs() if isinstance(g.identifier, URIRef) and len(g)}


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app (read-only use of the session store)."""
    return client_for(store)


def test_the_committed_context_is_the_one_mgkg_writes() -> None:
    assert CONTEXT_FILE.read_bytes() == render(), "run: python -c 'from graph.exports.context import *; " \
        "CONTEXT_FILE.write_bytes(render())'"
    assert json.loads(context_bytes())["@context"]["orgs"] == "https://w3id.org/mgkg/id/organization/"
    assert json.loads(context_bytes(BASE))["@context"]["orgs"] == BASE + "id/organization/"


def test_the_jsonld_export_carries_the_context_and_short_keys(built: Dataset) -> None:
    document = json.loads(export(built, "jsonld"))
    assert document["@context"] == context()
    first = document["@graph"][0]
    assert first["@id"] == "mgg:000_b68a0693b93220c3"
    node = first["@graph"][0]
    assert node["@id"].startswith("orgs:") and node["@type"].startswith("mgkg:") and "rdfs:label" in node
    assert "http://www.w3.org/2000/01/rdf-schema#label" not in export(built, "jsonld").decode()


@pytest.mark.parametrize("base", [None, BASE])
def test_pyld_expands_the_export_to_the_same_dataset(built: Dataset, base: str | None) -> None:
    kwargs = {} if base is None else {"base": base}
    data = json.loads(export(built, "jsonld", **kwargs))  # type: ignore[arg-type]
    nquads = jsonld.to_rdf(data, {"format": "application/n-quads"})
    back = Dataset().parse(data=nquads, format="nquads")
    original = named(built)
    assert sorted(named(back)) == sorted(original)
    for name, graph in original.items():
        assert isomorphic(graph, named(back)[name]), name


def test_the_server_serves_the_context(client: FlaskClient) -> None:
    response = client.get("/context.jsonld")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    assert response.data == CONTEXT_FILE.read_bytes()
    assert response.headers["ETag"] == f'"{hashlib.sha256(response.data).hexdigest()}"'
    assert client.get("/context.jsonld", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_the_turtle_dump_is_the_readable_data_only_export(client: FlaskClient) -> None:
    text = gzip.decompress(client.get("/dumps/mgkg.ttl.gz").data).decode()
    assert text.startswith("@prefix mgkg: <https://w3id.org/mgkg/ontology#> .\n")
    assert "# ---" in text and "owl:Class" not in text and "_:" not in text
    trig = gzip.decompress(client.get("/dumps/mgkg.trig.gz").data).decode()
    assert "mgg:ontology {" in trig and str(graph_iri("ontology")) not in trig.split("\n\n", 1)[1]

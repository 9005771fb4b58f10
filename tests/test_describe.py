"""Service description, VoID at /.well-known/void and the dumps under /dumps/."""

from __future__ import annotations

import gzip
import hashlib
import json

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, XSD
from rdflib.term import Node
from support.clients import client_for

from graph.core import formats as registry
from graph.core.namespaces import MGKG
from graph.export import export
from graph.stats import compute_stats
from graph.store import EmbeddedStore
from server.views.describe import service_description

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
DATASET = URIRef("http://localhost/.well-known/void#mgkg")
RDFLIB_NAMES = {"jsonld": "json-ld"}


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app (read-only use of the session store)."""
    return client_for(store)


def parse(data: bytes, fmt: str = "turtle") -> Graph:
    """An RDF answer, parsed (quads merged into one graph)."""
    dataset = Dataset().parse(data=data, format=RDFLIB_NAMES.get(fmt, fmt))
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def number(graph: Graph, subject: Node | None, predicate: URIRef) -> int:
    """The integer value of `predicate` on `subject`."""
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), f"no {predicate} on {subject}"
    return int(value)


# --- service description ----------------------------------------------------------------------------------


def service_graph(client: FlaskClient, url: str = "/sparql") -> Graph:
    """The service description at `url`, as Turtle, parsed."""
    response = client.get(url, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    return parse(response.data)


def test_service_description_describes_the_endpoint_and_its_dataset(client: FlaskClient, store: EmbeddedStore) -> None:
    graph = service_graph(client)
    service = graph.value(None, RDF.type, SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == URIRef("http://localhost/sparql")
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = {str(f).rsplit("/", 1)[1] for f in graph.objects(service, SD.resultFormat)}
    assert len(formats) == len(registry.RESULTS) + len(registry.RDF)
    assert {"SPARQL_Results_JSON", "SPARQL_Results_CSV", "Turtle", "N-Quads", "JSON-LD"} <= formats
    stats = compute_stats(store)
    dataset = graph.value(service, SD.defaultDataset)
    assert number(graph, graph.value(dataset, SD.defaultGraph), VOID.triples) == stats.triples
    named = {
        str(graph.value(n, SD.name)): number(graph, graph.value(n, SD.graph), VOID.triples)
        for n in graph.objects(dataset, SD.namedGraph)
    }
    assert named == stats.graphs
    assert set(named) == {str(g) for g in store.graphs()}


def test_service_description_at_its_own_url_names_the_sparql_endpoint(client: FlaskClient) -> None:
    graph = service_graph(client, "/service-description")
    assert set(graph.objects(None, SD.endpoint)) == {URIRef("http://localhost/sparql")}


def test_updates_are_announced_only_when_enabled(store: EmbeddedStore) -> None:
    graph = service_graph(client_for(store, update_token="secret"))
    assert set(graph.objects(None, SD.supportedLanguage)) == {SD.SPARQL11Query, SD.SPARQL11Update}


def test_without_the_union_the_default_graph_is_the_stores_own(store: EmbeddedStore) -> None:
    graph = service_graph(client_for(store, union_default_graph=False))
    assert (None, SD.feature, SD.UnionDefaultGraph) not in graph
    dataset = graph.value(None, RDF.type, SD.Dataset)
    assert number(graph, graph.value(dataset, SD.defaultGraph), VOID.triples) == 0


@pytest.mark.parametrize("fmt", registry.RDF, ids=lambda f: f.name)
def test_service_description_in_every_rdf_format(client: FlaskClient, fmt: registry.Format) -> None:
    for response in (
        client.get("/service-description", headers={"Accept": fmt.media_type}),
        client.get(f"/sparql?format={fmt.name}"),
    ):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == fmt.content_type
        assert (None, RDF.type, SD.Service) in parse(response.data, fmt.name)


def test_service_description_function_gives_body_and_content_type(client: FlaskClient) -> None:
    with client.application.test_request_context("/sparql"):
        body, content_type = service_description("nt")
    assert content_type == "application/n-triples; charset=utf-8"
    assert (None, RDF.type, SD.Service) in parse(body, "nt")


def test_service_description_refuses_unacceptable_formats(client: FlaskClient) -> None:
    assert client.get("/service-description", headers={"Accept": "image/png"}).status_code == 406
    response = client.get("/service-description?format=pdf")
    assert response.status_code == 406
    assert "turtle" in response.data.decode()


# --- VoID -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def void(client: FlaskClient) -> Graph:
    """The VoID description, Turtle by default."""
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    return parse(response.data)


def test_void_counts(void: Graph, store: EmbeddedStore) -> None:
    stats = compute_stats(store)
    assert (DATASET, RDF.type, VOID.Dataset) in void
    assert number(void, DATASET, VOID.triples) == stats.triples
    assert number(void, DATASET, VOID.properties) == stats.properties
    assert number(void, DATASET, VOID.distinctSubjects) == stats.subjects
    objects = store.raw.query("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert isinstance(objects, ox.QuerySolutions)
    assert number(void, DATASET, VOID.distinctObjects) == int(next(objects)[0].value)
    partitions = list(void.objects(DATASET, VOID.classPartition))
    assert number(void, DATASET, VOID.classes) == len(partitions)


def test_void_entities_are_the_iri_subjects_of_the_data_graphs(void: Graph, built: Dataset) -> None:
    ontology = URIRef("https://w3id.org/mgkg/graph/ontology")
    expected = {s for s, _, _, g in built.quads((None, None, None, None)) if isinstance(s, URIRef) and g != ontology}
    assert number(void, DATASET, VOID.entities) == len(expected)


def test_void_class_partition(void: Graph, store: EmbeddedStore) -> None:
    partitions = {
        void.value(p, VOID["class"]): number(void, p, VOID.entities) for p in void.objects(DATASET, VOID.classPartition)
    }
    for cls, entities in compute_stats(store).classes.items():
        assert partitions[URIRef(cls)] == entities
    assert partitions[MGKG.Project] == 14


def test_void_links_endpoint_dumps_and_vocabularies(void: Graph) -> None:
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef("http://localhost/sparql")
    dumps = {str(d) for d in void.objects(DATASET, VOID.dataDump)}
    assert dumps == {f"http://localhost/dumps/mgkg.{ext}.gz" for ext in ("ttl", "trig", "nt")}
    vocabularies = {str(v) for v in void.objects(DATASET, VOID.vocabulary)}
    assert {str(MGKG), "https://schema.org/", "http://www.w3.org/ns/org#", "http://www.w3.org/ns/prov#"} <= vocabularies
    assert "https://w3id.org/mgkg/vocab/theme/" in vocabularies


def test_void_subsets_per_named_graph_with_their_source_document(void: Graph, store: EmbeddedStore) -> None:
    stats = compute_stats(store)
    subsets = set(void.objects(DATASET, VOID.subset)) - set(void.subjects(RDF.type, VOID.Linkset))
    assert subsets == set(store.graphs())
    for subset in subsets:
        assert (subset, RDF.type, VOID.Dataset) in void
        assert number(void, subset, VOID.triples) == stats.graphs[str(subset)]
    graph = URIRef("https://w3id.org/mgkg/graph/003_cfcd86acf525643f")
    document = URIRef("https://w3id.org/mgkg/id/document/003_cfcd86acf525643f")
    assert void.value(graph, DCTERMS.source) == document
    assert void.value(graph, PROV.wasDerivedFrom) == document
    assert void.value(URIRef("https://w3id.org/mgkg/graph/curation"), DCTERMS.source) is None


@pytest.mark.parametrize("fmt", registry.RDF, ids=lambda f: f.name)
def test_void_in_every_rdf_format(client: FlaskClient, fmt: registry.Format) -> None:
    response = client.get("/.well-known/void", headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type
    assert "Accept" in response.headers["Vary"]
    graph = parse(response.data, fmt.name)
    assert graph.value(DATASET, VOID.triples, any=False).datatype == XSD.integer  # type: ignore[union-attr]


def test_void_refuses_unacceptable_formats(client: FlaskClient) -> None:
    assert client.get("/.well-known/void", headers={"Accept": "text/csv"}).status_code == 406


@pytest.mark.parametrize("url", ["/.well-known/void", "/service-description", "/sparql"])
def test_descriptions_counting_longer_than_the_query_timeout_answer_503(store: EmbeddedStore, url: str) -> None:
    """The counts run under the executor's time limit: a store too big to count in time answers 503, one line."""
    response = client_for(store, query_timeout=1e-9).get(url)
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.data == b"describing the dataset timed out after 1e-09 s\n"


def test_descriptions_follow_changes_of_the_store(fresh: EmbeddedStore) -> None:
    client = client_for(fresh)
    before = number(parse(client.get("/.well-known/void").data), DATASET, VOID.triples)
    etag = client.get("/dumps/mgkg.nt.gz").headers["ETag"]
    graph = ox.NamedNode("https://w3id.org/mgkg/graph/curation")
    fresh.raw.add(ox.Quad(ox.NamedNode("urn:test:new"), ox.NamedNode("urn:test:p"), ox.Literal("x"), graph))
    assert number(parse(client.get("/.well-known/void").data), DATASET, VOID.triples) == before + 1
    assert client.get("/dumps/mgkg.nt.gz").headers["ETag"] != etag



def test_descriptions_follow_writes_that_keep_the_quad_count(fresh: EmbeddedStore) -> None:
    """A write through the app that replaces one triple by another invalidates VoID and the dumps."""
    client = client_for(fresh, update_token="t")
    auth = {"Authorization": "Bearer t"}
    graph = "/rdf-graphs?graph=https://w3id.org/mgkg/graph/contributions/editor/g"
    put = client.put(graph, data=b"<urn:test:a> <urn:test:p> <urn:test:b> .", content_type="text/turtle", headers=auth)
    assert put.status_code == 201
    classes = number(parse(client.get("/.well-known/void").data), DATASET, VOID.classes)
    etag = client.get("/dumps/mgkg.nt.gz").headers["ETag"]
    size = data_size(fresh)
    put = client.put(graph, data=b"<urn:test:a> a <urn:test:Thing> .", content_type="text/turtle", headers=auth)
    assert put.status_code == 204 and data_size(fresh) == size
    assert number(parse(client.get("/.well-known/void").data), DATASET, VOID.classes) == classes + 1
    dump = client.get("/dumps/mgkg.nt.gz")
    assert dump.headers["ETag"] != etag
    assert b"<urn:test:Thing>" in gzip.decompress(dump.data)


def data_size(store: EmbeddedStore) -> int:
    """The quads of the store outside the history graph (every write adds its changeset's history quads)."""
    return sum(1 for quad in store.raw if quad.graph_name != ox.NamedNode("https://w3id.org/mgkg/graph/changes"))


def test_dumps_follow_a_sparql_update_that_keeps_the_quad_count(fresh: EmbeddedStore) -> None:
    client = client_for(fresh, update_token="t")
    headers = {"Authorization": "Bearer t"}
    contribution = "https://w3id.org/mgkg/graph/contributions/editor"
    first = f'INSERT DATA {{ GRAPH <{contribution}> {{ <urn:test:a> <urn:test:p> "Named"@en }} }}'
    inserted = client.post("/sparql", data=first, content_type="application/sparql-update", headers=headers)
    assert inserted.status_code == 204
    before = gzip.decompress(client.get("/dumps/mgkg.nt.gz").data)
    size = data_size(fresh)
    update = (
        f"DELETE {{ GRAPH <{contribution}> {{ ?s <urn:test:p> ?old }} }}"
        f' INSERT {{ GRAPH <{contribution}> {{ ?s <urn:test:p> "Renamed"@en }} }}\n'
        f"WHERE {{ GRAPH <{contribution}> {{ ?s <urn:test:p> ?old }} }}"
    )
    response = client.post("/sparql", data=update.encode(), content_type="application/sparql-update", headers=headers)
    assert response.status_code == 204 and data_size(fresh) == size
    after = gzip.decompress(client.get("/dumps/mgkg.nt.gz").data)
    assert after != before and b'"Renamed"@en' in after
    assert after == export(fresh.dataset(), "nt")


# --- dumps ----------------------------------------------------------------------------------------------


def test_dump_index_as_json(client: FlaskClient) -> None:
    response = client.get("/dumps/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    entries = json.loads(response.data)["dumps"]
    assert [e["name"] for e in entries] == ["mgkg.ttl.gz", "mgkg.trig.gz", "mgkg.nt.gz"]
    for entry in entries:
        data = client.get(entry["url"].removeprefix("http://localhost")).data
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["encoding"] == "gzip"
    assert client.get("/dumps/").headers["Content-Type"] == "application/json"  # the default


def test_dump_index_as_html(client: FlaskClient) -> None:
    response = client.get("/dumps/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.data.decode()
    assert '<a href="http://localhost/dumps/mgkg.trig.gz">mgkg.trig.gz</a>' in page
    assert client.get("/dumps/?format=html").headers["Content-Type"].startswith("text/html")


def test_dump_index_refuses_unacceptable_formats(client: FlaskClient) -> None:
    assert client.get("/dumps/", headers={"Accept": "text/csv"}).status_code == 406


@pytest.mark.parametrize(("name", "fmt"), [("mgkg.ttl.gz", "turtle"), ("mgkg.trig.gz", "trig"), ("mgkg.nt.gz", "nt")])
def test_dumps_are_the_deterministic_export(client: FlaskClient, store: EmbeddedStore, name: str, fmt: str) -> None:
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/gzip"
    assert name in response.headers["Content-Disposition"]
    assert gzip.decompress(response.data) == export(store.dataset(), fmt)
    assert response.data == client.get(f"/dumps/{name}").data
    assert response.headers["ETag"] == f'"{hashlib.sha256(response.data).hexdigest()}"'


def test_trig_dump_keeps_every_named_graph(client: FlaskClient, store: EmbeddedStore) -> None:
    dataset = Dataset().parse(data=gzip.decompress(client.get("/dumps/mgkg.trig.gz").data), format="trig")
    named = {g.identifier for g in dataset.graphs() if len(g)}
    assert named == set(store.graphs())


def test_dump_revalidation_with_the_etag(client: FlaskClient) -> None:
    etag = client.get("/dumps/mgkg.ttl.gz").headers["ETag"]
    again = client.get("/dumps/mgkg.ttl.gz", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert client.get("/dumps/mgkg.ttl.gz", headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.head("/dumps/mgkg.ttl.gz").headers["ETag"] == etag


@pytest.mark.parametrize("name", ["mgkg.rdf.gz", "..pyproject.toml", "mgkg.ttl"])
def test_unknown_dump_is_404(client: FlaskClient, name: str) -> None:
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 404
    assert "mgkg.ttl.gz" in response.data.decode()
    assert response.data.decode().count("\n") == 1


def test_void_has_one_linkset_per_target_and_predicate_with_counts(void: Graph, built: Dataset) -> None:
    found = {}
    for linkset in void.subjects(RDF.type, VOID.Linkset):
        assert (DATASET, VOID.subset, linkset) in void
        assert void.value(linkset, VOID.subjectsTarget) == DATASET
        target = void.value(linkset, VOID.objectsTarget)
        space = str(void.value(target, VOID.uriSpace))
        predicate = void.value(linkset, VOID.linkPredicate)
        # graph/links and the links an enrichment graph derives (graph/enrichment/geonames)
        expected = {(s, o) for s, _, o, _ in built.quads((None, predicate, None, None)) if str(o).startswith(space)}
        assert number(void, linkset, VOID.triples) == len(expected) > 0
        found[space] = predicate
    assert found["http://www.wikidata.org/entity/"] == URIRef("http://www.w3.org/2002/07/owl#sameAs")
    assert found["http://publications.europa.eu/resource/authority/country/"] == URIRef(
        "http://www.w3.org/2004/02/skos/core#exactMatch"
    )

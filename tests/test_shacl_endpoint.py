"""POST /shacl: posted data against mgkg's shapes, stored graphs against posted shapes, formats and errors."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH
from support.clients import client_for
from werkzeug.test import TestResponse

from graph.core import formats
from graph.export import export
from graph.store import EmbeddedStore

BAD_PROJECTS = """\
@prefix mgkg: <https://w3id.org/mgkg/ontology#> .
@prefix prj: <https://w3id.org/mgkg/id/project/> .
prj:bad-one a mgkg:Project ; mgkg:projectsId "not an id" .
prj:bad-two a mgkg:Project ; mgkg:projectsId "also wrong" .
"""
ONE = URIRef("https://w3id.org/mgkg/id/project/bad-one")
TWO = URIRef("https://w3id.org/mgkg/id/project/bad-two")
PROVENANCE = "https://w3id.org/mgkg/graph/provenance"
DOCUMENT_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mgkg: <https://w3id.org/mgkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<urn:test:Documents> a sh:NodeShape ; sh:targetClass mgkg:SourceDocument ;
    sh:property [ sh:path dcterms:title ; sh:minCount 1 ] .
"""
IMPOSSIBLE_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mgkg: <https://w3id.org/mgkg/ontology#> .
<urn:test:Documents> a sh:NodeShape ; sh:targetClass mgkg:SourceDocument ;
    sh:property [ sh:path <urn:test:absent> ; sh:minCount 1 ; sh:message "needs urn:test:absent" ] .
"""


def sparql_shapes(select: str) -> str:
    """Shapes with one SPARQL-based constraint on every source document."""
    return f"""\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mgkg: <https://w3id.org/mgkg/ontology#> .
<urn:test:Sparql> a sh:NodeShape ; sh:targetClass mgkg:SourceDocument ;
    sh:sparql [ sh:select \"\"\"{select}\"\"\" ] .
"""


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app (read-only use of the session store)."""
    return client_for(store)


def post(
    client: FlaskClient, body: str | bytes, content_type: str = "text/turtle", query: str = "", **headers: str
) -> TestResponse:
    """POST /shacl?query with a body."""
    url = "/shacl" + (f"?{query}" if query else "")
    return client.post(url, data=body, content_type=content_type, headers=headers)


def report_graph(data: bytes, fmt: str = "turtle") -> Graph:
    """The validation report answered, parsed."""
    return Graph().parse(data=data, format=fmt)


def focus_nodes(graph: Graph) -> set[object]:
    """The focus nodes of every result of a report graph."""
    return set(graph.objects(None, SH.focusNode))


# --- posted data against mgkg's shapes --------------------------------------------------------------------


def test_posted_graph_that_breaks_the_shapes_gets_a_report_and_200(client: FlaskClient) -> None:
    response = post(client, BAD_PROJECTS)
    assert response.status_code == 200
    assert response.headers["X-SHACL-Conforms"] == "false"
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert "X-SHACL-Conforms" in response.headers["Access-Control-Expose-Headers"]
    graph = report_graph(response.data)
    assert (None, SH.conforms, Literal(False)) in graph
    assert focus_nodes(graph) >= {ONE, TWO}
    messages = " ".join(str(m) for m in graph.objects(None, SH.resultMessage))
    assert "IOM Projects ID must look like TC.0287" in messages


def test_posted_dataset_in_trig_without_violations_reports_its_warnings(client: FlaskClient, built: Dataset) -> None:
    response = post(client, export(built, "trig"), "application/trig")
    assert response.status_code == 200
    graph = report_graph(response.data)
    # sh:conforms is SHACL's: false with any result, and the built graph has warnings and infos (no violation)
    assert response.headers["X-SHACL-Conforms"] == "false"
    assert (None, SH.conforms, Literal(False)) in graph
    severities = set(graph.objects(None, SH.resultSeverity))
    assert SH.Warning in severities and SH.Violation not in severities


def test_posted_dataset_in_nquads_is_validated_as_a_dataset(client: FlaskClient, built: Dataset) -> None:
    # as one graph the entities would lack their source graph; as a dataset mgkg:statedIn is derived
    without_derived = Dataset()
    for s, p, o, g in built.quads((None, None, None, None)):
        if not str(g).endswith("/graph/derived"):
            without_derived.add((s, p, o, g))
    body = json.loads(post(client, export(without_derived, "nquads"), "application/n-quads", query="format=json").data)
    assert body["no_violations"] is True and body["results"]


def test_a_single_graph_has_no_provenance_so_its_entities_are_reported(client: FlaskClient) -> None:
    body = json.loads(post(client, BAD_PROJECTS, query="format=json").data)
    assert any(r["path"] == "mgkg:statedIn" for r in body["results"])


@pytest.mark.parametrize(
    ("content_type", "fmt"),
    [("application/n-triples", "nt"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")],
)
def test_every_graph_body_format_is_read(client: FlaskClient, content_type: str, fmt: str) -> None:
    body = Graph().parse(data=BAD_PROJECTS, format="turtle").serialize(format=fmt)
    response = post(client, body, content_type)
    assert response.status_code == 200
    assert focus_nodes(report_graph(response.data)) >= {ONE, TWO}


@pytest.mark.parametrize("fmt", formats.RDF, ids=lambda f: f.name)
def test_the_report_comes_in_every_rdf_format(client: FlaskClient, fmt: formats.Format) -> None:
    response = post(client, BAD_PROJECTS, Accept=fmt.media_type)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == fmt.media_type
    parsed = Dataset().parse(data=response.data, format={"jsonld": "json-ld"}.get(fmt.name, fmt.name))
    assert (None, RDF.type, SH.ValidationReport, None) in parsed


def test_the_report_as_json_and_as_text(client: FlaskClient) -> None:
    as_json = post(client, BAD_PROJECTS, Accept="application/json")
    assert as_json.headers["Content-Type"] == "application/json"
    body = json.loads(as_json.data)
    assert body["conforms"] is False
    assert {r["focus_node"] for r in body["results"]} >= {str(ONE), str(TWO)}
    as_text = post(client, BAD_PROJECTS, Accept="text/plain")
    assert as_text.headers["Content-Type"].startswith("text/plain")
    assert as_text.data.decode().startswith("conforms: false (")
    assert post(client, BAD_PROJECTS, query="format=text").data.decode().startswith("conforms: false (")
    assert json.loads(post(client, BAD_PROJECTS, query="format=json").data)["conforms"] is False


# --- a stored graph against posted shapes -----------------------------------------------------------------


def test_stored_graph_against_posted_shapes_that_hold(client: FlaskClient) -> None:
    response = post(client, DOCUMENT_SHAPES, query=f"graph={PROVENANCE}")
    assert response.status_code == 200
    assert response.headers["X-SHACL-Conforms"] == "true"


def test_stored_graph_against_posted_shapes_that_fail(client: FlaskClient, store: EmbeddedStore) -> None:
    before = len(store)
    response = post(client, IMPOSSIBLE_SHAPES, query=f"graph={PROVENANCE}", Accept="application/json")
    body = json.loads(response.data)
    assert response.headers["X-SHACL-Conforms"] == "false"
    assert len(body["results"]) == 5  # the five source documents
    assert {r["message"] for r in body["results"]} == {"needs urn:test:absent"}
    assert len(store) == before


@pytest.mark.parametrize("name", ["default", "union"])
def test_default_and_union_name_the_whole_store(client: FlaskClient, name: str) -> None:
    body = json.loads(post(client, IMPOSSIBLE_SHAPES, query=f"graph={name}&format=json").data)
    assert len(body["results"]) == 5


def test_default_graph_is_the_stores_own_without_the_union(store: EmbeddedStore) -> None:
    client = client_for(store, union_default_graph=False)
    response = post(client, IMPOSSIBLE_SHAPES, query="graph=default")
    assert response.headers["X-SHACL-Conforms"] == "true"  # the store's default graph is empty


def test_posted_shapes_may_use_sparql_that_stays_local(client: FlaskClient) -> None:
    select = "SELECT $this WHERE { FILTER NOT EXISTS { $this <urn:test:absent> ?x } }"
    response = post(client, sparql_shapes(select), query=f"graph={PROVENANCE}&format=json")
    assert response.status_code == 200
    assert len(json.loads(response.data)["results"]) == 5


@pytest.mark.parametrize(
    "select",
    [
        "SELECT $this WHERE { SERVICE <http://127.0.0.1:9/sparql> { $this ?p ?o } }",
        "SELECT $this WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { $this ?p ?o } }",
        "SELECT $this FROM <http://127.0.0.1:9/data.ttl> WHERE { $this ?p ?o }",
    ],
)
def test_posted_shapes_may_not_reach_the_network(client: FlaskClient, select: str) -> None:
    response = post(client, sparql_shapes(select), query=f"graph={PROVENANCE}")
    assert response.status_code == 400
    assert "refused" in response.data.decode()


def test_narrowing_to_one_focus_node(client: FlaskClient) -> None:
    response = post(client, BAD_PROJECTS, query="target=prj:bad-one")
    graph = report_graph(response.data)
    assert focus_nodes(graph) == {ONE}
    assert response.headers["X-SHACL-Conforms"] == "false"
    as_json = json.loads(post(client, BAD_PROJECTS, query=f"target={ONE}&format=json").data)
    assert {r["focus_node"] for r in as_json["results"]} == {str(ONE)}


def test_narrowing_to_a_node_without_results_conforms(client: FlaskClient) -> None:
    response = post(client, BAD_PROJECTS, query="target=urn:test:nobody")
    graph = report_graph(response.data)
    assert response.headers["X-SHACL-Conforms"] == "true"
    assert (None, SH.conforms, Literal(True)) in graph
    assert not list(graph.objects(None, SH.result))
    assert not list(graph.subjects(RDF.type, SH.ValidationResult))


def test_narrowing_in_a_stored_graph(client: FlaskClient) -> None:
    document = "https://w3id.org/mgkg/id/document/001_92490fab1da5f5ad"
    body = json.loads(post(client, IMPOSSIBLE_SHAPES, query=f"graph={PROVENANCE}&target={document}&format=json").data)
    assert [r["focus_node"] for r in body["results"]] == [document]


# --- errors ---------------------------------------------------------------------------------------------


def test_unparseable_body_is_400_with_the_parsers_line(client: FlaskClient) -> None:
    response = post(client, "@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    assert response.status_code == 400
    message = response.data.decode()
    assert "line 2" in message
    assert message.count("\n") == 1


def test_unparseable_shapes_are_400_too(client: FlaskClient) -> None:
    assert post(client, "not turtle", query=f"graph={PROVENANCE}").status_code == 400


def test_unusable_shapes_are_400(client: FlaskClient) -> None:
    shapes = """@prefix sh: <http://www.w3.org/ns/shacl#> .
    <urn:test:S> a sh:NodeShape ; sh:targetNode <urn:test:x> ; sh:property [ sh:path "literal" ; sh:minCount 1 ] ."""
    response = post(client, shapes, query="graph=union")
    assert response.status_code == 400
    assert response.data.decode().startswith("the shapes cannot be used")


@pytest.mark.parametrize(
    "select",
    [
        "SELECT $this WHERE { $this ?p ",
        "SELECT $this WHERE { $this ?p ?o } GROUP BY",
        "SELECT $this WHERE { $this undeclared:p ?o }",
        "ASK {",
    ],
)
def test_shapes_with_malformed_sparql_are_400_naming_the_text(client: FlaskClient, select: str) -> None:
    response = post(client, sparql_shapes(select), query="graph=union")
    assert response.status_code == 400, response.data
    message = response.data.decode()
    assert message.startswith("the shapes cannot be used: the sh:select text is not SPARQL")
    assert message.count("\n") == 1


@pytest.mark.parametrize("content_type", ["application/pdf", ""])
def test_unsupported_content_type_is_415(client: FlaskClient, content_type: str) -> None:
    response = client.post("/shacl", data=b"%PDF", headers={"Content-Type": content_type} if content_type else {})
    assert response.status_code == 415
    assert "text/turtle" in response.data.decode()


def test_other_charsets_are_415(client: FlaskClient) -> None:
    assert post(client, BAD_PROJECTS, "text/turtle; charset=latin-1").status_code == 415


def test_unacceptable_report_format_is_406(client: FlaskClient) -> None:
    assert post(client, BAD_PROJECTS, Accept="image/png").status_code == 406
    assert post(client, BAD_PROJECTS, query="format=pdf").status_code == 406


def test_unknown_graph_is_404(client: FlaskClient) -> None:
    response = post(client, DOCUMENT_SHAPES, query="graph=urn:test:no-such-graph")
    assert response.status_code == 404
    assert "urn:test:no-such-graph" in response.data.decode()


@pytest.mark.parametrize(
    "query",
    [
        "graph=not%20an%20iri", "target=%3Cx%3E%20%7D", "graph=union&graph=default", "target=a:b&target=c:d",
        "graph=a:b%C2%85c", "target=a:b%C2%85c",  # no IRI code point (a C1 control): were 500s from Oxigraph
    ],
)
def test_bad_parameters_are_400(client: FlaskClient, query: str) -> None:
    response = post(client, DOCUMENT_SHAPES, query=query)
    assert response.status_code == 400
    assert response.data.decode().count("\n") == 1


def test_bad_target_names_the_parameter(client: FlaskClient) -> None:
    assert "'target'" in post(client, BAD_PROJECTS, query="target=no%20iri").data.decode()


def test_other_methods_are_405_and_preflight_is_allowed(client: FlaskClient) -> None:
    response = client.get("/shacl")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST, OPTIONS"
    preflight = client.options("/shacl")
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_errors_as_json_when_preferred(client: FlaskClient) -> None:
    response = client.post("/shacl", data=b"x", content_type="application/pdf", headers={"Accept": "application/json"})
    assert json.loads(response.data)["status"] == 415


def test_validation_is_read_only_and_needs_no_token(store: EmbeddedStore) -> None:
    client = client_for(store, update_token="secret")
    before = len(store)
    response = post(client, BAD_PROJECTS)
    assert response.status_code == 200
    assert len(store) == before


def test_slow_validation_answers_503(store: EmbeddedStore, built: Dataset) -> None:
    client = client_for(store, query_timeout=0.001)
    response = post(client, export(built, "trig"), "application/trig")
    assert response.status_code == 503
    assert "validation timed out" in response.data.decode()

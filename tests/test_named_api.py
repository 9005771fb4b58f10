"""Named queries as a Web API (/queries, /queries/<name>) and the OpenAPI document (/openapi.json)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, URIRef
from rdflib.namespace import RDFS
from support.clients import client_for
from werkzeug.test import TestResponse

from graph.core.formats import RESULTS, Format
from graph.named_queries import NamedQuery, Parameter, ParameterError, QueryFileError, load_queries
from graph.store import EmbeddedStore, open_store
from server.views.openapi import SCHEMAS, build_openapi, parameter_schema
from server.views.openapi.named import json_schema
from server.views.openapi.schemas import SPACE

FACT = "fact-sources"
EVIL = URIRef("https://w3id.org/mgkg/id/project/evil")
SCRIPT = "<script>alert('x')</script>"
METHODS = ("get", "put", "post", "delete", "head", "patch", "options")


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app (read-only use of the session store)."""
    return client_for(store)


@pytest.fixture(scope="module")
def queries() -> dict[str, NamedQuery]:
    """The shipped named queries."""
    return load_queries()


@pytest.fixture
def hostile(built: Dataset) -> Iterator[EmbeddedStore]:
    """A store with the built dataset plus an entity whose label is markup and whose page is a javascript: IRI."""
    memory = open_store("memory")
    memory.replace(built)
    graph = ox.NamedNode("https://w3id.org/mgkg/graph/curation")
    evil = ox.NamedNode(str(EVIL))
    memory.raw.add(ox.Quad(evil, ox.NamedNode(str(RDFS.label)), ox.Literal(SCRIPT, language="en"), graph))
    memory.raw.add(ox.Quad(evil, ox.NamedNode(str(RDFS.seeAlso)), ox.NamedNode("javascript:alert(1)"), graph))
    yield memory
    memory.close()


def rows(response: TestResponse) -> list[dict[str, Any]]:
    """The bindings of a SPARQL JSON answer."""
    assert response.status_code == 200, response.data
    bindings: list[dict[str, Any]] = json.loads(response.data)["results"]["bindings"]
    return bindings


def one_line_400(response: TestResponse, name: str) -> str:
    """Check a 400 naming parameter `name` in one line; the message."""
    assert response.status_code == 400, response.data
    message = response.get_data(as_text=True)
    assert f"'{name}'" in message
    assert message.count("\n") == 1
    return message


# --- the list ---------------------------------------------------------------------------------------------


def test_list_as_json(client: FlaskClient, queries: dict[str, NamedQuery]) -> None:
    response = client.get("/queries", headers={"Accept": "application/json"})
    assert response.status_code == 200
    listed = {q["name"]: q for q in json.loads(response.data)["queries"]}
    assert set(listed) == set(queries)
    entry = listed["iom-figures"]
    assert entry["title"] == queries["iom-figures"].title
    assert entry["parameters"][0] == {
        "name": "organisation",
        "type": "iri",
        "optional": True,
        "default": "orgs:iom",
        "description": "the organisation",
    }
    assert entry["links"]["self"] == "http://localhost/queries/iom-figures"
    assert entry["links"]["openapi"] == "http://localhost/openapi.json"
    assert client.get("/queries").headers["Content-Type"] == "application/json"  # the default
    views = (entry["view"], listed["timeline"]["view"], listed["organisation-units"]["view"])
    assert views == ("table", "timeline", "tree")  # the view a page first shows (# view:)


def test_the_html_page_carries_the_result_for_its_views(client: FlaskClient) -> None:
    page = client.get("/queries/timeline", headers={"Accept": "text/html"}).data.decode()
    block = re.search(r'<script type="application/json" id="result-data" data-view="timeline">(.*?)</script>', page)
    assert block and len(json.loads(block[1])["results"]["bindings"]) == 10  # server/static/views.js draws it
    assert "views.js" in page and "vendor/d3/d3.min.js" in page
    plain = client.get("/queries/office-contacts", headers={"Accept": "text/html"}).data.decode()
    assert 'id="result-data" data-view="table"' in plain  # shown as a table first, offered the views that fit


def test_list_as_html(client: FlaskClient, queries: dict[str, NamedQuery]) -> None:
    response = client.get("/queries", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.data.decode()
    for query in queries.values():
        assert f"<code>{query.name}</code>" in page
    assert 'href="http://localhost/queries/project-by-id?format=html"' in page
    assert client.get("/queries?format=html").headers["Content-Type"].startswith("text/html")
    assert client.get("/queries?format=json", headers={"Accept": "text/html"}).headers["Content-Type"] == (
        "application/json"
    )


def test_list_refuses_unacceptable_formats(client: FlaskClient) -> None:
    assert client.get("/queries", headers={"Accept": "image/png"}).status_code == 406


def test_broken_query_files_are_one_line_500(store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> dict[str, NamedQuery]:
        """Fail as a broken query file does."""
        raise QueryFileError("queries/x.rq:3: invalid SPARQL: oops")

    monkeypatch.setattr("server.views.named.load_queries", broken)
    response = client_for(store).get("/queries")
    assert response.status_code == 500
    assert response.data.decode() == "the named queries cannot be loaded: queries/x.rq:3: invalid SPARQL: oops\n"


# --- running ----------------------------------------------------------------------------------------------


def test_run_with_a_parameter(client: FlaskClient) -> None:
    response = client.get("/queries/project-by-id?id=TC.0287")
    found = rows(response)
    assert [r["project"]["value"] for r in found] == ["https://w3id.org/mgkg/id/project/tc-0287"]
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    assert response.headers["X-MGKG-Rows"] == "1"
    assert response.headers["X-MGKG-Truncated"] == "false"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("fmt", RESULTS, ids=lambda f: f.name)
def test_every_result_format(client: FlaskClient, fmt: Format) -> None:
    for response in (
        client.get("/queries/project-by-id?id=TC.0287", headers={"Accept": fmt.media_type}),
        client.get(f"/queries/project-by-id?id=TC.0287&format={fmt.name}"),
    ):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == fmt.content_type
        assert "tc-0287" in response.data.decode()


def test_csv_has_one_row_per_solution(client: FlaskClient) -> None:
    response = client.get("/queries/projects-active-in-year?year=2009&format=csv")
    table = list(csv.reader(io.StringIO(response.data.decode())))
    assert table[0][:2] == ["year", "project"]
    assert len(table) - 1 == int(response.headers["X-MGKG-Rows"]) > 0
    assert {row[0] for row in table[1:]} == {"2009"}


def test_post_form_and_json_bodies(client: FlaskClient) -> None:
    by_url = rows(client.get("/queries/projects-active-in-year?year=2009"))
    by_form = rows(client.post("/queries/projects-active-in-year", data={"year": "2009"}))
    by_json = rows(client.post("/queries/projects-active-in-year", json={"year": 2009}))
    assert by_url == by_form == by_json
    assert by_url


def test_json_numbers_are_read_as_their_value(client: FlaskClient) -> None:
    # JSON does not tell 2009 from 2009.0 (JSON Schema's integer is either): both are the year 2009.
    assert rows(client.post("/queries/projects-active-in-year", json={"year": 2009.0})) == rows(
        client.get("/queries/projects-active-in-year?year=2009")
    )
    one_line_400(client.post("/queries/projects-active-in-year", json={"year": 2009.5}), "2009.5")
    one_line_400(client.post("/queries/projects-active-in-year", json={"year": 1e16}), "10000000000000000")
    one_line_400(client.post("/queries/projects-active-in-year", json={"year": 1.5e-7}), "0.00000015")


def test_format_may_come_in_the_body(client: FlaskClient) -> None:
    response = client.post("/queries/project-by-id", json={"id": "TC.0287", "format": "tsv"})
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")


def test_optional_parameters_filter_when_given(client: FlaskClient) -> None:
    everything = rows(client.get("/queries/projects-by-donor"))
    donor = "orgs:denmark-ministry-of-foreign-affairs"
    some = rows(client.get(f"/queries/projects-by-donor?donor={quote(donor)}"))
    assert 0 < len(some) < len(everything)
    assert rows(client.get("/queries/projects-by-donor?donor=")) == everything  # empty = not given


def test_defaults_apply(client: FlaskClient) -> None:
    implicit = rows(client.get("/queries/iom-figures"))
    explicit = rows(client.get("/queries/iom-figures?organisation=https://w3id.org/mgkg/id/organization/iom"))
    assert implicit == explicit
    assert implicit


def test_row_limit_truncates(store: EmbeddedStore) -> None:
    response = client_for(store, max_rows=1).get("/queries/projects-by-donor")
    assert len(rows(response)) == 1
    assert response.headers["X-MGKG-Truncated"] == "true"


def test_timeout_is_503(store: EmbeddedStore) -> None:
    response = client_for(store, query_timeout=1e-9).get("/queries/conflicting-facts")
    assert response.status_code == 503
    assert "timed out" in response.data.decode()


def test_federated_queries_need_the_allowlist(client: FlaskClient) -> None:
    response = client.get("/queries/federated-country-population")
    assert response.status_code == 403
    assert "SERVICE <https://query.wikidata.org/sparql> refused" in response.data.decode()


# --- parameter errors and injection -----------------------------------------------------------------------


def test_missing_required_parameter(client: FlaskClient) -> None:
    assert "missing value" in one_line_400(client.get("/queries/project-by-id"), "id")


def test_unknown_parameter(client: FlaskClient) -> None:
    message = one_line_400(client.get("/queries/project-by-id?id=TC.0287&colour=red"), "colour")
    assert "its parameters: id" in message


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/queries/projects-active-in-year?year=20x9", "year"),
        ("/queries/projects-active-in-year?year=2009&year=2010", "year"),
        ("/queries/fact-sources?subject=not%20an%20iri", "subject"),
        ("/queries/fact-sources?subject=%3Chttps://x/%3E%20extra", "subject"),
        ("/queries/fact-sources?subject=a:b%C2%85c", "subject"),  # no IRI code point: was a 500 from Oxigraph
        ("/queries/fact-sources?subject=a:b%23c%23d", "subject"),
    ],
)
def test_malformed_values(client: FlaskClient, url: str, name: str) -> None:
    one_line_400(client.get(url), name)


def test_value_given_in_url_and_body(client: FlaskClient) -> None:
    one_line_400(client.post("/queries/project-by-id?id=TC.0287", data={"id": "PX.0009"}), "id")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"TC.0287"'])
def test_json_body_must_be_an_object(client: FlaskClient, body: bytes) -> None:
    response = client.post("/queries/project-by-id", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "JSON body must be an object" in response.data.decode()


@pytest.mark.parametrize("body", [{"nope": None}, {"": None}, {"id": "TC.0287", "nope": None}])
def test_json_null_is_not_given_but_its_name_is_checked(client: FlaskClient, body: dict[str, Any]) -> None:
    # An unknown parameter given null was skipped unseen (200): it is refused like any unknown parameter.
    name = next(name for name in body if name != "id")
    assert "not a parameter of query" in one_line_400(client.post("/queries/project-by-id", json=body), name)


def test_json_null_is_not_given(client: FlaskClient) -> None:
    assert client.post("/queries/projects-by-donor", json={"donor": None}).status_code == 200
    one_line_400(client.post("/queries/project-by-id", json={"id": None}), "id")  # missing


@pytest.mark.parametrize("value", [True, [1], {"a": 1}])
def test_json_values_must_be_strings_or_numbers(client: FlaskClient, value: object) -> None:
    one_line_400(client.post("/queries/project-by-id", json={"id": value}), "id")


def test_other_bodies_are_415(client: FlaskClient) -> None:
    response = client.post("/queries/project-by-id", data=b"id=TC.0287", content_type="text/plain")
    assert response.status_code == 415


def test_unknown_query_is_404(client: FlaskClient) -> None:
    response = client.get("/queries/drop-everything")
    assert response.status_code == 404
    assert "drop-everything" in response.data.decode()


def test_other_methods_are_405_and_preflight_is_allowed(client: FlaskClient) -> None:
    response = client.put("/queries/project-by-id")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert client.options("/queries/project-by-id").status_code == 204


def test_unacceptable_result_format_is_406(client: FlaskClient) -> None:
    assert client.get("/queries/project-by-id?id=TC.0287", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/queries/project-by-id?id=TC.0287&format=turtle").status_code == 406


def test_a_string_value_cannot_change_the_query(client: FlaskClient, store: EmbeddedStore) -> None:
    before = len(store)
    for value in ('"} ; DROP ALL ; {', 'TC.0287" } UNION { ?project ?p ?id', "' } #"):
        assert rows(client.get("/queries/project-by-id?id=" + quote(value))) == []
        assert rows(client.post("/queries/project-by-id", json={"id": value})) == []
    assert len(store) == before


def test_an_iri_value_cannot_change_the_query(client: FlaskClient, store: EmbeddedStore) -> None:
    before = len(store)
    for value in ("<x> } UNION {", "http://x/> } UNION { ?s ?p ?o", "prj:x>}UNION{?s?p?o"):
        one_line_400(client.get(f"/queries/{FACT}?subject=" + quote(value)), "subject")
    for harmless in ("nope:thing", "urn:x;DROP%20ALL", "<https://w3id.org/mgkg/id/project/x>"):
        assert rows(client.get(f"/queries/{FACT}?subject=" + quote(harmless))) == []
    assert len(store) == before


# --- HTML results -----------------------------------------------------------------------------------------


def test_html_results_link_iris_and_show_literal_details(client: FlaskClient) -> None:
    response = client.get("/queries/project-by-id?id=TC.0287", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["X-MGKG-Rows"] == "1"
    page = response.data.decode()
    assert ('<a class="iri labelled" href="/id/project/tc-0287" title="https://w3id.org/mgkg/id/project/tc-0287">'
            "Capacity-building of Montenegro&#39;s Police") in page  # its label, its page on this server
    assert '<span class="datatype">@en</span>' in page  # hidden until asked (results.css)
    assert '<span class="literal">2009</span><span class="datatype">^^xsd:gYear</span>' in page
    assert '<td class="number" data-number="40000"' in page and ">USD 40,000</span>" in page  # budget, as money
    assert 'src="/static/results.js"' in page and "data-results-table" in page
    assert 'href="/queries/project-by-id?id=TC.0287&amp;format=csv"' in page
    assert 'value="TC.0287"' in page


def test_html_escapes_labels_and_links_only_safe_iris(hostile: EmbeddedStore) -> None:
    client = client_for(hostile)
    response = client.get(f"/queries/{FACT}?subject={quote(str(EVIL))}&format=html")
    assert response.status_code == 200
    page = response.data.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert '<span class="iri" title="javascript:alert(1)">javascript:alert(1)</span>' in page


def test_html_escapes_parameter_values(client: FlaskClient) -> None:
    response = client.get("/queries/project-by-id?format=html&id=" + quote('"><script>x</script>'))
    page = response.data.decode()
    assert "<script>x</script>" not in page
    assert "&#34;&gt;&lt;script&gt;x&lt;/script&gt;" in page


def test_html_form_first_then_errors(client: FlaskClient) -> None:
    first = client.get("/queries/project-by-id", headers={"Accept": "text/html"})
    assert first.status_code == 200
    assert 'name="id"' in first.data.decode()
    assert 'role="alert"' not in first.data.decode()
    wrong = client.get("/queries/projects-active-in-year?year=soon", headers={"Accept": "text/html"})
    assert wrong.status_code == 400
    assert "parameter &#39;year&#39;: expected a year like 2016" in wrong.data.decode()


def test_an_empty_form_posted_is_an_error_not_a_first_visit(client: FlaskClient) -> None:
    # It was the first visit's 200: a POST submits the form, and a required value is missing.
    posted = client.post("/queries/project-by-id?format=html", data={})
    assert posted.status_code == 400
    assert "parameter &#39;id&#39;: missing value" in posted.data.decode()


# --- OpenAPI ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document(client: FlaskClient) -> dict[str, Any]:
    """The OpenAPI document the app serves."""
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    loaded: dict[str, Any] = json.loads(response.data)
    return loaded


def test_openapi_structure(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": "http://localhost"}]
    for path, item in document["paths"].items():
        operations = [item[m] for m in METHODS if m in item]
        assert operations, path
        for operation in operations:
            assert operation["responses"], path
            for response in operation["responses"].values():
                assert "description" in response or "$ref" in response


def test_openapi_describes_the_fixed_endpoints(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert {"/sparql", "/rdf-graphs", "/shacl", "/.well-known/void", "/dumps/", "/dumps/{name}", "/queries"} <= set(
        paths
    )
    assert set(paths["/sparql"]["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/sparql-query",
        "application/sparql-update",
    }
    graphs = paths["/sparql"]["get"]["parameters"][1]["schema"]["items"]["enum"]
    assert "https://w3id.org/mgkg/graph/provenance" in graphs  # the store's graphs, for datasets
    store = paths["/rdf-graphs"]
    assert set(store) >= {"get", "put", "post", "delete"}
    target = store["get"]["parameters"][0]["schema"]["oneOf"]
    assert [sorted(choice["required"]) for choice in target] == [["graph"], ["default"]]
    for method in ("put", "delete"):  # the default graph is the union here: read-only
        assert store[method]["parameters"] == [
            {"name": "graph", "in": "query", "required": True, "description": "The IRI of the graph.",
             "schema": {"type": "string", "format": "iri"}}
        ]  # fmt: skip
    assert store["post"]["parameters"][0]["required"] is False  # POST without a graph creates one
    for method in ("put", "post", "delete"):  # writes are off: 403 whatever the request holds
        assert "security" not in store[method]
    assert "security" not in store["get"]
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    shacl = paths["/shacl"]["post"]["responses"]["200"]
    assert "X-SHACL-Conforms" in shacl["headers"]
    assert {"text/turtle", "application/json", "text/plain"} <= set(shacl["content"])
    assert shacl["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ShaclReport"}
    assert paths["/dumps/{name}"]["get"]["parameters"][0]["schema"]["enum"] == [
        "mgkg.ttl.gz",
        "mgkg.trig.gz",
        "mgkg.nt.gz",
    ]


def test_openapi_asks_for_the_token_when_writes_are_on() -> None:
    document = build_openapi({}, "http://example.org/", writes_enabled=True, union_default_graph=False)
    store = document["paths"]["/rdf-graphs"]
    for method in ("put", "post", "delete"):
        assert store[method]["security"] == [{"bearer": []}]
        assert "oneOf" in store[method]["parameters"][0]["schema"]  # ?default is writable without the union
    assert document["paths"]["/sparql"]["post"]["security"] == [{}, {"bearer": []}]


def get_parameters(item: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The schemas of a named query's GET parameters in the query string, and the required ones (one object when
    format=html alone is allowed without them)."""
    parameters = [p for p in item["get"]["parameters"] if p["in"] == "query"]
    if [p["name"] for p in parameters] == ["values"]:
        schema = parameters[0]["schema"]
        return schema["properties"], set(schema["anyOf"][0]["required"])
    return {p["name"]: p["schema"] for p in parameters}, {p["name"] for p in parameters if p["required"]}


def test_openapi_has_every_named_query_with_its_parameters(
    document: dict[str, Any], queries: dict[str, NamedQuery]
) -> None:
    for name, query in queries.items():
        item = document["paths"][f"/queries/{name}"]
        declared, required = get_parameters(item)
        assert set(declared) == {p.name for p in query.parameters} | {"format"}, name
        assert required == {p.name for p in query.parameters if not p.optional}
        for parameter in query.parameters:
            assert declared[parameter.name] == parameter_schema(parameter)
        assert "text/html" in item["get"]["responses"]["200"]["content"]
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert set(body["properties"]) == {p.name for p in query.parameters}
        assert body["additionalProperties"] is False  # unknown parameters are refused
    year, required = get_parameters(document["paths"]["/queries/projects-active-in-year"])
    assert year["year"] == {"type": "string", "pattern": f"^{SPACE}*(?:[0-9]{{4}}){SPACE}*$"}
    assert required == {"year"}
    organisation, _ = get_parameters(document["paths"]["/queries/iom-figures"])
    assert organisation["organisation"]["default"] == "orgs:iom"


def optional(pattern: str) -> dict[str, Any]:
    """The schema of an optional value of `pattern`, blanks around it allowed."""
    return {"type": "string", "pattern": f"^{SPACE}*(?:{pattern})?{SPACE}*$"}


BLANK = {"type": "string", "pattern": f"^{SPACE}*$"}


@pytest.mark.parametrize(
    ("kind", "default", "schema"),
    [
        ("iri", None, {"type": "string", "format": "iri"}),
        ("string", "x", {"type": "string", "default": "x"}),
        ("integer", "42", {**optional("[+-]?[0-9]+"), "default": "42"}),
        ("decimal", "1.5", {**optional(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"), "default": "1.5"}),
        ("date", "2008-02-22", {"anyOf": [{"type": "string", "format": "date"}, BLANK], "default": "2008-02-22"}),
        ("year", "2016", {**optional("[0-9]{4}"), "default": "2016"}),
    ],
)
def test_parameter_schemas(kind: str, default: str | None, schema: dict[str, Any]) -> None:
    assert parameter_schema(Parameter("p", kind, default is not None, default, "d")) == schema
    assert set(SCHEMAS) == {"iri", "string", "integer", "decimal", "date", "year"}


@pytest.mark.parametrize(
    ("kind", "text", "accepted"),
    [
        ("year", " 2009\t", True), ("year", "2009\x85", True), ("year", "209", False), ("year", "", True),
        ("integer", "+42", True), ("integer", "4 2", False), ("decimal", ".5", True), ("decimal", "1e3", False),
    ],
)  # fmt: skip
def test_the_patterns_are_what_the_server_reads(kind: str, text: str, accepted: bool) -> None:
    parameter = Parameter("p", kind, True, None, "d")
    matches = re.fullmatch(parameter_schema(parameter)["pattern"], text) is not None
    try:
        NamedQuery("q", "t", "d", (parameter,), "SELECT ?p {}", Path("q.rq")).bind({"p": text})
        read = True
    except ParameterError:
        read = False
    assert matches is read is accepted


def test_a_json_body_may_give_numbers_and_null() -> None:
    year = json_schema(Parameter("year", "year", True, None, "d"))
    assert year["anyOf"][1:] == [{"type": "integer", "minimum": 1000, "maximum": 9999}, {"type": "null"}]
    assert json_schema(Parameter("id", "string", False, None, "d")) == {"anyOf": [{"type": "string"},
                                                                                 {"type": "number"}]}


def test_openapi_document_is_valid(document: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)


def test_openapi_without_named_queries_still_valid_structure() -> None:
    document = build_openapi({}, "http://example.org/", writes_enabled=True)
    assert not [p for p in document["paths"] if p.startswith("/queries/")]
    assert "enabled" in document["info"]["description"]

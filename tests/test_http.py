"""server.http: @methods on every route (OPTIONS preflight, 405 with Allow), app-level errors, CORS, UTF-8 bodies."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.core.config import Settings
from graph.store import EmbeddedStore
from server.app import create_app
from server.http import EXPOSED, SECURITY_HEADERS, Problem, require_utf8

ROUTES = {
    "/sparql": "GET, HEAD, POST, OPTIONS",
    "/rdf-graphs": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    "/rdf-graphs/some/graph": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    "/shacl": "POST, OPTIONS",
    "/queries": "GET, HEAD, OPTIONS",
    "/queries/project-by-id": "GET, HEAD, POST, OPTIONS",
    "/openapi.json": "GET, HEAD, OPTIONS",
    "/service-description": "GET, HEAD, OPTIONS",
    "/.well-known/void": "GET, HEAD, OPTIONS",
    "/dumps/": "GET, HEAD, OPTIONS",
    "/dumps/mgkg.ttl.gz": "GET, HEAD, OPTIONS",
    "/context.jsonld": "GET, HEAD, OPTIONS",
    "/": "GET, HEAD, OPTIONS",
    "/changes": "GET, HEAD, OPTIONS",
    "/changes/some-id": "GET, HEAD, OPTIONS",
    "/changes/some-id/revert": "POST, OPTIONS",
    "/id/project/tc-0287": "GET, HEAD, OPTIONS",
    "/graph/curation": "GET, HEAD, OPTIONS",
    "/vocab/theme": "GET, HEAD, OPTIONS",
    "/ontology": "GET, HEAD, OPTIONS",
    "/ontology.ttl": "GET, HEAD, OPTIONS",
    "/search": "GET, HEAD, OPTIONS",
    "/search.json?q=iom": "GET, HEAD, OPTIONS",
    "/browse/": "GET, HEAD, OPTIONS",
    "/browse/projects": "GET, HEAD, OPTIONS",
    "/labels": "POST, OPTIONS",
    "/api": "GET, HEAD, OPTIONS",
}
"""One URL of every route family, and the methods it allows."""

REFUSED = [
    (url, allowed, method)
    for url, allowed in ROUTES.items()
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "PROPFIND")
    if method not in allowed.split(", ")
]
"""Every route family with each method it does not allow (PROPFIND: one its route does not even list)."""


@pytest.fixture(scope="module")
def app(store: EmbeddedStore) -> Flask:
    """The default app on the session store (read-only use)."""
    return create_app(Settings(store="memory"), store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client of the default app."""
    return app.test_client()


def test_every_route_is_listed(app: Flask) -> None:
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert rules == {
        "/sparql", "/rdf-graphs", "/rdf-graphs/<path:path>", "/shacl", "/queries", "/queries/<name>",
        "/openapi.json", "/service-description", "/.well-known/void", "/dumps/", "/dumps/<name>", "/context.jsonld",
        "/", "/changes", "/changes/<id>", "/changes/<id>/revert",
        "/id/<path:rest>", "/graph/<path:rest>", "/vocab/<path:rest>", "/ontology", "/ontology.<suffix>",
        "/search", "/search.json", "/browse/", "/browse/<index>", "/labels", "/api",
    }  # fmt: skip


@pytest.mark.parametrize(("url", "allowed"), ROUTES.items())
def test_options_is_a_preflight_naming_the_allowed_methods(client: FlaskClient, url: str, allowed: str) -> None:
    response = client.options(url, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Allow"] == allowed
    assert response.headers["Access-Control-Allow-Methods"] == allowed
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type, Accept, X-MGKG-Message"
    assert response.headers["Access-Control-Max-Age"] == "86400"


@pytest.mark.parametrize(("url", "allowed", "method"), REFUSED)
def test_other_methods_are_a_one_line_405_with_allow(client: FlaskClient, url: str, allowed: str, method: str) -> None:
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.data.decode() == f"method {method} is not allowed here: use {allowed}\n"
    as_json = client.open(url, method=method, headers={"Accept": "application/json"})
    assert as_json.json == {"error": f"method {method} is not allowed here: use {allowed}", "status": 405}


@pytest.mark.parametrize("url", [url for url in ROUTES if url not in ("/", "/api")])
def test_api_answers_carry_cors_headers_even_when_they_fail(client: FlaskClient, url: str) -> None:
    for response in (client.options(url), client.open(url, method="PATCH")):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Access-Control-Expose-Headers"].startswith(EXPOSED)


def test_pages_and_unknown_urls_carry_no_cors_headers(client: FlaskClient) -> None:
    assert "Access-Control-Allow-Origin" not in client.get("/").headers
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404 and "Access-Control-Allow-Origin" not in missing.headers


def test_shacl_exposes_its_conforms_header_after_the_common_ones(client: FlaskClient) -> None:
    response = client.post("/shacl", data=b"", content_type="text/turtle")
    assert response.headers["Access-Control-Expose-Headers"] == f"{EXPOSED}, X-SHACL-Conforms"


@pytest.mark.parametrize("charset", [None, "", "utf-8", "UTF-8", "utf8"])
def test_utf8_bodies_pass(charset: str | None) -> None:
    require_utf8(charset)


@pytest.mark.parametrize("charset", ["ISO-8859-1", "utf-16", "latin-1"])
def test_other_charsets_are_415_naming_the_charset(charset: str) -> None:
    with pytest.raises(Problem, match=f"charset {charset} is not supported: send UTF-8") as raised:
        require_utf8(charset)
    assert raised.value.status == 415


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("/sparql", {"data": "ASK {}".encode("utf-16"), "content_type": "application/sparql-query; charset=UTF-16"}),
        ("/rdf-graphs?graph=https://w3id.org/mgkg/graph/contributions/editor/g",
         {"data": b"", "content_type": "text/turtle; charset=UTF-16", "method": "PUT"}),
        ("/shacl", {"data": b"", "content_type": "text/turtle; charset=UTF-16"}),
    ],
)
def test_every_body_reader_refuses_other_charsets_alike(
    store: EmbeddedStore, url: str, kwargs: dict[str, object]
) -> None:
    client = create_app(Settings(store="memory", update_token="t"), store).test_client()
    method = str(kwargs.pop("method", "POST"))
    response = client.open(url, method=method, headers={"Authorization": "Bearer t"}, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 415
    assert response.data == b"charset UTF-16 is not supported: send UTF-8\n"


def test_refused_texts_and_failed_queries_are_one_line_errors(client: FlaskClient) -> None:
    federated = "SELECT * WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }"
    refused = client.get("/sparql", query_string={"query": federated})
    assert refused.status_code == 400
    assert refused.data.decode().startswith("SERVICE <http://x.example/> refused")
    broken = client.get("/sparql", query_string={"query": "SELECT nonsense"})
    assert broken.status_code == 400 and broken.data.decode().count("\n") == 1
    unacceptable = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert unacceptable.status_code == 406 and unacceptable.data.decode().count("\n") == 1


SECURED = [
    ("/", {}, 200),
    ("/queries", {"Accept": "text/html"}, 200),
    ("/queries/project-by-id?id=TC.0287", {"Accept": "text/html"}, 200),
    ("/dumps/", {"Accept": "text/html"}, 200),
    ("/static/query.js", {}, 200),
    ("/sparql?query=ASK%7B%7D", {}, 200),
    ("/queries/project-by-id?id=TC.0287", {}, 200),
    ("/openapi.json", {}, 200),
    ("/.well-known/void", {}, 200),
    ("/no-such-thing", {}, 404),
    ("/sparql?query=SELECT+nonsense", {}, 400),
    ("/sparql?query=SELECT+nonsense", {"Accept": "application/json"}, 400),
    ("/sparql?query=ASK%7B%7D", {"Accept": "image/png"}, 406),
    ("/queries/project-by-id?id=TC.0287", {"Accept": "application/json"}, 200),
]
"""Pages, static files, API answers and errors, with the Accept header and the status each gets."""


@pytest.mark.parametrize(("url", "headers", "status"), SECURED)
def test_every_response_carries_the_security_headers(
    client: FlaskClient, url: str, headers: dict[str, str], status: int
) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_errors_of_every_kind_carry_the_security_headers(store: EmbeddedStore) -> None:
    client = create_app(Settings(store="memory", query_timeout=1e-9, max_body=10), store).test_client()
    answers = [
        client.get("/queries/conflicting-facts"),  # 503: the query times out
        client.post("/sparql", data=b"ASK { ?s ?p ?o }", content_type="application/sparql-query"),  # 413
        client.patch("/sparql"),  # 405
        client.post("/sparql", data=b"ASK {}", content_type="text/plain"),  # 415
    ]
    assert [response.status_code for response in answers] == [503, 413, 405, 415]
    for response in answers:
        assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_the_policy_allows_nothing_inline_and_nothing_from_elsewhere() -> None:
    policy = dict(part.split(" ", 1) for part in SECURITY_HEADERS["Content-Security-Policy"].split("; "))
    assert policy["script-src"] == policy["style-src"] == policy["default-src"] == "'self'"
    assert policy["object-src"] == policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in SECURITY_HEADERS["Content-Security-Policy"]

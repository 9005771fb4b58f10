"""The API page at /api: Swagger UI, vendored from npm with its licence, rendering /openapi.json, under the CSP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from support.clients import client_for

from graph.store import EmbeddedStore
from server import app as app_module

ROOT = Path(app_module.__file__).parents[1]
SWAGGER = ROOT / "server" / "static" / "vendor" / "swagger-ui-dist"


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app."""
    return client_for(store)


def test_the_api_page_loads_swagger_ui_from_this_server_without_inline_script(client: FlaskClient) -> None:
    response = client.get("/api")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [' src="/static/vendor/swagger-ui-dist/swagger-ui-bundle.js"', ' src="/static/api.js"']
    assert 'data-url="/openapi.json"' in html and 'aria-current="page">API</a>' in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    for url in ("/static/vendor/swagger-ui-dist/swagger-ui-bundle.js", "/static/vendor/swagger-ui-dist/swagger-ui.css",
                "/static/api.js"):  # fmt: skip
        served = client.get(url)
        assert served.status_code == 200 and len(served.get_data()) > 300, url
        served.close()
    assert client.head("/api").status_code == 200


def test_every_page_links_the_api_page(client: FlaskClient) -> None:
    for url in ("/", "/queries", "/browse/projects", "/id/project/tc-0287"):
        assert '<a href="/api">API</a>' in client.get(url, headers={"Accept": "text/html"}).get_data(as_text=True)


def test_other_methods_on_the_api_page_are_a_405(client: FlaskClient) -> None:
    response = client.post("/api")
    assert response.status_code == 405 and response.get_data(as_text=True) == (
        "method POST is not allowed here: use GET, HEAD, OPTIONS\n"
    )


def test_swagger_ui_is_vendored_pinned_with_its_licence() -> None:
    assert "Apache License" in (SWAGGER / "LICENSE").read_text() and "SmartBear" in (SWAGGER / "NOTICE").read_text()
    listed = (ROOT / "scripts" / "vendor.txt").read_text()
    pinned = re.search(r"^swagger-ui-dist@(\d+\.\d+\.\d+) ", listed, re.MULTILINE)
    assert pinned is not None
    assert f"swagger-ui-dist@{pinned[1]}" in (SWAGGER / "README.md").read_text()
    assert re.search(r"^codemirror@5\.65\.20 ", listed, re.MULTILINE)
    assert "vendor:\n\tsh scripts/vendor.sh" in (ROOT / "Makefile").read_text()
    css = (SWAGGER / "swagger-ui.css").read_text()
    assert "@import" not in css and not re.search(r"url\(\s*[\"']?(?:https?:)?//", css)  # nothing from elsewhere


def test_the_graph_store_selector_is_text_only(store: EmbeddedStore) -> None:
    """The exploded `target` of GET /rdf-graphs takes text fields only: described as any JSON value, schemathesis
    sent `{"default": {"": null}}` as `?=null`, and the server rightly found no graph named (400, a mismatch)."""
    document = client_for(store).get("/openapi.json").get_json()
    target = next(p for p in document["paths"]["/rdf-graphs"]["get"]["parameters"] if p["name"] == "target")
    for form in target["schema"]["oneOf"]:
        assert form["additionalProperties"] == {"type": "string"}
        assert all(field.get("type") == "string" or "$ref" in field or "format" in field
                   for field in form["properties"].values()), form["properties"]


def test_schemathesis_still_cannot_judge_the_selector_it_sent(store: EmbeddedStore) -> None:
    """Why tests/support/schemathesis.toml turns negative_data_rejection off on /rdf-graphs: schemathesis checks the
    flattened query it sent against a schema whose one property is the exploded `target`, so even a plain `?default`
    looks invalid to it. When this fails, schemathesis reads such queries right: drop the exception."""
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis.core.parameters import ParameterLocation

    operation = schemathesis.openapi.from_dict(client_for(store).get("/openapi.json").get_json())["/rdf-graphs"]["GET"]
    judge = operation.get_parameter_set(ParameterLocation.QUERY).get_strict_validator()
    assert judge.is_valid({"target": {"default": ""}})  # the query as generated
    assert not judge.is_valid({"default": ""})  # the same query as sent
    config = (ROOT / "tests" / "support" / "schemathesis.toml").read_text()
    assert 'include-path = "/rdf-graphs"\nchecks.negative_data_rejection.enabled = false' in config
    assert config.count("enabled = false") == 1  # no other check is off anywhere

"""POST /labels (what result tables show for IRIs) and the readable tables of the named-query pages."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from support.clients import client_for

from graph.pages.labels import MAX_IRIS
from graph.store import EmbeddedStore
from server.views.results_table import currency_of

PROJECT = "https://w3id.org/mgkg/id/project/tc-0287"
LABEL = "Capacity-building of Montenegro's Police to Suppress Cross Border Irregular Migration and Organized Crime"


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app (read-only use of the session store)."""
    return client_for(store)


def labels(client: FlaskClient, iris: object) -> list[dict[str, str | None]]:
    """The labels answer for `iris`, which must succeed."""
    response = client.post("/labels", json={"iris": iris})
    assert response.status_code == 200, response.data
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return list(response.json["labels"])


def test_each_iri_gets_its_label_and_its_page_on_this_server(client: FlaskClient) -> None:
    asked = [PROJECT, "https://w3id.org/mgkg/ontology#Project", "https://w3id.org/mgkg/vocab/theme/border-management",
             "http://www.wikidata.org/entity/Q236", PROJECT]  # fmt: skip
    assert labels(client, asked) == [
        {"iri": PROJECT, "label": LABEL, "page": "/id/project/tc-0287"},
        {"iri": asked[1], "label": "Project", "page": "/ontology#Project"},
        {"iri": asked[2], "label": "Border management", "page": "/vocab/theme/border-management"},
        {"iri": asked[3], "label": None, "page": None},  # outside the graph: no page here
    ]


def test_the_english_label_is_chosen(client: FlaskClient) -> None:
    montenegro = "https://w3id.org/mgkg/id/place/montenegro"
    assert labels(client, [montenegro])[0]["label"] == "Montenegro"


def test_no_iris_is_an_empty_answer(client: FlaskClient) -> None:
    assert labels(client, []) == []


def test_the_most_iris_are_answered(client: FlaskClient) -> None:
    asked = [f"https://example.org/{i}" for i in range(MAX_IRIS - 1)] + [PROJECT]
    found = labels(client, asked)
    assert len(found) == MAX_IRIS and found[-1]["label"] == LABEL


@pytest.mark.parametrize(("body", "says"), [
    ({"iris": "https://example.org/x"}, 'give the IRIs as a JSON list: {"iris": ["https://…", …]}'),
    ({"iris": ["not an iri"]}, "'not an iri' is not an absolute IRI"),
    ({"iris": [7]}, "7 is not an absolute IRI"),
    ({"iris": ["https://example.org/<x>"]}, "'https://example.org/<x>' is not an absolute IRI"),
    ({"iris": ["x" * 200]}, "'" + "x" * 76 + "… is not an absolute IRI"),
    ({"iris": [f"https://example.org/{i}" for i in range(MAX_IRIS + 1)]},
     f"{MAX_IRIS + 1} IRIs asked for: ask for at most {MAX_IRIS} at once"),
    (["https://example.org/x"], 'the body must be a JSON object {"iris": [IRI, …]}'),
    ({"iris": [], "more": 1}, 'the body must be a JSON object {"iris": [IRI, …]}'),
])  # fmt: skip
def test_bad_bodies_are_a_one_line_400(client: FlaskClient, body: object, says: str) -> None:
    response = client.post("/labels", json=body)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == says + "\n"


def test_a_lone_surrogate_is_no_iri(client: FlaskClient) -> None:
    body = b'{"iris": ["https://example.org/\\ud800"]}'
    response = client.post("/labels", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "'https://example.org/\\ud800' is not an absolute IRI\n"


def test_malformed_json_and_other_media_types(client: FlaskClient) -> None:
    broken = client.post("/labels", data=b'{"iris": [', content_type="application/json")
    assert broken.status_code == 400 and broken.get_data(as_text=True).startswith("the body must be a JSON object")
    form = client.post("/labels", data={"iris": PROJECT})
    assert form.status_code == 415
    assert form.get_data(as_text=True) == (
        'POST with Content-Type application/x-www-form-urlencoded: send application/json, like {"iris": ["https://…"]}\n'
    )
    assert client.get("/labels").status_code == 405


def test_the_named_query_page_shows_labels_money_and_hidden_datatypes(client: FlaskClient) -> None:
    page = client.get("/queries/total-budget-by-funder?format=html").get_data(as_text=True)
    assert '<a class="iri labelled" href="/id/organization/1035-facility"' in page
    assert '<td class="number" data-number="80000"' in page and ">USD 80,000</span>" in page  # decimal: money
    assert '<span class="literal">2</span><span class="datatype">^^xsd:integer</span>' in page  # a count: no money
    assert 'href="/static/results.css"' in page


def test_iris_outside_the_graph_link_out_and_show_the_iri(client: FlaskClient) -> None:
    page = client.get("/queries/place-geonames?format=html").get_data(as_text=True)
    assert ('<a class="iri" href="https://sws.geonames.org/783754/" title="https://sws.geonames.org/783754/">'
            "https://sws.geonames.org/783754/</a>") in page
    assert '<a class="iri labelled" href="/id/place/' in page  # the places themselves: labels, local pages


def test_currency_comes_from_the_column_named_after_the_number_then_from_currency() -> None:
    row = {"budget": {"value": "5"}, "budgetCurrency": {"value": "EUR"}, "currency": {"value": "USD"}}
    assert currency_of("budget", row) == "EUR"
    assert currency_of("total", row) == "USD"
    assert currency_of("total", {"currency": {"value": "dollars"}}) is None
    assert currency_of("total", {}) is None

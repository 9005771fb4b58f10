"""Search and class indexes through Flask's test client: ranking for names and codes, the JSON API and its errors,
facets that narrow, paging, and a 400 naming every bad parameter."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from support.clients import client_for

from graph.core.config import Settings
from graph.pages.search import SearchRequest, normalize, score, search
from graph.sparql.execute import Executor
from graph.store import EmbeddedStore

ID = "https://w3id.org/mgkg/id/"


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app."""
    return client_for(store)


def hits(client: FlaskClient, text: str, **extra: str) -> list[dict[str, object]]:
    """The hits of /search.json for `text`."""
    response = client.get("/search.json", query_string={"q": text, **extra})
    assert response.status_code == 200 and response.mimetype == "application/json"
    found: list[dict[str, object]] = json.loads(response.data)["hits"]
    return found


@pytest.mark.parametrize(("text", "first"), [
    ("TC.0287", ID + "project/tc-0287"),
    ("tc-0287", ID + "project/tc-0287"),
    ("TC 0287", ID + "project/tc-0287"),
    ("ME10P0003", ID + "project/px-0009"),
    ("me10p0003", ID + "project/px-0009"),
    ("Ministry of Interior", ID + "organization/montenegro-ministry-of-interior"),
    ("ministry of interior", ID + "organization/montenegro-ministry-of-interior"),
    ("MoI", ID + "organization/montenegro-ministry-of-interior"),
])  # fmt: skip
def test_the_entity_named_comes_first(client: FlaskClient, text: str, first: str) -> None:
    found = hits(client, text)
    assert found and found[0]["iri"] == first
    assert found[0]["page"] == first.replace("https://w3id.org/mgkg", "")


def test_a_code_outranks_titles_that_mention_it(client: FlaskClient) -> None:
    found = hits(client, "TC.0287")
    assert found[0]["field"] == "https://w3id.org/mgkg/ontology#projectsId"
    assert all(h["score"] <= found[0]["score"] for h in found)  # type: ignore[operator]
    assert len(found) > 2  # the document and the participations that name it come after


def test_every_word_must_match_and_phrases_rank_first(client: FlaskClient) -> None:
    found = hits(client, "Ministry of Interior")
    labels = [h["label"] for h in found]
    assert "Austrian Ministry of the Interior" in labels
    assert labels.index("Ministry of Interior of Montenegro") < labels.index("Austrian Ministry of the Interior")
    assert all("interior" in normalize(str(h["matched"])) for h in found)


def test_parts_of_entities_rank_below_entities() -> None:
    assert score("Ministry of Interior", "Ministry of Interior", "http://www.w3.org/2004/02/skos/core#altLabel") > 90
    assert score("interior ministry", "Ministry of Interior", "") > 0  # every word, any order
    assert score("interior police", "Ministry of Interior", "") == 0


def test_limit_and_total(client: FlaskClient) -> None:
    response = json.loads(client.get("/search.json?q=montenegro&limit=3").data)
    assert len(response["hits"]) == 3 and response["total"] > 3 and response["query"] == "montenegro"


def test_a_name_in_many_languages_does_not_hide_the_other_hits(store: EmbeddedStore) -> None:
    """pycountry's Montenegro has its name in ~100 languages; joined with every label it gave 5,750 rows, past the
    row limit, and whether the other entities were found depended on the store's order."""
    found = search(store.raw, Executor(0), SearchRequest("montenegro", Settings(), limit=50))
    iris = {hit.iri for hit in found.hits}
    assert not found.truncated
    assert {"https://w3id.org/mgkg/id/place/montenegro", "https://w3id.org/mgkg/id/organization/iom-montenegro",
            "https://w3id.org/mgkg/id/entry/pycountry/ME"} <= iris


def test_nothing_found_is_an_empty_list(client: FlaskClient) -> None:
    assert hits(client, "zzzyqx") == []


@pytest.mark.parametrize(("query", "says"), [
    ("", "give the search text as q="),
    ("?q=", "give the search text as q="),
    ("?q=x", "too short"),
    ("?q=%20%20", "give the search text"),
    ("?q=--", "too short"),
    ("?q=" + "a" * 201, "at most 200"),
    ("?q=iom&limit=0", "limit '0'"),
    ("?q=iom&limit=101", "limit '101'"),
    ("?q=iom&limit=ten", "limit 'ten'"),
    ("?q=iom&q=police", "given 2 times"),
    ("?q=iom&sort=label", "unknown parameter 'sort'"),
])  # fmt: skip
def test_bad_search_parameters_are_400_in_one_line(client: FlaskClient, query: str, says: str) -> None:
    response = client.get("/search.json" + query)
    assert response.status_code == 400
    line = response.get_data(as_text=True)
    assert says in line and line.count("\n") == 1


@pytest.mark.parametrize("text", [
    "👨`\ua87a,", "--", "  a ", "a", "ab", " é-", "_x", "TC.0287", "x" * 200, "x" * 201, " " + "x" * 199 + " ",
    "a\nb", "\u2003ж\u2003", "①②", "́́", ",.;:",
])  # fmt: skip
def test_the_described_search_text_is_the_one_accepted(client: FlaskClient, text: str) -> None:
    """/openapi.json's schema of q (lengths and pattern) accepts exactly the texts /search.json answers."""
    schema = next(p["schema"] for p in client.get("/openapi.json").get_json()["paths"]["/search.json"]["get"]
                  ["parameters"] if p["name"] == "q")  # fmt: skip
    described = schema["minLength"] <= len(text) <= schema["maxLength"] and bool(re.search(schema["pattern"], text))
    response = client.get("/search.json", query_string={"q": text})
    assert response.status_code == (200 if described else 400), response.get_data(as_text=True)


def test_search_errors_are_json_for_json_clients(client: FlaskClient) -> None:
    response = client.get("/search.json?q=x", headers={"Accept": "application/json"})
    assert response.status_code == 400 and json.loads(response.data)["status"] == 400


def test_the_search_page(client: FlaskClient) -> None:
    html = client.get("/search?q=TC.0287", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'<a href="/id/project/tc-0287">Capacity-building', html)
    empty = client.get("/search", headers={"Accept": "text/html"})
    assert empty.status_code == 200 and 'name="q"' in empty.get_data(as_text=True)
    as_json = client.get("/search?q=TC.0287", headers={"Accept": "application/json"})
    assert as_json.mimetype == "application/json" and "Accept" in as_json.headers["Vary"]


def test_every_page_has_the_search_box(client: FlaskClient) -> None:
    for path in ("/", "/queries?format=html", "/id/project/tc-0287.html", "/browse/projects", "/ontology.html"):
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert 'role="search"' in html and 'name="q"' in html, path


# --- class indexes and facets ----------------------------------------------------------------------------------

def browse(client: FlaskClient, url: str) -> dict[str, object]:
    """The JSON of an index page."""
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.data
    data: dict[str, object] = json.loads(response.data)
    return data


def facet(data: dict[str, object], name: str) -> dict[str, int]:
    """Facet value label → count."""
    facets = data["facets"]
    assert isinstance(facets, dict)
    return {v["label"]: v["count"] for v in facets[name]["values"]}


@pytest.mark.parametrize("index", ["projects", "organisations", "places", "events", "documents"])
def test_every_index_lists_members_and_facets(client: FlaskClient, index: str) -> None:
    data = browse(client, f"/browse/{index}")
    assert data["total"] and data["members"] and data["facets"]
    page = client.get(f"/browse/{index}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"


def test_facets_narrow_the_project_index(client: FlaskClient) -> None:
    everything = browse(client, "/browse/projects")
    donors = facet(everything, "donor")
    assert donors["1035 Facility"] == 3
    narrowed = browse(client, "/browse/projects?donor=orgs:1035-facility")
    assert narrowed["total"] == 3 and len(narrowed["members"]) == 3  # type: ignore[arg-type]
    assert narrowed["chosen"] == [{"facet": "donor", "value": ID + "organization/1035-facility",
                                   "label": "1035 Facility"}]  # fmt: skip
    both = browse(client, "/browse/projects?donor=orgs:1035-facility&theme=theme:border-management")
    assert 0 < both["total"] < narrowed["total"]  # type: ignore[operator]
    year = browse(client, "/browse/projects?year=2009")
    assert [m["label"] for m in year["members"]] == [  # type: ignore[attr-defined]
        "Capacity-building of Montenegro's Police to Suppress Cross Border Irregular Migration and Organized Crime"]
    full_iri = browse(client, "/browse/projects?donor=" + ID + "organization/1035-facility")
    assert full_iri["total"] == 3


def test_facet_links_toggle_and_keep_other_choices(client: FlaskClient) -> None:
    html = client.get("/browse/projects?theme=theme:border-management", headers={"Accept": "text/html"})
    text = html.get_data(as_text=True)
    assert 'href="/browse/projects?theme=theme%3Aborder-management&amp;donor=orgs%3A1035-facility"' in text
    assert 'href="/browse/projects" title="remove this filter"' in text
    assert 'aria-current="true">Border management</a>' in text


def test_paging(fresh: EmbeddedStore) -> None:
    places = " ".join(f"<{ID}place/p{n:03}> a <https://w3id.org/mgkg/ontology#City> ;"
                      f' <http://www.w3.org/2000/01/rdf-schema#label> "Place {n:03}"@en .' for n in range(120))
    fresh.raw.update(f"INSERT DATA {{ GRAPH <https://w3id.org/mgkg/graph/extra> {{ {places} }} }}")
    own = client_for(fresh)
    first, third = browse(own, "/browse/places"), browse(own, "/browse/places?page=3")
    assert first["pages"] == 3 and len(first["members"]) == 50  # type: ignore[arg-type]
    assert third["page"] == 3 and len(third["members"]) == first["total"] - 100  # type: ignore[operator]
    seen = {m["iri"] for p in (1, 2, 3) for m in browse(own, f"/browse/places?page={p}")["members"]}  # type: ignore[attr-defined]
    assert len(seen) == first["total"]
    beyond = browse(own, "/browse/places?page=9")
    assert beyond["page"] == 3  # past the last page: the last page
    html = own.get("/browse/places?page=2&type=mgkg:City", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'rel="prev"' in html and 'rel="next"' in html


@pytest.mark.parametrize(("url", "status", "says"), [
    ("/browse/people", 404, "no index 'people'"),
    ("/browse/projects?colour=red", 400, "no facet 'colour'"),
    ("/browse/projects?year=09", 400, "not a year"),
    ("/browse/projects?donor=not%20an%20iri", 400, "not an IRI"),
    ("/browse/projects?donor=%3Cjavascript%3E", 400, "not an IRI"),
    ("/browse/projects?page=0", 400, "not a page number"),
    ("/browse/projects?page=x", 400, "not a page number"),
    ("/browse/projects?page=1&page=2", 400, "given 2 times"),
])  # fmt: skip
def test_bad_index_parameters_are_4xx_in_one_line(client: FlaskClient, url: str, status: int, says: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    line = response.get_data(as_text=True)
    assert says in line and line.count("\n") == 1


def test_the_list_of_indexes(client: FlaskClient) -> None:
    data = browse(client, "/browse/")
    assert [i["name"] for i in data["indexes"]] == ["projects", "organisations", "places", "events", "documents"]  # type: ignore[attr-defined]

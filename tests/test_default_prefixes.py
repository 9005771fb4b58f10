"""The graph's prefixes need no declaration in queries (/sparql, `mgkg query`), and syntax errors say where."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from support.clients import client_for

from graph.core.namespaces import prefixes
from graph.sparql.syntax import MAX_LENGTH, syntax_message
from graph.store import EmbeddedStore


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app (read-only use of the session store)."""
    return client_for(store)


def rows(client: FlaskClient, query: str) -> list[dict[str, dict[str, str]]]:
    """The bindings of a query that must succeed."""
    response = client.get("/sparql?query=" + quote(query))
    assert response.status_code == 200, response.data
    return list(json.loads(response.data)["results"]["bindings"])


def error(client: FlaskClient, query: str) -> str:
    """The one-line error of a query that must be a 400."""
    response = client.get("/sparql?query=" + quote(query))
    assert response.status_code == 400, response.data
    text = response.get_data(as_text=True)
    assert text.count("\n") == 1 and "Traceback" not in text
    return text.strip()


def test_the_graph_prefixes_need_no_declaration(client: FlaskClient) -> None:
    found = rows(client, 'SELECT ?p WHERE { ?p mgkg:projectsId "TC.0287" }')
    assert [r["p"]["value"] for r in found] == [prefixes()["prj"] + "tc-0287"]
    answer = client.get("/sparql?query=" + quote("ASK { prj:tc-0287 rdf:type/rdfs:subClassOf* mgkg:Project }"))
    assert answer.json == {"head": {}, "boolean": True}


def test_a_prefix_the_query_declares_wins_over_the_default(client: FlaskClient) -> None:
    other = 'PREFIX mgkg: <http://example.org/other#>\nSELECT ?p WHERE { ?p mgkg:projectsId "TC.0287" }'
    assert rows(client, other) == []


def test_base_and_relative_iris_are_untouched(client: FlaskClient) -> None:
    query = 'BASE <https://w3id.org/mgkg/id/project/>\nSELECT ?id WHERE { <tc-0287> mgkg:projectsId ?id }'
    assert [r["id"]["value"] for r in rows(client, query)] == ["TC.0287"]


def test_an_undeclared_prefix_is_named_at_its_line_and_column(client: FlaskClient) -> None:
    text = error(client, "SELECT ?x WHERE {\n  ?x a foo:Bar }")
    assert text == "query syntax error: error at 2:8: the prefix foo: is not declared (PREFIX foo: <…>)"


def test_other_syntax_errors_keep_their_position_and_stay_short(client: FlaskClient) -> None:
    assert error(client, "SELECT ?s WHERE {\n  ?s ?p \n}").startswith("query syntax error: error at 3:")
    long = "error at 1:5: expected one of " + ", ".join(f"['{chr(65 + i % 26)}']" for i in range(200))
    cut = syntax_message(long, "SELECT")
    assert len(cut) <= MAX_LENGTH + 3 and cut.endswith(", …") and cut.startswith("error at 1:5: expected one of")
    assert syntax_message("error at 1:5:\n  expected BY", "x") == "error at 1:5: expected BY"
    no_comma = syntax_message("x" * 300, "x")
    assert no_comma == "x" * MAX_LENGTH + " …"


def test_prefix_not_found_without_a_prefixed_name_keeps_the_parser_message() -> None:
    assert syntax_message("error at 1:3: Prefix not found", "SELECT") == "error at 1:3: Prefix not found"


def test_an_update_names_an_undeclared_prefix_too(store: EmbeddedStore) -> None:
    writer = client_for(store, update_token="secret")
    response = writer.post("/sparql", data={"update": "INSERT DATA { foo:a foo:b foo:c }"},
                           headers={"Authorization": "Bearer secret"})  # fmt: skip
    assert response.status_code == 400
    assert response.get_data(as_text=True).strip() == (
        "update syntax error: error at 1:15: the prefix foo: is not declared (PREFIX foo: <…>)"
    )


def test_from_may_name_a_graph_with_a_default_prefix(client: FlaskClient) -> None:
    by_name = rows(client, "SELECT (COUNT(*) AS ?n) FROM mgg:links WHERE { ?s ?p ?o }")
    by_iri = rows(client, "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/mgkg/graph/links> WHERE { ?s ?p ?o }")
    assert by_name == by_iri and int(by_name[0]["n"]["value"]) > 0


@pytest.mark.parametrize(("query", "says"), [
    ("SELECT * FROM mgg:nope WHERE { ?s ?p ?o }",
     "FROM <https://w3id.org/mgkg/graph/nope> refused: no graph of this store has that name and it is not allowlisted"),
    ("PREFIX mgg: <http://example.org/> SELECT * FROM mgg:links WHERE { ?s ?p ?o }",  # the query's own PREFIX wins
     "FROM <http://example.org/links> refused: no graph of this store has that name and it is not allowlisted"),
    ("SELECT * FROM foo:links WHERE { ?s ?p ?o }", "FROM needs an IRI, or a prefixed name whose prefix is declared"),
])  # fmt: skip
def test_from_is_checked_against_the_graph_the_engine_would_read(client: FlaskClient, query: str, says: str) -> None:
    response = client.get("/sparql?query=" + quote(query))
    assert response.status_code == 400
    assert response.get_data(as_text=True) == says + "\n"


def test_service_with_a_default_prefix_is_checked_as_the_iri_it_stands_for(client: FlaskClient) -> None:
    response = client.get("/sparql?query=" + quote("SELECT * WHERE { SERVICE mgg:links { ?s ?p ?o } }"))
    assert response.status_code == 400
    assert response.get_data(as_text=True).startswith(
        "SERVICE <https://w3id.org/mgkg/graph/links> refused: the server reaches only allowlisted IRIs")

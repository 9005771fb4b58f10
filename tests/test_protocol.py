"""SPARQL 1.1 Protocol at /sparql, as raw HTTP through Flask's test client: queries, formats, errors, limits."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from dataclasses import replace
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, Graph, Namespace
from rdflib.query import Result
from support.clients import client_for

from graph.core.config import ConfigError, load_settings
from graph.sparql.execute import Executor
from graph.store import EmbeddedStore

PROJECTS = "SELECT ?p WHERE { ?p a <https://w3id.org/mgkg/ontology#Project> }"
CONSTRUCT = "CONSTRUCT { ?p a ?t } WHERE { ?p a ?t FILTER(?t = <https://w3id.org/mgkg/ontology#Project>) }"
FORM = "application/x-www-form-urlencoded"
PROVENANCE = "https://w3id.org/mgkg/graph/provenance"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app (read-only use of the session store)."""
    return client_for(store)


def get(client: FlaskClient, query: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """GET /sparql?query=… with headers; status, headers and body."""
    response = client.get("/sparql?query=" + quote(query), headers=headers)
    return response.status_code, dict(response.headers), response.get_data()


def count(store: EmbeddedStore) -> int:
    """How many projects the store has (straight from pyoxigraph)."""
    solutions = store.raw.query(PROJECTS, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return len(list(solutions))


# --- query forms and transports ---------------------------------------------------------------------------


def test_get_query_answers_json_with_row_headers_and_cors(client: FlaskClient, store: EmbeddedStore) -> None:
    status, headers, body = get(client, PROJECTS)
    assert status == 200
    assert headers["Content-Type"] == "application/sparql-results+json"
    rows = json.loads(body)["results"]["bindings"]
    assert len(rows) == count(store) > 10
    assert headers["X-MGKG-Rows"] == str(len(rows))
    assert headers["X-MGKG-Truncated"] == "false"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "X-MGKG-Rows" in headers["Access-Control-Expose-Headers"]


def test_post_form_and_post_direct_give_the_same_answer(client: FlaskClient) -> None:
    form = client.post("/sparql", data={"query": PROJECTS}, content_type=FORM)
    direct = client.post("/sparql", data=PROJECTS.encode(), content_type="application/sparql-query")
    with_charset = client.post(
        "/sparql", data=PROJECTS.encode(), content_type="application/sparql-query; charset=UTF-8"
    )
    assert form.status_code == direct.status_code == with_charset.status_code == 200
    assert json.loads(form.data) == json.loads(direct.data) == json.loads(with_charset.data)


@pytest.mark.parametrize(
    ("accept", "media_type", "parse_as"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "xml"),
        ("text/csv", "text/csv", "csv"),
        ("text/tab-separated-values", "text/tab-separated-values", "tsv"),
        ("application/json", "application/sparql-results+json", "json"),
    ],
)
def test_select_result_formats(
    client: FlaskClient, store: EmbeddedStore, accept: str, media_type: str, parse_as: str
) -> None:
    status, headers, body = get(client, PROJECTS, Accept=accept)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media_type
    result = Result.parse(io.BytesIO(body), format=parse_as)
    assert len(list(result)) == count(store)


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask_answers_a_boolean(client: FlaskClient, accept: str) -> None:
    status, _, body = get(client, "ASK { ?s a <https://w3id.org/mgkg/ontology#Project> }", Accept=accept)
    assert status == 200
    assert Result.parse(io.BytesIO(body), format="json" if "json" in accept else "xml").askAnswer is True


def test_ask_in_csv_and_tsv(client: FlaskClient) -> None:
    assert get(client, "ASK {}", Accept="text/csv")[2] == b"_askResult\ntrue\n"
    assert get(client, "ASK { <urn:x> <urn:y> <urn:z> }", Accept="text/tab-separated-values")[2].endswith(b"false\n")


@pytest.mark.parametrize(
    ("accept", "media_type", "parse_as"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/trig", "application/trig", "trig"),
        ("application/n-quads", "application/n-quads", "nquads"),
    ],
)
def test_construct_graph_formats(
    client: FlaskClient, store: EmbeddedStore, accept: str, media_type: str, parse_as: str
) -> None:
    status, headers, body = get(client, CONSTRUCT, Accept=accept)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media_type
    graph = Graph()
    graph.parse(data=body, format=parse_as)
    assert len(graph) == count(store)
    assert headers["X-MGKG-Rows"] == str(count(store))


def test_construct_as_json_ld_is_compact_with_mgkgs_context(client: FlaskClient, store: EmbeddedStore) -> None:
    status, _, body = get(client, CONSTRUCT, Accept="application/ld+json")
    assert status == 200
    document = json.loads(body)
    assert document["@context"]["mgkg"] == "https://w3id.org/mgkg/ontology#"  # the prefixes exports use
    assert '"mgkg:' in body.decode() and "https://w3id.org/mgkg/ontology#" not in json.dumps(document["@graph"])
    assert len(Graph().parse(data=body, format="json-ld")) == count(store)  # the same triples


def test_describe_defaults_to_turtle(client: FlaskClient) -> None:
    status, headers, body = get(client, "DESCRIBE ?p WHERE { ?p a <https://w3id.org/mgkg/ontology#Project> } LIMIT 1")
    assert status == 200
    assert headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert len(Graph().parse(data=body, format="turtle")) > 0


# --- negotiation ---------------------------------------------------------------------------------------------


def test_q_values_pick_the_preferred_offered_type(client: FlaskClient) -> None:
    accept = "application/sparql-results+xml;q=0.5, text/csv;q=0.9, image/png"
    assert get(client, PROJECTS, Accept=accept)[1]["Content-Type"].startswith("text/csv")
    accept = "text/turtle;q=0.2, application/n-triples;q=0.8"
    assert get(client, CONSTRUCT, Accept=accept)[1]["Content-Type"].startswith("application/n-triples")


def test_accept_with_media_type_parameters_matches(client: FlaskClient) -> None:
    assert get(client, CONSTRUCT, Accept="text/turtle; charset=utf-8")[0] == 200


def test_format_parameter_wins_over_accept(client: FlaskClient) -> None:
    response = client.get("/sparql?format=tsv&query=" + quote(PROJECTS), headers={"Accept": "text/csv"})
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    response = client.post("/sparql", data={"query": CONSTRUCT, "format": "json"}, content_type=FORM)
    assert response.headers["Content-Type"] == "application/ld+json"


@pytest.mark.parametrize(
    ("query", "accept", "parameter", "content_type"),
    [
        (PROJECTS, "application/json", None, "application/sparql-results+json"),
        (CONSTRUCT, "application/json", None, "application/ld+json"),
        (CONSTRUCT, "text/plain", None, "application/n-triples; charset=utf-8"),
        (PROJECTS, "text/xml", None, "application/sparql-results+xml"),
        (CONSTRUCT, "application/xml", None, "application/rdf+xml"),
        (CONSTRUCT, "application/json, text/plain", None, "application/ld+json"),  # tie: application/json first
        (PROJECTS, "", "text", "text/tab-separated-values; charset=utf-8"),
        (PROJECTS, "", "srx", "application/sparql-results+xml"),
        (CONSTRUCT, "", "ttl", "text/turtle; charset=utf-8"),
        (CONSTRUCT, "", "application/json", "application/ld+json"),
        (CONSTRUCT, "", "srx", "application/rdf+xml"),
    ],
)
def test_broader_types_and_aliases_pick_a_format(
    client: FlaskClient, query: str, accept: str, parameter: str | None, content_type: str
) -> None:
    url = "/sparql?" + (f"format={quote(parameter)}&" if parameter else "") + "query=" + quote(query)
    response = client.get(url, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type


def test_406_when_nothing_offered_is_acceptable(client: FlaskClient) -> None:
    status, headers, body = get(client, PROJECTS, Accept="image/png")
    assert status == 406
    assert headers["Content-Type"].startswith("text/plain")
    assert body.decode().count("\n") == 1 and "application/sparql-results+json" in body.decode()
    assert get(client, CONSTRUCT, Accept="application/sparql-results+json")[0] == 406
    assert client.get("/sparql?format=pdf&query=" + quote(PROJECTS)).status_code == 406


# --- errors ----------------------------------------------------------------------------------------------------


def test_malformed_query_is_400_with_the_parser_position(client: FlaskClient) -> None:
    status, headers, body = get(client, "SELECT ?s WHERE {\n  ?s ?p \n}")
    assert status == 400
    assert headers["Content-Type"].startswith("text/plain")
    text = body.decode()
    assert text.count("\n") == 1 and text.startswith("query syntax error: error at 3:")
    assert "Traceback" not in text


def test_errors_are_json_when_the_client_prefers_json(client: FlaskClient) -> None:
    status, headers, body = get(client, "SELECT ?s WHERE {", Accept="application/json")
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["status"] == 400 and "error at 1:" in payload["error"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(client: FlaskClient, method: str) -> None:
    response = client.open("/sparql?query=" + quote("ASK {}"), method=method, content_type=FORM)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.data.decode().startswith(f"method {method} is not allowed")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"ASK {}"),
        (None, b"query=ASK%20%7B%7D"),
        (None, b"ASK {}"),
        ("application/json", b'{"query": "ASK {}"}'),
        ("application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16")),
        ("application/sparql-update; charset=UTF-16", "CLEAR NAMED".encode("utf-16")),
        (f"{FORM}; charset=latin-1", b"query=ASK%20%7B%7D"),
    ],
)
def test_unsupported_media_types_are_415(client: FlaskClient, content_type: str | None, body: bytes) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=body, headers=headers)
    assert response.status_code == 415
    assert response.data.decode().count("\n") == 1


@pytest.mark.parametrize(
    ("path", "content_type", "body", "message"),
    [
        ("/sparql", FORM, b"query=ASK%20%7B%7D&update=CLEAR%20ALL", "exactly one of"),
        ("/sparql", FORM, b"", "exactly one of"),
        ("/sparql", FORM, b"default-graph-uri=urn%3Ax", "exactly one of"),
        ("/sparql", FORM, b"query=ASK%20%7B%7D&query=ASK%20%7B%7D", "query given 2 times"),
        ("/sparql", FORM, b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", "update given 2 times"),
        ("/sparql?query=ASK%7B%7D", "application/sparql-query", b"ASK {}", "do not also give"),
        ("/sparql?query=ASK%7B%7D", FORM, b"query=ASK%20%7B%7D", "query given 2 times"),
        ("/sparql", "application/sparql-query", b"\xff\xfeA", "not UTF-8"),
    ],
)
def test_malformed_requests_are_400(
    client: FlaskClient, path: str, content_type: str, body: bytes, message: str
) -> None:
    response = client.post(path, data=body, content_type=content_type)
    assert response.status_code == 400
    assert message in response.data.decode()


def test_get_with_two_queries_or_an_update_is_400(client: FlaskClient) -> None:
    twice = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D")
    assert twice.status_code == 400 and "query given 2 times" in twice.data.decode()
    update = client.get("/sparql?update=CLEAR%20ALL")
    assert update.status_code == 400 and "POST" in update.data.decode()


def test_bad_dataset_parameters_are_400(client: FlaskClient) -> None:
    relative = client.get("/sparql?default-graph-uri=graph&query=" + quote("ASK {}"))
    assert relative.status_code == 400 and "not an absolute IRI" in relative.data.decode()
    using = client.get(f"/sparql?using-graph-uri={quote(PROVENANCE)}&query=" + quote("ASK {}"))
    assert using.status_code == 400 and "does not apply to a query" in using.data.decode()


def test_an_unexpected_failure_is_one_line_500(store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("internal detail")

    monkeypatch.setattr(Executor, "run", broken)
    response = client_for(store).get("/sparql?query=" + quote("ASK {}"))
    assert response.status_code == 500
    assert response.data == b"internal server error: the request could not be completed\n"


def test_request_body_over_max_body_is_413(store: EmbeddedStore) -> None:
    small = client_for(store, max_body=64)
    response = small.post("/sparql", data=("ASK {} #" + "x" * 100).encode(), content_type="application/sparql-query")
    assert response.status_code == 413
    assert response.data == b"request body too large: the limit is 64 bytes (setting max_body)\n"
    form = small.post("/sparql", data={"query": "ASK {} #" + "x" * 100}, content_type=FORM)
    assert form.status_code == 413


# --- CORS and the service description ---------------------------------------------------------------------


def test_preflight_allows_browser_clients(client: FlaskClient) -> None:
    response = client.options(
        "/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST, OPTIONS"
    allowed = response.headers["Access-Control-Allow-Headers"]
    assert all(h in allowed for h in ("Authorization", "Content-Type", "Accept"))


def test_errors_carry_cors_headers_too(client: FlaskClient) -> None:
    assert get(client, "SELECT")[1]["Access-Control-Allow-Origin"] == "*"


def test_get_without_query_is_the_service_description(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    assert {str(o) for o in graph.objects(None, SD.endpoint)} == {"http://localhost/sparql"}
    assert (None, RDF.type, SD.Service) in graph


@pytest.mark.parametrize("name", ["default-graph-uri", "named-graph-uri"])
def test_dataset_parameters_are_checked_without_a_query_too(client: FlaskClient, name: str) -> None:
    # They were ignored and the service description answered whatever they said.
    unknown = client.get(f"/sparql?{name}=urn:x:no-such-graph")
    assert unknown.status_code == 400
    assert unknown.data.decode() == (
        f"{name} <urn:x:no-such-graph> refused: no graph of this store has that name and it is not allowlisted\n"
    )
    assert client.get(f"/sparql?{name}=not-an-iri").status_code == 400
    known = client.get(f"/sparql?{name}=https://w3id.org/mgkg/graph/provenance", headers={"Accept": "text/turtle"})
    assert known.status_code == 200 and b"sd:Service" in known.data


# --- the dataset: union default graph, FROM, protocol parameters -------------------------------------------


def test_default_graph_is_the_union_and_graph_keeps_provenance(client: FlaskClient, store: EmbeddedStore) -> None:
    def number(query: str) -> int:
        return int(json.loads(get(client, query)[2])["results"]["bindings"][0]["n"]["value"])

    # Oxigraph's union is one of quads: a triple stated in two graphs matches twice, DISTINCT merges them.
    assert number("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == len(store.raw)
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    assert number(distinct) == len({q.triple for q in store.raw}) < len(store.raw)
    where = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?p a <https://w3id.org/mgkg/ontology#Project> } }"
    graphs = {b["g"]["value"] for b in json.loads(get(client, where)[2])["results"]["bindings"]}
    assert graphs and all(g.startswith("https://w3id.org/mgkg/graph/") for g in graphs)


def test_from_restricts_the_default_graph(client: FlaskClient, store: EmbeddedStore) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{PROVENANCE}> WHERE {{ ?s ?p ?o }}"
    expected = len(list(store.raw.quads_for_pattern(None, None, None, ox.NamedNode(PROVENANCE))))
    assert json.loads(get(client, query)[2])["results"]["bindings"][0]["n"]["value"] == str(expected)


def test_protocol_dataset_overrides_from(client: FlaskClient, store: EmbeddedStore) -> None:
    curation = "https://w3id.org/mgkg/graph/curation"
    query = f"SELECT (COUNT(*) AS ?n) FROM <{PROVENANCE}> WHERE {{ ?s ?p ?o }}"
    response = client.get(f"/sparql?default-graph-uri={quote(curation)}&query={quote(query)}")
    expected = len(list(store.raw.quads_for_pattern(None, None, None, ox.NamedNode(curation))))
    assert json.loads(response.data)["results"]["bindings"][0]["n"]["value"] == str(expected)
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.post(
        f"/sparql?named-graph-uri={quote(curation)}", data=named.encode(), content_type="application/sparql-query"
    )
    assert [b["g"]["value"] for b in json.loads(response.data)["results"]["bindings"]] == [curation]


def test_union_can_be_switched_off(store: EmbeddedStore) -> None:
    status, _, body = get(client_for(store, union_default_graph=False), "ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(body)["boolean"] is False


# --- limits ------------------------------------------------------------------------------------------------------


def test_max_rows_truncates_and_says_so(store: EmbeddedStore) -> None:
    limited = client_for(store, max_rows=5)
    status, headers, body = get(limited, PROJECTS)
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 5
    assert headers["X-MGKG-Rows"] == "5" and headers["X-MGKG-Truncated"] == "true"
    status, headers, body = get(limited, CONSTRUCT, Accept="application/n-triples")
    assert len(body.decode().strip().splitlines()) == 5 and headers["X-MGKG-Truncated"] == "true"
    rows = list(csv.reader(io.StringIO(get(limited, PROJECTS, Accept="text/csv")[2].decode())))
    assert len(rows) == 6


def test_a_slow_query_times_out_with_503_while_others_are_served(store: EmbeddedStore) -> None:
    client = client_for(store, query_timeout=0.3, threads=4)
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STRLEN(STR(?c)) > STRLEN(STR(?f))) }"
    answers: list[tuple[int, dict[str, str], bytes]] = []
    seconds: list[float] = []
    finished: list[float] = []
    sent = threading.Event()

    def run_slow() -> None:
        started = time.monotonic()
        sent.set()
        answers.append(get(client, slow))
        finished.append(time.monotonic())
        seconds.append(finished[0] - started)

    worker = threading.Thread(target=run_slow)
    worker.start()
    assert sent.wait(timeout=10)
    time.sleep(0.05)  # let the slow query reach a worker thread; the assertions below do not depend on it
    fast = get(client, "ASK { ?s ?p ?o }")
    fast_done = time.monotonic()
    worker.join(timeout=10)
    assert fast[0] == 200
    assert finished and fast_done < finished[0]  # served before the slow query's 503, not after it
    [(status, _, body)] = answers
    assert status == 503
    assert body == b"query timed out after 0.3 s\n"
    assert seconds[0] < 2


def test_the_union_setting_reads_booleans() -> None:
    assert load_settings(environ={"MGKG_UNION_DEFAULT_GRAPH": "off"}).union_default_graph is False
    assert load_settings({"union_default_graph": "yes"}, environ={}).union_default_graph is True
    with pytest.raises(ConfigError, match="must be true or false"):
        load_settings({"union_default_graph": "sometimes"}, environ={})


def test_json_results_are_oxigraph_s_own_for_every_kind_of_term() -> None:
    """The hand-written JSON writer against Oxigraph's serializer: IRIs, blank nodes, language and typed
    literals, escapes (quotes, backslashes, control characters, non-ASCII), unbound cells, repeated terms."""
    from graph.sparql.serialize import serialize_solutions

    query = r"""
    SELECT ?a ?b ?c WHERE {
      VALUES (?k ?a0 ?b ?c) {
        (1 <http://e/x?q=1&r=\u00e9> "plain \"quoted\" \\ back\nslash\ttab\u0001" "Čađavica"@sr-Latn)
        (2 UNDEF 42 "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date>)
        (3 UNDEF "" "1.5e0"^^<http://www.w3.org/2001/XMLSchema#double>)
        (4 <http://e/x?q=1&r=\u00e9> true UNDEF)
      }
      BIND(IF(?k = 2, BNODE(), ?a0) AS ?a)
    } ORDER BY ?k"""
    store = ox.Store()
    expected = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[union-attr]
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    rows = [tuple(solution) for solution in result]
    ours = json.loads(serialize_solutions(names, rows, "json"))
    theirs = json.loads(expected)
    blank = theirs["results"]["bindings"][1]["a"]["value"]
    ours["results"]["bindings"][1]["a"]["value"] = blank  # a blank node's label is the engine's
    assert ours == theirs


def test_negotiation_returns_the_callers_own_format_object() -> None:
    """Regression: the negotiation cache once handed back an equal Format from another caller's list, and
    `fmt is HTML` in /queries then answered JSON to a browser after /dumps/ had been asked the same way."""
    from graph.core.formats import INDEX
    from server.negotiation import choose

    accept = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    first = [replace(fmt) for fmt in INDEX]
    second = [replace(fmt) for fmt in INDEX]
    assert first == second and first[1] is not second[1]
    app = Flask(__name__)
    with app.test_request_context("/", headers=accept):
        from flask import request

        assert choose(request, first) is first[1]
        assert choose(request, second) is second[1]

"""The network allowlist: SERVICE, LOAD, FROM, USING and dataset parameters — and what pyoxigraph really fetches."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from support.clients import client_for

from graph.sparql import guard
from graph.sparql import tokens as sparql_tokens
from graph.sparql.guard import NOWHERE, Refused, inspect
from graph.sparql.tokens import SHORT_TEXT, outline, tokenize
from graph.store import EmbeddedStore

TOKEN = "guard-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROVENANCE = "https://w3id.org/mgkg/graph/provenance"
REMOTE_ROWS = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "remote"}}]}}


class Remote:
    """A local HTTP server standing for 'the network': SPARQL JSON for POST, N-Triples for GET; logs requests."""

    def __init__(self) -> None:
        """Start serving on a free loopback port."""
        self.hits: list[tuple[str, str]] = []
        remote = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                remote.hits.append(("GET", self.path))
                self._send(b"<http://example.org/a> <http://example.org/b> \"loaded\" .\n", "application/n-triples")

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                remote.hits.append(("POST", self.path))
                self._send(json.dumps(REMOTE_ROWS).encode(), "application/sparql-results+json")

            def _send(self, body: bytes, media_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def remote() -> Iterator[Remote]:
    """A fresh local endpoint."""
    server = Remote()
    yield server
    server.close()


def writer(store: EmbeddedStore, allowlist: tuple[str, ...] = ()) -> FlaskClient:
    """A client with updates enabled and the given allowlist."""
    return client_for(store, update_token=TOKEN, allowlist=allowlist)


def ask(client: FlaskClient, query: str, *params: str) -> tuple[int, str]:
    """GET the query (plus URL parameters); status and body text."""
    response = client.get("/sparql?" + "&".join([*params, "query=" + quote(query)]))
    return response.status_code, response.data.decode()


def update(client: FlaskClient, text: str, path: str = "/sparql") -> tuple[int, str]:
    """POST an update with the token; status and body text."""
    response = client.post(path, data=text.encode(), content_type="application/sparql-update", headers=AUTH)
    return response.status_code, response.data.decode()


# --- what pyoxigraph does on its own -----------------------------------------------------------------------------


def test_pyoxigraph_itself_fetches_service_and_load_but_not_from(remote: Remote) -> None:
    """Why the guard exists: without it, SERVICE POSTs the sub-query and LOAD GETs the document."""
    raw = ox.Store()
    rows = raw.query(f"SELECT ?x WHERE {{ SERVICE <{remote.url}sparql> {{ ?x ?p ?o }} }}")
    assert isinstance(rows, ox.QuerySolutions)
    assert [str(row["x"]) for row in rows] == ['"remote"']
    raw.update(f"LOAD <{remote.url}data.nt>")
    assert len(raw) == 1
    assert not raw.query(f"ASK FROM <{remote.url}graph> WHERE {{ ?s ?p ?o }}")
    assert remote.hits == [("POST", "/sparql"), ("GET", "/data.nt")]


# --- SERVICE ---------------------------------------------------------------------------------------------------------


def test_service_outside_the_allowlist_is_refused_before_any_request(store: EmbeddedStore, remote: Remote) -> None:
    status, text = ask(writer(store), f"SELECT * WHERE {{ SERVICE <{remote.url}sparql> {{ ?s ?p ?o }} }}")
    assert status == 400
    assert text == (
        f"SERVICE <{remote.url}sparql> refused: the server reaches only allowlisted IRIs (the allowlist is empty); "
        f"to permit it, start the server with `--allow {remote.url}sparql` or set MGKG_ALLOWLIST={remote.url}sparql\n"
    )
    assert remote.hits == []


def test_service_to_an_allowlisted_endpoint_is_called(store: EmbeddedStore, remote: Remote) -> None:
    query = f"PREFIX r: <{remote.url}> SELECT ?x WHERE {{ SERVICE r:sparql {{ ?x ?p ?o }} }}"
    status, text = ask(writer(store, (remote.url,)), query)
    assert status == 200 and json.loads(text)["results"]["bindings"][0]["x"]["value"] == "remote"
    assert remote.hits == [("POST", "/sparql")]


def test_service_with_a_variable_endpoint_is_refused(store: EmbeddedStore, remote: Remote) -> None:
    status, text = ask(writer(store, (remote.url,)), "SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }")
    assert status == 400 and "fixed, allowlisted IRI" in text


def test_service_silent_outside_the_allowlist_fails_silently(store: EmbeddedStore, remote: Remote) -> None:
    query = f"SELECT ?x WHERE {{ BIND(1 AS ?x) SERVICE SILENT <{remote.url}sparql> {{ ?s ?p ?o }} }}"
    status, text = ask(writer(store), query)
    assert status == 200 and len(json.loads(text)["results"]["bindings"]) == 1
    assert remote.hits == []


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "use SERVICE <http://evil.example/> { }" }',
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://evil.example/> { ?s ?p ?o }",
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
        "PREFIX service: <http://example.org/> SELECT ?service WHERE { ?service a service:LOAD }",
        "SELECT * WHERE { ?s ?p '''multi\nline SERVICE <http://evil.example/> {}''' }",
    ],
)
def test_service_in_strings_comments_iris_and_names_is_not_refused(client: FlaskClient, query: str) -> None:
    assert ask(client, query)[0] == 200


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client with an empty allowlist on the session store (queries only)."""
    return writer(store)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        # `<` is an operator here, not an IRI: the real SERVICE hides from a naive tokenizer, not from the parser.
        (
            "SELECT * { ?s ?p ?x FILTER(?x<'a>b') SERVICE <http://evil.example/> {?s ?p ?o} FILTER(?x='c') }",
            "SERVICE <http://evil.example/> refused",
        ),
        ("SELECT * { ?s ?p 'x\\u0027 SERVICE <http://evil.example/> {} \\u0027' }", "\\u escapes"),
        ("SELECT * { ?s ?p 'not service' . ", "cannot be checked"),
        ("SELECT * { SERVICE ex:x {} }", "fixed, allowlisted IRI"),
    ],
)
def test_hidden_or_unverifiable_service_is_refused(client: FlaskClient, query: str, message: str) -> None:
    status, text = ask(client, query)
    assert status == 400 and message in text


# --- LOAD ----------------------------------------------------------------------------------------------------


CONTRIBUTION = "https://w3id.org/mgkg/graph/contributions/editor"
"""A graph the update token's writer may write."""


def test_load_outside_the_allowlist_is_refused(fresh: EmbeddedStore, remote: Remote) -> None:
    status, text = update(writer(fresh), f"LOAD <{remote.url}data.nt> INTO GRAPH <http://example.org/g>")
    assert status == 400 and text.startswith(f"LOAD <{remote.url}data.nt> refused")
    assert remote.hits == []


def test_load_silent_outside_the_allowlist_does_nothing(fresh: EmbeddedStore, remote: Remote) -> None:
    before = len(fresh)
    status, _ = update(writer(fresh), f"LOAD SILENT <{remote.url}data.nt> INTO GRAPH <http://example.org/g>")
    assert status == 204 and len(fresh) == before and remote.hits == []


def test_load_from_an_allowlisted_iri_is_fetched_and_gated(fresh: EmbeddedStore, remote: Remote) -> None:
    status, _ = update(writer(fresh, (remote.url,)), f"LOAD <{remote.url}data.nt> INTO GRAPH <{CONTRIBUTION}>")
    assert status == 204
    assert fresh.raw.contains_named_graph(ox.NamedNode(CONTRIBUTION))
    assert remote.hits == [("GET", "/data.nt")]  # once: on the scratch copy; the live store gets its quads


# --- FROM, USING and the dataset parameters -----------------------------------------------------------------------


def test_from_a_store_graph_is_fine_an_unknown_iri_is_not(client: FlaskClient) -> None:
    assert ask(client, f"ASK FROM <{PROVENANCE}> {{ ?s ?p ?o }}")[0] == 200
    status, text = ask(client, "ASK FROM NAMED <http://example.org/elsewhere> { ?s ?p ?o }")
    assert status == 400
    assert text == (
        "FROM NAMED <http://example.org/elsewhere> refused: "
        "no graph of this store has that name and it is not allowlisted\n"
    )


def test_from_an_allowlisted_prefix_is_fine(store: EmbeddedStore) -> None:
    allowed = writer(store, ("http://example.org/",))
    assert ask(allowed, "ASK FROM <http://example.org/elsewhere> { ?s ?p ?o }")[0] == 200


def test_dataset_parameters_are_checked_like_from(client: FlaskClient) -> None:
    status, text = ask(client, "ASK {}", "default-graph-uri=" + quote("http://example.org/elsewhere"))
    assert status == 400 and text.startswith("default-graph-uri <http://example.org/elsewhere> refused")
    status, _ = ask(client, "ASK {}", "named-graph-uri=" + quote(PROVENANCE))
    assert status == 200


def test_using_is_checked_in_updates(fresh: EmbeddedStore) -> None:
    client = writer(fresh)
    text = f"INSERT {{ GRAPH <{CONTRIBUTION}> {{ ?s <http://example.org/p> 1 }} }} USING <IRI> WHERE {{ ?s a ?t }}"
    status, message = update(client, text.replace("IRI", "http://example.org/elsewhere"))
    assert status == 400 and message.startswith("USING <http://example.org/elsewhere> refused")
    bad_parameter = f"/sparql?using-named-graph-uri={quote('http://example.org/elsewhere')}"
    status, message = update(client, "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", bad_parameter)
    assert status == 400 and message.startswith("USING NAMED <http://example.org/elsewhere> refused")
    assert update(client, text.replace("IRI", PROVENANCE))[0] == 204


# --- the reader itself ---------------------------------------------------------------------------------------------


def test_tokens_keep_strings_comments_and_iris_whole() -> None:
    tokens = tokenize("SELECT ?x { ?x <a#b> 'it''s' . } # SERVICE\n")
    assert [(t.kind, t.text) for t in tokens] == [
        ("word", "SELECT"), ("var", "?x"), ("punct", "{"), ("var", "?x"), ("iri", "<a#b>"),
        ("string", "'it'"), ("string", "'s'"), ("punct", "."), ("punct", "}"),
    ]


def test_the_outline_holds_the_depth_0_tokens_and_the_braces_of_each_group() -> None:
    text = 'PREFIX e: <x:#> SELECT ?s { ?s e:p "}" { ?s ?q 1 } } # }\nORDER BY ?s'
    assert [t.text for t in outline(text)] == ["PREFIX", "e:", "<x:#>", "SELECT", "?s", "{", "}", "ORDER", "BY", "?s"]
    assert [t.start for t in outline(text) if t.text in "{}"] == [text.index("{ ?s"), text.rindex("} }") + 2]


def test_a_long_run_of_names_without_a_colon_is_read_in_one_pass() -> None:
    # The prefixed-name pattern rescanned such a run from each of its words: 80 KB of `a-a-…` took ~36 s
    # (holding the GIL). Read once, 200 KB is words and dashes as before, and this test ends.
    tokens = tokenize("a-" * 100_000 + " b:c")
    assert len(tokens) == 200_001
    assert {(t.kind, t.text) for t in tokens[:-1]} == {("word", "a"), ("punct", "-")}
    assert (tokens[-1].kind, tokens[-1].text, tokens[-1].start) == ("pname", "b:c", 200_001)
    assert [(t.kind, t.text) for t in tokenize("a-b-c:d a-b")] == [
        ("pname", "a-b-c:d"), ("word", "a"), ("punct", "-"), ("word", "b"),
    ]
    assert [(t.kind, t.text) for t in tokenize("x.5e-3 true. ab-1c")] == [
        ("word", "x"), ("number", ".5e-3"), ("word", "true"), ("punct", "."),
        ("word", "ab"), ("punct", "-"), ("number", "1"), ("word", "c"),
    ]


def test_only_short_texts_are_kept_by_the_readers_caches() -> None:
    long_text = "SELECT * WHERE { ?s ?p ?o } ORDER BY " + "?s " * (SHORT_TEXT // 3)
    readers = ((tokenize, tokenize), (outline, outline), (guard._inspect, lambda text: inspect(text)))
    for cached, call in readers:
        before = cached.cache_info()  # type: ignore[attr-defined]
        call(long_text)
        call(long_text)
        after = cached.cache_info()  # type: ignore[attr-defined]
        assert (after.hits, after.misses) == (before.hits, before.misses)  # a 10 MB body is not kept alive
        short_text = f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {after.misses + 7}"
        call(short_text)
        call(short_text)
        assert cached.cache_info().hits == after.hits + 1  # type: ignore[attr-defined]


def test_a_query_is_lexed_once_per_request(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # The guard reads the text, then with_limit reads it again to add its LIMIT: the second reading must
    # reuse the first one's tokens (each lookup is a new text: the readers' own result caches never hit).
    read: list[str] = []
    lex = sparql_tokens._tokens
    monkeypatch.setattr(sparql_tokens, "_tokens", lambda text: read.append(text) or lex(text))
    text = "SELECT ?p ?o WHERE { <http://example.org/lexed-once> ?p ?o }"
    response = client.get("/sparql", query_string={"query": text}, headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200 and response.headers["X-MGKG-Rows"] == "0"
    assert read.count(text) == 1


def test_inspect_reports_calls_datasets_and_form() -> None:
    found = inspect(
        "BASE <http://b/> PREFIX e: <http://e/> SELECT * FROM <g> FROM NAMED e:n "
        "WHERE { SERVICE SILENT e:s { } }"
    )
    assert found.form == "SELECT" and found.has_dataset
    assert found.datasets == [("FROM", "http://b/g"), ("FROM NAMED", "http://e/n")]
    assert [(c.keyword, c.iri, c.silent) for c in found.calls] == [("SERVICE", "http://e/s", True)]
    update_found = inspect("WITH <http://w> DELETE { ?s ?p ?o } USING <http://u> WHERE { ?s ?p ?o }", is_update=True)
    assert update_found.datasets == [("USING", "http://u")]


def test_inspect_refuses_what_rdflib_cannot_parse_when_it_mentions_load() -> None:
    with pytest.raises(Refused, match="LOAD occurs where it cannot be checked"):
        inspect("INSERT DATA { <a> <b> 'load' ", is_update=True)


def test_nowhere_is_not_fetchable() -> None:
    with pytest.raises(OSError):
        ox.Store().update(f"LOAD {NOWHERE}")

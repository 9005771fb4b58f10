"""Conditional GETs (server.conditional): an ETag on every GET answer, 304 on If-None-Match (exact, weak, lists,
`*`), new ETags and fresh answers after a write or a build, and the bounded answer cache of repeated queries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset
from support.clients import client_for
from support.fixture_endpoint import closed_port_url
from support.notes import BASE, EDITOR, data_folder, insert, note

from graph.build import write_store
from graph.changes.journal import Journal
from graph.changes.model import Changeset, new_id
from graph.core.config import ConfigError, Settings, load_settings
from graph.store import EmbeddedStore, RemoteStore, open_store
from server.app import create_app
from server.context import EXTENSION, Runtime
from server.views.named import catalogue
from server.views.openapi import build_openapi

JSON_RESULTS = {"Accept": "application/sparql-results+json"}
WRITE = {"Authorization": "Bearer t", "Content-Type": "application/sparql-update"}
PROJECTS = "SELECT ?p WHERE { ?p a <https://w3id.org/mgkg/ontology#Project> } ORDER BY ?p LIMIT 3"
NOTE_ASK = f'ASK {{ GRAPH <{EDITOR.value}> {{ <{BASE}id/note> ?p "fresh" }} }}'

VALIDATED = [  # answered from the store: a weak ETag worked out before the view runs
    "/sparql?query=" + quote(PROJECTS),
    "/queries/project-by-id?id=TC.0287",
    "/queries/project-by-id?id=TC.0287&format=html",
    "/rdf-graphs?default",
    "/rdf-graphs?graph=" + quote("https://w3id.org/mgkg/graph/ontology"),
    "/id/project/tc-0287",
    "/id/project/tc-0287.ttl",
    "/ontology",
    "/search.json?q=police",
    "/browse/projects",
    "/changes",
    "/service-description",
    "/.well-known/void",
    "/sparql",
]
HASHED = ["/queries", "/dumps/", "/dumps/mgkg.nt.gz", "/openapi.json", "/", "/api", "/browse/"]
"""Answers not validated by the store's state: a strong ETag, the SHA-256 of the body."""


def runtime_of(client: FlaskClient) -> Runtime:
    """The app's Runtime."""
    rt = client.application.extensions[EXTENSION]
    assert isinstance(rt, Runtime)
    return rt


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the app over the shared (unchanged) store."""
    return client_for(store)


@pytest.mark.parametrize("url", VALIDATED + HASHED)
def test_every_get_has_an_etag_and_if_none_match_gives_304(client: FlaskClient, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200, first.data
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') if url in VALIDATED else not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert "no-cache" in again.headers["Cache-Control"]
    head = client.head(url)
    assert head.status_code == 200 and head.headers["ETag"] == etag
    assert client.head(url, headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("url", [VALIDATED[0], VALIDATED[5], HASHED[2]])
def test_if_none_match_compares_weakly_and_reads_lists_and_star(client: FlaskClient, url: str) -> None:
    etag = client.get(url).headers["ETag"]
    opaque = etag.removeprefix("W/")
    for given in (opaque, "W/" + opaque, f'"other", {etag}', f'W/"x", {opaque}', "*"):
        assert client.get(url, headers={"If-None-Match": given}).status_code == 304, given
    for given in ('"other"', 'W/"other", "more"', opaque[:-2] + '"'):
        response = client.get(url, headers={"If-None-Match": given})
        assert response.status_code == 200 and response.headers["ETag"] == etag, given


def test_star_does_not_turn_an_error_into_304(client: FlaskClient) -> None:
    assert client.get("/id/project/no-such-project", headers={"If-None-Match": "*"}).status_code == 404
    assert client.get("/queries/no-such-query", headers={"If-None-Match": "*"}).status_code == 404
    assert client.get("/sparql?query=SELEC", headers={"If-None-Match": "*"}).status_code == 400


@pytest.mark.parametrize(("url", "types"), [
    (VALIDATED[0], ("application/sparql-results+json", "application/sparql-results+xml", "text/csv")),
    (VALIDATED[1], ("application/sparql-results+json", "text/tab-separated-values", "text/html")),
    ("/id/project/tc-0287", ("text/turtle", "application/ld+json", "text/html")),
])  # fmt: skip
def test_each_accept_has_its_etag(client: FlaskClient, url: str, types: tuple[str, ...]) -> None:
    answers = [client.get(url, headers={"Accept": media}) for media in types]
    assert all(a.status_code == 200 and "Accept" in a.headers["Vary"] for a in answers)
    assert len({a.headers["ETag"] for a in answers}) == len(types)
    other = client.get(url, headers={"Accept": types[1], "If-None-Match": answers[0].headers["ETag"]})
    assert other.status_code == 200 and other.mimetype == answers[1].mimetype


def test_the_row_limit_is_part_of_the_etag(store: EmbeddedStore) -> None:
    url = "/sparql?query=" + quote(PROJECTS)
    assert client_for(store).get(url).headers["ETag"] != client_for(store, max_rows=1).get(url).headers["ETag"]


def test_a_repeated_query_is_answered_from_the_cache_without_running(store: EmbeddedStore,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    client = client_for(store)
    rt = runtime_of(client)
    urls = [VALIDATED[0], VALIDATED[1]]
    first = [client.get(url, headers=JSON_RESULTS) for url in urls]
    assert len(rt.answers) == 2

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the query ran again")

    monkeypatch.setattr(rt, "run", refuse)
    for url, answer in zip(urls, first, strict=True):
        again = client.get(url, headers=JSON_RESULTS)
        assert again.status_code == 200 and again.data == answer.data
        assert again.headers["ETag"] == answer.headers["ETag"]
        assert again.headers["X-MGKG-Rows"] == answer.headers["X-MGKG-Rows"]
        assert again.headers["Content-Type"] == answer.headers["Content-Type"]
        assert again.headers["Access-Control-Allow-Origin"] == "*"  # CORS and security headers as ever
        assert again.headers["X-Content-Type-Options"] == "nosniff"
    assert rt.answers.hits == 2


@pytest.mark.parametrize("asking", [
    {"Cache-Control": "no-cache"}, {"Cache-Control": "max-age=0"}, {"Cache-Control": "No-Cache, no-store"},
    {"Pragma": "no-cache"},
])  # fmt: skip
def test_a_client_asking_for_a_fresh_answer_gets_one_computed_now(store: EmbeddedStore, asking: dict[str, str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    client = client_for(store)
    rt = runtime_of(client)
    first = client.get(VALIDATED[0], headers=JSON_RESULTS)
    ran: list[object] = []
    run = rt.run

    def counted(*args: Any, **kwargs: Any) -> Any:
        ran.append(args)
        return run(*args, **kwargs)

    monkeypatch.setattr(rt, "run", counted)
    fresh = client.get(VALIDATED[0], headers={**JSON_RESULTS, **asking})
    assert fresh.status_code == 200 and fresh.data == first.data and len(ran) == 1  # computed, not kept
    assert fresh.headers["ETag"] == first.headers["ETag"]
    again = client.get(VALIDATED[0], headers=JSON_RESULTS)
    assert again.data == first.data and len(ran) == 1  # a plain request is answered from the cache again


def test_errors_timeouts_and_unrepeatable_queries_are_not_cached(store: EmbeddedStore) -> None:
    client = client_for(store)
    rt = runtime_of(client)
    for _ in range(2):
        bad = client.get("/queries/project-by-id")  # the id is missing: 400
        assert bad.status_code == 400 and "ETag" not in bad.headers
        assert client.get("/sparql?query=SELEC").status_code == 400
    now = client.get("/sparql?query=" + quote("SELECT (NOW() AS ?t) WHERE {}"))
    assert now.status_code == 200 and not now.headers["ETag"].startswith("W/")  # the body's hash
    assert len(rt.answers) == 0
    slow = client_for(store, query_timeout=1e-9)
    for _ in range(2):
        timed_out = slow.get(VALIDATED[0])
        assert timed_out.status_code == 503 and "ETag" not in timed_out.headers
    assert len(runtime_of(slow).answers) == 0


def test_the_cache_keeps_at_most_its_entries_least_recently_used_first(store: EmbeddedStore) -> None:
    client = client_for(store, answer_cache_entries=2)
    rt = runtime_of(client)
    urls = ["/sparql?query=" + quote(f"SELECT ?p WHERE {{ ?p a ?c }} LIMIT {n}") for n in (1, 2, 3)]
    client.get(urls[0])
    client.get(urls[1])
    client.get(urls[0])  # now the most recently used
    client.get(urls[2])
    assert len(rt.answers) == 2 and rt.answers.evictions == 1
    hits = rt.answers.hits
    client.get(urls[0])
    assert rt.answers.hits == hits + 1  # kept
    client.get(urls[1])
    assert rt.answers.hits == hits + 1  # evicted: computed again


def test_the_cache_keeps_within_its_bytes(store: EmbeddedStore) -> None:
    client = client_for(store, answer_cache=8 * 1500)  # an answer may take an eighth: 1,500 bytes
    rt = runtime_of(client)
    small = client.get("/sparql?query=" + quote("ASK { ?s ?p ?o }"))
    large = client.get("/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 100"))
    assert len(small.data) < 1000 < 1500 < len(large.data)
    assert len(rt.answers) == 1 and rt.answers.bytes <= 1500
    for limit in range(1, 100):  # about 180 bytes each
        client.get("/sparql?query=" + quote(f"ASK {{ ?s ?p ?o }} LIMIT {limit}"))
    assert rt.answers.bytes <= 8 * 1500 and rt.answers.evictions > 0


@pytest.mark.parametrize("setting", ["answer_cache", "answer_cache_entries"])
def test_zero_turns_the_cache_off_not_the_etags(store: EmbeddedStore, setting: str) -> None:
    client = client_for(store, **{setting: 0})
    rt = runtime_of(client)
    etag = client.get(VALIDATED[1]).headers["ETag"]
    assert client.get(VALIDATED[1]).headers["ETag"] == etag
    assert client.get(VALIDATED[1], headers={"If-None-Match": etag}).status_code == 304
    assert len(rt.answers) == 0 and not rt.answers.enabled


@pytest.mark.parametrize("setting", ["answer_cache", "answer_cache_entries"])
def test_a_negative_cache_size_is_refused(setting: str) -> None:
    with pytest.raises(ConfigError, match=f"bad value '-1' for {setting}: must be 0"):
        load_settings(environ={f"MGKG_{setting.upper()}": "-1"})


def test_a_write_changes_the_etags_and_the_next_get_is_fresh(fresh: EmbeddedStore) -> None:
    client = client_for(fresh, update_token="t")
    rt = runtime_of(client)
    ask = "/sparql?query=" + quote(NOTE_ASK)
    changes = "/queries/changes-to-entity?subject=" + quote(f"{BASE}id/note")
    before = {url: client.get(url, headers=JSON_RESULTS) for url in (ask, changes)}
    assert before[ask].get_json()["boolean"] is False and before[changes].headers["X-MGKG-Rows"] == "0"
    assert len(rt.answers) == 2
    assert client.post("/sparql", data=insert("fresh"), headers=WRITE).status_code == 204
    assert len(rt.answers) == 0
    after = {url: client.get(url, headers={**JSON_RESULTS, "If-None-Match": before[url].headers["ETag"]})
             for url in (ask, changes)}  # fmt: skip
    assert all(after[url].status_code == 200 and after[url].headers["ETag"] != before[url].headers["ETag"]
               for url in after)  # fmt: skip
    assert after[ask].get_json()["boolean"] is True and after[changes].headers["X-MGKG-Rows"] == "1"


def test_a_write_of_an_empty_graph_changes_the_etags(fresh: EmbeddedStore) -> None:
    """A write that changes no quad but creates a named graph makes no changeset: the graphs count all the same."""
    client = client_for(fresh, update_token="t")
    url = "/sparql?query=" + quote("SELECT ?g WHERE { GRAPH ?g { } }")
    before = client.get(url).headers["ETag"]
    graph = "/rdf-graphs?graph=" + quote(f"{EDITOR.value}/empty")
    put = client.put(graph, data=b"", content_type="text/turtle", headers={"Authorization": "Bearer t"})
    assert put.status_code == 201 and "X-MGKG-Changeset" not in put.headers
    assert client.get(url).headers["ETag"] != before
    assert client.get(graph).status_code == 200


def serve(data: Path, **settings: Any) -> FlaskClient:
    """An app over the data folder's store (in this process): writing with a token, else read-only."""
    given = Settings(data_dir=data, isolation=False, **settings)
    return create_app(given, open_store(given.store_spec, read_only=not given.update_token)).test_client()


def close(client: FlaskClient) -> None:
    """Release the app's store."""
    rt = runtime_of(client)
    rt.close()
    assert isinstance(rt.store, EmbeddedStore)
    rt.store.close()


def test_processes_over_one_store_agree_and_a_build_changes_every_etag(built: Dataset, tmp_path: Path) -> None:
    """Two servers over one store (as `mgkg serve --workers 2`) give the same ETags; a build while they serve
    changes them in both, alike, and the answers are the new generation's (a journaled write the old one lacks)."""
    data = data_folder(built, tmp_path)
    servers = [serve(data), serve(data)]
    url = "/sparql?query=" + quote(NOTE_ASK)
    try:
        first = [s.get(url, headers=JSON_RESULTS) for s in servers]
        etag = first[0].headers["ETag"]
        assert first[1].headers["ETag"] == etag and first[0].get_json()["boolean"] is False
        now = datetime.now(UTC)
        Journal(data).append(Changeset(new_id(now), now, "editor", "made elsewhere", (note("fresh"),), ()))
        assert servers[0].get(url, headers={**JSON_RESULTS, "If-None-Match": etag}).status_code == 304  # same store
        write_store(built, f"oxigraph:{data / 'store'}", BASE, Journal(data))
        after = [s.get(url, headers={**JSON_RESULTS, "If-None-Match": etag}) for s in servers]
        assert [a.status_code for a in after] == [200, 200]
        assert after[0].headers["ETag"] == after[1].headers["ETag"] != etag
        assert all(a.get_json()["boolean"] is True for a in after)
    finally:
        for server in servers:
            close(server)


def test_in_memory_copies_of_one_generation_agree(built: Dataset, tmp_path: Path) -> None:
    """`--in-memory --workers 2`: each process copies the store; copies of one generation give the same ETags,
    a store in memory of its own (written to by its app) never shares them."""
    data = data_folder(built, tmp_path)
    disk = open_store(f"oxigraph:{data / 'store'}", read_only=True)
    assert isinstance(disk, EmbeddedStore)
    copies = [client_for(disk.memory_copy(BASE)) for _ in range(2)]
    url = "/sparql?query=" + quote(PROJECTS)
    assert copies[0].get(url).headers["ETag"] == copies[1].get(url).headers["ETag"]
    own = client_for(open_store("memory"))
    assert own.get(url).headers["ETag"] != client_for(open_store("memory")).get(url).headers["ETag"]
    disk.close()


def test_over_a_remote_store_etags_are_the_bodies_hashes_and_nothing_is_cached(tmp_path: Path) -> None:
    """The server cannot see a remote store's state (other clients write it): no state validator, no cache."""
    client = client_for(RemoteStore(closed_port_url()), data_dir=tmp_path)
    rt = runtime_of(client)
    assert rt.state is None
    listed = client.get("/queries")
    assert listed.status_code == 200 and not listed.headers["ETag"].startswith("W/")
    assert client.get("/queries", headers={"If-None-Match": listed.headers["ETag"]}).status_code == 304
    unreachable = client.get(VALIDATED[0])
    assert unreachable.status_code == 502 and "ETag" not in unreachable.headers
    assert len(rt.answers) == 0


def test_a_restarted_server_keeps_its_etags(built: Dataset, tmp_path: Path) -> None:
    data = data_folder(built, tmp_path)
    url = "/queries/changes-to-entity?subject=" + quote(f"{BASE}id/note")
    writer = serve(data, update_token="t")
    try:
        before = writer.get(url).headers["ETag"]
        assert writer.post("/sparql", data=insert("fresh"), headers=WRITE).status_code == 204
        etag = writer.get(url).headers["ETag"]
        assert etag != before
    finally:
        close(writer)
    again = serve(data, update_token="t")
    try:
        assert again.get(url, headers={"If-None-Match": etag}).status_code == 304
    finally:
        close(again)


def test_the_openapi_document_describes_conditional_gets(store: EmbeddedStore) -> None:
    with create_app(Settings(store="memory"), store).test_request_context():
        document = build_openapi(catalogue(), "http://localhost/", False)
    gets = [item["get"] for item in document["paths"].values() if "get" in item]
    assert len(gets) > 20
    for operation in gets:
        assert any(p["name"] == "If-None-Match" and p["in"] == "header" for p in operation["parameters"])
        assert "ETag" in operation["responses"]["304"]["headers"]
        assert "ETag" in operation["responses"]["200"]["headers"]

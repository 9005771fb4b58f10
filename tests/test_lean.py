"""The lean path (server.lean): cached GETs and bounded lookups answered without Flask, byte for byte as Flask
answers them; everything else, errors included, still answered by Flask; never a stale answer after a write."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from support.clients import client_for
from support.notes import BASE, insert
from werkzeug.test import Client, EnvironBuilder, TestResponse, run_wsgi_app

from graph.core.errors import Kind
from graph.sparql.execute import QueryFailed
from graph.store import EmbeddedStore
from server.context import EXTENSION, Runtime
from server.http import SecuredHeaders
from server.lean import LeanGets, only_query
from server.writers import add_writer

PROJECT = f"{BASE}id/project/tc-0287"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{PROJECT}> ?p ?o }} LIMIT 100"
WRITE_HEADERS = {"Authorization": "Bearer t", "Content-Type": "application/sparql-update"}
NOTE_LOOKUP = f"SELECT ?o WHERE {{ <{BASE}id/note> ?p ?o }}"

REQUESTS: list[tuple[str, dict[str, str]]] = [  # (URL, headers)
    ("/sparql?query=" + quote(LOOKUP), {}),
    ("/sparql?query=" + quote(LOOKUP), {"Accept": "application/sparql-results+json"}),
    ("/sparql?query=" + quote(LOOKUP), {"Accept": "application/sparql-results+xml"}),
    ("/sparql?query=" + quote(LOOKUP), {"Accept": "text/csv"}),
    ("/sparql?query=" + quote(LOOKUP), {"Accept": "text/tab-separated-values, text/csv;q=0.5"}),
    ("/sparql?query=" + quote(LOOKUP).replace("%20", "+"), {}),  # `+` for a space
    ("/sparql?query=" + quote("PREFIX prj: <https://w3id.org/mgkg/id/project/> SELECT * { prj:tc-0287 ?p ?o }"), {}),
    ("/sparql?query=" + quote(f"SELECT ?s WHERE {{ ?s ?p <{BASE}id/place/nikšić> }}"), {}),  # beyond ASCII, 0 rows
    ("/sparql?query=" + quote("SELECT ?p WHERE { ?p a ?c } ORDER BY ?p LIMIT 3"), {}),  # not a lookup: cached
    ("/sparql", {"Accept": "text/turtle"}),  # the service description
    ("/queries/project-by-id?id=TC.0287", {"Accept": "application/sparql-results+json"}),
    ("/queries/project-by-id?id=TC.0287&format=csv", {}),
]


def lean_of(app: Flask) -> LeanGets:
    """The app's LeanGets layer (inside the security headers)."""
    secured = app.wsgi_app
    assert isinstance(secured, SecuredHeaders) and isinstance(secured.app, LeanGets)
    return secured.app


def runtime_of(client: Any) -> Runtime:
    """The Runtime of a test client's app."""
    rt = client.application.extensions[EXTENSION]
    assert isinstance(rt, Runtime)
    return rt


def answer(response: TestResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers (sorted) and body of a response."""
    return response.status_code, sorted(response.headers.items()), response.get_data()


def flask_only(app: Flask) -> Client:
    """A client of the same app without the lean path: the request goes through Flask as before server.lean."""
    return Client(SecuredHeaders(lean_of(app).app))


@pytest.mark.parametrize(("url", "headers"), REQUESTS)
@pytest.mark.parametrize("base", ["http://localhost/", "https://example.org:8443/"])
def test_the_lean_path_answers_as_flask_does(store: EmbeddedStore, url: str, headers: dict[str, str],
                                            base: str) -> None:
    """Computed by the lean path, kept, then taken from the cache by Flask and by the lean path: the same bytes."""
    app = client_for(store).application
    full, plain = Client(app), flask_only(app)
    first = answer(full.get(url, headers=headers, base_url=base))
    assert first[0] == 200
    assert answer(plain.get(url, headers=headers, base_url=base)) == first  # Flask, from the cache
    assert answer(full.get(url, headers=headers, base_url=base)) == first  # lean, from the cache
    if url == "/sparql":  # two computations of the service description differ in their blank nodes' labels
        return
    uncached = client_for(store, answer_cache=0).application  # the same state: nothing cached on either side
    assert answer(Client(uncached).get(url, headers=headers, base_url=base)) == \
        answer(flask_only(uncached).get(url, headers=headers, base_url=base))


def counting(app: Flask) -> list[str]:
    """The paths of the requests that reach Flask from now on."""
    layer = lean_of(app)
    inner, reached = layer.app, []

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        reached.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    layer.app = counted
    return reached


def test_lookups_and_repeated_gets_do_not_reach_flask(store: EmbeddedStore) -> None:
    client = client_for(store)
    reached = counting(client.application)
    for _ in range(3):
        assert client.get("/sparql?query=" + quote(LOOKUP)).status_code == 200
    hits = runtime_of(client).answers.hits
    assert client.get("/sparql?query=" + quote(LOOKUP), headers={"Cache-Control": "no-cache"}).status_code == 200
    assert reached == [] and runtime_of(client).answers.hits == hits  # computed now, here
    for _ in range(3):
        assert client.get("/queries/project-by-id?id=TC.0287").status_code == 200
    assert reached == ["/queries/project-by-id"]  # once, then remembered
    asked_again = client.get("/queries/project-by-id?id=TC.0287", headers={"Cache-Control": "no-cache"})
    assert asked_again.status_code == 200 and len(reached) == 2  # a fresh answer wanted: Flask computes it
    tag = asked_again.headers["ETag"]
    assert client.get("/queries/project-by-id?id=TC.0287", headers={"If-None-Match": tag}).status_code == 304
    assert len(reached) == 2  # revalidated here too
    assert client.head("/sparql?query=" + quote(LOOKUP)).status_code == 200 and len(reached) == 3


REMEMBERED = [(url, headers) for url, headers in REQUESTS if url != "/sparql"]  # the service description never is


@pytest.mark.parametrize(("url", "headers"), REMEMBERED)
@pytest.mark.parametrize("base", ["http://localhost/", "https://example.org:8443/"])
def test_a_revalidated_get_is_answered_304_as_flask_answers_it(store: EmbeddedStore, url: str,
                                                               headers: dict[str, str], base: str) -> None:
    app = client_for(store).application
    full, plain = Client(app), flask_only(app)
    tag = full.get(url, headers=headers, base_url=base).headers["ETag"]
    full.get(url, headers=headers, base_url=base)  # remembered by now, whichever computed it
    revalidations = [tag, f'"other", {tag}', tag.removeprefix("W/"), f"{tag},W/\"x\""]  # weak comparison, lists
    expected = [answer(plain.get(url, headers={**headers, "If-None-Match": given}, base_url=base))
                for given in revalidations]
    reached = counting(app)
    got = [answer(full.get(url, headers={**headers, "If-None-Match": given}, base_url=base))
           for given in revalidations]
    assert got == expected and {status for status, _, _ in got} == {304} and reached == []


@pytest.mark.parametrize(("given", "status"), [('"other"', 200), ("*", 304), ("W/", 200), ("", 200)])
def test_a_revalidation_the_lean_path_does_not_match_goes_to_flask(store: EmbeddedStore, given: str,
                                                                    status: int) -> None:
    client = client_for(store)
    url = "/queries/project-by-id?id=TC.0287"
    first = client.get(url)
    client.get(url)  # remembered by now
    reached = counting(client.application)
    again = client.get(url, headers={"If-None-Match": given})
    assert again.status_code == status and reached == ["/queries/project-by-id"]
    if status == 200:
        assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]


def test_without_the_cache_lookups_still_skip_flask(store: EmbeddedStore) -> None:
    client = client_for(store, answer_cache=0)
    reached = counting(client.application)
    for _ in range(2):
        assert client.get("/sparql?query=" + quote(LOOKUP)).headers["X-MGKG-Rows"] != "0"
    assert reached == []


@pytest.mark.parametrize(("url", "headers", "status", "says"), [
    ("/sparql?query=" + quote(LOOKUP), {"Accept": "image/png"}, 406, "offered"),
    ("/sparql?query=SELECT%20%3Fo%20%7B%20%3Chttp%3A%2F%2Fx%2F%FF%3E%20%3Fp%20%3Fo%20%7D", {}, 400, "UTF-8"),
    ("/sparql?query=" + quote("SELECT ?o { <http://x/ y> ?p ?o }"), {}, 400, "IRI"),
    ("/sparql?query=" + quote(LOOKUP) + "&query=" + quote(LOOKUP), {}, 400, "2 times"),
])
def test_a_lookup_the_lean_path_cannot_answer_gets_flasks_one_line_error(
        store: EmbeddedStore, url: str, headers: dict[str, str], status: int, says: str) -> None:
    response = client_for(store).get(url, headers=headers)
    assert response.status_code == status and says in response.get_data(as_text=True)
    assert response.get_data(as_text=True).count("\n") == 1


def test_a_lookup_out_of_time_is_a_503(store: EmbeddedStore) -> None:
    client = client_for(store, query_timeout=1e-9)
    response = client.get("/sparql?query=" + quote(LOOKUP))
    assert response.status_code == 503 and "ETag" not in response.headers


def test_after_a_write_a_repeated_lookup_is_fresh(fresh: EmbeddedStore) -> None:
    client = client_for(fresh, update_token="t")
    reached = counting(client.application)
    url = "/sparql?query=" + quote(NOTE_LOOKUP)
    before = [client.get(url, headers={"Accept": "text/csv"}) for _ in range(2)]
    assert [r.get_data(as_text=True) for r in before] == ["o\r\n"] * 2 and reached == []
    assert client.post("/sparql", data=insert("fresh"), headers=WRITE_HEADERS).status_code == 204
    after = client.get(url, headers={"Accept": "text/csv", "If-None-Match": before[0].headers["ETag"]})
    assert after.status_code == 200 and after.get_data(as_text=True) == "o\r\nfresh\r\n"
    assert after.headers["ETag"] != before[0].headers["ETag"]


@pytest.mark.parametrize(("query_string", "text"), [
    ("query=" + quote(LOOKUP), LOOKUP),
    ("query=a+b%2Bc", "a b+c"),
    ("query=%EF%BB%BFASK%7B%7D", "ASK{}"),  # a byte-order mark dropped, as Flask's path drops it
    ("query=" + quote(LOOKUP) + "&format=json", None),  # another parameter: Flask's
    ("format=json&query=" + quote(LOOKUP), None),
    ("query=%FF", None),  # not UTF-8: Flask's 400
    ("query=%ED%A0%80", None),  # a lone surrogate
    ("update=x", None),
    ("", None),
])
def test_only_a_query_string_of_one_query_is_read(query_string: str, text: str | None) -> None:
    assert only_query(query_string) == text


def test_the_service_description_follows_the_writers_file(store: EmbeddedStore, tmp_path: Path) -> None:
    """Whether writes are on is read for every request (describe.writes_key): never answered from a remembered one."""
    client = client_for(store, data_dir=tmp_path)
    turtle = {"Accept": "text/turtle"}
    before = [client.get("/sparql", headers=turtle) for _ in range(2)]
    assert "SPARQL11Update" not in before[1].get_data(as_text=True)
    add_writer(tmp_path / "writers.toml", "alice")
    after = client.get("/sparql", headers=turtle)
    assert "SPARQL11Update" in after.get_data(as_text=True) and after.headers["ETag"] != before[1].headers["ETag"]
    (tmp_path / "writers.toml").write_text("not toml [", encoding="utf-8")
    assert client.get("/sparql", headers=turtle).status_code == 400


def test_a_failed_lookup_is_not_run_again(store: EmbeddedStore) -> None:
    client = client_for(store)
    rt = runtime_of(client)
    calls = []

    def timing_out(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        raise QueryFailed("query took longer than 1 s (query_timeout)", kind=Kind.TIMEOUT)

    rt.run = timing_out  # type: ignore[method-assign]
    response = client.get("/sparql?query=" + quote(LOOKUP))
    assert response.status_code == 503 and response.get_data(as_text=True) == \
        "query took longer than 1 s (query_timeout)\n"
    assert len(calls) == 1


def test_a_get_with_a_body_is_checked_as_flask_checks_it(store: EmbeddedStore) -> None:
    client = client_for(store, max_body=10)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for url in ("/sparql?query=" + quote(LOOKUP), "/queries/project-by-id?id=TC.0287"):
        assert client.get(url).status_code == 200 and client.get(url).status_code == 200  # computed, remembered
        assert client.get(url, data=b"x=%FF", headers=form).status_code == 400
        assert client.get(url, data=b"a=" + b"b" * 100, headers=form).status_code == 413


@pytest.mark.parametrize("changes", [
    ({"HTTP_HOST": None}, {"HTTP_HOST": ""}),  # no Host header, then an empty one: not the same request
    ({"SCRIPT_NAME": "/\xc3\xa9"}, {"SCRIPT_NAME": "/app"}),  # a mount point beyond ASCII (UTF-8 bytes as latin-1)
])
def test_requests_that_differ_only_in_their_environ_get_their_own_answers(
        store: EmbeddedStore, changes: tuple[dict[str, str | None], ...]) -> None:
    app = client_for(store).application
    for url in ("/sparql", "/sparql?query=" + quote("SELECT ?s WHERE { ?s ?p <relative> }")):
        for change in changes * 2:
            builder = EnvironBuilder(path=url.split("?")[0], query_string=url.partition("?")[2],
                                     headers={"Accept": "text/turtle, application/sparql-results+json"},
                                     base_url="http://server.example:8080/")
            environ = builder.get_environ()
            for name, value in change.items():
                if value is None:
                    environ.pop(name, None)
                else:
                    environ[name] = value
            lean = run_wsgi_app(app.wsgi_app, dict(environ))
            plain = run_wsgi_app(SecuredHeaders(lean_of(app).app), dict(environ))
            assert (lean[1], b"".join(lean[0]), sorted(lean[2].items())) == \
                (plain[1], b"".join(plain[0]), sorted(plain[2].items())), change

"""Bounded lookups (graph.sparql.lookup): which texts are one lazily scanned triple pattern, and how the server
answers them in its own process within a budget (server.context.Runtime.run) — the same answer a query process
gives, and a query process whenever the budget is not enough.

No test times anything: the budget is set to 0 to force the hand-over, and the pool's processes are counted.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from graph.core.config import Settings
from graph.core.errors import Kind
from graph.core.namespaces import prefixes
from graph.sparql.execute import Budgeted, Limits, OverBudget, QueryFailed
from graph.sparql.guard import Refused, secure
from graph.sparql.lookup import LOOKUP_LEVELS, bounded_lookup, plain_lookup
from graph.sparql.nesting import measure
from graph.sparql.request import QueryRequest, check_request
from graph.sparql.tokens import SHORT_TEXT
from graph.store import open_store
from server import context
from server.app import create_app
from server.context import EXTENSION, Runtime

EX = "http://example.org/"

LOOKUPS = [
    "SELECT ?p ?o WHERE { <http://example.org/s1> ?p ?o }",
    "SELECT * { ?s ?p ?o }",
    "select ?s where { ?s a <http://example.org/C> . }",
    "PREFIX ex: <http://example.org/> SELECT ?s { ?s ex:p1 \"value 1\" } LIMIT 5",
    "BASE <http://example.org/> PREFIX ex: <> SELECT ?o { <s1> ex:p1 ?o }",
    'SELECT ?s { ?s <http://example.org/label> "x"@en }',
    'SELECT ?s { ?s <http://example.org/n> "1"^^<http://www.w3.org/2001/XMLSchema#integer> }',
    "SELECT ?s { ?s <http://example.org/n> 12 }",
    "SELECT ?s { ?s <http://example.org/flag> true }",
    "SELECT $s ?o { $s <http://example.org/p> ?o }",
]

NOT_LOOKUPS = [
    "SELECT ?x { ?x ?x ?x }",  # a repeated variable filters a scan that writes nothing
    "SELECT ?s { ?s ?p ?s }",
    "SELECT ?s { ?s ?p ?o . ?o ?q ?r }",
    "SELECT ?s { ?s ?p ?o ; ?q ?r }",
    "SELECT ?s { ?s ?p ?o , ?r }",
    "SELECT ?s { ?s ?p ?o FILTER(?o > 1) }",
    "SELECT ?s { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?s { { ?s ?p ?o } }",
    "SELECT ?s { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?s { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT ?s { ?s <http://example.org/p>/<http://example.org/q> ?o }",
    "SELECT ?s { ?s <http://example.org/p>* ?o }",
    "SELECT ?s { ?s ^<http://example.org/p> ?o }",
    "SELECT ?s { ?s ?p [] }",
    "SELECT ?s { ?s ?p _:b }",
    "SELECT ?s { ?s ?p ( 1 2 ) }",
    "SELECT DISTINCT ?s { ?s ?p ?o }",
    "SELECT REDUCED ?s { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "SELECT ?s { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?s { ?s ?p ?o } OFFSET 100000000",
    "SELECT ?s { ?s ?p ?o } LIMIT 5 OFFSET 5",
    "SELECT ?s { ?s ?p ?o } GROUP BY ?s",
    "SELECT ?s { ?s ?p ?o } VALUES ?s { <http://example.org/s1> }",
    "SELECT ?s FROM <http://example.org/graph> { ?s ?p ?o }",
    "SELECT ?s { ?s ?p ?o } LIMIT ?n",
    "SELECT ?s { ?s a ?o }  # fine so far\n}",
    "SELECT ?s { ?s ?p }",
    "SELECT ?s { ?s ?p ?o ?q }",
    "SELECT ?s { ?s \"p\" ?o }",
    "SELECT { ?s ?p ?o }",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DESCRIBE <http://example.org/s1>",
    "PREFIX ex <http://example.org/> SELECT ?s { ?s ex:p ?o }",
    "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
    "",
]


@pytest.mark.parametrize("text", LOOKUPS)
def test_one_lazily_scanned_pattern_is_a_bounded_lookup(text: str) -> None:
    assert bounded_lookup(text)


@pytest.mark.parametrize("text", NOT_LOOKUPS)
def test_anything_more_is_not(text: str) -> None:
    assert not bounded_lookup(text)


def test_a_long_text_is_never_read_as_one() -> None:
    padding = " " * SHORT_TEXT
    assert not bounded_lookup(f"SELECT ?p ?o WHERE {{ <{EX}s1> ?p ?o {padding}}}")


def _app(path: Path) -> tuple[FlaskClient, Runtime]:
    given = Settings(store=f"oxigraph:{path}", answer_cache=0)  # each request runs its query
    app = create_app(given, open_store(given.store_spec, read_only=True))
    runtime = app.extensions[EXTENSION]
    assert isinstance(runtime, Runtime) and runtime.pool is not None
    return app.test_client(), runtime


def _get(client: FlaskClient, text: str) -> tuple[int, dict[str, str], bytes]:
    accept = {"Accept": "application/sparql-results+json"}
    response = client.get("/sparql", query_string={"query": text}, headers=accept)
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("date", "etag")}
    return response.status_code, headers, response.data


def test_a_bounded_lookup_is_answered_without_a_query_process(disk_store: Path) -> None:
    client, runtime = _app(disk_store)
    assert runtime.pool is not None
    try:
        status, headers, body = _get(client, f"SELECT ?p ?o WHERE {{ <{EX}s1> ?p ?o }}")
        assert status == 200 and headers["X-MGKG-Rows"] == "1" and b"value 1" in body
        assert runtime.pool.pids() == []  # no query process was ever started
        status, _, _ = _get(client, "SELECT ?s WHERE { ?s ?p ?o . ?s ?q ?o }")
        assert status == 200 and runtime.pool.pids() != []  # anything else goes to one
    finally:
        runtime.close()


@pytest.mark.parametrize("text", [
    f"SELECT ?p ?o WHERE {{ <{EX}s1> ?p ?o }}",
    "SELECT * { ?s ?p ?o }",
    f"SELECT ?s {{ ?s <{EX}p3> ?o }} LIMIT 7",
    f'PREFIX ex: <{EX}> SELECT ?s {{ ?s ex:p1 "value 1" }}',
    "SELECT ?s { ?s nope:p ?o }",  # an undeclared prefix: the same 400 either way
    f"SELECT ?s {{ ?s <{EX}p1> \"x\"^^nope:t }}",
])
def test_the_answer_is_the_one_a_query_process_gives(disk_store: Path, text: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    client, runtime = _app(disk_store)
    try:
        here = _get(client, text)
        monkeypatch.setattr(context, "BOUNDED_BUDGET", 3600.0)  # more than the time left: never tried here
        there = _get(client, text)
        assert runtime.pool is not None and runtime.pool.pids() != []
    finally:
        runtime.close()
    assert here == there


def test_past_its_budget_a_lookup_goes_to_a_query_process(disk_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "BUDGETED", Budgeted(0.0))  # no time at all here
    client, runtime = _app(disk_store)
    try:
        status, headers, _ = _get(client, "SELECT * { ?s ?p ?o }")
        assert status == 200 and headers["X-MGKG-Rows"] == "3000"
        assert runtime.pool is not None and runtime.pool.pids() != []
    finally:
        runtime.close()


def test_a_failure_in_the_server_process_leaves_the_answer_to_a_query_process(
    disk_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken(Budgeted):
        def call(self, timeout: float, work: object, what: str = "query") -> object:  # type: ignore[override]
            raise RuntimeError("engine failure")

    monkeypatch.setattr(context, "BUDGETED", Broken(1.0))
    client, runtime = _app(disk_store)
    try:
        status, headers, _ = _get(client, f"SELECT ?p ?o WHERE {{ <{EX}s1> ?p ?o }}")
        assert status == 200 and headers["X-MGKG-Rows"] == "1"
        assert runtime.pool is not None and runtime.pool.pids() != []
    finally:
        runtime.close()


def test_a_dataset_parameter_sends_the_lookup_to_a_query_process(disk_store: Path) -> None:
    client, runtime = _app(disk_store)
    try:
        response = client.get("/sparql", query_string={
            "query": "SELECT * { ?s ?p ?o }", "default-graph-uri": f"{EX}graph"})
        assert response.status_code == 200 and response.headers["X-MGKG-Rows"] == "3000"
        assert runtime.pool is not None and runtime.pool.pids() != []
    finally:
        runtime.close()


def _scan(deadline: object) -> None:
    raise TimeoutError


def test_the_budget_stops_work_with_over_budget() -> None:
    with pytest.raises(OverBudget):
        Budgeted(0.5).call(10.0, _scan)


def test_a_query_limit_shorter_than_the_budget_is_a_plain_timeout() -> None:
    with pytest.raises(QueryFailed) as failed:
        Budgeted(10.0).call(0.5, _scan)
    assert failed.value.kind is Kind.TIMEOUT and not isinstance(failed.value, OverBudget)


def test_a_budget_spent_while_serializing_is_over_budget(disk_store: Path) -> None:
    store = ox.Store.read_only(str(disk_store))
    with pytest.raises(OverBudget):
        Budgeted(0.0).run(store, "SELECT * { ?s ?p ?o }", limits=Limits(60.0, None))


@pytest.mark.parametrize("text", LOOKUPS)
def test_a_plain_lookup_skips_the_guard_with_the_findings_it_would_give(text: str) -> None:
    """check_request knows a plain lookup's findings without graph.sparql.guard: the same text and findings, at
    the least max_depth that lets it skip the guard."""
    assert measure(text).cost <= LOOKUP_LEVELS
    settings = Settings(max_depth=LOOKUP_LEVELS)
    checked, found = check_request(ox.Store(), QueryRequest(text, settings, base_iri=EX))
    text_guarded, guarded = secure(text, is_update=False, base=EX, allowlist=(), has_graph=lambda _: False,
                                   max_depth=LOOKUP_LEVELS, prefixes=prefixes(settings.base))  # fmt: skip
    assert plain_lookup(text, LOOKUP_LEVELS) and not plain_lookup(text, LOOKUP_LEVELS - 1)
    assert (checked.text, checked.checked, checked.has_dataset) == (text_guarded, True, guarded.has_dataset)
    assert (found.form, found.calls, found.datasets) == (guarded.form, guarded.calls, guarded.datasets)


@pytest.mark.parametrize("text", [
    "SELECT ?o { ?s <http://example.org/service\\u0041> ?o }",
    'SELECT ?s { ?s <http://example.org/service> "a\\u0022 }" }',
])  # fmt: skip
def test_a_lookup_with_escapes_is_read_by_the_guard(text: str) -> None:
    """An escape may hide a keyword from the lexer that the engine reads: such a lookup is not plain, the guard
    reads it (and refuses the SERVICE it mentions where it cannot tell whether it is one)."""
    assert bounded_lookup(text) and not plain_lookup(text, Settings().max_depth)
    with pytest.raises(Refused, match="SERVICE"):
        check_request(ox.Store(), QueryRequest(text, Settings(), base_iri=EX))


def test_under_a_lower_max_depth_the_guard_reads_lookups() -> None:
    """With max_depth 1 a `SELECT *` lookup (two levels as the guard counts) is refused, as any query over it."""
    with pytest.raises(Refused, match="at most 1 are allowed"):
        check_request(ox.Store(), QueryRequest("SELECT * { ?s ?p ?o }", Settings(max_depth=1)))


@pytest.mark.parametrize("field", ["default_graphs", "named_graphs"])
def test_a_lookup_over_named_graphs_is_read_by_the_guard(field: str) -> None:
    """A dataset given with the request (default-graph-uri / named-graph-uri) is the guard's to check: a graph the
    store does not hold is refused for a lookup as for any query."""
    request = QueryRequest(LOOKUPS[0], Settings(), base_iri=EX, **{field: (EX + "no-such-graph",)})
    with pytest.raises(Refused, match="no-such-graph"):
        check_request(ox.Store(), request)

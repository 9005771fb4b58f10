"""SELECT answers written by Oxigraph (graph/sparql/results.py): the LIMIT added, rows counted and cut in the
body, the same rows and headers as the row-by-row path, and the cases left to that path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from graph.core.errors import Kind
from graph.core.formats import RESULTS, by_name
from graph.sparql import results
from graph.sparql.execute import Executor, Limits
from graph.sparql.serialize import serialize_solutions
from graph.sparql.text import with_limit

EX = "http://example.org/"
TRICKY = ['x,{"y"}', "a\nb\t<result>c", "{}", ",{}", '"bindings":[{', "</results></sparql>", "ends,{", "z,{"]
"""Literal texts that look like the markers the counting relies on."""


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """Subjects s0…s6, each with one tricky literal (a language on some) and one integer; a blank node too."""
    data = ox.Store()
    for i, text in enumerate(TRICKY):
        subject = ox.NamedNode(f"{EX}s{i}")
        literal = ox.Literal(text, language="en") if i % 2 else ox.Literal(text)
        data.add(ox.Quad(subject, ox.NamedNode(f"{EX}label"), literal))
        data.add(ox.Quad(subject, ox.NamedNode(f"{EX}n"), ox.Literal(str(i), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer"))))
    data.add(ox.Quad(ox.BlankNode("b"), ox.NamedNode(f"{EX}label"), ox.Literal("blank")))
    return data


@pytest.fixture(scope="module")
def executor() -> Iterator[Executor]:
    """An executor of two threads."""
    pool = Executor(2)
    yield pool
    pool.shutdown()


QUERY = f"SELECT ?s ?label ?missing WHERE {{ ?s <{EX}label> ?label }} ORDER BY STR(?label)"


def rows_of(body: bytes, fmt: str) -> list[tuple[Any, ...]]:
    """The rows of a results body, as tuples of pyoxigraph terms (None for unbound)."""
    parsed = ox.parse_query_results(body, format=by_name(fmt, RESULTS).results)
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [tuple(solution[name] for name in names) for solution in parsed]


def row_by_row(store: ox.Store, text: str, fmt: str, max_rows: int) -> bytes:
    """What the row-by-row path writes for the first `max_rows` rows of `text`."""
    result = store.query(text)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return serialize_solutions(names, [tuple(s) for s in result][:max_rows], fmt)


@pytest.mark.parametrize("fmt", sorted(results.FORMATS))
@pytest.mark.parametrize("max_rows", [0, 1, 2, 7, 8, 9, 1000])
def test_native_answers_have_the_row_by_row_rows_count_and_cut(
    store: ox.Store, executor: Executor, fmt: str, max_rows: int
) -> None:
    answer = executor.run(store, QUERY, result_format=fmt, limits=Limits(30, max_rows), union_default=False)
    total = len(TRICKY) + 1
    assert answer.count == min(total, max_rows)
    assert answer.truncated == (total > max_rows)
    assert rows_of(answer.body, fmt) == rows_of(row_by_row(store, QUERY, fmt, max_rows), fmt)
    assert answer.body.startswith(b"{" if fmt == "json" else b"<?xml" if fmt == "xml" else b"?s")


@pytest.mark.parametrize("fmt", sorted(results.FORMATS))
def test_count_and_cut_on_bodies_oxigraph_writes(store: ox.Store, fmt: str) -> None:
    def body_of(text: str) -> bytes:
        result = store.query(text)
        assert isinstance(result, ox.QuerySolutions)
        return result.serialize(format=by_name(fmt, RESULTS).results) or b""

    body, rows = body_of(QUERY), len(TRICKY) + 1
    if fmt == "json":  # a literal ",{}" reads like an empty solution: not countable, left to the row-by-row path
        assert results.count_rows(body, fmt) is None
        body, rows = body_of(QUERY.replace("}", 'FILTER(STR(?label) != ",{}") }', 1)), len(TRICKY)
    assert results.count_rows(body, fmt) == rows
    shorter = results.drop_last_row(body, fmt)
    assert rows_of(shorter, fmt) == rows_of(body, fmt)[:-1]
    assert results.count_rows(shorter, fmt) == rows - 1


def test_empty_json_solutions_are_left_to_the_row_by_row_path(store: ox.Store, executor: Executor) -> None:
    text = f"SELECT ?missing WHERE {{ ?s <{EX}n> ?n }}"
    result = store.query(with_limit(text, 4) or "")
    assert isinstance(result, ox.QuerySolutions)
    # `{}` rows: not countable from the text
    assert results.native_answer(result, "json", 3, lambda: None) is None
    answer = executor.run(store, text, limits=Limits(30, 3), union_default=False)
    assert (answer.count, answer.truncated, rows_of(answer.body, "json")) == (3, True, [(None,)] * 3)
    tsv = executor.run(store, text, result_format="tsv", limits=Limits(30, 3), union_default=False)
    assert (tsv.count, tsv.truncated, tsv.body) == (3, True, b"?missing\n\n\n\n")


def test_csv_asks_and_graphs_keep_their_own_paths(store: ox.Store, executor: Executor) -> None:
    csv = executor.run(store, QUERY, result_format="csv", limits=Limits(30, 2), union_default=False)
    assert (csv.count, csv.truncated) == (2, True) and csv.body.count(b"\r\n") == 3  # a field holds a newline
    ask = executor.run(store, f"ASK {{ ?s <{EX}n> 3 }}", limits=Limits(30, 0), union_default=False)
    assert ask.kind == "boolean" and b"true" in ask.body
    graph = executor.run(store, f"CONSTRUCT WHERE {{ ?s <{EX}n> ?n }}", graph_format="nt",
                         limits=Limits(30, 2), union_default=False)
    assert (graph.kind, graph.count, graph.truncated) == ("graph", 2, True)


def test_a_query_with_its_own_limit_or_trailing_values_stays_right(store: ox.Store, executor: Executor) -> None:
    own = executor.run(store, QUERY + " LIMIT 3", limits=Limits(30, 2), union_default=False)
    assert (own.count, own.truncated) == (2, True)
    values = f"SELECT ?s ?n WHERE {{ ?s <{EX}n> ?n }} ORDER BY ?n VALUES ?n {{ 1 2 3 }}"
    answer = executor.run(store, values, limits=Limits(30, 2), union_default=False)
    assert (answer.count, answer.truncated) == (2, True)
    assert [row[1].value for row in rows_of(answer.body, "json")] == ["1", "2"]


def test_errors_are_those_of_the_text_as_sent(store: ox.Store, executor: Executor) -> None:
    from graph.sparql.execute import QueryFailed

    with pytest.raises(QueryFailed, match=r"syntax error: .*1:\d+") as caught:
        executor.run(store, "SELECT ?s WHERE { ?s ?p }", limits=Limits(30, 5), union_default=False)
    assert caught.value.kind is Kind.BAD_INPUT
    assert "LIMIT" not in str(caught.value)


def test_with_limit_places_the_limit_after_the_modifiers_and_before_values() -> None:
    nested = "PREFIX a: <x:> SELECT * WHERE { { SELECT ?s { ?s ?p ?o } LIMIT 3 } } ORDER BY ?s # note"
    assert with_limit(nested, 11) == nested + "\nLIMIT 11\n"  # the sub-select's LIMIT is its own
    values = "SELECT * WHERE { ?s ?p ?o } OFFSET 2 VALUES ?s { <x:a> }"
    assert with_limit(values, 5) == "SELECT * WHERE { ?s ?p ?o } OFFSET 2 \nLIMIT 5\nVALUES ?s { <x:a> }"
    assert with_limit('SELECT * { ?s ?p "LIMIT" } # LIMIT', 5) == 'SELECT * { ?s ?p "LIMIT" } # LIMIT\nLIMIT 5\n'
    escaped = "PREFIX ex: <x:>\nSELECT (ex:a\\#b AS ?c) WHERE { { SELECT ?s { ?s ?p ?o }\nVALUES ?s { ex:s } } }"
    assert with_limit(escaped, 5) == escaped + "\nLIMIT 5\n"  # `\#` in a name, not a comment
    iri = "SELECT * { ?s <x:\\u0061#b> ?o {\nSELECT * {} VALUES ?x { 1 } } }"
    assert with_limit(iri, 5) == iri + "\nLIMIT 5\n"  # `\u0061` in an IRI
    assert with_limit("select * { ?s ?p ?o } limit 3", 5) is None
    tagged = 'SELECT ?o (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?o HAVING (?o != "x"@limit && ?o != "y"@values)'
    assert with_limit(tagged, 5) == tagged + "\nLIMIT 5\n"  # language tags, not the keywords LIMIT and VALUES
    assert with_limit("ASK { ?s ?p ?o }", 5) is None
    assert with_limit("CONSTRUCT WHERE { ?s ?p ?o }", 5) is None


def test_oxigraph_writes_the_select_answers_it_can(
    store: ox.Store, executor: Executor, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    original = results.native_answer

    def spy(solutions: ox.QuerySolutions, fmt: str, max_rows: int, check: Any) -> tuple[bytes, int, bool] | None:
        written.append(fmt)
        return original(solutions, fmt, max_rows, check)

    monkeypatch.setattr(results, "native_answer", spy)
    for fmt in ("json", "xml", "tsv", "csv"):
        executor.run(store, QUERY, result_format=fmt, limits=Limits(30, 3), union_default=False)
    executor.run(store, QUERY + " LIMIT 2", limits=Limits(30, 3), union_default=False)  # its own LIMIT
    assert written == ["json", "xml", "tsv"]
    xml = executor.run(store, QUERY, result_format="xml", limits=Limits(30, 3), union_default=False)
    assert xml.body.startswith(b'<?xml version="1.0"?><sparql')  # Oxigraph's writer (the row path adds a newline)


def test_a_literal_ending_in_the_json_row_marker_is_counted_and_cut_right(executor: Executor) -> None:
    data = ox.Store()
    for i, text in enumerate(["a,{", "b", "c,{", "d,{"]):
        data.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}label"), ox.Literal(text, language="en")))
    text = f"SELECT ?label WHERE {{ ?s <{EX}label> ?label }} ORDER BY ?label"
    for max_rows, expected in [(1, ["a,{"]), (3, ["a,{", "b", "c,{"]), (4, ["a,{", "b", "c,{", "d,{"])]:
        answer = executor.run(data, text, limits=Limits(30, max_rows), union_default=False)
        assert [row[0].value for row in rows_of(answer.body, "json")] == expected
        assert (answer.count, answer.truncated) == (len(expected), max_rows < 4)


def test_the_deadline_stops_oxigraph_writing(store: ox.Store) -> None:
    many = ox.Store()
    many.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)))
                     for i in range(20_000))
    calls = []

    def check() -> None:
        calls.append(1)
        if len(calls) == 3:
            raise TimeoutError

    def solutions() -> ox.QuerySolutions:
        result = many.query(f"SELECT * WHERE {{ ?s <{EX}p> ?o }} LIMIT 20001")
        assert isinstance(result, ox.QuerySolutions)
        return result

    whole: list[int] = []
    results.native_answer(solutions(), "json", 20_000, lambda: whole.append(1))
    with pytest.raises(TimeoutError):
        results.native_answer(solutions(), "json", 20_000, check)
    assert len(whole) > 100 and len(calls) < 6  # ~1.5 MB in ~8 KB chunks; stopped right after the third


@pytest.mark.parametrize(("text", "options", "message"), [
    (f"SELECT * WHERE {{ ?s <{EX}n> ?n }}", {"base_iri": "::not an iri"}, "query failed: Invalid base IRI"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", {},  # Oxigraph refuses port 9 itself
     "query evaluation failed: The port 9 is not allowed"),
])
def test_failures_while_oxigraph_writes_are_the_row_by_row_ones(
    store: ox.Store, executor: Executor, text: str, options: dict[str, Any], message: str
) -> None:
    from graph.sparql.execute import QueryFailed

    said = []
    for fmt in ("json", "csv"):  # Oxigraph writes JSON; CSV goes row by row
        with pytest.raises(QueryFailed) as caught:
            executor.run(store, text, result_format=fmt, limits=Limits(30, 5), union_default=False, **options)
        said.append((caught.value.kind, str(caught.value)))
    assert said[0] == said[1] and said[0][0] is Kind.BAD_INPUT and said[0][1].startswith(message)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_failed_query_leaves_its_results_in_the_worker(
    store: ox.Store, executor: Executor, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """pyoxigraph's solutions must be dropped in the thread that made them; a failure's traceback must not carry
    them to the request thread (there they cannot be freed and Python reports it)."""
    import gc
    import sys

    from graph.sparql.execute import QueryFailed

    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(QueryFailed):
        executor.run(store, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                     result_format=fmt, limits=Limits(30, 5), union_default=False)
    gc.collect()
    assert not unraisable


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_without_a_row_limit_every_row_comes_and_nothing_is_cut(store: ox.Store, executor: Executor, fmt: str) -> None:
    whole = executor.run(store, QUERY, result_format=fmt, limits=Limits(30, None), union_default=False)
    capped = executor.run(store, QUERY, result_format=fmt, limits=Limits(30, 1000), union_default=False)
    assert (whole.count, whole.truncated) == (len(TRICKY) + 1, False)
    assert whole.body == capped.body
    own = executor.run(store, QUERY + " LIMIT 3", result_format=fmt, limits=Limits(30, None), union_default=False)
    assert (own.count, own.truncated) == (3, False)
    graph = executor.run(store, f"CONSTRUCT WHERE {{ ?s <{EX}n> ?n }}", graph_format="nt", limits=Limits(30, None),
                         union_default=False)
    assert (graph.count, graph.truncated) == (len(TRICKY), False)

"""A full validation's own queries and how they run (graph/shacl/compile.py `Check.whole`, graph/shacl/run.py).

The queries for all focus nodes (MINUS instead of a NOT EXISTS per focus node, counts over the whole graph, the
instances of a class removed at once) find what the queries restricted to focus nodes find, on synthetic data
with violations and on shapes with every kind of path. Queries run in parallel find what they find one by one.
A query the store fails is one line. The report graph is written on first use, the text report without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import RDF, SH
from test_shacl_engine import inject, keys, same

from graph.cli import commands
from graph.core.namespaces import MGKG
from graph.shacl import run
from graph.shacl.compile import Check, compile_shapes
from graph.shacl.derived import stated_in
from graph.shacl.report import ReportWriter
from graph.shacl.terms import TermMap, load_dataset, load_triples, ontology_missing
from graph.shacl.validate import load_ontology, load_shapes, validate_graph, validate_store
from graph.store import EmbeddedStore, StoreError, open_store
from graph.synth.generate import Synthesizer
from graph.synth.write import write

Rows = set[tuple[Any, ...]]


def rows(store: Any, text: str) -> Rows:
    """The solutions of a query on the union of the store's graphs, as a set of tuples."""
    solutions = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return {tuple(s[name] for name in names) for s in solutions}


def focus_form(check: Check) -> str:
    """The check's query as it is restricted to focus nodes, with no restriction: every focus node."""
    return check.head + check.middle + check.tail


def component(found: Any) -> str:
    """The local name of a check's or a result's constraint component, without "ConstraintComponent"."""
    return str(found.component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """200 synthetic projects with violations of many kinds (a participation with two participants too), loaded
    as `validate_dataset` loads a dataset: with the mgkg:statedIn triples and the ontology."""
    path = tmp_path_factory.mktemp("whole") / "synth.nq"
    write(Synthesizer(200, 5), path)
    data = Dataset()
    data.parse(path, format="nquads")
    inject(data)
    participation = sorted((s for s, _, _, _ in data.quads((None, RDF.type, MGKG.Participation, None))), key=str)[1]
    organisation = sorted((s for s, _, _, _ in data.quads((None, RDF.type, MGKG.Ministry, None))), key=str)[0]
    graph = next(g for _, _, _, g in data.quads((participation, None, None, None)))
    data.add((participation, MGKG.participant, organisation, data.graph(graph)))  # MaxCount
    store, terms = ox.Store(), TermMap()
    load_dataset(store, terms, data)
    load_triples(store, terms, stated_in(data))
    if ontology_missing(store):
        load_triples(store, terms, load_ontology())
    return store


def test_whole_queries_find_what_the_focus_queries_find(synthetic_store: ox.Store) -> None:
    found = set()
    for check in compile_shapes(load_shapes()).checks:
        if check.whole:
            whole = rows(synthetic_store, check.query())
            assert whole == rows(synthetic_store, focus_form(check)), (check.shape, check.component)
            found |= {component(check)} if whole else set()
    assert found >= {"MinCount", "MaxCount", "QualifiedMinCount", "Class"}


SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ; sh:maxCount 1 ; sh:class ex:D ] ,
        [ sh:path [ sh:alternativePath ( ex:q ex:r ) ] ; sh:minCount 1 ; sh:maxCount 2 ] ,
        [ sh:path ( ex:q ex:s ) ; sh:minCount 1 ] ,
        [ sh:path [ sh:oneOrMorePath ex:t ] ; sh:minCount 1 ; sh:maxCount 1 ] ,
        [ sh:path ex:q ; sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMinCount 1 ;
          sh:qualifiedMaxCount 1 ] ,
        [ sh:path ex:r ; sh:qualifiedValueShape [ sh:path ex:s ; sh:minCount 1 ] ; sh:qualifiedMinCount 1 ] .
"""

DATA = """@prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:E rdfs:subClassOf ex:D .
ex:good a ex:C ; ex:q ex:d1 ; ex:r ex:x ; ex:t ex:t1 . ex:e1 a ex:E ; ex:p ex:good . ex:d1 a ex:D ; ex:s 1 .
ex:x ex:s 2 .
ex:bare a ex:C .
ex:crowded a ex:C ; ex:q ex:d1, ex:d2 ; ex:r ex:x ; ex:t ex:t1 . ex:t1 ex:t ex:t2 . ex:d2 a ex:E .
ex:n1 ex:p ex:crowded . ex:n2 ex:p ex:crowded .
ex:literal a ex:C ; ex:q "d1" ; ex:r "x" .
ex:blank a ex:C ; ex:q [ a ex:E ], [ a ex:D ] ; ex:r [ ex:s 1 ] ; ex:t [ ex:t ex:t2 ] . [ a ex:D ] ex:p ex:blank .
"""


def test_paths_of_every_kind_agree_with_pyshacl_and_closures_keep_the_focus_form() -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    data = Graph().parse(data=DATA, format="turtle")
    fast = validate_graph(data, shapes=shapes, ontology=Graph(), engine="oxigraph")
    same(fast, validate_graph(data, shapes=shapes, ontology=Graph(), engine="pyshacl"))
    store = ox.Store()
    load_triples(store, TermMap(), data)
    checks = compile_shapes(shapes).checks
    for check in checks:
        if check.whole:
            assert rows(store, check.query()) == rows(store, focus_form(check)), (check.path, check.component)
    closure = [c for c in checks if (c.path, SH.oneOrMorePath, None) in shapes]
    assert closure and not any(c.whole for c in closure if component(c) in ("MinCount", "MaxCount"))
    assert {component(c) for c in checks if c.whole} >= {"MinCount", "MaxCount", "Class", "QualifiedMinCount",
                                                         "QualifiedMaxCount"}
    assert {component(r) for r in fast.results} >= {"MinCount", "MaxCount", "Class", "QualifiedMinCount"}


def test_parallel_queries_find_what_sequential_ones_find(
    synthetic_store: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [check.query() for check in compile_shapes(load_shapes()).checks]
    parallel = run.run_queries(synthetic_store, texts, threads=2)
    sequential = run.run_queries(synthetic_store, texts, threads=1)
    assert [(names, set(found)) for names, found in parallel] == [(names, set(found)) for names, found in sequential]
    report = validate_store(synthetic_store, engine="oxigraph")
    monkeypatch.setattr(run, "THREADS", 1)
    one_by_one = validate_store(synthetic_store, engine="oxigraph")
    assert report.serialize("text") == one_by_one.serialize("text") and report.violations
    assert keys(report) == keys(one_by_one)


def test_a_check_runs_over_the_whole_graph_or_node_by_node_with_the_same_results(
    synthetic_store: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = compile_shapes(load_shapes()).checks
    monkeypatch.setattr(run, "SMALL_TARGET", 1)
    texts = run.full_queries(synthetic_store, checks)
    empty = [check for check, text in zip(checks, texts, strict=True) if text is None]
    assert empty and all(not rows(synthetic_store, check.query()) for check in empty)
    assert all(text == check.query() for check, text in zip(checks, texts, strict=True) if text)
    whole = validate_store(synthetic_store, engine="oxigraph").serialize("text")
    monkeypatch.setattr(run, "SMALL_TARGET", 10**9)
    texts = run.full_queries(synthetic_store, checks)
    assert all(text == check.query(whole=False) for check, text in zip(checks, texts, strict=True) if text)
    assert validate_store(synthetic_store, engine="oxigraph").serialize("text") == whole


class Failing:
    """A store whose query `text` fails, as a read error of Oxigraph's would; it counts the queries asked."""

    def __init__(self, store: ox.Store, text: str) -> None:
        self.store, self.text, self.asked = store, text, 0

    def query(self, text: str, **options: Any) -> Any:
        self.asked += 1
        if text == self.text:
            raise OSError("IO error: While reading block: simulated\nsecond line")
        return self.store.query(text, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_a_failing_query_is_a_store_error_of_one_line_and_stops_the_others(synthetic_store: ox.Store) -> None:
    texts = [check.query() for check in compile_shapes(load_shapes()).checks]
    failing = Failing(synthetic_store, texts[2])
    with pytest.raises(StoreError) as raised:
        run.run_queries(failing, texts, threads=2)  # type: ignore[arg-type]
    assert str(raised.value) == "a validation query failed: IO error: While reading block: simulated"
    assert failing.asked < len(texts) // 2  # the queries not started yet were not run


def test_mgkg_validate_reports_a_failing_query_as_one_line(
    synthetic_store: ox.Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = open_store("memory")
    labelled = next(c for c in compile_shapes(load_shapes()).checks if str(c.shape).endswith("#Labelled"))
    store.raw = Failing(synthetic_store, run.full_queries(synthetic_store, [labelled])[0] or "")  # type: ignore

    def opened(_settings: object) -> EmbeddedStore:
        assert isinstance(store, EmbeddedStore)
        return store

    monkeypatch.setattr(commands, "open_built", opened)
    result = CliRunner().invoke(commands.cli, ["--data-dir", str(tmp_path), "validate"], catch_exceptions=False)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.strip().splitlines() == [
        "mgkg: error: a validation query failed: IO error: While reading block: simulated"
    ]


def test_the_report_graph_is_written_on_first_use(synthetic_store: ox.Store, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[None] = []
    complete = ReportWriter.complete
    monkeypatch.setattr(ReportWriter, "complete", lambda self, graph: written.append(complete(self, graph)))
    report = validate_store(synthetic_store, engine="oxigraph")
    text, as_json = report.serialize("text"), report.serialize("json")
    assert written == []
    graph = report.graph
    node = next(graph.subjects(RDF.type, SH.ValidationReport))
    assert len(list(graph.objects(node, SH.result))) == len(report.results)
    assert graph.value(node, SH.conforms) == Literal(False)
    size = len(graph)
    assert len(report.graph) == size and len(written) == 1
    assert (report.serialize("text"), report.serialize("json")) == (text, as_json)
    assert set(graph.objects(None, SH.focusNode)) == {r.focus_node for r in report.results}

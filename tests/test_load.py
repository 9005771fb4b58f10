"""`mgkg load FILE…`: formats by extension, graphs, throughput line, one-line errors, nothing written on bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from rdflib import Dataset
from support.virtuoso import oxigraph_endpoint

import graph.store.embedded as store_module
from graph.build import write_store
from graph.changes.journal import Journal
from graph.cli.commands import cli
from graph.export import export
from graph.store import EmbeddedStore, StoreError

BASE = "https://w3id.org/mgkg/"
TRIPLE = '<https://w3id.org/mgkg/id/thing/{0}> <http://www.w3.org/2000/01/rdf-schema#label> "thing {0}"@en .\n'


def mgkg(*args: str) -> Result:
    """Run mgkg in-process (no config file, default base)."""
    return CliRunner().invoke(cli, list(args), env={"MGKG_CONFIG": "", "MGKG_BASE": "", "MGKG_STORE": ""})


def one_line_error(result: Result) -> str:
    """Assert exit 2 and a single `mgkg: error:` line; return it."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mgkg: error: "), result.stderr
    return lines[0]


def quads_of(path: Path) -> dict[str, int]:
    """Quads per named graph in the on-disk store at `path`."""
    store = EmbeddedStore(path, read_only=True)
    try:
        counts: dict[str, int] = {}
        for quad in store.raw:
            counts[str(quad.graph_name)] = counts.get(str(quad.graph_name), 0) + 1
        return counts
    finally:
        store.close()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder with one small file per format."""
    (tmp_path / "a.nt").write_text("".join(TRIPLE.format(i) for i in range(30)))
    (tmp_path / "b.ttl").write_text("@prefix t: <https://w3id.org/mgkg/id/thing/> .\nt:b a t:Kind .\n")
    (tmp_path / "c.nq").write_text(
        '<https://w3id.org/mgkg/id/thing/c> <http://e/p> "1" <https://w3id.org/mgkg/graph/quads> .\n'
        '<https://w3id.org/mgkg/id/thing/c> <http://e/p> "2" .\n'
    )
    (tmp_path / "d.trig").write_text(
        "<https://w3id.org/mgkg/graph/trig> { <https://w3id.org/mgkg/id/thing/d> <http://e/p> 1 . }\n"
        "<https://w3id.org/mgkg/id/thing/d> <http://e/p> 2 .\n"
    )
    (tmp_path / "e.jsonld").write_text('{"@id": "https://w3id.org/mgkg/id/thing/e", "http://e/p": "x"}')
    (tmp_path / "f.rdf").write_text(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:e="http://e/"><rdf:Description rdf:about="https://w3id.org/mgkg/id/thing/f">'
        "<e:p>y</e:p></rdf:Description></rdf:RDF>\n"
    )
    with gzip.open(tmp_path / "g.nt.gz", "wt") as handle:
        handle.write("".join(TRIPLE.format(f"g{i}") for i in range(5)))
    return tmp_path


def test_every_format_loads_into_named_graphs(files: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    names = ["a.nt", "b.ttl", "c.nq", "d.trig", "e.jsonld", "f.rdf", "g.nt.gz"]
    result = mgkg("--store", f"oxigraph:{store}", "load", *(str(files / n) for n in names))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("loaded 42 triples from 7 file(s) into oxigraph:")
    assert result.stdout.rstrip().endswith("triples/s)")
    graph = "<https://w3id.org/mgkg/graph/{}>".format
    assert quads_of(store) == {
        graph("a"): 30, graph("b"): 1, graph("quads"): 1, graph("c"): 1, graph("trig"): 1, graph("d"): 1,
        graph("e"): 1, graph("f"): 1, graph("g"): 5,
    }


def test_graph_option_names_the_graph_of_triples(files: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = mgkg("--store", f"oxigraph:{store}", "load", "--graph", "https://example.org/g", str(files / "a.nt"),
                  str(files / "c.nq"))
    assert result.exit_code == 0, result.stderr
    assert quads_of(store) == {"<https://example.org/g>": 31, "<https://w3id.org/mgkg/graph/quads>": 1}


def test_a_syntax_error_names_file_line_and_column_and_writes_nothing(files: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert mgkg("--store", f"oxigraph:{store}", "load", str(files / "b.ttl")).exit_code == 0
    bad = tmp_path / "bad.nt"
    bad.write_text(TRIPLE.format(1) + '<http://e/s> <http://e/p> "open .\n')
    line = one_line_error(mgkg("--store", f"oxigraph:{store}", "load", str(files / "a.nt"), str(bad)))
    assert line.startswith(f"mgkg: error: {bad}:2:") and "N-Triples syntax error" in line
    assert quads_of(store) == {"<https://w3id.org/mgkg/graph/b>": 1}


def test_a_syntax_error_leaves_a_store_that_was_empty_empty(files: Path, tmp_path: Path) -> None:
    """An empty store is loaded without parsing the files first: what the good file wrote is removed again."""
    store = tmp_path / "store"
    bad = tmp_path / "bad.nt"
    bad.write_text("".join(TRIPLE.format(i) for i in range(20_000)) + '<http://e/s> <http://e/p> "open .\n')
    line = one_line_error(mgkg("--store", f"oxigraph:{store}", "load", str(files / "a.nt"), str(bad)))
    assert line.startswith(f"mgkg: error: {bad}:20001:") and "N-Triples syntax error" in line
    assert quads_of(store) == {}


def test_loading_into_an_empty_store_derives_what_the_whole_store_gives(tmp_path: Path) -> None:
    """The derived graph a load into an empty store computes from its quads is the one the update computes, with
    a source graph typed in one file and stated in another, a stale derived triple in a file, blank subjects."""
    derived = f"{BASE}graph/derived"
    (tmp_path / "types.nq").write_text(
        f"<{BASE}graph/doc> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{BASE}ontology#SourceGraph> "
        f"<{BASE}graph/meta> .\n"
        f"<{BASE}id/stale> <{BASE}ontology#statedIn> <{BASE}graph/doc> <{derived}> .\n")
    (tmp_path / "facts.nq").write_text(
        f'<{BASE}id/a> <http://e/p> "1" <{BASE}graph/doc> .\n'
        f'<{BASE}id/a> <http://e/p> "2" <{BASE}graph/doc> .\n'
        f'_:b <http://e/p> "3" <{BASE}graph/doc> .\n'
        f'<{BASE}id/c> <http://e/p> "4" <{BASE}graph/untyped> .\n')
    files = [str(tmp_path / "types.nq"), str(tmp_path / "facts.nq")]
    assert mgkg("--store", f"oxigraph:{tmp_path / 'fresh'}", "load", *files).exit_code == 0
    (tmp_path / "other.nt").write_text(TRIPLE.format(0))
    assert mgkg("--store", f"oxigraph:{tmp_path / 'used'}", "load", str(tmp_path / "other.nt")).exit_code == 0
    assert mgkg("--store", f"oxigraph:{tmp_path / 'used'}", "load", *files).exit_code == 0  # derived by the query
    found = []
    for name in ("fresh", "used"):
        store = EmbeddedStore(tmp_path / name, read_only=True)
        try:
            found.append({(q.subject.value, q.object.value)
                          for q in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(derived))})
        finally:
            store.close()
    assert found[0] == found[1] == {(f"{BASE}id/a", f"{BASE}graph/doc")}


@pytest.mark.parametrize(("name", "content", "message"), [
    ("x.json", "{}", "unknown RDF format"),
    ("missing.nt", None, "no such file"),
    ("bad.nt.gz", "not gzip", "cannot read"),
    ("bad.rdf", "<rdf:RDF", "RDF/XML syntax error"),
])
def test_bad_files_give_one_line(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / name).write_text(content)
    line = one_line_error(mgkg("--store", f"oxigraph:{tmp_path / 'store'}", "load", str(tmp_path / name)))
    assert message in line and name in line


def test_no_file_or_a_bad_graph_iri_gives_one_line(files: Path) -> None:
    assert "at least one FILE" in one_line_error(mgkg("--store", "memory", "load"))
    line = one_line_error(mgkg("--store", "memory", "load", "--graph", "not an iri", str(files / "a.nt")))
    assert "not a usable graph IRI" in line


def test_an_export_loads_back_to_the_same_graph(built: Dataset, store: EmbeddedStore, tmp_path: Path) -> None:
    dump = tmp_path / "mgkg.trig"
    dump.write_bytes(export(built, "trig"))
    result = mgkg("--store", f"oxigraph:{tmp_path / 'store'}", "load", str(dump))
    assert result.exit_code == 0, result.stderr
    reopened = EmbeddedStore(tmp_path / "store", read_only=True)
    try:  # the same bytes as the built store's export (a store keeps decimals by value: "20.0" is "20")
        assert export(reopened.dataset(), "trig") == export(store.dataset(), "trig")
    finally:
        reopened.close()


def test_load_into_a_remote_store(files: Path) -> None:
    with oxigraph_endpoint() as endpoint:
        spec = f"sparql:{endpoint.url}"
        result = mgkg("--store", spec, "load", str(files / "a.nt"), str(files / "d.trig"))
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(f"loaded 32 triples from 2 file(s) into {spec}")
        assert len(endpoint.store) == 32
        line = one_line_error(mgkg("--store", spec, "load", "--graph", "https://example.org/g", str(files / "b.ttl")))
        assert "named graphs only" in line and "https://example.org/g" in line
        assert len(endpoint.store) == 32


def test_validate_a_loaded_store_without_the_ontology(tmp_path: Path) -> None:
    """`mgkg validate` on a store `mgkg load` filled with synthetic data: the ontology is brought in, not required."""
    data, store = tmp_path / "s.nq", f"oxigraph:{tmp_path / 'store'}"
    assert mgkg("synth", "--projects", "30", "-o", str(data)).exit_code == 0
    assert mgkg("--store", store, "load", str(data)).exit_code == 0
    result = mgkg("--store", store, "validate")
    assert result.exit_code == 0, result.stdout
    assert "conforms" in result.stdout.lower()
    with data.open("a") as handle:  # an end date before the start date: a violation
        handle.write(
            "<https://w3id.org/mgkg/id/project/synth-000000> <https://w3id.org/mgkg/ontology#endDate> "
            '"1901-01-01"^^<http://www.w3.org/2001/XMLSchema#date> <https://w3id.org/mgkg/graph/extra> .\n'
        )
    assert mgkg("--store", store, "load", str(data)).exit_code == 0
    result = mgkg("--store", store, "validate")
    assert result.exit_code == 1 and "synth-000000" in result.stdout, result.stdout


@pytest.mark.parametrize("chunk", [1, 2, 100_000])
def test_a_memory_copy_holds_the_same_quads_and_blank_nodes_and_is_independent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(store_module, "COPY_CHUNK", chunk)  # several chunks, a partial last one, one chunk
    on_disk = EmbeddedStore(tmp_path / "store")
    on_disk.update(
        "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/p> _:b . "
        "_:b <http://example.org/q> \"x\"@en . <http://example.org/a> <http://example.org/q> 3 } }"
    )
    copy = on_disk.memory_copy()
    try:
        assert copy.path is None and copy.read_only
        assert set(copy.raw) == set(on_disk.raw) and len(copy) == 3  # pyoxigraph quads, blank node ids too
        copy.raw.clear()
        assert len(on_disk) == 3
    finally:
        copy.close()
        on_disk.close()


def test_load_and_build_compact_the_store_they_wrote(files: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Oxigraph's bulk loader leaves the store uncompacted (its queries ~1.4× slower at 1M): `mgkg load` and a
    build (write_store, with or without a journal) compact what they wrote, once; a store in memory is left be."""
    compacted: list[Path] = []
    real = EmbeddedStore.optimize

    def spy(store: EmbeddedStore) -> None:
        if store.path is not None:
            compacted.append(store.path)
        real(store)

    monkeypatch.setattr(EmbeddedStore, "optimize", spy)
    loaded = tmp_path / "loaded"
    assert mgkg("--store", f"oxigraph:{loaded}", "load", str(files / "a.nt"), str(files / "b.ttl")).exit_code == 0
    assert len(compacted) == 1 and sum(quads_of(loaded).values()) == 31
    dataset = Dataset()
    dataset.parse(files / "d.trig", format="trig")
    for journal in (None, Journal(tmp_path / "journal")):
        compacted.clear()
        write_store(dataset, f"oxigraph:{tmp_path / 'built'}", journal=journal)
        assert len(compacted) == 1 and sum(quads_of(tmp_path / "built").values()) == 2
    compacted.clear()
    assert mgkg("--store", "memory", "load", str(files / "a.nt")).exit_code == 0
    assert compacted == []


def test_a_store_that_cannot_be_compacted_gives_one_line(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")

    class Failing:
        def flush(self) -> None:
            raise OSError("No space left on device")

    kept, store.raw = store.raw, Failing()  # type: ignore[assignment]
    with pytest.raises(StoreError) as failed:
        store.optimize()
    assert str(failed.value) == f"cannot write to store {tmp_path / 'store'}: No space left on device"
    store.raw = kept
    store.close()

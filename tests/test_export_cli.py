"""`mgkg export`: --graph by short id, --data-only / --with-ontology, --split DIR; every error is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from graph.cli.commands import cli
from graph.core.namespaces import graph_iri
from graph.store import EmbeddedStore

EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}  # 2023-11-14


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke mgkg in-process with `args`."""
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def one_line_error(result: Result) -> str:
    """Assert a one-line `mgkg: error:` on stderr and exit code 2; return the line."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mgkg: error: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the graph built by `mgkg build`."""
    folder = tmp_path_factory.mktemp("data")
    assert run("--data-dir", str(folder), "build").exit_code == 0
    return folder


def test_graph_by_short_id(data_dir: Path, store: EmbeddedStore) -> None:
    result = run("--data-dir", str(data_dir), "export", "--graph", "003")
    assert result.exit_code == 0, result.stderr
    assert isomorphic(Graph().parse(data=result.stdout_bytes, format="turtle"),
                      store.dataset().graph(graph_iri("003_cfcd86acf525643f")))  # fmt: skip


def test_data_only_and_with_ontology(data_dir: Path) -> None:
    def graphs(*flags: str) -> set[str]:
        result = run("--data-dir", str(data_dir), "export", "--format", "nquads", *flags)
        back = Dataset().parse(data=result.stdout_bytes, format="nquads")
        return {str(g.identifier) for g in back.graphs() if len(g)}

    ontology = str(graph_iri("ontology"))
    assert ontology in graphs() and ontology in graphs("--with-ontology") and ontology not in graphs("--data-only")
    turtle = run("--data-dir", str(data_dir), "export", "--with-ontology").stdout
    assert "owl:Class" in turtle and "owl:Class" not in run("--data-dir", str(data_dir), "export").stdout


def test_split_writes_one_readable_file_per_graph(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "split"
    result = run("--data-dir", str(data_dir), "export", "--split", str(out), env=EPOCH)
    assert result.exit_code == 0, result.stderr
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == [
        "000_b68a0693b93220c3.ttl", "001_92490fab1da5f5ad.ttl", "002_7533f10130e28a2e.ttl",
        "003_cfcd86acf525643f.ttl", "004_81297e5f5f16a297.ttl", "curation.ttl", "derived.ttl", "enrichment.ttl",
        "enrichment/coco.ttl", "enrichment/countryinfo.ttl", "enrichment/geonames.ttl", "enrichment/iati.ttl",
        "enrichment/pycountry.ttl",
        "links.ttl", "provenance.ttl",
    ]  # fmt: skip
    first = {name: (out / name).read_bytes() for name in names}
    for name, data in first.items():
        text = data.decode()
        assert text.startswith(f"# Graph <{graph_iri(name.removesuffix('.ttl'))}>: ")
        assert "# Exported by `mgkg export --split` on 2023-11-14: " in text
        assert "# Comes from: " in text
        Graph().parse(data=data, format="turtle")
    assert "graph/sources/003_cfcd86acf525643f.ttl, curated by hand" in first["003_cfcd86acf525643f.ttl"].decode()
    assert "`mgkg link`" in first["links.ttl"].decode()
    again = run("--data-dir", str(data_dir), "export", "--split", str(out), env=EPOCH)
    assert again.exit_code == 0
    assert {name: (out / name).read_bytes() for name in names} == first


def test_split_other_formats_and_one_graph(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "trig"
    result = run("--data-dir", str(data_dir), "export", "--format", "trig", "--with-ontology", "--split", str(out))
    assert result.exit_code == 0, result.stderr
    assert (out / "ontology.trig").is_file()
    back = Dataset().parse(out / "links.trig", format="trig")
    assert {str(g.identifier) for g in back.graphs() if len(g)} == {str(graph_iri("links"))}
    out = tmp_path / "one"
    assert run("--data-dir", str(data_dir), "export", "--format", "jsonld", "--graph", "links",
               "--split", str(out)).exit_code == 0  # fmt: skip
    assert [p.name for p in out.iterdir()] == ["links.jsonld"]
    assert (out / "links.jsonld").read_bytes().startswith(b"{")  # no comment header in JSON


def test_export_errors_are_one_line(data_dir: Path, tmp_path: Path) -> None:
    base = ("--data-dir", str(data_dir), "export")
    line = one_line_error(run(*base, "--graph", "nope"))
    assert "no graph 'nope'" in line and "000, 001" in line
    assert "exclude each other" in one_line_error(run(*base, "--split", str(tmp_path / "d"), "-o", str(tmp_path / "f")))
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert "cannot make the folder" in one_line_error(run(*base, "--split", str(blocker / "sub")))
    assert "SOURCE_DATE_EPOCH" in one_line_error(
        run(*base, "--split", str(tmp_path / "x"), env={"SOURCE_DATE_EPOCH": "soon"})
    )
    assert not (tmp_path / "x").exists() and not (tmp_path / "d").exists()


def test_a_graph_outside_the_base_gets_a_file_name_of_its_own() -> None:
    from graph.core.formats import by_name
    from graph.exports.split import file_name

    name = file_name(URIRef("https://example.org/some graph/x"), by_name("turtle"))
    assert name.startswith("example.org_some_graph_x-") and name.endswith(".ttl")

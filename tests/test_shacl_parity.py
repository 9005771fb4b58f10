"""Any SHACL engine run on mgkg's exports finds what `mgkg validate` finds.

pySHACL with its default settings (no inference, no ontology graph, no advanced features) validates the output
of `mgkg export` — TriG and N-Quads as an rdflib Dataset (pySHACL 0.40 validates the union of its graphs), Turtle
and N-Triples (the union) as a Graph — and gives the same results (focus node, path, severity, source shape,
constraint component) as `mgkg validate` on the store they were exported from. The shapes read only stored
triples: the mgkg:statedIn triples they need are in the exported derived graph. Checked on the built graph
(warnings and infos, no violation) and on synthetic data with violations of many kinds, loaded by `mgkg load`.
Apache Jena's `shacl validate` (scripts/jena, `make jena-deps`) on the N-Triples export gives the same results.
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import test_shacl_engine as engine
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import SH, NamespaceManager
from support.jena import run_jena

from graph.cli.commands import cli
from graph.core.namespaces import graph_iri
from graph.shacl.report import path_text, results_of
from graph.shacl.validate import load_ontology, load_shapes
from graph.synth.generate import Synthesizer
from graph.synth.write import write

FORMATS = {"trig": "trig", "nquads": "nquads", "turtle": "turtle", "nt": "nt"}
"""`mgkg export --format` → rdflib's parser; the first two keep the named graphs, the others give their union."""

Key = tuple[str, str, str, str, str]


def mgkg(data_dir: Path, *args: str) -> tuple[int, str]:
    """Run mgkg on the store in `data_dir`: exit code and standard output."""
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def keys(report: Graph) -> set[Key]:
    """(focus node, path, severity, source shape, component) of each result of a report graph."""
    nsm = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
    return {
        (str(r.focus_node), path_text(report, r.path, nsm), r.severity, str(r.shape), str(r.component))
        for r in results_of(report)
    }


def conforms(report: Graph) -> bool:
    """The report's sh:conforms."""
    values = list(report.objects(None, SH.conforms))
    assert len(values) == 1 and isinstance(values[0], Literal)
    return bool(values[0].toPython())


def pyshacl_on_export(data_dir: Path, fmt: str, tmp_path: Path) -> tuple[bool, Graph]:
    """pySHACL, default settings, on `mgkg export --format fmt`: its conforms and report graph."""
    out = tmp_path / f"export.{fmt}"
    ontology = ["--with-ontology"] if fmt == "turtle" else []  # Turtle holds the data only unless asked
    code, _ = mgkg(data_dir, "export", "--format", fmt, *ontology, "-o", str(out))
    assert code == 0
    data: Graph = Dataset() if fmt in ("trig", "nquads") else Graph()
    data.parse(out, format=FORMATS[fmt])
    found, report, _ = pyshacl.validate(data, shacl_graph=load_shapes())
    assert isinstance(report, Graph)
    return bool(found), report


def mgkg_validate(data_dir: Path) -> tuple[int, Graph]:
    """`mgkg validate --format turtle` on the store: exit code and report graph."""
    code, out = mgkg(data_dir, "validate", "--format", "turtle")
    return code, Graph().parse(data=out, format="turtle")


@pytest.fixture(scope="module")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the graph built from the curated sources."""
    data_dir = tmp_path_factory.mktemp("parity-built")
    assert mgkg(data_dir, "build")[0] == 0
    return data_dir


@pytest.fixture(scope="module")
def broken_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with synthetic data with violations of many kinds and the ontology (a store holds it: the
    shapes' class targets and sh:class need its rdfs:subClassOf), bulk-loaded by `mgkg load`."""
    folder = tmp_path_factory.mktemp("parity-broken")
    synth = folder / "synth.nq"
    write(Synthesizer(40, 11), synth)
    data = Dataset()
    data.parse(synth, format="nquads")
    engine.inject(data)
    data.graph(graph_iri("ontology")).__iadd__(load_ontology())
    broken = folder / "broken.nq"
    data.serialize(broken, format="nquads")
    code, out = mgkg(folder, "load", str(broken))
    assert code == 0, out
    return folder


@pytest.mark.parametrize("fmt", FORMATS)
def test_pyshacl_on_the_export_of_the_built_graph_finds_what_mgkg_validate_finds(
    built_dir: Path, fmt: str, tmp_path: Path
) -> None:
    code, expected = mgkg_validate(built_dir)
    assert code == 0, "warnings and infos only: mgkg accepts the graph"
    found, report = pyshacl_on_export(built_dir, fmt, tmp_path)
    assert keys(report) == keys(expected)
    assert {severity for _, _, severity, _, _ in keys(expected)} == {"Warning", "Info"}
    assert found is conforms(expected) is conforms(report) is False  # sh:conforms per spec: there are results


@pytest.mark.parametrize("fmt", FORMATS)
def test_pyshacl_on_the_export_of_data_with_violations_finds_what_mgkg_validate_finds(
    broken_dir: Path, fmt: str, tmp_path: Path
) -> None:
    code, expected = mgkg_validate(broken_dir)
    assert code == 1
    found, report = pyshacl_on_export(broken_dir, fmt, tmp_path)
    assert keys(report) == keys(expected)
    assert not found and not conforms(expected)
    shapes = {shape.rsplit("#", 1)[-1] for _, _, severity, shape, _ in keys(expected) if severity == "Violation"}
    assert {"StatedInSource", "Labelled", "TimeSpanShape", "MinistryShape"} <= shapes


def test_without_the_derived_graph_an_export_does_not_pass(built_dir: Path, tmp_path: Path) -> None:
    # the check the stored mgkg:statedIn triples make possible: drop them and every fact loses its source
    out = tmp_path / "export.trig"
    assert mgkg(built_dir, "export", "--format", "trig", "-o", str(out))[0] == 0
    data = Dataset()
    data.parse(out, format="trig")
    data.remove_graph(data.graph(next(g for g in data.graphs() if str(g.identifier).endswith("/graph/derived"))))
    _, report, _ = pyshacl.validate(data, shacl_graph=load_shapes())
    assert any(shape.endswith("#StatedInSource") for _, _, _, shape, _ in keys(report))  # type: ignore[arg-type]


@pytest.mark.parametrize("which", ["built", "broken"])
def test_jena_shacl_on_the_export_finds_what_mgkg_validate_finds(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    data_dir: Path = request.getfixturevalue(f"{which}_dir")
    code, expected = mgkg_validate(data_dir)
    assert code == (0 if which == "built" else 1)
    data, shapes = tmp_path / "export.nt", tmp_path / "shapes.nt"
    assert mgkg(data_dir, "export", "--format", "nt", "-o", str(data))[0] == 0  # Jena's shacl reads one graph
    load_shapes().serialize(shapes, format="nt")
    done = run_jena("shacl", "validate", "--shapes", str(shapes), "--data", str(data))
    assert done.returncode == 0, done.stderr
    report = Graph().parse(data=done.stdout, format="turtle")
    assert keys(report) == keys(expected)
    assert conforms(report) is conforms(expected) is False

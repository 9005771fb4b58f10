"""Export: every format round-trips to an isomorphic graph, and output is byte-identical run to run.

The readable writers' own properties (layout, blank nodes, prefixes, graph choice, split, JSON-LD context) are in
test_export_readable.py, test_export_select.py and test_export_jsonld.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from graph.core.formats import by_name
from graph.core.namespaces import graph_iri
from graph.export import FORMATS, ExportError, export, export_split


def named_graphs(dataset: Dataset) -> dict[str, Graph]:
    """Non-empty named graphs by IRI."""
    return {
        str(g.identifier): g for g in dataset.graphs() if isinstance(g.identifier, URIRef) and len(g)
    }


def union(dataset: Dataset) -> Graph:
    """All triples of all graphs."""
    merged = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        merged.add((s, p, o))
    return merged


def data_union(dataset: Dataset) -> Graph:
    """All triples of all graphs but the ontology's."""
    merged = Graph()
    for name, graph in named_graphs(dataset).items():
        if name != str(graph_iri("ontology")):
            merged += graph
    return merged


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_round_trips_to_an_isomorphic_graph(built: Dataset, fmt: str) -> None:
    plugin, keeps_graphs = by_name(fmt).rdflib, by_name(fmt).keeps_graphs
    data = export(built, fmt)
    if keeps_graphs:
        back = Dataset()
        back.parse(data=data, format=plugin)
        original, parsed = named_graphs(built), named_graphs(back)
        assert sorted(parsed) == sorted(original)
        for name, graph in original.items():
            assert isomorphic(graph, parsed[name]), name
    else:
        back_graph = Graph()
        back_graph.parse(data=data, format=plugin)
        expected = data_union(built) if fmt == "turtle" else union(built)  # Turtle: the data only, by default
        assert isomorphic(expected, back_graph)


@pytest.mark.parametrize("fmt", ["turtle", "nt", "xml"])
def test_with_the_ontology_every_triple_format_is_the_whole_union(built: Dataset, fmt: str) -> None:
    back = Graph().parse(data=export(built, fmt, ontology=True), format=by_name(fmt).rdflib)
    assert isomorphic(union(built), back)


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_data_only_leaves_the_ontology_graph_out_of_quad_formats(built: Dataset, fmt: str) -> None:
    back = Dataset()
    back.parse(data=export(built, fmt, ontology=False), format=by_name(fmt).rdflib)
    assert sorted(named_graphs(back)) == sorted(set(named_graphs(built)) - {str(graph_iri("ontology"))})


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads"])
def test_one_graph_only(built: Dataset, fmt: str) -> None:
    name = str(graph_iri("003_cfcd86acf525643f"))
    plugin, keeps_graphs = by_name(fmt).rdflib, by_name(fmt).keeps_graphs
    data = export(built, fmt, graph=name)
    back = Dataset()
    back.parse(data=data, format=plugin)
    exported = named_graphs(back)[name] if keeps_graphs else union(back)
    assert isomorphic(exported, built.graph(URIRef(name)))
    assert b"Stanka Dragojevica" not in data  # a fact of another document's graph


def test_turtle_uses_the_standard_prefixes(built: Dataset) -> None:
    head = export(built, "turtle").decode("utf-8")
    for line in (
        "@prefix mgkg: <https://w3id.org/mgkg/ontology#> .",
        "@prefix prj: <https://w3id.org/mgkg/id/project/> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
    ):
        assert line in head


def test_unknown_graph_and_format_are_errors(built: Dataset) -> None:
    with pytest.raises(ExportError, match=re.escape("no graph <https://example.org/nope>")):
        export(built, "turtle", graph="https://example.org/nope")
    with pytest.raises(ExportError, match="unknown format 'n3x'"):
        export(built, "n3x")
    with pytest.raises(ExportError, match="unknown format 'n3x'"):
        export_split(built, "n3x")


SCRIPT = """
import sys
from graph.build import load_dataset
from graph.export import FORMATS, export
for fmt in FORMATS:
    sys.stdout.buffer.write(export(load_dataset(), fmt) + b"\\0")
sys.stdout.buffer.write(export(load_dataset(), "turtle", ontology=True) + b"\\0")
"""


def test_output_is_byte_identical_across_processes() -> None:
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, env=env, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\0") == len(FORMATS) + 1

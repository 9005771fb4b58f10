"""Which graphs an export writes: `--graph` by IRI, prefixed name, short id, document or entity; bad names list
the choices."""

from __future__ import annotations

import re

import pytest
from rdflib import Dataset

from graph.core.namespaces import graph_iri
from graph.export import ExportError, export
from graph.exports.select import resolve, short_id

DOC_003 = "003_cfcd86acf525643f"


@pytest.mark.parametrize(
    ("spec", "graph"),
    [
        (str(graph_iri(DOC_003)), DOC_003),
        (f"<{graph_iri('curation')}>", "curation"),
        (f"mgg:{DOC_003}", DOC_003),
        ("003", DOC_003),
        (DOC_003, DOC_003),
        ("links", "links"),
        ("provenance", "provenance"),
        ("ontology", "ontology"),
        (f"doc:{DOC_003}", DOC_003),  # the document: the graph derived from it
        ("tc-0287", DOC_003),  # an entity: the one document graph that introduces it
        ("prj:tc-0287", DOC_003),
    ],
)
def test_a_graph_is_named_many_ways(built: Dataset, spec: str, graph: str) -> None:
    assert resolve(spec, built) == graph_iri(graph)


def test_a_short_id_exports_the_same_bytes_as_the_iri(built: Dataset) -> None:
    for fmt in ("turtle", "trig", "nquads"):
        assert export(built, fmt, graph="003") == export(built, fmt, graph=str(graph_iri(DOC_003)))


def test_an_unknown_graph_lists_the_choices(built: Dataset) -> None:
    with pytest.raises(ExportError) as error:
        export(built, "turtle", graph="nope")
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("no graph 'nope' in the store")
    assert ("000, 001, 002, 003, 004, curation, derived, enrichment, enrichment/coco, enrichment/countryinfo, "
            "enrichment/geonames, enrichment/iati, enrichment/pycountry, links, ontology or provenance") in message
    with pytest.raises(ExportError, match=re.escape("no graph <https://example.org/g>")):
        export(built, "turtle", graph="https://example.org/g")


def test_a_name_of_several_graphs_asks_for_one(built: Dataset) -> None:
    several = "'orgs:iom' names several graphs: 000, 001, 002, 003 or 004; give one"
    with pytest.raises(ExportError, match=re.escape(several)):
        export(built, "turtle", graph="orgs:iom")


def test_short_ids() -> None:
    assert short_id(graph_iri(DOC_003)) == "003"
    assert short_id(graph_iri("links")) == "links"
    assert short_id(graph_iri("links", "https://example.org/kg/"), "https://example.org/kg/") == "links"
    assert short_id(graph_iri("links"), "https://example.org/kg/") == str(graph_iri("links"))

"""The format registry (graph.core.formats): names, aliases, media types and extensions all lead to one format."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.core import formats
from graph.core.formats import RDF, RDF_READ, RESULTS, FormatError, by_extension, by_media_type, by_name


@pytest.mark.parametrize("fmt", RDF_READ + RESULTS, ids=lambda f: f"{f.name}-{f.extension}")
def test_every_format_is_found_by_its_name_media_type_and_extension(fmt: formats.Format) -> None:
    family = RDF_READ if fmt.is_rdf else RESULTS
    assert by_name(fmt.name, family) is fmt
    assert by_media_type(fmt.content_type, family) is fmt
    assert by_extension(f"data.{fmt.extension}", family) is fmt
    for alias in fmt.aliases:
        assert by_name(alias, family) is fmt


def test_names_are_unique_within_a_family() -> None:
    for family in (RDF_READ, RESULTS):
        keys = [key for fmt in family for key in (fmt.name, *fmt.aliases)]
        assert len(keys) == len(set(keys))


def test_the_pyoxigraph_enums_carry_media_type_extension_and_iri() -> None:
    turtle = by_name("ttl")
    assert (turtle.media_type, turtle.extension, turtle.rdf) == ("text/turtle", "ttl", ox.RdfFormat.TURTLE)
    assert turtle.iri == "http://www.w3.org/ns/formats/Turtle"
    assert by_name("csv", RESULTS).media_type == "text/csv"
    assert by_name("csv", RESULTS).content_type == "text/csv; charset=utf-8"
    assert by_name("jsonld").content_type == "application/ld+json"
    assert [f.name for f in RDF if f.keeps_graphs] == ["jsonld", "trig", "nquads"]


@pytest.mark.parametrize(
    ("lookup", "message"),
    [
        (lambda: by_name("yaml"), "unknown format 'yaml' (use turtle, nt, jsonld, xml, trig, nquads)"),
        (lambda: by_name("turtle", RESULTS), "unknown format 'turtle' (use json, xml, csv, tsv)"),
        (lambda: by_media_type("image/png"), "unsupported media type 'image/png'"),
        (lambda: by_media_type(""), "unsupported media type '(none)'"),
        (lambda: by_extension("notes.txt"), "notes.txt: unknown RDF format (use .ttl .nt .jsonld .rdf .trig .nq .n3)"),
        (lambda: by_extension("README"), "README: unknown RDF format"),
        (lambda: by_name("json", RESULTS).rdf, "json is a query-results format, not an RDF format"),
        (lambda: by_name("nt").results, "nt is an RDF format, not a query-results format"),
    ],
)
def test_unknown_formats_are_one_line_errors(lookup: object, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        lookup()  # type: ignore[operator]
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)

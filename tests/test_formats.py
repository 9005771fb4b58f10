"""The format registry (graph.core.formats): names, aliases, media types and extensions all lead to one format."""

from __future__ import annotations

import ast
from pathlib import Path

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


def test_w3c_format_iris_are_under_the_formats_namespace() -> None:
    iris = {fmt.name if fmt.is_rdf else f"results-{fmt.name}": fmt.iri for fmt in RDF + RESULTS}
    assert iris["jsonld"] == "http://www.w3.org/ns/formats/JSON-LD"  # pyoxigraph says …/ns/formats/data/JSON-LD
    assert iris["xml"] == "http://www.w3.org/ns/formats/RDF_XML"
    assert iris["results-json"] == "http://www.w3.org/ns/formats/SPARQL_Results_JSON"
    assert all(iri.startswith(formats.W3C_FORMATS) for iri in iris.values())


def test_pages_are_formats_without_an_rdf_or_results_side() -> None:
    assert [(f.name, f.content_type, f.extension) for f in formats.PAGES] == [
        ("json", "application/json", "json"),
        ("html", "text/html; charset=utf-8", "html"),
        ("text", "text/plain; charset=utf-8", "txt"),
    ]
    with pytest.raises(FormatError, match="html is a page format, not an RDF format"):
        _ = formats.HTML.rdf
    with pytest.raises(FormatError, match="no W3C format IRI"):
        _ = formats.JSON.iri


@pytest.mark.parametrize(
    ("key", "offered", "expected"),
    [
        ("json", (*RDF, formats.JSON, formats.TEXT), formats.JSON),  # a name beats a broader name
        ("json", RDF, by_name("jsonld")),  # … which is what is left among RDF formats
        ("text/plain", (*RDF, formats.JSON, formats.TEXT), formats.TEXT),  # a media type beats another's alias
        ("text/plain", RDF, by_name("nt")),
        ("text", RESULTS, by_name("tsv", RESULTS)),
        ("txt", (*RDF, formats.JSON, formats.TEXT), formats.TEXT),  # the extension
        ("application/json", (*RESULTS, formats.HTML), by_name("json", RESULTS)),
        ("application/xml", RDF, by_name("xml")),
        ("srx", RDF, by_name("xml")),  # SPARQL XML's alias names `xml`: RDF/XML here
        ("srj", formats.INDEX, formats.JSON),
        ("rdf", RESULTS, by_name("xml", RESULTS)),
        (" TTL ", RDF, by_name("turtle")),
        ("text", RDF, None),
        ("txt", RESULTS, None),
        ("application/sparql-results+json", RDF, None),  # media types never cross families
        ("turtle", RESULTS, None),
    ],
)
def test_lookup_takes_the_most_exact_match(key: str, offered: tuple[formats.Format, ...], expected: object) -> None:
    assert formats.lookup(key, offered) is expected


def test_negotiable_types_are_the_formats_own_then_the_broader_ones() -> None:
    assert formats.negotiable_types(RESULTS) == [
        "application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values",
        "application/json", "application/xml", "text/xml",
    ]  # fmt: skip
    assert formats.negotiable_types(formats.INDEX) == ["application/json", "text/html"]
    assert formats.negotiable_types(RDF)[6:] == ["application/json", "application/xml", "text/xml", "text/plain"]
    every = {media for fmt in formats.ALL for media in fmt.generic if "/" in media}
    assert every <= set(formats.negotiable_types(formats.ALL))


def test_media_types_list_every_exact_type_of_a_body() -> None:
    bodies = [by_name(name, RDF_READ) for name in ("turtle", "nt", "n3")]
    assert formats.media_types(bodies) == [
        "text/turtle", "application/x-turtle", "application/n-triples", "text/plain", "text/n3"
    ]
    assert by_media_type("application/x-turtle; charset=utf-8") is by_name("turtle")
    with pytest.raises(FormatError):
        by_media_type("application/json")  # a broader type is negotiated, never parsed as JSON-LD


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


# --- one registry: no other module keeps a table of formats ------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("graph", "server", "benchmarks")
REGISTRY = ROOT / "graph" / "core" / "formats.py"
EXEMPT: dict[str, str] = {}
"""Modules allowed a media-type literal in a collection, and why (none)."""

KNOWN = (*formats.ALL, *formats.UNNEGOTIATED)
MEDIA_TYPES = {media for fmt in KNOWN for media in (*fmt.media_types, *fmt.generic) if "/" in media}
"""Every media type the registry knows: spelt out anywhere else, it is a second registry."""


def _is_format_enum(node: ast.AST) -> bool:
    """`ox.RdfFormat.TURTLE`, `QueryResultsFormat.JSON` …: a member of a pyoxigraph format enum."""
    if not isinstance(node, ast.Attribute):
        return False
    owner = node.value
    name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
    return name in ("RdfFormat", "QueryResultsFormat")


def _media_type(node: ast.AST) -> str | None:
    """The value of a string literal that is a media type of the registry, parameters aside
    (`text/turtle; charset=utf-8`); None for any other node."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if node.value.split(";")[0].strip().lower() in MEDIA_TYPES else None
    return None


def media_type_literals(source: str) -> list[str]:
    """The media types of the registry `source` spells out rather than taking from it."""
    nodes = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant)]
    return [f"line {node.lineno}: {value!r}" for node in nodes if (value := _media_type(node))]


def format_tables(source: str) -> list[str]:
    """What in `source` builds a format table of its own: format enum members or registry media types as
    elements of a list, tuple, set or dict literal (comprehensions included), a `Format` class or `Format(…)`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            elements = [*(k for k in node.keys if k is not None), *node.values]
        elif isinstance(node, ast.DictComp):
            elements = [node.key, node.value]
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            elements = list(node.elts)
        elif isinstance(node, ast.ClassDef) and node.name == "Format":
            found.append(f"line {node.lineno}: class Format")
            continue
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Format":
            found.append(f"line {node.lineno}: Format(…)")
            continue
        else:
            continue
        for element in elements:
            if _is_format_enum(element):
                found.append(f"line {element.lineno}: {ast.unparse(element)}")
            elif value := _media_type(element):
                found.append(f"line {element.lineno}: {value!r}")
    return found


@pytest.mark.parametrize(
    "source",
    [
        'BODY = {"text/turtle": ox.RdfFormat.TURTLE, "text/n3": ox.RdfFormat.N3}',
        'FORMATS = {"json": ox.QueryResultsFormat.JSON}',
        "pair = (RdfFormat.N_TRIPLES, RdfFormat.TURTLE) if ttl else (RdfFormat.N_QUADS, RdfFormat.TRIG)",
        'W3C = {"application/n-quads": "N-Quads"}',
        'EXTRA = {"application/json": ("json", "jsonld")}',
        'REPORT = [Format("turtle", "text/turtle")]',
        'TYPES = ["application/sparql-results+json", "text/csv"]',
        'FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")',
        "class Format:\n    name: str",
    ],
)
def test_the_scan_finds_a_format_table(source: str) -> None:
    assert format_tables(source)


@pytest.mark.parametrize(
    "source",
    [
        "data = ox.serialize(triples, format=ox.RdfFormat.N_QUADS)",
        'response = Response(body, mimetype="application/json")',
        'QUAD_FORMATS = (by_name("trig"), by_name("nquads"))',
        'if request.mimetype == "text/turtle": pass',
    ],
)
def test_the_scan_leaves_uses_of_one_format_alone(source: str) -> None:
    assert format_tables(source) == []


def scanned_modules() -> list[Path]:
    """Every module of graph, server and benchmarks but the registry."""
    modules = [path for folder in SCANNED for path in sorted((ROOT / folder).rglob("*.py")) if path != REGISTRY]
    assert len(modules) > 50
    return modules


def test_no_module_outside_the_registry_builds_a_format_table() -> None:
    tables = {
        name: found
        for path in scanned_modules()
        if (name := path.relative_to(ROOT).as_posix()) not in EXEMPT
        and (found := format_tables(path.read_text(encoding="utf-8")))
    }
    assert tables == {}
    assert format_tables(REGISTRY.read_text(encoding="utf-8"))  # the registry itself is what the scan looks for


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('response = Response(body, mimetype="application/gzip")', ["line 1: 'application/gzip'"]),
        ('if request.mimetype == "application/sparql-update": pass', ["line 1: 'application/sparql-update'"]),
        ('headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}',
         ["line 1: 'application/x-www-form-urlencoded; charset=utf-8'"]),
        ('accept = "text/turtle"', ["line 1: 'text/turtle'"]),
        ('"""Reads text/turtle bodies."""', []),  # prose that names a media type
        ('kind = "application/x-unknown"', []),  # not the registry's
        ("response = Response(body, mimetype=JSON.media_type)", []),
    ],
)
def test_the_scan_finds_media_types_spelt_out(source: str, found: list[str]) -> None:
    assert media_type_literals(source) == found


def test_no_module_outside_the_registry_spells_out_a_media_type_of_it() -> None:
    spelt = {
        path.relative_to(ROOT).as_posix(): found
        for path in scanned_modules()
        if (found := media_type_literals(path.read_text(encoding="utf-8")))
    }
    assert spelt == {}


def test_format_lists_in_messages_come_from_the_registry() -> None:
    assert [formats.either(w) for w in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == ["", "a", "a or b", "a, b or c"]
    assert formats.names(RDF) == "turtle, nt, jsonld, xml, trig or nquads"
    assert formats.names(RESULTS) == "json, xml, csv or tsv"
    assert formats.extensions(RDF) == ".ttl, .nt, .jsonld, .rdf, .trig or .nq"
